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

:func:`build_narratives` works on tables and an embedding matrix (testable alone);
:func:`run` does a named corpus end to end (corpus → cached embeddings → saved or fitted
topics → tables under ``data/processed/<name>/narratives/``); :func:`trace_file` traces a
text file through the corpus cleaning into the corpus.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.narratives import actors as actors
from conflict_narratives.narratives import frames as frames
from conflict_narratives.narratives import outlets as outlets
from conflict_narratives.narratives import storylines as storylines

log = logging.getLogger(__name__)

TABLES = (
    "topic_distribution", "outlet_divergence", "outlet_divergence_time", "distinctive_words",
    "doc_frames", "frame_shares", "frame_shares_time", "frame_validation_docs",
    "actor_mentions", "actor_prominence", "actor_network", "storylines", "story_chains",
    "story_firsts", "outlet_firsts",
)


def narrative_settings(settings: dict | None = None) -> dict[str, Any]:
    """Package defaults (``defaults.yaml``) under the ``narratives`` section (nested dicts
    merged)."""
    from conflict_narratives.config import default_settings

    user = (settings or {}).get("narratives") or {}
    return {k: {**v, **(user.get(k) or {})} if isinstance(v, dict) else user.get(k, v)
            for k, v in default_settings()["narratives"].items()}


@dataclass
class NarrativeResult:
    """Narrative tables (see :data:`TABLES`) and a JSON-able summary."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def save(self, path: str | Path) -> Path:
        from conflict_narratives.pipeline import write_tables

        return write_tables(path, self.tables, "summary.json", self.summary)

    @classmethod
    def load(cls, path: str | Path) -> NarrativeResult:
        from conflict_narratives.pipeline import read_tables

        tables, summary = read_tables(path, "summary.json",
                                      what="narratives",
                                      hint="run `conflict-narratives narratives NAME`")
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


def build_narratives(
    corpus: pd.DataFrame,
    matrix: np.ndarray,
    backend,
    doc_topics: pd.DataFrame | None = None,
    *,
    topic_info: pd.DataFrame | None = None,
    settings: dict | None = None,
) -> NarrativeResult:
    """Every narrative table for a corpus table, its embeddings (row i == corpus row i,
    from ``backend``) and optionally its document → topic table (``topic_info`` adds topic
    labels). Without ``doc_topics`` the topic-based tables (distribution, divergence,
    distinctive words) are left out and actor networks pool all documents under topic -1."""
    settings = settings or {}
    cfg = narrative_settings(settings)
    if len(matrix) != len(corpus):
        raise ValueError(f"{len(matrix)} embedding rows for {len(corpus)} documents")
    corpus = corpus.assign(doc_id=corpus["doc_id"].astype(str))
    if doc_topics is not None:
        doc_topics = doc_topics.assign(doc_id=doc_topics["doc_id"].astype(str))
    freq, t = cfg["freq"], {}
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    if doc_topics is not None:
        t["topic_distribution"] = outlets.topic_distribution(corpus, doc_topics)
        t["outlet_divergence"] = outlets.outlet_divergence(
            corpus, doc_topics, min_docs=cfg["min_docs"])
        t["outlet_divergence_time"] = outlets.outlet_divergence(
            corpus, doc_topics, freq=freq, min_docs=cfg["min_docs"])
        t["distinctive_words"] = outlets.distinctive_words(corpus, doc_topics,
                                                           **cfg["distinctive"])
        if topic_info is not None:
            labels = dict(zip(topic_info["topic"], topic_info["label"], strict=True))
            for name in ("topic_distribution", "distinctive_words"):
                t[name]["label"] = t[name]["topic"].map(labels)
    timings["outlets"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    scorer = frame_scorer(backend, matrix, settings)
    t["doc_frames"] = scorer.transform(matrix, corpus["doc_id"])
    t["frame_shares"] = frames.frame_shares(corpus, t["doc_frames"])
    t["frame_shares_time"] = frames.frame_shares(corpus, t["doc_frames"], freq=freq)
    t["frame_validation_docs"] = frames.keyword_labels(
        _view_texts(corpus, settings), scorer.frames, **cfg["validation"])
    validation = frames.keyword_validation(t["frame_validation_docs"], t["doc_frames"])
    timings["frames"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    gazetteer = actors.Gazetteer.from_config(settings)
    t["actor_mentions"] = gazetteer.mentions(corpus)
    t["actor_prominence"] = actors.prominence(t["actor_mentions"], corpus, freq=freq)
    t["actor_network"] = actors.cooccurrence(t["actor_mentions"], corpus, doc_topics, freq=freq)
    timings["actors"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    t["storylines"] = storylines.link_storylines(corpus, matrix, **cfg["storylines"])
    t["story_chains"] = storylines.chains(t["storylines"])
    t["story_firsts"], t["outlet_firsts"] = outlets.first_and_most(t["storylines"])
    timings["storylines"] = time.perf_counter() - t0

    summary = {
        "n_docs": len(corpus),
        "n_outlets": int(corpus["source"].nunique()),
        "topics": doc_topics is not None,
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
    if doc_topics is not None and len(t["outlet_divergence"]):
        rest = t["outlet_divergence"].query("source_b == '(others)'")
        summary["outlet_divergence_from_others"] = (
            rest.set_index("source_a")["js_divergence"].round(4).to_dict())
    return NarrativeResult(t, summary)


def narratives_dir(name: str, sample: int | None = None) -> Path:
    """Where a corpus's narrative tables are saved: ``data/processed/<name>/narratives/``
    (a sample's under ``.../narratives/sample-<n>/``)."""
    from conflict_narratives.pipeline import stage_dir

    return stage_dir(name, "narratives", sample)


def _inputs(name: str, settings: dict, sample: int | None = None):
    """Corpus table (a seeded random sample of ``sample`` rows if given), its cached
    embeddings and the embedding backend."""
    from conflict_narratives import corpus as corpus_mod
    from conflict_narratives import embeddings

    df = corpus_mod.get_corpus(name)
    sample = corpus_mod.sample_size(df, sample)
    df = corpus_mod.sample_corpus(df, sample, int(settings.get("seed", 42)))
    backend = embeddings.get_backend(None, settings)
    matrix = embeddings.embed_corpus(df, backend=backend, settings=settings,
                                     progress=False).matrix
    return df, matrix, backend, sample


def run(name_or_source: str, *, sample: int | None = None,
        settings: dict | None = None) -> NarrativeResult:
    """The stage for a named corpus, saved under :func:`narratives_dir`. Topics come from
    the topics stage for the same documents (its saved result while current, else a fit).
    ``sample`` analyses a seeded random sample of that many documents, saved apart."""
    from conflict_narratives import config, pipeline
    from conflict_narratives.corpus.loader import default_name

    name = default_name(name_or_source)
    settings = settings or config.load_settings(name)
    df, matrix, backend, sample = _inputs(name_or_source, settings, sample)
    topic_result = pipeline.get(name_or_source, "topics", sample=sample,
                                settings=settings).result
    result = build_narratives(df, matrix, backend, topic_result.doc_topics,
                              topic_info=topic_result.topic_info, settings=settings)
    result.summary |= {"name": name, "sample": sample,
                       "n_docs_with_topic": int(df["doc_id"].astype(str).isin(
                           topic_result.doc_topics["doc_id"].astype(str)).sum())}
    result.save(narratives_dir(name, sample))
    return result


def trace_file(name_or_source: str, path: str | Path, *, threshold: float | None = None,
               sample: int | None = None, settings: dict | None = None) -> dict[str, Any]:
    """Trace the story of a text file (read through the corpus cleaning: header line and
    "read also" block removed) in the named corpus (or the same seeded ``sample`` of it as
    :func:`run`): matching articles, their outlets, dates, story chains and frames — or
    ``status: no_match`` when nothing reaches the threshold. Runs the stage first if its
    tables are not saved."""
    from conflict_narratives import config, embeddings
    from conflict_narratives import corpus as corpus_mod

    name = corpus_mod.default_name(name_or_source)
    settings = settings or config.load_settings(name)
    cfg = narrative_settings(settings)["trace"]
    query = corpus_mod.load_corpus(str(path), settings=settings).corpus
    if query.empty or not (query["text"].fillna("").str.strip() != "").any():
        raise ValueError(f"{path}: no text to trace after cleaning")
    df, matrix, backend, sample = _inputs(name_or_source, settings, sample)
    try:
        saved = NarrativeResult.load(narratives_dir(name, sample))
    except FileNotFoundError:
        saved = run(name_or_source, sample=sample, settings=settings)
    qvec = embeddings.embed_corpus(query.head(1), backend=backend, settings=settings,
                                   progress=False).matrix
    scorer = frame_scorer(backend, matrix, settings)
    first = query.iloc[0]
    gazetteer = actors.Gazetteer.from_config(settings)
    text = "\n".join(v for v in (first.get("title"), first["text"]) if isinstance(v, str))
    named = {a for a, _ in gazetteer.find(text)}
    result = storylines.trace(
        qvec[0], df, matrix, stories=saved["storylines"], doc_frames=saved["doc_frames"],
        query_actors=named if cfg["shared_actor"] else None, mentions=saved["actor_mentions"],
        threshold=float(threshold if threshold is not None else cfg["threshold"]),
        top_k=int(cfg["top_k"]))
    frame = scorer.transform(qvec, [first["doc_id"]]).iloc[0]
    result["query"] = {
        "path": str(path), **{k: first.get(k) if isinstance(first.get(k), str) else None
                              for k in ("source", "lang")},
        "n_chars": len(text), "frame": frame["frame"],
        "top_frame": frame["top_frame"], "actors": sorted(named),
    }
    result |= {"corpus": name, "sample": sample}
    return result
