"""Narratives of a partitioned corpus on a Dask cluster, the corpus never in one frame.

- Per partition, on the workers: frame scores, keyword-obvious frames and actor mentions of
  its documents (:func:`build.document_tables`), the frame scorer calibrated once on the
  embeddings of the topics' fit sample (``sample``; all of them when None) and sent to every
  worker.
- Storylines per time window, on the workers: the documents of consecutive days, about
  ``compute.partition_rows`` at a time, each window led in by the ``window_days`` before it
  as candidate parents (:func:`storylines.link_parents`); the client joins the links into
  chains.
- Distinctive words per topic and outlet, on one worker, from the texts of the fit sample
  (the whole corpus when None), so their ``count`` and ``n_docs`` are the sample's.
- Shares, prominence, divergence and actor networks: group-bys in the client over the
  short per-document tables (``doc_id, date, date_status, source, title``, frames, mentions,
  links: a few hundred bytes a document), never the texts or the embedding matrix.

Without a sample the tables equal the in-process ones.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from conflict_narratives.common.periods import usable_dates
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.parts import Parts
from conflict_narratives.narratives import outlets, storylines
from conflict_narratives.narratives.build import (
    NarrativeResult,
    build_narratives,
    document_result,
    document_tables,
    frame_scorer,
    narrative_settings,
)
from conflict_narratives.settings import resolve

SLIM = ["doc_id", "date", "date_status", "source", "title"]
TEXT = [*SLIM, "text"]


def _documents_task(item, parts: Parts, matrix: str, scorer, settings) -> dict:
    i, start = item
    df = parts.read(i, TEXT).assign(doc_id=lambda d: d["doc_id"].astype(str))
    vectors = np.asarray(np.load(matrix, mmap_mode="r")[start:start + len(df)], np.float32)
    return document_tables(df, vectors, scorer, settings) | {"slim": df[SLIM]}


def _links_task(item, matrix: str, window_days: float, threshold: float) -> tuple:
    order, t, start = item
    return storylines.link_parents(order, t, np.load(matrix, mmap_mode="r"),
                                   window_days=window_days, threshold=threshold, start=start)


def _windows(t: np.ndarray, size: int, window_days: float) -> list[tuple[int, int, int]]:
    """``(lead-in, first, end)`` of consecutive time windows of whole days, about ``size``
    documents each (``t``: sorted times); the lead-in holds the ``window_days`` before."""
    if not len(t):
        return []
    days = np.r_[0, np.flatnonzero(np.diff(t // storylines.DAY)) + 1]
    cuts = np.unique(days[np.searchsorted(days, np.arange(0, len(t), max(size, 1)))
                          .clip(max=len(days) - 1)])
    ends = np.r_[cuts[1:], len(t)]
    leads = np.searchsorted(t, t[cuts] - np.int64(window_days * storylines.DAY), side="left")
    return [(int(a), int(b), int(c)) for a, b, c in zip(leads, cuts, ends, strict=True)]


def link_partitioned(slim: pd.DataFrame, matrix: str | Path, *, window_days: float = 3,
                     threshold: float = 0.6, size: int = 50_000, client=None,
                     progress: bool = False) -> pd.DataFrame:
    """:func:`storylines.link_storylines` of a corpus too large for one process: its short
    columns ``slim`` and its embeddings in the ``.npy`` file ``matrix``, linked a time
    window of about ``size`` documents at a time on ``client``'s workers."""
    dates = usable_dates(slim)
    order, t = storylines.time_order(dates)
    items = [(order[lead:end], t[lead:end], first - lead)
             for lead, first, end in _windows(t, size, window_days)]
    links = run_tasks(client, _links_task, items, desc="storylines", progress=progress,
                      matrix=str(matrix), window_days=window_days, threshold=threshold)
    parent = np.full(len(slim), -1)
    best = np.full(len(slim), np.nan, dtype=np.float32)
    for (own, _, first), (p, s) in zip(items, links, strict=True):
        parent[own[first:]], best[own[first:]] = p, s
    return storylines.storyline_table(slim, dates, parent, best)


def build_document_narratives_partitioned(parts: Parts, matrix: str | Path, backend, *,
                                          settings=None, client=None, progress: bool = False,
                                          sample: np.ndarray | None = None) -> NarrativeResult:
    """:func:`build.build_document_narratives` of a partitioned corpus (``parts``; its
    embeddings in the ``.npy`` file ``matrix``) on ``client``'s workers, the frame scorer
    calibrated on the rows at ``sample`` (sorted positions; None: all)."""
    settings = resolve(settings)
    cfg = narrative_settings(settings)
    t0 = time.perf_counter()
    vectors = np.load(matrix, mmap_mode="r")
    scorer = frame_scorer(backend, vectors if sample is None else vectors[sample], settings)
    done = run_tasks(client, _documents_task, [(i, int(s)) for i, s in enumerate(parts.starts)],
                     desc="narratives", progress=progress, parts=parts, matrix=str(matrix),
                     scorer=scorer, settings=settings.to_dict())
    t = {name: pd.concat([d[name] for d in done], ignore_index=True)
         for name in ("doc_frames", "frame_validation_docs", "actor_mentions", "slim")}
    t["frame_validation_docs"] = t["frame_validation_docs"].sort_values(
        "doc_id", ignore_index=True, kind="stable")  # one table over the corpus: by doc_id
    slim = t.pop("slim")
    timings = {"documents": time.perf_counter() - t0}
    t0 = time.perf_counter()
    t["storylines"] = link_partitioned(slim, matrix, **cfg["storylines"],
                                       size=int(settings["compute"]["partition_rows"]),
                                       client=client, progress=progress)
    timings["storylines"] = time.perf_counter() - t0
    return document_result(slim, t, scorer, cfg, timings)


def _distinctive_task(item, parts: Parts, settings) -> pd.DataFrame:
    positions, doc_topics = item  # the sample's rows and topics
    df = parts.to_pandas(TEXT) if positions is None else parts.take(positions, TEXT)
    return outlets.distinctive_words(df.assign(doc_id=df["doc_id"].astype(str)), doc_topics,
                                     **narrative_settings(settings)["distinctive"])


def build_narratives_partitioned(parts: Parts, doc_topics: pd.DataFrame,
                                 documents: NarrativeResult, *,
                                 topic_info: pd.DataFrame | None = None, settings=None,
                                 client=None, sample: np.ndarray | None = None
                                 ) -> NarrativeResult:
    """:func:`build.build_narratives` of a partitioned corpus whose topic-independent
    tables are ``documents`` (:func:`build_document_narratives_partitioned`): outlets'
    topics, divergence and actor networks from the short columns, distinctive words from
    the texts of the rows at ``sample`` (sorted positions; None: all) on a worker."""
    settings = resolve(settings)
    doc_topics = doc_topics.assign(doc_id=doc_topics["doc_id"].astype(str))
    topics = doc_topics if sample is None else doc_topics.iloc[sample]
    distinctive = run_tasks(client, _distinctive_task, [(sample, topics)], desc="distinctive",
                            progress=False, parts=parts, settings=settings.to_dict())[0]
    result = build_narratives(parts.to_pandas(SLIM), None, None, doc_topics,
                              topic_info=topic_info, settings=settings, documents=documents,
                              distinctive=distinctive)
    result.summary["distinctive_words_docs"] = len(topics)
    return result
