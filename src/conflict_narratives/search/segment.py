"""One segment of the word index: a run of consecutive corpus rows, in a folder of ``.npy``
arrays read memory-mapped.

- ``hashes``: the segment's words (:func:`terms.term_hashes`), sorted; a word's id is its
  rank here;
- ``indptr``, ``rows``, ``tf``: the inverted index, a CSC doc-term matrix (scipy's layout):
  the documents holding word ``j`` are ``rows[indptr[j]:indptr[j + 1]]``, ``tf`` times each;
- ``stream``, ``offsets``: each document's words in order (ids), for phrases and lengths;
- ``text``, ``text_offsets``: each document's text (title and body, UTF-8), for snippets
  without reading the corpus (a partitioned corpus keeps its texts on disk).

A segment is written to a temporary folder and renamed into place whole, so a reader never
sees half of one and concurrent builders of the same segment do not clash.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from array import array
from pathlib import Path

import numpy as np

from conflict_narratives.search.terms import term_hashes, words

ARRAYS = ("hashes", "indptr", "rows", "tf", "stream", "offsets", "text", "text_offsets")
MARKER = "segment.json"


def build_arrays(docs: list[str]) -> dict[str, np.ndarray]:
    """The arrays of a segment holding ``docs`` (each document's title and text)."""
    vocab: dict[str, int] = {}
    stream, lengths = array("i"), np.zeros(len(docs), dtype=np.int64)
    for i, doc in enumerate(docs):
        ids = [vocab.setdefault(w, len(vocab)) for w in words(doc)]
        stream.extend(ids)
        lengths[i] = len(ids)
    hashes = term_hashes(vocab)
    order = np.argsort(hashes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ids = rank[np.frombuffer(stream, dtype=np.int32)].astype(np.int32) if len(stream) \
        else np.zeros(0, dtype=np.int32)
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    pairs, tf = np.unique(ids.astype(np.int64) * max(len(docs), 1) + doc_of,
                          return_counts=True)
    term_of = pairs // max(len(docs), 1)
    encoded = [d.encode("utf-8") for d in docs]
    return {
        "hashes": hashes[order],
        "indptr": np.concatenate([[0], np.cumsum(np.bincount(term_of, minlength=len(order)))]
                                 ).astype(np.int64),
        "rows": (pairs % max(len(docs), 1)).astype(np.int32),
        "tf": np.minimum(tf, np.iinfo(np.int32).max).astype(np.int32),
        "stream": ids,
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "text": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "text_offsets": np.concatenate([[0], np.cumsum([len(e) for e in encoded])]
                                       ).astype(np.int64),
    }


def write_segment(folder: Path, key: str, docs: list[str]) -> Path:
    """Build the segment of ``docs`` and move it into ``folder / key`` (kept if another
    writer got there first)."""
    target = folder / key
    tmp = folder / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        for name, values in build_arrays(docs).items():
            np.save(tmp / f"{name}.npy", values)
        (tmp / MARKER).write_text(json.dumps({"key": key, "n_docs": len(docs)}))
        try:
            os.rename(tmp, target)
        except OSError:  # written meanwhile by another process
            if Segment.open(target) is None:
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class Segment:
    """A saved segment, its arrays memory-mapped (see the module docstring)."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray]):
        self.path = path
        for name in ARRAYS:
            setattr(self, name, arrays[name])
        self.n_docs = len(self.offsets) - 1
        self.lengths = np.diff(self.offsets)

    @classmethod
    def open(cls, path: Path) -> Segment | None:
        """The segment saved in ``path``; None when there is none or it cannot be read."""
        try:
            marker = json.loads((path / MARKER).read_text())
            arrays = {n: np.load(path / f"{n}.npy", mmap_mode="r") for n in ARRAYS}
        except (OSError, ValueError):
            return None
        segment = cls(path, arrays)
        return segment if segment.n_docs == marker["n_docs"] else None

    def ids(self, hashes: np.ndarray) -> np.ndarray:
        """The ids of the words among ``hashes`` that this segment holds."""
        if not len(self.hashes):
            return np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.hashes, hashes), len(self.hashes) - 1)
        return np.unique(at[self.hashes[at] == hashes])

    def postings(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding any of the words ``ids`` (sorted rows) and how many times."""
        if not len(ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        rows = np.concatenate([self.rows[self.indptr[j]:self.indptr[j + 1]] for j in ids])
        tf = np.concatenate([self.tf[self.indptr[j]:self.indptr[j + 1]] for j in ids])
        found, where = np.unique(rows, return_inverse=True)
        return found.astype(np.int64), np.bincount(where, weights=tf).astype(np.int64)

    def phrase_counts(self, rows: np.ndarray, ids: list[np.ndarray]) -> np.ndarray:
        """How many times the words ``ids[0]``, ``ids[1]``, … follow each other in each of
        the documents ``rows`` (word ``i`` any of the ids in ``ids[i]``)."""
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        lens = ends - starts
        total = int(lens.sum())
        if not total:
            return np.zeros(len(rows), dtype=np.int64)
        positions = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) \
            + np.arange(total)
        tokens, owner = self.stream[positions], np.repeat(np.arange(len(rows)), lens)
        hit = np.ones(total, dtype=bool)
        for shift, wanted in enumerate(ids):
            lut = np.zeros(len(self.hashes), dtype=bool)
            lut[wanted] = True
            ok = np.zeros(total, dtype=bool)
            ok[:total - shift] = lut[tokens[shift:]] & (owner[shift:] == owner[:total - shift])
            hit &= ok
        return np.bincount(owner[hit], minlength=len(rows))

    def document(self, row: int) -> str:
        """Document ``row``'s title and text."""
        return bytes(self.text[self.text_offsets[row]:self.text_offsets[row + 1]]
                     ).decode("utf-8")
