"""Choose a table's text, date, outlet and id columns by their content, not only by name.

A name match (:data:`registry.ALIASES`) is a hint; the content decides. Every candidate
column is scored on a sample of rows:

- text: filled share x distinct share x letter share x log(1 + median words), so an account
  bio repeated on every tweet (few distinct values) or a URL (one word) loses to the posts;
- date: parsed share x plausible share (1900 .. next year) x log(1 + distinct days), halved
  for names that say *collection* time (``date_extracted``, ``crawled``, ``uploaded``...),
  so an upload timestamp with a few dozen distinct days loses to the event dates;
- outlet: a name match with few distinct values (an outlet names many documents);
- id: a name match, else an ``*_id`` column whose values are all distinct.

A name match is kept while it scores at least :data:`NAME_MARGIN` x the best; otherwise the
best by content wins and a warning says why. An explicit mapping always wins, with a
warning when its column looks much worse than another. :func:`find_label_column` finds
reference classes (a categorical column with 2-100 values) for topic agreement scores.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from conflict_narratives.corpus.dates import parse_dates
from conflict_narratives.corpus.header_row import GENERATED, is_generated
from conflict_narratives.corpus.registry import match_by_name, no_text_column

SAMPLE = 1000  # rows scored per column (evenly spaced)
NAME_MARGIN = 0.8  # a name match stands while it scores >= this x the best candidate
MIN_TEXT_WORDS = 3  # median words of a usable text column
_LETTER = re.compile(r"[^\W\d_]")
_DATE_NAME = re.compile(
    r"date|time|publi|pubbl|creat|updat|modif|posted|day|when|extract|crawl|scrap|fetch|upload"
    r"|fecha|datum|tarih|تاريخ", re.I)
_COLLECTED = re.compile(
    r"extract|crawl|scrap|fetch|upload|download|retriev|harvest|ingest|index|collect|access"
    r"|modif|updat|insert|seen", re.I)
_DATELIKE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)\D{0,12}\d|\d\D{0,12}(?<!\d)(?:19|20)\d\d(?!\d)")
_ID_NAME = re.compile(r"(?:^|[_\W])id$|_id(?:[_\W]|$)|^id[_\W]", re.I)
MAX_LABELS = 100  # distinct values of a label column, at most
LABEL_NAMES = ("category", "label", "topic", "topic_label", "section", "class", "categories")
_LABEL_HINT = re.compile(r"categ|label|topic|section|class|type|genre|rubri|theme|desk", re.I)


@dataclass
class ColumnChoice:
    """The chosen columns (``columns``: schema field -> input column), how each was chosen
    (``report``: column, by mapping | name | content, runner-up, scores) and warnings."""

    columns: dict[str, str]
    report: dict[str, dict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _sample(values: pd.Series) -> pd.Series:
    if len(values) <= SAMPLE:
        return values
    return values.iloc[np.linspace(0, len(values) - 1, SAMPLE).astype(int)]


def _is_textual(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def _strings(values: pd.Series) -> pd.Series:
    """Non-blank string values (numbers and other objects left out)."""
    s = pd.Series([v.strip() for v in values if isinstance(v, str)], dtype=object)
    return s[s != ""]  # object dtype: undecodable bytes (surrogates) cannot go to Arrow


def text_score(values: pd.Series) -> dict:
    """How much ``values`` look like free text: see the module docstring."""
    sample = _sample(values)
    s = _strings(sample) if _is_textual(sample) else pd.Series([], dtype=str)
    if s.empty:
        return {"score": 0.0, "filled": 0.0}
    heads = s.str[:2000]
    words = float(s.str.split().str.len().median())
    letters = sum(len(_LETTER.findall(h)) for h in heads) / max(1, int(heads.str.len().sum()))
    stats = {"filled": len(s) / len(sample), "distinct": s.nunique() / len(s),
             "median_words": words, "letters": letters}
    score = stats["filled"] * stats["distinct"] * letters * math.log1p(words)
    usable = words >= MIN_TEXT_WORDS and stats["distinct"] >= 0.05
    return {"score": round(score if usable else 0.0, 4),
            **{k: round(v, 3) for k, v in stats.items()}}


def date_score(values: pd.Series, name: str, dayfirst=None, date_format=None) -> dict:
    """How much ``values`` look like the documents' dates: see the module docstring."""
    sample = _sample(values)
    parsed = parse_dates(sample, dayfirst=dayfirst, date_format=date_format)
    ok = parsed.dates.dropna()
    now = pd.Timestamp.now(tz="UTC")
    plausible = ok[(ok >= pd.Timestamp("1900-01-01", tz="UTC"))
                   & (ok <= now + pd.Timedelta(days=366))]
    days = int(plausible.dt.floor("D").nunique())
    present = int((parsed.status != "missing").sum())
    stats = {"parsed": len(ok) / max(1, present), "filled": present / max(1, len(sample)),
             "plausible": len(plausible) / max(1, len(ok)), "distinct_days": days}
    factor = 0.5 if _COLLECTED.search(name) else 1.0
    score = len(plausible) / max(1, len(sample)) * math.log1p(days) * factor
    return {"score": round(score, 4), **{k: round(v, 3) if isinstance(v, float) else v
                                         for k, v in stats.items()},
            "collection_time_name": factor < 1,
            "unparsed_examples": parsed.info.get("unparseable_examples", [])[:3]}


def _decide(fld: str, scores: dict[str, dict], named: str | None, explicit: bool,
            warnings: list[str], why) -> dict:
    """Pick a column for ``fld`` from ``scores`` (column -> score dict); ``named`` is the
    mapped or alias-matched column. Appends warnings; returns the report entry."""
    ranked = sorted(scores, key=lambda c: -scores[c]["score"])
    best = ranked[0] if ranked and scores[ranked[0]]["score"] > 0 else None
    if explicit:
        chosen, by = named, "mapping"
        if best and best != named and scores.get(named, {}).get("score", 0) < 0.5 * \
                scores[best]["score"]:
            warnings.append(f"{fld}: the given column {named!r} looks worse than {best!r} "
                            f"({why(named)} vs {why(best)})")
    elif named is not None and named in scores and best is not None and \
            scores[named]["score"] >= NAME_MARGIN * scores[best]["score"]:
        chosen, by = named, "name"
    elif best is not None:
        chosen, by = best, "content"
        if named is not None:
            warnings.append(f"{fld}: chose {best!r} over {named!r} (matched by name): "
                            f"{why(best)} vs {why(named)}")
    else:
        chosen, by = named, "name" if named is not None else None
    others = [c for c in ranked if c != chosen and scores[c]["score"] > 0]
    entry = {"column": chosen, "by": by, "runner_up": others[0] if others else None}
    if chosen in scores:
        entry["score"] = scores[chosen]
    if others:
        entry["runner_up_score"] = scores[others[0]]
    return entry


def _why_text(s: dict) -> str:
    if not s:
        return "not text"
    return (f"{s.get('distinct', 0):.0%} distinct, {s.get('median_words', 0):g} words "
            f"median, {s.get('filled', 0):.0%} filled")


def _why_date(s: dict) -> str:
    if not s:
        return "no dates"
    return f"{s.get('parsed', 0):.0%} parsed, {s.get('distinct_days', 0)} distinct days"


def choose_columns(frame: pd.DataFrame, mapping: dict | None = None, *, dayfirst=None,
                   date_format: str | None = None) -> ColumnChoice:
    """Schema field -> input column for ``frame`` (see the module docstring). Raises
    ``ValueError`` (one line, naming the columns) when no column holds text."""
    columns = list(frame.columns)
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    named = match_by_name(columns, mapping)
    cols = dict(named)
    report: dict[str, dict] = {}
    warnings: list[str] = []

    # every column is scored; one mapped to another field is only compared with
    taken = {c for f, c in named.items() if f in mapping and f != "text"}
    text_scores = {c: text_score(frame[c]) for c in columns
                   if "text" in mapping or c not in taken}
    entry = _decide("text", text_scores, named.get("text"), "text" in mapping, warnings,
                    lambda c: _why_text(text_scores.get(c, {})))
    if entry["column"] is None:
        raise no_text_column(columns)
    _reassign(cols, "text", entry["column"])
    report["text"] = entry
    if "title" not in cols and is_generated(columns):
        _title_by_content(cols, text_scores, report)

    if "date" in mapping:
        cand = [cols["date"]]
    else:
        cand = [c for c in columns if c not in cols.values() or c == cols.get("date")]
        cand = [c for c in cand if _date_candidate(frame[c], str(c))]
    date_scores = {c: date_score(frame[c], str(c), dayfirst, date_format) for c in cand}
    entry = _decide("date", date_scores, cols.get("date"), "date" in mapping, warnings,
                    lambda c: _why_date(date_scores.get(c, {})))
    if entry["column"] is not None:
        _reassign(cols, "date", entry["column"])
        if date_scores[entry["column"]]["collection_time_name"] and entry["by"] != "mapping":
            warnings.append(f"date: dates from {entry['column']!r}, whose name suggests when "
                            "the documents were collected, not published; name another "
                            "column with mapping={'date': ...} (--date-col) if there is one")
    report["date"] = entry | {"closest": closest_dates(frame, cols, date_scores)}
    _warn_undated(cols, date_scores, warnings)

    _check_named(frame, cols, "source", _outlet_ok, "source" in mapping, warnings)
    if "doc_id" not in cols:
        ids = [c for c in columns if c not in cols.values() and _ID_NAME.search(str(c))
               and _id_ok(frame[c])[0]]
        if ids:
            cols["doc_id"] = ids[0]
    for fld in cols:
        report.setdefault(fld, {"column": cols[fld],
                                "by": "mapping" if fld in mapping else "name"})
        if fld == "doc_id" and fld not in named:
            report[fld]["by"] = "content"
    return ColumnChoice(cols, report, warnings)


def _title_by_content(cols: dict, text_scores: dict, report: dict) -> None:
    """A headerless file's title: the best-scoring other text column, mostly distinct, of
    at most 25 words and half the text's length in words (median)."""
    words = text_scores[cols["text"]].get("median_words", 0)
    fits = {c: s for c, s in text_scores.items() if c not in cols.values() and s["score"] > 0
            and s["distinct"] >= 0.5 and s["median_words"] <= min(25, 0.5 * words)}
    if fits:
        best = max(fits, key=lambda c: fits[c]["score"])
        cols["title"] = best
        report["title"] = {"column": best, "by": "content", "score": fits[best]}


def closest_dates(frame: pd.DataFrame, cols: dict, date_scores: dict) -> list[dict]:
    """The (up to three) columns that came closest to being the date: share of values
    parsed as dates, share that look like one (a year beside other digits)."""
    out = []
    for c in frame.columns:
        if c == cols.get("text") or not _is_textual(frame[c]) and c not in date_scores:
            continue
        s = _strings(_sample(frame[c])) if _is_textual(frame[c]) else pd.Series([], dtype=str)
        like = float(s.str.contains(_DATELIKE).mean()) if len(s) else 0.0
        parsed = date_scores.get(c, {}).get("parsed", 0.0)
        if like or parsed:
            out.append({"column": str(c), "parsed": round(parsed, 3), "datelike": round(like, 3)})
    return sorted(out, key=lambda d: (-d["parsed"], -d["datelike"]))[:3]


def _reassign(cols: dict, fld: str, col: str) -> None:
    """Give ``col`` to ``fld``, taking it from the field that had it by name."""
    for other, c in list(cols.items()):
        if c == col and other != fld:
            del cols[other]
    cols[fld] = col


def _date_candidate(values: pd.Series, name: str) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if _DATE_NAME.search(name):
        return True
    if not _is_textual(values):
        return False
    s = _strings(values.head(200))
    if s.empty or s.str.split().str.len().median() > 8:
        return False
    if s.str.contains(_DATELIKE).mean() >= 0.8:  # parsed or not: say so if not
        return True
    return parse_dates(s).status.eq("ok").mean() >= 0.8


def _warn_undated(cols, date_scores, warnings) -> None:
    """Say so when nothing parses as a date while a column looks like one."""
    chosen = cols.get("date")
    if chosen is not None and date_scores.get(chosen, {}).get("parsed", 0) >= 0.5:
        return
    for c in list(date_scores)[:3]:
        s = date_scores[c]
        if s["filled"] > 0 and s["parsed"] < 0.5:
            examples = ", ".join(repr(e) for e in s["unparsed_examples"])
            warnings.append(
                f"date: {s['parsed']:.0%} of column {c!r} parses as dates (e.g. {examples}); "
                "name its format with date_format='%d-%m-%Y' or similar (--date-format), "
                "or the date column with --date-col")


def _outlet_ok(values: pd.Series) -> tuple[bool, str]:
    s = _strings(_sample(values)) if _is_textual(values) else values.dropna().astype(str)
    n, distinct = len(s), s.nunique()
    ok = n == 0 or distinct <= max(50, 0.5 * n)
    return ok, f"{distinct} distinct values in {n} sampled rows"


def _id_ok(values: pd.Series) -> tuple[bool, str]:
    present = values.dropna().astype(str)
    ok = len(present) == len(values) and present.is_unique
    return ok, f"{present.nunique()} distinct values in {len(values)} rows"


def _check_named(frame, cols, fld, check, explicit, warnings) -> None:
    """Drop a name-matched ``fld`` column whose content does not fit (with a warning)."""
    if fld not in cols or explicit:
        return
    ok, why = check(frame[cols[fld]])
    if not ok:
        warnings.append(f"{fld}: column {cols[fld]!r} not used ({why}); name one with "
                        f"mapping={{'{fld}': ...}} if it is right")
        del cols[fld]


def label_stats(df: pd.DataFrame, exclude=()) -> dict[str, dict]:
    """What :func:`find_label_column` weighs, per candidate column (the first of
    :data:`LABEL_NAMES`, then names hinting at classes): values present, numeric dtype,
    distinct values (raw and as text; None past :data:`MAX_LABELS` + 1); in a headerless
    file, every column (an integer one counts as classes, not numbers). The stats of a
    table's parts combine with :func:`merge_label_stats`."""
    named = [c for n in LABEL_NAMES for c in df.columns if str(c).lower() == n]
    hinted = [c for c in df.columns if _LABEL_HINT.search(str(c)) and c not in named]
    unnamed = [c for c in df.columns if GENERATED.match(str(c))]
    out = {}
    for col in [*named, *hinted, *unnamed]:
        if col in exclude:
            continue
        values = df[col].dropna()
        numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
        if numeric and col in unnamed and pd.api.types.is_integer_dtype(values):
            numeric = False  # a headerless file's class column: 1..4, by content
        out[col] = {"named": col in named, "present": len(values), "numeric": numeric,
                    "raw": _capped(set(values.unique())),
                    "text": _capped(set(values.astype(str).unique()))}
    return out


def _capped(values: set | None) -> set | None:
    return None if values is None or len(values) > MAX_LABELS + 1 else values


def merge_label_stats(parts: list[dict[str, dict]]) -> dict[str, dict]:
    """:func:`label_stats` of a table's parts (rows split, same columns), combined."""
    out: dict[str, dict] = {}
    for part in parts:
        for col, s in part.items():
            if col not in out:
                out[col] = dict(s)
                continue
            o = out[col]
            if s["present"]:
                o["numeric"] = s["numeric"] if not o["present"] else o["numeric"] and s["numeric"]
            o["present"] += s["present"]
            for key in ("raw", "text"):
                o[key] = _capped(None if o[key] is None or s[key] is None else o[key] | s[key])
    return out


def pick_label_column(stats: dict[str, dict], n_rows: int) -> str | None:
    """The label column by :func:`label_stats` over ``n_rows`` rows (see
    :func:`find_label_column`)."""
    for col, s in stats.items():
        if s["named"] and s["raw"] is not None and 2 <= len(s["raw"]) <= MAX_LABELS:
            return col
        if s["numeric"]:
            continue
        k = len(s["text"]) if s["text"] is not None else MAX_LABELS + 1
        if 2 <= k <= MAX_LABELS and s["present"] >= 0.5 * n_rows and s["present"] >= 5 * k:
            return col
    return None


def find_label_column(df: pd.DataFrame, exclude=()) -> str | None:
    """A column of reference classes: the first of :data:`LABEL_NAMES` with 2-100
    distinct values, else the first column whose name hints at classes (``event_type``,
    ``desk``...) with 2-100 distinct non-numeric values filling at least half the rows,
    five documents a class on average. Columns in ``exclude`` are skipped."""
    return pick_label_column(label_stats(df, exclude), len(df))
