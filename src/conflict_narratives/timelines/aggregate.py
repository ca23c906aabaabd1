"""Prevalence of a partitioned corpus as group-bys on the workers, never the corpus in one
frame: each partition (its ``doc_id``, ``date``, ``date_status``, ``source`` columns and
its rows of the topic assignments) is counted per ``(period, topic)`` and per
``(period, outlet, topic)``, the counts are summed, the sparse edges trimmed on the summed
period sizes, and the tables built from the counts by the in-process code
(:func:`build.prevalence_table`): the same tables as :func:`build.prevalence` on the whole
corpus. What a worker holds is one partition; the client holds counts (periods × outlets ×
topics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pandas as pd

from conflict_narratives.common.periods import choose_freq, dense_span
from conflict_narratives.compute import run_tasks
from conflict_narratives.timelines.build import (
    count_documents,
    dated_documents,
    prevalence_table,
    timeline_settings,
)

COLUMNS = ["doc_id", "date", "date_status", "source"]


def split_topics(parts, doc_topics: pd.DataFrame) -> list[tuple]:
    """``(partition, its first corpus row, its rows of doc_topics)`` for every partition."""
    bounds = [int(s) for s in parts.starts] + [parts.n_docs]
    return [(i, a, doc_topics.iloc[a:b][["doc_id", "topic"]].reset_index(drop=True))
            for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]


def _part(item, parts) -> tuple[pd.DataFrame, pd.DataFrame]:
    i, _, topics = item
    return parts.read(i, COLUMNS), topics


def _span_task(item, parts) -> tuple:
    """The partition's first and last placeable date (dated ``ok`` with a topic)."""
    df, topics = _part(item, parts)
    docs, _, _ = dated_documents(df, topics, "day")
    return (docs["date"].min(), docs["date"].max()) if len(docs) else (None, None)


def _count_task(item, parts, freq: str) -> dict:
    df, topics = _part(item, parts)
    docs, _, excluded = dated_documents(df, topics, freq)
    return {"all": count_documents(docs) if len(docs) else None,
            "source": count_documents(docs, "source") if len(docs) and "source" in docs
            else None, "excluded": excluded}


def _total(counts: list) -> pd.Series | None:
    counts = [c for c in counts if c is not None]
    if not counts:
        return None
    return pd.concat(counts).groupby(level=list(range(counts[0].index.nlevels))).sum()


def prevalence_tables(parts, doc_topics: pd.DataFrame, settings: Mapping | None = None, *,
                      client=None, progress: bool = False
                      ) -> tuple[pd.DataFrame, pd.DataFrame, str, dict[str, int]]:
    """``(prevalence, prevalence by outlet, freq, excluded counts)`` of a partitioned corpus
    (``parts``: :class:`corpus.parts.Parts`) whose documents' topics are ``doc_topics``
    (corpus order), by partition on ``client``'s workers (None: here)."""
    cfg = timeline_settings(settings)
    items = split_topics(parts, doc_topics)
    freq = cfg["freq"]
    if not freq:
        spans = run_tasks(client, _span_task, items, desc="date span", progress=progress,
                          parts=parts)
        freq = choose_freq(pd.Series([d for span in spans for d in span if d is not None],
                                     dtype="datetime64[ns, UTC]"))
    done = run_tasks(client, _count_task, items, desc="prevalence", progress=progress,
                     parts=parts, freq=freq)
    counts, by_source = _total([d["all"] for d in done]), _total([d["source"] for d in done])
    excluded = dict(sum((Counter(d["excluded"]) for d in done), Counter()))
    excluded = {k: int(excluded.get(k, 0)) for k in done[0]["excluded"]}
    sizes = counts.groupby(level="period").sum() if counts is not None else pd.Series()
    span = dense_span(sizes, freq, cfg["edge_min_fraction"])
    excluded["excluded_sparse_edges"] = 0
    if span is not None:
        inside = sizes.index.to_series().between(*span)
        excluded["excluded_sparse_edges"] = int(sizes[~inside.to_numpy()].sum())
        counts = _between(counts, span)
        by_source = _between(by_source, span)
    return (prevalence_table(counts, freq, smooth=cfg["smooth"]),
            prevalence_table(by_source, freq, by="source", smooth=cfg["smooth"]),
            freq, excluded)


def _between(counts: pd.Series | None, span) -> pd.Series | None:
    if counts is None:
        return None
    period = counts.index.get_level_values("period")
    return counts[(period >= span[0]) & (period <= span[1])]
