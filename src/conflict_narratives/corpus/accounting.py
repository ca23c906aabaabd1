"""Bookkeeping for a corpus load: the rejects table, step timings and source fingerprints."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pandas as pd

LOADER_VERSION = 1
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
    """A load report as tables to show: the counts, then rejects by reason, languages,
    duplicates and outlets (those present)."""
    tables = {"load": pd.Series({k: report.get(k) for k in REPORT_SUMMARY}).to_frame("value")}
    for part in ("rejected", "languages", "duplicates", "sources"):
        value = report.get(part)
        if isinstance(value, dict) and value:
            tables[part] = pd.Series(value).to_frame("value")
    return tables


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else ts.isoformat()


def corpus_stats(corpus: pd.DataFrame) -> dict:
    """What the load report needs from a corpus table (or one partition of it); partitions'
    stats add up with :func:`merge_stats`."""
    ok = corpus.loc[corpus["date_status"] == "ok", "date"]
    return {
        "kept": len(corpus),
        "status": corpus["date_status"].value_counts().to_dict(),
        "date_min": corpus["date"].min(), "date_max": corpus["date"].max(),
        "bulk_min": ok.min(), "bulk_max": ok.max(),
        "languages": corpus["lang"].value_counts().to_dict(),
        "sources": corpus["source"].value_counts().to_dict(),
    }


def merge_stats(parts: list[dict]) -> dict:
    """The :func:`corpus_stats` of partitions, combined."""
    from collections import Counter

    def extreme(key, pick):
        values = [p[key] for p in parts if not pd.isna(p[key])]
        return pick(values) if values else pd.NaT

    out = {"kept": sum(p["kept"] for p in parts)}
    for key in ("status", "languages", "sources"):
        total = Counter()
        for p in parts:
            total.update(p[key])
        out[key] = dict(sorted(total.items(), key=lambda kv: (-kv[1], str(kv[0]))))
    out |= {"date_min": extreme("date_min", min), "date_max": extreme("date_max", max),
            "bulk_min": extreme("bulk_min", min), "bulk_max": extreme("bulk_max", max)}
    return out


def build_report(name, path, info, rows_in, cols, stats, rejects, date_info, dups, n_headers,
                 ptb, cs) -> dict:
    """The load report from the pieces of a load (whole or partitioned)."""
    status = stats["status"]
    dated = int(status.get("ok", 0) + status.get("out_of_range", 0))
    kept = stats["kept"]
    return {
        "name": name,
        "source": str(path),
        "format": info.get("format"),
        "encoding": info.get("encoding"),
        "columns": cols,
        "rows_in": rows_in,
        "kept": kept,
        "rejected": {str(k): int(v) for k, v in rejects["reason"].value_counts().items()},
        "rejected_total": len(rejects),
        "dated": dated,
        "undated": kept - dated,
        "dated_share": round(dated / kept, 4) if kept else 0.0,
        "missing_dates": int(status.get("missing", 0)),
        "unparseable_dates": int(status.get("unparseable", 0)),
        "unparseable_examples": date_info.get("unparseable_examples", []),
        "dayfirst": date_info.get("dayfirst"),
        "dayfirst_evidence": date_info.get("dayfirst_evidence"),
        "ambiguous_day_month": date_info.get("ambiguous_day_month", 0),
        "date_min": _iso(stats["date_min"]),
        "date_max": _iso(stats["date_max"]),
        "bulk_date_min": _iso(stats["bulk_min"]),
        "bulk_date_max": _iso(stats["bulk_max"]),
        "out_of_range_dates": int(status.get("out_of_range", 0)),
        "languages": {str(k): int(v) for k, v in stats["languages"].items()},
        "duplicates": dups,
        "sources": {str(k): int(v) for k, v in stats["sources"].items()},
        "header_lines_parsed": n_headers,
        "ptb_detokenised": bool(ptb),
        "loader_version": LOADER_VERSION,
        "settings_hash": settings_hash(cs),
        "fingerprint": fingerprint(path),
    }
