"""The corpus stage: any corpus becomes one validated table, and every input row is accounted.

``load_corpus`` reads a file, a folder of .txt files or a named corpus (:data:`REGISTRY`),
recognises its columns, cleans the text for display (keeping ``raw_text``), parses dates to
UTC, identifies languages, removes exact and near duplicates, and rejects — never silently
drops — what cannot be used: ``rows_in == kept + rejected``. ``save`` writes
``data/processed/<name>.parquet``, ``<name>.rejects.parquet`` and ``<name>.load.json``;
``get_corpus`` reuses them while they are current.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

import conflict_narratives.corpus.readers as readers
from conflict_narratives.common.language import detect_languages
from conflict_narratives.common.textnorm import (
    clean_text,
    looks_ptb,
    normalize_for_analysis,
    parse_header,
)
from conflict_narratives.corpus.accounting import (
    Clock,
    Rejects,
    fingerprint,
    settings_hash,
)
from conflict_narratives.corpus.dates import flag_out_of_range, parse_dates
from conflict_narratives.corpus.dedup import find_duplicates
from conflict_narratives.corpus.registry import default_name, recognise_columns, resolve
from conflict_narratives.settings import resolve as resolve_settings
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

LOADER_VERSION = 1
TEXT_FIELDS = ("doc_id", "text", "title", "source", "lang", "url", "author", "place", "raw_text")
SCHEMA = (
    "doc_id",
    "text",
    "title",
    "date",
    "source",
    "lang",
    "url",
    "author",
    "place",
    "raw_text",
    "date_status",
)
_PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$")


@dataclass
class LoadResult:
    """A loaded corpus: the table, the rejected rows (with reasons) and the load report."""

    name: str
    corpus: pd.DataFrame
    rejects: pd.DataFrame
    report: dict

    @property
    def rows_in(self) -> int:
        return self.report["rows_in"]


def _as_text(values: pd.Series) -> pd.Series:
    """Strings with None for missing/blank values (numbers become their plain text)."""
    s = values.astype("string").str.strip()
    return s.where(s != "")


def load_corpus(source, *, name=None, mapping=None, dayfirst=None, settings=None,
                search=None) -> LoadResult:
    """Load ``source`` (a path or a named corpus) into the corpus table.

    ``mapping`` names input columns for schema fields (``{"text": "body", ...}``) and
    overrides recognition; ``dayfirst`` forces D/M/Y (True) or M/D/Y (False) for numeric
    dates, otherwise the registry's or the settings' choice, otherwise detection.
    ``search`` lists the folders where named corpora are looked up (default: the project
    store's data path); ``settings`` default to the package defaults.
    """
    clock = Clock()
    path, spec = resolve(source, search)
    name = name or default_name(source)
    cs = thaw(resolve_settings(settings)["corpus"])
    raw = readers.read_source(path, encoding=cs.get("encoding"))
    frame = raw.frame
    frame.columns = [str(c) for c in frame.columns]
    cols = recognise_columns(
        list(frame.columns), {**(spec.mapping if spec else {}), **(mapping or {})}
    )
    rej = Rejects()
    for r in raw.rejects:  # rows the reader could not parse at all
        rej.add([r["row"]], [None], r["reason"], r["detail"])

    if "undecodable" in str(raw.info.get("encoding", "")):
        # Reject rows whose text holds undecodable bytes; replace them anywhere else.
        bad = readers.has_undecodable(frame[cols["text"]])
        ids = frame.loc[bad, cols["doc_id"]] if "doc_id" in cols else pd.Series(None, bad.index)
        rej.add(
            frame.index[bad],
            [readers.scrub(i) for i in ids[bad]],
            "undecodable_bytes",
            "bytes neither UTF-8 nor Windows-1256 Arabic; if you know the file's encoding, "
            "set corpus.encoding in config.yaml",
        )
        frame = readers.replace_undecodable(frame[~bad])
    df = _map_columns(frame, cols, name, spec.defaults if spec else {})
    clock.lap("read")
    df["raw_text"] = df["text"]
    n_headers = _apply_headers(df)
    ptb = spec.ptb if spec else _corpus_looks_ptb(df["text"])
    df["text"] = pd.Series(
        [clean_text(t, ptb=ptb) for t in df["text"].fillna("")], index=df.index, dtype="string"
    )
    for col in ("title", "source", "author", "place"):
        df[col] = _as_text(df[col].map(lambda v: clean_text(v, ptb=ptb), na_action="ignore"))

    clock.lap("clean")
    empty = df["text"] == ""
    if empty.any():
        details = np.where(
            df.loc[empty, "raw_text"].fillna("").str.strip() == "",
            "no text",
            "nothing left after cleaning",
        )
        rej.add(df.index[empty], df.loc[empty, "doc_id"].tolist(), "empty_text", list(details))
        df = df[~empty]
    dup_id = df["doc_id"].duplicated(keep="first")
    if dup_id.any():
        first = df[~dup_id].reset_index().set_index("doc_id")
        dup = df[dup_id]
        details = [
            f"id first used on row {first.at[i, 'index']} "
            f"({'same' if text == first.at[i, 'text'] else 'different'} text)"
            for i, text in zip(dup["doc_id"], dup["text"], strict=True)
        ]
        ids = dup["doc_id"].tolist()
        rej.add(dup.index, ids, "duplicate_id", details, ids)
        df = df[~dup_id]

    if dayfirst is None:
        dayfirst = spec.dayfirst if spec and spec.dayfirst is not None else cs.get("dayfirst")
    if "date" in cols:
        parsed = parse_dates(frame.loc[df.index, cols["date"]], dayfirst=dayfirst)
        df["date"], df["date_status"], date_info = parsed.dates, parsed.status, parsed.info
    else:
        df["date"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        df["date_status"], date_info = "missing", {"dayfirst": dayfirst, "dayfirst_evidence": None}

    clock.lap("dates")
    df, dups = _drop_duplicates(df, rej, float(cs.get("near_duplicate_threshold", 0.9)))
    clock.lap("duplicates")
    df["lang"] = pd.Series(
        detect_languages(df["text"].tolist(), cs.get("languages")), index=df.index, dtype="string"
    )
    clock.lap("language")
    q = tuple(cs.get("out_of_range_quantiles", (0.005, 0.995)))
    oor = flag_out_of_range(
        df["date"],
        quantiles=q,
        window=float(cs.get("out_of_range_window", 0.05)),
        density=float(cs.get("out_of_range_density", 0.005)),
    )
    df.loc[oor, "date_status"] = "out_of_range"

    corpus = _finish(df)
    rejects = rej.frame()
    report = _report(name, path, raw, cols, corpus, rejects, date_info, dups, n_headers, ptb, cs)
    clock.lap("report")
    report["seconds"] = clock.total()
    report["timings"] = clock.laps
    log.info(
        "loaded %s: %d rows in, %d kept, %d rejected in %.1f s",
        name,
        report["rows_in"],
        report["kept"],
        report["rejected_total"],
        report["seconds"],
    )
    assert report["rows_in"] == report["kept"] + report["rejected_total"], report
    return LoadResult(name, corpus, rejects, report)


def _map_columns(frame: pd.DataFrame, cols: dict, name: str, defaults: dict) -> pd.DataFrame:
    """Schema columns from the recognised input columns, other input columns kept (renamed
    ``<col>_input`` when they clash with a schema name)."""
    df = pd.DataFrame(index=frame.index)
    for fld in ("doc_id", "text", "title", "source", "url", "author", "place"):
        df[fld] = (
            _as_text(frame[cols[fld]])
            if fld in cols
            else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
        if fld in defaults:
            df[fld] = df[fld].fillna(defaults[fld])
    df["text"] = frame[cols["text"]].astype("string")  # unstripped: raw_text is untouched
    missing_id = df["doc_id"].isna()
    if missing_id.any():
        df.loc[missing_id, "doc_id"] = [f"{name}-{i}" for i in df.index[missing_id]]
    used = set(cols.values())
    for col in frame.columns:
        if col in used:
            continue
        out = f"{col}_input" if col in SCHEMA else col
        df[out] = _extra_column(frame[col])
    return df


def _extra_column(s: pd.Series) -> pd.Series:
    """Keep an extra input column; plain-number text columns become numbers."""
    if s.dtype != object and not isinstance(s.dtype, pd.StringDtype):
        return s
    text = s.astype("string")
    present = text.dropna()
    if len(present) and present.str.fullmatch(_PLAIN_NUMBER.pattern).all():
        return pd.to_numeric(text)
    return text


def _apply_headers(df: pd.DataFrame) -> int:
    """Parse seed-style header lines off the text; fill source/place/author where empty."""
    candidates = df.index[df["text"].str[:300].str.contains("|", regex=False, na=False)]
    parsed = 0
    for i in candidates:
        header, body = parse_header(df.at[i, "text"])
        if header is None:
            continue
        parsed += 1
        df.at[i, "text"] = body
        for fld in ("source", "place", "author"):
            value = getattr(header, fld)
            if value and pd.isna(df.at[i, fld]):
                df.at[i, fld] = value
    return parsed


def _corpus_looks_ptb(texts: pd.Series) -> bool:
    """True when most documents carry PTB tokenisation markers."""
    sample = texts.dropna().head(500)
    return bool(len(sample)) and sum(map(looks_ptb, sample)) >= 0.5 * len(sample)


def _drop_duplicates(df: pd.DataFrame, rej: Rejects, threshold: float):
    """Reject exact (after analysis normalisation) and near duplicates; the kept copy is the
    dated one, then the longest, then the first."""
    norm = [normalize_for_analysis(t) for t in df["text"]]
    key = pd.DataFrame(
        {
            "undated": df["date"].isna().to_numpy(),
            "len": [-len(t) for t in norm],
            "pos": np.arange(len(df)),
        }
    )
    order = key.sort_values(["undated", "len", "pos"]).index.tolist()
    dups = find_duplicates(norm, order=order, threshold=threshold)
    counts = {"exact": 0, "near": 0}
    for kind, reason in (("exact", "duplicate_text"), ("near", "near_duplicate")):
        part = dups[dups["kind"] == kind]
        counts[kind] = len(part)
        if part.empty:
            continue
        ids = df["doc_id"].to_numpy()
        kept = ids[part["duplicate_of"]].tolist()
        details = (
            [f"same text as {k} after normalisation" for k in kept]
            if kind == "exact"
            else [f"Jaccard {j:.3f} with {k}" for j, k in zip(part["jaccard"], kept, strict=True)]
        )
        rej.add(df.index[part["index"]], ids[part["index"]].tolist(), reason, details, kept)
    drop = df.index[dups["index"].to_numpy()] if len(dups) else df.index[:0]
    return df.drop(index=drop), counts


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Schema columns first (typed), extras after, rows in input order."""
    for col in TEXT_FIELDS:
        df[col] = df[col].astype("string")
    df["date"] = df["date"].astype("datetime64[ns, UTC]")
    df["date_status"] = df["date_status"].astype("string")
    extras = [c for c in df.columns if c not in SCHEMA]
    return df[list(SCHEMA) + extras].sort_index().reset_index(drop=True)


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else ts.isoformat()


def _report(name, path, raw, cols, corpus, rejects, date_info, dups, n_headers, ptb, cs) -> dict:
    status = corpus["date_status"].value_counts().to_dict()
    dated = int(status.get("ok", 0) + status.get("out_of_range", 0))
    bulk = corpus.loc[corpus["date_status"] == "ok", "date"]
    kept = len(corpus)
    return {
        "name": name,
        "source": str(path),
        "format": raw.info.get("format"),
        "encoding": raw.info.get("encoding"),
        "columns": cols,
        "rows_in": raw.rows_in,
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
        "date_min": _iso(corpus["date"].min()),
        "date_max": _iso(corpus["date"].max()),
        "bulk_date_min": _iso(bulk.min()),
        "bulk_date_max": _iso(bulk.max()),
        "out_of_range_dates": int(status.get("out_of_range", 0)),
        "languages": {str(k): int(v) for k, v in corpus["lang"].value_counts().items()},
        "duplicates": dups,
        "sources": {str(k): int(v) for k, v in corpus["source"].value_counts().items()},
        "header_lines_parsed": n_headers,
        "ptb_detokenised": bool(ptb),
        "loader_version": LOADER_VERSION,
        "settings_hash": settings_hash(cs),
        "fingerprint": fingerprint(path),
    }


def source_fingerprint(source, search=None) -> dict:
    """What a saved load of ``source`` depends on in the file system (paths, sizes,
    modification times); ``FileNotFoundError`` when the source cannot be found."""
    return fingerprint(resolve(source, search)[0])


def sample_size(df: pd.DataFrame, sample: int | None) -> int | None:
    """``sample`` when it is smaller than ``df``, else None (the whole corpus)."""
    return int(sample) if sample and int(sample) < len(df) else None


def sample_corpus(df: pd.DataFrame, sample: int | None, seed: int) -> pd.DataFrame:
    """A seeded random sample of ``sample`` rows in corpus order (every stage draws the same
    one for the same ``sample`` and ``seed``); the whole table when :func:`sample_size` says
    so."""
    if sample_size(df, sample) is None:
        return df
    return df.sample(n=int(sample), random_state=int(seed)).sort_index().reset_index(drop=True)
