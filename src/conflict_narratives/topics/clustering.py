"""Clustering for topics: HDBSCAN whose catch-all clusters are split.

HDBSCAN's excess-of-mass selection can keep one huge cluster when its parts are not
stable enough on their own: 78% of a 10,000-document Arabic corpus with nine sections in
one "topic" that is the news itself. :class:`SplittingHDBSCAN` fits HDBSCAN, then, while
the largest cluster holds more than ``max_share`` of the documents, clusters that
cluster's points again on their own (HDBSCAN never returns the whole of its input as one
cluster: it descends to the children of the catch-all's density tree), at half the
smallest-topic size if the first try finds no parts. A share just under the threshold is
no proof of coherence: a cluster whose spread (mean distance of its points to their
centre) is more than ``max_spread_ratio`` times the median cluster's is re-clustered too,
whatever its share, and split only into dense parts (each part tighter than half the
cluster's spread, together holding most of its points). Points the re-clustering leaves as
noise join the nearest part's centre. Every try is recorded with its reason, share or
spread (``splits_``); a cluster that has no parts is left whole. An estimator in
scikit-learn's conventions, so BERTopic takes it as its ``hdbscan_model``.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin


def scaled_min_cluster_size(n_docs: int) -> int:
    """HDBSCAN's smallest topic: ½·√n documents (10 at least): 22 for 2,000, 89 for 31,500."""
    return max(10, round(0.5 * math.sqrt(n_docs)))


class SplittingHDBSCAN(BaseEstimator, ClusterMixin):
    """HDBSCAN (euclidean, excess of mass) with clusters above ``max_share`` of the points,
    or more than ``max_spread_ratio`` times as spread as the median cluster, split by
    re-clustering them (both None: plain HDBSCAN)."""

    def __init__(self, min_cluster_size: int = 10, min_samples: int | None = None,
                 max_share: float | None = 0.3, max_rounds: int = 10,
                 max_spread_ratio: float | None = 2.0):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_share = max_share
        self.max_rounds = max_rounds
        self.max_spread_ratio = max_spread_ratio

    def _hdbscan(self, x: np.ndarray, min_cluster_size: int):
        from hdbscan import HDBSCAN

        samples = None if self.min_samples is None else min(self.min_samples, min_cluster_size)
        return HDBSCAN(min_cluster_size=min_cluster_size, min_samples=samples,
                       metric="euclidean", cluster_selection_method="eom").fit(x)

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's signature
        x = np.asarray(X, dtype=np.float64)
        base = self._hdbscan(x, self.min_cluster_size)
        labels = base.labels_.astype(int).copy()
        probs = base.probabilities_.astype(float).copy()
        self.splits_: list[dict] = []
        whole: set[int] = set()  # clusters tried and found to have no parts
        for _ in range(self.max_rounds):
            pick = self._catch_all(x, labels, whole)
            if pick is None:
                break
            big, record = pick
            rows = np.flatnonzero(labels == big)
            parts = self._split(x[rows], dense=record["reason"] == "spread")
            if parts is None:
                whole.add(big)
                self.splits_.append(record | {"parts": 1})
                continue
            sub, sub_probs = parts
            new = np.where(sub == 0, big, labels.max() + sub)
            labels[rows], probs[rows] = new, sub_probs
            self.splits_.append(record | {"parts": int(sub.max() + 1),
                                          "sizes": np.bincount(sub).tolist()})
        self.labels_, self.probabilities_ = labels, probs
        return self

    def _catch_all(self, x: np.ndarray, labels: np.ndarray, whole: set[int]
                   ) -> tuple[int, dict] | None:
        """The next cluster to re-cluster and why: the largest above ``max_share``, else
        the most spread above ``max_spread_ratio`` × the median spread (3 clusters at
        least); None when neither (clusters in ``whole`` are not tried again)."""
        sizes = np.bincount(labels[labels >= 0], minlength=1)
        sizes[list(whole)] = 0
        big = int(sizes.argmax())
        share = sizes[big] / len(x)
        if self.max_share and share > self.max_share:
            return big, {"reason": "share", "share": round(float(share), 4)}
        if not self.max_spread_ratio or labels.max() < 2:
            return None
        spread = cluster_spread(x, labels)
        if np.median(spread) <= 0:
            return None
        ratio = spread / np.median(spread)
        ratio[list(whole)] = 0
        loose = int(ratio.argmax())
        if ratio[loose] <= self.max_spread_ratio:
            return None
        return loose, {"reason": "spread", "share": round(float(np.mean(labels == loose)), 4),
                       "spread_ratio": round(float(ratio[loose]), 2)}

    def _split(self, x: np.ndarray, dense: bool = False
               ) -> tuple[np.ndarray, np.ndarray] | None:
        """The parts of one cluster's points (labels 0..k-1, noise joined to the nearest
        part's centre) and their membership strengths; None when there are not two (with
        ``dense``: two dense ones, see the module's docstring)."""
        for mcs in (self.min_cluster_size, max(5, self.min_cluster_size // 2)):
            if len(x) < 2 * mcs:
                continue
            fit = self._hdbscan(x, mcs)
            sub = fit.labels_.astype(int)
            if sub.max() >= 1:
                break
        else:
            return None
        if dense and not _dense_parts(x, sub):
            return None
        centres = np.stack([x[sub == k].mean(axis=0) for k in range(sub.max() + 1)])
        noise = np.flatnonzero(sub < 0)
        if len(noise):
            dist = ((x[noise, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
            sub[noise] = dist.argmin(axis=1)
        return sub, fit.probabilities_.astype(float)


def cluster_spread(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each cluster's spread: the mean distance of its points to their centre (noise,
    label -1, left out; an empty label gets 0)."""
    out = np.zeros(labels.max() + 1)
    for k in range(len(out)):
        pts = x[labels == k]
        if len(pts):
            out[k] = np.linalg.norm(pts - pts.mean(axis=0), axis=1).mean()
    return out


def _dense_parts(x: np.ndarray, sub: np.ndarray) -> bool:
    """Whether re-clustering found distinct dense parts, not chance clumps of a loose
    cloud: the parts hold most of the points, each tighter than half the whole's spread."""
    whole = cluster_spread(x, np.zeros(len(x), dtype=int))[0]
    parts = cluster_spread(x, sub)
    return bool(np.mean(sub >= 0) >= 0.5 and parts.max() < 0.5 * whole)
