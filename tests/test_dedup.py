"""Exact and near-duplicate detection (dedup)."""

import random

import pytest

from conflict_narratives.corpus.dedup import find_duplicates

VOCAB = [f"w{i}" for i in range(2000)]
RNG = random.Random(0)


def doc(n=200):
    return " ".join(RNG.choice(VOCAB) for _ in range(n))


def test_exact_and_near_duplicates():
    a, b, c = doc(), doc(), doc()
    near = a.split()
    near[100] = "changed"  # one word in 200: Jaccard of 3-shingles ~0.97
    texts = [a, b, a, " ".join(near), c]
    d = find_duplicates(texts)
    got = {(r.index, r.duplicate_of, r.kind) for r in d.itertuples()}
    assert got == {(2, 0, "exact"), (3, 0, "near")}
    assert d.loc[d.kind == "near", "jaccard"].iloc[0] >= 0.9


@pytest.mark.parametrize("seed", range(5))
def test_threshold_is_respected(seed):
    RNG.seed(seed)
    a = doc()
    words = a.split()
    for i in range(0, 200, 10):  # 20 changed words: Jaccard far below 0.9
        words[i] = "x"
    assert find_duplicates([a, " ".join(words)]).empty
    assert len(find_duplicates([a, " ".join(words)], threshold=0.3)) == 1


def test_order_decides_which_copy_is_kept():
    a = doc()
    d = find_duplicates([a, a, a], order=[2, 0, 1])
    assert set(d["duplicate_of"]) == {2}
    assert set(d["index"]) == {0, 1}


def test_short_and_empty_texts():
    d = find_duplicates(["", "", "one", "one two", "one two"])
    assert {(r.index, r.duplicate_of) for r in d.itertuples()} == {(1, 0), (4, 3)}


def test_threshold_one_means_exact_only():
    a = doc()
    near = a.replace(a.split()[50], "zz", 1)
    assert find_duplicates([a, near], threshold=1.0).empty
