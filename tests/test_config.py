"""Settings layering, data path and thread count."""

import os

import pytest

from conflict_narratives import config


def test_defaults_have_every_stage():
    settings = config.load_settings()
    for stage in ("corpus", "embeddings", "topics", "timelines", "narratives", "figures"):
        assert stage in settings


def test_user_file_and_per_corpus_override(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "seed: 7\nembeddings: {batch_size: 8}\ncorpora: {fa-kes: {seed: 99}}\n", encoding="utf-8"
    )
    base = config.load_settings(path=path)
    assert base["seed"] == 7
    assert base["embeddings"]["batch_size"] == 8
    assert base["embeddings"]["backend"] == config.default_settings()["embeddings"]["backend"]
    assert config.load_settings("fa-kes", path=path)["seed"] == 99
    assert config.load_settings("bbc-news", path=path)["seed"] == 7


def test_settings_are_copies():
    config.load_settings()["embeddings"]["backend"] = "mutated"
    assert config.load_settings()["embeddings"]["backend"] != "mutated"


def test_threads_follow_affinity_and_env(monkeypatch):
    monkeypatch.delenv(config.ENV_THREADS, raising=False)
    assert config.n_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(config.ENV_THREADS, "1")
    assert config.n_threads() == 1


def test_data_path_order(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENV_DATA, str(tmp_path))
    path = config.data_path()
    assert path[0] == tmp_path
    assert path[1:] == [config.raw_dir(), config.shared_corpora_dir()]


def test_atomic_path_replaces_only_on_success(tmp_path):
    target = tmp_path / "table.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with config.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
    with config.atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
