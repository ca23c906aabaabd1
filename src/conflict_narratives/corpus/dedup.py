"""Exact and near-duplicate detection (MinHash LSH over word shingles, datasketch).

Documents are compared on their analysis normalisation (:func:`textnorm.normalize_for_analysis`),
so wire copies that differ only in diacritics, alef forms or case count as exact
duplicates. Near-duplicates are candidate pairs from MinHash LSH confirmed by the exact
Jaccard similarity of their shingle sets, so the threshold means what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

SHINGLE = 3  # words per shingle
NUM_PERM = 128
LSH_SLACK = 0.15
_MASK = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))
_SHIFT = np.uint64(32)


def _word_ids(texts: Sequence[str], chunk: int = 2000) -> list[np.ndarray]:
    """Each text as an array of 64-bit word hashes (pandas' ``hash_array``, the same in
    every process), so a word has one id in every partition of a corpus; hashed a chunk of
    texts at a time so memory stays bounded."""
    out: list[np.ndarray] = []
    for start in range(0, len(texts), chunk):
        words = [t.split() for t in texts[start : start + chunk]]
        flat = np.asarray(list(chain.from_iterable(words)), dtype=object)
        hashed = pd.util.hash_array(flat) if len(flat) else np.zeros(0, dtype=np.uint64)
        bounds = np.cumsum([0] + [len(w) for w in words])
        out += [hashed[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
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
    rng = np.random.default_rng(1)
    return (rng.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1),
            rng.integers(0, 2**63, num_perm, dtype=np.uint64))


def _signature(sh: np.ndarray, perm_a: np.ndarray, perm_b: np.ndarray) -> np.ndarray:
    return ((sh[:, None] * perm_a + perm_b) >> _SHIFT).min(axis=0)  # multiply-shift hashing


def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows per band)`` of the LSH index :func:`find_duplicates` uses."""
    lsh = MinHashLSH(threshold=max(0.05, threshold - LSH_SLACK), num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(texts: Sequence[str], threshold: float, num_perm: int = NUM_PERM
              ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """For partitioned corpora: each text's shingles, and one key per (text, LSH band)
    (``positions``, ``keys``; band number mixed into the key). Two texts share a key exactly
    when :func:`find_duplicates`' LSH index would offer one as a candidate for the other
    (up to 64-bit hash collisions, which only add candidates: pairs are checked exactly)."""
    bands, rows = lsh_bands(threshold, num_perm)
    perm_a, perm_b = _permutations(num_perm)
    shingles = [_shingles(ids) for ids in _word_ids(texts)]
    pos, keys = [], []
    mix = np.uint64(0x100000001B3)
    for i, sh in enumerate(shingles):
        if not len(sh):
            continue
        sig = _signature(sh, perm_a, perm_b)[: bands * rows].reshape(bands, rows)
        key = np.arange(bands, dtype=np.uint64) + np.uint64(0xCBF29CE484222325)
        for k in range(rows):
            key = (key ^ sig[:, k]) * mix
        pos.append(np.full(bands, i))
        keys.append(key)
    if not keys:
        return shingles, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return shingles, np.concatenate(pos), np.concatenate(keys)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (sorted, unique)."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def find_duplicates(
    texts: Sequence[str],
    order: Sequence[int] | None = None,
    threshold: float = 0.9,
    num_perm: int = NUM_PERM,
) -> pd.DataFrame:
    """Find duplicates among normalised ``texts``.

    ``order`` gives the preference: documents earlier in it are kept and later ones are
    marked (default: input order). Returns one row per duplicate with columns ``index``
    (position in ``texts``), ``duplicate_of`` (position of the kept document), ``kind``
    (``exact`` | ``near``) and ``jaccard``.
    """
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
