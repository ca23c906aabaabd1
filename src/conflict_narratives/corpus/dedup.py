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

SHINGLE = 3  # words per shingle
NUM_PERM = 128
LSH_SLACK = 0.15
_MASK = np.uint64(0xFFFFFFFF)
_MIX = (np.uint64(0x9E3779B1), np.uint64(0x85EBCA77), np.uint64(0xC2B2AE3D))
_SHIFT = np.uint64(32)


def _word_ids(texts: Sequence[str], chunk: int = 2000) -> list[np.ndarray]:
    """Each text as an array of word ids shared across the texts. Words are factorised a
    chunk of texts at a time (pandas, C speed) so memory stays bounded on large corpora."""
    vocab: dict[str, int] = {}
    out: list[np.ndarray] = []
    for start in range(0, len(texts), chunk):
        words = [t.split() for t in texts[start : start + chunk]]
        codes, uniques = pd.factorize(pd.Series(list(chain.from_iterable(words)), dtype=object))
        ids = np.array([vocab.setdefault(w, len(vocab)) for w in uniques], dtype=np.uint64)
        flat = ids[codes] if len(codes) else np.zeros(0, dtype=np.uint64)
        bounds = np.cumsum([0] + [len(w) for w in words])
        out += [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return out


def _shingles(ids: np.ndarray) -> np.ndarray:
    """Distinct 32-bit hashes of the word ``SHINGLE``-grams (one shingle of the whole text
    when shorter; none for an empty text)."""
    width = min(SHINGLE, len(ids))
    h = np.zeros(len(ids) - width + 1 if width else 0, dtype=np.uint64)
    for k in range(width):
        h = (h * _MIX[k] + ids[k : len(ids) - width + 1 + k] + np.uint64(1)) & _MASK
    return np.unique(h)


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
    rng = np.random.default_rng(1)
    perm_a = rng.integers(1, 2**63, num_perm, dtype=np.uint64) | np.uint64(1)
    perm_b = rng.integers(0, 2**63, num_perm, dtype=np.uint64)
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
        sig = ((sh[:, None] * perm_a + perm_b) >> _SHIFT).min(axis=0)  # multiply-shift hashing
        mh = MinHash(
            num_perm=num_perm, hashvalues=sig, permutations=(perm_a, perm_b), scheme="legacy"
        )
        best, best_j = -1, 0.0
        for j in lsh.query(mh):
            other = kept_shingles[j]
            inter = len(np.intersect1d(sh, other, assume_unique=True))
            jac = inter / (len(sh) + len(other) - inter)
            if jac >= threshold and jac > best_j:
                best, best_j = j, jac
        if best >= 0:
            rows.append((i, best, "near", round(best_j, 4)))
        else:
            lsh.insert(i, mh)
            kept_shingles[i] = sh
    return pd.DataFrame(rows, columns=["index", "duplicate_of", "kind", "jaccard"])
