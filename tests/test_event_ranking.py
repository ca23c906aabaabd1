"""Events dated to days, periods of coverage, one ranked list, corpus-adaptive story
thresholds: on constructed corpora whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.timelines import build_timeline
from conflict_narratives.timelines.build import timeline_settings
from conflict_narratives.timelines.stories import adapted_settings
from conflict_narratives.timelines.windows import bounded_window

START = pd.Timestamp("2023-10-01", tz="UTC")


def _channel(days=60, per_day=8, seed=0, spike=(30, [4, 3, 2]), routine=False,
             sources=("channel",)):
    """A quiet corpus of unrelated posts (``per_day`` a day), a story of ``spike[1]``
    posts a day from day ``spike[0]``, and optionally a templated post every day."""
    rng = np.random.default_rng(seed)
    rows, vecs = [], []

    def post(day, hour, title, vec):
        rows.append({"date": START + pd.Timedelta(days=day, hours=hour),
                     "source": sources[len(rows) % len(sources)], "title": title,
                     "text": title + "."})
        vecs.append(vec)

    for d in range(days):
        for k in range(per_day):
            post(d, k, f"post {d}-{k}", rng.normal(size=32))
    story = rng.normal(size=32)
    for i, n in enumerate(spike[1]):
        for k in range(n):
            post(spike[0] + i, 12 + k, f"Missile strike on the port {i}-{k}",
                 story + 0.15 * rng.normal(size=32))
    if routine:
        siren = rng.normal(size=32)
        for d in range(days):
            for k in range(3):
                post(d, 20 + k % 3, f"Sirens sounded in the north {d}-{k}",
                     siren + 0.15 * rng.normal(size=32))
    df = pd.DataFrame(rows)
    df["doc_id"] = [str(i) for i in range(len(df))]
    df["date_status"] = "ok"
    v = np.asarray(vecs, np.float32)
    return df, v / np.linalg.norm(v, axis=1, keepdims=True)


def _timeline(df, v, **kw):
    return build_timeline(df, df[["doc_id"]].assign(topic=0), embeddings=v, **kw)


def test_bounded_window_keeps_the_peak_and_its_busy_neighbours():
    days = pd.Series(pd.to_datetime(["2024-01-01"] * 1 + ["2024-01-05"] * 2 + ["2024-01-06"] * 8
                                    + ["2024-01-07"] * 4 + ["2024-01-20"] * 3))
    peak, start, end = bounded_window(days, 7)
    assert peak == pd.Timestamp("2024-01-06")
    assert (start, end) == (pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-07"))
    peak, start, end = bounded_window(pd.Series(pd.date_range("2024-01-01", periods=30)), 7)
    assert (end - start).days + 1 == 7 and start <= peak <= end
    with pytest.raises(ValueError):
        bounded_window(days, 0)


def test_single_source_corpus_gets_a_story_event_dated_to_days():
    df, v = _channel()
    tl = _timeline(df, v, freq="day")
    stories = tl.events[tl.events["level"] == "story"]
    assert len(stories) == 1  # no outlet rule with one outlet, counts scaled to 8 posts a day
    ev = stories.iloc[0]
    assert ev["summary"].startswith("Missile strike on the port")
    assert START.tz_localize(None) + pd.Timedelta(days=30) <= ev["date"] <= \
        START.tz_localize(None) + pd.Timedelta(days=32)
    assert ev["start"] <= ev["date"] <= ev["end"]
    assert (ev["end"] - ev["start"]).days + 1 <= 7
    assert ev["rank"] == 1 and 0 < ev["score"] <= 1


def test_story_thresholds_adapt_to_the_corpus():
    quiet, _ = _channel(days=10, per_day=2, spike=(3, [1]))
    p = adapted_settings({}, quiet, by=None)
    assert p["min_docs"] == 2 and p["min_day_docs"] == 2 and p["min_outlets"] == 1
    busy, _ = _channel(days=3, per_day=100, spike=(1, [1]), sources=("a", "b", "c"))
    p = adapted_settings({}, busy, by="source")
    assert p["min_docs"] == 5 and p["min_day_docs"] == 3 and p["min_outlets"] == 2
    two, _ = _channel(days=3, per_day=100, spike=(1, [1]), sources=("a", "b"))
    assert adapted_settings({"min_outlets": 4}, two, by="source")["min_outlets"] == 2


def test_a_month_long_burst_is_a_period_with_dated_events_inside():
    rng = np.random.default_rng(3)
    rows = []
    for d in range(120):
        lift = 30 <= d < 60
        for k in range(10):
            topic = 1 if rng.random() < (0.6 if lift else 0.1) else 0
            rows.append({"date": START + pd.Timedelta(days=d, hours=k), "topic": topic,
                         "source": "s", "title": f"topic{topic} report {d}",
                         "text": ["shelling of the city", "talks on the ceasefire"][topic]})
    df = pd.DataFrame(rows).assign(doc_id=lambda f: f.index.astype(str), date_status="ok")
    v = rng.normal(size=(len(df), 16)).astype(np.float32)
    tl = build_timeline(df, df[["doc_id", "topic"]], embeddings=v, freq="day",
                        stories={"enabled": False})
    spans = (tl.events["end"] - tl.events["start"]).dt.days + 1
    assert len(tl.events) and (spans <= 7).all()
    periods = tl.periods[(tl.periods["kind"] == "burst") & (tl.periods["topic"] == 1)]
    assert len(periods) == 1
    p = periods.iloc[0]
    assert p["n_days"] >= 20 and p["start"] <= START.tz_localize(None) + pd.Timedelta(days=35)
    inside = tl.events[tl.events["period"] == p["period"]]
    assert len(inside) == p["n_events"] >= 1
    assert inside["date"].between(p["start"], p["end"]).all()
    assert tl.summary["n_periods_of_coverage"] >= 1
    shorter = build_timeline(df, df[["doc_id", "topic"]], embeddings=v, freq="day",
                             stories={"enabled": False}, event_max_days=3)
    assert ((shorter.events["end"] - shorter.events["start"]).dt.days < 3).all()


def test_a_daily_template_is_routine_ranked_down_and_summarised_as_a_series():
    df, v = _channel(routine=True, spike=(30, [5, 4, 3]))
    tl = _timeline(df, v, freq="day")
    ev = tl.events
    sirens = ev[ev["summary"].str.startswith("Sirens")]
    strike = ev[ev["summary"].str.startswith("Missile")]
    assert len(sirens) and len(strike) == 1
    assert sirens["routine"].all() and not strike["routine"].any()
    assert strike["rank"].iloc[0] < sirens["rank"].min()
    assert not (ev["level"] == "day").any()  # no day stands out: none is a day event
    series = tl.periods[tl.periods["kind"] == "series"]
    assert len(series) == 1 and series.iloc[0]["n_events"] == len(sirens)
    assert series.iloc[0]["summary"].startswith("Sirens")


def test_a_barrage_of_the_routine_story_is_not_routine():
    df, v = _channel(routine=True, spike=(30, [5, 4, 3]))
    rng = np.random.default_rng(3)
    siren = v[df["title"].str.startswith("Sirens").to_numpy()].mean(axis=0)
    n = 40  # day 45: the sirens' story at about four times the corpus's daily posts
    barrage = pd.DataFrame({
        "date": [START + pd.Timedelta(days=45, hours=k % 24) for k in range(n)],
        "source": "channel", "title": [f"Sirens sounded in the north 45-b{k}" for k in range(n)],
        "date_status": "ok"}).assign(text=lambda d: d["title"] + ".")
    df = pd.concat([df, barrage.assign(doc_id=[f"b{k}" for k in range(n)])], ignore_index=True)
    bv = siren + 0.05 * rng.normal(size=(n, v.shape[1]))
    v = np.vstack([v, bv / np.linalg.norm(bv, axis=1, keepdims=True)]).astype(np.float32)
    day45 = START.tz_localize(None) + pd.Timedelta(days=45)

    def barrage_events(**kw):
        ev = _timeline(df, v, freq="day", **kw).events
        return ev[ev["summary"].str.startswith("Sirens") & (ev["start"] <= day45)
                  & (ev["end"] >= day45)]

    seen = barrage_events()
    assert len(seen) and (seen["recurrence"] >= 0.5).all()  # the routine story's content
    assert not seen["routine"].any() and seen["intensity"].min() >= 3  # at four times its level
    ranking = {**timeline_settings()["ranking"], "routine_intensity": float("inf")}
    flat = barrage_events(ranking=ranking)  # without the exception: routine, scored down
    assert flat["routine"].all() and (flat["score"].to_numpy() < seen["score"].to_numpy()).all()


def test_ranked_events_and_periods_survive_a_save(tmp_path):
    df, v = _channel()
    tl = _timeline(df, v, freq="day")
    back = type(tl).load(tl.save(tmp_path))
    for col in ("rank", "score", "novelty", "recurrence", "spread", "mentions", "routine",
                "period", "window_docs"):
        assert col in back.events
    pd.testing.assert_frame_equal(back.periods, tl.periods, check_dtype=False)


def test_a_burst_and_the_story_inside_it_are_one_event_in_the_ranking():
    from conflict_narratives.timelines.ranking import rank_events

    day = pd.Timestamp("2024-04-14")
    d = [day + pd.Timedelta(days=k) for k in range(6)]
    ev = pd.DataFrame({
        "topic": [0, 0, 0], "level": ["topic", "story", "story"], "date": [d[1]] * 3,
        "start": [day, day, day], "end": [d[2]] * 3,
        "doc_ids": [["1", "2"], ["2", "3", "4"], ["7", "8"]],
        "outlets": [["a"], ["a"], ["a"]], "window_docs": [9, 8, 3],
        "intensity": [3.0, 2.0, 1.0], "novelty": [0.5, 0.5, 0.1],
        "recurrence": [0.0, 0.0, 0.0]})

    def dup(events):
        return rank_events(events, n_outlets=1, named=None, weights={"window_docs": 1.0},
                           routine_share=0.5, routine_penalty=0.5,
                           routine_intensity=3.0, retold_words=4)["duplicate"].tolist()

    ranked = rank_events(ev, n_outlets=1, named=None, weights={"window_docs": 1.0},
                         routine_share=0.5, routine_penalty=0.5, routine_intensity=3.0,
                         retold_words=4)
    assert ranked["duplicate"].tolist() == [False, True, False]
    assert ranked["rank"].tolist() == [1, 3, 2]  # the story sharing the burst's documents last
    # one document in common is not enough (peaks three days apart: not the burst's story)
    assert dup(ev.assign(doc_ids=[["1", "2", "3"], ["3", "5", "6"], ["7"]],
                         date=[d[1], d[4], d[4]], end=[d[4]] * 3)) == [False] * 3
    # with no document in common, the burst's story is the best-ranked story of its topic
    # peaking within a day of it; a second story that day stays an event of its own
    apart = ev.assign(doc_ids=[["1", "2"], ["5", "6"], ["7", "8"]])
    assert dup(apart) == [False, True, False]
    assert dup(apart.assign(date=[d[1], d[3], d[3]], end=[d[4]] * 3)) == [False] * 3
    assert dup(apart.assign(topic=[0, 1, 2])) == [False] * 3
    assert dup(ev.assign(start=[day, d[4], d[4]], end=[d[2], d[5], d[5]])) == [False] * 3
    # a "day" event (drawn from every topic) and an event of another topic on the same
    # reports: one when their days are at most one apart, whatever their windows
    days = ev.assign(topic=[0, 3, 4], level=["topic", "day", "day"], date=[d[1], d[2], d[4]],
                     start=[day, d[2], d[3]], end=[d[2], d[2], d[5]],
                     doc_ids=[["1", "2"], ["2", "5"], ["5", "6"]])
    assert dup(days) == [False, True, False]
    assert dup(days.assign(date=[d[1], d[3], d[4]])) == [False, False, True]
    with pytest.raises(ValueError, match="unknown ranking features"):
        rank_events(ev, n_outlets=1, named=None, weights={"size": 1.0}, routine_share=0.5,
                    routine_penalty=0.5, routine_intensity=3.0, retold_words=4)


def test_one_event_told_by_two_topics_is_listed_once():
    from conflict_narratives.timelines.ranking import duplicates

    day = pd.Timestamp("2018-05-06")
    election = ["انتخابات", "الانتخابات", "انتخابات لبنان", "حزب", "البرلمان"]
    # filler events: "killed", "strike", "syria", "monitor" are the corpus's common words
    common = ["killed strike", "syria", "monitor"]
    rows = [(0, day, election),
            (1, day + pd.Timedelta(days=1),
             ["لبنان", "انتخابات", "الانتخابات البلديه", "البرلمان", "الاقتراع"]),
            (2, day, common + ["kobani"]), (3, day, common + ["idlib"]),
            (4, day + pd.Timedelta(days=3), election)]
    rows += [(5 + k, day + pd.Timedelta(days=10 + k), common + [f"place{k}"])
             for k in range(150)]
    ev = pd.DataFrame({"topic": [r[0] for r in rows], "level": "topic",
                       "date": [r[1] for r in rows], "start": [r[1] for r in rows],
                       "end": [r[1] for r in rows], "words": [r[2] for r in rows],
                       "doc_ids": [[str(k)] for k in range(len(rows))]})
    dup = duplicates(ev, np.arange(len(ev)), retold_words=4)
    # the Lebanese election as two topics' events a day apart: 4 shared words, rare ones
    assert dup[1]
    # four shared words, none rare (each in most of the corpus's events): two events
    assert not dup[3]
    # the same words two days after the last: another event
    assert not dup[4]
    assert not duplicates(ev, np.arange(len(ev)), retold_words=5)[1]
    # the story that makes a burst told by another topic goes with it
    aoun = pd.DataFrame([{"topic": 1, "level": "story", "date": day + pd.Timedelta(days=1),
                          "start": day + pd.Timedelta(days=1),
                          "end": day + pd.Timedelta(days=1), "words": ["عون", "يدلي"],
                          "doc_ids": ["aoun"]}])
    with_story = pd.concat([ev, aoun], ignore_index=True)
    dup = duplicates(with_story, np.arange(len(with_story)), retold_words=4)
    assert dup[1] and dup[-1] and not dup[0]
    # two days (day events) are two events, whatever their words
    assert not duplicates(ev.assign(level="day"), np.arange(len(ev)), retold_words=4)[1]
