"""The package-level entry point for notebooks: ``cn.open(...)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store


def open(source: Any, *, name: str | None = None, sample: int | None = None,  # noqa: A001
         overrides: dict | None = None, mapping: dict | None = None,
         home: str | Path | None = None, progress: bool = False) -> Pipeline:
    """A corpus ready for analysis: a named corpus (``"ant-multisource"``, ``"t17:<Topic>"``),
    a file or folder, or a DataFrame (with ``name``). ``sample`` analyses a seeded random
    sample; ``overrides`` are settings (``{"topics": {"min_cluster_size": 50}}``) over the
    project's ``config.yaml``; ``mapping`` names input columns (``{"text": "body_ar"}``);
    ``home`` is the project folder (default: ``$CONFLICT_NARRATIVES_HOME`` or the
    checkout). Nothing is computed until a result is asked for."""
    return Pipeline(source, name=name, sample=sample, overrides=overrides, mapping=mapping,
                    store=Store(home) if home else None, progress=progress)
