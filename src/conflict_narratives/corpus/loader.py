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
from conflict_narratives.corpus.columns import ColumnChoice, choose_columns
from conflict_narratives.corpus.dates import flag_out_of_range, parse_dates
from conflict_narratives.corpus.dedup import find_duplicates
from conflict_narratives.corpus.registry import default_name, resolve
from conflict_narratives.corpus.summary import build_report, corpus_stats, frame_fingerprint
from conflict_narratives.settings import resolve as resolve_settings
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

LOADER_VERSION = 5
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


@dataclass(frozen=True)
class Recipe:
    """How the rows of one source become corpus rows: the chosen columns (``cols``),
    constant values (``defaults``), the date order and format, the ``corpus`` settings."""

    name: str
    cols: dict
    defaults: dict
    dayfirst: bool | None
    date_format: str | None
    cs: dict


def choose(frame: pd.DataFrame, spec, mapping, name: str, cs: dict, dayfirst=None,
           date_format=None) -> tuple[Recipe, ColumnChoice]:
    """The :class:`Recipe` for a source whose rows (or an even sample of them) are
    ``frame``: the caller's date order, else the registry's, else the settings'; columns
    chosen by content (:mod:`.columns`)."""
    if dayfirst is None:
        dayfirst = spec.dayfirst if spec and spec.dayfirst is not None else cs.get("dayfirst")
    date_format = date_format or cs.get("date_format")
    choice = choose_columns(frame, {**(spec.mapping if spec else {}), **(mapping or {})},
                            dayfirst=dayfirst, date_format=date_format)
    return Recipe(name, choice.columns, dict(spec.defaults) if spec else {}, dayfirst,
                  date_format, cs), choice


def map_rows(frame: pd.DataFrame, recipe: Recipe, rej: Rejects, undecodable: bool
             ) -> tuple[pd.DataFrame, dict]:
    """Schema columns from ``frame`` (indexed by input row; rows with undecodable text
    rejected), the raw date values kept as ``_date``, mail headers taken off posts.
    Returns the rows and the posts step's summary."""
    cols = recipe.cols
    if undecodable:  # reject rows whose text holds undecodable bytes; replace them elsewhere
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
    df = _map_columns(frame, cols, recipe.name, recipe.defaults)
    if "date" in cols:
        raw = frame[cols["date"]]
        df["_date"] = raw.astype("string") if raw.dtype == object else raw
    df["raw_text"] = df["text"]
    return df, cleaning.apply_posts(df)


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
    store's data path); ``settings`` default to the package defaults. A partitioned load
    (:mod:`.partitioned`) runs these same steps a partition at a time.
    """
    clock = Clock()
    raw, path, spec, name = read(source, name, search, settings)
    cs = thaw(resolve_settings(settings)["corpus"])
    frame = raw.frame
    recipe, choice = choose(frame, spec, mapping, name, cs, dayfirst, date_format)
    warnings = [*raw.info.get("warnings", []), *choice.warnings]
    rej = Rejects()
    for r in raw.rejects:  # rows the reader could not parse at all
        rej.add([r["row"]], [None], r["reason"], r["detail"])
    df, posts = map_rows(frame, recipe, rej, "undecodable" in str(raw.info.get("encoding", "")))
    numbers = merge_numbers([number_columns(df)])
    clock.lap("read")
    steps = {"posts": posts,
             "headers": cleaning.apply_headers(df, float(cs.get("header_min_share", 0.5)))}
    ptb = spec.ptb if spec else cleaning.corpus_looks_ptb(df["text"])
    steps["markup"] = cleaning.markup_summary(cleaning.clean_columns(df, ptb))
    clock.lap("clean")
    steps["boilerplate"] = cleaning.strip_boilerplate(df, cs)
    clock.lap("boilerplate")
    df = cleaning.reject_unusable(df, rej, int(cs.get("min_letters", 20)))
    df = reject_duplicate_ids(df, rej)
    df, date_info = parse_row_dates(df, recipe)
    warnings += date_format_warning(recipe, date_info, len(df))
    clock.lap("dates")
    df, dups = _drop_duplicates(df, rej, float(cs.get("near_duplicate_threshold", 0.9)),
                                int(cs.get("near_duplicate_min_words", 100)))
    clock.lap("duplicates")
    df = add_languages(df, cs)
    clock.lap("language")
    df.loc[out_of_range(df["date"], cs), "date_status"] = "out_of_range"

    corpus = finish(df, numbers)
    rejects = rej.frame()
    steps["warnings"] = warnings
    report = build_report(name, source_info(raw, path), choice, corpus_stats(corpus), rejects,
                          date_info, dups, steps, ptb, cs, LOADER_VERSION)
    clock.lap("report")
    return LoadResult(name, corpus, rejects, close_report(report, clock))


def read(source, name, search, settings) -> tuple[readers.RawTable, object, object, str]:
    """``(raw table, path, registry entry, name)`` of a source (a DataFrame too)."""
    if isinstance(source, pd.DataFrame):
        return readers.frame_table(source), None, None, name or "dataframe"
    path, spec = resolve(source, search)
    cs = thaw(resolve_settings(settings)["corpus"])
    raw = readers.read_source(path, encoding=cs.get("encoding"), header=cs.get("header_row"))
    raw.frame.columns = [str(c) for c in raw.frame.columns]
    return raw, path, spec, name or default_name(source)


def source_info(raw: readers.RawTable, path) -> dict:
    """The load report's account of the source read."""
    return {"source": str(path) if path is not None else "DataFrame",
            "format": raw.info.get("format"), "encoding": raw.info.get("encoding"),
            "physical_lines": raw.info.get("physical_lines"), "rows_in": raw.rows_in,
            "fingerprint": fingerprint(path) if path is not None
            else frame_fingerprint(raw.frame)}


def close_report(report: dict, clock: Clock) -> dict:
    """The load report's last warnings (length outliers) logged, timings added, the
    row accounting checked."""
    warnings = report["warnings"]
    very_long = [d for d in report["length"]["longest"] if d["chars"] > VERY_LONG_CHARS]
    if very_long:
        warnings.append(f"{report['length']['outliers']} length outliers, the longest "
                        f"{very_long[0]['doc_id']!r} with {very_long[0]['chars']:,} characters "
                        f"(median {report['length']['median_chars']:,}): one document or "
                        "several run together? Long texts are embedded in windows")
    for w in warnings:
        log.warning("%s: %s", report["name"], w)
    report["seconds"] = clock.total()
    report["timings"] = clock.laps
    log.info("loaded %s: %d rows in, %d kept, %d rejected in %.1f s", report["name"],
             report["rows_in"], report["kept"], report["rejected_total"], report["seconds"])
    if report["rows_in"] != report["kept"] + report["rejected_total"]:
        raise RuntimeError(f"rows in != kept + rejected: {report}")
    return report


def duplicate_id_detail(first_row: int, same_text: bool) -> str:
    return f"id first used on row {first_row} ({'same' if same_text else 'different'} text)"


def reject_duplicate_ids(df: pd.DataFrame, rej: Rejects) -> pd.DataFrame:
    """Keep the first row of each ``doc_id``; reject the others."""
    dup_id = df["doc_id"].duplicated(keep="first")
    if not dup_id.any():
        return df
    first = df[~dup_id].reset_index().set_index("doc_id")
    dup = df[dup_id]
    details = [duplicate_id_detail(first.at[i, "index"], text == first.at[i, "text"])
               for i, text in zip(dup["doc_id"], dup["text"], strict=True)]
    ids = dup["doc_id"].tolist()
    rej.add(dup.index, ids, "duplicate_id", details, ids)
    return df[~dup_id]


def parse_row_dates(df: pd.DataFrame, recipe: Recipe, dayfirst=None
                    ) -> tuple[pd.DataFrame, dict]:
    """``date`` (UTC) and ``date_status`` from the raw ``_date`` values (``missing`` when
    the source has no date column; ``dayfirst``: the order decided over a whole
    partitioned corpus, else the recipe's); returns the rows and the parse info."""
    dayfirst = recipe.dayfirst if dayfirst is None else dayfirst
    if "_date" in df.columns:
        parsed = parse_dates(df["_date"], dayfirst=dayfirst, date_format=recipe.date_format)
        df = df.drop(columns="_date")
        df["date"], df["date_status"] = parsed.dates, parsed.status
        return df, parsed.info
    df["date"] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    df["date_status"] = "missing"
    return df, {"dayfirst": dayfirst, "dayfirst_evidence": None}


def date_format_warning(recipe: Recipe, info: dict, n: int) -> list[str]:
    """A warning when ``corpus.date_format`` fits none of the date values."""
    if recipe.date_format and "date" in recipe.cols and n and \
            not info.get("parsed_with_format"):
        return [f"date: the format {recipe.date_format!r} fits none of the values of "
                f"{recipe.cols['date']!r} (e.g. {info['unparseable_examples'][:2]})"]
    return []


def add_languages(df: pd.DataFrame, cs: dict) -> pd.DataFrame:
    df["lang"] = pd.Series(detect_languages(df["text"].tolist(), cs.get("languages")),
                           index=df.index, dtype="string")
    return df


def out_of_range(dates: pd.Series, cs: dict) -> pd.Series:
    """Dates far outside the corpus's bulk (``corpus.out_of_range_*`` settings)."""
    return flag_out_of_range(
        dates,
        quantiles=tuple(cs.get("out_of_range_quantiles", (0.005, 0.995))),
        window=float(cs.get("out_of_range_window", 0.05)),
        density=float(cs.get("out_of_range_density", 0.005)),
    )


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
    """Keep an extra input column (text as strings; :func:`number_columns` finds the
    plain-number ones)."""
    if s.dtype != object and not isinstance(s.dtype, pd.StringDtype):
        return s
    return s.astype("string")


def number_columns(df: pd.DataFrame) -> dict[str, tuple[int, str | None]]:
    """Per extra text column: ``(values present, numeric dtype)``, the dtype None unless
    every value is a plain number. Those of a corpus's parts combine with
    :func:`merge_numbers`."""
    out = {}
    for col in df.columns:
        if col in SCHEMA or col == "_date" or not isinstance(df[col].dtype, pd.StringDtype):
            continue
        present = df[col].dropna()
        ok = present.str.fullmatch(_PLAIN_NUMBER.pattern).all()
        out[col] = (len(present), str(pd.to_numeric(present).dtype) if ok else None)
    return out


def merge_numbers(parts: list[dict]) -> dict[str, str]:
    """The extra columns that become numbers (a plain number in every row): column ->
    dtype (``Float64`` when any part has a fraction)."""
    out: dict[str, str] = {}
    for col in dict.fromkeys(c for p in parts for c in p):
        seen = [p[col] for p in parts if col in p and p[col][0]]
        if seen and all(d is not None for _, d in seen):
            out[col] = "Float64" if any("Float" in d for _, d in seen) else "Int64"
    return out


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


def finish(df: pd.DataFrame, numbers: dict[str, str]) -> pd.DataFrame:
    """Schema columns first (typed), extras after (``numbers``: those that become numbers,
    with their dtype), rows in input order."""
    for col in TEXT_FIELDS:
        df[col] = df[col].astype("string")
    df["date"] = df["date"].astype("datetime64[ns, UTC]")
    df["date_status"] = df["date_status"].astype("string")
    for col, dtype in numbers.items():
        df[col] = pd.to_numeric(df[col]).astype(dtype)
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
