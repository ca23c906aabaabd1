"""Junk topics and labels that lean on one document.

Markup, code and site furniture that survive cleaning can still form a topic ("href ·
nbsp · quot"), and one long odd document (a uuencoded post, an assembly listing) can lend
a topic its top words. After the fit each topic's top words are checked
(:func:`junk_reason`): mostly non-words (markup/code tokens, digits only, very long tokens,
digits mixed with letters, underscores), or mostly words found in a single document of the
topic. Those topics are flagged (``junk``, ``junk_reason`` in ``topic_info``) and logged.
Labels (:func:`label_words`) skip words found in only one of the topic's documents.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

MARKUP = frozenset(
    "href nbsp quot amp div span px src img http https www html htm css js php jpg jpeg png "
    "gif svg var const typeof onclick onload jquery javascript getelementbyid innerhtml "
    "iframe tbody td tr br ul li utf charset xmlns".split())
MAX_WORD_CHARS = 24  # longer tokens are not words (base64, URLs glued together)


def is_non_word(term: str) -> bool:
    """Whether a topic term (a word or an n-gram: any part counts) is not a word."""
    for part in term.split():
        digits = any(c.isdigit() for c in part)
        if (part.lower() in MARKUP or len(part) > MAX_WORD_CHARS or "_" in part
                or (digits and (part.isdigit() or any(c.isalpha() for c in part)))):
            return True
    return False


def topic_doc_freq(matrix: sparse.csr_matrix, index: dict[str, int], topics: np.ndarray,
                   words: dict[int, list[str]]) -> dict[int, list[int]]:
    """For each topic's ``words``, the number of the topic's documents holding each
    (``matrix``: documents × terms counts; ``index``: term → column; a term not in it: 0)."""
    present = sparse.csr_matrix(matrix > 0, dtype=np.int32)
    out = {}
    for t, ws in words.items():
        cols = [index.get(w, -1) for w in ws]
        known = [c for c in cols if c >= 0]
        rows = present[np.flatnonzero(topics == t)]
        counts = np.asarray(rows[:, known].sum(axis=0)).ravel() if known else []
        found = dict(zip(known, counts, strict=True))
        out[t] = [int(found.get(c, 0)) for c in cols]
    return out


def junk_reason(words: list[str], doc_freq: list[int], share: float = 0.5) -> str:
    """Why a topic with these top ``words`` (and their document frequencies in the topic,
    ``doc_freq``) is junk, or "" when it is not: at least ``share`` of them non-words, or
    found in a single document."""
    if not words:
        return ""
    odd = [w for w in words if is_non_word(w)]
    if len(odd) >= share * len(words):
        return f"non-words: {len(odd)}/{len(words)} top words ({', '.join(odd[:4])})"
    single = [w for w, n in zip(words, doc_freq, strict=True) if n <= 1]
    if len(single) >= share * len(words):
        return (f"single-document words: {len(single)}/{len(words)} top words "
                f"({', '.join(single[:4])})")
    return ""


def label_words(display: list[str], doc_freq: list[int]) -> list[str]:
    """The label's candidates: the topic words (their ``display`` forms) found in at least
    two of its documents; all of them when none is."""
    kept = [w for w, n in zip(display, doc_freq, strict=True) if n >= 2]
    return kept or display
