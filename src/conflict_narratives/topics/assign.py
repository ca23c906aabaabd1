"""Documents placed in fitted topics without refitting: the nearest topic centroid.

One mechanism for every "assign without refitting" need (new documents of a daily update,
every document of a corpus fitted on a sample, partitions on a cluster): each topic is the
mean of its documents' embeddings (as BERTopic's ``topic_embeddings_``, which a saved and
reloaded model also uses), and a document goes to the topic whose centroid is nearest in
cosine similarity. The similarity comes with it, so callers can tell a document that fits
no topic well: :func:`far_from_topics` compares it with how close the topic's own
documents are to their centroid (its ``spread``, kept with the centroid).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PERCENTILES = np.arange(101)


def topic_centroids(topics: np.ndarray, embeddings: np.ndarray) -> pd.DataFrame:
    """One row per topic (outliers, ``-1``, excluded): ``topic``, ``n_docs``, the
    L2-normalised mean embedding ``vector`` (float32) and ``spread``: the 0th..100th
    percentiles of its documents' cosine similarity to that centroid."""
    topics = np.asarray(topics)
    rows = []
    for t in sorted(set(topics.tolist()) - {-1}):
        members = embeddings[topics == t]
        centre = members.mean(axis=0)
        centre = (centre / (np.linalg.norm(centre) or 1.0)).astype(np.float32)
        rows.append({"topic": int(t), "n_docs": len(members), "vector": centre,
                     "spread": np.percentile(members @ centre, PERCENTILES).astype(np.float32)})
    return pd.DataFrame(rows, columns=["topic", "n_docs", "vector", "spread"])


def centroid_matrix(centroids: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(topic ids, k × dim matrix)`` from a :func:`topic_centroids` table."""
    if centroids.empty:
        raise ValueError("no topics to assign documents to")
    return (centroids["topic"].to_numpy(dtype=int),
            np.stack(centroids["vector"].map(np.asarray).to_list()).astype(np.float32))


def assign_nearest(embeddings: np.ndarray, centroids: pd.DataFrame, *,
                   batch: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest topic and its cosine similarity (rows L2-normalised), in batches
    so memory stays bounded on any number of documents."""
    ids, mat = centroid_matrix(centroids)
    if embeddings.shape[1] != mat.shape[1]:
        raise ValueError(f"embeddings have {embeddings.shape[1]} dimensions, the topics "
                         f"{mat.shape[1]}: were they made with another embedding model?")
    topics = np.empty(len(embeddings), dtype=int)
    sims = np.empty(len(embeddings), dtype=np.float32)
    for start in range(0, len(embeddings), batch):
        part = embeddings[start:start + batch] @ mat.T
        best = part.argmax(axis=1)
        topics[start:start + batch] = ids[best]
        sims[start:start + batch] = part[np.arange(len(part)), best]
    return topics, sims


def nearest_placed(vectors: np.ndarray, placed: np.ndarray, k: int, *,
                   cells: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``vectors``, its ``k`` most similar rows of ``placed`` (positions)
    and their weights (cosine similarity clipped at 0, + 1e-6), in batches of rows whose
    similarities to ``placed`` number at most ``cells`` (~80 MB of working arrays; 4,096
    rows against a 10,000-document sample took 0.9 GB, the report's memory peak)."""
    k = max(1, min(int(k), len(placed)))
    batch = max(1, cells // max(1, len(placed)))
    near = np.empty((len(vectors), k), dtype=np.int64)
    weights = np.empty((len(vectors), k), dtype=np.result_type(vectors, placed))
    for start in range(0, len(vectors), batch):
        sims = vectors[start:start + batch] @ placed.T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        near[start:start + batch] = part
        weights[start:start + batch] = np.clip(np.take_along_axis(sims, part, axis=1), 0,
                                               None) + 1e-6
    return near, weights


def place_near(vectors: np.ndarray, placed: np.ndarray, xy: np.ndarray, k: int, *,
               neighbours: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """2-D map positions for ``vectors`` from documents already on the map (``placed``
    rows at ``xy``): each row at the mean position of its ``k`` most similar placed
    documents, weighted by cosine similarity (clipped at 0). ``neighbours``:
    :func:`nearest_placed`'s answer, when kept from before."""
    near, weights = neighbours or nearest_placed(vectors, placed, k)
    return (weights[:, :, None] * xy[near]).sum(axis=1) / weights.sum(axis=1, keepdims=True)


def far_from_topics(topics: np.ndarray, sims: np.ndarray, centroids: pd.DataFrame,
                    quantile: float) -> np.ndarray:
    """True for each document less similar to its nearest topic's centroid than that
    topic's ``quantile`` (0..1) of its own documents are: it fits no topic well. A
    threshold relative to each topic works for any embedding model and for tight and loose
    topics alike."""
    if "spread" not in centroids:
        raise ValueError("these topic centroids carry no spread; recompute them with "
                         "topic_centroids(doc topics, embeddings)")
    cut = {int(t): float(np.interp(100 * quantile, PERCENTILES, np.asarray(s)))
           for t, s in zip(centroids["topic"], centroids["spread"], strict=True)}
    return np.asarray(sims) < np.array([cut[int(t)] for t in np.asarray(topics)])
