"""Topic-model quality, for any topic model: a list of top-word lists plus assignments.

The same functions score this project's topics, vanilla BERTopic and LDA (``bench/``):

- :func:`npmi`: NPMI coherence (gensim's ``c_npmi``, top-10 words, its default 10-word
  sliding window, computed exactly by :mod:`topics.coherence`) over one normalised word
  stream of the corpus (:func:`conflict_narratives.common.vectorize.analysis_tokens`, no stop
  words removed, so every model's words can be scored). Multi-word topic words are merged
  into single tokens where they occur in the stream; words absent from the corpus are
  skipped.
- :func:`diversity`: share of unique words among all topics' top-10 (BERTopic paper's TD).
- :func:`label_agreement`: NMI and ARI against reference classes (outliers count as a cluster).
- :func:`stability`: ARI between the assignments of two seeds.
- :func:`arabic_word_share`, :func:`stopword_share`, :func:`outlier_share`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from conflict_narratives.topics.coherence import TokenStream, topic_npmi

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF\u0750-\u077F]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def _top(topic_words: Sequence[Sequence[str]], topn: int) -> list[list[str]]:
    return [[w for w in words if w][:topn] for words in topic_words]


def npmi(topic_words: Sequence[Sequence[str]], tokens: list[list[str]] | TokenStream,
         topn: int = 10, per_topic: bool = False) -> float | list[float]:
    """Mean NPMI of the topics' top-``topn`` words over the word streams ``tokens`` (lists of
    words, or a :class:`coherence.TokenStream` made once for a corpus): gensim's ``c_npmi``
    with its 10-word boolean sliding window, computed by :mod:`topics.coherence` (identical
    scores).

    Topics with fewer than two words found in the corpus score NaN and are left out of the
    mean (NaN when no topic can be scored)."""
    stream = tokens if isinstance(tokens, TokenStream) else TokenStream.from_tokens(tokens)
    scores = topic_npmi(_top(topic_words, topn), stream)
    if per_topic:
        return scores
    valid = [s for s in scores if not np.isnan(s)]
    return float(np.mean(valid)) if valid else float("nan")


def diversity(topic_words: Sequence[Sequence[str]], topn: int = 10) -> float:
    """Unique words / all words over the topics' top-``topn`` lists (1.0 = no overlap)."""
    words = [w for t in _top(topic_words, topn) for w in t]
    return len(set(words)) / len(words) if words else float("nan")


def is_arabic_word(word: str) -> bool:
    """True when the word has Arabic letters and no Latin ones."""
    return bool(_ARABIC_LETTER.search(word)) and not _LATIN_LETTER.search(word)


def arabic_word_share(topic_words: Sequence[Sequence[str]], topn: int = 10) -> float:
    """Share of the topics' top-``topn`` words written in Arabic script."""
    words = [w for t in _top(topic_words, topn) for w in t]
    return sum(map(is_arabic_word, words)) / len(words) if words else float("nan")


def stopword_share(topic_words: Sequence[Sequence[str]], stop: set[str] | frozenset[str],
                   topn: int = 10) -> float:
    """Share of top-``topn`` words that are, or contain, a stop word (compare normalised)."""
    words = [w for t in _top(topic_words, topn) for w in t]
    hits = sum(any(p in stop for p in w.split()) for w in words)
    return hits / len(words) if words else float("nan")


def outlier_share(assignments: Sequence[int]) -> float:
    """Share of documents in the outlier topic (-1)."""
    a = np.asarray(assignments)
    return float(np.mean(a == -1)) if len(a) else float("nan")


def label_agreement(assignments: Sequence[int], labels: Sequence) -> dict[str, float]:
    """NMI and ARI between topic assignments and reference classes, over documents with a
    label (outliers stay a cluster of their own)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    a = np.asarray(assignments)
    lab = np.asarray(labels, dtype=object)
    keep = np.array([x is not None and x == x and str(x) != "" for x in lab], dtype=bool)
    if keep.sum() < 2:
        raise ValueError("fewer than two labelled documents to compare with")
    lab = lab[keep].astype(str)
    return {"nmi": float(normalized_mutual_info_score(lab, a[keep])),
            "ari": float(adjusted_rand_score(lab, a[keep]))}


def stability(assignments_a: Sequence[int], assignments_b: Sequence[int]) -> float:
    """ARI between two fits' assignments of the same documents (1.0 = identical partition)."""
    from sklearn.metrics import adjusted_rand_score

    if len(assignments_a) != len(assignments_b):
        raise ValueError("the two assignments cover different numbers of documents")
    return float(adjusted_rand_score(assignments_a, assignments_b))


def evaluate(topic_words: Sequence[Sequence[str]], assignments: Sequence[int],
             tokens: list[list[str]], labels: Sequence | None = None,
             stop: set[str] | frozenset[str] | None = None) -> dict[str, float | int]:
    """All scores for one topic model (outlier topic excluded from ``topic_words``)."""
    out: dict[str, float | int] = {
        "n_topics": len(topic_words),
        "outlier_share": outlier_share(assignments),
        "npmi": npmi(topic_words, tokens),
        "diversity": diversity(topic_words),
        "arabic_word_share": arabic_word_share(topic_words),
    }
    if stop is not None:
        out["stopword_share"] = stopword_share(topic_words, stop)
    if labels is not None:
        out.update(label_agreement(assignments, labels))
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}
