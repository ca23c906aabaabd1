"""Documents counted once (common.counts): a joined text's counts are the sum of its
documents' rows plus the n-grams across the joins, exactly what reading it gives, and a fit
that counts each document once equals BERTopic's own counting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import topics
from conflict_narratives.common import counts as cc
from conflict_narratives.common import vectorize as tt
from conflict_narratives.embeddings import embed_corpus
from conflict_narratives.pipeline import Pipeline

pytestmark = pytest.mark.xdist_group("topics")


@pytest.fixture(scope="module")
def ant():
    df = Pipeline("ant-multisource").corpus
    df = df[df["text"].fillna("").str.len() > 200].sample(300, random_state=5)
    return df.reset_index(drop=True)


def vectorizers(docs, ngrams):
    vocab = tt.fit_vocabulary(docs, 3, ngrams)
    plain = tt.make_vectorizer(len(docs), 3, ngrams, vocab)
    return plain, cc.PrecountedVectorizer(**plain.get_params()).precount(docs)


def same(a, b) -> bool:
    return a.shape == b.shape and (a != b).nnz == 0


@pytest.mark.parametrize("ngrams", [(1, 2), (1, 3), (2, 2)])
def test_joined_documents_count_as_if_read(ant, ngrams):
    docs = tt.documents(ant)
    docs[7] = "قال"  # a document with no word left after stop words, inside a join
    plain, pre = vectorizers(docs, ngrams)
    assert same(pre.transform(docs), plain.transform(docs))
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 9, len(docs))
    # as BERTopic builds c-TF-IDF input: each group's documents joined by a space, \n -> " "
    joined = (pd.DataFrame({"doc": docs, "group": groups}).groupby("group")["doc"]
              .agg(" ".join).str.replace("\n", " ").tolist())
    joined.append(" ".join(docs[:40]))  # a merge of merges (hierarchical_topics)
    assert same(pre.transform(joined), plain.transform(joined))
    assert same(pre.fit_transform(joined), plain.fit_transform(joined))
    # texts that are not made of the corpus's documents are read as usual
    other = ["الجيش العراقي يستعيد الموصل من داعش", docs[3][:500], docs[4] + " extra words"]
    assert same(pre.transform(other + joined[:2]), plain.transform(other + joined[:2]))


def test_counts_round_trip_through_plain_arrays(ant):
    docs = tt.documents(ant)
    plain, pre = vectorizers(docs, (1, 2))
    back = cc.DocTermCounts.from_arrays(pre.counts_.to_arrays())
    assert back.vocabulary == pre.counts_.vocabulary and same(back.matrix, pre.counts_.matrix)
    assert back.heads == pre.counts_.heads and back.tails == pre.counts_.tails
    again = cc.PrecountedVectorizer(**plain.get_params()).precount(docs, back)
    assert same(again.transform([" ".join(docs[:50])]), plain.transform([" ".join(docs[:50])]))
    with pytest.raises(ValueError, match="another vocabulary"):
        cc.PrecountedVectorizer(**tt.make_vectorizer(
            len(docs), 3, (1, 2), back.vocabulary[:-1]).get_params()).precount(docs, back)


def test_a_fit_counting_each_document_once_equals_bertopics_counting(ant, monkeypatch):
    matrix = embed_corpus(ant, progress=False).matrix
    _, once = topics.fit_topics(ant, matrix, name="ant-slice")
    # without precount, every count goes through CountVectorizer (BERTopic's own path)
    monkeypatch.setattr(cc.PrecountedVectorizer, "precount", lambda self, docs, counts: self)
    _, read = topics.fit_topics(ant, matrix, name="ant-slice")
    for table in ("doc_topics", "topic_info", "topics_per_source", "hierarchy"):
        pd.testing.assert_frame_equal(getattr(once, table), getattr(read, table))
    np.testing.assert_array_equal(once.linkage, read.linkage)
