"""Cached reductions (topics.reduce): a fit given its UMAP coordinates and clusters equals one
that computes them, and a topic-setting change reuses what it does not touch."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import embeddings, narratives, topics
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store
from conflict_narratives.topics import products as reduce

pytestmark = pytest.mark.xdist_group("topics")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
FAST = {"embeddings": {"backend": "tfidf-lsa", "lsa_dim": 32}}


@pytest.fixture
def calls(monkeypatch):
    """How often each reduction (and the topic-independent narratives) is computed."""
    counts = {"umap": 0, "doc_map": 0, "clusters": 0}
    umap_reduce, cluster = reduce.umap_reduce, reduce.cluster
    documents = narratives.build_document_narratives

    def counted_documents(*args, **kwargs):
        counts["narrative_documents"] = counts.get("narrative_documents", 0) + 1
        return documents(*args, **kwargs)

    def counted_umap(embeddings, params):
        counts["umap" if params["n_components"] != 2 else "doc_map"] += 1
        return umap_reduce(embeddings, params)

    def counted_cluster(reduced, params):
        counts["clusters"] += 1
        return cluster(reduced, params)

    monkeypatch.setattr(reduce, "umap_reduce", counted_umap)
    monkeypatch.setattr(reduce, "cluster", counted_cluster)
    monkeypatch.setattr(narratives, "build_document_narratives", counted_documents)
    return counts


def test_a_fit_given_its_reductions_equals_one_that_computes_them(store, calls):
    run = Pipeline("fa-kes", sample=300, store=store, overrides=FAST)
    df, matrix = run.corpus, run.embeddings.matrix
    _, plain = topics.fit_topics(df, matrix, backend=run.backend, settings=run.settings,
                                 name="fa-kes")
    red = run.topic_inputs()["reductions"]
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 1}
    assert red.umap.shape == (300, 5) and red.doc_map.shape == (300, 2)
    _, given = topics.fit_topics(df, matrix, backend=run.backend, settings=run.settings,
                                 name="fa-kes",
                                 reductions=red)
    pd.testing.assert_frame_equal(plain.doc_topics, given.doc_topics)
    pd.testing.assert_frame_equal(plain.topic_info, given.topic_info)
    assert plain.n_topics >= 2
    # read back from the store: the same arrays, nothing computed again
    again = run.topic_inputs()["reductions"]
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 1}
    for kind in ("umap", "clusters", "doc_map"):
        np.testing.assert_array_equal(getattr(red, kind), getattr(again, kind))


def test_a_topic_setting_change_reuses_the_umap_and_recomputes_what_depends_on_it(
        store, calls, monkeypatch):
    def run(**topic_settings):
        pipe = Pipeline("fa-kes", sample=300, store=store,
                        overrides=FAST | {"topics": topic_settings})
        return pipe.run()["stages"]

    first = run()
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 1, "narrative_documents": 1}
    assert not any(first[s]["cached"] for s in ("topics", "timelines", "narratives"))

    smaller = run(min_cluster_size=6)  # HDBSCAN again on the same coordinates
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 2, "narrative_documents": 1}
    assert smaller["load"]["cached"] and smaller["embed"]["n_computed"] == 0
    assert not any(smaller[s]["cached"] for s in ("topics", "timelines", "narratives"))

    merged = run(nr_topics=3, label_words=2)  # neither UMAP nor HDBSCAN again
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 2, "narrative_documents": 1}
    assert not merged["topics"]["cached"] and merged["topics"]["n_topics"] <= 3

    # a traced story reads topic-independent tables only: traced once across topic changes
    # (the trace itself is tested in test_storylines; tf-idf LSA cannot embed one text)
    traced = []
    monkeypatch.setattr(embeddings, "embed_corpus", lambda df, **k: SimpleNamespace(
        matrix=np.zeros((len(df), 32), dtype=np.float32)))
    monkeypatch.setattr(narratives, "trace_story", lambda *a, **k: traced.append(1) or {
        "status": "no_match", "query": {"frame": "none"}, "nearest": [{"similarity": 0.1}]})
    seed = ROOT.parent / "shared" / "seed" / "akhbar-alaan_mosul-isis-collapse.txt"
    for topic_settings in ({"min_cluster_size": 6}, {"nr_topics": 3, "label_words": 2}):
        found = Pipeline("fa-kes", sample=300, store=store,
                         overrides=FAST | {"topics": topic_settings}).trace(seed)
        assert found["nearest"] == [{"similarity": 0.1}] and found["query"]["path"] == str(seed)
    assert traced == [1]

    back = run()  # the first setting again: its saved results, nothing computed
    assert calls == {"umap": 1, "doc_map": 1, "clusters": 2, "narrative_documents": 1}
    assert all(back[s]["cached"] for s in ("load", "topics", "timelines", "narratives"))
    assert back["topics"]["npmi"] == first["topics"]["npmi"] and back["topics"]["n_topics"] == \
        first["topics"]["n_topics"]


def test_keys_follow_what_each_reduction_depends_on():
    base = Settings.defaults()
    up = {"corpus": "k", "sample": None, "seed": 42, "embeddings": "e"}
    keys = reduce.reduction_keys(base, 1000, up)
    same = reduce.reduction_keys(base.replace({"topics": {"nr_topics": 5, "label_words": 2}}),
                                 1000, up)
    assert same == keys
    mcs = reduce.reduction_keys(base.replace({"topics": {"min_cluster_size": 50}}), 1000, up)
    assert mcs["umap"] == keys["umap"] and mcs["doc_map"] == keys["doc_map"]
    assert mcs["clusters"] != keys["clusters"]
    umap = reduce.reduction_keys(base.replace({"topics": {"umap": {"n_neighbors": 30}}}),
                                 1000, up)
    assert umap["umap"] != keys["umap"] and umap["clusters"] != keys["clusters"]
    assert umap["doc_map"] == keys["doc_map"]
    other = reduce.reduction_keys(base, 1000, up | {"embeddings": "f"})
    assert not set(other.values()) & set(keys.values())


def test_the_store_bounds_the_reductions_by_size(tmp_path):
    store = Store(tmp_path)
    size = 0
    for i in range(4):
        path = store.save_arrays("reductions", f"k{i}", {"umap": np.zeros((1000, 5), "f4")})
        os.utime(path, (100 * (i + 1), 100 * (i + 1)))  # k3 the most recent
        size = path.stat().st_size
    assert store.load_arrays("reductions", "k0") is not None  # recently used: kept
    gone = store.prune("reductions", 2.5 * size)
    assert {p.stem for p in gone} == {"k1", "k2"}
    assert store.load_arrays("reductions", "k1") is None
    assert store.load_arrays("reductions", "k3")["umap"].shape == (1000, 5)
