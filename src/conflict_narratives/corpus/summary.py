"""The load report: what was read, chosen, kept, rejected and changed, in one dict."""

from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np
import pandas as pd

from conflict_narratives.corpus.accounting import settings_hash
from conflict_narratives.corpus.columns import label_stats, merge_label_stats, pick_label_column

LONGEST = 5  # length outliers listed by id


def length_summary(chars: np.ndarray, longest: list[tuple[int, str]]) -> dict:
    """Text lengths (``chars``), and the length outliers: texts longer than the upper Tukey
    fence of the log lengths (Q3 + 3 IQR) and than ten times the median, longest first
    (``longest``: the :data:`LONGEST` longest ``(chars, doc_id)`` candidates, in order)."""
    chars = np.asarray(chars, dtype=float)
    if not len(chars):
        return {"median_chars": None, "max_chars": None, "outliers": 0, "longest": []}
    logs = np.log1p(chars)
    q1, q3 = np.quantile(logs, [0.25, 0.75])
    median = float(np.median(chars))
    threshold = max(float(np.expm1(q3 + 3 * (q3 - q1))), 10 * median)
    return {"median_chars": int(median), "p99_chars": int(np.quantile(chars, 0.99)),
            "max_chars": int(chars.max()), "outlier_threshold_chars": int(threshold),
            "outliers": int((chars > threshold).sum()),
            "longest": [{"doc_id": d, "chars": int(n)} for n, d in longest if n > threshold]}


def _longest(chars: np.ndarray, ids) -> list[tuple[int, str]]:
    order = np.argsort(-chars, kind="stable")[:LONGEST]
    return [(int(chars[i]), str(ids[i])) for i in order]


def _damaged(corpus: pd.DataFrame) -> tuple[int, str | None]:
    """Documents whose title or text holds U+FFFD (characters lost before the source was
    written, or undecodable bytes in a title; those in a text reject its row), and one
    place where it occurs."""
    hit = corpus["text"].str.contains("\ufffd", regex=False, na=False)
    if "title" in corpus:
        hit |= corpus["title"].str.contains("\ufffd", regex=False, na=False)
    if not hit.any():
        return 0, None
    row = corpus[hit].iloc[0]
    text = next(t for t in (row.get("title"), row["text"]) if isinstance(t, str) and "\ufffd" in t)
    at = text.index("\ufffd")
    return int(hit.sum()), f"{row['doc_id']}: …{text[max(0, at - 30):at + 30]}…"


def corpus_stats(corpus: pd.DataFrame) -> dict:
    """What the load report needs from a corpus table, or one partition of it (partitions'
    stats combine with :func:`merge_stats`)."""
    ok = corpus.loc[corpus["date_status"] == "ok", "date"]
    chars = corpus["text"].str.len().to_numpy(dtype=np.int64)
    schema_like = {c for c in corpus.columns if c.endswith("_input")}
    return {"kept": len(corpus), "status": Counter(corpus["date_status"].tolist()),
            "date_min": corpus["date"].min(), "date_max": corpus["date"].max(),
            "bulk_min": ok.min(), "bulk_max": ok.max(),
            "languages": Counter(corpus["lang"].dropna().tolist()),
            "sources": Counter(corpus["source"].dropna().tolist()),
            "chars": chars, "longest": _longest(chars, corpus["doc_id"].to_numpy()),
            "labels": label_stats(corpus, exclude=schema_like),
            "damaged": _damaged(corpus)}


def merge_stats(parts: list[dict]) -> dict:
    """:func:`corpus_stats` of a corpus's partitions (in corpus order), combined."""
    def extreme(key, pick):
        values = [p[key] for p in parts if not pd.isna(p[key])]
        return pick(values) if values else pd.NaT

    out = {"kept": sum(p["kept"] for p in parts)}
    for key in ("status", "languages", "sources"):
        out[key] = sum((p[key] for p in parts), Counter())
    candidates = [c for p in parts for c in p["longest"]]
    out |= {"date_min": extreme("date_min", min), "date_max": extreme("date_max", max),
            "bulk_min": extreme("bulk_min", min), "bulk_max": extreme("bulk_max", max),
            "chars": np.concatenate([p["chars"] for p in parts]) if parts else np.zeros(0),
            "longest": sorted(candidates, key=lambda c: -c[0])[:LONGEST],
            "labels": merge_label_stats([p["labels"] for p in parts]),
            "damaged": (sum(p["damaged"][0] for p in parts),
                        next((p["damaged"][1] for p in parts if p["damaged"][1]), None))}
    return out


def _counts(counter: Counter) -> dict[str, int]:
    return {str(k): int(v) for k, v in counter.most_common()}


def frame_fingerprint(frame: pd.DataFrame) -> dict:
    """Content hash of a DataFrame given directly (no file to fingerprint)."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame.astype(str), index=False).values)
    return {"path": None, "rows": len(frame), "sha1": digest.hexdigest()[:16]}


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else ts.isoformat()


def undated_warning(kept: int, dated: int, date_choice: dict) -> list[str]:
    """The load report's warning when no kept document is dated, naming the columns that
    came closest (``date_choice``: the column choice's report on the date)."""
    if not kept or dated:
        return []
    closest = date_choice.get("closest") or []
    near = ", ".join(f"{c['column']!r} ({c['parsed']:.0%} parsed as dates, "
                     f"{c['datelike']:.0%} date-like)" for c in closest)
    return ["no document is dated: what needs dates (timelines, bursts, dated events) "
            "has nothing to place in time; "
            + (f"the columns closest to a date: {near}; " if near else
               "no column holds anything like a date; ")
            + "name the date column with --date-col (and its form with --date-format)"]


def build_report(name, source: dict, choice, stats, rejects, date_info, dups, steps, ptb, cs,
                 loader_version) -> dict:
    """The load report. ``source``: ``source`` (its path), ``format``, ``encoding``,
    ``physical_lines``, ``rows_in`` and ``fingerprint``; ``stats``: :func:`corpus_stats`
    (or :func:`merge_stats`); ``steps``: the text steps' own summaries (headers, posts,
    boilerplate) and ``warnings``."""
    status = stats["status"]
    dated = int(status.get("ok", 0) + status.get("out_of_range", 0))
    kept = stats["kept"]
    damaged, where = stats["damaged"]
    warnings = steps["warnings"] + ([
        f"{damaged} documents hold U+FFFD replacement characters (characters lost upstream"
        f" of this file, kept as they are; shown as � in headlines), e.g. {where}"]
        if damaged else []) + undated_warning(kept, dated, choice.report.get("date", {}))
    return {
        "name": name,
        "source": source["source"],
        "format": source.get("format"),
        "encoding": source.get("encoding"),
        "columns": choice.columns,
        "column_choice": choice.report,
        "warnings": warnings,
        "rows_in": source["rows_in"],
        "physical_lines": source.get("physical_lines"),
        "kept": kept,
        "rejected": {str(k): int(v) for k, v in rejects["reason"].value_counts().items()},
        "rejected_total": len(rejects),
        "dated": dated,
        "undated": kept - dated,
        "dated_share": round(dated / kept, 4) if kept else 0.0,
        "missing_dates": int(status.get("missing", 0)),
        "unparseable_dates": int(status.get("unparseable", 0)),
        "unparseable_examples": date_info.get("unparseable_examples", []),
        "date_format": date_info.get("date_format"),
        "dayfirst": date_info.get("dayfirst"),
        "dayfirst_evidence": date_info.get("dayfirst_evidence"),
        "ambiguous_day_month": date_info.get("ambiguous_day_month", 0),
        "dates_kept_local": date_info.get("offset_local", 0),
        "dates_in_utc": date_info.get("offset_utc", 0),
        "date_min": _iso(stats["date_min"]),
        "date_max": _iso(stats["date_max"]),
        "bulk_date_min": _iso(stats["bulk_min"]),
        "bulk_date_max": _iso(stats["bulk_max"]),
        "out_of_range_dates": int(status.get("out_of_range", 0)),
        "languages": _counts(stats["languages"]),
        "duplicates": dups,
        "sources": _counts(stats["sources"]),
        "label_column": pick_label_column(stats["labels"], kept),
        "length": length_summary(stats["chars"], stats["longest"]),
        "damaged_texts": damaged,
        "boilerplate": steps["boilerplate"],
        "markup_removed": steps["markup"],
        **steps["headers"],
        **steps["posts"],
        "ptb_detokenised": bool(ptb),
        "loader_version": loader_version,
        "settings_hash": settings_hash(cs),
        "fingerprint": source["fingerprint"],
    }
