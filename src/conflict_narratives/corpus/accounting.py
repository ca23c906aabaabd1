"""Bookkeeping for a corpus load: the rejects table, step timings and source fingerprints."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pandas as pd

REJECT_COLUMNS = ("row", "doc_id", "reason", "detail", "duplicate_of")


def settings_hash(cs: dict) -> str:
    return hashlib.sha1(json.dumps(cs, sort_keys=True, default=str).encode()).hexdigest()[:12]


def fingerprint(path: Path) -> dict:
    """Size/mtime summary of a source file or folder, to tell when a saved load is stale."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    stats = [f.stat() for f in files]
    return {
        "path": str(path.resolve()),
        "files": len(files),
        "bytes": sum(s.st_size for s in stats),
        "mtime_ns": max((s.st_mtime_ns for s in stats), default=0),
    }


class Rejects:
    """Collects rejected rows; each keeps its input row number and a reason."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, rows, doc_ids, reason: str, detail, duplicate_of=None) -> None:
        n = len(rows)
        details = detail if isinstance(detail, list) else [detail] * n
        dups = duplicate_of if isinstance(duplicate_of, list) else [duplicate_of] * n
        self.rows += [
            {"row": int(r), "doc_id": d, "reason": reason, "detail": t, "duplicate_of": u}
            for r, d, t, u in zip(rows, doc_ids, details, dups, strict=True)
        ]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(REJECT_COLUMNS))
        df["row"] = df["row"].astype("int64")
        for col in REJECT_COLUMNS[1:]:
            df[col] = df[col].astype("string")
        return df.sort_values("row", kind="stable").reset_index(drop=True)


class Clock:
    """Seconds spent per step of a load, for the report."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = round(now - self.last, 2)
        self.last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 2)


REPORT_SUMMARY = ("rows_in", "kept", "rejected_total", "dated", "undated", "dated_share",
                  "out_of_range_dates", "date_min", "date_max", "bulk_date_min",
                  "bulk_date_max")


def report_tables(report: dict) -> dict[str, pd.DataFrame]:
    """A load report as tables to show: the counts, the warnings, the columns chosen (with
    the runner-up), rejects by reason, languages, duplicates, outlets, the boilerplate
    removed and the longest documents (those present)."""
    tables = {"load": pd.Series({k: report.get(k) for k in REPORT_SUMMARY}).to_frame("value")}
    if report.get("warnings"):
        tables["warnings"] = pd.DataFrame({"warning": report["warnings"]})
    if report.get("column_choice"):
        tables["columns"] = pd.DataFrame(report["column_choice"]).T
    for part in ("rejected", "languages", "duplicates", "sources"):
        value = report.get(part)
        if isinstance(value, dict) and value:
            tables[part] = pd.Series(value).to_frame("value")
    if (report.get("boilerplate") or {}).get("examples"):
        tables["boilerplate"] = pd.DataFrame(report["boilerplate"]["examples"])
    if (report.get("length") or {}).get("longest"):
        tables["longest documents"] = pd.DataFrame(report["length"]["longest"])
    return tables
