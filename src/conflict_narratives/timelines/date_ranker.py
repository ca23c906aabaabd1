"""A learned date ranker: which days of a collection a journalist's timeline would list.

Per candidate day (:func:`day_features`), from the documents alone — no topic model, so
it runs on a handful of documents — the counts of :func:`day_counts`: ``published``,
mentions by lag (``same``: published that day naming it; ``lag1_3``, ``lag4_7``,
``lag8_30``, ``lag31_``: published that many days later naming it — the later, the more
retrospective; ``before``: named ahead of time), ``retro`` (mentions 4 or more days later)
and ``mentioned`` (all mentions). Each enters as ``log1p`` standardised among the
collection's candidate days, so collections of any size compare.

A logistic regression over these features was trained on the 13 Timeline17 development
topics, each read twice: as its articles and as posts of their first 300 characters (a
channel's, which name few dates: the model learns what holds when mentions are sparse), and
evaluated leave-one-topic-out (``bench/date_ranker.py``, which also lists the
features tried and dropped: burstiness, neighbouring days, percentiles, shares of the
total); its coefficients ship in ``resources/date_ranker.json``, so nothing trains at run
time. Outlet spread is not a feature: Timeline17 has one outlet per topic, so nothing
could be learned about it; :func:`rank_days` applies the (Σ√)² spread of
:mod:`.date_selection` to the ranker's odds where there are several outlets.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from conflict_narratives.timelines.date_selection import _pub_days, date_mentions

LAGS = (("same", 0, 0), ("lag1_3", 1, 3), ("lag4_7", 4, 7), ("lag8_30", 8, 30),
        ("lag31_", 31, 10**6), ("before", -10**6, -1))
FEATURES = ("published", *(name for name, _, _ in LAGS), "retro", "mentioned")
RESOURCE = "date_ranker.json"


def day_counts(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per day named or published in: ``published``, the mentions at each lag of
    :data:`LAGS` and ``outlets`` (distinct ``by`` values publishing that day); mentions are
    read from ``title``/``text`` or taken from a ``mentions`` column."""
    dated = df[df["date"].notna()]
    pubs = _pub_days(dated)
    mentions = dated["mentions"] if "mentions" in dated else date_mentions(dated)
    groups = dated[by].fillna("").astype(str) if by else pd.Series("", index=dated.index)
    counts = {name: Counter() for name in ("published", *(n for n, _, _ in LAGS))}
    outlets: dict[dt.date, set] = {}
    for days, pub, g in zip(mentions, pubs, groups, strict=True):
        counts["published"][pub] += 1
        outlets.setdefault(pub, set()).add(g)
        for d in set(days):
            lag = (pub - d).days
            name = next(n for n, lo, hi in LAGS if lo <= lag <= hi)
            counts[name][d] += 1
    index = sorted(set().union(*counts.values()))
    out = pd.DataFrame({k: [c[d] for d in index] for k, c in counts.items()},
                       index=pd.Index(index, name="date"), dtype=float)
    out["outlets"] = [len(outlets.get(d, ())) for d in index]
    return out


def day_features(counts: pd.DataFrame) -> pd.DataFrame:
    """:data:`FEATURES` of the candidate days in ``counts`` (:func:`day_counts`, already
    restricted to the candidates): each count's ``log1p`` standardised among them."""
    counts = counts.assign(retro=counts[["lag4_7", "lag8_30", "lag31_"]].sum(axis=1),
                           mentioned=counts[[n for n, _, _ in LAGS]].sum(axis=1))
    logs = np.log1p(counts[list(FEATURES)].astype(float))
    sd = logs.std(ddof=0).replace(0, 1.0)
    return ((logs - logs.mean()) / sd).fillna(0.0)


@cache
def trained_model() -> dict:
    """The shipped model: ``features``, ``mean``, ``scale``, ``coef``, ``intercept`` and
    how it was trained and scored."""
    text = resources.files("conflict_narratives.resources").joinpath(RESOURCE).read_text(
        encoding="utf-8")
    return json.loads(text)


def model_scores(feats: pd.DataFrame, model: dict | None = None) -> pd.Series:
    """The ranker's log-odds per day of ``feats`` (:func:`day_features`)."""
    model = model or trained_model()
    if list(model["features"]) != list(FEATURES):
        raise ValueError(f"the date ranker was trained on {model['features']}, not {FEATURES}")
    x = (feats[list(FEATURES)].to_numpy(float) - np.asarray(model["mean"])) / np.asarray(
        model["scale"])
    return pd.Series(x @ np.asarray(model["coef"]) + model["intercept"], index=feats.index)


def fit(features: list[pd.DataFrame], labels: list[np.ndarray], c: float = 1.0) -> dict:
    """A model (see :func:`trained_model`) fitted on per-collection day features and
    labels (True: a reference date), each collection weighing the same."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([f[list(FEATURES)].to_numpy(float) for f in features])
    y = np.concatenate(labels).astype(int)
    w = np.concatenate([np.full(len(f), 1.0 / max(len(f), 1)) for f in features])
    scaler = StandardScaler().fit(X)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    lr = LogisticRegression(C=c, max_iter=1000).fit((X - scaler.mean_) / scale, y,
                                                    sample_weight=w * len(features))
    return {"features": list(FEATURES), "mean": scaler.mean_.tolist(), "scale": scale.tolist(),
            "coef": lr.coef_[0].tolist(), "intercept": float(lr.intercept_[0])}


def rank_days(df: pd.DataFrame, *, start: dt.date | None = None, end: dt.date | None = None,
              by: str | None = None, model: dict | None = None) -> pd.DataFrame:
    """The candidate days of ``df``'s dated documents published in ``[start, end]``
    (default: their span), best first: :func:`day_counts` with ``score`` (the ranker's
    log-odds, plus log (Σ_o √published_o)² / published where ``by`` names several
    outlets: coverage spread evenly counts up to n-outlets times) and ``rank``."""
    dated = df[df["date"].notna()]
    pubs = _pub_days(dated)
    if pubs.empty:
        return pd.DataFrame(columns=["date", *FEATURES[:7], "outlets", "score", "rank"])
    start, end = start or pubs.min(), end or pubs.max()
    dated = dated[((pubs >= start) & (pubs <= end)).to_numpy()]
    counts = day_counts(dated, by)
    counts = counts[[start <= d <= end for d in counts.index]]
    score = model_scores(day_features(counts), model)
    if by and dated[by].nunique() > 1:
        per = dated.assign(_day=_pub_days(dated)).groupby(["_day", by]).size()
        even = np.sqrt(per).groupby(level=0).sum() ** 2 / per.groupby(level=0).sum()
        score += np.log(even.reindex(counts.index).fillna(1.0).to_numpy())
    out = counts.assign(score=score).reset_index()
    out = out.sort_values(["score", "date"], ascending=[False, True], ignore_index=True)
    return out.assign(rank=np.arange(1, len(out) + 1))


def select_days(df: pd.DataFrame, n_dates: int, *, start: dt.date | None = None,
                end: dt.date | None = None, by: str | None = None) -> list[dt.date]:
    """The ``n_dates`` best days of :func:`rank_days`, sorted by date."""
    return sorted(rank_days(df, start=start, end=end, by=by)["date"].head(n_dates))


DATE_COLUMNS = ["date", "published", *(n for n, _, _ in LAGS), "outlets", "score", "rank",
                "selected"]


def dates_table(docs: pd.DataFrame, n_dates: int) -> pd.DataFrame:
    """The timeline's ``dates`` table: every candidate day of ``docs`` (dated documents,
    any topic or none) ranked by :func:`rank_days` (outlet spread where ``source`` has
    several outlets), ``selected`` the best ``n_dates``."""
    by = "source" if "source" in docs and docs["source"].nunique() > 1 else None
    ranked = rank_days(docs, by=by)
    out = ranked.assign(selected=ranked["rank"] <= n_dates) if len(ranked) else \
        pd.DataFrame(columns=DATE_COLUMNS)
    out = out[DATE_COLUMNS].astype({c: "float64" for c in DATE_COLUMNS[1:-3]})
    return out.astype({"date": "datetime64[ns]", "rank": "int64", "selected": "bool"})
