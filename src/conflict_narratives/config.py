"""Paths, defaults and settings shared by every stage.

Settings are one nested dict: the package defaults (``resources/defaults.yaml``), then the
project's ``config.yaml`` (if any, or the file named by ``CONFLICT_NARRATIVES_CONFIG``),
then that file's ``corpora: {<name>: {...}}`` overrides for the corpus at hand.
"""

from __future__ import annotations

import contextlib
import copy
import os
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ENV_HOME = "CONFLICT_NARRATIVES_HOME"
ENV_DATA = "CONFLICT_NARRATIVES_DATA"
ENV_CONFIG = "CONFLICT_NARRATIVES_CONFIG"
ENV_THREADS = "CONFLICT_NARRATIVES_THREADS"


def project_root() -> Path:
    """The project folder: ``$CONFLICT_NARRATIVES_HOME``, else the checkout holding this
    package (editable install), else the current directory."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).resolve()
    here = Path(__file__).resolve().parents[2]
    if (here / "pyproject.toml").is_file():
        return here
    return Path.cwd().resolve()


def data_dir() -> Path:
    return project_root() / "data"


def raw_dir() -> Path:
    return data_dir() / "raw"


def interim_dir() -> Path:
    return data_dir() / "interim"


def processed_dir() -> Path:
    return data_dir() / "processed"


def reports_dir() -> Path:
    return project_root() / "reports"


def shared_corpora_dir() -> Path:
    return project_root().parent / "shared" / "corpora"


def data_path() -> list[Path]:
    """Folders searched, in order, for named corpora: ``$CONFLICT_NARRATIVES_DATA``
    (``os.pathsep``-separated), ``data/raw``, then ``../shared/corpora``."""
    env = [Path(p) for p in os.environ.get(ENV_DATA, "").split(os.pathsep) if p]
    return [*env, raw_dir(), shared_corpora_dir()]


def n_threads() -> int:
    """Worker threads for numeric work: ``$CONFLICT_NARRATIVES_THREADS``, else the cores this
    process may run on (``os.sched_getaffinity``), never more (BLAS oversubscription costs
    ~10x on small machines)."""
    if os.environ.get(ENV_THREADS):
        return max(1, int(os.environ[ENV_THREADS]))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def release_memory() -> None:
    """Hand freed memory back to the system between heavy steps: Python's cyclic garbage,
    Arrow's buffer pool and glibc's heap (``malloc_trim``). After the topics stage on
    ant-multisource this takes the process from 1.74 to 1.11 GB, which the next stage
    would otherwise build on."""
    import ctypes
    import gc
    import sys

    gc.collect()
    with contextlib.suppress(ImportError):
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, moved onto it only when the block succeeds, so
    readers (another process, a parallel test worker) never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@lru_cache(maxsize=1)
def default_settings() -> dict[str, Any]:
    text = resources.files("conflict_narratives").joinpath("resources/defaults.yaml").read_text(
        encoding="utf-8"
    )
    return yaml.safe_load(text)


def user_config_path() -> Path | None:
    path = Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else None
    path = path or project_root() / "config.yaml"
    return path if path.is_file() else None


def load_settings(corpus: str | None = None, path: str | Path | None = None) -> dict[str, Any]:
    """Defaults, overridden by the YAML file (``path`` or :func:`user_config_path`), then by
    its ``corpora.<corpus>`` section."""
    settings = default_settings()
    path = Path(path) if path else user_config_path()
    if path is not None:
        user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        per_corpus = user.pop("corpora", {}) or {}
        settings = _deep_merge(settings, user)
        if corpus and corpus in per_corpus:
            settings = _deep_merge(settings, per_corpus[corpus])
    return copy.deepcopy(settings)
