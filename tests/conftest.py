"""Shared test helpers: throw-away project folders that reuse the checkout's embedding cache
(content-addressed, so sharing it never serves another text's vectors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflict_narratives.settings import ENV_CONFIG
from conflict_narratives.store import ENV_DATA, ENV_HOME, Store

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"


def share_embedding_cache(home: Path) -> Path:
    """Link the checkout's embedding cache into the project folder ``home``; returns it."""
    cache = ROOT / "data" / "interim" / "embeddings"
    cache.mkdir(parents=True, exist_ok=True)
    (home / "data" / "interim").mkdir(parents=True, exist_ok=True)
    (home / "data" / "interim" / "embeddings").symlink_to(cache, target_is_directory=True)
    return home


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A throw-away project folder (the project home for this test) sharing the
    checkout's embedding cache, with the shared corpora on its data path."""
    monkeypatch.setenv(ENV_DATA, str(CORPORA))
    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    return Store(share_embedding_cache(tmp_path))


def use_project(monkeypatch, home: Path) -> Path:
    """Make ``home`` the project folder, with the shared corpora on the data path and no
    config file (so the user's own settings never reach a test); returns it."""
    monkeypatch.setenv(ENV_DATA, str(CORPORA))
    monkeypatch.setenv(ENV_HOME, str(home))
    monkeypatch.setenv(ENV_CONFIG, str(home / "none.yaml"))
    return home
