"""Story-level events beneath topics: a story that dominates a few days inside a broad,
always-busy topic (Syria, Yemen) becomes an event even when the topic's weekly share stays
flat and no topic burst is found.

Stories (:func:`detect_stories`) are found per topic by single-pass clustering in time
order, as in topic detection and tracking: each document joins the story whose centroid is
nearest (cosine of the embeddings, at least ``threshold``) among the topic's stories active
in the last ``window_days``, else it starts a new one. Centroids, not nearest neighbours, so a
story does not drift through a chain of pairwise-similar reports.

A story becomes an event (:func:`story_events`) when it has at least ``min_docs``
documents, its busiest day at least ``min_day_docs``, at least ``min_outlets`` outlets when
the corpus has several, and on its busiest day it holds at least ``min_share`` of its
topic's documents — it dominates the topic that day. Its date is the day its own documents
point to (:mod:`~conflict_narratives.timelines.date_selection`: publications plus date
expressions, within the story's span and up to ``window_days`` before it), so a story
reported the morning after is dated to the day it happened; its summary is its most central
headline.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse

import conflict_narratives.timelines.date_selection as ds
from conflict_narratives.timelines.terms import (
    distinctive_terms,
    headline,
    headline_terms,
    headline_terms_of,
)
from conflict_narratives.timelines.windows import bounded_window, context_features

log = logging.getLogger(__name__)
COLUMNS = ["date", "start", "end", "topic", "label", "words", "intensity", "evidence",
           "n_docs", "outlets", "headlines", "doc_ids", "summary", "level", "span_start",
           "span_end", "window_docs", "novelty", "recurrence"]
SCALED = ("min_docs", "min_day_docs")  # scaled down on corpora with few documents a day


def story_defaults() -> dict[str, float]:
    """The ``timelines.stories`` package defaults (threshold, window_days, min_docs, ...)."""
    from conflict_narratives.settings import Settings

    return {k: v for k, v in Settings.defaults()["timelines"]["stories"].items()
            if k != "enabled"}


def adapted_settings(params: Mapping[str, float | None], docs: pd.DataFrame,
                     by: str | None) -> dict[str, float]:
    """:func:`story_settings` fitted to the corpus (``docs``: its placed documents):
    ``min_docs`` and ``min_day_docs`` scaled by √(documents per active day /
    ``reference_daily_docs``) when the corpus is quieter than that (never below 2), and
    ``min_outlets`` at most the corpus's outlets (no outlet rule with one outlet)."""
    p = story_settings(params)
    days = _days(docs["date"]).nunique() if len(docs) else 0
    rate = len(docs) / days if days else 0.0
    factor = min(1.0, np.sqrt(rate / p["reference_daily_docs"]))
    for key in SCALED:
        p[key] = max(2, int(round(p[key] * factor)))
    p["min_outlets"] = min(p["min_outlets"], docs[by].nunique()) if by else 1
    return p


def _days(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates, utc=True).dt.tz_localize(None)
    return d.dt.floor("D")


def detect_stories(
    docs: pd.DataFrame, vectors: np.ndarray, *, threshold: float = 0.75, window_days: float = 3
) -> np.ndarray:
    """Story number of each row of ``docs`` (``date``, ``topic``; rows aligned with
    ``vectors``), unique across topics; outlier documents (topic -1) get -1."""
    if len(docs) != len(vectors):
        raise ValueError(f"{len(vectors)} vectors for {len(docs)} documents")
    if not 0 < threshold <= 1 or window_days <= 0:
        raise ValueError("threshold must be in (0, 1] and window_days > 0")
    vectors = np.asarray(vectors, dtype=np.float32)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    t = pd.to_datetime(docs["date"], utc=True).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    window = np.int64(window_days * 86_400 * 10**9)
    labels = np.full(len(docs), -1)
    next_id = 0
    topics = docs["topic"].to_numpy()
    for topic in np.unique(topics):
        if topic == -1:
            continue
        rows = np.flatnonzero(topics == topic)
        rows = rows[np.argsort(t[rows], kind="stable")]
        sums = np.zeros((len(rows), vectors.shape[1]), np.float32)  # at most one per doc
        last = np.full(len(rows), np.iinfo(np.int64).min, np.int64)
        active = np.empty(0, np.int64)  # stories seen within the window, oldest first
        n = 0
        for r in rows:  # in time order: a story out of the window never comes back
            active = active[last[active] >= t[r] - window]
            if len(active):
                cents = sums[active]
                sims = cents @ vectors[r] / np.maximum(np.linalg.norm(cents, axis=1), 1e-12)
                j = int(np.argmax(sims))
                if sims[j] >= threshold:
                    k = active[j]
                    sums[k] += vectors[r]
                    last[k] = max(last[k], t[r])
                    labels[r] = next_id - n + k
                    continue
            sums[n], last[n] = vectors[r], t[r]
            active = np.append(active, n)
            labels[r] = next_id
            n += 1
            next_id += 1
    return labels


def _central(vectors: np.ndarray) -> np.ndarray:
    """Row order by cosine to the centroid, most central first."""
    c = vectors.mean(axis=0)
    sims = vectors @ c / np.maximum(np.linalg.norm(vectors, axis=1) * np.linalg.norm(c), 1e-12)
    return np.argsort(-sims, kind="stable")


def _event_day(story: pd.DataFrame, start: dt.date, end: dt.date, window_days: float,
               weights: Mapping[str, float] | None, by: str | None) -> dt.date:
    """The day the story's documents point to: the best date-selection score in
    ``[start - window, end]``; the busiest day when no score is positive."""
    lo = start - dt.timedelta(days=int(np.ceil(window_days)))
    feats = ds._in_span(ds.date_features(story, by=by), lo, end)
    score = ds.date_scores(feats, "weighted", weights or ds.default_weights()) if len(feats) \
        else pd.Series(dtype=float)
    best = ds.rank_dates(score, 1)
    return best[0] if best else end


def story_settings(params: Mapping[str, float | None]) -> dict[str, float]:
    """:func:`story_defaults` overridden by ``params`` (``enabled`` and None ignored)."""
    defaults = story_defaults()
    unknown = set(params) - set(defaults) - {"enabled"}
    if unknown:
        raise ValueError(f"unknown story settings {sorted(unknown)}; known: {sorted(defaults)}")
    return {**defaults, **{k: v for k, v in params.items() if v is not None and k != "enabled"}}


def outlet_column(docs: pd.DataFrame) -> str | None:
    """``"source"`` when the documents come from several outlets (stories must then reach
    ``min_outlets`` of them and their day rewards outlet spread), else None."""
    return "source" if "source" in docs and docs["source"].nunique() > 1 else None


def topic_stories(docs: pd.DataFrame, vectors: np.ndarray, *, by: str | None,
                  labels: Mapping[int, str] | None = None, n_headlines: int = 3,
                  max_days: int = 7, novelty_days: int = 14,
                  terms: tuple[sparse.csr_matrix, np.ndarray] | None = None, **params: float
                  ) -> pd.DataFrame:
    """The story events of one topic's dated documents (``docs``: ``doc_id, date, topic,
    row``, ``source``/``title``/``text`` when present; ``vectors`` aligned with them), not
    yet dated (:func:`date_stories`): :data:`COLUMNS` but ``date``, plus ``members`` (the
    ``row`` of the story's documents). ``by``: :func:`outlet_column` of the whole corpus;
    ``params``: :func:`adapted_settings`. ``start``/``end``: the days around the busiest
    one that carry the story, at most ``max_days`` (:func:`windows.bounded_window`);
    ``span_start``/``span_end``: all its days. ``terms``: :func:`terms.headline_terms` of
    ``docs`` (else read here when a story needs them)."""

    p = story_settings(params)
    story = detect_stories(docs, vectors, threshold=p["threshold"], window_days=p["window_days"])
    docs = docs.assign(_story=story, _day=_days(docs["date"]).to_numpy())
    topic_day = docs.groupby("_day").size()
    topic_rate = len(docs) / docs["_day"].nunique() if len(docs) else 0.0
    sizes = docs["_story"].value_counts(sort=False)
    rows, heads_terms = [], terms
    for sid in sizes.index[sizes >= p["min_docs"]]:
        member = docs["_story"].to_numpy() == sid
        s = docs[member]
        per_day = s["_day"].value_counts().sort_index()
        peak = per_day.idxmax()
        topic = int(s["topic"].iloc[0])
        share = per_day.max() / topic_day[peak]
        outlets = s["source"].fillna("").value_counts() if "source" in s else pd.Series()
        outlets = [str(o) for o in outlets.index if o]
        if (per_day.max() < p["min_day_docs"] or share < p["min_share"]
                or (by and len(outlets) < p["min_outlets"])):
            continue
        peak, w_start, w_end = bounded_window(s["_day"], max_days, peak)
        context = context_features(vectors, docs["_day"].to_numpy(), member, w_start, w_end,
                                   novelty_days)
        order = _central(vectors[member])
        heads, seen = [], set()
        for i in order:
            h = headline(s.iloc[i])
            if h.casefold() not in seen:
                seen.add(h.casefold())
                heads.append(h)
            if len(heads) == n_headlines:
                break
        heads_terms = heads_terms or headline_terms(docs)
        rows.append({
            "start": w_start, "end": w_end, "topic": topic,
            "label": str((labels or {}).get(topic, f"topic {topic}")),
            "words": distinctive_terms(*heads_terms, member),
            "intensity": float(per_day.max() / topic_rate), "evidence": float(share),
            "n_docs": len(s), "outlets": outlets, "headlines": heads,
            "doc_ids": s.iloc[order]["doc_id"].astype(str).tolist(),
            "summary": heads[0] if heads else "", "level": "story",
            "members": s["row"].to_numpy(np.int64), "span_start": s["_day"].min(),
            "span_end": s["_day"].max(), "window_docs": int(s["_day"].between(w_start,
                                                                               w_end).sum()),
            **context,
        })
    return pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "date"] + ["members"])


def _fit_window(day: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp, max_days: int
                ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end]`` stretched to hold ``day``, then cut to ``max_days`` around it."""
    span = pd.Timedelta(days=max_days - 1)
    start = max(min(start, day), day - span)
    return start, min(max(end, day), start + span)


def date_stories(found: pd.DataFrame, docs: pd.DataFrame, *, by: str | None,
                 window_days: float, weights: Mapping[str, float] | None = None,
                 max_days: int = 7) -> pd.DataFrame:
    """:func:`topic_stories`' stories with their ``date``: the day their documents point to
    (``docs``: at least the members, by ``row``, with ``date``, ``source`` and the
    ``title``/``text`` to read dates in, or their ``mentions``); sorted by date and topic.
    A date before the story's window moves the window to start there (``max_days`` long
    at most)."""
    if found.empty:
        return pd.DataFrame(columns=COLUMNS)
    members = docs.set_index("row")
    days = pd.to_datetime([
        _event_day(members.loc[m], start.date(), end.date(), window_days, weights, by)
        for m, start, end in zip(found["members"], found["span_start"], found["span_end"],
                                 strict=True)])
    windows = [_fit_window(d, a, b, max_days)
               for d, a, b in zip(days, found["start"], found["end"], strict=True)]
    out = found.drop(columns="members").assign(
        date=days, start=[w[0] for w in windows], end=[w[1] for w in windows])
    out = out[COLUMNS]
    return out.sort_values(["date", "topic"], ignore_index=True, kind="stable")


def story_events(
    docs: pd.DataFrame,
    embeddings: np.ndarray,
    *,
    labels: Mapping[int, str] | None = None,
    n_headlines: int = 3,
    weights: Mapping[str, float] | None = None,
    max_days: int = 7,
    novelty_days: int = 14,
    terms: tuple[sparse.csr_matrix, np.ndarray] | None = None,
    **params: float,
) -> pd.DataFrame:
    """Story-level events of the dated, topic-assigned ``docs`` (``doc_id, date, topic, row``
    with ``row`` indexing ``embeddings``; ``source``/``title``/``text`` when present):
    ``date, start, end, topic, label, intensity, evidence, n_docs, outlets, headlines, doc_ids,
    summary, level`` (= ``"story"``). ``intensity``: the story's documents on its busiest day
    over the topic's mean documents per day; ``evidence``: its share of the topic that day.
    ``params`` override :func:`story_defaults` (then :func:`adapted_settings`); stories are
    found topic by topic, each dated in a window of at most ``max_days``. ``terms``:
    :func:`terms.headline_terms` of ``docs`` (else read here)."""
    kept = (docs["topic"] != -1).to_numpy()
    if not kept.any():
        return pd.DataFrame(columns=COLUMNS)
    heads, words = headline_terms_of(docs, kept, terms)
    docs = docs[kept]
    by = outlet_column(docs)
    p = adapted_settings(params, docs, by)
    vectors = np.asarray(embeddings, dtype=np.float32)[docs["row"].to_numpy()]
    topics = docs["topic"].to_numpy()
    found = [topic_stories(docs[topics == t], vectors[topics == t], by=by, labels=labels,
                           n_headlines=n_headlines, max_days=max_days,
                           novelty_days=novelty_days,
                           terms=(heads[np.flatnonzero(topics == t)], words), **p)
             for t in np.unique(topics)]
    out = date_stories(pd.concat(found, ignore_index=True), docs, by=by,
                       window_days=p["window_days"], weights=weights, max_days=max_days)
    log.info("stories: %d events", len(out))
    return out
