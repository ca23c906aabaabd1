"""Distinctive words from words counted once per document equal those read from the texts."""

from __future__ import annotations

import pandas as pd
import pytest

from conflict_narratives.common import counts as cc
from conflict_narratives.common.vectorize import documents, make_vectorizer
from conflict_narratives.narratives import outlets
from conflict_narratives.pipeline import Pipeline

pytestmark = pytest.mark.xdist_group("topics")


@pytest.fixture(scope="module")
def ant():
    df = Pipeline("ant-multisource").corpus.sample(600, random_state=4).reset_index(drop=True)
    return df.assign(doc_id=df["doc_id"].astype(str))


def test_restricted_word_counts_equal_a_vectorizer_fitted_on_the_subset(ant):
    words = cc.count_words(documents(ant))
    rows = ant.index[ant["source"] != ant["source"].iloc[0]].to_numpy()
    vec = make_vectorizer(len(rows), min_df=2, ngram_range=(1, 1))
    fitted = vec.fit_transform(documents(ant.iloc[rows]))
    matrix, vocab = cc.restrict(words, rows, min_df=2)
    assert list(vocab) == vec.get_feature_names_out().tolist()
    assert (matrix != fitted).nnz == 0


def test_distinctive_words_from_counts_equal_reading_the_texts(ant):
    topics = pd.DataFrame({"doc_id": ant["doc_id"], "topic": ant.index % 4 - (ant.index % 13 == 0)})
    read = outlets.distinctive_words(ant, topics, min_docs=5)
    counted = outlets.distinctive_words(ant, topics, min_docs=5,
                                        counts=cc.count_words(documents(ant)))
    assert len(read) > 20
    pd.testing.assert_frame_equal(read, counted)


def test_topic_words_over_time_from_counts_equal_reading_the_leads(ant):
    from conflict_narratives.timelines.build import dated_documents
    from conflict_narratives.timelines.events import topic_words_over_time

    topics = pd.DataFrame({"doc_id": ant["doc_id"], "topic": ant.index % 5 - 1})
    docs, _, _ = dated_documents(ant, topics, "month")
    leads = cc.count_terms(documents(ant.assign(text=ant["text"].fillna("").str[:600])))
    read = topic_words_over_time(docs, max_chars=600)
    counted = topic_words_over_time(docs, max_chars=600, counts=leads)
    assert len(read) > 10
    pd.testing.assert_frame_equal(read, counted)


def test_the_stop_words_are_checked_against_the_preprocessing_once(monkeypatch):
    """sklearn's consistency check reads every stop word at each fit; the project's
    vectorizer does it once per stop list, and still warns for a list that does not match."""
    from sklearn.feature_extraction.text import CountVectorizer

    from conflict_narratives.common.vectorize import WordCounter, make_vectorizer

    calls = []
    check = CountVectorizer._check_stop_words_consistency
    monkeypatch.setattr(CountVectorizer, "_check_stop_words_consistency",
                        lambda self, *a: calls.append(1) or check(self, *a))
    monkeypatch.setattr(WordCounter, "_consistent", set())
    texts = ["الحرب في سوريا اليوم", "the war in Syria today", "حلب اليوم"]
    first = make_vectorizer(3, 1).fit(texts)
    second = make_vectorizer(3, 1).fit(texts)
    assert len(calls) == 1
    assert first.vocabulary_ == second.vocabulary_
    with pytest.warns(UserWarning, match="inconsistent"):  # "Syria" is read as "syria"
        make_vectorizer(3, 1, stop=frozenset({"Syria"})).fit(texts)
    with pytest.warns(UserWarning, match="inconsistent"):
        make_vectorizer(3, 1, stop=frozenset({"Syria"})).fit(texts)
