"""Fields that swallowed whole records: an unbalanced quote makes a CSV parser read every
line up to the next quote (or the end of the file) as one field.

Such a field holds lines shaped like records: as many separators as a record, and the
shapes of the columns whose values share one (ids ``9``, dates ``9-9-9``), counted from
either end up to the first free-text column, in their places; with no shape to go by, most
of its lines look so. A long genuine
field (a 2-million-character page, with commas and numbered lines) holds no such lines and
raises no warning. The warning names the row and the physical line where the quote opens.
"""

from __future__ import annotations

import re

import pandas as pd


def _shape(value: str) -> str:
    """A value's shape: letter runs -> ``a``, digit runs -> ``9`` (``ab-12`` -> ``a-9``)."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "a", value.strip()))


def _dominant(values: pd.Series) -> str | None:
    """The shape at least 80 % of ``values`` share, else None."""
    shapes = values.dropna().astype(str).map(_shape).value_counts(normalize=True)
    return shapes.index[0] if len(shapes) and shapes.iloc[0] >= 0.8 else None


def _run(shapes: list, positions) -> list[tuple[int, str]]:
    """The shaped columns at ``positions`` up to the first one without a shape (a text
    column, whose separators would shift the fields after it)."""
    out = []
    for i in positions:
        if shapes[i] is None:
            break
        out.append((i, shapes[i]))
    return out


class _Lines:
    """Counts the record-shaped lines of a field."""

    def __init__(self, frame: pd.DataFrame, sep: str):
        self.sep, self.need = sep, len(frame.columns) - 1
        shapes = [_dominant(frame.iloc[:, i]) for i in range(len(frame.columns))]
        self.ends = _run(shapes, range(len(shapes))) + \
            _run(shapes, range(-1, -len(shapes) - 1, -1))

    def record(self, line: str) -> bool:
        if line.count(self.sep) < self.need:
            return False
        fields = line.split(self.sep)
        return all(_shape(fields[i].strip('"')) == s for i, s in self.ends)

    def count(self, value: object) -> int:
        if not isinstance(value, str) or "\n" not in value:
            return 0
        lines = [ln for ln in value.split("\n")[1:] if ln.strip()]
        hits = sum(map(self.record, lines))
        ok = hits >= 1 if self.ends else hits >= max(2, 0.8 * len(lines))
        return hits if ok else 0


def _line_of(text: str | None, value: str) -> int | None:
    """The physical line (1-based) of ``text`` where the field ``value`` starts."""
    if text is None:
        return None
    at = text.find(value[:200])
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def check_quotes(frame: pd.DataFrame, sep: str, info: dict,
                 bad_rows: dict[int, tuple[list, int]] | None = None,
                 text: str | None = None) -> None:
    """Warn about fields that swallowed records (see the module docstring). ``bad_rows``
    (row -> (cells, the line it starts on)) are rows rejected for their field count,
    checked too (``info["swallowed"]``: row -> lines); ``text``, the file's text, lets a
    good row's field be found by line."""
    info["records"] = len(frame) + len(bad_rows or {})
    if len(frame.columns) < 2:
        return
    lines = _Lines(frame, sep)
    suspects = []
    for col in frame.columns:
        for row, value in frame[col].items():
            if n := lines.count(value):
                suspects.append({"row": int(row), "column": str(col), "record_lines": n,
                                 "line": _line_of(text, value)})
    for row, (cells, start) in (bad_rows or {}).items():
        counts = [lines.count(c) for c in cells]
        if counts and (n := max(counts)):
            k = counts.index(n)
            column = str(frame.columns[k]) if k < len(frame.columns) else None
            suspects.append({"row": int(row), "column": column, "record_lines": n,
                             "line": start})
            info.setdefault("swallowed", {})[row] = n
    if suspects:
        info["suspect_quotes"] = suspects
        worst = max(suspects, key=lambda x: x["record_lines"])
        where = f"field {worst['column']!r}" if worst["column"] else "last field"
        at = f", whose quote opens on line {worst['line']}," if worst["line"] else ""
        info.setdefault("warnings", []).append(
            f"unbalanced quote? row {worst['row']}'s {where}{at} holds "
            f"{worst['record_lines']} lines that look like records ({info['records']} "
            f"records from {info['physical_lines']} lines); check the quotes (\") in that row")
