"""The corpus stage: any corpus becomes one validated table, and every input row is accounted.

``load_corpus`` reads a file, a folder of .txt files, a named corpus (:data:`REGISTRY`) or a
DataFrame, chooses its columns by name and content (:mod:`.columns`), cleans the text for
display (keeping ``raw_text``): mail headers, wire-copy header lines where the source looks
like wire copy, markup, each source's boilerplate (:mod:`.cleaning`); parses dates to UTC,
identifies languages, removes exact and near duplicates, and rejects — never silently
drops — what cannot be used: ``rows_in == kept + rejected``. The load report
(:mod:`.summary`) says what was chosen, changed and rejected, with warnings. The pipeline
saves the result through the store (``data/processed/<name>/corpus/``) and reuses it while
:func:`source_fingerprint`, the settings and the loader's code are unchanged."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

import conflict_narratives.corpus.cleaning as cleaning
import conflict_narratives.corpus.readers as readers
from conflict_narratives.common.language import detect_languages
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.corpus.accounting import (
    Clock,
    Rejects,
    fingerprint,
)
from conflict_narratives.corpus.cleaning import as_text
from conflict_narratives.corpus.columns import choose_columns
from conflict_narratives.corpus.dates import flag_out_of_range, parse_dates
from conflict_narratives.corpus.dedup import find_duplicates
from conflict_narratives.corpus.registry import default_name, resolve
from conflict_narratives.corpus.summary import build_report
from conflict_narratives.settings import resolve as resolve_settings
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

LOADER_VERSION = 3
VERY_LONG_CHARS = 100_000  # a length outlier longer than this is worth a warning
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


def load_corpus(source, *, name=None, mapping=None, dayfirst=None, date_format=None,
                settings=None, search=None) -> LoadResult:
    """Load ``source`` (a path, a named corpus or a DataFrame) into the corpus table.

    Columns are chosen by content as well as by name (:mod:`.columns`; the load report
    says which and why). ``mapping`` names input columns for schema fields
    (``{"text": "body", ...}``) and overrides that choice; ``dayfirst`` forces D/M/Y (True)
    or M/D/Y (False) for numeric dates, otherwise the registry's or the settings' choice,
    otherwise detection; ``date_format`` (strptime codes, or setting
    ``corpus.date_format``) parses forms no parser guesses. Mistakes in the input
    (no text column, a missing mapped column) raise ``ValueError`` with a one-line message.
    ``search`` lists the folders where named corpora are looked up (default: the project
    store's data path); ``settings`` default to the package defaults.
    """
    clock = Clock()
    if isinstance(source, pd.DataFrame):
        path, spec, name = None, None, name or "dataframe"
        raw = readers.frame_table(source)
    else:
        path, spec = resolve(source, search)
        name = name or default_name(source)
    cs = thaw(resolve_settings(settings)["corpus"])
    if path is not None:
        raw = readers.read_source(path, encoding=cs.get("encoding"))
    frame = raw.frame
    frame.columns = [str(c) for c in frame.columns]
    if dayfirst is None:
        dayfirst = spec.dayfirst if spec and spec.dayfirst is not None else cs.get("dayfirst")
    date_format = date_format or cs.get("date_format")
    choice = choose_columns(frame, {**(spec.mapping if spec else {}), **(mapping or {})},
                            dayfirst=dayfirst, date_format=date_format)
    cols = choice.columns
    warnings = [*raw.info.get("warnings", []), *choice.warnings]
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
    steps = {"posts": cleaning.apply_posts(df),
             "headers": cleaning.apply_headers(df, float(cs.get("header_min_share", 0.5)))}
    ptb = spec.ptb if spec else cleaning.corpus_looks_ptb(df["text"])
    cleaning.clean_columns(df, ptb)
    clock.lap("clean")
    steps["boilerplate"] = cleaning.strip_boilerplate(df, cs)
    clock.lap("boilerplate")
    df = cleaning.reject_unusable(df, rej, int(cs.get("min_letters", 20)))
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

    if "date" in cols:
        parsed = parse_dates(frame.loc[df.index, cols["date"]], dayfirst=dayfirst,
                             date_format=date_format)
        df["date"], df["date_status"], date_info = parsed.dates, parsed.status, parsed.info
        if date_format and not parsed.info.get("parsed_with_format") and len(df):
            warnings.append(f"date: the format {date_format!r} fits none of the values of "
                            f"{cols['date']!r} (e.g. {parsed.info['unparseable_examples'][:2]})")
    else:
        df["date"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        df["date_status"], date_info = "missing", {"dayfirst": dayfirst, "dayfirst_evidence": None}

    clock.lap("dates")
    df, dups = _drop_duplicates(df, rej, float(cs.get("near_duplicate_threshold", 0.9)),
                                int(cs.get("near_duplicate_min_words", 100)))
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
    steps["warnings"] = warnings
    report = build_report(name, path, raw, choice, corpus, rejects, date_info, dups, steps, ptb,
                          cs, LOADER_VERSION)
    very_long = [d for d in report["length"]["longest"] if d["chars"] > VERY_LONG_CHARS]
    if very_long:
        warnings.append(f"{report['length']['outliers']} length outliers, the longest "
                        f"{very_long[0]['doc_id']!r} with {very_long[0]['chars']:,} characters "
                        f"(median {report['length']['median_chars']:,}): one document or "
                        "several run together? Long texts are embedded in windows")
    for w in warnings:
        log.warning("%s: %s", name, w)
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
            as_text(frame[cols[fld]])
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


def _drop_duplicates(df: pd.DataFrame, rej: Rejects, threshold: float, min_words: int):
    """Reject exact (after analysis normalisation) and near duplicates (texts of at least
    ``min_words`` words); the kept copy is the dated one, then the longest, then the
    first."""
    norm = [normalize_for_analysis(t) for t in df["text"]]
    key = pd.DataFrame(
        {
            "undated": df["date"].isna().to_numpy(),
            "len": [-len(t) for t in norm],
            "pos": np.arange(len(df)),
        }
    )
    order = key.sort_values(["undated", "len", "pos"]).index.tolist()
    dups = find_duplicates(norm, order=order, threshold=threshold, min_words=min_words)
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


def source_fingerprint(source, search=None) -> dict:
    """What a saved load of ``source`` depends on: for files, their paths, sizes and
    modification times (``FileNotFoundError`` when the source cannot be found); for a
    DataFrame, a hash of its content."""
    if isinstance(source, pd.DataFrame):
        content = pd.util.hash_pandas_object(source.astype(str), index=False)
        return {"dataframe": int(content.sum()), "rows": len(source),
                "columns": [str(c) for c in source.columns]}
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
