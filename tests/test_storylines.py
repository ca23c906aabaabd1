"""Storyline linking and trace on a small hand-made corpus with controlled embeddings."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.narratives.outlets import first_and_most
from conflict_narratives.narratives.storylines import (
    chain_headlines,
    chains,
    link_storylines,
    trace,
)


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


# Three story directions; small perturbations give near-duplicates of a story.
STORY = {k: unit(np.eye(8)[i]) for i, k in enumerate(["mosul", "ghouta", "hodeidah"])}


def near(story, eps, seed):
    rng = np.random.default_rng(seed)
    return unit(STORY[story] + eps * rng.standard_normal(8))


@pytest.fixture()
def corpus():
    rows = [  # doc_id, date, source, story, title
        ("m1", "2018-03-01 08:00", "bbc", "mosul", "القوات العراقية تدخل الموصل"),
        ("m2", "2018-03-01 12:00", "cnn", "mosul", "Iraqi forces enter Mosul"),
        ("m3", "2018-03-03 09:00", "skynews", "mosul", "انهيار داعش في الموصل"),
        ("m4", "2018-03-20 09:00", "bbc", "mosul", "الموصل بعد أسابيع"),  # outside window
        ("g1", "2018-03-02 10:00", "alarabia", "ghouta", "قصف على الغوطة الشرقية"),
        ("g2", "2018-03-02 18:00", "alarabia", "ghouta", "ضحايا مدنيون في الغوطة"),
        ("h1", "2018-03-02 11:00", "france24", "hodeidah", "معارك الحديدة"),
        ("u1", None, "cnn", "mosul", "undated Mosul piece"),
    ]
    df = pd.DataFrame(rows, columns=["doc_id", "date", "source", "story", "title"])
    df["date"] = pd.to_datetime(df["date"], utc=True)
    df["date_status"] = np.where(df["date"].notna(), "ok", "missing")
    matrix = np.stack([near(s, 0.15, i) for i, s in enumerate(df["story"])])
    return df, matrix


def test_links_nearest_earlier_article_across_outlets(corpus):
    df, matrix = corpus
    s = link_storylines(df, matrix, window_days=3, threshold=0.8).set_index("doc_id")
    assert pd.isna(s.loc["m1", "parent_id"])  # first of its story
    assert s.loc["m2", "parent_id"] == "m1"  # other outlet, other language
    assert s.loc["m3", "parent_id"] in {"m1", "m2"}
    assert pd.isna(s.loc["m4", "parent_id"])  # 17 days later: outside the window
    assert s.loc["g2", "parent_id"] == "g1"
    assert pd.isna(s.loc["h1", "parent_id"])  # different story, same days
    assert pd.isna(s.loc["u1", "parent_id"])  # undated: never linked
    assert s.loc["m1", "chain_id"] == s.loc["m3", "chain_id"] != s.loc["m4", "chain_id"]
    assert s.loc["m1", "chain_id"] == 0  # chains numbered by first date
    assert s.loc["m3", "chain_size"] == 3


def test_never_links_to_a_later_article(corpus):
    df, matrix = corpus
    s = link_storylines(df, matrix, window_days=30, threshold=0.5).set_index("doc_id")
    dates = df.set_index("doc_id")["date"]
    linked = s[s["parent_id"].notna()]
    assert (dates[linked["parent_id"]].to_numpy() <= dates[linked.index].to_numpy()).all()
    assert s.loc["m4", "parent_id"] in {"m1", "m2", "m3"}  # in a 30-day window it links


def test_threshold_above_all_similarities_links_nothing(corpus):
    df, matrix = corpus
    s = link_storylines(df, matrix, window_days=3, threshold=1.01)
    assert s["parent_id"].isna().all() and s["chain_id"].nunique() == len(df)


def test_out_of_range_dates_are_not_linked(corpus):
    df, matrix = corpus
    df = df.assign(date_status=np.where(df["doc_id"] == "m2", "out_of_range", df["date_status"]))
    s = link_storylines(df, matrix, threshold=0.8).set_index("doc_id")
    assert pd.isna(s.loc["m2", "parent_id"]) and s.loc["m2", "chain_size"] == 1


def test_misaligned_matrix_is_an_error(corpus):
    df, matrix = corpus
    with pytest.raises(ValueError, match="embedding rows"):
        link_storylines(df, matrix[:-1])


def test_chains_headlines_and_first_and_most(corpus):
    df, matrix = corpus
    s = link_storylines(df, matrix, window_days=3, threshold=0.8)
    c = chains(s)
    assert c.iloc[0]["n_docs"] == 3 and c.iloc[0]["first_source"] == "bbc"
    assert set(c.iloc[0]["sources"]) == {"bbc", "cnn", "skynews"}
    heads = chain_headlines(s, int(c.iloc[0]["chain_id"]))
    assert heads["date"].is_monotonic_increasing and heads.iloc[0]["title"].startswith("القوات")
    per_chain, per_outlet = first_and_most(s)
    assert len(per_chain) == 1  # the ghouta chain has one outlet only
    bbc = per_outlet.set_index("source").loc["bbc"]
    assert (bbc["n_chains"], bbc["n_first"], bbc["n_most"]) == (1, 1, 1)


def test_trace_finds_story_or_says_no_match(corpus):
    df, matrix = corpus
    s = link_storylines(df, matrix, threshold=0.8)
    frames = pd.DataFrame({"doc_id": df["doc_id"], "frame": "military operations"})
    found = trace(near("mosul", 0.1, 99), df, matrix, stories=s, doc_frames=frames,
                  threshold=0.8)
    assert found["status"] == "found"
    assert {m["doc_id"] for m in found["matches"]} <= {"m1", "m2", "m3", "m4", "u1"}
    assert {o["source"] for o in found["outlets"]} >= {"bbc", "cnn"}
    assert found["outlets"][0]["frames"] == {"military operations": found["outlets"][0]
                                             ["n_matches"]}
    assert any(st["n_docs"] == 3 for st in found["stories"])
    unrelated = unit(np.eye(8)[7])
    miss = trace(unrelated, df, matrix, stories=s, threshold=0.5)
    assert miss["status"] == "no_match" and "matches" not in miss
    assert miss["best_similarity"] < 0.5 and len(miss["nearest"]) == 5
    assert "close enough" in miss["message"]


def test_trace_requires_a_shared_actor_when_the_query_names_one(corpus):
    df, matrix = corpus
    mentions = pd.DataFrame({"doc_id": ["m2", "m3", "g1"],
                             "actor": ["ISIS", "Iraqi forces", "ISIS"]})
    q = near("mosul", 0.1, 99)
    res = trace(q, df, matrix, query_actors={"ISIS"}, mentions=mentions, threshold=0.8)
    assert [m["doc_id"] for m in res["matches"]] == ["m2"]
    assert res["matches"][0]["shared_actors"] == ["ISIS"]
    none = trace(q, df, matrix, query_actors={"Houthis"}, mentions=mentions, threshold=0.8)
    assert none["status"] == "no_match" and "sharing an actor" in none["message"]
    assert trace(q, df, matrix, query_actors=set(), mentions=mentions,
                 threshold=0.8)["n_matches"] >= 3  # a query naming no actor: similarity only


def test_dense_days_linked_in_bounded_chunks_match_brute_force(monkeypatch):
    """Days far denser than one comparison block (chunks of 7 queries × 5 candidates here):
    every document still gets its most similar earlier article within the window."""
    from conflict_narratives.narratives import storylines

    monkeypatch.setattr(storylines, "QUERY_ROWS", 7)
    monkeypatch.setattr(storylines, "CANDIDATE_ROWS", 5)
    rng = np.random.default_rng(3)
    n = 120
    t = np.sort(rng.integers(0, 5, n)) * storylines.DAY + rng.integers(0, 3, n) * 3_600 * 10**9
    t = np.sort(t)
    order = rng.permutation(n)
    vectors = rng.normal(size=(n, 6)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    parent, best = storylines.link_parents(order, t, vectors, window_days=1.5, threshold=0.3)
    window = 1.5 * storylines.DAY
    for q in range(n):
        cands = [c for c in range(q) if t[c] >= t[q] - window]
        sims = [float(vectors[order[q]] @ vectors[order[c]]) for c in cands]
        if not sims or max(sims) < 0.3:
            assert parent[q] == -1
        else:
            assert parent[q] == order[cands[int(np.argmax(sims))]]
            assert best[q] == pytest.approx(max(sims), abs=1e-6)
    assert (parent >= 0).sum() > 60
