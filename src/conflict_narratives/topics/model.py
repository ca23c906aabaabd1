"""Topics: BERTopic fitted on the cached embeddings, configured for Arabic news.

>>> import conflict_narratives as cn
>>> run = cn.open("ant-multisource")
>>> model, result = cn.topics.fit_topics(run.corpus, run.embeddings.matrix)
>>> result.topic_info[["topic", "size", "label"]]

What differs from BERTopic as shipped (settings under ``topics:`` in ``defaults.yaml``):

- an Arabic-aware vectorizer (:func:`topic_text.make_vectorizer`): the corpus stage's analysis
  normalisation, Arabic and Latin words only (no @-mentions, e-mail addresses, URLs), stop
  words for every language the corpus holds and the outlets' own names
  (:mod:`~conflict_narratives.common.stopwords`), all folded like the documents; 1–2-grams;
  ``min_df`` scaled to corpus size and counted over documents (a fixed vocabulary: BERTopic
  alone would count it over topics); and ``language="multilingual"``, so BERTopic's English
  clean-up never deletes Arabic;
- seeded UMAP and HDBSCAN (``min_cluster_size`` scaled to corpus size): same corpus and
  settings, same assignments; a cluster holding more than ``max_topic_share`` of the
  documents, or far more spread than the median cluster (``max_spread_ratio``), is split
  (:class:`~conflict_narratives.topics.clustering.SplittingHDBSCAN`), so no topic is "the
  news" itself;
- outliers reassigned to their nearest topic (``reduce_outliers``, strategy chosen by
  measurement in ``bench/topics.py``), then topic words recomputed;
- topic words straight from c-TF-IDF (with frequent words damped), which scored higher on
  NPMI and diversity than MMR or KeyBERTInspired (both selectable); readable labels
  ("داعش · الموصل · العراقيه") that skip words found in one document of the topic, and
  junk topics (markup, non-words, one document's words) flagged (:mod:`topics.junk`).

The outcome is data (:class:`TopicResult`), separate from the model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.common.counts import DocTermCounts, PrecountedVectorizer
from conflict_narratives.common.stopwords import corpus_languages
from conflict_narratives.common.system import import_bertopic, quiet_bertopic, release_memory
from conflict_narratives.common.vectorize import (
    corpus_stop_words,
    display_forms,
    documents,
    fit_vocabulary,
    make_label,
    make_vectorizer,
    prepare,
    spellings,
    tokenize,
)
from conflict_narratives.corpus.columns import LABEL_NAMES, find_label_column
from conflict_narratives.settings import resolve, thaw
from conflict_narratives.topics.assign import topic_centroids
from conflict_narratives.topics.coherence import TokenStream
from conflict_narratives.topics.junk import junk_reason, label_words, topic_doc_freq
from conflict_narratives.topics.products import (
    PrecomputedClusters,
    PrecomputedReduction,
    Reductions,
    hdbscan_params,
    make_hdbscan,
    make_umap,
    umap_params,
    umap_reduce,
)
from conflict_narratives.topics.result import TopicResult
from conflict_narratives.topics.tables import hierarchy_table, representatives

log = logging.getLogger(__name__)

LABEL_COLUMNS = LABEL_NAMES


# ---------------------------------------------------------------- settings & inputs
def _topic_settings(settings: Mapping | None) -> dict[str, Any]:
    """The ``topics`` section as a plain dict, with the run's ``seed``."""
    settings = resolve(settings)
    return thaw(settings["topics"]) | {"seed": int(settings["seed"])}


def label_column(df: pd.DataFrame, settings: dict | None = None) -> str | None:
    """The column holding reference classes: setting ``topics.label_column``, else
    :func:`~conflict_narratives.corpus.columns.find_label_column` (``category``, ``label``,
    ``topic``, ``section``... or a categorical column whose name hints at classes)."""
    name = _topic_settings(settings).get("label_column")
    if name:
        if name not in df.columns:
            raise ValueError(f"label column {name!r} is not in the corpus ({list(df.columns)})")
        return name
    schema = {"doc_id", "text", "title", "date", "source", "lang", "url", "author", "place",
              "raw_text", "date_status"}
    return find_label_column(df, exclude=schema)


# ---------------------------------------------------------------- the model
def _representation(cfg: dict):
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance

    kind = cfg["representation"]
    if kind == "mmr":
        return MaximalMarginalRelevance(diversity=float(cfg["mmr_diversity"]),
                                        top_n_words=int(cfg["top_n_words"]))
    if kind == "keybert":
        return KeyBERTInspired(top_n_words=int(cfg["top_n_words"]), random_state=cfg["seed"])
    if kind == "c-tf-idf":
        return None
    raise ValueError(f"unknown topics.representation {kind!r}; valid: mmr, keybert, c-tf-idf")


def build_model(n_docs: int, backend, settings: dict | None = None,
                vocabulary: list[str] | None = None, stop: frozenset[str] | None = None,
                seed_topic_list: list[list[str]] | None = None,
                reductions: Reductions | None = None, vectorizer=None):
    """An unfitted, seeded BERTopic configured from ``topics:`` settings (its vectorizer
    ``vectorizer``, else one counting ``vocabulary`` when given: see
    :func:`vectorize.fit_vocabulary`, without the stop words ``stop``; catch-all clusters
    split: :class:`~conflict_narratives.topics.clustering.SplittingHDBSCAN`), guided by
    ``seed_topic_list`` (normalised seed words per topic, e.g. from a curation codebook);
    given ``reductions``, their 5-d UMAP coordinates and clusters stand in for fitting UMAP
    and HDBSCAN (:mod:`topics.products`; never with ``seed_topic_list``, which moves the
    embeddings UMAP reads)."""
    import_bertopic()
    from bertopic import BERTopic
    from bertopic.vectorizers import ClassTfidfTransformer

    cfg = _topic_settings(settings)
    reductions = reductions or Reductions()
    if reductions.clusters is not None and reductions.umap is None:
        raise ValueError("precomputed clusters need the UMAP coordinates they were found on")
    if seed_topic_list and reductions.umap is not None:
        raise ValueError("a guided fit (seed_topic_list) reduces its own moved embeddings")
    return BERTopic(
        language="multilingual",
        embedding_model=backend,
        umap_model=make_umap(umap_params("umap", settings, n_docs)) if reductions.umap is None
        else PrecomputedReduction(reductions.umap),
        hdbscan_model=make_hdbscan(hdbscan_params(settings, n_docs))
        if reductions.clusters is None
        else PrecomputedClusters(reductions.clusters, reductions.splits),
        vectorizer_model=vectorizer or make_vectorizer(n_docs, cfg["min_df"],
                                                       cfg["ngram_range"], vocabulary, stop),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=_representation(cfg),
        nr_topics=cfg.get("nr_topics"),
        top_n_words=int(cfg["top_n_words"]),
        seed_topic_list=seed_topic_list or None,
    )


def _default_backend(settings: dict | None):
    from conflict_narratives.embeddings.backends import get_backend

    return get_backend(settings=settings)


def fit_topics(df: pd.DataFrame, embeddings: np.ndarray, *, backend=None,
               settings: dict | None = None, name: str = "corpus",
               seed_topic_list: list[list[str]] | None = None,
               reductions: Reductions | None = None, counts: DocTermCounts | None = None,
               stop: frozenset[str] | None = None, spelled: dict[str, str] | None = None):
    """Fit topics on ``df`` (rows aligned with ``embeddings``); returns ``(model, result)``.

    ``backend`` (default: the ``embeddings.backend`` setting) is kept as the model's
    ``embedding_model`` so ``model.transform`` can embed new documents. ``seed_topic_list``
    guides the fit (BERTopic moves the seeded documents' embeddings: a copy is handed to
    it, the centroids stay in the embeddings' own space). ``reductions`` and the documents'
    term ``counts`` (:mod:`topics.products`) are used instead of computing them: same
    result. Each document is counted once (:class:`PrecountedVectorizer`). ``stop`` and
    ``spelled``: the corpus's stop words and spellings when already known (default:
    :func:`corpus_stop_words`, :func:`spellings`)."""
    import time

    t0 = time.perf_counter()
    if len(df) != len(embeddings):
        raise ValueError(f"{len(df)} documents but {len(embeddings)} embeddings")
    cfg = _topic_settings(settings)
    if len(df) < cfg["min_docs"]:
        raise ValueError(f"too few documents for topics ({len(df)}; need at least "
                         f"{cfg['min_docs']}: setting topics.min_docs)")
    docs = documents(df)
    # the 2-D map first: its UMAP's memory is freed before BERTopic's is taken
    reductions = reductions or Reductions()
    if not cfg["doc_map"]["enabled"]:
        xy = np.full((len(df), 2), np.nan)
    elif reductions.doc_map is not None:
        xy = reductions.doc_map
    else:
        xy = umap_reduce(embeddings, umap_params("doc_map", settings, len(df)))
    stop = stop if stop is not None else corpus_stop_words(df, docs)
    vocabulary = counts.vocabulary if counts is not None else \
        fit_vocabulary(docs, cfg["min_df"], cfg["ngram_range"], stop)
    vectorizer = PrecountedVectorizer(**make_vectorizer(
        len(docs), cfg["min_df"], cfg["ngram_range"], vocabulary, stop).get_params())
    vectorizer.precount(docs, counts)
    release_memory()
    model = build_model(len(docs), backend or _default_backend(settings), settings,
                        seed_topic_list=seed_topic_list, reductions=reductions,
                        vectorizer=vectorizer)
    topics, _ = model.fit_transform(docs, embeddings.copy() if seed_topic_list else embeddings)
    splits = list(getattr(model.hdbscan_model, "splits_", []))
    _release_clustering(model)
    n_outliers_before = int(np.sum(np.asarray(topics) == -1))
    largest_before = _largest_share(topics)
    if cfg["reduce_outliers"] and n_outliers_before and len(model.get_topic_info()) > 1:
        topics = model.reduce_outliers(docs, topics, strategy=cfg["outlier_strategy"],
                                       threshold=float(cfg["outlier_threshold"]),
                                       embeddings=embeddings)
        with quiet_bertopic("custom list of topic assignments"):  # the last step: no harm
            model.update_topics(docs, topics=topics, top_n_words=int(cfg["top_n_words"]),
                                vectorizer_model=model.vectorizer_model,
                                ctfidf_model=model.ctfidf_model,
                                representation_model=model.representation_model)
        _set_topic_centroids(model, np.asarray(topics), embeddings)
    spelled = spelled if spelled is not None else spellings(docs)
    result = _result(model, df, docs, embeddings, xy, cfg, name, spelled)
    result.meta.update(n_outliers_before_reduction=n_outliers_before,
                       largest_topic_share_before_reduction=largest_before,
                       largest_topic_share=_largest_share(result.doc_topics["topic"]),
                       splits=splits, stop_languages=list(corpus_languages(df)),
                       fit_seconds=round(time.perf_counter() - t0, 2))
    return model, result


def _largest_share(topics) -> float:
    """Share of all documents in the largest topic (outliers are not a topic)."""
    t = np.asarray(topics)
    return round(float(np.bincount(t[t >= 0]).max() / len(t)), 4) if (t >= 0).any() else 0.0


def _release_clustering(model) -> None:
    """Drop the fitted UMAP and HDBSCAN (~450 MB on 30,000 documents): the model then assigns
    new documents to the nearest topic embedding, as it does once saved and reloaded
    (safetensors keeps neither), so the fitted and the reloaded model agree."""
    import_bertopic()
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction

    model.umap_model, model.hdbscan_model = BaseDimensionalityReduction(), BaseCluster()
    release_memory()


def _set_topic_centroids(model, topics: np.ndarray, embeddings: np.ndarray) -> None:
    """Topic embeddings = mean document embedding per topic (-1 first when present), as
    ``fit`` makes them: ``update_topics`` leaves a stale outlier row that shifts
    ``transform`` by one topic once the outliers are gone."""
    model.topic_embeddings_ = np.stack(
        [embeddings[topics == t].mean(axis=0) for t in sorted(set(topics.tolist()))])


def _result(model, df, docs, embeddings, xy, cfg, name, spelled) -> TopicResult:
    ids = df["doc_id"].astype(str).to_numpy() if "doc_id" in df.columns else \
        np.array([str(i) for i in range(len(df))])
    topics = np.asarray(model.topics_)
    probs = np.asarray(model.probabilities_, dtype=float)
    doc_topics = pd.DataFrame({"doc_id": ids, "topic": topics.astype(int),
                               "probability": probs if probs.ndim == 1 else probs.max(axis=1),
                               "x": xy[:, 0].astype(float), "y": xy[:, 1].astype(float)})

    reps = representatives(topics, embeddings, ids, int(cfg["n_representatives"]))
    freq = sorted(model.get_topic_freq().itertuples(index=False, name=None))
    n_words = int(cfg["top_n_words"])
    top = {t: [(w, float(s)) for w, s in (model.get_topic(t) or []) if w][:n_words]
           for t, _ in freq}
    shown = display_forms({w for pairs in top.values() for w, _ in pairs}, spelled)
    counted = model.vectorizer_model  # each document's counts, kept or counted again
    matrix = counted.counts_.matrix if hasattr(counted, "counts_") else counted.transform(docs)
    doc_freq = topic_doc_freq(matrix, counted.vocabulary_, topics,
                              {t: [w for w, _ in top[t]] for t, _ in freq})
    rows = []
    for t, size in freq:
        words = [w for w, _ in top[t]]
        display = [shown[w] for w in words]
        junk = "" if t == -1 else junk_reason(words, doc_freq[t])
        if junk:
            log.warning("%s: topic %d looks like junk, %s", name, t, junk)
        rows.append({"topic": int(t), "size": int(size),
                     "label": "outliers" if t == -1 else make_label(
                         label_words(display, doc_freq[t]), cfg["label_words"]),
                     "words": words, "weights": [s for _, s in top[t]],
                     "display_words": display, "representative_ids": reps.get(int(t), []),
                     "junk": bool(junk), "junk_reason": junk})
    topic_info = pd.DataFrame(rows)
    labels = dict(zip(topic_info["topic"], topic_info["label"], strict=True))
    model.set_topic_labels({t: lab for t, lab in labels.items()})

    sources = (df["source"].fillna("unknown").astype(str).tolist() if "source" in df.columns
               else ["all"] * len(df))
    tpc = model.topics_per_class(docs, classes=sources)
    per_source = pd.Series(sources).value_counts()
    topics_per_source = pd.DataFrame({
        "topic": tpc["Topic"].astype(int), "source": tpc["Class"].astype(str),
        "count": tpc["Frequency"].astype(int),
        "share": (tpc["Frequency"] / tpc["Class"].map(per_source)).astype(float),
        "words": tpc["Words"].astype(str)})

    hierarchy, linkage = hierarchy_table(model, docs)
    leaf_labels = [labels[t] for t in sorted(labels) if t != -1]
    meta = {"name": name, "n_docs": len(df), "settings": cfg,
            "embedding_model": repr(model.embedding_model)}
    return TopicResult(doc_topics, topic_info, topics_per_source, hierarchy, linkage,
                       leaf_labels, meta, topic_centroids(topics, embeddings))




def save_model(model, path: str | Path) -> Path:
    """Save the BERTopic model with safetensors (no pickle), without the embedding model."""
    path = Path(path)
    with quiet_bertopic("without explicitly defining an embedding model"):
        model.save(str(path), serialization="safetensors", save_ctfidf=True,
                   save_embedding_model=False)
    return path


def load_model(path: str | Path, backend=None, settings: dict | None = None):
    """Reload a model saved by :func:`save_model`, restoring the analysis normalisation
    (the saved vectorizer config cannot hold functions) and the embedding backend."""
    import_bertopic()
    from bertopic import BERTopic

    model = BERTopic.load(str(path), embedding_model=backend or _default_backend(settings))
    model.vectorizer_model.set_params(preprocessor=prepare, tokenizer=tokenize,
                                      token_pattern=None, lowercase=False)
    return model


# ---------------------------------------------------------------- one stage run
def score(result: TopicResult, df: pd.DataFrame, settings: dict | None = None,
          tokens: TokenStream | None = None, stop: frozenset[str] | None = None) -> dict:
    """Quality figures of ``result`` (see :mod:`conflict_narratives.evaluation`); ``tokens``
    and ``stop``: the documents' word streams (:func:`products.cached_tokens`) and the
    corpus's stop words when already made."""
    import conflict_narratives.topics.evaluation as evaluation

    col = label_column(df, settings)
    docs = documents(df) if tokens is None or stop is None else None
    metrics = evaluation.evaluate(
        result.topic_words(), result.doc_topics["topic"].to_numpy(),
        tokens if tokens is not None else TokenStream.from_texts(docs),
        labels=df[col].to_numpy() if col else None,
        stop=stop if stop is not None else corpus_stop_words(df, docs))
    junk = result.topic_info.get("junk_reason", pd.Series(dtype=str))
    return {**metrics, "label_column": col,
            "junk_topics": [f"topic {t}: {r}" for t, r in zip(
                result.topic_info["topic"], junk, strict=False) if r],
            "largest_topic_share": result.meta.get("largest_topic_share"),
            "outlier_share_before_reduction": round(
                result.meta["n_outliers_before_reduction"] / max(1, len(df)), 4)}


def build_topics(df: pd.DataFrame, embeddings: np.ndarray, *, backend=None,
                 settings: Mapping | None = None, name: str = "corpus",
                 model_path: str | Path | None = None, stability: bool = False,
                 seed_topic_list: list[list[str]] | None = None,
                 reductions: Reductions | None = None, counts: DocTermCounts | None = None,
                 tokens: TokenStream | None = None, stop: frozenset[str] | None = None,
                 spelled: dict[str, str] | None = None) -> TopicResult:
    """The topics stage: fit (with ``reductions``, ``counts`` and the corpus's ``stop`` words
    and ``spelled`` words if given), save the model to ``model_path`` (if given) and drop
    it, then score (``result.meta["metrics"]``).
    ``stability`` refits with seed + 1 and adds the ARI between the two fits."""
    import time

    import conflict_narratives.topics.evaluation as evaluation

    t0 = time.perf_counter()
    settings = resolve(settings)
    if stop is None or spelled is None:  # for the fit, its refit and its scores alike
        docs = documents(df)
        stop = corpus_stop_words(df, docs) if stop is None else stop
        spelled = spellings(docs) if spelled is None else spelled
    model, result = fit_topics(df, embeddings, backend=backend, settings=settings, name=name,
                               seed_topic_list=seed_topic_list, reductions=reductions,
                               counts=counts, stop=stop, spelled=spelled)
    if model_path is not None:
        save_model(model, model_path)
    del model  # scoring holds the corpus's word streams: not both at once
    release_memory()
    metrics = score(result, df, settings, tokens, stop)
    if stability:
        other = settings.replace({"seed": int(settings["seed"]) + 1,
                                  "topics": {"doc_map": {"enabled": False}}})
        _, result_b = fit_topics(df, embeddings, backend=backend, settings=other, name=name,
                                 seed_topic_list=seed_topic_list, stop=stop,
                                 spelled=spelled)
        metrics["stability_ari"] = round(evaluation.stability(
            result.doc_topics["topic"], result_b.doc_topics["topic"]), 4)
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    result.meta["metrics"] = metrics
    return result
