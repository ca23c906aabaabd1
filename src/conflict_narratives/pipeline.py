"""Stage results on disk, reused while they are current, and the whole pipeline in one call.

Each analysis stage (topics → timelines → narratives) saves its tables under
``data/processed/<corpus>/<stage>/`` with a ``stage.json`` holding a key: a hash of what the
result depends on (the loaded corpus's fingerprint, the settings of the stage and of the
stages it reads, the seed, the sample, the package's code). :func:`get` returns the saved
result while the key matches and runs the stage otherwise, so a second ``make report``
reuses everything and a changed setting recomputes exactly the stages it reaches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from conflict_narratives import __version__, config

log = logging.getLogger(__name__)

STAGES = ("topics", "timelines", "narratives")
# settings sections each stage's result depends on (besides the corpus and embeddings)
DEPENDS = {
    "topics": ("topics",),
    "timelines": ("topics", "timelines"),
    "narratives": ("topics", "narratives"),
}


@dataclass
class StageRun:
    """One stage's result and how it was obtained."""

    stage: str
    result: Any
    summary: dict[str, Any]
    seconds: float
    cached: bool


def stage_dir(name: str, stage: str, sample: int | None = None) -> Path:
    """``data/processed/<name>/<stage>/`` (a sample's in ``sample-<n>/`` below it)."""
    path = config.processed_dir() / name / stage
    return path / f"sample-{sample}" if sample else path


def write_tables(path: str | Path, tables: dict, sidecar: str, meta: dict) -> Path:
    """A stage result on disk: each table as ``<name>.parquet`` and ``meta`` as the JSON
    ``sidecar`` (written last: its presence marks a complete save)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        frame.to_parquet(path / f"{table}.parquet", index=False)
    (path / sidecar).write_text(json.dumps(meta, ensure_ascii=False, indent=1, default=str),
                                encoding="utf-8")
    return path


def read_tables(path: str | Path, sidecar: str, names=None, *, what: str, hint: str
                ) -> tuple[dict, dict]:
    """What :func:`write_tables` wrote: the tables (``names``, else every Parquet file) and the
    sidecar's JSON. No sidecar -> ``FileNotFoundError`` naming ``what`` is missing and how to
    make it (``hint``)."""
    import pandas as pd

    path = Path(path)
    if not (path / sidecar).is_file():
        raise FileNotFoundError(f"no saved {what} in {path} ({hint})")
    files = ([path / f"{n}.parquet" for n in names] if names is not None
             else sorted(path.glob("*.parquet")))
    tables = {f.stem: pd.read_parquet(f) for f in files}
    return tables, json.loads((path / sidecar).read_text(encoding="utf-8"))


def _load_report(name: str) -> dict:
    path = config.processed_dir() / f"{name}.load.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the package's source and resources: results made by other code are stale."""
    root = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"):
        digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def stage_key(name: str, stage: str, settings: dict, sample: int | None = None) -> str:
    """Hash of everything ``stage``'s result for corpus ``name`` depends on."""
    load = _load_report(name)
    parts = {
        "code": code_fingerprint(),
        "stage": stage,
        "corpus": [load.get(k) for k in ("fingerprint", "settings_hash", "kept", "loader_version")],
        "embeddings": settings.get("embeddings"),
        "seed": settings.get("seed"),
        "sample": sample,
        "settings": {s: settings.get(s) for s in DEPENDS[stage]},
    }
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def _runners() -> dict[str, tuple[Callable, Callable]]:
    """Per stage: ``run(name, sample, settings) -> (result, summary)`` and ``load(path)``."""
    from conflict_narratives import narratives, timelines, topics

    def run_topics(name, sample, settings):
        return topics.run(name, sample=sample, settings=settings)

    def run_timelines(name, sample, settings):
        result = timelines.run(name, sample=sample, settings=settings)
        return result, result.summary

    def run_narratives(name, sample, settings):
        result = narratives.run(name, sample=sample, settings=settings)
        return result, result.summary

    return {
        "topics": (run_topics, topics.TopicResult.load),
        "timelines": (run_timelines, timelines.TimelineResult.load),
        "narratives": (run_narratives, narratives.NarrativeResult.load),
    }


def is_current(name: str, stage: str, settings: dict, sample: int | None = None) -> bool:
    """Whether ``stage``'s saved result for ``name`` matches the current inputs."""
    marker = stage_dir(name, stage, sample) / "stage.json"
    if not marker.is_file():
        return False
    saved = json.loads(marker.read_text(encoding="utf-8"))
    return saved.get("key") == stage_key(name, stage, settings, sample)


def get(name_or_source: str, stage: str, *, sample: int | None = None,
        settings: dict | None = None, force: bool = False) -> StageRun:
    """``stage``'s result for a corpus: the saved one while current, else a fresh run
    (whose tables the stage saves, and whose key is recorded here)."""
    from conflict_narratives.corpus.loader import default_name, get_corpus, sample_size

    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; choose one of {list(STAGES)}")
    name = default_name(name_or_source)
    settings = settings or config.load_settings(name)
    # the load report the key reads is made current here; a sample as large as the corpus
    # is the corpus
    sample = sample_size(get_corpus(name_or_source), sample)
    run, load = _runners()[stage]
    path = stage_dir(name, stage, sample)
    if not force and is_current(name, stage, settings, sample):
        marker = json.loads((path / "stage.json").read_text(encoding="utf-8"))
        log.info("%s: reusing %s from %s", name, stage, path)
        return StageRun(stage, load(path), marker["summary"], 0.0, cached=True)
    t0 = time.perf_counter()
    result, summary = run(name_or_source, sample, settings)
    config.release_memory()  # the next stage should not build on this one's freed heap
    seconds = round(time.perf_counter() - t0, 2)
    path.mkdir(parents=True, exist_ok=True)
    marker = {"key": stage_key(name, stage, settings, sample), "seconds": seconds,
              "summary": summary}
    (path / "stage.json").write_text(
        json.dumps(marker, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return StageRun(stage, result, summary, seconds, cached=False)


def run_all(name_or_source: str, *, sample: int | None = None, settings: dict | None = None,
            force: bool = False, progress: bool = True) -> dict[str, Any]:
    """Load → embed → topics → timelines → narratives; one JSON-able summary of every stage
    with its wall time and whether it was served from a cache."""
    from conflict_narratives import corpus, embeddings

    name = corpus.default_name(name_or_source)
    settings = settings or config.load_settings(name)
    summary: dict[str, Any] = {"corpus": name, "sample": sample, "stages": {}}
    report_path = config.processed_dir() / f"{name}.load.json"
    before = report_path.stat().st_mtime_ns if report_path.is_file() else None
    t0 = time.perf_counter()
    df = corpus.get_corpus(name_or_source, settings=settings)
    load = _load_report(name)
    summary["stages"]["load"] = {
        "seconds": round(time.perf_counter() - t0, 2),
        "cached": before == report_path.stat().st_mtime_ns,
        **{k: load.get(k) for k in ("rows_in", "kept", "rejected_total", "dated", "undated",
                                    "out_of_range_dates", "date_min", "date_max", "languages")},
    }
    sample = corpus.sample_size(df, sample)
    df = corpus.sample_corpus(df, sample, int(settings.get("seed", 42)))
    t0 = time.perf_counter()
    emb = embeddings.embed_corpus(df, settings=settings, progress=progress)
    summary["stages"]["embed"] = _entry(emb.stats, time.perf_counter() - t0,
                                        cached=emb.stats.get("n_computed") == 0)
    for stage in STAGES:
        done = get(name_or_source, stage, sample=sample, settings=settings, force=force)
        summary["stages"][stage] = _entry(done.summary, done.seconds, done.cached)
    summary["seconds"] = round(sum(s["seconds"] for s in summary["stages"].values()), 2)
    return summary


def _entry(stage_summary: dict, seconds: float, cached: bool) -> dict[str, Any]:
    """A stage's line in the run summary: its own summary, then the wall time of this run
    (``seconds``; the stage's own timing, if any, kept as ``stage_seconds``) and ``cached``."""
    entry = dict(stage_summary)
    if "seconds" in entry:
        entry["stage_seconds"] = entry.pop("seconds")
    return entry | {"seconds": round(seconds, 2), "cached": bool(cached)}
