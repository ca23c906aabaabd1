"""The load report: what was read, chosen, kept, rejected and changed, in one dict."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from conflict_narratives.corpus.accounting import fingerprint, settings_hash
from conflict_narratives.corpus.columns import find_label_column

LONGEST = 5  # length outliers listed by id


def length_summary(corpus: pd.DataFrame) -> dict:
    """Text lengths, and the length outliers: texts longer than the upper Tukey fence of
    the log lengths (Q3 + 3 IQR) and than ten times the median, longest first."""
    chars = corpus["text"].str.len().to_numpy(dtype=float)
    if not len(chars):
        return {"median_chars": None, "max_chars": None, "outliers": 0, "longest": []}
    logs = np.log1p(chars)
    q1, q3 = np.quantile(logs, [0.25, 0.75])
    median = float(np.median(chars))
    threshold = max(float(np.expm1(q3 + 3 * (q3 - q1))), 10 * median)
    over = np.flatnonzero(chars > threshold)
    over = over[np.argsort(-chars[over], kind="stable")]
    return {"median_chars": int(median), "p99_chars": int(np.quantile(chars, 0.99)),
            "max_chars": int(chars.max()), "outlier_threshold_chars": int(threshold),
            "outliers": len(over),
            "longest": [{"doc_id": str(corpus["doc_id"].iat[i]), "chars": int(chars[i])}
                        for i in over[:LONGEST]]}


def frame_fingerprint(frame: pd.DataFrame) -> dict:
    """Content hash of a DataFrame given directly (no file to fingerprint)."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(frame.astype(str), index=False).values)
    return {"path": None, "rows": len(frame), "sha1": digest.hexdigest()[:16]}


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else ts.isoformat()


def build_report(name, path, raw, choice, corpus, rejects, date_info, dups, steps, ptb, cs,
                 loader_version) -> dict:
    """The load report. ``steps`` holds the text steps' own summaries (headers, posts,
    boilerplate) and ``warnings``."""
    status = corpus["date_status"].value_counts().to_dict()
    dated = int(status.get("ok", 0) + status.get("out_of_range", 0))
    bulk = corpus.loc[corpus["date_status"] == "ok", "date"]
    kept = len(corpus)
    schema_like = {c for c in corpus.columns if c.endswith("_input")}
    return {
        "name": name,
        "source": str(path) if path is not None else "DataFrame",
        "format": raw.info.get("format"),
        "encoding": raw.info.get("encoding"),
        "columns": choice.columns,
        "column_choice": choice.report,
        "warnings": steps["warnings"],
        "rows_in": raw.rows_in,
        "physical_lines": raw.info.get("physical_lines"),
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
        "date_min": _iso(corpus["date"].min()),
        "date_max": _iso(corpus["date"].max()),
        "bulk_date_min": _iso(bulk.min()),
        "bulk_date_max": _iso(bulk.max()),
        "out_of_range_dates": int(status.get("out_of_range", 0)),
        "languages": {str(k): int(v) for k, v in corpus["lang"].value_counts().items()},
        "duplicates": dups,
        "sources": {str(k): int(v) for k, v in corpus["source"].value_counts().items()},
        "label_column": find_label_column(corpus, exclude=schema_like),
        "length": length_summary(corpus),
        "boilerplate": steps["boilerplate"],
        **steps["headers"],
        **steps["posts"],
        "ptb_detokenised": bool(ptb),
        "loader_version": loader_version,
        "settings_hash": settings_hash(cs),
        "fingerprint": fingerprint(path) if path is not None else frame_fingerprint(raw.frame),
    }
