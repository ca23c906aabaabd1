"""Topics of a partitioned corpus: fit on a seeded sample, assign every document.

UMAP + HDBSCAN do not scale to millions of documents on one machine (BERTopic issues
#1178, #1362, #431), so past ``topics.fit_sample`` documents the model is fitted on a
seeded sample of that size (``sample``: the positions :func:`corpus.parts.sample_positions`
gives, the rows ``sample_corpus`` draws) and scored there; every other document is then
assigned on the workers to its nearest topic centroid (:mod:`assign`, the one "assign
without refitting" mechanism). Topic words and topics per outlet are recounted over *all*
documents: each partition counts the fitted vocabulary per topic (and documents per topic
and outlet), the counts are summed, and c-TF-IDF (BERTopic's ``ClassTfidfTransformer``, as
in the fit) ranks the words. A corpus no larger than the sample is fitted whole, exactly as
in process. In process, past ``topics.fit_sample_in_process`` documents, the same is done
in one piece (:func:`extend_sample_fit`), the assigned documents also placed on the map.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from conflict_narratives.common.vectorize import (
    corpus_stop_words,
    display_forms,
    documents,
    fit_vocabulary,
    make_label,
    make_vectorizer,
    spellings,
)
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.parts import Parts
from conflict_narratives.settings import resolve, thaw
from conflict_narratives.topics.assign import assign_nearest, nearest_placed, place_near
from conflict_narratives.topics.model import build_topics
from conflict_narratives.topics.result import TopicResult

log = logging.getLogger(__name__)


def _vocabulary(model_path: Path | None, docs: list[str], cfg: dict) -> list[str]:
    """The fitted model's vocabulary (from its saved c-TF-IDF config, else refitted)."""
    config = Path(model_path) / "ctfidf_config.json" if model_path else None
    if config is not None and config.is_file():
        vocab = json.loads(config.read_text(encoding="utf-8"))["vectorizer_model"]["vocab"]
        return [w for w, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    return fit_vocabulary(docs, cfg["min_df"], cfg["ngram_range"])


def _assign_task(item: tuple[int, pd.DataFrame], parts: Parts, matrix: Path,
                 centroids: pd.DataFrame, vocabulary: list[str], topic_ids: list[int],
                 ngram_range: tuple[int, int], stop: frozenset[str]) -> dict:
    """One partition (and its documents in the fitted sample): :func:`_assign`."""
    i, fitted = item
    df = parts.read(i)
    start = int(parts.starts[i])
    vectors = np.asarray(np.load(matrix, mmap_mode="r")[start:start + len(df)])
    return _assign(df, vectors, fitted.assign(position=fitted["position"] - start),
                   centroids, vocabulary, topic_ids, ngram_range, stop)


def term_counts(df: pd.DataFrame, vocabulary: list[str], ngram_range: tuple[int, int],
                stop: frozenset[str]) -> sparse.csr_matrix:
    """Each document's counts of the fitted ``vocabulary`` (the fit's stop words ``stop``
    left out first, as in the fit)."""
    return make_vectorizer(len(df), 1, ngram_range, vocabulary, stop).transform(documents(df))


def _assign(df: pd.DataFrame, vectors: np.ndarray, fitted: pd.DataFrame,
            centroids: pd.DataFrame, vocabulary: list[str], topic_ids: list[int],
            ngram_range: tuple[int, int], stop: frozenset[str],
            counts: sparse.csr_matrix | None = None) -> dict:
    """Documents ``df`` (embedded as ``vectors``; ``fitted``: those in the fitted sample,
    at their ``position`` in ``df``): each document's topic (fitted ones kept, the rest
    nearest centroid), word counts per topic over the fitted vocabulary
    (:func:`term_counts`, or ``counts`` when kept from before), documents per (topic,
    outlet)."""
    topics, sims = assign_nearest(vectors, centroids)
    out = pd.DataFrame({"doc_id": df["doc_id"].astype(str).to_numpy(), "topic": topics,
                        "probability": sims.astype(float), "x": np.nan, "y": np.nan})
    if len(fitted):
        local = fitted["position"].to_numpy()
        for col in ("topic", "probability", "x", "y"):
            out.loc[local, col] = fitted[col].to_numpy()
    if counts is None:
        counts = term_counts(df, vocabulary, ngram_range, stop)
    row = {t: k for k, t in enumerate(topic_ids)}
    onehot = sparse.csr_matrix((np.ones(len(df)), ([row[t] for t in out["topic"]],
                                                   np.arange(len(df)))),
                               shape=(len(topic_ids), len(df)))
    sources = df["source"].fillna("unknown").astype(str) if "source" in df else \
        pd.Series("all", index=df.index)
    pairs = pd.DataFrame({"topic": out["topic"].to_numpy(), "source": sources.to_numpy()})
    per_source = pairs.value_counts().rename("count").reset_index()
    return {"doc_topics": out, "counts": (onehot @ counts).tocsr(), "per_source": per_source}


def _ctfidf_words(counts: sparse.csr_matrix, vocabulary: list[str], topic_ids: list[int],
                  top_n: int) -> dict[int, list[tuple[str, float]]]:
    from bertopic.vectorizers import ClassTfidfTransformer

    scores = sparse.csr_matrix(ClassTfidfTransformer(reduce_frequent_words=True)
                               .fit_transform(counts))
    words = np.asarray(vocabulary, dtype=object)
    out = {}
    for k, t in enumerate(topic_ids):
        row = scores[k].toarray().ravel()
        order = np.argsort(-row, kind="stable")[:top_n]
        out[t] = [(str(words[j]), float(row[j])) for j in order if row[j] > 0]
    return out


def build_topics_partitioned(parts: Parts, matrix_path: str | Path, *, backend=None,
                             settings=None, name: str = "corpus",
                             model_path: str | Path | None = None, client=None,
                             progress: bool = False, stability: bool = False,
                             seed_topic_list=None, sample: np.ndarray | None = None
                             ) -> TopicResult:
    """The topics stage on a partitioned corpus whose embeddings are ``matrix_path`` (an
    ``.npy``, row i = corpus row i): fitted on the sample, every document assigned on the
    workers (``client``; None: here), words counted over all documents. ``sample``: the
    sorted positions fitted on (None: the whole corpus, exactly as in process).
    ``stability`` and ``seed_topic_list`` as in :func:`model.build_topics` (on the sample)."""
    settings = resolve(settings)
    cfg = thaw(settings["topics"])
    matrix_path = Path(matrix_path)
    matrix = np.load(matrix_path, mmap_mode="r")
    if sample is None:  # the whole corpus: exactly the in-process stage
        return build_topics(parts.to_pandas(), np.asarray(matrix), backend=backend,
                            settings=settings, name=name, model_path=model_path,
                            stability=stability, seed_topic_list=seed_topic_list)
    fitted_docs = parts.take(sample)
    docs = documents(fitted_docs)
    # the sample's stop words and spellings, found once for the fit and its extension
    stop, spelled = corpus_stop_words(fitted_docs, docs), spellings(docs)
    result = build_topics(fitted_docs, np.asarray(matrix[sample]), backend=backend,
                          settings=settings,
                          name=name, model_path=model_path, stability=stability,
                          seed_topic_list=seed_topic_list, stop=stop, spelled=spelled)
    vocabulary = _vocabulary(model_path, docs, cfg)
    fitted = result.doc_topics.assign(position=sample)
    topic_ids = sorted(set(result.topic_info["topic"]) | set(result.centroids["topic"]))
    bounds = np.cumsum([0] + [len(p) for p in parts.split(sample)])
    items = [(i, fitted.iloc[a:b].reset_index(drop=True).copy())  # the part's sample docs
             for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))]
    done = run_tasks(client, _assign_task, items, desc="assign topics", progress=progress,
                     parts=parts, matrix=matrix_path, centroids=result.centroids.copy(),
                     vocabulary=vocabulary, topic_ids=topic_ids,
                     ngram_range=tuple(cfg["ngram_range"]), stop=stop)
    return _extend(result, done, vocabulary, topic_ids, docs, cfg, len(sample), spelled)


def extend_sample_fit(result: TopicResult, df: pd.DataFrame, matrix: np.ndarray,
                      sample: np.ndarray, *, settings=None,
                      model_path: str | Path | None = None, extension=None,
                      stop: frozenset[str] | None = None,
                      spelled: dict[str, str] | None = None) -> TopicResult:
    """In process, what :func:`build_topics_partitioned` does on the workers: ``result``,
    fitted on the rows at the sorted positions ``sample`` of ``df`` (embedded as
    ``matrix``), with every other row assigned to its nearest topic centroid and words,
    sizes and topics per outlet recounted over all rows. Assigned rows are placed on the
    document map at the similarity-weighted mean position of their most similar fitted rows
    (``topics.doc_map.n_neighbors``; UMAP's own starting point for a new point).

    ``extension(vocabulary, stop, compute)``: what does not depend on the clustering —
    every row's :func:`term_counts` and the other rows' nearest sample rows
    (:func:`assign.nearest_placed`) — kept from before (``topics.products``), else
    ``compute()``'s (``{"counts", "near", "weights"}``). ``stop``: the sample's stop words,
    as the fit read them, and ``spelled``, its spellings (None: found again)."""
    settings = resolve(settings)
    cfg = thaw(settings["topics"])
    df = df.reset_index(drop=True)
    docs = documents(df.iloc[sample])
    vocabulary = _vocabulary(model_path, docs, cfg)
    stop = corpus_stop_words(df.iloc[sample], docs) if stop is None else stop
    rest = np.setdiff1d(np.arange(len(df)), sample)
    k = int(cfg["doc_map"]["n_neighbors"])

    def compute() -> dict:
        near, weights = nearest_placed(matrix[rest], matrix[sample], k) \
            if cfg["doc_map"]["enabled"] else (np.zeros((0, 0), int), np.zeros((0, 0)))
        return {"counts": term_counts(df, vocabulary, tuple(cfg["ngram_range"]), stop),
                "near": near, "weights": weights}

    kept = extension(vocabulary, stop, compute) if extension else compute()
    topic_ids = sorted(set(result.topic_info["topic"]) | set(result.centroids["topic"]))
    fitted = result.doc_topics.assign(position=sample)
    done = _assign(df, matrix, fitted, result.centroids, vocabulary, topic_ids,
                   tuple(cfg["ngram_range"]), stop, counts=kept["counts"])
    placed = fitted[["x", "y"]].notna().all(axis=1).to_numpy()
    kept_near = placed.all() and len(kept["near"]) == len(rest)  # among the whole sample
    if placed.any():
        xy = place_near(matrix[rest], matrix[sample[placed]],
                        fitted.loc[placed, ["x", "y"]].to_numpy(float), k,
                        neighbours=(kept["near"], kept["weights"]) if kept_near else None)
        done["doc_topics"].loc[rest, ["x", "y"]] = xy
    return _extend(result, [done], vocabulary, topic_ids, docs, cfg, len(sample),
                   spellings(docs) if spelled is None else spelled)


def _extend(result: TopicResult, done: list[dict], vocabulary, topic_ids, docs, cfg,
            n_sample: int, spelled: dict[str, str]) -> TopicResult:
    """The sample's result with every document's topic, and words, sizes and topics per
    outlet recounted over all documents (``done``: :func:`_assign` of each partition)."""
    doc_topics = pd.concat([d["doc_topics"] for d in done], ignore_index=True)
    counts = sum((d["counts"] for d in done[1:]), done[0]["counts"])
    per_source = pd.concat([d["per_source"] for d in done]).groupby(
        ["topic", "source"], as_index=False)["count"].sum()
    words = _ctfidf_words(counts, vocabulary, topic_ids, int(cfg["top_n_words"]))
    recount = cfg["representation"] == "c-tf-idf"  # MMR / KeyBERT words stay the sample's
    shown = display_forms({w for pairs in words.values() for w, _ in pairs}, spelled)
    sizes = doc_topics["topic"].value_counts()
    info = result.topic_info.copy()
    info["size"] = info["topic"].map(sizes).fillna(0).astype(int)
    if recount:
        info["words"] = info["topic"].map(lambda t: [w for w, _ in words.get(t, [])])
        info["weights"] = info["topic"].map(lambda t: [s for _, s in words.get(t, [])])
        info["display_words"] = info["words"].map(lambda ws: [shown[w] for w in ws])
        info["label"] = [("outliers" if t == -1 else make_label(d, cfg["label_words"]))
                         for t, d in zip(info["topic"], info["display_words"], strict=True)]
    labels = dict(zip(info["topic"], info["label"], strict=True))
    totals = per_source.groupby("source")["count"].transform("sum")
    per_source = per_source.assign(
        share=(per_source["count"] / totals).astype(float),
        words=per_source["topic"].map(lambda t: ", ".join(info.set_index("topic")
                                                           .at[t, "words"][:5])
                                      if t in labels else ""))
    result.doc_topics = doc_topics
    result.topic_info = info
    result.topics_per_source = per_source[["topic", "source", "count", "share", "words"]]
    result.leaf_labels = [labels[t] for t in sorted(labels) if t != -1]
    result.meta.update(n_docs=len(doc_topics), fit_sample=n_sample,
                       assigned=len(doc_topics) - n_sample, metrics_on="sample",
                       words_from="all documents" if recount else "sample")
    return result
