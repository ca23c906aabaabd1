"""Every path and table on disk, and the one key function.

A :class:`Store` is rooted at a project folder (``$CONFLICT_NARRATIVES_HOME``, else the
checkout holding this package, else the current directory)::

    data/raw/                          corpora you bring (searched for named corpora)
    data/interim/embeddings/           content-addressed embedding cache (embeddings.cache)
    data/interim/<kind>/<key>.npz      intermediate arrays keyed on what they depend on
                                       (``reductions``: UMAP coordinates and clusters;
                                       ``counts``: each document's term counts;
                                       ``mentions``: the days each document names)
    data/processed/<name>/corpus/      stage 0: corpus.parquet, rejects.parquet, load.json
    data/processed/<name>/<stage>/<key>/   one folder per version of a stage's result
    data/processed/<name>/updates/<n>/     each update: assignments, rejects, candidates
    data/processed/<name>/search/<key>/    the word index, a segment per folder (search)
    curation/<name>.yaml               the analyst's topic labels, merges, hidden topics
    curation/<name>.anchors.json       what each of its entries first named (topics.anchors)
    reports/<label>/                   executed notebooks, figures/, tables/, index.html

A stage result is Parquet tables plus a JSON ``meta.json``, and a ``stage.json`` marker
written last (its presence marks a complete save) holding the key, the summary and the
wall time. Several versions of a stage are kept (``store.keep_versions``), so going back
to an earlier setting finds its result instead of recomputing it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from conflict_narratives.common.system import atomic_path
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

ENV_HOME = "CONFLICT_NARRATIVES_HOME"
ENV_DATA = "CONFLICT_NARRATIVES_DATA"
MARKER = "stage.json"
META = "meta.json"
PACKAGE = Path(__file__).resolve().parent
LOAD_SUMMARY = ("rows_in", "kept", "rejected_total", "dated", "undated", "out_of_range_dates",
                "date_min", "date_max", "languages")


def project_root() -> Path:
    """The project folder: ``$CONFLICT_NARRATIVES_HOME``, else the checkout holding this
    package (editable install), else the current directory."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser().resolve()
    here = PACKAGE.parents[1]
    if (here / "pyproject.toml").is_file():
        return here
    return Path.cwd().resolve()


def make_key(**parts: Any) -> str:
    """The one key function: a short hash of JSON-able ``parts`` (order-independent)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


@lru_cache(maxsize=16)
def code_fingerprint(*parts: str) -> str:
    """Hash of the package's code that a result depends on: the named subpackages or
    modules (``"topics"``, ``"common"``), plus ``resources/``. A stage's result made by
    other code is stale; a change to the figures does not touch it."""
    digest = hashlib.sha256()
    for part in sorted({*parts, "resources"}):
        base = PACKAGE / part
        files = sorted(base.rglob("*")) if base.is_dir() else [PACKAGE / f"{part}.py"]
        for path in files:
            if path.is_file() and path.suffix != ".pyc":
                digest.update(path.relative_to(PACKAGE).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


class Store:
    """Paths and table I/O under one project folder."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).resolve() if root else project_root()

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # ------------------------------------------------------------ folders
    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def interim_dir(self) -> Path:
        return self.root / "data" / "interim"

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def embeddings_dir(self) -> Path:
        return self.interim_dir / "embeddings"

    def data_path(self) -> list[Path]:
        """Folders searched, in order, for named corpora: ``$CONFLICT_NARRATIVES_DATA``
        (``os.pathsep``-separated), ``data/raw``, then ``../shared/corpora``."""
        env = [Path(p) for p in os.environ.get(ENV_DATA, "").split(os.pathsep) if p]
        return [*env, self.raw_dir, self.root.parent / "shared" / "corpora"]

    def corpus_dir(self, name: str) -> Path:
        return self.processed_dir / name / "corpus"

    def stage_root(self, name: str, stage: str) -> Path:
        return self.processed_dir / name / stage

    def stage_dir(self, name: str, stage: str, key: str) -> Path:
        return self.stage_root(name, stage) / key

    def search_dir(self, name: str) -> Path:
        """The word index of a corpus: one folder per segment (``search.index``)."""
        return self.processed_dir / name / "search"

    def updates_dir(self, name: str) -> Path:
        return self.processed_dir / name / "updates"

    def update_dir(self, name: str, number: int) -> Path:
        return self.updates_dir(name) / f"{int(number):04d}"

    def updates(self, name: str) -> list[tuple[Path, dict]]:
        """The complete updates of a corpus (folder, marker), oldest first."""
        root = self.updates_dir(name)
        found = [(p, self.marker(p)) for p in sorted(root.iterdir())] if root.is_dir() else []
        return [(p, m) for p, m in found if m is not None]

    def curation_path(self, name: str) -> Path:
        """The analyst's curation file of a corpus, kept with the project (may not exist)."""
        return self.root / "curation" / f"{name}.yaml"

    def anchors_path(self, name: str) -> Path:
        """What each curation entry first named (``topics.anchors``), beside the file."""
        return self.root / "curation" / f"{name}.anchors.json"

    def read_anchors(self, name: str) -> dict[str, dict]:
        """The saved anchors of a corpus's curation entries (none when there are none)."""
        path = self.anchors_path(name)
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8")).get("anchors", {})
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: not valid JSON ({err}); delete it to anchor the "
                             "curation entries again by their words") from None

    def write_anchors(self, name: str, anchors: dict[str, dict]) -> None:
        """Save ``anchors`` atomically; an unchanged set leaves the file untouched."""
        path = self.anchors_path(name)
        text = json.dumps({"anchors": dict(sorted(anchors.items()))}, ensure_ascii=False,
                          indent=1)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".partial").write_text(text, encoding="utf-8")
        path.with_suffix(".partial").replace(path)

    def report_dir(self, label: str) -> Path:
        return self.reports_dir / label

    def figures_dir(self, label: str) -> Path:
        return self.report_dir(label) / "figures"

    def explore_page(self, label: str) -> Path:
        """The report's interactive view (``explore.html``; its inputs key beside it)."""
        return self.report_dir(label) / "explore.html"

    # ------------------------------------------------------------ tables
    @staticmethod
    def write_tables(path: Path, tables: dict[str, pd.DataFrame], meta: dict | None = None
                     ) -> Path:
        """Each table as ``<name>.parquet`` (atomically) and ``meta`` as ``meta.json``."""
        path.mkdir(parents=True, exist_ok=True)
        for table, frame in tables.items():
            with atomic_path(path / f"{table}.parquet") as tmp:
                frame.to_parquet(tmp, index=False)
        write_json(path / META, meta or {})
        return path

    @staticmethod
    def read_tables(path: Path, names=None) -> tuple[dict[str, pd.DataFrame], dict]:
        """What :meth:`write_tables` wrote: the tables (``names``, else every Parquet file)
        and the meta; ``FileNotFoundError`` when ``path`` holds no saved result."""
        if not (path / META).is_file():
            raise FileNotFoundError(f"no saved result in {path}")
        files = ([path / f"{n}.parquet" for n in names] if names is not None
                 else sorted(path.glob("*.parquet")))
        tables = {f.stem: pd.read_parquet(f) for f in files}
        return tables, json.loads((path / META).read_text(encoding="utf-8"))

    # ------------------------------------------------------------ stage 0: the corpus
    def save_corpus(self, result, key: str, **extra: Any) -> Path:
        """A loaded corpus (``corpus.LoadResult``): the table, its rejects and the load
        report (``meta.json``), then the marker."""
        path = self.corpus_dir(result.name)
        shutil.rmtree(path / "parts", ignore_errors=True)  # a partitioned load's
        self.write_tables(path, {"corpus": result.corpus, "rejects": result.rejects},
                          result.report)
        summary = {k: result.report.get(k) for k in LOAD_SUMMARY}
        self.mark(path, key, summary, float(result.report.get("seconds") or 0), **extra)
        return path

    def save_partitioned(self, name: str, report: dict, key: str, **extra: Any) -> dict:
        """Mark a partitioned load (``parts/`` and ``rejects.parquet``, written by
        ``corpus.partitioned``) complete: the load report as ``meta.json``, then the marker.
        Returns the summary."""
        path = self.corpus_dir(name)
        (path / "corpus.parquet").unlink(missing_ok=True)  # an in-process load's
        write_json(path / META, report)
        summary = {k: report.get(k) for k in LOAD_SUMMARY} | {
            "partitions": report.get("partitions")}
        self.mark(path, key, summary, float(report.get("seconds") or 0), layout="parts",
                  **extra)
        return summary

    def read_load_report(self, name: str) -> dict:
        return json.loads((self.corpus_dir(name) / META).read_text(encoding="utf-8"))

    def read_corpus(self, name: str) -> tuple[pd.DataFrame, dict]:
        """The saved corpus table and its load report, handing Arrow's decoding buffers back
        to the system (~300 MB on ant-multisource the allocator would otherwise keep)."""
        import pyarrow as pa

        path = self.corpus_dir(name)
        if self.marker(path) is None:
            raise FileNotFoundError(f"no loaded corpus {name!r} in {path} "
                                    "(run `conflict-narratives load SOURCE --name NAME`)")
        parts = sorted((path / "parts").glob("part-*.parquet"))  # a partitioned load
        df = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts \
            else pd.read_parquet(path / "corpus.parquet")
        pa.default_memory_pool().release_unused()
        return df, json.loads((path / META).read_text(encoding="utf-8"))

    def read_rejects(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.corpus_dir(name) / "rejects.parquet")

    # ------------------------------------------------------------ stage markers
    @staticmethod
    def marker(path: Path) -> dict | None:
        """The marker of a complete save in ``path`` (None when there is none)."""
        file = path / MARKER
        return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None

    @staticmethod
    def mark(path: Path, key: str, summary: dict, seconds: float, **extra: Any) -> dict:
        """Write the marker last: ``path`` now holds a complete result for ``key``."""
        marker = {"key": key, "summary": summary, "seconds": round(seconds, 2),
                  "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra}
        write_json(path / MARKER, marker)
        return marker

    def find(self, name: str, stage: str, key: str) -> tuple[Path, dict] | None:
        """The folder and marker of a saved ``stage`` result for ``key``, if complete."""
        path = self.stage_dir(name, stage, key)
        marker = self.marker(path)
        if marker is None or marker.get("key") != key:
            return None
        os.utime(path)  # recently used: last to be evicted
        return path, marker

    def versions(self, name: str, stage: str) -> list[tuple[Path, dict]]:
        """Complete saved versions of a stage (folder, marker), most recently used first."""
        root = self.stage_root(name, stage)
        found = [(p, self.marker(p)) for p in root.iterdir() if p.is_dir()] \
            if root.is_dir() else []
        found = [(p, m) for p, m in found if m is not None]
        return sorted(found, key=lambda pm: pm[0].stat().st_mtime_ns, reverse=True)

    def evict(self, name: str, stage: str, keep: int) -> list[Path]:
        """Remove all but the ``keep`` most recently used versions of a stage."""
        root = self.stage_root(name, stage)
        if not root.is_dir() or keep < 1:
            return []
        versions = sorted((p for p in root.iterdir() if p.is_dir()),
                          key=lambda p: p.stat().st_mtime_ns, reverse=True)
        gone = versions[keep:]
        for path in gone:
            shutil.rmtree(path, ignore_errors=True)
        return gone


    # ------------------------------------------------------------ intermediate arrays
    def arrays_path(self, kind: str, key: str) -> Path:
        return self.interim_dir / kind / f"{key}.npz"

    def array_keys(self, kind: str) -> list[str]:
        """The keys kept under ``kind``, most recently used first."""
        folder = self.interim_dir / kind
        files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True) \
            if folder.is_dir() else []
        return [p.stem for p in files]

    def save_arrays(self, kind: str, key: str, arrays: Mapping[str, Any]) -> Path:
        """Named arrays kept under ``kind``/``key`` (an ``.npz``, written atomically so a
        reader never sees half of it)."""
        import numpy as np

        path = self.arrays_path(kind, key)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in arrays.items()})
        return path

    def load_arrays(self, kind: str, key: str) -> dict[str, Any] | None:
        """The arrays kept under ``kind``/``key`` (None when there are none or they cannot be
        read); marks them recently used."""
        import zipfile

        import numpy as np

        path = self.arrays_path(kind, key)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return arrays

    def cached_arrays(self, kind: str, key: str, compute, *, rows: tuple[str, int] | None = None,
                      max_bytes: float | None = None) -> dict[str, Any]:
        """The arrays kept under ``kind``/``key`` (when ``rows`` = ``(name, n)``: only if
        array ``name`` has ``n`` rows), else ``compute()``'s, kept; then the kind is pruned
        to ``max_bytes``."""
        arrays = self.load_arrays(kind, key)
        if arrays is None or (rows and (rows[0] not in arrays or len(arrays[rows[0]]) != rows[1])):
            t0 = time.perf_counter()
            arrays = compute()
            self.save_arrays(kind, key, arrays)
            log.info("%s %s computed in %.1f s", kind, key, time.perf_counter() - t0)
        else:
            log.info("reusing %s %s", kind, key)
        if max_bytes is not None:
            self.prune(kind, max_bytes)
        return arrays

    def prune(self, kind: str, max_bytes: float) -> list[Path]:
        """Remove the least recently used arrays of ``kind`` until they take at most
        ``max_bytes``."""
        folder = self.interim_dir / kind
        if not folder.is_dir():
            return []
        files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        total, gone = 0, []
        for path in files:
            total += path.stat().st_size
            if total > max_bytes:
                path.unlink(missing_ok=True)
                gone.append(path)
        return gone


def _jsonable(value: Any) -> Any:
    return thaw(value) if isinstance(value, Mapping) else str(value)


def write_json(path: Path, payload: Any) -> Path:
    """``payload`` as UTF-8 JSON (Arabic unescaped; settings sections as plain objects),
    atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=_jsonable),
                       encoding="utf-8")
    return path
