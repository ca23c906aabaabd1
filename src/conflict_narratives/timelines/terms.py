"""What sets an event apart: the terms of its documents' headlines that the other headlines
of its topic seldom use (a place, a weapon, a name: "Kobani", "convoy", "الحديدة"), so an
event reads as itself rather than as its topic's words of the month.

A term scores its share of the event's headlines times its rarity in the topic
(``log((n + 1) / (df + 1))`` over the topic's ``n`` headlines), must appear in two of the
event's headlines (one when the event has one) and in a larger share of them than of the
topic's (a word every headline of the topic says is not the event's), and a term whose
words a better one already holds is skipped. Headlines are titles, else the text's lead
(:func:`headline`): what both the in-process and the partitioned timelines hold.
The words are the topics stage's normalised, Arabic-aware terms (1–2-grams, stop words out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from conflict_narratives.common.textnorm import lead
from conflict_narratives.common.vectorize import make_vectorizer


def _str(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def headline(row: pd.Series) -> str:
    """A document's title, else its text's lead (:func:`textnorm.lead`)."""
    title = _str(row.get("title")).strip()
    return title or lead(_str(row.get("text")))


def headline_texts(docs: pd.DataFrame) -> list[str]:
    """Each document's headline: its title, else its text's lead."""
    titles = docs["title"].fillna("").astype(str).str.strip() if "title" in docs \
        else pd.Series("", index=docs.index)
    texts = docs["text"].fillna("").astype(str) if "text" in docs \
        else pd.Series("", index=docs.index)
    return [t or lead(x) for t, x in zip(titles, texts, strict=True)]


def headline_terms(docs: pd.DataFrame) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Which terms each of ``docs``' headlines holds (a 0/1 matrix) and the terms."""
    texts = headline_texts(docs)
    try:
        vectorizer = make_vectorizer(len(texts), min_df=1)
        X = vectorizer.fit_transform(texts)
    except ValueError:  # no term left (empty or stop-word-only headlines)
        return sparse.csr_matrix((len(texts), 0)), np.array([], dtype=object)
    X.data[:] = 1
    return X.tocsr(), vectorizer.get_feature_names_out()


def headline_terms_of(docs: pd.DataFrame, rows: np.ndarray, terms: tuple | None = None
                      ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """:func:`headline_terms` of the ``rows`` (a boolean mask) of ``docs``: taken from
    ``terms``, those of all ``docs``, when given (the same 0/1 rows: every term a headline
    holds is kept), else read."""
    if terms is None:
        return headline_terms(docs[rows])
    return terms[0][np.flatnonzero(rows)], terms[1]


def distinctive_terms(X: sparse.csr_matrix, terms: np.ndarray, member: np.ndarray,
                      top_n: int = 10) -> list[str]:
    """The ``top_n`` terms (see the module) of the rows ``member`` (a boolean mask) of
    ``X`` (:func:`headline_terms` of the topic's documents)."""
    n, m = X.shape[0], int(np.sum(member))
    if m == 0 or X.shape[1] == 0:
        return []
    inside = np.asarray(X[np.flatnonzero(member)].sum(axis=0)).ravel()
    every = np.asarray(X.sum(axis=0)).ravel()
    score = inside / m * np.log((n + 1) / (every + 1))
    ok = np.flatnonzero((inside >= min(2, m)) & (inside / m > every / n) & (score > 0))
    picked: list[str] = []
    covered: set[str] = set()
    for i in ok[np.lexsort((terms[ok].astype(str), -score[ok]))]:
        words = set(str(terms[i]).split())
        if words <= covered:
            continue
        picked.append(str(terms[i]))
        covered |= words
        if len(picked) == top_n:
            break
    return picked
