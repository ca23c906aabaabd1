"""The tables of a topic result that come from the fitted model: each topic's most
central documents and the hierarchy of topics."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd


def representatives(topics: np.ndarray, embeddings: np.ndarray, ids: np.ndarray,
                     n: int = 5) -> dict[int, list[str]]:
    """Per topic, the ``n`` documents closest (cosine) to the topic's mean embedding."""
    out = {}
    for t in np.unique(topics):
        rows = np.flatnonzero(topics == t)
        centre = embeddings[rows].mean(axis=0)
        sims = embeddings[rows] @ (centre / (np.linalg.norm(centre) or 1.0))
        out[int(t)] = ids[rows[np.argsort(-sims, kind="stable")[:n]]].tolist()
    return out


def hierarchy_table(model, docs) -> tuple[pd.DataFrame, np.ndarray]:
    """BERTopic's hierarchical_topics table and the scipy linkage it was built from."""
    from scipy.cluster import hierarchy as sch

    if len(set(model.topics_) - {-1}) < 2:
        return pd.DataFrame(), np.zeros((0, 4))
    captured: list[np.ndarray] = []

    def ward(dist):
        captured.append(sch.linkage(dist, "ward", optimal_ordering=True))
        return captured[-1]

    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar cannot be disabled
        table = model.hierarchical_topics(docs, linkage_function=ward)
    table["Topics"] = table["Topics"].map(lambda ts: [int(t) for t in ts])
    for col in ("Parent_ID", "Parent_Name", "Child_Left_ID", "Child_Left_Name",
                "Child_Right_ID", "Child_Right_Name"):
        table[col] = table[col].astype(str)
    return table.reset_index(drop=True), captured[-1]
