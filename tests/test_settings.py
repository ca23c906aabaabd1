"""Settings layering and immutability, the store's paths and keys, thread count."""

import os

import pytest

from conflict_narratives.common.system import ENV_THREADS, atomic_path, n_threads
from conflict_narratives.settings import Settings, resolve
from conflict_narratives.store import ENV_DATA, Store, code_fingerprint, make_key


def test_defaults_have_every_stage():
    settings = Settings.defaults()
    for stage in ("corpus", "embeddings", "topics", "timelines", "narratives", "figures"):
        assert stage in settings
    assert settings.topics["top_n_words"] == 10 and settings["seed"] == 42


def test_user_file_per_corpus_section_and_overrides(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "seed: 7\nembeddings: {batch_size: 8}\ncorpora: {fa-kes: {seed: 99}}\n", encoding="utf-8"
    )
    base = Settings.load(path=path)
    assert base["seed"] == 7
    assert base["embeddings"]["batch_size"] == 8
    assert base["embeddings"]["backend"] == Settings.defaults()["embeddings"]["backend"]
    assert Settings.load("fa-kes", path=path)["seed"] == 99
    assert Settings.load("bbc-news", path=path)["seed"] == 7
    # the project root's config.yaml is found, and its per-corpus section applied
    (tmp_path / "config.yaml").write_text("corpora: {fa-kes: {timelines: {freq: day}}}\n")
    s = Settings.load("fa-kes", project_root=tmp_path, overrides={"topics": {"nr_topics": 5}})
    assert s.timelines["freq"] == "day" and s.topics["nr_topics"] == 5
    assert s.topics["label_words"] == 3  # a merged section keeps its other defaults


def test_settings_are_immutable_and_replace_makes_a_new_object():
    s = Settings.defaults()
    with pytest.raises(TypeError):
        s["embeddings"]["backend"] = "mutated"
    with pytest.raises(AttributeError):
        s.seed = 1
    t = s.replace({"timelines": {"freq": "week"}})
    assert t.timelines["freq"] == "week" and s.timelines["freq"] is None
    assert s.digest("timelines") != t.digest("timelines")
    assert s.digest("topics") == t.digest("topics")


def test_unknown_section_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown settings section"):
        resolve({"topcs": {"nr_topics": 3}})


def test_threads_follow_affinity_and_env(monkeypatch):
    monkeypatch.delenv(ENV_THREADS, raising=False)
    assert n_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(ENV_THREADS, "1")
    assert n_threads() == 1


def test_data_path_order(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_DATA, str(tmp_path))
    store = Store(tmp_path / "project")
    path = store.data_path()
    assert path[0] == tmp_path
    assert path[1:] == [store.raw_dir, tmp_path / "shared" / "corpora"]


def test_keys_and_code_fingerprints():
    assert make_key(a=1, b=[2]) == make_key(b=[2], a=1) != make_key(a=2, b=[2])
    assert code_fingerprint("topics", "common") != code_fingerprint("timelines", "common")


def test_store_keeps_several_versions_and_evicts_the_oldest(tmp_path):
    import pandas as pd

    store = Store(tmp_path)
    for i, key in enumerate(("k1", "k2", "k3")):
        path = store.stage_dir("c", "topics", key)
        store.write_tables(path, {"t": pd.DataFrame({"x": [i]})}, {"i": i})
        store.mark(path, key, {"i": i}, 1.0)
        os.utime(path, ns=(i * 10**9, i * 10**9))
    assert store.find("c", "topics", "k1") is not None  # found: now the most recent
    store.evict("c", "topics", keep=2)
    assert store.find("c", "topics", "k1") is not None
    assert store.find("c", "topics", "k2") is None
    tables, meta = store.read_tables(store.stage_dir("c", "topics", "k3"))
    assert tables["t"]["x"].tolist() == [2] and meta == {"i": 2}


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "table.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
