"""Topic-model quality, for any topic model: a list of top-word lists plus assignments.

The same functions score this project's topics, vanilla BERTopic and LDA (``bench/``):

- :func:`npmi`: NPMI coherence (gensim ``CoherenceModel``, ``c_npmi``, top-10 words, its
  default 10-word sliding window) over one normalised word stream of the corpus
  (:func:`conflict_narratives.topics.analysis_tokens`, no stop words removed, so every
  model's words can be scored). Multi-word topic words are merged into single tokens where
  they occur in the stream; words absent from the corpus are skipped.
- :func:`diversity`: share of unique words among all topics' top-10 (BERTopic paper's TD).
- :func:`label_agreement`: NMI and ARI against reference classes (outliers count as a cluster).
- :func:`stability`: ARI between the assignments of two seeds.
- :func:`arabic_word_share`, :func:`stopword_share`, :func:`outlier_share`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u06FA-\u06FF\u0750-\u077F]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def _top(topic_words: Sequence[Sequence[str]], topn: int) -> list[list[str]]:
    return [[w for w in words if w][:topn] for words in topic_words]


def merge_phrases(tokens: list[list[str]], phrases: Iterable[str]) -> list[list[str]]:
    """Token streams with each occurrence of a multi-word phrase (space-joined, e.g. a
    bigram topic word) replaced by one token, longest phrase first, left to right."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for p in {p for p in phrases if " " in p}:
        parts = tuple(p.split())
        table.setdefault(parts[0], []).append(parts)
    if not table:
        return tokens
    for heads in table.values():
        heads.sort(key=len, reverse=True)
    out = []
    for doc in tokens:
        merged, i = [], 0
        while i < len(doc):
            for parts in table.get(doc[i], ()):
                if tuple(doc[i:i + len(parts)]) == parts:
                    merged.append(" ".join(parts))
                    i += len(parts)
                    break
            else:
                merged.append(doc[i])
                i += 1
        out.append(merged)
    return out


def npmi(topic_words: Sequence[Sequence[str]], tokens: list[list[str]], topn: int = 10,
         per_topic: bool = False) -> float | list[float]:
    """Mean NPMI of the topics' top-``topn`` words over the word streams ``tokens``.

    Topics with fewer than two words found in the corpus score NaN and are left out of the
    mean (NaN when no topic can be scored)."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    topics = _top(topic_words, topn)
    wanted = {w for t in topics for w in t}
    texts = merge_phrases(tokens, wanted)
    # the dictionary holds the topic words found, not the whole vocabulary: gensim counts
    # only these words anyway, so the scores are the same at a fraction of the cost
    found = {w for doc in texts for w in doc if w in wanted}
    known = [[w for w in t if w in found] for t in topics]
    scorable = [i for i, t in enumerate(known) if len(t) >= 2]
    scores = [float("nan")] * len(topics)
    if scorable:
        cm = CoherenceModel(topics=[known[i] for i in scorable], texts=texts,
                            dictionary=Dictionary([sorted(found)]), coherence="c_npmi",
                            topn=topn, processes=_processes(len(texts)))
        for i, s in zip(scorable, cm.get_coherence_per_topic(), strict=True):
            scores[i] = float(s)
    if per_topic:
        return scores
    valid = [s for s in scores if not np.isnan(s)]
    return float(np.mean(valid)) if valid else float("nan")


def _processes(n_texts: int) -> int:
    """Worker processes for gensim's co-occurrence counting: one per core on large corpora
    (the counts add up, so the scores are identical), one below 5,000 texts."""
    from conflict_narratives.common.system import n_threads

    return n_threads() if n_texts >= 5000 else 1


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
