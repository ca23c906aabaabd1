"""The topic model's costly inputs as products of their own, each keyed on exactly what it
depends on and kept in the store (:meth:`Store.save_arrays`), so that changing a topic
setting reuses what that setting does not touch:

- the seeded 5-d UMAP that HDBSCAN clusters, and the 2-D UMAP of the document map
  (the embeddings and their own UMAP settings);
- HDBSCAN's clusters (the 5-d coordinates, ``min_cluster_size`` and ``min_samples``);
- each document's term counts (:class:`common.counts.DocTermCounts`: the documents and the
  vocabulary settings ``min_df`` and ``ngram_range``);
- the documents' word streams for coherence scoring (:class:`coherence.TokenStream`: the
  documents).

None depends on ``nr_topics``, the representation, label words or outlier handling. A fit
given them (:class:`Reductions`, counts) is identical to one that computes them: the same
UMAP and HDBSCAN parameters as :func:`model.build_model`, handed to BERTopic through its
own ``umap_model``/``hdbscan_model`` slots (centroids, outlier reduction and representative
documents still use the full embeddings), and the same counts.

>>> red = cached_reductions(lambda: matrix, settings, len(matrix), {"corpus": key}, store)
>>> model, result = fit_topics(df, matrix, settings=settings, reductions=red)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.settings import resolve, thaw
from conflict_narratives.topics.clustering import SplittingHDBSCAN, scaled_min_cluster_size

log = logging.getLogger(__name__)


def umap_params(kind: str, settings: Mapping | None, n_docs: int) -> dict[str, Any]:
    """The UMAP parameters in effect for ``kind`` (``"umap"``: the 5-d reduction HDBSCAN
    clusters, setting ``topics.umap``; ``"doc_map"``: the 2-D map, ``topics.doc_map``)."""
    settings = resolve(settings)
    cfg = settings["topics"][kind]
    if kind not in ("umap", "doc_map"):
        raise ValueError(f"unknown reduction {kind!r}; valid: umap, doc_map")
    return {"n_neighbors": min(int(cfg["n_neighbors"]), n_docs - 1),
            "n_components": int(cfg["n_components"]) if kind == "umap" else 2,
            "min_dist": float(cfg["min_dist"]), "metric": "cosine",
            "random_state": int(settings["seed"]), "low_memory": True}


def hdbscan_params(settings: Mapping | None, n_docs: int) -> dict[str, Any]:
    """:class:`SplittingHDBSCAN`'s parameters in effect (``min_cluster_size`` scaled to corpus
    size when unset, catch-all clusters above ``max_topic_share`` or ``max_spread_ratio``
    split)."""
    cfg = resolve(settings)["topics"]
    return {"min_cluster_size": int(cfg["min_cluster_size"] or scaled_min_cluster_size(n_docs)),
            "min_samples": cfg.get("min_samples"), "max_share": cfg.get("max_topic_share"),
            "max_spread_ratio": cfg.get("max_spread_ratio")}


def make_umap(params: Mapping):
    from umap import UMAP

    return UMAP(**params)


def make_hdbscan(params: Mapping) -> SplittingHDBSCAN:
    return SplittingHDBSCAN(**params)


def umap_reduce(embeddings: np.ndarray, params: Mapping) -> np.ndarray:
    """``embeddings`` reduced by a UMAP with ``params`` (:func:`umap_params`)."""
    return np.asarray(make_umap(params).fit_transform(embeddings))


def warm_jit(settings: Mapping | None = None) -> None:
    """Compile the numba code of both reductions once, into numba's on-disk cache
    (:func:`common.system.cache_jit`), on 4,200 random points: past 4,096 UMAP takes the
    nearest-neighbour-descent path of a real corpus. ``make setup`` runs it, so a first
    report does not spend its first minute compiling."""
    from conflict_narratives.common.system import import_bertopic

    import_bertopic()
    points = np.random.default_rng(0).normal(size=(4200, 16)).astype(np.float32)
    for kind in ("umap", "doc_map"):
        umap_reduce(points, {**umap_params(kind, settings, len(points)), "n_epochs": 2})


def cluster(reduced: np.ndarray, params: Mapping) -> dict[str, np.ndarray]:
    """:class:`SplittingHDBSCAN` on ``reduced``: ``clusters``, an ``(n, 2)`` float array of
    label and probability, and ``splits``, its record of split clusters (JSON bytes)."""
    model = make_hdbscan(params).fit(reduced)
    return {"clusters": np.column_stack([model.labels_.astype(float),
                                         model.probabilities_.astype(float)]),
            "splits": np.frombuffer(json.dumps(model.splits_).encode(), dtype=np.uint8)}


@dataclass(frozen=True)
class Reductions:
    """What a fit may be given instead of computing it: the 5-d UMAP coordinates
    (``umap``), the clusters' labels and probabilities on them (``clusters``, ``(n, 2)``;
    needs ``umap``) with the record of split clusters (``splits``) and the 2-D map
    (``doc_map``). Any may be None."""

    umap: np.ndarray | None = None
    clusters: np.ndarray | None = None
    doc_map: np.ndarray | None = None
    splits: tuple = ()


class PrecomputedReduction:
    """BERTopic's ``umap_model`` slot filled with coordinates computed beforehand."""

    def __init__(self, reduced: np.ndarray):
        self.reduced = reduced

    def fit(self, X, y=None):  # noqa: N803  (scikit-learn's signature)
        if len(X) != len(self.reduced):
            raise ValueError(f"{len(X)} embeddings but {len(self.reduced)} reduced rows")
        return self

    def transform(self, X):  # noqa: N803
        if len(X) != len(self.reduced):
            raise ValueError(f"{len(X)} embeddings but {len(self.reduced)} reduced rows")
        return self.reduced


class PrecomputedClusters:
    """BERTopic's ``hdbscan_model`` slot filled with labels and probabilities computed
    beforehand (by :func:`cluster`), and the record of split clusters."""

    def __init__(self, clusters: np.ndarray, splits: tuple = ()):
        self.clusters = clusters
        self.splits_ = list(splits)

    def fit(self, X, y=None):  # noqa: N803
        if len(X) != len(self.clusters):
            raise ValueError(f"{len(X)} points but {len(self.clusters)} cluster labels")
        self.labels_ = self.clusters[:, 0].astype(int)
        self.probabilities_ = self.clusters[:, 1]
        return self


def library_versions() -> dict[str, str]:
    """umap-learn's and hdbscan's versions: part of every reduction's key."""
    from importlib.metadata import version

    return {lib: version(lib) for lib in ("umap-learn", "hdbscan", "numba")}


def reduction_keys(settings: Mapping | None, n_docs: int, upstream: Mapping
                   ) -> dict[str, str]:
    """The key of each product: ``upstream`` (what identifies the embeddings: corpus key,
    sample, seed, embedding settings), its own parameters and the libraries' versions;
    the clusters' key also holds the 5-d UMAP's and the clusterer's code."""
    from conflict_narratives.store import code_fingerprint, make_key

    base = {"embeddings": thaw(upstream), "libraries": library_versions()}
    keys = {kind: make_key(kind=kind, params=umap_params(kind, settings, n_docs), **base)
            for kind in ("umap", "doc_map")}
    keys["clusters"] = make_key(kind="clusters", umap=keys["umap"],
                                params=hdbscan_params(settings, n_docs),
                                code=code_fingerprint("topics/clustering"))
    return keys


def cached_reductions(embeddings: Callable[[], np.ndarray], settings: Mapping | None,
                      n_docs: int, upstream: Mapping, store, *,
                      max_mb: float | None = None, guided: bool = False) -> Reductions:
    """:class:`Reductions` for a fit with ``settings``: each read from ``store`` (kind
    ``reductions``) under its key (:func:`reduction_keys`), else computed from
    ``embeddings()`` (called only then) and kept; the least recently used beyond ``max_mb``
    (setting ``store.products_max_mb``) are evicted. ``guided``: the 2-D map only."""
    settings = resolve(settings)
    keys = reduction_keys(settings, n_docs, upstream)
    got: dict[str, np.ndarray | None] = {}

    limit = _limit(settings, max_mb)

    def product(kind: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        return store.cached_arrays("reductions", keys[kind], lambda: {kind: compute()},
                                   rows=(kind, n_docs), max_bytes=limit)[kind]

    if settings["topics"]["doc_map"]["enabled"]:  # first: its memory is freed before the next
        got["doc_map"] = product("doc_map", lambda: umap_reduce(
            embeddings(), umap_params("doc_map", settings, n_docs)))
    if guided:
        return Reductions(**got)
    got["umap"] = product("umap", lambda: umap_reduce(
        embeddings(), umap_params("umap", settings, n_docs)))
    found = store.cached_arrays("reductions", keys["clusters"], lambda: cluster(
        got["umap"], hdbscan_params(settings, n_docs)), rows=("clusters", n_docs),
        max_bytes=limit)
    return Reductions(**got, clusters=found["clusters"],
                      splits=tuple(json.loads(found["splits"].tobytes().decode())))


def _limit(settings, max_mb: float | None) -> float:
    return float(max_mb if max_mb is not None else settings["store"]["products_max_mb"]) * 2**20


def counts_key(settings: Mapping | None, upstream: Mapping) -> str:
    """The key of the documents' term counts: ``upstream`` (what identifies the documents:
    corpus key, sample, seed), the vocabulary settings, the code of the analysis (stop
    words, normalisation) and scikit-learn's version."""
    from importlib.metadata import version

    from conflict_narratives.store import code_fingerprint, make_key

    cfg = resolve(settings)["topics"]
    return make_key(kind="counts", documents=thaw(upstream), min_df=cfg["min_df"],
                    ngram_range=thaw(cfg["ngram_range"]), code=code_fingerprint("common"),
                    sklearn=version("scikit-learn"))


def cached_counts(corpus: Callable[[], pd.DataFrame], settings: Mapping | None, n_docs: int,
                  upstream: Mapping, store, *, max_mb: float | None = None):
    """Each document's term counts (:class:`common.counts.DocTermCounts`) over the topic
    vocabulary (:func:`vectorize.fit_vocabulary`, without the corpus's stop words), from
    ``store`` (kind ``counts``) while :func:`counts_key` is unchanged, else counted from
    ``corpus()`` and kept."""
    from conflict_narratives.common.counts import DocTermCounts, count_documents
    from conflict_narratives.common.vectorize import (
        corpus_stop_words,
        documents,
        fit_vocabulary,
        make_vectorizer,
    )

    settings = resolve(settings)
    cfg = settings["topics"]

    def compute() -> dict:
        df = corpus()
        texts = documents(df)
        stop = corpus_stop_words(df, texts)
        vocabulary = fit_vocabulary(texts, cfg["min_df"], cfg["ngram_range"], stop)
        vectorizer = make_vectorizer(len(texts), cfg["min_df"], cfg["ngram_range"], vocabulary,
                                     stop)
        return count_documents(vectorizer, texts).to_arrays()

    return DocTermCounts.from_arrays(store.cached_arrays(
        "counts", counts_key(settings, upstream), compute, rows=("lengths", n_docs),
        max_bytes=_limit(settings, max_mb)))


def cached_tokens(docs: Callable[[], list[str]], n_docs: int, upstream: Mapping, store, *,
                  settings: Mapping | None = None, max_mb: float | None = None):
    """The documents' word streams (:class:`coherence.TokenStream`) for NPMI, from ``store``
    (kind ``tokens``) while the documents and the analysis code are unchanged."""
    from conflict_narratives.store import code_fingerprint, make_key
    from conflict_narratives.topics.coherence import TokenStream

    key = make_key(kind="tokens", documents=thaw(upstream), code=code_fingerprint("common"))
    return TokenStream.from_arrays(store.cached_arrays(
        "tokens", key, lambda: TokenStream.from_texts(docs()).to_arrays(),
        rows=("starts", n_docs + 1), max_bytes=_limit(resolve(settings), max_mb)))


def cached_stop_words(corpus: Callable[[], pd.DataFrame], upstream: Mapping, store
                      ) -> frozenset[str]:
    """The documents' stop words (:func:`vectorize.corpus_stop_words`: their languages' and
    their outlets' names), from ``store`` (kind ``stop``) while the documents and the
    analysis code are unchanged: the fit and its extension to every document read them
    once, and a change of a topic setting not at all."""
    from conflict_narratives.common.vectorize import corpus_stop_words, documents
    from conflict_narratives.store import code_fingerprint, make_key

    def compute() -> dict:
        df = corpus()
        return {"words": np.array(sorted(corpus_stop_words(df, documents(df))), dtype=str)}

    key = make_key(kind="stop", documents=thaw(upstream), code=code_fingerprint("common"))
    return frozenset(store.cached_arrays("stop", key, compute)["words"].tolist())


def cached_spellings(corpus: Callable[[], pd.DataFrame], upstream: Mapping, store
                     ) -> dict[str, str]:
    """The documents' spellings of their normalised words (:func:`vectorize.spellings`: the
    topic labels' display forms), from ``store`` (kind ``spell``) while the documents and
    the analysis code are unchanged: a change of a topic setting only looks words up."""
    from conflict_narratives.common.vectorize import documents, spellings
    from conflict_narratives.store import code_fingerprint, make_key

    def compute() -> dict:
        spelled = spellings(documents(corpus()))
        return {"words": np.array(list(spelled), dtype=str),
                "spelled": np.array(list(spelled.values()), dtype=str)}

    key = make_key(kind="spell", documents=thaw(upstream), code=code_fingerprint("common"))
    kept = store.cached_arrays("spell", key, compute)
    return dict(zip(kept["words"].tolist(), kept["spelled"].tolist(), strict=True))


def topic_inputs(corpus: Callable[[], pd.DataFrame], embeddings: Callable[[], np.ndarray],
                 settings: Mapping, upstream: Mapping, store, *, guided: bool = False
                 ) -> dict[str, Any]:
    """``reductions``, ``counts``, ``tokens``, ``stop`` and ``spelled`` for
    :func:`model.build_topics`, from
    ``store`` or computed (``corpus()`` and ``embeddings()`` are called only then);
    ``upstream`` identifies the documents (corpus key, sample, seed). A ``guided`` fit
    (seed words) reduces the embeddings BERTopic moved: only the 2-D map is reused."""
    from conflict_narratives.common.vectorize import documents

    settings = resolve(settings)
    n = len(corpus())
    embedded = {**upstream, "embeddings": settings.digest("embeddings")}
    reductions = cached_reductions(embeddings, settings, n, embedded, store, guided=guided)
    return {"reductions": reductions,
            "counts": cached_counts(corpus, settings, n, upstream, store),
            "tokens": cached_tokens(lambda: documents(corpus()), n, upstream, store,
                                    settings=settings),
            "stop": cached_stop_words(corpus, upstream, store),
            "spelled": cached_spellings(corpus, upstream, store)}


def cached_extension(vocabulary: list[str], stop: frozenset[str], compute: Callable[[], dict],
                     *, n_docs: int, settings: Mapping, upstream: Mapping, store) -> dict:
    """What extending a fit on a sample to every document reuses
    (:func:`scale.extend_sample_fit`): each document's counts of the fit's vocabulary and
    the other documents' nearest sample documents. Neither depends on the clustering, so a
    change of ``min_cluster_size`` or ``nr_topics`` reads them back (kind ``extension``);
    the key holds the documents and embeddings (``upstream``), the sample's size, the
    vocabulary and stop words, the map's neighbours and the code that computes them."""
    from importlib.metadata import version

    from conflict_narratives.common.counts import csr_arrays, csr_from_arrays
    from conflict_narratives.store import code_fingerprint, make_key

    settings = resolve(settings)
    cfg = settings["topics"]
    key = make_key(kind="extension", documents=thaw(upstream),
                   embeddings=settings.digest("embeddings"),
                   fit_sample=cfg["fit_sample_in_process"], ngram_range=thaw(cfg["ngram_range"]),
                   vocabulary=make_key(words=list(vocabulary), stop=sorted(stop)),
                   doc_map=thaw(cfg["doc_map"]), sklearn=version("scikit-learn"),
                   code=code_fingerprint("topics/scale", "topics/assign", "common"))

    def arrays() -> dict[str, np.ndarray]:
        got = compute()
        return got | csr_arrays(got.pop("counts").tocsr())

    a = store.cached_arrays("extension", key, arrays, rows=("indptr", n_docs + 1),
                            max_bytes=_limit(settings, None))
    return {"counts": csr_from_arrays(a), "near": a["near"], "weights": a["weights"]}
