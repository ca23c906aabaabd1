"""The same corpus and settings give the same topics wherever the project lives: another
folder, another path, an embedding cache already holding part of the corpus or none."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.common.system import ENV_THREADS
from conflict_narratives.embeddings import embed_corpus
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
MAPPING = {"doc_id": "unit_id", "text": "article_content", "title": "article_title"}
FAST = {"topics": {"doc_map": {"enabled": False}}}

pytestmark = pytest.mark.xdist_group("determinism")


def test_two_project_folders_one_with_a_filled_cache_fit_the_same_topics(tmp_path,
                                                                         monkeypatch):
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1",
                      dtype=str).head(300)
    runs = []
    for where in ("first/project", "somewhere/else/entirely"):
        home = tmp_path / where
        home.mkdir(parents=True)
        raw.to_csv(home / "reports.csv", index=False)
        runs.append(Pipeline(str(home / "reports.csv"), name="war", mapping=MAPPING,
                             store=Store(home), overrides=FAST))
    first = runs[0].topics()
    # the second folder: one BLAS thread, and a cache already holding every third text,
    # embedded in other batches
    monkeypatch.setenv(ENV_THREADS, "1")
    filled = runs[1]
    part = filled.corpus.iloc[::3].iloc[::-1].reset_index(drop=True)
    embed_corpus(part, backend=filled.backend, settings=filled.settings, progress=False,
                 cache_dir=filled.store.embeddings_dir)
    assert filled.backend.threads == 1
    results = [first, filled.topics()]
    assert runs[1].embeddings.stats["n_cached"] > 0 == runs[0].embeddings.stats["n_cached"]
    assert runs[0].embeddings.matrix.tobytes() == runs[1].embeddings.matrix.tobytes()
    a, b = (r.doc_topics.sort_values("doc_id").reset_index(drop=True) for r in results)
    assert len(set(a["topic"])) > 2
    assert a["doc_id"].tolist() == b["doc_id"].tolist()
    assert np.array_equal(a["topic"].to_numpy(), b["topic"].to_numpy())
    assert results[0].topic_info["words"].map(list).tolist() == \
        results[1].topic_info["words"].map(list).tolist()
