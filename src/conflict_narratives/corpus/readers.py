"""Read a corpus file or folder into a raw table, accounting for every input row.

Shapes: CSV/TSV (also ``.gz``), JSON Lines (also ``.gz``), a JSON array (or an object
holding one), Parquet, Excel, a folder of ``.txt`` files (one document each) and a Telegram
Desktop export (``result.json``, or the HTML pages: :mod:`.telegram`). Text
files are decoded as UTF-8 (BOM or not); failing that as Windows-1256 when the result is
plausibly Arabic; failing that bytes that cannot be decoded are kept as surrogate escapes
so the loader can reject exactly the rows that hold them (:func:`has_undecodable`).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import conflict_narratives.corpus.header_row as header_row
import conflict_narratives.corpus.telegram as telegram
from conflict_narratives.corpus.quotes import check_quotes

_SURROGATE = re.compile("[\udc80-\udcff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_LETTER = re.compile(r"[^\W\d_]")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_RECORD_KEYS = ("data", "articles", "documents", "docs", "records", "items", "rows")
TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".json"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}


@dataclass
class RawTable:
    """A source read as-is: ``frame`` is indexed by input row number; ``rejects`` are rows
    that could not be read at all (``row``, ``reason``, ``detail``)."""

    frame: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @property
    def rows_in(self) -> int:
        return len(self.frame) + len(self.rejects)


def has_undecodable(values: pd.Series) -> pd.Series:
    """True where a string holds bytes that could not be decoded (surrogate escapes)."""
    return values.map(lambda v: isinstance(v, str) and _SURROGATE.search(v) is not None).astype(
        bool
    )


def scrub(value: object) -> object:
    """A string with undecodable bytes (surrogate escapes) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def replace_undecodable(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`scrub` applied to every text column."""
    out = frame.copy()
    for col in out.select_dtypes(include=[object]).columns:
        out[col] = out[col].map(scrub)
    return out


def arabic_plausible(text: str, min_share: float = 0.3) -> bool:
    """True when at least ``min_share`` of the letters are Arabic script."""
    letters = len(_LETTER.findall(text[:200_000]))
    return letters > 0 and len(_ARABIC.findall(text[:200_000])) / letters >= min_share


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding used)``.

    Without an explicit ``encoding``: a BOM decides; else strict UTF-8; else Windows-1256 if
    the result is plausibly Arabic; else UTF-8 with undecodable bytes kept as surrogate
    escapes (reported as ``utf-8 (with undecodable bytes)``).
    """
    if encoding:
        return data.decode(encoding), encoding
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1256")
        if arabic_plausible(text):
            return text, "cp1256"
    except UnicodeDecodeError:
        pass
    return data.decode("utf-8", errors="surrogateescape"), "utf-8 (with undecodable bytes)"


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def read_source(path: str | Path, encoding: str | None = None, header=None) -> RawTable:
    """Read a file, a folder of ``.txt`` files or a Telegram export (its folder, or the
    file) into a :class:`RawTable` (``header``: see :func:`read_delimited_text`)."""
    path = Path(path)
    if telegram.is_html_export(path):
        return RawTable(*telegram.read_html(path))
    if path.is_dir() and (path / telegram.JSON_EXPORT).is_file():  # an export's folder
        path = path / telegram.JSON_EXPORT
    if path.is_dir():
        return read_txt_folder(path, encoding)
    if not path.is_file():
        raise FileNotFoundError(f"no such file or folder: {path}")
    kind = _suffix(path)
    if kind == ".parquet":
        return _table(pd.read_parquet(path), "parquet")
    if kind in EXCEL_SUFFIXES:
        return _table(pd.read_excel(path, sheet_name=0, dtype=object), "excel")
    if kind == ".txt":
        return read_txt_folder(path, encoding)
    if kind not in TEXT_SUFFIXES:
        raise ValueError(
            f"unsupported file type {path.name!r}: use CSV/TSV, JSONL, JSON, Parquet, Excel "
            "(.gz allowed for text formats), a folder of .txt files or a Telegram export"
        )
    data = _read_bytes(path)
    text, used = decode_bytes(data, encoding)
    if kind in (".jsonl", ".ndjson"):
        raw = read_jsonl_text(text)
    elif kind == ".json":
        raw = read_json_text(text)
    else:
        sep = "\t" if kind in (".tsv", ".tab") else None
        # Clean bytes go to the C parser directly (several times faster than via str).
        clean = None if "undecodable" in used else (data, used)
        raw = read_delimited_text(text, sep, clean, header)
    raw.info["encoding"] = used
    return raw


def frame_table(frame: pd.DataFrame) -> RawTable:
    """A DataFrame handed in directly: its rows as they are, numbered from 0 (a named or
    non-default index becomes a column)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    keep_index = not isinstance(frame.index, pd.RangeIndex) or frame.index.name is not None
    out = frame.reset_index(drop=not keep_index)
    out.columns = [str(c) for c in out.columns]
    if out.columns.duplicated().any():
        dup = sorted(set(out.columns[out.columns.duplicated()]))
        raise ValueError(f"the DataFrame has duplicate column names: {dup}")
    return RawTable(out.copy(), [], {"format": "dataframe", "encoding": None})


def _table(frame: pd.DataFrame, fmt: str) -> RawTable:
    frame = frame.reset_index(drop=True)
    return RawTable(frame, [], {"format": fmt})


def read_delimited_text(
    text: str, sep: str | None = None, raw: tuple[bytes, str] | None = None, header=None
) -> RawTable:
    """CSV/TSV text; the separator is sniffed from the header line when not given. Rows the
    parser cannot split are rejected as ``malformed_row``, not dropped. ``raw`` (the bytes
    and their encoding) lets the C parser read the bytes directly. ``header``
    (``corpus.header_row``): None detects whether the first row names the columns
    (:mod:`.header_row`), True or False forces it."""
    if not text.strip():
        raise ValueError("the file is empty: no header row, no documents")
    sep = sep or sniff_sep(text[:65536])
    kwargs = {"sep": sep, "dtype": object, "keep_default_na": False, "na_values": [""]}
    info = {"format": "csv", "sep": sep, "physical_lines": text.count("\n")}
    try:
        frame = pd.read_csv(_buffer(text, raw), encoding=raw[1] if raw else None, **kwargs)
        why = header_row.headerless(frame, header)
        if why is not None:
            first = list(frame.columns)
            frame = pd.read_csv(_buffer(text, raw), encoding=raw[1] if raw else None,
                                header=None, names=header_row.generated_names(len(first)),
                                **kwargs)
            _no_header(info, list(frame.iloc[0]) if len(frame) else first, why)
        frame = frame.reset_index(drop=True)
        check_quotes(frame, sep, info, text=text)
        return RawTable(frame, [], info)
    except pd.errors.ParserError:
        pass
    return _read_rows(text, sep, info, header)


def sniff_sep(head: str) -> str:
    """The separator (``,``, tab, ``;`` or ``|``) that splits the first lines of ``head``
    (read as CSV, quotes respected) into the same number of fields, more than one; ties go
    to the earlier in that order."""
    lines = head.split("\n")
    head = "\n".join(lines[:-1] if len(lines) > 1 else lines)

    def score(sep: str) -> float:
        counts = [len(r) for r in csv.reader(io.StringIO(head), delimiter=sep) if r][:50]
        if not counts:
            return 0.0
        mode = max(set(counts), key=counts.count)
        return (mode > 1) * counts.count(mode) / len(counts) + min(mode, 50) / 1000

    return max([",", "\t", ";", "|"], key=score)


def _buffer(text: str, raw: tuple[bytes, str] | None):
    return io.BytesIO(raw[0]) if raw else io.StringIO(text)


def _no_header(info: dict, first: list, why: dict) -> None:
    info["header_row"] = False
    info.setdefault("warnings", []).append(header_row.warning(first, why, not why))


def _read_rows(text: str, sep: str, info: dict, header) -> RawTable:
    """The csv module row by row, so a row with the wrong number of fields is rejected
    under its own row number instead of failing the whole file; a rejected row's line is
    where its quote opened when it swallowed records."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    rows: list[tuple[int, list[str]]] = []
    while True:
        start = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            break
        rows.append((start, row))
    names = rows[0][1] if rows else []
    head = pd.DataFrame([r for _, r in rows[1:201] if len(r) == len(names)], columns=names,
                        dtype=object).replace("", None)
    why = header_row.headerless(head, header)
    if why is None:
        rows = rows[1:]
    else:
        _no_header(info, names, why)
        names = header_row.generated_names(len(names))
    good_rows, rejects, bad = [], [], {}
    for i, (start, row) in enumerate(rows):
        if len(row) == len(names):
            good_rows.append(row)
        elif not any(cell.strip() for cell in row):
            continue  # blank line: not a row
        else:
            bad[i] = (row, start)
            rejects.append({"row": i, "reason": "malformed_row",
                            "detail": f"{len(row)} fields, header has {len(names)}"})
    index = _interleave(len(good_rows), [r["row"] for r in rejects])
    frame = pd.DataFrame(good_rows, columns=names, index=index, dtype=object).replace("", None)
    check_quotes(frame, sep, info, bad)
    for r in rejects:
        if r["row"] in info.get("swallowed", {}):
            r["detail"] += (f"; an unbalanced quote on line {bad[r['row']][1]} made it "
                            f"swallow {info['swallowed'][r['row']]} lines that look like "
                            "records")
    info.pop("swallowed", None)
    return RawTable(frame, rejects, info)


def _interleave(n_good: int, bad_rows: list[int]) -> pd.Index:
    """Row numbers of the good rows when ``bad_rows`` are taken out of 0..n_good+len-1."""
    bad = set(bad_rows)
    return pd.Index([i for i in range(n_good + len(bad_rows)) if i not in bad])


def read_jsonl_text(text: str) -> RawTable:
    """JSON Lines: one object per line (a bare string is taken as the text); blank lines
    are skipped; lines that are not valid JSON are rejected as ``malformed_json``."""
    records, index, rejects = [], [], []
    row = 0
    for line in text.split("\n"):  # not splitlines(): U+2028, U+0085 may sit inside JSON strings
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rejects.append({"row": row, "reason": "malformed_json", "detail": str(exc)[:200]})
        else:
            records.append(_record(obj))
            index.append(row)
        row += 1
    return RawTable(_frame(records, index), rejects, {"format": "jsonl"})


def read_json_text(text: str) -> RawTable:
    """A JSON array of objects, an object whose records sit under a key such as
    ``data``/``articles``/``documents`` (or its only list value), or a Telegram export."""
    obj = json.loads(text)
    if telegram.is_json_export(obj):
        return RawTable(*telegram.from_json(obj))
    if isinstance(obj, dict):
        lists = {k: v for k, v in obj.items() if isinstance(v, list)}
        key = next((k for k in _RECORD_KEYS if k in lists), None)
        if key is None and len(lists) == 1:
            key = next(iter(lists))
        if key is None:
            raise ValueError(f"JSON object holds no list of records (keys: {sorted(obj)})")
        obj = lists[key]
    if not isinstance(obj, list):
        raise ValueError("JSON corpus must be an array of objects")
    records = [_record(o) for o in obj]
    return RawTable(_frame(records, list(range(len(records)))), [], {"format": "json"})


def _record(obj: object) -> dict:
    if not isinstance(obj, dict):
        return {"text": obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}
    return {
        k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
        for k, v in obj.items()
    }


def _frame(records: list[dict], index: list[int]) -> pd.DataFrame:
    # dtype=object: undecodable bytes (surrogates) cannot live in Arrow-backed strings
    return pd.DataFrame(records, index=pd.Index(index, dtype="int64"), dtype=object)


def read_txt_folder(path: Path, encoding: str | None = None) -> RawTable:
    """Every ``*.txt`` under ``path`` (sorted), one document each: columns ``doc_id``
    (relative path without suffix), ``text`` and ``path``. A single .txt file works too."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no .txt files under {path}")
    root = path.parent if path.is_file() else path
    records, encodings = [], {}
    for f in files:
        text, used = decode_bytes(_read_bytes(f), encoding)
        encodings[used] = encodings.get(used, 0) + 1
        records.append(
            {"doc_id": f.relative_to(root).with_suffix("").as_posix(), "text": text, "path": str(f)}
        )
    info = {
        "format": "txt-folder",
        "encoding": ", ".join(f"{k}: {v}" for k, v in encodings.items()),
    }
    return RawTable(pd.DataFrame(records, dtype=object), [], info)
