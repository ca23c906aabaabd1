"""Catch-all and junk topics (issue 27): loose clusters re-clustered whatever their share,
junk topics flagged, labels that never lead with a single document's word."""

import numpy as np
from sklearn.metrics import adjusted_rand_score

from conflict_narratives.topics.clustering import SplittingHDBSCAN


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
