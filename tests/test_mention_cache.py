"""The days each document names, kept per document (``timelines.mention_cache``): read
once, equal to reading them directly, read again only for an edited document."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.store import Store
from conflict_narratives.timelines import mention_cache
from conflict_narratives.timelines.date_selection import date_mentions


def _corpus() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "title": ["Strikes on March 3, 2017", None, "No date here", "Talks"],
        "text": ["The army entered the city on 5 March 2017, a day after.",
                 "Yesterday the convoy was hit; talks resume on Monday.",
                 "This row has no publication date: on 1 May 2016 nothing.",
                 "Nothing dated in this text."],
        "date": pd.to_datetime(["2017-03-06", "2017-03-08", None, "2017-03-09"]),
    })


@pytest.fixture
def reads(monkeypatch):
    """The number of documents whose dates were read, call by call."""
    counted: list[int] = []

    def counting(df, *args, **kwargs):
        counted.append(len(df))
        return date_mentions(df, *args, **kwargs)

    monkeypatch.setattr(mention_cache, "date_mentions", counting)
    return counted


def test_mentions_are_read_once_and_equal_reading_them(tmp_path, reads):
    store, corpus = Store(tmp_path), _corpus()
    first = mention_cache.cached_mentions(corpus, store)
    dated = corpus["date"].notna().to_numpy()
    assert [m for m, d in zip(first, dated, strict=True) if d] == date_mentions(corpus[dated])
    assert dt.date(2017, 3, 5) in first[0] and dt.date(2017, 3, 7) in first[1]
    assert first[2] == [] and first[3] == []  # undated row; a text naming no day
    assert reads == [3]
    again = mention_cache.cached_mentions(corpus.iloc[::-1].reset_index(drop=True), store)
    assert again == first[::-1] and reads == [3]  # none read, whatever the row order


def test_an_edited_document_is_read_again(tmp_path, reads):
    store, corpus = Store(tmp_path), _corpus()
    mention_cache.cached_mentions(corpus, store)
    edited = corpus.assign(text=corpus["text"].where(corpus["doc_id"] != "a",
                                                     "The army entered on 1 March 2017."))
    moved = edited.assign(date=edited["date"].where(edited["doc_id"] != "d",
                                                    pd.Timestamp("2017-04-01")))
    got = mention_cache.cached_mentions(moved, store)
    assert reads == [3, 2]  # the edited text, the moved publication day
    assert got[0] == [dt.date(2017, 3, 3), dt.date(2017, 3, 1)]  # title, then text
    dated = moved["date"].notna().to_numpy()
    assert [m for m, d in zip(got, dated, strict=True) if d] == date_mentions(moved[dated])


def test_pruned_shards_are_read_again_not_lost(tmp_path, reads):
    store, corpus = Store(tmp_path), _corpus()
    first = mention_cache.cached_mentions(corpus, store, max_bytes=0)  # nothing kept
    assert store.array_keys(mention_cache.KIND) == []
    assert mention_cache.cached_mentions(corpus, store) == first and reads == [3, 3]


def test_a_timeline_from_kept_mentions_equals_one_that_reads_them(tmp_path):
    from conflict_narratives.timelines import build_timeline
    from test_stories import _busy_topic

    df, v = _busy_topic()
    corpus = pd.concat([df.iloc[[0]].assign(doc_id="undated"), df], ignore_index=True)
    corpus["date"] = corpus["date"].where(corpus.index > 0)  # shifts every row by one
    corpus["date_status"] = ["missing"] + ["ok"] * len(df)
    vectors = np.vstack([v[:1], v])
    kept = mention_cache.cached_mentions(corpus, Store(tmp_path))
    topics = corpus[["doc_id", "topic"]]
    read = build_timeline(corpus, topics, embeddings=vectors, freq="week")
    cached = build_timeline(corpus, topics, embeddings=vectors, freq="week", mentions=kept)
    assert len(read.events) and read.dates["selected"].any()
    pd.testing.assert_frame_equal(cached.events, read.events)
    pd.testing.assert_frame_equal(cached.dates, read.dates)
