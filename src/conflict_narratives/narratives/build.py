"""Narratives: how outlets tell the same war — outlets, frames, actors, storylines, trace.

The stage joins its parts into one result of tables (:class:`NarrativeResult`):

- outlets (:mod:`outlets`): topic distribution per outlet, Jensen–Shannon divergence between
  outlets overall and per period, distinctive words per outlet within a topic, who covered a
  story first and most;
- frames (:mod:`frames`): zero-shot frame scores per document, frame shares per outlet and
  period with the counts behind them, and the scorer's agreement with keyword-obvious docs;
- actors (:mod:`actors`): gazetteer mentions, prominence per outlet and period,
  co-occurrence edges per topic and period;
- storylines (:mod:`storylines`): each article's nearest earlier article on the same story
  and the resulting chains.

:func:`build_narratives` works on tables and an embedding matrix; :func:`trace_story` finds
where one document's story is told. The pipeline hands both their inputs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import conflict_narratives.narratives.actors as actors
import conflict_narratives.narratives.frames as frames
import conflict_narratives.narratives.outlets as outlets
import conflict_narratives.narratives.storylines as storylines
from conflict_narratives.settings import resolve, thaw
from conflict_narratives.store import Store

log = logging.getLogger(__name__)

TABLES = (
    "topic_distribution", "outlet_divergence", "outlet_divergence_time", "distinctive_words",
    "doc_frames", "frame_shares", "frame_shares_time", "frame_validation_docs",
    "actor_mentions", "actor_prominence", "actor_network", "storylines", "story_chains",
    "story_firsts", "outlet_firsts",
)


def narrative_settings(settings: Mapping | None = None) -> dict[str, Any]:
    """The ``narratives`` section of the settings as a plain dict."""
    return thaw(resolve(settings)["narratives"])


@dataclass
class NarrativeResult:
    """Narrative tables (see :data:`TABLES`) and a JSON-able summary."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def save(self, path: str | Path) -> Path:
        """Each table as Parquet and the summary as ``meta.json`` in ``path``."""
        return Store.write_tables(Path(path), self.tables, self.summary)

    @classmethod
    def load(cls, path: str | Path) -> NarrativeResult:
        tables, summary = Store.read_tables(Path(path))
        return cls(tables, summary)


def _view_texts(corpus: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """The embedded text of each document (so keyword validation sees what the scorer saw)."""
    from conflict_narratives.embeddings.views import doc_units

    cfg = settings.get("embeddings") or {}
    units = doc_units(corpus, cfg.get("text_view", "title-lead"), int(cfg.get("max_chars", 600)))
    return pd.DataFrame({"doc_id": corpus["doc_id"].astype(str).to_numpy(),
                         "text": ["\n".join(u) for u in units]})


def frame_scorer(backend, matrix: np.ndarray, settings: dict | None = None):
    """A :class:`frames.FrameScorer` for the configured frames, fitted on ``matrix``."""
    cfg = narrative_settings(settings)
    scorer = frames.FrameScorer(
        frames.load_frames(settings), backend, centering=float(cfg["frame_centering"]),
        temperature=float(cfg["frame_temperature"]), min_z=float(cfg["frame_min_z"]))
    return scorer.fit(matrix)


DOCUMENT_TABLES = ("doc_frames", "frame_shares", "frame_shares_time", "frame_validation_docs",
                   "actor_mentions", "actor_prominence", "storylines", "story_chains",
                   "story_firsts", "outlet_firsts")


def build_document_narratives(corpus: pd.DataFrame, matrix: np.ndarray, backend, *,
                              settings: dict | None = None) -> NarrativeResult:
    """The narrative tables that do not depend on topics (:data:`DOCUMENT_TABLES`: frames,
    actor mentions and prominence, storylines) and their summary: what a change of topic
    settings leaves as it is (the pipeline keeps it under its own key)."""
    settings = resolve(settings)
    cfg = narrative_settings(settings)
    if len(matrix) != len(corpus):
        raise ValueError(f"{len(matrix)} embedding rows for {len(corpus)} documents")
    corpus = corpus.assign(doc_id=corpus["doc_id"].astype(str))
    t0 = time.perf_counter()
    scorer = frame_scorer(backend, matrix, settings)
    t = document_tables(corpus, matrix, scorer, settings)
    timings = {"documents": time.perf_counter() - t0}
    t0 = time.perf_counter()
    t["storylines"] = storylines.link_storylines(corpus, matrix, **cfg["storylines"])
    timings["storylines"] = time.perf_counter() - t0
    return document_result(corpus, t, scorer, cfg, timings)


def document_tables(corpus: pd.DataFrame, matrix: np.ndarray, scorer, settings
                    ) -> dict[str, pd.DataFrame]:
    """The per-document tables of ``corpus`` rows (``matrix`` their embeddings): frame
    scores, keyword-obvious frames and actor mentions — what a partition contributes."""
    cfg = narrative_settings(settings)
    corpus = corpus.assign(doc_id=corpus["doc_id"].astype(str))
    return {"doc_frames": scorer.transform(matrix, corpus["doc_id"]),
            "frame_validation_docs": frames.keyword_labels(
                _view_texts(corpus, settings), scorer.frames, **cfg["validation"]),
            "actor_mentions": actors.Gazetteer.from_config(settings).mentions(corpus)}


def document_result(corpus: pd.DataFrame, t: dict[str, pd.DataFrame], scorer,
                    cfg: Mapping[str, Any], timings: dict[str, float]) -> NarrativeResult:
    """The topic-independent result from the per-document tables ``t`` (frames, keyword
    labels, actor mentions, storylines): shares, prominence, chains, firsts and the
    summary. ``corpus`` needs ``doc_id, date, date_status, source`` (and ``title``)."""
    t0 = time.perf_counter()
    freq = cfg["freq"]
    t["frame_shares"] = frames.frame_shares(corpus, t["doc_frames"])
    t["frame_shares_time"] = frames.frame_shares(corpus, t["doc_frames"], freq=freq)
    validation = frames.keyword_validation(t["frame_validation_docs"], t["doc_frames"])
    t["actor_prominence"] = actors.prominence(t["actor_mentions"], corpus, freq=freq)
    t["story_chains"] = storylines.chains(t["storylines"])
    t["story_firsts"], t["outlet_firsts"] = outlets.first_and_most(t["storylines"])
    timings = timings | {"aggregates": time.perf_counter() - t0}
    summary = {
        "n_docs": len(corpus),
        "n_outlets": int(corpus["source"].nunique()),
        "freq": freq,
        "frames": {"names": scorer.names, "centering": scorer.centering,
                   "share": t["doc_frames"]["frame"].value_counts(normalize=True)
                   .round(4).to_dict(),
                   "validation": validation},
        "actors": {"n_actors_found": int(t["actor_mentions"]["actor"].nunique()),
                   "n_docs_with_actor": int(t["actor_mentions"]["doc_id"].nunique()),
                   "top": t["actor_mentions"].groupby("actor")["doc_id"].nunique()
                   .nlargest(10).to_dict()},
        "storylines": {**cfg["storylines"],
                       "n_linked": int(t["storylines"]["parent_id"].notna().sum()),
                       "n_chains": int(len(t["story_chains"])),
                       "n_multi_outlet_chains": int((t["story_chains"]["n_outlets"] > 1).sum()),
                       "largest_chain": int(t["story_chains"]["n_docs"].max())
                       if len(t["story_chains"]) else 0},
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    return NarrativeResult({name: t[name] for name in DOCUMENT_TABLES}, summary)


def build_narratives(
    corpus: pd.DataFrame,
    matrix: np.ndarray | None,
    backend,
    doc_topics: pd.DataFrame | None = None,
    *,
    topic_info: pd.DataFrame | None = None,
    settings: dict | None = None,
    documents: NarrativeResult | None = None,
    counts=None,
    distinctive: pd.DataFrame | None = None,
) -> NarrativeResult:
    """Every narrative table for a corpus table, its embeddings (row i == corpus row i,
    from ``backend``; unused when ``documents`` are given) and optionally its document →
    topic table (``topic_info`` adds topic labels). Without ``doc_topics`` the topic-based
    tables (distribution, divergence, distinctive words) are left out and actor networks
    pool all documents under topic -1. ``documents``: the topic-independent tables
    (:func:`build_document_narratives`) when already made for this corpus and settings;
    ``counts``: every word of each document (:func:`common.counts.count_words`), so
    distinctive words are summed, not read again; ``distinctive``: those words found
    elsewhere (a cluster: :mod:`.partitioned`)."""
    settings = resolve(settings)
    cfg = narrative_settings(settings)
    if documents is None:
        documents = build_document_narratives(corpus, matrix, backend, settings=settings)
    corpus = corpus.assign(doc_id=corpus["doc_id"].astype(str))
    if doc_topics is not None:
        doc_topics = doc_topics.assign(doc_id=doc_topics["doc_id"].astype(str))
    freq, t = cfg["freq"], {}
    timings = dict(documents.summary.get("seconds") or {})

    t0 = time.perf_counter()
    if doc_topics is not None:
        t["topic_distribution"] = outlets.topic_distribution(corpus, doc_topics)
        t["outlet_divergence"] = outlets.outlet_divergence(
            corpus, doc_topics, min_docs=cfg["min_docs"])
        t["outlet_divergence_time"] = outlets.outlet_divergence(
            corpus, doc_topics, freq=freq, min_docs=cfg["min_docs"])
        t["distinctive_words"] = distinctive if distinctive is not None else \
            outlets.distinctive_words(corpus, doc_topics, counts=counts, **cfg["distinctive"])
        if topic_info is not None:
            labels = dict(zip(topic_info["topic"], topic_info["label"], strict=True))
            for name in ("topic_distribution", "distinctive_words"):
                t[name]["label"] = t[name]["topic"].map(labels)
    timings["outlets"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    t["actor_network"] = actors.cooccurrence(documents["actor_mentions"], corpus, doc_topics,
                                             freq=freq)
    timings["actor_network"] = time.perf_counter() - t0
    t |= {name: documents[name] for name in DOCUMENT_TABLES}

    summary = {**documents.summary, "topics": doc_topics is not None,
               "seconds": {k: round(v, 2) for k, v in timings.items()}}
    if doc_topics is not None and len(t["outlet_divergence"]):
        rest = t["outlet_divergence"].query("source_b == '(others)'")
        summary["outlet_divergence_from_others"] = (
            rest.set_index("source_a")["js_divergence"].round(4).to_dict())
    return NarrativeResult({name: t[name] for name in TABLES if name in t}, summary)


def trace_story(query: pd.Series, qvec: np.ndarray, corpus: pd.DataFrame, matrix: np.ndarray,
                backend, saved: NarrativeResult, *, settings: Mapping | None = None,
                threshold: float | None = None) -> dict[str, Any]:
    """Where the story of one document (``query``: a corpus row read through the corpus
    cleaning, embedded as ``qvec``) is told in ``corpus`` (embedded as ``matrix``, its
    narrative tables ``saved``): matching articles, their outlets, dates, story chains and
    frames — or ``status: no_match`` when nothing reaches the threshold."""
    settings = resolve(settings)
    cfg = narrative_settings(settings)["trace"]
    scorer = frame_scorer(backend, matrix, settings)
    gazetteer = actors.Gazetteer.from_config(settings)
    text = "\n".join(v for v in (query.get("title"), query["text"]) if isinstance(v, str))
    named = {a for a, _ in gazetteer.find(text)}
    result = storylines.trace(
        qvec, corpus, matrix, stories=saved["storylines"], doc_frames=saved["doc_frames"],
        query_actors=named if cfg["shared_actor"] else None, mentions=saved["actor_mentions"],
        threshold=float(threshold if threshold is not None else cfg["threshold"]),
        top_k=int(cfg["top_k"]))
    frame = scorer.transform(qvec[None, :], [query["doc_id"]]).iloc[0]
    result["query"] = {
        **{k: query.get(k) if isinstance(query.get(k), str) else None
           for k in ("source", "lang")},
        "n_chars": len(text), "frame": frame["frame"],
        "top_frame": frame["top_frame"], "actors": sorted(named),
    }
    return result
