"""ROUGE-1/2 of timelines, the two variants news-tls reports (via tilse; Martschat & Markert,
EACL 2017):

- ``concat``: all daily summaries of each timeline concatenated, then ROUGE;
- ``align``: alignment-based ("align+ m:1", news-tls's AR-1/AR-2): each predicted date is
  aligned to the reference date of least cost — cost ``(1 − 1/(|Δdays| + 1)) × (1 − ROUGE-1
  approximation of the two summaries)`` — and its n-gram hits are weighted by
  ``1/(|Δdays| + 1)`` (precision); the same from each reference date to the predicted dates
  (recall).

Tokens are those of ``rouge-score`` (lower-cased, non-alphanumerics dropped, Porter stems for
tokens over 3 characters), with English stop words removed before stemming (ROUGE-1.5.5
``-s``; scikit-learn's list stands in for ROUGE's own); n-grams do not cross sentences.
Numbers are therefore close to, not identical with, the Perl ROUGE that news-tls ran.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np

Timeline = Mapping[dt.date, Sequence[str]]  # date -> sentences


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import porter

    return porter.PorterStemmer()


@lru_cache(maxsize=100_000)
def tokens(sentence: str) -> tuple[str, ...]:
    """ROUGE tokens of one sentence: lower-cased alphanumeric words, stop words removed,
    Porter-stemmed when longer than 3 characters (as ``rouge-score`` stems)."""
    from rouge_score.tokenize import tokenize
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    stem = _stemmer().stem
    words = (w for w in tokenize(sentence, None) if w not in ENGLISH_STOP_WORDS)
    return tuple(stem(w) if len(w) > 3 else w for w in words)


def ngrams(sentences: Sequence[str], n: int) -> Counter:
    """n-gram counts of a summary (sentence by sentence)."""
    out: Counter = Counter()
    for s in sentences:
        t = tokens(s)
        out.update(zip(*(t[i:] for i in range(n)), strict=False))
    return out


def _hits(pred: Counter, ref: Counter) -> int:
    return sum(min(c, ref[g]) for g, c in pred.items())


def _prf(p_num: float, p_den: float, r_num: float, r_den: float) -> dict[str, float]:
    p = p_num / p_den if p_den else 0.0
    r = r_num / r_den if r_den else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def concat_rouge(pred: Timeline, ref: Timeline, n: int) -> dict[str, float]:
    """ROUGE-n of the concatenated daily summaries."""
    p = ngrams([s for d in sorted(pred) for s in pred[d]], n)
    r = ngrams([s for d in sorted(ref) for s in ref[d]], n)
    hits = _hits(p, r)
    return _prf(hits, sum(p.values()), hits, sum(r.values()))


def _approx_rouge1(a: Counter, b: Counter) -> float:
    """tilse's ROUGE-1 F approximation between two daily summaries (unigram counts)."""
    match = _hits(a, b)
    p = match / sum(a.values()) if a else 0.0
    r = match / sum(b.values()) if b else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def align_rouge(pred: Timeline, ref: Timeline, n: int) -> dict[str, float]:
    """Alignment-based ROUGE-n (many-to-one, date and content costs), as news-tls reports."""
    pdates, rdates = sorted(pred), sorted(ref)
    if not pdates or not rdates:
        return _prf(0, 1, 0, 1)
    uni_p = [ngrams(pred[d], 1) for d in pdates]
    uni_r = [ngrams(ref[d], 1) for d in rdates]
    gap = np.abs(np.subtract.outer([d.toordinal() for d in pdates],
                                   [d.toordinal() for d in rdates]))
    weight = 1.0 / (gap + 1)
    content = np.array([[1 - _approx_rouge1(a, b) for b in uni_r] for a in uni_p])
    cost = (1 - weight) * content
    grams_p = [ngrams(pred[d], n) for d in pdates]
    grams_r = [ngrams(ref[d], n) for d in rdates]
    p_num = sum(weight[i, j] * _hits(grams_p[i], grams_r[j])
                for i, j in enumerate(cost.argmin(axis=1)))
    r_num = sum(weight[i, j] * _hits(grams_p[i], grams_r[j])
                for j, i in enumerate(cost.argmin(axis=0)))
    return _prf(p_num, sum(sum(g.values()) for g in grams_p),
                r_num, sum(sum(g.values()) for g in grams_r))


def timeline_rouge(pred: Timeline, ref: Timeline) -> dict[str, float]:
    """F1, precision and recall of concat and alignment-based ROUGE-1 and -2, flat:
    ``concat_r1_f1``, ``align_r2_precision``, ..."""
    out = {}
    for variant, fn in (("concat", concat_rouge), ("align", align_rouge)):
        for n in (1, 2):
            for k, v in fn(pred, ref, n).items():
                out[f"{variant}_r{n}_{k}"] = v
    return out
