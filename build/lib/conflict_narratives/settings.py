"""One immutable settings object, built once at the entry point (CLI, report, notebook).

Layers, each deep-merged over the one before: the package defaults
(``resources/defaults.yaml``, the only source of defaults), the project's config file
(``config.yaml`` at the project root or ``$CONFLICT_NARRATIVES_CONFIG``), that file's
``corpora: {<name>: {...}}`` section for the corpus at hand, then explicit overrides (CLI
options such as ``--freq``). Stages receive the object and read their section:

>>> s = Settings.load("fa-kes", overrides={"timelines": {"freq": "month"}})
>>> s.timelines["freq"], s.seed
('month', 42)
>>> s.digest("topics")          # what a stage's cache key hashes
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

ENV_CONFIG = "CONFLICT_NARRATIVES_CONFIG"


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A frozen value as plain dicts and lists (for YAML, JSON, or a library that mutates)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def deep_merge(base: Mapping, over: Mapping | None) -> dict:
    """``over`` merged into a plain copy of ``base`` (nested mappings merged key by key)."""
    out = thaw(base)
    for key, value in (over or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = thaw(value)
    return out


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    text = resources.files("conflict_narratives").joinpath("resources/defaults.yaml").read_text(
        encoding="utf-8")
    return yaml.safe_load(text)


def config_path(project_root: Path) -> Path | None:
    """The user's settings file: ``$CONFLICT_NARRATIVES_CONFIG``, else ``config.yaml`` in the
    project folder (None when there is none)."""
    path = Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else \
        project_root / "config.yaml"
    return path if path.is_file() else None


class Settings(Mapping):
    """Read-only nested settings: ``settings["topics"]["umap"]`` or ``settings.topics``.

    Sections are read-only mappings (lists become tuples); :meth:`replace` returns a new
    object. ``corpus`` names the corpus whose per-corpus section was applied (if any)."""

    __slots__ = ("_data", "corpus_name", "source")

    def __init__(self, data: Mapping, corpus_name: str | None = None,
                 source: str | None = None):
        unknown = set(data) - set(_defaults()) - {"corpora"}
        if unknown:
            raise ValueError(f"unknown settings section(s) {sorted(unknown)}; "
                             f"valid: {sorted(_defaults())}")
        object.__setattr__(self, "_data", _freeze({k: v for k, v in data.items()
                                                   if k != "corpora"}))
        object.__setattr__(self, "corpus_name", corpus_name)
        object.__setattr__(self, "source", source)

    # -- construction
    @classmethod
    def defaults(cls) -> Settings:
        """The package defaults alone."""
        return cls(_defaults(), source="defaults")

    @classmethod
    def load(cls, corpus: str | None = None, *, path: str | Path | None = None,
             project_root: Path | None = None, overrides: Mapping | None = None) -> Settings:
        """Defaults ← config file (``path``, else :func:`config_path`) ← its
        ``corpora.<corpus>`` section ← ``overrides``."""
        data = _defaults()
        if path is None and project_root is not None:
            path = config_path(project_root)
        if path is not None:
            user = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            if not isinstance(user, dict):
                raise ValueError(f"{path}: a settings file holds a mapping of sections")
            per_corpus = user.pop("corpora", None) or {}
            data = deep_merge(data, user)
            if corpus and corpus in per_corpus:
                data = deep_merge(data, per_corpus[corpus])
        data = deep_merge(data, overrides)
        return cls(data, corpus_name=corpus, source=str(path) if path else "defaults")

    def replace(self, overrides: Mapping | None) -> Settings:
        """A copy with ``overrides`` deep-merged in (``None`` values in ``overrides`` are kept:
        they mean "automatic" for settings that default to null)."""
        if not overrides:
            return self
        return Settings(deep_merge(self._data, overrides), self.corpus_name, self.source)

    # -- reading
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Settings are immutable; use .replace({...})")

    def __repr__(self) -> str:
        return f"Settings(corpus={self.corpus_name!r}, source={self.source!r})"

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dicts (for YAML/JSON)."""
        return thaw(self._data)

    def digest(self, *sections: str) -> str:
        """Hash of the named sections (all when none are named): part of a stage's key."""
        names = sections or tuple(self._data)
        blob = json.dumps({s: thaw(self._data.get(s)) for s in names}, sort_keys=True,
                          ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def resolve(settings: Mapping | None) -> Settings:
    """``settings`` as a :class:`Settings` (a plain mapping is validated and frozen; None means
    the package defaults), for stage functions called directly from Python."""
    if isinstance(settings, Settings):
        return settings
    if settings is None:
        return Settings.defaults()
    return Settings(deep_merge(_defaults(), settings))
