"""A corpus source read a chunk of rows at a time, so a file larger than memory loads.

CSV/TSV and JSON Lines (``.gz`` too) and Parquet stream; each chunk is indexed by input row
number, exactly as :func:`readers.read_source` numbers the rows of the whole file. A file
that needs the whole-file reader's repairs — not UTF-8 (Windows-1256 detection, undecodable
bytes), rows the CSV parser cannot split — raises :class:`NeedsWholeFile` before any row is
lost, and the caller reads it whole (:func:`whole_chunks`). JSON arrays, Excel and folders
of ``.txt`` files are read whole and then cut into chunks.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

import conflict_narratives.corpus.header_row as header_row
import conflict_narratives.corpus.readers as readers

STREAMED = {".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".parquet"}


class NeedsWholeFile(Exception):
    """The source cannot be streamed faithfully: read it with the whole-file reader."""


def within(chunks: Iterable[tuple[pd.DataFrame, list, dict]], max_bytes: int
           ) -> Iterator[tuple[pd.DataFrame, list, dict]]:
    """``chunks`` with any chunk over ``max_bytes`` in memory cut into consecutive pieces of
    about equal size under it (a row larger than that alone), so a partition's memory is
    bounded however long the documents are; a chunk's reader rejects go with its first
    piece."""
    for frame, rejects, info in chunks:
        total = int(frame.memory_usage(deep=True, index=False).sum())
        n = min(len(frame), -(-total // max_bytes))
        if n <= 1:
            yield frame, rejects, info
            continue
        cum = np.cumsum(sum(_row_weights(frame.iloc[:, c]) for c in range(frame.shape[1])))
        cuts = np.searchsorted(cum, cum[-1] * np.arange(1, n) / n)
        for k, (a, b) in enumerate(zip([0, *cuts], [*cuts, len(frame)], strict=True)):
            if b > a:
                yield frame.iloc[a:b], rejects if k == 0 else [], info


def _row_weights(column: pd.Series) -> np.ndarray:
    """Each row's share of the column's memory, in bytes of its Python value."""
    if column.dtype.kind in "biufcmM":
        return np.full(len(column), float(column.dtype.itemsize))
    return np.fromiter(map(sys.getsizeof, column.to_numpy(dtype=object)), float, len(column))


def _open(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")


def _head(path: Path, n: int = 65536) -> bytes:
    with _open(path) as fh:
        return fh.read(n)


def iter_chunks(path: str | Path, rows: int, encoding: str | None = None, header=None
                ) -> Iterator[tuple[pd.DataFrame, list[dict], dict]]:
    """``(frame, reader rejects, info)`` per chunk of about ``rows`` input rows
    (``header``: ``corpus.header_row``, see :func:`readers.read_delimited_text`)."""
    path = Path(path)
    kind = readers._suffix(path) if path.is_file() else ""
    if kind not in STREAMED:
        yield from whole_chunks(path, rows, encoding, header)
        return
    if kind == ".parquet":
        import pyarrow.parquet as pq

        start = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame, [], {"format": "parquet"}
        return
    head = _head(path)
    if encoding not in (None, "utf-8", "utf8") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NeedsWholeFile("not UTF-8")
    used = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    if kind in (".jsonl", ".ndjson"):
        yield from _jsonl_chunks(path, rows, used)
    else:
        yield from _csv_chunks(path, rows, used, head, kind, header)


def _csv_chunks(path: Path, rows: int, used: str, head: bytes, kind: str, header=None):
    first = head.decode(used, errors="replace").split("\n", 1)[0]
    if not first.strip():
        raise NeedsWholeFile("empty header line")
    sep = "\t" if kind in (".tsv", ".tab") else readers.sniff_sep(
        head.decode(used, errors="replace"))
    info = {"format": "csv", "sep": sep, "encoding": used, "physical_lines": _lines(path)}
    kwargs = {"sep": sep, "dtype": object, "keep_default_na": False, "na_values": [""],
              "encoding": used}
    try:
        first = pd.read_csv(path, nrows=header_row.SAMPLE, **kwargs)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise NeedsWholeFile(str(err)) from err
    why = header_row.headerless(first, header)
    if why is not None:
        kwargs |= {"header": None, "names": header_row.generated_names(len(first.columns))}
        values = pd.read_csv(path, nrows=1, **kwargs).iloc[0].tolist()
        info |= {"header_row": False, "warnings": [header_row.warning(values, why, not why)]}
    try:
        reader = pd.read_csv(path, chunksize=rows, **kwargs)
        start = 0
        for frame in reader:
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            check = {"physical_lines": 0}
            readers.check_quotes(frame, sep, check)
            if check.get("suspect_quotes"):  # the whole-file reader says where and why
                raise NeedsWholeFile("unbalanced quote?")
            yield frame, [], info
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise NeedsWholeFile(str(err)) from err


def _jsonl_chunks(path: Path, rows: int, used: str):
    info = {"format": "jsonl", "encoding": used}
    records, index, rejects, row = [], [], [], 0
    with _open(path) as fh:
        for n, raw in enumerate(fh):
            try:
                line = raw.decode(used if n == 0 else "utf-8")
            except UnicodeDecodeError as err:
                raise NeedsWholeFile(str(err)) from err
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rejects.append({"row": row, "reason": "malformed_json",
                                "detail": str(exc)[:200]})
            else:
                records.append(readers._record(obj))
                index.append(row)
            row += 1
            if len(records) + len(rejects) >= rows:
                yield readers._frame(records, index), rejects, info
                records, index, rejects = [], [], []
    if records or rejects or row == 0:
        yield readers._frame(records, index), rejects, info


def _lines(path: Path) -> int:
    """Newlines in the (decompressed) file, as the whole-file reader counts them."""
    n = 0
    with _open(path) as fh:
        while block := fh.read(1 << 20):
            n += block.count(b"\n")
    return n


def whole_chunks(path: Path, rows: int, encoding: str | None = None, header=None):
    """The whole-file reader's table (every repair applied; ``path`` may be a
    :class:`readers.RawTable` already read), cut into chunks of ``rows``."""
    raw = path if isinstance(path, readers.RawTable) else \
        readers.read_source(path, encoding=encoding, header=header)
    frame = raw.frame
    if frame.empty:
        yield frame, list(raw.rejects), raw.info
        return
    for k, start in enumerate(range(0, len(frame), rows)):
        yield frame.iloc[start:start + rows], list(raw.rejects) if k == 0 else [], raw.info
