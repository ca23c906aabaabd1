"""Day events (timelines.days) and the day score of the ranking: a day the corpus names
again weeks later is an event near the top even when few documents were published on it."""

import numpy as np
import pandas as pd

from conflict_narratives.timelines import build_timeline
from conflict_narratives.timelines.days import uncovered_days
from conflict_narratives.timelines.ranking import day_scores, later_mentions

START = pd.Timestamp("2023-10-01", tz="UTC")
DAM = pd.Timestamp("2023-10-21")  # day 20


def _channel(named_later=15, seed=0):
    """One outlet, 60 days of 3 unrelated posts a day; on day 20 two of the three are on a
    dam burst (no busier than any day), and ``named_later`` posts of the next weeks recalling
    "the dam burst on 21 October 2023" (each its own text and vector: no story, no burst)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(60):
        for k in range(1 if d == 20 else 3):
            rows.append((d, k, f"Market prices and weather report {d}-{k}."))
    rows += [(20, 5, "The dam above the valley burst."),
             (20, 6, "Floods after the dam burst reach the valley.")]
    later = rng.choice(np.arange(26, 60), size=named_later, replace=False)
    rows += [(int(d), 7, f"Repairs {i} go on since the dam burst on 21 October 2023.")
             for i, d in enumerate(sorted(later))]
    df = pd.DataFrame({"date": [START + pd.Timedelta(days=d, hours=h) for d, h, _ in rows],
                       "source": "channel", "title": "",
                       "text": [t for _, _, t in rows]})
    df["doc_id"] = [str(i) for i in range(len(df))]
    df["date_status"] = "ok"
    v = rng.normal(size=(len(df), 32)).astype(np.float32)
    v[df["text"].str.contains("dam"), 0] += 6.0  # texts on the dam are alike
    return df, v / np.linalg.norm(v, axis=1, keepdims=True)


def _timeline(df, v, **kw):
    return build_timeline(df, df[["doc_id"]].assign(topic=0), embeddings=v, freq="day", **kw)


def test_a_day_named_again_later_is_an_event_near_the_top():
    df, v = _channel()
    tl = _timeline(df, v)
    events = tl.events.sort_values("rank")
    near = events[(events["date"] - DAM).abs() <= pd.Timedelta(days=1)]
    assert len(near), "no event on the day the corpus keeps naming"
    best = near.iloc[0]
    assert best["rank"] <= 3
    assert best["level"] == "day" and best["date"] == DAM
    assert best["start"] <= DAM <= best["end"]
    assert "dam" in best["summary"].casefold()
    # headlined by the reports of its window, not by the later ones recalling it
    told = df.set_index("doc_id").loc[best["doc_ids"], "date"].dt.tz_localize(None).dt.floor("D")
    assert told.between(best["start"], best["end"]).all()
    assert not any(h.startswith("Repairs") for h in best["headlines"])
    assert best["mentions"] >= 15  # the corpus's later mentions, not one topic's
    spans = (tl.events["end"] - tl.events["start"]).dt.days + 1
    assert (spans <= 7).all()
    assert tl.summary["n_day_events"] == int((tl.events["level"] == "day").sum()) >= 1


def test_day_events_off_and_a_day_nobody_names_again():
    df, v = _channel()
    off = _timeline(df, v, day_events=0)
    assert not (off.events["level"] == "day").any()
    assert off.summary["n_day_events"] == 0
    quiet, vq = _channel(named_later=0)
    tl = _timeline(quiet, vq)
    top = tl.events.sort_values("rank").head(3)
    assert not ((top["date"] - DAM).abs() <= pd.Timedelta(days=1)).any()


def test_uncovered_days_skip_days_an_event_is_dated_to():
    dates = pd.DataFrame({"date": pd.to_datetime(["2024-01-10", "2024-01-03", "2024-01-05",
                                                  "2024-01-20", "2024-01-25"]),
                          "rank": [1, 2, 3, 4, 5], "published": [9, 5, 5, 20, 6],
                          "same": [0, 1, 0, 0, 1], "lag1_3": 0, "lag4_7": 0,
                          "lag8_30": [0, 1, 0, 0, 0], "lag31_": 0, "before": 0})
    events = pd.DataFrame({"date": pd.to_datetime(["2024-01-11"]),
                           "start": pd.to_datetime(["2024-01-01"]),
                           "end": pd.to_datetime(["2024-01-11"])})
    # 10 Jan: an event is dated a day later; 3 Jan: inside its window, dated elsewhere,
    # named by two documents; 5 Jan: inside it, named by none (its volume is the event's);
    # 20 Jan: outside every window, busier than the median day (6); 25 Jan: outside them
    # too, but neither named twice nor busier than the median: it does not stand out
    assert uncovered_days(dates, events, 5) == [pd.Timestamp("2024-01-03"),
                                                 pd.Timestamp("2024-01-20")]
    assert uncovered_days(dates, events, 1) == []


def test_day_score_and_mentions_of_an_event():
    days = pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"])
    dates = pd.DataFrame({"date": days, "score": [0.5, 2.0, -1.0], "lag4_7": [1, 0, 0],
                          "lag8_30": [2, 0, 0], "lag31_": [0, 4, 0]})
    named = pd.DataFrame({"topic": [3, 3], "date": pd.to_datetime(["2024-01-01", "2024-01-04"]),
                          "mentioned_far": [2.0, 0.0], "score": [1.5, -0.5]})
    events = pd.DataFrame({
        "topic": [3, 3, 3, 3, 9], "level": ["topic", "day", "story", "topic", "story"],
        "start": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-04", "2024-01-10",
                                 "2024-01-01"]),
        "end": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-10",
                               "2024-01-01"])})
    # the best ranked day of the window among the topic's days (a day event: the corpus's);
    # a window of unranked days: the table's lowest score; a topic without days: 0
    assert day_scores(events, named, dates).tolist() == [1.5, 2.0, -0.5, -0.5, 0.0]
    # a topic's or story's event: its topic's later mentions; a day event: the corpus's
    assert later_mentions(events, named, dates).tolist() == [2.0, 7.0, 0.0, 0.0, 0.0]
    assert day_scores(events, None, None).tolist() == [0.0] * 5
