"""The text side of topics: words, stop words, the Arabic-aware vectorizer, labels.

Everything is compared after the corpus stage's analysis normalisation
(:func:`conflict_narratives.textnorm.normalize_for_analysis`): documents, stop words and
topic words alike, so "أكد"/"اكد" or "الموصل"/"الموصِل" are one word. Before it,
:func:`prepare` takes out what is never a topic word: @-mentions, e-mail addresses, URLs.
Stop words (:mod:`.stopwords`) follow the corpus's languages and outlets.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Mapping

import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from conflict_narratives.common.stopwords import (
    corpus_stop_words,
    news_stop_words,
    stop_words,
    tokenize,
)
from conflict_narratives.common.textnorm import normalize_for_analysis

__all__ = ["analysis_tokens", "corpus_stop_words", "display_forms", "documents", "spellings",
           "fit_vocabulary", "make_label", "make_vectorizer", "news_stop_words", "prepare",
           "scaled_min_df", "stop_words", "tokenize"]

_WORD = re.compile(r"(?u)\b\w\w+\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|ly|co|io)/\S*", re.I)
_MENTION = re.compile(r"(?<![\w@])@\w+")


def prepare(text: str) -> str:
    """The vectorizer's preprocessor: @-mentions, e-mail addresses and URLs out, then
    :func:`normalize_for_analysis`."""
    if "@" in text:
        text = _MENTION.sub(" ", _EMAIL.sub(" ", text))
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    return normalize_for_analysis(text)


def scaled_min_df(n_docs: int) -> int:
    """A word must occur in ≥ 0.1% of documents (at least 2; at most a tenth of a tiny
    corpus) to be a topic word."""
    return min(max(2, round(n_docs / 1000)), max(1, n_docs // 10))


class WordCounter(CountVectorizer):
    """A ``CountVectorizer`` that checks a stop-word list against the preprocessing once
    per process, not at every fit: sklearn's check reads all ~14,000 stop words (~0.1 s),
    and the timelines fit one vectorizer per topic and event table."""

    _consistent: set[tuple[int, int, int]] = set()

    def _check_stop_words_consistency(self, stop_words, preprocess, tokenize):
        key = (hash(frozenset(stop_words or ())), id(preprocess), id(tokenize))
        if key in WordCounter._consistent:
            return True
        ok = super()._check_stop_words_consistency(stop_words, preprocess, tokenize)
        if ok is True:
            WordCounter._consistent.add(key)
        return ok


def make_vectorizer(n_docs: int, min_df: int | None = None,
                    ngram_range: tuple[int, int] = (1, 2),
                    vocabulary: list[str] | None = None,
                    stop: frozenset[str] | None = None) -> CountVectorizer:
    """The Arabic-aware ``CountVectorizer``: normalised Arabic/Latin words, the stop words
    ``stop`` (default: :func:`stop_words`, or :func:`corpus_stop_words`) removed, 1–2-grams,
    ``min_df`` scaled to corpus size unless given; or, with ``vocabulary`` (see
    :func:`fit_vocabulary`), counting exactly those terms."""
    return WordCounter(
        preprocessor=prepare,
        tokenizer=tokenize,
        token_pattern=None,
        lowercase=False,
        stop_words=sorted(stop if stop is not None else stop_words()),
        ngram_range=tuple(ngram_range),
        min_df=int(min_df) if min_df else scaled_min_df(n_docs),
        vocabulary=vocabulary,
    )


_RARE = "\u2063"  # stands in for a word below min_df while n-grams are counted


def fit_vocabulary(docs: list[str], min_df: int | None = None,
                   ngram_range: tuple[int, int] = (1, 2),
                   stop: frozenset[str] | None = None) -> list[str]:
    """The terms (1..n-grams) found in at least ``min_df`` *documents*: what
    :func:`make_vectorizer` keeps when fitted on ``docs``, counted in two passes so the
    n-gram pass only tracks n-grams of frequent words (an n-gram is never more frequent
    than its rarest word), which cuts the peak memory by about a third on large corpora.

    BERTopic fits its vectorizer on one concatenated text per topic, where ``min_df``
    would count topics (a 30,000-document corpus, ``min_df`` 30 and 48 topics kept only
    words in 30 topics); a fixed vocabulary keeps document frequency the criterion."""
    lo, hi = (int(x) for x in ngram_range)
    min_df = int(min_df) if min_df else scaled_min_df(len(docs))
    stop = stop if stop is not None else stop_words()
    try:
        words = make_vectorizer(len(docs), min_df, (1, 1), stop=stop).fit(docs).vocabulary_
    except ValueError:  # sklearn: no word reaches min_df, or min_df > the documents
        words = {}
    terms = set(words) if lo == 1 else set()
    if hi > 1 and words:

        def frequent_or_rare(text: str) -> list[str]:
            return [t if t in words or t in stop else _RARE for t in tokenize(text)]

        grams = make_vectorizer(len(docs), min_df, (max(lo, 2), hi), stop=stop)
        grams.set_params(tokenizer=frequent_or_rare)
        try:
            terms |= {g for g in grams.fit(docs).vocabulary_ if _RARE not in g}
        except ValueError:  # no n-gram reaches min_df
            pass
    if not terms:
        raise ValueError(f"no term occurs in {min_df} of the {len(docs)} documents; "
                         "lower topics.min_df")
    return sorted(terms)


def analysis_tokens(texts: list[str]) -> list[list[str]]:
    """Normalised word streams (no stop-word removal) for coherence scoring; each word is
    held once (interned), not once per occurrence: ~0.5 GB less on ant-multisource."""
    return [list(map(sys.intern, _WORD.findall(normalize_for_analysis(t)))) for t in texts]


def documents(df: pd.DataFrame) -> list[str]:
    """Title and body of each row: the text topic words are drawn from."""
    if "text" not in df.columns:
        raise ValueError("the corpus table has no 'text' column")
    body = df["text"].fillna("").astype(str)
    if "title" in df.columns:
        title = df["title"].fillna("").astype(str)
        return [f"{t}\n{b}".strip() for t, b in zip(title, body, strict=True)]
    return body.tolist()


def spellings(texts: list[str], max_docs: int = 5000) -> dict[str, str]:
    """Each normalised word of ``texts`` (the first ``max_docs``) with its most frequent
    spelling, where that differs from it (the first seen on a tie): "السعوديه" →
    "السعودية", "syria" → "Syria"."""
    counts: Counter = Counter()
    for text in texts[:max_docs]:
        counts.update(_WORD.findall(text))
    best: dict[str, tuple[int, str]] = {}
    for token, n in counts.items():  # each spelling normalised once
        key = normalize_for_analysis(token)
        if n > best.get(key, (0, ""))[0]:
            best[key] = (n, token)
    return {key: token for key, (_, token) in best.items() if key != token}


def display_forms(words: set[str], spelled: Mapping[str, str]) -> dict[str, str]:
    """For each normalised ``word`` (each part of a bigram), its spelling in ``spelled``
    (:func:`spellings`), so labels read "السعودية", not the analysis form "السعوديه"; a
    word not there keeps its normalised form."""
    return {w: " ".join(spelled.get(p, p) for p in w.split()) for w in words}


def make_label(words: list[str], n: int = 3) -> str:
    """The first ``n`` topic words joined by " · ", skipping a word whose parts are all
    already in the label (so a bigram and its halves do not repeat)."""
    parts: list[str] = []
    seen: set[str] = set()
    for w in words:
        toks = set(w.split())
        if toks and not toks <= seen:
            parts.append(w)
            seen |= toks
        if len(parts) == n:
            break
    return " · ".join(parts)
