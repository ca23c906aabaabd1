"""Search a corpus: words (the word index, BM25) or meaning (its own embeddings), filtered
by topic, outlet, language and dates; one row a document.

Modes:

- ``"words"``: the query language of :mod:`.query` on the word index (:mod:`.index`);
  documents ranked by BM25, ties in corpus order.
- ``"semantic"``: the query embedded with the corpus's own backend and the documents
  ranked by cosine with their stored embeddings (the corpus is never embedded again).
  USE-M puts Arabic and English in one space, so an English query finds Arabic reports.
- ``"auto"``: words when the query asks for exact matching (quotes, ``AND`` / ``OR`` /
  ``NOT``, parentheses) or when some document passing the filters holds all its words;
  otherwise semantic. The ``mode`` column says which ran.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

from conflict_narratives.common.stopwords import stop_words
from conflict_narratives.search.index import WordIndex
from conflict_narratives.search.query import has_operators, parse, positive
from conflict_narratives.search.snippets import snippet
from conflict_narratives.search.terms import forms, words

MODES = ("auto", "words", "semantic")
TABLE = ("doc_id", "title", "source", "date", "lang")  # the corpus columns it reads
COLUMNS = ("doc_id", "score", "headline", "outlet", "date", "language", "topic",
           "topic_label", "snippet", "mode")


class Searcher:
    """The search of one corpus version (``corpus_key``): its word index, its table
    (``corpus``: at least ``doc_id``; ``title``, ``source``, ``date``, ``lang`` where it
    has them; no texts needed), and lazily: ``matrix()`` the stored embeddings,
    ``backend()`` their embedding backend, ``topics(required)`` a ``TopicResult`` (None
    when none is saved and ``required`` is false)."""

    def __init__(self, index: WordIndex, corpus: pd.DataFrame, *, corpus_key: str,
                 matrix: Callable, backend: Callable, topics: Callable,
                 snippet_chars: int = 240):
        if index.n_docs != len(corpus):
            raise ValueError(f"the search index holds {index.n_docs} documents, the corpus "
                             f"{len(corpus)}")
        self.corpus = corpus[[c for c in TABLE if c in corpus]]  # never the texts
        self.index, self.corpus_key = index, corpus_key
        self._matrix, self._backend, self._topics = matrix, backend, topics
        self.snippet_chars = int(snippet_chars)
        self._topic_table: tuple[np.ndarray, dict] | None = None

    def search(self, query: str, k: int = 50, mode: str = "auto", *, topic=None,
               outlet=None, language=None, since=None, until=None) -> pd.DataFrame:
        """The ``k`` best documents for ``query`` (see the module docstring); ``topic``
        (ids or labels), ``outlet``, ``language`` (ISO codes): one value or a list;
        ``since`` / ``until``: dates, inclusive."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {list(MODES)}")
        if int(k) < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if not str(query).strip():
            raise ValueError("an empty query")
        allowed = self._filter(topic, outlet, language, since, until)
        if mode != "semantic":
            tree = parse(query)
            mask, score = self.index.match(tree)
            mask &= allowed
            if mode == "words" or has_operators(query) or mask.any():
                marks = [[set(f) for f in p.forms()] for p in positive(tree)]
                return self._frame(_top(score, mask, int(k)), score, "words", marks)
        matrix = self._matrix()  # first: a corpus-fitted backend is bound to the corpus
        score = np.asarray(matrix @ self._query_backend.embed([str(query)])[0],
                           dtype=np.float64)
        marks = [[set(forms(w))] for w in words(query) if len(w) > 1 and w not in stop_words()]
        return self._frame(_top(score, allowed, int(k)), score, "semantic", marks)

    # ------------------------------------------------------------ filters
    def _filter(self, topic, outlet, language, since, until) -> np.ndarray:
        mask = np.ones(len(self.corpus), dtype=bool)
        if outlet is not None:
            mask &= _values(self.corpus, "source", outlet, "outlet")
        if language is not None:
            mask &= _values(self.corpus, "lang", language, "language")
        if topic is not None:
            ids, labels = self._topic_columns(required=True)
            mask &= np.isin(ids, _topic_ids(topic, labels))
        if since is not None or until is not None:
            if "date" not in self.corpus:
                raise ValueError("the corpus has no dates to filter on")
            dates = pd.to_datetime(self.corpus["date"], utc=True)
            keep = dates.notna()
            if since is not None:
                keep &= dates >= _timestamp(since)
            if until is not None:
                end = _timestamp(until)
                keep &= dates < end + pd.Timedelta(days=1) if end == end.normalize() \
                    else dates <= end
            mask &= keep.to_numpy(bool)
        return mask

    @cached_property
    def _query_backend(self):
        """The backend on one BLAS thread: one short text at a time is ~100x slower on two
        threads that wait on each other on a busy machine (the model loads once more)."""
        backend = self._backend()
        if getattr(backend, "threads", 1) == 1:
            return backend
        query = copy.copy(backend)
        query.threads, query._model = 1, None
        return query

    def _topic_columns(self, required: bool) -> tuple[np.ndarray, dict] | None:
        """Each document's topic (NaN: none) and the labels, from the saved topics."""
        if self._topic_table is None:
            result = self._topics(required)
            if result is None:
                return None
            table = result.doc_topics
            ids = table.set_index(table["doc_id"].astype(str))["topic"].reindex(
                self.corpus["doc_id"].astype(str)).to_numpy(dtype=float)
            self._topic_table = (ids, result.labels())
        return self._topic_table

    # ------------------------------------------------------------ results
    def _frame(self, rows: np.ndarray, score: np.ndarray, mode: str,
               marks: list[list[set[str]]]) -> pd.DataFrame:
        table = self.corpus.iloc[rows]

        def column(name: str):
            return table[name].to_numpy() if name in table else [None] * len(rows)

        titles = [t if isinstance(t, str) else "" for t in column("title")]
        texts = [self.index.document(int(p)) for p in rows]
        out = pd.DataFrame({
            "doc_id": table["doc_id"].astype(str).to_numpy(),
            "score": np.round(score[rows], 4),
            "headline": [t or d[:80] for t, d in zip(titles, texts, strict=True)],
            "outlet": column("source"), "date": column("date"), "language": column("lang"),
            "snippet": [snippet(d, marks, self.snippet_chars, len(t) + 1 if t else 0)
                        for t, d in zip(titles, texts, strict=True)],
            "mode": mode})
        topics = self._topic_columns(required=False)
        ids = topics[0][rows] if topics else np.full(len(rows), np.nan)
        out["topic"] = pd.array([None if np.isnan(i) else int(i) for i in ids], dtype="Int64")
        out["topic_label"] = [topics[1].get(int(i)) if topics and not np.isnan(i) else None
                              for i in ids]
        return out[list(COLUMNS)]


def describe(found: pd.DataFrame, query: str) -> str:
    """Search results as text for a terminal: a line per document (rank, score, date,
    outlet, topic, headline), its snippet under it."""
    if not len(found):
        return f"no document matches {query!r}"
    lines = [f"{len(found)} documents for {query!r} ({found['mode'].iloc[0]})"]
    for rank, row in enumerate(found.itertuples(index=False), 1):
        date = str(row.date)[:10] if pd.notna(row.date) else "-"
        topic = f"[{row.topic} {row.topic_label}]" if pd.notna(row.topic) else ""
        fields = [f"{rank:>3}", f"{row.score:8.3f}", date, str(row.outlet or "-"), topic,
                  str(row.headline)]
        lines += ["  ".join(f for f in fields if f), f"      {row.snippet}"]
    return "\n".join(lines)


def _top(score: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best-scored documents in ``mask``, best first, ties in
    corpus order."""
    found = np.flatnonzero(mask)
    if len(found) > k:
        found = np.sort(found[np.argpartition(-score[found], k - 1)[:k]])
    return found[np.argsort(-score[found], kind="stable")]


def _values(corpus: pd.DataFrame, column: str, wanted, what: str) -> np.ndarray:
    """Rows whose ``column`` is one of ``wanted`` (case-insensitive)."""
    if column not in corpus:
        raise ValueError(f"the corpus has no {what} (column {column!r}) to filter on")
    wanted = {str(w).casefold() for w in ([wanted] if isinstance(wanted, str) else wanted)}
    values = corpus[column].astype("string").str.casefold()
    unknown = wanted - set(values.dropna())
    if unknown:
        known = values.value_counts().index[:20].tolist()
        raise ValueError(f"no {what} {sorted(unknown)} in the corpus; it has {known}")
    return values.isin(wanted).fillna(False).to_numpy(bool)


def _topic_ids(topic, labels: dict) -> list[int]:
    """Topic ids named by id or label (case-insensitive)."""
    by_label = {str(v).casefold(): k for k, v in labels.items()}
    out = []
    for t in [topic] if isinstance(topic, str | int) else topic:
        text = str(t).strip()
        if text.lstrip("-").isdigit() and int(text) in labels:
            out.append(int(text))
        elif text.casefold() in by_label:
            out.append(by_label[text.casefold()])
        else:
            raise ValueError(f"no topic {t!r}; topics are {sorted(labels)} "
                             f"(or their labels, e.g. {next(iter(by_label), '')!r})")
    return out


def _timestamp(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
