"""Date selection: the ``l`` most important days of a collection, unsupervised.

Per day ``d`` the collection gives (:func:`date_features`):

- ``published``: articles published on ``d`` (alone, the PUBCOUNT baseline);
- ``mentioned_same``: articles published on ``d`` that name ``d`` ("today", "on Monday");
- ``mentioned_near``: articles published 1–3 days after ``d`` that name it (follow-ups);
- ``mentioned_far``: articles published more than 3 days after ``d`` that name it —
  retrospective references ("since the March 19 strikes"), which journalists' timelines
  favour;
- ``mentioned_after``: articles published before ``d`` that name it (announced dates).

Date expressions are read in English, French, Spanish, Italian and Arabic
(:mod:`~conflict_narratives.timelines.date_mentions`). The ``weighted`` score is a weighted
sum of the features, each divided by its total over the candidate days (so weights carry
over between collections of any size); the weights are fitted on the Timeline17
development topics only (``bench/timelines.py``; defaults in ``timelines.date_weights``).
With several outlets the score also rewards spread: each outlet's weighted score is
summed as square roots and squared, ``(Σ_o √s_o)²`` — the plain score when one outlet
covers the day, up to ``n_outlets ×`` when coverage is even — so a day many outlets
cover outranks one outlet's busy day. No weight governs this; with one outlet (Timeline17)
it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from conflict_narratives.timelines.date_mentions import parse_date_mentions

FEATURES = ("published", "mentioned_same", "mentioned_near", "mentioned_far", "mentioned_after")
METHODS = ("pubcount", "mentions", "pubmention", "weighted")
DEFAULT_METHOD = "weighted"
NEAR_DAYS = 3


def _doc_text(df: pd.DataFrame) -> pd.Series:
    title = df["title"].fillna("") if "title" in df else ""
    return (title + "\n" + df["text"].fillna("")).str.strip()


def date_mentions(df: pd.DataFrame, languages: Iterable[str] | None = None
                  ) -> list[list[dt.date]]:
    """The days each dated row's title and text name, relative to its publication day."""
    return [parse_date_mentions(text, pub, languages)
            for text, pub in zip(_doc_text(df), _pub_days(df), strict=True)]


def _pub_days(df: pd.DataFrame) -> pd.Series:
    """Publication days (UTC calendar days) of the dated rows."""
    dates = pd.to_datetime(df["date"], utc=True)
    return dates.dt.tz_localize(None).dt.date


def date_features(
    df: pd.DataFrame, *, languages: Iterable[str] | None = None, by: str | None = None
) -> pd.DataFrame:
    """Per day (and per ``by`` value, e.g. outlet, when given): the :data:`FEATURES` counts.
    Each article counts once per day it names. Rows without a date are ignored. The days
    each row names are read from its title and text, or taken from a ``mentions`` column
    (:func:`date_mentions`, found elsewhere: a cluster's workers)."""
    dated = df[df["date"].notna()]
    pubs = _pub_days(dated)
    groups = dated[by].fillna("").astype(str) if by else pd.Series("", index=dated.index)
    counts: dict[str, Counter] = {f: Counter() for f in FEATURES}
    mentions = dated["mentions"] if "mentions" in dated else \
        date_mentions(dated, languages)
    for days, pub, g in zip(mentions, pubs, groups, strict=True):
        counts["published"][(pub, g)] += 1
        for d in set(days):
            lag = (pub - d).days
            key = ("mentioned_same" if lag == 0 else "mentioned_after" if lag < 0
                   else "mentioned_near" if lag <= NEAR_DAYS else "mentioned_far")
            counts[key][(d, g)] += 1
    keys = sorted(set().union(*counts.values()))
    index = pd.MultiIndex.from_tuples(keys, names=["date", by or "_"]) if keys else \
        pd.MultiIndex.from_tuples([], names=["date", by or "_"])
    out = pd.DataFrame({f: [c[k] for k in keys] for f, c in counts.items()}, index=index)
    return out if by else out.droplevel(1)


def _in_span(feats: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    days = feats.index.get_level_values("date")
    keep = np.ones(len(feats), bool)
    if start is not None:
        keep &= np.asarray([d >= start for d in days])
    if end is not None:
        keep &= np.asarray([d <= end for d in days])
    return feats[keep]


def date_scores(
    feats: pd.DataFrame, method: str = DEFAULT_METHOD, weights: Mapping[str, float] | None = None
) -> pd.Series:
    """A score per day from :func:`date_features` (optionally per outlet, second index
    level). ``weighted`` needs ``weights`` (feature → weight)."""
    if method not in METHODS:
        raise ValueError(f"unknown date method {method!r}; choose one of {METHODS}")
    mentions = feats[["mentioned_same", "mentioned_near", "mentioned_far", "mentioned_after"]]
    if method == "pubcount":
        score = feats["published"].astype(float)
    elif method == "mentions":
        score = mentions.sum(axis=1).astype(float)
    elif method == "pubmention":
        score = (feats["published"] + mentions.sum(axis=1)).astype(float)
    else:
        if not weights:
            raise ValueError("the weighted date score needs weights (timelines.date_weights)")
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown date features {sorted(unknown)}; known: {FEATURES}")
        totals = feats.sum()
        score = sum(float(w) * feats[f] / totals[f] for f, w in weights.items() if totals[f] > 0)
        score = pd.Series(score, index=feats.index, dtype=float) if np.isscalar(score) else score
    if feats.index.nlevels > 1:  # spread across outlets: (Σ √s_o)²
        score = np.sqrt(score.clip(lower=0)).groupby(level="date").sum() ** 2
    return score.astype(float)


def rank_dates(score: pd.Series, n_dates: int) -> list[dt.date]:
    """The ``n_dates`` best-scored days with a positive score, sorted by date; ties break
    towards the earlier day."""
    score = score[score > 0]
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
    return sorted(d for d, _ in ranked[:n_dates])


def select_dates(
    df: pd.DataFrame,
    n_dates: int,
    *,
    method: str = DEFAULT_METHOD,
    weights: Mapping[str, float] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: str | None = None,
    languages: Iterable[str] | None = None,
) -> list[dt.date]:
    """The ``n_dates`` most important days (sorted) of ``df``'s dated documents.

    Only documents published in ``[start, end]`` are read and only days in that span are
    candidates (default: the publication span). ``weights`` default to the package's
    fitted ``timelines.date_weights``; ``by`` (e.g. ``"source"``) rewards outlet spread.
    The learned ranker: :func:`.date_ranker.select_days`."""
    if method not in METHODS:
        raise ValueError(f"unknown date method {method!r}; choose one of {METHODS}")
    dated = df[df["date"].notna()]
    days = _pub_days(dated)
    if days.empty:
        return []
    start, end = start or days.min(), end or days.max()
    dated = dated[((days >= start) & (days <= end)).to_numpy()]
    if method == "weighted" and weights is None:
        weights = default_weights()
    feats = _in_span(date_features(dated, languages=languages, by=by), start, end)
    return rank_dates(date_scores(feats, method, weights), n_dates)


def default_weights() -> dict[str, float]:
    """The fitted weights of the package defaults (``timelines.date_weights``)."""
    from conflict_narratives.settings import Settings

    return dict(Settings.defaults()["timelines"]["date_weights"])
