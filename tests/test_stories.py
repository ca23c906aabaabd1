"""Story-level events beneath topics: a story dominating a few days inside a busy topic is
an event even when the topic's weekly share is flat."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.timelines import build_timeline
from conflict_narratives.timelines.stories import detect_stories, story_events


def _busy_topic(seed=0):
    """One topic, 8 weeks x 7 days x 6 background documents (unrelated directions), plus a
    story of 12 documents from 3 outlets on two days of week 5, and a second topic."""
    rng = np.random.default_rng(seed)
    rows, vecs = [], []
    days = pd.date_range("2018-03-05", periods=56, freq="D", tz="UTC")
    for d in days:
        for k in range(6):
            rows.append({"date": d + pd.Timedelta(hours=k), "topic": 0,
                         "source": f"o{k % 3}", "title": f"routine report {d:%m%d}-{k}",
                         "text": "Fighting continued."})
            vecs.append(rng.normal(size=32))
        for k in range(4):
            rows.append({"date": d + pd.Timedelta(hours=k), "topic": 1, "source": f"o{k % 3}",
                         "title": f"economy {d:%m%d}-{k}", "text": "Markets."})
            vecs.append(rng.normal(size=32))
    story = rng.normal(size=32)
    for i in range(12):
        day = days[30] if i < 8 else days[31]
        rows.append({"date": day + pd.Timedelta(hours=8 + i % 8), "topic": 0,
                     "source": f"o{i % 3}", "title": f"Chemical attack on Douma {i}",
                     "text": "Dozens killed in Douma on Saturday."})
        vecs.append(story + 0.2 * rng.normal(size=32))
    df = pd.DataFrame(rows)
    df["date"] = df["date"].dt.tz_convert("UTC")
    df["doc_id"] = [str(i) for i in range(len(df))]
    v = np.asarray(vecs, np.float32)
    return df, v / np.linalg.norm(v, axis=1, keepdims=True)


def test_detect_stories_groups_the_story_and_splits_noise():
    df, v = _busy_topic()
    labels = detect_stories(df, v, threshold=0.75, window_days=3)
    story = labels[df["title"].str.startswith("Chemical").to_numpy()]
    assert len(set(story)) == 1
    assert (labels == story[0]).sum() == 12
    other = labels[df["topic"].eq(1).to_numpy()]
    assert not set(other) & set(story)
    with pytest.raises(ValueError):
        detect_stories(df, v[:-1])


def test_story_event_in_a_flat_topic_reaches_the_event_table():
    df, v = _busy_topic()
    tl = build_timeline(df.assign(date_status="ok"), df[["doc_id", "topic"]], embeddings=v,
                        freq="week")
    # the topic's weekly share hardly moves: no burst, yet the story is an event
    assert (tl.events["level"] == "topic").sum() == 0
    story = tl.events[tl.events["level"] == "story"]
    assert len(story) == 1
    ev = story.iloc[0]
    # "Saturday" (03-31) lies > 3 days before the story starts: the busiest day dates it
    assert ev["date"] == pd.Timestamp("2018-04-04")
    assert ev["n_docs"] == 12 and sorted(ev["outlets"]) == ["o0", "o1", "o2"]
    assert ev["summary"].startswith("Chemical attack on Douma")
    assert len(ev["doc_ids"]) == 12 and ev["evidence"] > 0.5
    assert tl.summary["n_story_events"] == 1
    off = build_timeline(df.assign(date_status="ok"), df[["doc_id", "topic"]], embeddings=v,
                         freq="week", stories={"enabled": False})
    assert (off.events["level"] == "story").sum() == 0


def test_story_settings_are_checked():
    df, v = _busy_topic()
    docs = df.assign(row=np.arange(len(df)))
    with pytest.raises(ValueError, match="unknown story settings"):
        story_events(docs, v, min_doc=3)


def test_no_story_event_keeps_the_table_typed():
    df, v = _busy_topic()
    keep = ~df["title"].str.startswith("Chemical")
    df, v = df[keep], v[keep.to_numpy()]
    tl = build_timeline(df.assign(date_status="ok"), df[["doc_id", "topic"]], embeddings=v,
                        freq="week")
    assert tl.summary["n_story_events"] == 0
    assert {"level", "summary"} <= set(tl.events.columns)
