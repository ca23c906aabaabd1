"""Burst detectors on series with planted bursts."""

import numpy as np
import pytest

from conflict_narratives.timelines import bursts as bursts


def _series(seed=1, n=60, burst=slice(30, 34), base=0.05, lift=4.0):
    rng = np.random.default_rng(seed)
    totals = rng.poisson(200, n).astype(float)
    share = np.full(n, base)
    share[burst] *= lift
    counts = rng.binomial(totals.astype(int), share).astype(float)
    truth = np.zeros(n, bool)
    truth[burst] = True
    return counts, totals, truth


@pytest.mark.parametrize("method", bursts.METHODS)
def test_planted_burst_is_found(method):
    counts, totals, truth = _series()
    flags, score = bursts.detect(counts, totals, method=method)
    assert flags[truth].mean() >= 0.5, "most of the planted burst is flagged"
    assert flags[~truth].sum() <= 2, "few false alarms outside it"
    assert score[truth].max() > score[~truth].max()


@pytest.mark.parametrize("method", bursts.METHODS)
def test_flat_series_has_no_burst(method):
    totals = np.full(50, 100.0)
    counts = np.full(50, 5.0)
    flags, _ = bursts.detect(counts, totals, method=method)
    assert not flags.any()


def test_burst_is_about_share_not_volume():
    """News volume triples and the topic keeps its 5 % share: no burst."""
    totals = np.r_[np.full(20, 100.0), np.full(5, 300.0), np.full(20, 100.0)]
    counts = totals * 0.05
    for method in bursts.METHODS:
        assert not bursts.detect(counts, totals, method=method)[0].any()


def test_kleinberg_weight_and_intervals():
    counts, totals, truth = _series(burst=slice(10, 13))
    flags, weight = bursts.kleinberg(counts, totals)
    assert (weight[flags] > 0).all() and (weight[~flags] == 0).all()
    spans = bursts.intervals(flags)
    assert any(a <= 10 and b >= 12 for a, b in spans)
    assert bursts.intervals(np.array([1, 1, 0, 1], bool)) == [(0, 1), (3, 3)]
    assert bursts.intervals(np.zeros(3, bool)) == []


def test_edge_cases_and_errors():
    assert not bursts.kleinberg([], [])[0].size
    assert not bursts.kleinberg([0, 0, 0], [10, 10, 0])[0].any()
    with pytest.raises(ValueError, match="lie in"):
        bursts.kleinberg([5, 1], [2, 10])
    with pytest.raises(ValueError, match="unknown burst method"):
        bursts.detect([1, 2], [5, 5], method="nope")


def test_evaluation_on_planted_series_ranks_detectors():
    from bench.bursts import evaluate_detectors

    table = evaluate_detectors(
        {"kleinberg": {"method": "kleinberg"}, "zscore": {"method": "zscore"}},
        n_series=40,
        seed=3,
    )
    assert set(table["detector"]) == {"kleinberg", "zscore"}
    assert table[["precision", "recall", "f1", "burst_recall"]].stack().between(0, 1).all()
    f1 = table.set_index("detector")["f1"]
    assert f1["kleinberg"] > 0.8
    assert f1[bursts.DEFAULT_METHOD] == f1.max(), "the default is the better detector"
