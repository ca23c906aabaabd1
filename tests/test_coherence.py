"""NPMI computed on an encoded corpus (topics.coherence) is gensim's c_npmi, score for score:
on random streams built to hit every window case and on real Arabic news."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.common.vectorize import analysis_tokens, documents
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.topics import evaluation as ev
from conflict_narratives.topics.coherence import TokenStream, topic_npmi


def merge_phrases(tokens, phrases):
    """Each multi-word phrase made one token, longest first, left to right (reference)."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for p in {p for p in phrases if " " in p}:
        table.setdefault(p.split()[0], []).append(tuple(p.split()))
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


def gensim_npmi(topic_words, tokens, topn=10):
    """Per-topic c_npmi from gensim's CoherenceModel, as this project scored it before."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    topics = [[w for w in t if w][:topn] for t in topic_words]
    wanted = {w for t in topics for w in t}
    texts = merge_phrases(tokens, wanted)
    found = {w for doc in texts for w in doc if w in wanted}
    known = [[w for w in t if w in found] for t in topics]
    scorable = [i for i, t in enumerate(known) if len(t) >= 2]
    scores = [float("nan")] * len(topics)
    if scorable:
        cm = CoherenceModel(topics=[known[i] for i in scorable], texts=texts,
                            dictionary=Dictionary([sorted(found)]), coherence="c_npmi",
                            topn=topn, processes=1)
        for i, s in zip(scorable, cm.get_coherence_per_topic(), strict=True):
            scores[i] = float(s)
    return scores


def identical(a, b) -> bool:
    return all((np.isnan(x) and np.isnan(y)) or x == y for x, y in zip(a, b, strict=True))


def test_random_streams_score_exactly_as_gensim():
    """Small vocabularies repeat words inside windows (gensim unmarks a word when one of its
    occurrences leaves the window); documents of 0, < 10, 10 and > 10 words; phrases."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        vocab = [f"w{i}" for i in range(rng.integers(4, 30))]
        docs = [[vocab[i] for i in rng.integers(0, len(vocab), rng.choice(
            [0, 1, 3, 9, 10, 11, 15, 40, 120]))] for _ in range(rng.integers(1, 25))]
        topics = []
        for _ in range(rng.integers(1, 5)):
            words = list(dict.fromkeys(vocab[i] for i in rng.integers(0, len(vocab), 8)))
            words.append(f"{rng.choice(vocab)} {rng.choice(vocab)}")
            words += ["absent word", "absent"] if rng.random() < 0.3 else []
            topics.append(words[:10])
        ours = topic_npmi(topics, TokenStream.from_tokens(docs))
        assert identical(ours, gensim_npmi(topics, docs)), (docs, topics)


@pytest.mark.xdist_group("topics")
def test_arabic_news_scores_exactly_as_gensim():
    df = Pipeline("ant-multisource").corpus.sample(800, random_state=2)
    texts = documents(df)
    tokens = analysis_tokens(texts)
    words = pd.Series(tokens[0] + tokens[1] + tokens[2]).value_counts().index.tolist()
    topics = [words[i:i + 10] for i in range(0, 60, 10)]
    topics.append([f"{a} {b}" for a, b in zip(tokens[5][:10], tokens[5][1:11], strict=True)])
    stream = TokenStream.from_texts(texts)
    assert stream.words and len(stream.starts) == len(texts) + 1
    assert identical(topic_npmi(topics, stream), gensim_npmi(topics, tokens))
    assert ev.npmi(topics, stream) == ev.npmi(topics, tokens)
    back = TokenStream.from_arrays(stream.to_arrays())
    assert back.words == stream.words and np.array_equal(back.ids, stream.ids)
