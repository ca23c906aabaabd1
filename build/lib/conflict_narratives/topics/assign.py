"""Documents placed in fitted topics without refitting: the nearest topic centroid.

One mechanism for every "assign without refitting" need (new documents of a daily update,
every document of a corpus fitted on a sample, partitions on a cluster): each topic is the
mean of its documents' embeddings (as BERTopic's ``topic_embeddings_``, which a saved and
reloaded model also uses), and a document goes to the topic whose centroid is nearest in
cosine similarity. The similarity comes with it, so callers can tell a document that fits
no topic well.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def topic_centroids(topics: np.ndarray, embeddings: np.ndarray) -> pd.DataFrame:
    """One row per topic (outliers, ``-1``, excluded): ``topic``, ``n_docs`` and the
    L2-normalised mean embedding ``vector`` (float32)."""
    topics = np.asarray(topics)
    rows = []
    for t in sorted(set(topics.tolist()) - {-1}):
        centre = embeddings[topics == t].mean(axis=0)
        norm = np.linalg.norm(centre) or 1.0
        rows.append({"topic": int(t), "n_docs": int((topics == t).sum()),
                     "vector": (centre / norm).astype(np.float32)})
    return pd.DataFrame(rows, columns=["topic", "n_docs", "vector"])


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
