"""Outlets (Jensen–Shannon divergence, distinctive words) and the narratives stage on
hand-made data."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import narratives
from conflict_narratives.narratives.outlets import (
    distinctive_words,
    divergence_matrix,
    js_divergence,
    outlet_divergence,
    topic_distribution,
)


def test_js_divergence_on_hand_made_distributions():
    assert js_divergence([1, 2, 3], [2, 4, 6]) == pytest.approx(0, abs=1e-12)  # counts ok
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1)  # disjoint: 1 bit
    # P=[1,0], Q=[.5,.5], M=[.75,.25]: (log2(4/3) + .5*log2(2/3) + .5*log2(2)) / 2
    expected = (np.log2(4 / 3) + 0.5 * np.log2(2 / 3) + 0.5) / 2
    assert js_divergence([1, 0], [0.5, 0.5]) == pytest.approx(expected)
    assert js_divergence([0.2, 0.8], [0.6, 0.4]) == pytest.approx(
        js_divergence([0.6, 0.4], [0.2, 0.8]))
    with pytest.raises(ValueError):
        js_divergence([0, 0], [1, 0])
    with pytest.raises(ValueError):
        js_divergence([1, 0], [1, 0, 0])


@pytest.fixture()
def outlet_corpus():
    """Outlet a: all topic 0; b: all topic 1; c: half and half, spread over two months."""
    rows = []
    for i in range(40):
        rows.append((f"a{i}", "a", 0, "2018-03-05" if i < 20 else "2018-04-05"))
        rows.append((f"b{i}", "b", 1, "2018-03-06" if i < 20 else "2018-04-06"))
        rows.append((f"c{i}", "c", i % 2, "2018-03-07" if i < 20 else "2018-04-07"))
    rows.append(("o1", "a", -1, "2018-03-08"))  # outlier: ignored
    df = pd.DataFrame(rows, columns=["doc_id", "source", "topic", "date"])
    df["date"] = pd.to_datetime(df["date"], utc=True)
    df["date_status"] = "ok"
    return df[["doc_id", "source", "date", "date_status"]], df[["doc_id", "topic"]]


def test_outlet_divergence_pairs_and_others(outlet_corpus):
    corpus, topics = outlet_corpus
    dist = topic_distribution(corpus, topics).set_index(["source", "topic"])
    assert dist.loc[("c", 0), "share"] == 0.5 and dist.loc[("a", 0), "n_docs"] == 40
    div = outlet_divergence(corpus, topics, min_docs=10)
    pair = div.set_index(["source_a", "source_b"])["js_divergence"]
    assert pair[("a", "b")] == pytest.approx(1)
    assert pair[("a", "c")] == pytest.approx(pair[("b", "c")])
    assert 0 < pair[("a", "c")] < 1
    assert pair[("c", "(others)")] == pytest.approx(0)  # a+b pooled is 50/50, like c
    mat = divergence_matrix(div)
    assert (mat.to_numpy() == mat.to_numpy().T).all() and mat.loc["a", "a"] == 0
    monthly = outlet_divergence(corpus, topics, freq="month", min_docs=10)
    assert monthly["period"].nunique() == 2
    assert monthly.query("source_a == 'a' and source_b == 'b'")["js_divergence"].eq(1).all()
    assert outlet_divergence(corpus, topics, freq="month", min_docs=21).empty  # 20 per month


def test_distinctive_words_are_the_outlets_own():
    texts = {
        "x": ["الجيش يتقدم في الموصل وداعش ينهار", "معارك الموصل والجيش يحرر الأحياء"],
        "y": ["المدنيون يفرون من الموصل والمساعدات شحيحة", "نزوح المدنيين من الموصل"],
    }
    rows = [(f"{s}{k}{i}", s, t) for s, ts in texts.items() for k in range(3)
            for i, t in enumerate(ts)]
    corpus = pd.DataFrame(rows, columns=["doc_id", "source", "text"]).assign(title="")
    topics = pd.DataFrame({"doc_id": corpus["doc_id"], "topic": 0})
    words = distinctive_words(corpus, topics, top_n=5, min_docs=2)
    x = set(words.query("source == 'x'")["word"])
    y = set(words.query("source == 'y'")["word"])
    assert {"الجيش", "وداعش", "معارك"} <= x and {"المدنيون", "نزوح"} <= y
    assert "الموصل" not in x | y  # shared by both outlets: not distinctive
    assert (words["count_others"] < words["count"]).all()
    assert words.groupby("source")["rank"].min().eq(1).all()


class HashBackend:
    """A deterministic stand-in embedding backend (``embed`` as in the contract)."""

    def embed(self, texts):
        out = np.stack([np.random.default_rng(int(hashlib.md5(t.encode()).hexdigest()[:8], 16))
                        .standard_normal(32) for t in texts]).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_build_save_load_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    corpus = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)],
        "title": [f"عنوان {i}" for i in range(n)],
        "text": ["داعش والقوات العراقية في الموصل" if i % 2 else "روسيا وتركيا في سوتشي"
                 for i in range(n)],
        "source": ["x", "y", "z"] * 20,
        "date": pd.date_range("2018-03-01", periods=n, freq="12h", tz="UTC"),
        "date_status": "ok",
    })
    matrix = rng.standard_normal((n, 32)).astype(np.float32)
    matrix[1::2] += 3 * matrix[1]  # the odd docs are one story
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    topics = pd.DataFrame({"doc_id": corpus["doc_id"], "topic": [i % 2 for i in range(n)]})
    settings = {"narratives": {"min_docs": 5, "storylines": {"threshold": 0.8}}}
    result = narratives.build_narratives(corpus, matrix, HashBackend(), topics,
                                         settings=settings)
    assert set(result.tables) == set(narratives.TABLES)
    assert len(result["doc_frames"]) == n
    assert result["storylines"].set_index("doc_id").loc["d3", "parent_id"] == "d1"
    assert result.summary["storylines"]["threshold"] == 0.8  # nested setting merged
    assert result.summary["storylines"]["window_days"] == 3  # default kept
    assert result.summary["actors"]["top"]["ISIS"] == 30
    path = result.save(tmp_path / "narratives")
    back = narratives.NarrativeResult.load(path)
    pd.testing.assert_frame_equal(back["frame_shares"], result["frame_shares"])
    assert back.summary["n_docs"] == n
    with pytest.raises(FileNotFoundError, match="no saved result"):
        narratives.NarrativeResult.load(tmp_path / "missing")
