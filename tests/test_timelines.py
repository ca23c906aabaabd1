"""Timelines on small synthetic corpora: binning, shares, exclusions, bursts, events."""

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from conflict_narratives import timelines as tl

TOPIC_TEXT = {
    -1: ("متفرقات", "misc notes"),
    0: ("حصار الغوطة الشرقية", "Ghouta siege"),
    1: ("معركة الحديدة في اليمن", "Hodeidah battle"),
    2: ("عملية عفرين التركية", "Afrin operation"),
}


def make_corpus(n=400, days=180, seed=0, burst_topic=2, burst_docs=50):
    """Random dates over ``days`` days from 2018-02-05; ``burst_docs`` extra documents of
    ``burst_topic`` in the 10 days from 2018-05-14."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2018-02-05", tz="UTC")
    offsets = list(rng.integers(0, days, n)) + list(98 + rng.integers(0, 10, burst_docs))
    topics = list(rng.integers(-1, 3, n)) + [burst_topic] * burst_docs
    rows = []
    for i, (off, t) in enumerate(zip(offsets, topics, strict=True)):
        ar, en = TOPIC_TEXT[t]
        rows.append({
            "doc_id": f"d{i}", "date": start + pd.Timedelta(days=int(off), hours=9),
            "date_status": "ok", "source": ["bbc", "cnn", "skynews"][i % 3],
            "title": f"{ar} {i}", "text": f"{ar}. {en} report number {i}.",
        })  # fmt: skip
    corpus = pd.DataFrame(rows)
    return corpus, pd.DataFrame({"doc_id": corpus["doc_id"], "topic": topics})


def test_period_start_bins_in_utc():
    dates = pd.Series(
        pd.to_datetime(["2018-03-04T23:30:00-05:00", "2018-03-31T12:00:00Z"], utc=True))
    assert tl.period_start(dates, "day").dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-05", "2018-03-31"]  # fmt: skip
    assert tl.period_start(dates, "week").dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-05", "2018-03-26"]  # fmt: skip  (Mondays)
    assert tl.period_start(dates, "month").dt.strftime("%Y-%m-%d").tolist() == [
        "2018-03-01", "2018-03-01"]  # fmt: skip
    with pytest.raises(ValueError, match="unknown freq"):
        tl.period_start(dates, "hour")


def test_choose_freq_from_span():
    def span(days):
        return pd.Series(pd.to_datetime(["2018-01-01", "2018-01-01"], utc=True)
                         + pd.to_timedelta([0, days], unit="D"))  # fmt: skip

    assert [tl.choose_freq(span(d)) for d in (0, 30, 200, 2000)] == [
        "day", "day", "week", "month"]  # fmt: skip
    with pytest.raises(ValueError, match="no dated"):
        tl.choose_freq(pd.Series([pd.NaT]))


def test_prevalence_counts_and_shares():
    corpus, doc_topics = make_corpus()
    docs, freq, _ = tl.dated_documents(corpus, doc_topics)
    assert freq == "week"
    prev = tl.prevalence(docs, freq, smooth=3)
    # complete grid: every week x every topic, zeros included
    n_weeks = prev["period"].nunique()
    assert len(prev) == n_weeks * 4
    assert prev["period"].diff().dropna().isin([pd.Timedelta(0), pd.Timedelta(days=7)]).all()
    per_period = prev.groupby("period")
    assert np.allclose(per_period["share"].sum(), 1.0)
    assert (per_period["count"].sum() == per_period["total"].first()).all()
    assert prev["count"].sum() == len(corpus)
    assert prev["share_smoothed"].between(0, 1).all()
    by = tl.prevalence(docs, freq, by="source")
    assert np.allclose(by.groupby(["period", "source"])["share"].sum(), 1.0)
    per_source = by.groupby("source")["count"].sum().to_dict()
    assert per_source == corpus["source"].value_counts().to_dict()


def test_undated_and_out_of_range_are_left_out_and_counted():
    corpus, doc_topics = make_corpus(n=100, burst_docs=0)
    corpus.loc[0, "date_status"] = "out_of_range"
    corpus.loc[0, "date"] = pd.Timestamp("2012-01-01", tz="UTC")
    corpus.loc[[1, 2], "date"] = pd.NaT
    corpus.loc[[1, 2], "date_status"] = ["missing", "unparseable"]
    corpus.loc[3, "date"] = pd.NaT  # status says ok but no date: undated
    doc_topics = doc_topics[doc_topics["doc_id"] != "d4"]
    result = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer())
    s = result.summary
    assert (s["excluded_out_of_range"], s["excluded_undated"], s["excluded_no_topic"]) == (1, 3, 1)
    assert s["n_docs"] == 100 - 5
    assert s["date_min"].year == 2018, "the 2012 outlier does not stretch the axis"
    assert result.prevalence["period"].min() >= pd.Timestamp("2018-02-05")


def test_stray_early_documents_are_trimmed_from_the_edges():
    corpus, doc_topics = make_corpus(n=300, burst_docs=0)
    early = pd.Timestamp("2017-12-04", tz="UTC") + pd.to_timedelta([0, 15], unit="D")
    corpus.loc[[0, 1], "date"] = early  # two stray items weeks before the bulk, status "ok"
    result = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer())
    assert result.summary["excluded_sparse_edges"] == 2
    assert result.prevalence["period"].min() == pd.Timestamp("2018-02-05")
    kept = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer(),
                             edge_min_fraction=None)  # fmt: skip
    assert kept.summary["excluded_sparse_edges"] == 0
    assert kept.prevalence["period"].min() == pd.Timestamp("2017-12-04")


def test_corpus_spanning_one_day():
    corpus, doc_topics = make_corpus(n=30, days=1, burst_docs=0)
    result = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer())
    assert result.summary["freq"] == "day"
    assert result.summary["n_periods"] == 1
    assert result.prevalence["share"].sum() == pytest.approx(1.0)
    assert result.bursts.empty and result.events.empty
    assert result.events.nlargest(5, "score").empty  # typed even when empty


def test_bursts_and_events_find_the_planted_story():
    corpus, doc_topics = make_corpus()
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(len(corpus), 8)).astype("float32")
    emb[doc_topics["topic"].to_numpy() == 2, 0] += 5  # the topic's documents cluster
    labels = ["outliers", "الغوطة", "الحديدة", "عفرين"]
    info = pd.DataFrame({"topic": [-1, 0, 1, 2], "label": labels})
    result = tl.build_timeline(corpus, doc_topics, embeddings=emb, topic_info=info,
                               vectorizer=CountVectorizer(), freq="week")  # fmt: skip
    b = result.bursts
    assert (b["topic"] == 2).any()
    burst = b[b["topic"] == 2].iloc[0]
    assert burst["start"] <= pd.Timestamp("2018-05-14") <= burst["end"]
    assert burst["intensity"] > 1.5
    prev = result.prevalence
    flagged = prev[prev["burst"]]
    assert (flagged["topic"] == 2).any()
    assert flagged["period"].between(burst["start"], burst["end"]).any()
    assert set(prev["label"]) == set(labels)
    events = result.events
    assert set(events["level"]) <= {"topic", "story", "day"}
    ev = events[(events["topic"] == 2) & (events["level"] == "topic")].iloc[0]
    assert ev["summary"] == ev["headlines"][0]
    assert pd.Timestamp("2018-05-14") <= ev["date"] <= pd.Timestamp("2018-05-24")
    assert ev["label"] == "عفرين"
    assert 1 <= len(ev["headlines"]) <= 3 and all("عفرين" in h for h in ev["headlines"])
    assert set(ev["outlets"]) == {"bbc", "cnn", "skynews"}
    assert ev["n_docs"] >= 50


def test_events_without_embeddings_use_tfidf():
    corpus, doc_topics = make_corpus(seed=2)
    # headlines fall back to the lead sentence; Arrow-backed strings as the corpus stage writes
    corpus["title"] = pd.Series([None] * len(corpus), dtype="string[pyarrow]")
    corpus["text"] = corpus["text"].astype("string[pyarrow]")
    result = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer(),
                               burst_method="zscore")  # fmt: skip
    assert result.summary["burst_method"] == "zscore"
    ev = result.events[result.events["topic"] == 2]
    assert not ev.empty
    assert all(h.startswith("عملية عفرين التركية.") for h in ev.iloc[0]["headlines"])


def test_topic_words_per_period_keep_arabic():
    corpus, doc_topics = make_corpus(n=200)
    docs, freq, _ = tl.dated_documents(corpus, doc_topics, "month")
    words = tl.topic_words_over_time(docs, top_n=5)
    assert set(words["topic"]) == {0, 1, 2}
    assert words.groupby("topic")["period"].nunique().min() >= 4
    afrin = words[words["topic"] == 2]
    assert afrin["words"].map(lambda ws: any("عفرين" in w for w in ws)).all()
    assert (words["count"].sum()) == (docs["topic"] != -1).sum()


def test_save_and_load_round_trip(tmp_path):
    corpus, doc_topics = make_corpus(n=150)
    result = tl.build_timeline(corpus, doc_topics, vectorizer=CountVectorizer())
    path = result.save(tmp_path / "timelines")
    back = tl.TimelineResult.load(path)
    assert back.summary["n_events"] == result.summary["n_events"]
    pd.testing.assert_frame_equal(back.prevalence, result.prevalence)
    assert back.events["headlines"].map(list).tolist() == result.events["headlines"].tolist()
    with pytest.raises(FileNotFoundError, match="no saved result"):
        tl.TimelineResult.load(tmp_path / "nothing")


def test_bad_inputs_get_clear_errors():
    corpus, doc_topics = make_corpus(n=30)
    with pytest.raises(ValueError, match="doc_topics needs"):
        tl.build_timeline(corpus, doc_topics.rename(columns={"topic": "t"}))
    with pytest.raises(ValueError, match="embeddings have"):
        tl.build_timeline(corpus, doc_topics, embeddings=np.zeros((3, 4)))
