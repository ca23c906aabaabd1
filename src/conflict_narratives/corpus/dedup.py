"""Exact and near-duplicate detection (MinHash LSH over word shingles, datasketch).

Documents are compared on their analysis normalisation (:func:`textnorm.normalize_for_analysis`),
so wire copies that differ only in diacritics, alef forms or case count as exact
duplicates. Near-duplicates are candidate pairs from MinHash LSH confirmed by the exact
Jaccard similarity of their shingle sets, so the threshold means what it says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd

SHINGLE = 3  # words per shingle
NUM_PERM = 128
LSH_SLACK = 0.15
_MASK = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))
_SHIFT = np.uint64(32)


def _word_ids(texts: Sequence[str], chunk: int = 2000) -> list[np.ndarray]:
    """Each text as an array of 64-bit word hashes (pandas' ``hash_array``, the same in
    every process and call), so texts shingled apart — in other partitions of a corpus, a
    corpus last month and an update today — are comparable; hashed a chunk of texts at a
    time so memory stays bounded."""
    out: list[np.ndarray] = []
    for start in range(0, len(texts), chunk):
        words = [t.split() for t in texts[start : start + chunk]]
        flat = np.asarray(list(chain.from_iterable(words)), dtype=object)
        ids = pd.util.hash_array(flat, categorize=True) if len(flat) else \
            np.zeros(0, dtype=np.uint64)
        bounds = np.cumsum([0] + [len(w) for w in words])
        out += [ids[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return out


def _shingles(ids: np.ndarray) -> np.ndarray:
    """Distinct 32-bit hashes of the word ``SHINGLE``-grams (one shingle of the whole text
    when shorter; none for an empty text)."""
    width = min(SHINGLE, len(ids))
    h = np.zeros(len(ids) - width + 1 if width else 0, dtype=np.uint64)
    for k in range(width):
        h = (h * _MIX[k] + ids[k : len(ids) - width + 1 + k] + np.uint64(1)) & _MASK
    return np.unique(h)


def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed (seeded) multiply-shift hash family of every signature."""
    rng = np.random.default_rng(1)
    perm_a = rng.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1)
    return perm_a, rng.integers(0, 2**63, num_perm, dtype=np.uint64)


def _signature(sh: np.ndarray, perm_a: np.ndarray, perm_b: np.ndarray) -> np.ndarray:
    """The MinHash signature of a shingle set (multiply-shift hashing, values < 2**32)."""
    return ((sh[:, None] * perm_a + perm_b) >> _SHIFT).min(axis=0)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (sorted, unique)."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def find_duplicates(
    texts: Sequence[str],
    order: Sequence[int] | None = None,
    threshold: float = 0.9,
    num_perm: int = NUM_PERM,
    min_words: int = 0,
) -> pd.DataFrame:
    """Find duplicates among normalised ``texts``.

    ``order`` gives the preference: documents earlier in it are kept and later ones are
    marked (default: input order). Texts shorter than ``min_words`` words are only checked
    for exact copies: in a short templated record (an event's one-line description) one
    different word — the date, the village — is a different record, not a near copy.
    Returns one row per duplicate with columns ``index``
    (position in ``texts``), ``duplicate_of`` (position of the kept document), ``kind``
    (``exact`` | ``near``) and ``jaccard``.
    """
    from datasketch import MinHash, MinHashLSH  # here: a saved corpus never needs it

    order = list(range(len(texts))) if order is None else list(order)
    rows: list[tuple[int, int, str, float]] = []
    first_seen: dict[str, int] = {}
    # LSH runs at a lower threshold than asked, so pairs just above it are found with near
    # certainty; the exact Jaccard check below then applies the real threshold.
    lsh = (
        MinHashLSH(threshold=max(0.05, threshold - LSH_SLACK), num_perm=num_perm)
        if threshold < 1
        else None
    )
    kept_shingles: dict[int, np.ndarray] = {}
    ids = _word_ids(texts) if lsh is not None else []
    perm_a, perm_b = _permutations(num_perm)
    for i in order:
        text = texts[i]
        if text in first_seen:
            rows.append((i, first_seen[text], "exact", 1.0))
            continue
        first_seen[text] = i
        if lsh is None:
            continue
        if len(ids[i]) < min_words:
            continue
        sh = _shingles(ids[i])
        if not len(sh):
            continue
        sig = _signature(sh, perm_a, perm_b)
        mh = MinHash(
            num_perm=num_perm, hashvalues=sig, permutations=(perm_a, perm_b), scheme="legacy"
        )
        best, best_j = -1, 0.0
        for j in lsh.query(mh):
            jac = jaccard(sh, kept_shingles[j])
            if jac >= threshold and jac > best_j:
                best, best_j = j, jac
        if best >= 0:
            rows.append((i, best, "near", round(best_j, 4)))
        else:
            lsh.insert(i, mh)
            kept_shingles[i] = sh
    return pd.DataFrame(rows, columns=["index", "duplicate_of", "kind", "jaccard"])


def text_key(text: str) -> str:
    """Exact-duplicate key of a normalised text (sha1 of its UTF-8 bytes)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _bands_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands × rows of the LSH datasketch would use for ``threshold`` (minus the slack)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=max(0.05, threshold - LSH_SLACK), num_perm=num_perm)
    return lsh.b, lsh.r


def shingle_sets(texts: Sequence[str], min_words: int = 0) -> list[np.ndarray]:
    """Each normalised text's shingle set; empty for a text shorter than ``min_words``
    words (only ever an exact duplicate, as in :func:`find_duplicates`)."""
    return [_shingles(ids) if len(ids) >= min_words else ids[:0] for ids in _word_ids(texts)]


def band_keys(shingles: Sequence[np.ndarray], threshold: float, num_perm: int = NUM_PERM
              ) -> np.ndarray:
    """``(n, bands)`` LSH band hashes of each shingle set's MinHash signature (the bands of
    :func:`find_duplicates`' index; the band's number is part of its key): two texts share
    a key when that index would offer one as a candidate for the other (a 64-bit collision
    only adds a candidate: pairs are checked exactly). 0 for an empty set."""
    b, r = _bands_shape(threshold, num_perm)
    perm_a, perm_b = _permutations(num_perm)
    out = np.zeros((len(shingles), b), dtype=np.uint64)
    for i, sh in enumerate(shingles):
        if not len(sh):
            continue
        sig = _signature(sh, perm_a, perm_b)[: b * r].reshape(b, r)
        h = np.arange(1, b + 1, dtype=np.uint64)
        for k in range(r):
            h = h * _MIX[k % len(_MIX)] + sig[:, k] + np.uint64(1)
        out[i] = np.where(h == 0, np.uint64(1), h)
    return out


class DuplicateIndex:
    """What new documents are checked against: each known document's exact key and LSH band
    keys, kept on disk beside the corpus, so a daily update never re-hashes the corpus.

    :meth:`query` flags new texts equal (after normalisation) to a known one, or whose
    LSH candidates pass the exact Jaccard check (the known texts of those few candidates are
    asked for by position) — the same rule :func:`find_duplicates` applies within a load.
    """

    def __init__(self, keys: Sequence[str], bands: np.ndarray, threshold: float = 0.9):
        self.keys = list(keys)
        self.bands = np.asarray(bands, dtype=np.uint64).reshape(len(self.keys), -1)
        self.threshold = float(threshold)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(cls, texts: Sequence[str], threshold: float = 0.9) -> DuplicateIndex:
        """The index of normalised ``texts`` (positions are row numbers)."""
        bands = band_keys(shingle_sets(texts), threshold) if threshold < 1 else \
            np.zeros((len(texts), 0))
        return cls([text_key(t) for t in texts], bands, threshold)

    def extend(self, texts: Sequence[str]) -> DuplicateIndex:
        """A new index with ``texts`` appended (their positions follow the known ones)."""
        more = DuplicateIndex.build(texts, self.threshold)
        return DuplicateIndex(self.keys + more.keys, np.vstack([self.bands, more.bands]),
                              self.threshold)

    def query(self, texts: Sequence[str], known_text) -> pd.DataFrame:
        """Which of ``texts`` repeat a known document: rows ``index`` (in ``texts``),
        ``duplicate_of`` (known position), ``kind`` (exact | near), ``jaccard``.
        ``known_text(position)`` returns a known document's normalised text."""
        first = {}
        for pos, key in enumerate(self.keys):
            first.setdefault(key, pos)
        rows = [(i, first[k], "exact", 1.0) for i, k in enumerate(map(text_key, texts))
                if k in first]
        exact = {r[0] for r in rows}
        rest = [i for i in range(len(texts)) if i not in exact]
        if rest and self.threshold < 1 and len(self.keys):
            rows += self._near(rest, [texts[i] for i in rest], known_text)
        return pd.DataFrame(sorted(rows), columns=["index", "duplicate_of", "kind", "jaccard"])

    def _near(self, positions: list[int], texts: list[str], known_text) -> list[tuple]:
        new = DuplicateIndex.build(texts, self.threshold).bands
        known = pd.DataFrame({"band": np.tile(np.arange(self.bands.shape[1]), len(self.keys)),
                              "key": self.bands.ravel(),
                              "pos": np.repeat(np.arange(len(self.keys)), self.bands.shape[1])})
        asked = pd.DataFrame({"band": np.tile(np.arange(new.shape[1]), len(texts)),
                              "key": new.ravel(),
                              "i": np.repeat(np.arange(len(texts)), new.shape[1])})
        pairs = asked[asked["key"] != 0].merge(known[known["key"] != 0], on=["band", "key"])
        rows = []
        for i, cands in pairs.groupby("i")["pos"]:
            sh = shingle_sets([texts[i]])[0]
            known = sorted(set(cands.tolist()))
            scored = [(jaccard(sh, _shingles(ids)), p) for p, ids in
                      zip(known, _word_ids([known_text(p) for p in known]), strict=True)]
            best_j, best = max(scored, key=lambda s: (s[0], -s[1]))
            if best_j >= self.threshold:
                rows.append((positions[int(i)], best, "near", round(best_j, 4)))
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per known document: ``key`` and ``band_<j>`` (for Parquet)."""
        frame = pd.DataFrame(self.bands, columns=[f"band_{j}" for j in range(self.bands.shape[1])])
        frame.insert(0, "key", self.keys)
        return frame

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, threshold: float) -> DuplicateIndex:
        bands = frame[[c for c in frame.columns if c.startswith("band_")]].to_numpy(np.uint64)
        return cls(frame["key"].tolist(), bands, threshold)
