"""Documents counted once: a document-term matrix any topic grouping is summed from.

BERTopic's c-TF-IDF joins each topic's documents into one string and counts it again — on
every fit, topic update, ``topics_per_class`` and each merge of ``hierarchical_topics``:
six readings of every document on a 30,000-article corpus, each normalising and tokenising
all of it. :class:`PrecountedVectorizer` is a ``CountVectorizer`` that has counted each
document once (:func:`count_documents`); asked to count a text made of those documents
joined by spaces, it recognises them and sums their rows, adding the n-grams that span
two documents at a join, so the counts are identical to reading the text. Any other text
is read as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

_PREFIX = 48  # characters that index a document for recognition inside a joined text


def csr_arrays(m: sparse.csr_matrix) -> dict[str, np.ndarray]:
    """A count matrix as plain arrays (``data``, ``indices``, ``indptr``, ``shape``) for
    ``np.savez``; :func:`csr_from_arrays` reads them back."""
    return {"data": m.data.astype(np.int32), "indices": m.indices.astype(np.int32),
            "indptr": m.indptr.astype(np.int64), "shape": np.array(m.shape)}


def csr_from_arrays(a) -> sparse.csr_matrix:
    return sparse.csr_matrix((a["data"].astype(np.int64), a["indices"], a["indptr"]),
                             shape=tuple(a["shape"]))


@dataclass
class DocTermCounts:
    """Counts of each document's terms (``matrix``, documents × ``vocabulary``) and, for the
    n-grams across joins, each document's first and last ``max_n - 1`` words (after stop
    words) and its number of words."""

    vocabulary: list[str]
    matrix: sparse.csr_matrix
    heads: list[tuple[str, ...]]
    tails: list[tuple[str, ...]]
    lengths: np.ndarray

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Plain arrays (for ``np.savez``; no pickling)."""
        return {"vocabulary": np.array(self.vocabulary, dtype=str), **csr_arrays(self.matrix),
                "heads": np.array(["\t".join(h) for h in self.heads], dtype=str),
                "tails": np.array(["\t".join(t) for t in self.tails], dtype=str),
                "lengths": self.lengths.astype(np.int64)}

    @classmethod
    def from_arrays(cls, a) -> DocTermCounts:
        matrix = csr_from_arrays(a)
        split = [lambda s: tuple(s.split("\t")) if s else ()] * 2
        return cls([str(w) for w in a["vocabulary"]], matrix,
                   [split[0](s) for s in a["heads"]], [split[1](s) for s in a["tails"]],
                   np.asarray(a["lengths"]))


def count_documents(vectorizer: CountVectorizer, docs: Sequence[str]) -> DocTermCounts:
    """Each document of ``docs`` counted by ``vectorizer`` (a word analyzer with a
    vocabulary, e.g. :func:`vectorize.make_vectorizer`): the matrix equals
    ``vectorizer.transform(docs)``."""
    vectorizer._validate_vocabulary()
    vocab = vectorizer.vocabulary_
    preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    stop = vectorizer.get_stop_words() or frozenset()
    edge = max(1, vectorizer.ngram_range[1] - 1)
    indices: list[int] = []
    indptr, heads, tails, lengths = [0], [], [], []
    for doc in docs:
        words = [w for w in tokenize(preprocess(doc)) if w not in stop]
        heads.append(tuple(words[:edge]))
        tails.append(tuple(words[-edge:]))
        lengths.append(len(words))
        indices.extend(i for g in vectorizer._word_ngrams(words) if (i := vocab.get(g)) is not None)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((np.ones(len(indices), dtype=np.int64), indices, indptr),
                               shape=(len(indptr) - 1, len(vocab)))
    matrix.sum_duplicates()
    terms = sorted(vocab, key=vocab.get)
    return DocTermCounts(terms, matrix, heads, tails, np.asarray(lengths, dtype=np.int64))


def _clean(text: str) -> str:
    """What BERTopic's ``_preprocess_text`` does to a text before counting it (the word
    analyzer folds whitespace anyway, so the counts do not change)."""
    return text.replace("\n", " ").replace("\t", " ")


class PrecountedVectorizer(CountVectorizer):
    """A ``CountVectorizer`` (same parameters, fixed ``vocabulary``) that, once
    :meth:`precount` has been given the corpus's documents, counts texts made of them without
    reading them again. Fitting with a fixed vocabulary only validates it (as
    ``CountVectorizer`` does), so ``fit_transform`` is :meth:`transform`."""

    def precount(self, docs: Sequence[str], counts: DocTermCounts | None = None
                 ) -> PrecountedVectorizer:
        """Learn ``docs`` (their counts from ``counts`` when given, else counted now)."""
        if self.vocabulary is None:
            raise ValueError("a PrecountedVectorizer needs a fixed vocabulary")
        self._validate_vocabulary()
        counts = counts or count_documents(self, docs)
        if counts.vocabulary != [t for t, _ in sorted(self.vocabulary_.items(),
                                                       key=lambda kv: kv[1])]:
            raise ValueError("the counts were made with another vocabulary")
        if counts.matrix.shape[0] != len(docs):
            raise ValueError(f"{counts.matrix.shape[0]} counted documents, {len(docs)} given")
        self.counts_ = counts
        self._docs = [_clean(d) for d in docs]
        self._long: dict[str, list[int]] = {}
        self._short: dict[str, int] = {}
        for row in sorted(range(len(docs)), key=lambda r: -len(self._docs[r])):
            doc = self._docs[row]
            if len(doc) >= _PREFIX:
                self._long.setdefault(doc[:_PREFIX], []).append(row)
            elif doc:
                self._short.setdefault(doc, row)
        self._short_lengths = sorted({len(d) for d in self._short}, reverse=True)
        self._has_empty = any(not d for d in self._docs)
        return self

    def _match(self, text: str, pos: int) -> int | None:
        n = len(text)
        for row in self._long.get(text[pos:pos + _PREFIX], ()):
            end = pos + len(self._docs[row])
            if text.startswith(self._docs[row], pos) and (end == n or text[end] == " "):
                return row
        for length in self._short_lengths:
            end = pos + length
            if end <= n and (end == n or text[end] == " ") and text[pos:end] in self._short:
                return self._short[text[pos:end]]
        return None

    def _decompose(self, text: str) -> list[int] | None:
        """The documents ``text`` is made of, in order (None when it is not such a text)."""
        rows, pos, n = [], 0, len(text)
        while pos < n:
            row = self._match(text, pos)
            if row is None:
                if self._has_empty and text[pos] == " ":  # an empty document at a join
                    pos += 1
                    continue
                return None
            rows.append(row)
            pos += len(self._docs[row]) + 1
        return rows or None

    def _joins(self, rows: list[int]) -> list[int]:
        """Vocabulary ids of the n-grams that start in one document and end in a later one."""
        counts, vocab = self.counts_, self.vocabulary_
        lo, hi = self.ngram_range
        edge = max(1, hi - 1)
        out: list[int] = []
        tail: tuple[str, ...] = ()
        for row in rows:
            if counts.lengths[row] == 0:
                continue
            head = counts.heads[row]
            for n in range(max(lo, 2), hi + 1):
                for k in range(max(1, n - len(head)), min(n - 1, len(tail)) + 1):
                    gram = " ".join(tail[len(tail) - k:] + head[:n - k])
                    if (i := vocab.get(gram)) is not None:
                        out.append(i)
            whole = counts.lengths[row] <= edge
            tail = (tail + head)[-edge:] if whole else counts.tails[row]
        return out

    def transform(self, raw_documents):
        if not hasattr(self, "counts_"):
            return super().transform(raw_documents)
        texts = list(raw_documents)
        member_rows, member_cols, join_rows, join_cols, unknown = [], [], [], [], []
        for i, text in enumerate(texts):
            rows = self._decompose(_clean(text)) if isinstance(text, str) else None
            if rows is None:
                unknown.append(i)
                continue
            member_rows += [i] * len(rows)
            member_cols += rows
            joins = self._joins(rows) if len(rows) > 1 and self.ngram_range[1] > 1 else []
            join_rows += [i] * len(joins)
            join_cols += joins
        shape = (len(texts), len(self.vocabulary_))
        member = sparse.csr_matrix((np.ones(len(member_rows), dtype=np.int64),
                                    (member_rows, member_cols)),
                                   shape=(len(texts), self.counts_.matrix.shape[0]))
        out = member @ self.counts_.matrix + sparse.csr_matrix(
            (np.ones(len(join_rows), dtype=np.int64), (join_rows, join_cols)), shape=shape)
        if unknown:
            read = super().transform([texts[i] for i in unknown]).tocoo()
            out = out + sparse.csr_matrix(
                (read.data, (np.asarray(unknown)[read.row], read.col)), shape=shape)
        out = sparse.csr_matrix(out, dtype=self.dtype)
        out.sort_indices()
        return out

    def fit_transform(self, raw_documents, y=None):
        if not hasattr(self, "counts_"):
            return super().fit_transform(raw_documents, y)
        self._validate_vocabulary()
        return self.transform(raw_documents)

    def fit(self, raw_documents, y=None):
        self.fit_transform(raw_documents, y)
        return self


def count_words(docs: Sequence[str]) -> DocTermCounts:
    """Every word of each document (the analysis vectorizer's words, stop words removed, no
    minimum count): what a ``CountVectorizer`` with ``min_df`` fitted on any subset of the
    documents counts, as columns of this matrix (:func:`restrict`)."""
    from conflict_narratives.common.vectorize import make_vectorizer

    vectorizer = make_vectorizer(len(docs), min_df=1, ngram_range=(1, 1))
    matrix = sparse.csr_matrix(vectorizer.fit_transform(docs))
    return DocTermCounts(vectorizer.get_feature_names_out().tolist(), matrix,
                         [()] * len(docs), [()] * len(docs),
                         np.asarray(matrix.sum(axis=1)).ravel())


def restrict(counts: DocTermCounts, rows: np.ndarray, min_df: int
             ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The counts of documents ``rows`` over the words found in at least ``min_df`` of them:
    ``(matrix, words)``, as ``CountVectorizer(min_df=min_df).fit_transform`` of those
    documents gives them (words in sorted order)."""
    part = counts.matrix[rows]
    keep = np.flatnonzero(np.asarray((part > 0).sum(axis=0)).ravel() >= min_df)
    return part[:, keep], np.asarray(counts.vocabulary, dtype=object)[keep]


def count_terms(docs: Sequence[str], ngram_range: tuple[int, int] = (1, 2)) -> DocTermCounts:
    """Each document's terms (the analysis vectorizer's 1..n-grams) over every term found in
    at least two documents: what a ``CountVectorizer`` with ``min_df >= 2`` fitted on any
    subset counts, as columns of this matrix (:func:`restrict`)."""
    from conflict_narratives.common.vectorize import fit_vocabulary, make_vectorizer

    vocabulary = fit_vocabulary(docs, 2, ngram_range)
    return count_documents(make_vectorizer(len(docs), 2, ngram_range, vocabulary), docs)


def cached_counts(kind: str, corpus, n_docs: int, key_parts: dict, store, *,
                  max_chars: int | None = None, max_bytes: float | None = None
                  ) -> DocTermCounts:
    """Each document's words counted once and kept in ``store`` under a key of ``key_parts``
    (what identifies the documents), the analysis code and scikit-learn's version: ``kind``
    ``"words"`` (every word, :func:`count_words`) or ``"leads"`` (1–2-grams of the title and
    first ``max_chars`` characters, :func:`count_terms`). ``corpus()`` (the table) is called
    only when not kept."""
    from importlib.metadata import version

    from conflict_narratives.common.vectorize import documents
    from conflict_narratives.store import code_fingerprint, make_key

    count = {"words": count_words, "leads": count_terms}[kind]

    def compute() -> dict:
        df = corpus()
        if max_chars is not None:
            df = df.assign(text=df["text"].fillna("").astype(str).str[:max_chars])
        return count(documents(df)).to_arrays()

    key = make_key(kind=kind, parts=key_parts | {"max_chars": max_chars},
                   code=code_fingerprint("common"), sklearn=version("scikit-learn"))
    return DocTermCounts.from_arrays(store.cached_arrays(
        kind, key, compute, rows=("lengths", n_docs), max_bytes=max_bytes))
