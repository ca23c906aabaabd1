"""The word index of a corpus: its :class:`segment.Segment` s in corpus order, each kept in
the store under a key of what it holds, and queries scored by BM25.

A segment's key hashes the code that makes it (:data:`CODE`) and its documents: in
process, the doc ids and texts of a run of ``search.segment_rows`` rows (so after an
``update`` appends documents, only the last, grown run and the new ones are indexed); on a
partitioned corpus, the corpus version and the partition (indexed on the workers, the
texts never gathered). The index is opened, not rebuilt, while its segments are current; a
segment no index uses is evicted once more than ``store.keep_versions`` times the index's
segments are kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from conflict_narratives.common.vectorize import documents
from conflict_narratives.search.query import Phrase
from conflict_narratives.search.segment import Segment, write_segment
from conflict_narratives.search.terms import term_hashes
from conflict_narratives.store import code_fingerprint, make_key

log = logging.getLogger(__name__)
# the code a segment's content depends on (a change to ranking or snippets keeps it)
CODE = ("search/terms", "search/segment", "common")


@dataclass(frozen=True)
class Source:
    """A segment to be: its key, and how to read its documents (picklable, for workers)."""

    key: str
    read: partial


def _frame_docs(frame: pd.DataFrame) -> list[str]:
    return documents(frame)


def _part_docs(parts, i: int) -> list[str]:
    import pyarrow.parquet as pq

    names = pq.read_schema(parts.paths[i]).names
    return documents(parts.read(i, [c for c in ("title", "text") if c in names]))


def frame_sources(corpus: pd.DataFrame, rows: int) -> list[Source]:
    """Segments of an in-memory corpus: runs of ``rows`` rows, keyed on their content."""
    code = code_fingerprint(*CODE)
    out = []
    for start in range(0, len(corpus), rows):
        frame = corpus.iloc[start:start + rows]
        digest = hashlib.sha256()
        for doc_id, doc in zip(frame["doc_id"].astype(str), documents(frame), strict=True):
            digest.update(f"{doc_id}\0{doc}\0".encode())
        out.append(Source(make_key(code=code, docs=digest.hexdigest()),
                          partial(_frame_docs, frame)))
    return out


def part_sources(parts, corpus_key: str) -> list[Source]:
    """Segments of a partitioned corpus (``corpus.parts.Parts``): one per partition."""
    code = code_fingerprint(*CODE)
    return [Source(make_key(code=code, corpus=corpus_key, part=i, rows=n),
                   partial(_part_docs, parts, i)) for i, n in enumerate(parts.rows)]


def _build_task(source: Source, folder: Path) -> str:
    write_segment(folder, source.key, source.read())
    return source.key


def open_index(folder: Path, sources: list[Source], *, keep_versions: int = 4,
               client=None, progress: bool = False, **bm25: float) -> WordIndex:
    """The index of ``sources``: saved segments opened, missing ones built (on ``client``'s
    workers when given) and saved in ``folder``; ``bm25``: ``k1``, ``b``."""
    from conflict_narratives.compute import run_tasks

    folder.mkdir(parents=True, exist_ok=True)
    segments = {s.key: Segment.open(folder / s.key) for s in sources}
    missing = [s for s in sources if segments[s.key] is None]
    if missing:
        log.info("search index: building %d of %d segments", len(missing), len(sources))
        for source in missing:
            shutil.rmtree(folder / source.key, ignore_errors=True)  # unreadable
        run_tasks(client, _build_task, missing, desc="search index", progress=progress,
                  folder=folder)
        segments |= {s.key: Segment.open(folder / s.key) for s in missing}
    for key in segments:
        os.utime(folder / key)  # in use: evicted last
    _evict(folder, keep=keep_versions * max(len(sources), 1))
    return WordIndex([segments[s.key] for s in sources], built=len(missing), **bm25)


def _evict(folder: Path, keep: int) -> None:
    """All but the ``keep`` most recently used segments removed, and what a build killed
    over an hour ago left."""
    found = sorted((p for p in folder.iterdir() if p.is_dir()),
                   key=lambda p: p.stat().st_mtime_ns, reverse=True)
    done = [p for p in found if not p.name.startswith(".")]
    stale = [p for p in found if p.name.startswith(".tmp-")
             and time.time() - p.stat().st_mtime > 3600]
    for path in done[keep:] + stale:
        shutil.rmtree(path, ignore_errors=True)


class WordIndex:
    """Segments in corpus order; :meth:`match` evaluates a parsed query over them."""

    def __init__(self, segments: list[Segment], built: int = 0, k1: float = 1.2,
                 b: float = 0.75):
        self.segments, self.built, self.k1, self.b = segments, built, k1, b
        self.starts = np.concatenate([[0], np.cumsum([s.n_docs for s in segments])]
                                     ).astype(np.int64)
        self.n_docs = int(self.starts[-1])
        self.lengths = np.concatenate([s.lengths for s in segments]) if segments \
            else np.zeros(0, dtype=np.int64)
        self.avg_length = float(self.lengths.mean()) if self.n_docs else 0.0

    def document(self, position: int) -> str:
        """The title and text of the document at corpus ``position``."""
        s = int(np.searchsorted(self.starts, position, side="right")) - 1
        return self.segments[s].document(int(position - self.starts[s]))

    def occurrences(self, phrase: Phrase) -> tuple[np.ndarray, np.ndarray]:
        """The corpus positions holding ``phrase`` (sorted) and how often each holds it."""
        wanted = [term_hashes(f) for f in phrase.forms()]
        found, counts = [], []
        for start, seg in zip(self.starts, self.segments, strict=False):
            ids = [seg.ids(h) for h in wanted]
            rows, tf = seg.postings(ids[0])
            for more in ids[1:]:  # documents holding every word, then the order checked
                keep = np.isin(rows, seg.postings(more)[0])
                rows, tf = rows[keep], tf[keep]
            if len(ids) > 1 and len(rows):
                tf = seg.phrase_counts(rows, ids)
                rows = rows[tf > 0]
                tf = tf[tf > 0]
            found.append(rows + start)
            counts.append(tf)
        return np.concatenate(found), np.concatenate(counts)

    def match(self, tree) -> tuple[np.ndarray, np.ndarray]:
        """Which documents match the parsed query ``tree`` (a boolean mask over corpus
        positions) and their scores: the BM25 of each phrase not under ``NOT`` that they
        hold, summed."""
        if isinstance(tree, Phrase):
            rows, tf = self.occurrences(tree)
            mask, score = np.zeros(self.n_docs, dtype=bool), np.zeros(self.n_docs)
            mask[rows] = True
            score[rows] = self._bm25(rows, tf)
            return mask, score
        parts = [self.match(item) for item in tree.items]
        if tree.op == "NOT":
            return ~parts[0][0], np.zeros(self.n_docs)
        masks = np.array([m for m, _ in parts])
        mask = masks.all(axis=0) if tree.op == "AND" else masks.any(axis=0)
        return mask, np.where(mask, np.sum([s for _, s in parts], axis=0), 0.0)

    def _bm25(self, rows: np.ndarray, tf: np.ndarray) -> np.ndarray:
        n = len(rows)
        idf = np.log(1 + (self.n_docs - n + 0.5) / (n + 0.5))
        norm = self.k1 * (1 - self.b + self.b * self.lengths[rows] / max(self.avg_length, 1))
        return idf * tf * (self.k1 + 1) / (tf + norm)

