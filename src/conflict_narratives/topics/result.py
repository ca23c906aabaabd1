"""Topics as data: what figures, notebooks and later stages read (never the model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.store import Store

TABLES = ("doc_topics", "topic_info", "topics_per_source", "hierarchy", "centroids")


@dataclass
class TopicResult:
    """Each document's topic (``doc_topics``: doc_id, topic, probability, x, y), each topic
    (``topic_info``: size, label, words, weights, display_words, representative_ids, junk,
    junk_reason: :mod:`topics.junk`), topics per outlet, BERTopic's hierarchy with its scipy
    ``linkage``, ``meta`` (settings, quality metrics) and each topic's centroid
    (``topics.assign``: new documents go to the nearest)."""

    doc_topics: pd.DataFrame
    topic_info: pd.DataFrame
    topics_per_source: pd.DataFrame
    hierarchy: pd.DataFrame
    linkage: np.ndarray
    leaf_labels: list[str]
    meta: dict[str, Any] = field(default_factory=dict)
    centroids: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["topic", "n_docs", "vector"]))

    @property
    def n_topics(self) -> int:
        return int((self.topic_info["topic"] != -1).sum())

    def topic_words(self) -> list[list[str]]:
        """Top words of each topic (outliers excluded), in topic order."""
        return self.topic_info.loc[self.topic_info["topic"] != -1, "words"].map(list).tolist()

    def labels(self) -> dict[int, str]:
        """Topic id → label."""
        return dict(zip(self.topic_info["topic"], self.topic_info["label"], strict=True))

    def overview(self, corpus: pd.DataFrame | None = None) -> pd.DataFrame:
        """One row per topic: size, label, six words and (given the ``corpus`` table) the
        headline of its most representative document."""
        info = self.topic_info[self.topic_info["topic"] != -1]
        titles = corpus.set_index(corpus["doc_id"].astype(str))["title"] \
            if corpus is not None and "title" in corpus else pd.Series(dtype=object)
        return info.assign(
            words=info["words"].map(lambda w: " · ".join(list(w)[:6])),
            headline=info["representative_ids"].map(
                lambda ids: titles.get(ids[0], "") if len(ids) else ""),
        )[["topic", "size", "label", "words", "headline"]].reset_index(drop=True)

    def save(self, path: str | Path) -> Path:
        """Parquet tables and ``meta.json`` (linkage, leaf labels, meta) in ``path``."""
        return Store.write_tables(Path(path), {t: getattr(self, t) for t in TABLES},
                                  {"linkage": self.linkage.tolist(),
                                   "leaf_labels": self.leaf_labels, "meta": self.meta})

    @classmethod
    def load(cls, path: str | Path) -> TopicResult:
        tables, extra = Store.read_tables(Path(path), TABLES)
        for col in ("words", "weights", "display_words", "representative_ids"):
            tables["topic_info"][col] = tables["topic_info"][col].map(list)
        if "Topics" in tables["hierarchy"]:
            tables["hierarchy"]["Topics"] = tables["hierarchy"]["Topics"].map(list)
        return cls(**tables, linkage=np.asarray(extra["linkage"], dtype=float).reshape(-1, 4),
                   leaf_labels=extra["leaf_labels"], meta=extra["meta"])
