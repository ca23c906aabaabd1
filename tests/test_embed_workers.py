"""Embedding on a local pool of worker processes: the same bits as in process, light workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import embeddings as emb
from conflict_narratives.embeddings.workers import pool_size
from conflict_narratives.settings import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


@pytest.fixture(scope="module")
def fakes():
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1")
    return pd.DataFrame({"doc_id": [f"f{i}" for i in range(len(raw))],
                         "title": raw["article_title"].astype(str),
                         "text": raw["article_content"].astype(str)}).head(90)


def settings(**cfg):
    return Settings.defaults().replace({"embeddings": {"text_view": "full", **cfg}})


def test_a_pool_gives_the_bits_of_one_process(fakes, tmp_path):
    here = emb.embed_corpus(fakes, settings=settings(), progress=False, pool=False,
                            cache_dir=tmp_path / "here")
    pooled = emb.embed_corpus(fakes, settings=settings(workers=2, pool_min_texts=10,
                                                       shard_size=16),
                              progress=False, cache_dir=tmp_path / "pool")
    assert (here.stats["workers"], pooled.stats["workers"]) == (1, 2)
    assert pooled.stats["n_computed"] == len(fakes)
    assert pooled.matrix.tobytes() == here.matrix.tobytes()
    assert len(list((tmp_path / "pool").rglob("*.npz"))) >= 4  # each task wrote its shards
    again = emb.embed_corpus(fakes, settings=settings(workers=2, pool_min_texts=10),
                             progress=False, cache_dir=tmp_path / "pool")
    assert (again.stats["n_computed"], again.stats["workers"]) == (0, 1)
    np.testing.assert_array_equal(again.matrix, pooled.matrix)


def test_a_pool_fills_the_projects_own_cache(fakes, tmp_path, monkeypatch):
    """No cache folder given: the pool writes into the project's, and its vectors are read
    back from there."""
    from conflict_narratives.store import Store
    from conftest import use_project

    use_project(monkeypatch, tmp_path)
    done = emb.embed_corpus(fakes.head(20), settings=settings(workers=2, pool_min_texts=10),
                            progress=False)
    assert (done.stats["workers"], done.stats["n_computed"]) == (2, 20)
    assert any(Store().embeddings_dir.rglob("*.npz"))


def test_when_a_pool_starts():
    use_m, lsa = emb.get_backend("use-m"), emb.get_backend("tfidf-lsa")
    cfg = {"workers": 2, "pool_min_texts": 100}
    assert pool_size(cfg, 99, use_m) == 1 and pool_size(cfg, 100, use_m) == 2
    assert pool_size(cfg, 10_000, lsa) == 1  # corpus-fitted: no light encoder
    assert pool_size({"workers": 1}, 10_000, use_m) == 1
    with pytest.raises(ValueError, match="embeddings.workers"):
        pool_size({"workers": 0}, 10, use_m)


def test_a_worker_does_not_import_bertopic():
    code = ("import sys; import conflict_narratives.embeddings.workers, "
            "conflict_narratives.embeddings.usem; print('bertopic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
