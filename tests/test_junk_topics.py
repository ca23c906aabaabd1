"""Catch-all and junk topics (issue 27): loose clusters re-clustered whatever their share,
junk topics flagged, labels that never lead with a single document's word."""

import numpy as np
from scipy import sparse
from sklearn.metrics import adjusted_rand_score

from conflict_narratives.common.vectorize import make_label
from conflict_narratives.topics.clustering import SplittingHDBSCAN
from conflict_narratives.topics.junk import (
    is_non_word,
    junk_reason,
    label_words,
    topic_doc_freq,
)


def _tight_blobs(rng):
    """Four tight, far-apart clusters of 200 points."""
    return [rng.normal(c, 0.15, (200, 2)) for c in ([10, 0], [0, 10], [10, 10], [-10, 0])]


def test_a_loose_cluster_of_two_dense_parts_is_split_whatever_its_share():
    rng = np.random.default_rng(0)
    loose = [rng.normal(c, 0.35, (125, 2)) for c in ([0, 0], [1.6, 0])]  # HDBSCAN: one
    x = np.concatenate(_tight_blobs(rng) + loose)
    truth = np.repeat(np.arange(6), [200] * 4 + [125] * 2)
    plain = SplittingHDBSCAN(min_cluster_size=20, max_share=0.3, max_spread_ratio=None).fit(x)
    assert adjusted_rand_score(truth, plain.labels_) < 0.95  # the loose one kept whole
    fit = SplittingHDBSCAN(min_cluster_size=20, max_share=0.3, max_spread_ratio=2.0).fit(x)
    assert adjusted_rand_score(truth, fit.labels_) > 0.9
    done = [s for s in fit.splits_ if s["parts"] > 1]
    assert len(done) == 1 and done[0]["reason"] == "spread" and done[0]["share"] < 0.3
    assert done[0]["spread_ratio"] > 2.0 and done[0]["parts"] == 2
    for k in range(4):  # the tight clusters are untouched
        assert len(set(fit.labels_[truth == k])) == 1


def test_a_loose_cloud_without_parts_is_left_whole_and_recorded():
    rng = np.random.default_rng(1)
    x = np.concatenate(_tight_blobs(rng) + [rng.uniform(-1.5, 1.5, (250, 2))])
    plain = SplittingHDBSCAN(min_cluster_size=20, max_spread_ratio=None).fit(x)
    fit = SplittingHDBSCAN(min_cluster_size=20, max_spread_ratio=2.0).fit(x)
    assert np.array_equal(fit.labels_, plain.labels_)
    assert fit.splits_ and all(s["reason"] == "spread" and s["parts"] == 1
                               for s in fit.splits_)


def test_tight_clusters_of_equal_spread_are_never_tried():
    rng = np.random.default_rng(2)
    fit = SplittingHDBSCAN(min_cluster_size=20, max_spread_ratio=2.0).fit(
        np.concatenate(_tight_blobs(rng)))
    assert fit.splits_ == [] and len(set(fit.labels_)) == 4


def test_non_words_are_told_from_words():
    for odd in ("href", "nbsp", "12345", "٢٠٢٣", "a1b2c3", "18:05sirens".replace(":", ""),
                "x" * 30, "init_adv", "قصف href"):
        assert is_non_word(odd), odd
    for word in ("Beirut", "الموصل", "حزب الله", "ceasefire", "Hezbollah"):
        assert not is_non_word(word), word


def test_topic_doc_freq_counts_the_topics_documents():
    # documents x terms: "gaza" in docs 0, 1, 3; "uuencode" three times in doc 2 only
    matrix = sparse.csr_matrix(np.array([[2, 0], [1, 0], [0, 3], [1, 0]]))
    topics = np.array([0, 0, 0, 1])
    freq = topic_doc_freq(matrix, {"gaza": 0, "uuencode": 1}, topics,
                          {0: ["gaza", "uuencode", "unknown"], 1: ["gaza"]})
    assert freq == {0: [2, 1, 0], 1: [1]}


def test_markup_and_single_document_topics_are_flagged():
    markup = ["href", "nbsp", "quot", "div", "fullquote", "target", "12", "news", "a1", "px"]
    assert junk_reason(markup, [40] * 10).startswith("non-words: 7/10")
    listing = ["ax", "max", "mov", "db", "push", "pop", "gaza", "strike", "jmp", "int"]
    reason = junk_reason(listing, [1, 1, 1, 1, 1, 1, 9, 7, 1, 1])
    assert reason.startswith("single-document words: 8/10")
    news = ["gaza", "strike", "ceasefire", "hamas", "israel", "rafah", "aid", "un", "war", "idf"]
    assert junk_reason(news, [30, 20, 12, 9, 8, 6, 5, 4, 3, 1]) == ""


def test_a_label_never_leads_with_a_single_documents_word():
    display = ["AX", "MAX", "Israel", "MAX Israel", "Gaza", "strike"]
    freq = [1, 1, 12, 1, 8, 5]
    assert make_label(label_words(display, freq), 3) == "Israel · Gaza · strike"
    assert label_words(["AX", "MAX"], [1, 1]) == ["AX", "MAX"]  # all single: kept, flagged
