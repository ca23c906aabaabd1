"""The topic model's costly geometry as products of their own: the seeded 5-d UMAP that
HDBSCAN clusters, HDBSCAN's clusters, and the 2-D UMAP of the document map.

None of them depends on the settings an analyst tunes most (``nr_topics``, the
representation, label words, outlier handling; the clusters on ``min_cluster_size`` and
``min_samples`` only), so each is keyed on exactly what it depends on and kept in the store
(:meth:`Store.save_array`): changing a topic setting reuses them, and a fit given them
(:class:`Reductions`) is identical to one that computes them (same UMAP and HDBSCAN
parameters as :func:`model.build_model`; BERTopic receives them through its own
``umap_model``/``hdbscan_model`` slots, so centroids, outlier reduction and representative
documents still use the full embeddings).

>>> red = cached_reductions(lambda: matrix, settings, len(matrix), {"corpus": key}, store)
>>> model, result = fit_topics(df, matrix, settings=settings, reductions=red)
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from conflict_narratives.settings import resolve, thaw

log = logging.getLogger(__name__)


def scaled_min_cluster_size(n_docs: int) -> int:
    """HDBSCAN's smallest topic: ½·√n documents (10 at least): 22 for 2,000, 89 for 31,500."""
    return max(10, round(0.5 * math.sqrt(n_docs)))


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
    """HDBSCAN's parameters in effect (``min_cluster_size`` scaled to corpus size when unset)."""
    cfg = resolve(settings)["topics"]
    return {"min_cluster_size": int(cfg["min_cluster_size"] or scaled_min_cluster_size(n_docs)),
            "min_samples": cfg.get("min_samples"), "metric": "euclidean",
            "cluster_selection_method": "eom", "prediction_data": True}


def make_umap(params: Mapping):
    from umap import UMAP

    return UMAP(**params)


def make_hdbscan(params: Mapping):
    from hdbscan import HDBSCAN

    return HDBSCAN(**params)


def umap_reduce(embeddings: np.ndarray, params: Mapping) -> np.ndarray:
    """``embeddings`` reduced by a UMAP with ``params`` (:func:`umap_params`)."""
    return np.asarray(make_umap(params).fit_transform(embeddings))


def cluster(reduced: np.ndarray, params: Mapping) -> np.ndarray:
    """HDBSCAN on ``reduced``: an ``(n, 2)`` float array of label and probability."""
    model = make_hdbscan(params).fit(reduced)
    return np.column_stack([model.labels_.astype(float), model.probabilities_.astype(float)])


@dataclass(frozen=True)
class Reductions:
    """What a fit may be given instead of computing it: the 5-d UMAP coordinates
    (``umap``), HDBSCAN's labels and probabilities on them (``clusters``, ``(n, 2)``; needs
    ``umap``) and the 2-D map (``doc_map``). Any may be None."""

    umap: np.ndarray | None = None
    clusters: np.ndarray | None = None
    doc_map: np.ndarray | None = None


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
    beforehand (by :func:`cluster`)."""

    def __init__(self, clusters: np.ndarray):
        self.clusters = clusters

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
    the clusters' key also holds the 5-d UMAP's."""
    from conflict_narratives.store import make_key

    base = {"embeddings": thaw(upstream), "libraries": library_versions()}
    keys = {kind: make_key(kind=kind, params=umap_params(kind, settings, n_docs), **base)
            for kind in ("umap", "doc_map")}
    keys["clusters"] = make_key(kind="clusters", umap=keys["umap"],
                                params=hdbscan_params(settings, n_docs))
    return keys


def cached_reductions(embeddings: Callable[[], np.ndarray], settings: Mapping | None,
                      n_docs: int, upstream: Mapping, store, *,
                      max_mb: float | None = None) -> Reductions:
    """:class:`Reductions` for a fit with ``settings``: each read from ``store`` (kind
    ``reductions``) under its key (:func:`reduction_keys`), else computed from
    ``embeddings()`` (called only then) and saved; the least recently used products beyond
    ``max_mb`` (setting ``store.reductions_max_mb``) are evicted."""
    settings = resolve(settings)
    keys = reduction_keys(settings, n_docs, upstream)
    cfg = settings["topics"]
    got: dict[str, np.ndarray | None] = {}

    def product(kind: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        array = store.load_array("reductions", keys[kind])
        if array is not None and len(array) == n_docs:
            log.info("topics: reusing the %s reduction %s", kind, keys[kind])
            return array
        t0 = time.perf_counter()
        array = compute()
        store.save_array("reductions", keys[kind], array)
        log.info("topics: %s computed in %.1f s (key %s)", kind, time.perf_counter() - t0,
                 keys[kind])
        return array

    if cfg["doc_map"]["enabled"]:  # first: its UMAP's memory is freed before the next
        got["doc_map"] = product("doc_map", lambda: umap_reduce(
            embeddings(), umap_params("doc_map", settings, n_docs)))
    got["umap"] = product("umap", lambda: umap_reduce(
        embeddings(), umap_params("umap", settings, n_docs)))
    got["clusters"] = product("clusters", lambda: cluster(
        got["umap"], hdbscan_params(settings, n_docs)))
    limit = max_mb if max_mb is not None else settings["store"]["reductions_max_mb"]
    store.prune("reductions", float(limit) * 2**20)
    return Reductions(**got)
