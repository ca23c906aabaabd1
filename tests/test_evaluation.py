"""Topic-model scores: exact values on small fixtures, and NPMI's sense on real bbc-news."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.common.vectorize import analysis_tokens, documents, stop_words
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.topics import evaluation as ev
from conflict_narratives.topics.coherence import TokenStream


def test_diversity_counts_unique_words():
    assert ev.diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert ev.diversity([["a", "b"], ["a", "b"]]) == 0.5
    assert ev.diversity([list("abcdefghijkl")], topn=10) == 1.0  # only the top 10 count
    assert math.isnan(ev.diversity([]))


def test_arabic_and_stopword_shares():
    words = [["الموصل", "داعش", "mosul", "الموصل mosul"]]
    assert ev.arabic_word_share(words) == 0.5
    assert ev.is_arabic_word("العراقيه") and not ev.is_arabic_word("iraq")
    assert ev.stopword_share([["قال", "الموصل", "قال الرئيس"]], {"قال"}) == pytest.approx(2 / 3)


def test_merge_phrases_longest_first_within_documents():
    stream = TokenStream.from_tokens([["the", "united", "nations", "said", "united", "states",
                                       "united"], ["nations", "united", "nations", "new"]])
    w = {word: i for i, word in enumerate(stream.words)}
    phrases = {(w["united"], w["nations"]): 100, (w["united"], w["states"]): 101,
               (w["nations"], w["united"], w["nations"]): 102}
    ids, starts = stream.merge(phrases)
    assert ids.tolist() == [w["the"], 100, w["said"], 101, w["united"], 102, w["new"]]
    assert starts.tolist() == [0, 5, 7]  # "united" | "nations" across documents: no phrase


def test_npmi_bounds_on_toy_corpus():
    tokens = [["war", "army", "x1"], ["war", "army", "x2"], ["music", "film", "x3"],
              ["music", "film", "x4"]] * 5
    together = ev.npmi([["war", "army"]], tokens)
    apart = ev.npmi([["war", "music"]], tokens)
    assert together == pytest.approx(1.0, abs=1e-6)
    assert apart < 0
    # words missing from the corpus are skipped; a topic left with < 2 words is NaN
    assert ev.npmi([["war", "army", "absent"]], tokens) == pytest.approx(1.0, abs=1e-6)
    scores = ev.npmi([["absent", "war"], ["war", "army"]], tokens, per_topic=True)
    assert math.isnan(scores[0]) and scores[1] == pytest.approx(1.0, abs=1e-6)


def test_label_agreement_is_permutation_invariant_and_skips_missing():
    topics = [0, 0, 1, 1, -1, 2]
    labels = ["b", "b", "a", "a", "c", None]
    out = ev.label_agreement(topics, labels)
    assert out["nmi"] == pytest.approx(1.0) and out["ari"] == pytest.approx(1.0)
    assert ev.label_agreement([0, 1, 0, 1], ["a", "a", "b", "b"])["nmi"] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        ev.label_agreement([0, 1], [None, np.nan])


def test_stability_and_outliers():
    assert ev.stability([0, 0, 1, 1], [5, 5, 3, 3]) == pytest.approx(1.0)
    assert ev.stability([0, 0, 1, 1], [0, 1, 0, 1]) < 0.01
    with pytest.raises(ValueError):
        ev.stability([0, 1], [0])
    assert ev.outlier_share([-1, 0, 1, -1]) == 0.5


@pytest.fixture(scope="module")
def bbc():
    df = Pipeline("bbc-news").corpus
    return df.sample(600, random_state=3).reset_index(drop=True)


def _class_words(df: pd.DataFrame, tokens: list[list[str]], n: int = 10) -> list[list[str]]:
    """Each label's most over-represented words: a stand-in for a good topic model."""
    stop = stop_words()
    counts = {}
    for lab, toks in zip(df["label"], tokens, strict=True):
        counts.setdefault(lab, pd.Series(dtype=float))
        counts[lab] = counts[lab].add(pd.Series(toks).value_counts(), fill_value=0)
    total = sum(counts.values())
    out = []
    for c in counts.values():
        ratio = (c / total).where(c >= 5).dropna()
        ratio = ratio[[w.isalpha() and w not in stop for w in ratio.index]]
        out.append(ratio.sort_values(ascending=False, kind="stable").index[:n].tolist())
    return out


def test_npmi_and_agreement_on_real_bbc(bbc):
    tokens = analysis_tokens(documents(bbc))
    good = _class_words(bbc, tokens)
    rng = np.random.default_rng(0)
    vocab = sorted({w for t in tokens for w in t if w.isalpha()})
    noise = [rng.choice(vocab, 10, replace=False).tolist() for _ in good]
    scores = ev.evaluate(good, bbc["label"].astype("category").cat.codes.to_numpy(), tokens,
                         labels=bbc["label"], stop=stop_words())
    assert scores["npmi"] > ev.npmi(noise, tokens) + 0.1
    assert scores["nmi"] == pytest.approx(1.0) and scores["n_topics"] == 5
    assert scores["arabic_word_share"] == 0.0 and scores["stopword_share"] == 0.0
