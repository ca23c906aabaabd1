"""Topics in time: prevalence per period, per-period topic words, bursts and dated events.

Inputs are tables, so every step works on any corpus and any topic assignment:

- the corpus table (``doc_id``, ``date``, ``date_status``, ``source``, ``title``, ``text``);
- a document → topic table (``doc_id``, ``topic``; ``-1`` = outlier), e.g.
  ``TopicResult.doc_topics``;
- optionally an embedding matrix aligned with the corpus rows (for event headlines).

Only documents with ``date_status == 'ok'`` are placed in time; the others are counted
(``excluded_out_of_range``, ``excluded_undated``) so a handful of stray 2012 dates in a 2018
corpus neither stretch the axis nor vanish silently. Shares are a topic's documents over
*all* documents of the period (outliers included), so a topic rises only when it takes
more of the news, not when the news volume does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import conflict_narratives.timelines.bursts as burst_mod
from conflict_narratives.common.periods import choose_freq, dense_span, period_range, period_start
from conflict_narratives.settings import resolve, thaw
from conflict_narratives.store import Store
from conflict_narratives.timelines.date_ranker import DATE_COLUMNS, dates_table
from conflict_narratives.timelines.date_selection import date_mentions
from conflict_narratives.timelines.days import day_events
from conflict_narratives.timelines.events import (
    add_story_events,
    event_table,
    topic_words_over_time,
)
from conflict_narratives.timelines.ranking import (
    PERIOD_COLUMNS,
    named_days,
    periods_table,
    rank_events,
)
from conflict_narratives.timelines.stories import story_events
from conflict_narratives.timelines.terms import headline_terms

log = logging.getLogger(__name__)
_TABLES = ("prevalence", "prevalence_by_source", "topic_words", "bursts", "events", "periods",
           "dates")


def timeline_settings(settings: Mapping | None = None) -> dict[str, Any]:
    """The ``timelines`` section of the settings as a plain dict."""
    return thaw(resolve(settings)["timelines"])


def dated_documents(
    corpus: pd.DataFrame, doc_topics: pd.DataFrame, freq: str | None = None
) -> tuple[pd.DataFrame, str, dict[str, int]]:
    """Corpus rows with a usable date and a topic, with ``topic``, ``period`` and ``row``
    (position in ``corpus``, for embeddings). Returns ``(docs, freq, excluded counts)``."""
    missing = {"doc_id", "date"} - set(corpus.columns)
    if missing or not {"doc_id", "topic"} <= set(doc_topics.columns):
        raise ValueError(
            f"corpus needs doc_id and date (missing {missing}); doc_topics needs "
            f"doc_id and topic (has {list(doc_topics.columns)})"
        )
    status = corpus["date_status"] if "date_status" in corpus else pd.Series("ok", corpus.index)
    status = status.where(corpus["date"].notna(), "missing")
    docs = corpus.assign(row=np.arange(len(corpus)))
    topics = doc_topics.drop_duplicates("doc_id").set_index("doc_id")["topic"]
    docs["topic"] = docs["doc_id"].map(topics)
    ok = (status == "ok").to_numpy() & docs["topic"].notna().to_numpy()
    excluded = {
        "excluded_out_of_range": int((status == "out_of_range").sum()),
        "excluded_undated": int(status.isin(["missing", "unparseable"]).sum()),
        "excluded_no_topic": int(((status == "ok") & docs["topic"].isna()).sum()),
    }
    docs = docs[ok].copy()
    docs["topic"] = docs["topic"].astype(int)
    freq = freq or choose_freq(docs["date"])
    docs["period"] = period_start(docs["date"], freq) if len(docs) else pd.Series(dtype="M8[ns]")
    return docs, freq, excluded


def trim_sparse_edges(
    docs: pd.DataFrame, freq: str, min_fraction: float | None
) -> tuple[pd.DataFrame, int]:
    """Drop the leading and trailing periods holding fewer than ``min_fraction`` × the
    median (non-empty) period's documents — a few stray early items would otherwise stretch
    the axis and give one-document periods 100 % shares. Returns ``(docs, n dropped)``."""
    span = dense_span(docs.groupby("period").size(), freq, min_fraction) if len(docs) else None
    if span is None:
        return docs, 0
    keep = docs["period"].between(*span)
    return docs[keep], int((~keep).sum())


def count_documents(docs: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Documents per ``(period, [by], topic)`` (a missing ``by`` value counts as "");
    the counts of a corpus's parts add up (:mod:`.aggregate`)."""
    keys = ["period", *([by] if by else []), "topic"]
    frame = docs.assign(**{by: docs[by].fillna("")}) if by else docs
    return frame.groupby(keys).size()


def prevalence(
    docs: pd.DataFrame, freq: str, *, by: str | None = None, smooth: int | None = None
) -> pd.DataFrame:
    """Long table ``period, [by], topic, count, total, share[, share_smoothed]`` with every
    period from first to last (zeros included) for every topic; ``total`` is all documents
    of the period (of that ``by`` group, e.g. outlet)."""
    return prevalence_table(count_documents(docs, by) if len(docs) else None, freq, by=by,
                            smooth=smooth)


def prevalence_table(counts: pd.Series | None, freq: str, *, by: str | None = None,
                     smooth: int | None = None) -> pd.DataFrame:
    """:func:`prevalence` from :func:`count_documents`' counts (None or empty: none)."""
    keys = [by] if by else []
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["period", *keys, "topic", "count", "total", "share"])
    index = counts.index
    periods = period_range(index.get_level_values("period").min(),
                           index.get_level_values("period").max(), freq)
    groups = [sorted(index.get_level_values(by).unique())] if by else []
    grid = pd.MultiIndex.from_product(
        [periods, *groups, sorted(index.get_level_values("topic").unique())],
        names=["period", *keys, "topic"])
    out = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    out["total"] = out.groupby(["period", *keys])["count"].transform("sum")
    out["share"] = np.divide(
        out["count"], out["total"], out=np.zeros(len(out)), where=out["total"].to_numpy() > 0
    )
    if smooth and smooth > 1:
        out["share_smoothed"] = out.groupby([*keys, "topic"])["share"].transform(
            lambda s: s.rolling(smooth, center=True, min_periods=1).mean()
        )
    return out


def detect_bursts(
    prev: pd.DataFrame,
    *,
    method: str = burst_mod.DEFAULT_METHOD,
    min_docs: int = 3,
    **params: float,
) -> pd.DataFrame:
    """Burst intervals of each topic's series in a prevalence table (one row per burst):
    ``topic, start, end, peak, n_periods, docs, peak_share, base_share, intensity, score``.
    ``intensity`` is the burst's share over the topic's overall share; ``score`` the
    detector's evidence (Kleinberg: log-likelihood gain; z-score: peak z)."""
    cols = [
        "topic",
        "start",
        "end",
        "peak",
        "n_periods",
        "docs",
        "peak_share",
        "base_share",
        "intensity",
        "score",
    ]
    rows = []
    for topic, series in prev[prev["topic"] != -1].groupby("topic"):
        series = series.sort_values("period")
        counts, totals = series["count"].to_numpy(float), series["total"].to_numpy(float)
        flags, score = burst_mod.detect(counts, totals, method=method, **params)
        base = counts.sum() / totals.sum() if totals.sum() else 0.0
        for a, b in burst_mod.intervals(flags):
            part = series.iloc[a : b + 1]
            if part["count"].sum() < min_docs:
                continue
            peak = part["share"].to_numpy().argmax()
            burst_share = part["count"].sum() / max(part["total"].sum(), 1)
            agg = score[a : b + 1].sum() if method == "kleinberg" else score[a : b + 1].max()
            rows.append(
                {
                    "topic": int(topic),
                    "start": part["period"].iloc[0],
                    "end": part["period"].iloc[-1],
                    "peak": part["period"].iloc[peak],
                    "n_periods": b - a + 1,
                    "docs": int(part["count"].sum()),
                    "peak_share": float(part["share"].iloc[peak]),
                    "base_share": base,
                    "intensity": burst_share / base if base else np.inf,
                    "score": float(agg),
                }
            )
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["start", "topic"], ignore_index=True)


def in_bursts(prev: pd.DataFrame, bursts_table: pd.DataFrame) -> pd.Series:
    """Per prevalence row, whether its (topic, period) lies inside a detected burst."""
    flags = pd.Series(False, index=prev.index)
    for b in bursts_table.itertuples():
        flags |= (prev["topic"] == b.topic) & prev["period"].between(b.start, b.end)
    return flags


def topic_labels(topic_info: pd.DataFrame | None) -> dict[int, str]:
    """Topic id → label from a topic table (``topic``, ``label``); outliers are "outliers"."""
    labels = {} if topic_info is None else topic_info.set_index("topic")["label"].to_dict()
    return {int(t): str(v) for t, v in labels.items()} | {-1: "outliers"}


@dataclass
class TimelineResult:
    """Timelines as data: tables for figures and notebooks, and a JSON-able summary."""

    prevalence: pd.DataFrame
    prevalence_by_source: pd.DataFrame
    topic_words: pd.DataFrame
    bursts: pd.DataFrame
    events: pd.DataFrame
    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PERIOD_COLUMNS))
    dates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DATE_COLUMNS))
    summary: dict[str, Any] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        """Each table as Parquet and the summary as ``meta.json`` in ``path``."""
        return Store.write_tables(Path(path), {t: getattr(self, t) for t in _TABLES},
                                  self.summary)

    @classmethod
    def load(cls, path: str | Path) -> TimelineResult:
        tables, summary = Store.read_tables(Path(path), _TABLES)
        return cls(**tables, summary=summary)


def build_timeline(
    corpus: pd.DataFrame,
    doc_topics: pd.DataFrame,
    *,
    embeddings: np.ndarray | None = None,
    topic_info: pd.DataFrame | None = None,
    settings: dict | None = None,
    vectorizer=None,
    counts=None,
    mentions: list | None = None,
    **overrides: Any,
) -> TimelineResult:
    """Prevalence (overall and per outlet), per-period words, bursts and events in one go.
    ``overrides`` take precedence over the ``timelines`` settings (e.g. ``freq="week"``);
    ``counts``: the lead texts of every corpus row counted already (see
    :func:`events.topic_words_over_time`); ``mentions``: the days each corpus row names
    (:mod:`.mention_cache`), else read here, once for every step that needs them. A
    partitioned corpus: :mod:`.partitioned`."""
    cfg = {**timeline_settings(settings), **overrides}
    if embeddings is not None and len(embeddings) != len(corpus):
        raise ValueError(f"embeddings have {len(embeddings)} rows, the corpus {len(corpus)}")
    docs, freq, excluded = dated_documents(corpus, doc_topics, cfg["freq"])
    docs, excluded["excluded_sparse_edges"] = trim_sparse_edges(
        docs, freq, cfg["edge_min_fraction"]
    )
    if "mentions" not in docs:  # story dates, event ranks and the dates table read them
        docs["mentions"] = [mentions[r] for r in docs["row"]] if mentions is not None \
            else date_mentions(docs)
    prev = prevalence(docs, freq, smooth=cfg["smooth"])
    by_source = (prevalence(docs, freq, by="source", smooth=cfg["smooth"])
                 if "source" in docs else prev.iloc[:0])
    words = topic_words_over_time(
        docs, vectorizer=vectorizer, top_n=cfg["top_words"], max_chars=cfg["words_max_chars"],
        counts=counts,
    )
    found = find_bursts(prev, cfg)
    labels = topic_labels(topic_info)
    windows = {"max_days": cfg["event_max_days"], "novelty_days": cfg["novelty_days"]}
    heads = headline_terms(docs)  # which words each headline holds: read once for both
    events = event_table(docs, found, freq, embeddings=embeddings, labels=labels,
                         topic_words=words, n_headlines=cfg["n_headlines"], terms=heads,
                         **windows)
    story_cfg = cfg.get("stories") or {}
    stories = None
    if embeddings is not None and story_cfg.get("enabled", True):
        stories = story_events(docs, embeddings, labels=labels, n_headlines=cfg["n_headlines"],
                               weights=cfg.get("date_weights"), terms=heads, **windows,
                               **story_cfg)
    elif story_cfg.get("enabled", True):
        log.info("story-level events need embeddings; only topic bursts are events")
    placed = {"n_docs": len(docs),
              "n_topics": int(docs.loc[docs["topic"] != -1, "topic"].nunique()),
              "date_min": docs["date"].min() if len(docs) else None,
              "date_max": docs["date"].max() if len(docs) else None,
              "n_outlets": int(docs["source"].nunique()) if "source" in docs else 1}
    named = named_days(docs[docs["topic"] != -1])
    dates = dates_table(docs, cfg["n_dates"])  # no topic needed
    days = day_events(docs, dates, [events, stories], top=cfg["day_events"], embeddings=embeddings,
                      labels=labels, n_headlines=cfg["n_headlines"], terms=heads,
                      **windows)
    result = assemble(prev, by_source, words, found, events, stories, freq=freq, cfg=cfg,
                      labels=labels, stats=placed | excluded, named=named, dates=dates,
                      days=days)
    result.dates = dates
    return result


def find_bursts(prev: pd.DataFrame, cfg: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`detect_bursts` with the ``timelines`` settings ``cfg``."""
    method = cfg["burst_method"]
    return detect_bursts(prev, method=method, min_docs=cfg["min_burst_docs"],
                         **cfg["burst_params"].get(method, {}))


def assemble(prev: pd.DataFrame, by_source: pd.DataFrame, words: pd.DataFrame,
             found: pd.DataFrame, events: pd.DataFrame, stories: pd.DataFrame | None, *,
             freq: str, cfg: Mapping[str, Any], labels: dict[int, str],
             stats: dict[str, Any], named: pd.DataFrame | None = None,
             dates: pd.DataFrame | None = None, days: pd.DataFrame | None = None
             ) -> TimelineResult:
    """The result: prevalence rows flagged in bursts and labelled, burst and story events
    in one ranked table (:mod:`.ranking`; ``named``: the days each topic's documents name
    later, None: not read; ``dates``: the ranked days; ``days``: the day events of
    :mod:`.days`), their periods, and the summary (``stats``: the placed
    documents' counts, dates and outlets)."""
    prev["burst"] = in_bursts(prev, found)
    for table in (prev, by_source):
        table["label"] = table["topic"].map(lambda t: labels.get(t, f"topic {t}"))
    n_topic_events = len(events)
    if stories is not None and len(stories):
        events = add_story_events(events, stories, words, period_start(stories["date"], freq))
    n_day_events = 0 if days is None else len(days)
    if n_day_events:
        events = pd.concat([events, days], ignore_index=True).astype(days.dtypes.to_dict())
    rank_cfg = dict(cfg["ranking"])
    events = rank_events(events, n_outlets=stats.get("n_outlets", 1), named=named,
                         routine_share=rank_cfg.pop("routine_share"),
                         routine_penalty=rank_cfg.pop("routine_penalty"),
                         routine_intensity=rank_cfg.pop("routine_intensity"),
                         retold_words=rank_cfg.pop("retold_words"), weights=rank_cfg,
                         dates=dates)
    periods, events = periods_table(events, cfg["event_max_days"])
    summary = {
        "freq": freq,
        "n_docs": stats["n_docs"],
        "n_periods": int(prev["period"].nunique()),
        "n_topics": stats["n_topics"],
        "n_bursts": len(found),
        "n_events": len(events),
        "n_story_events": len(events) - n_topic_events - n_day_events,
        "n_day_events": n_day_events,
        "n_periods_of_coverage": int((periods["kind"] != "series").sum()),
        "n_routine_events": int(events["routine"].sum()),
        "burst_method": cfg["burst_method"],
        **{k: v for k, v in stats.items() if k not in ("n_docs", "n_topics")},
    }
    return TimelineResult(prev, by_source, words, found, events, periods, summary=summary)
