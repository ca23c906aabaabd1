"""Whether a CSV/TSV's first row names its columns or is already a record.

A header row holds names: short, unlike the values below them. A headerless file's first
row looks like the rows under it: a number atop a column of numbers (a class column such
as AG News's ``"3"``), a date atop dates, a sentence atop a column of sentences.
:func:`looks_headerless` weighs that per column; such a file is read with generated
column names (:func:`generated_names`) and its first row kept as a record. The setting
``corpus.header_row`` (``--header/--no-header``) forces either reading.
"""

from __future__ import annotations

import re

import pandas as pd

from conflict_narratives.corpus.dates import parse_dates

GENERATED = re.compile(r"^column_\d+$")  # the names given to a headerless file's columns
_NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")
_MANGLED = re.compile(r"\.\d+$")  # pandas renames a repeated header value "x" to "x.1"
SAMPLE = 200  # rows compared with the first one


def generated_names(n: int) -> list[str]:
    return [f"column_{i + 1}" for i in range(n)]


def is_generated(columns) -> bool:
    """True when every column name is a generated one (a headerless file)."""
    columns = [str(c) for c in columns]
    return bool(columns) and all(GENERATED.match(c) for c in columns)


def _share(values: pd.Series, pattern: re.Pattern) -> float:
    s = values.dropna().astype(str)
    return float(s.str.match(pattern).mean()) if len(s) else 0.0


def _words(value: str) -> int:
    return len(value.split())


def datalike(name: str, values: pd.Series) -> str | None:
    """Why the header value ``name`` looks like one of ``values`` (None: it looks like a
    name): ``number``, ``date`` or ``text``."""
    name = _MANGLED.sub("", str(name)) if _NUMBER.match(_MANGLED.sub("", str(name))) else \
        str(name)
    values = values.dropna().head(SAMPLE)
    if not len(values) or name.startswith("Unnamed: "):
        return None
    if _NUMBER.match(name) and _share(values, _NUMBER) >= 0.9:
        return "number"
    text = values.astype(str)
    if re.search(r"\d", name) and _words(name) <= 6:
        both = parse_dates(pd.Series([name, *text.head(50)], dtype=object))
        if both.status.iloc[0] == "ok" and (both.status.iloc[1:] == "ok").mean() >= 0.8:
            return "date"
    median_words = float(text.map(_words).median())
    if _words(name) >= 4 and len(name) >= 25 and median_words >= 4:
        return "text"
    return None


def looks_headerless(frame: pd.DataFrame) -> dict[str, str]:
    """The columns whose header value looks like their data (generated name -> why), when
    at least half of them do and one of them is a number or a date, or all of them do
    (a sentence atop sentences alone may be a survey's question); else ``{}`` (the first
    row names the columns)."""
    if frame.empty and len(frame.columns) == 0:
        return {}
    empty = pd.Series([], dtype=object)
    why = {name: w for name, c in zip(generated_names(len(frame.columns)), frame.columns,
                                      strict=True)
           if (w := datalike(c, frame[c] if not frame.empty else empty))}
    typed = any(w in ("number", "date") for w in why.values())
    enough = len(why) == len(frame.columns) or (typed and len(why) >= 0.5 * len(frame.columns))
    return why if why and enough else {}


def headerless(frame: pd.DataFrame, setting) -> dict[str, str] | None:
    """None when the first row of ``frame`` (read with a header) names the columns; else
    why not (``{}`` when ``setting``, ``corpus.header_row``, forces no header). ``setting``
    True forces a header; None or ``"auto"`` detects (:func:`looks_headerless`)."""
    if setting is True or str(setting).lower() == "true":
        return None
    if setting is False or str(setting).lower() == "false":
        return {}
    return looks_headerless(frame) or None


def warning(first: list, why: dict[str, str], forced: bool) -> str:
    """The load report's line for a file read without a header row."""
    shown = ", ".join(repr(str(v)[:30] + ("…" if len(str(v)) > 30 else "")) for v in first[:4])
    if forced:
        return (f"read without a header row (corpus.header_row false): the first row "
                f"({shown}) is a record; columns named column_1..column_{len(first)}")
    reasons = ", ".join(f"{c}: {w}" for c, w in list(why.items())[:4])
    return (f"no header row? The first row ({shown}) looks like the rows below it "
            f"({reasons}, like the values under it), so it is kept as a record and the columns are "
            f"named column_1..column_{len(first)}; --header (corpus.header_row: true) "
            "reads it as names")
