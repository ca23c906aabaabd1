"""One ranked list of events, and the periods and series the events sit in.

Each event (:mod:`.events`, :mod:`.stories`) is scored by what an analyst would quote
(:func:`rank_events`), from features that carry over between corpora because each enters
as its percentile among the corpus's events:

- ``window_docs``: documents in the event's dated window (volume);
- ``intensity``: how far above its topic's usual level the event is;
- ``novelty``: 1 − the cosine of the event to the nearest topic document of the days
  before it (a story the topic has not told lately);
- ``spread``: the share of the corpus's outlets covering it (only where there are several);
- ``mentions``: documents of the topic (a ``"day"`` event: of the corpus) published more
  than 3 days after a day of the window that name that day (retrospective mentions: the
  strongest signal of the Timeline17 development set);
- ``day``: the learned date ranker's score (:mod:`.date_ranker`) of the best day of the
  event's window among its topic's days (a ``"day"`` event, :mod:`.days`: among the
  corpus's, the ``dates`` table): the days a journalist's timeline would list;
- ``recurrence``: the share of the topic's other weeks holding a story as close to the
  event as its own documents. An event at or above ``routine_share`` is *routine* (sirens,
  daily casualty bulletins, weather), unless its ``intensity`` reaches
  ``routine_intensity`` (the day of a barrage: the sirens' story at three times its usual
  level is news): its score is multiplied by ``1 − routine_penalty``, and its topic's
  routine events are summarised as one *series* in the periods table.

``score`` is the weighted mean of the percentiles (``timelines.ranking`` weights), ``rank``
1 the most important; an event that repeats a better-ranked one (a topic burst and the
story inside it) is a ``duplicate`` and ranks after all the others. A burst or story whose
days run past ``timelines.event_max_days`` is a *period* of heightened coverage
(:func:`periods_table`), its event dated at its peak.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

RANK_FEATURES = ("window_docs", "intensity", "novelty", "spread", "mentions", "day")
PERIOD_COLUMNS = ["period", "kind", "topic", "label", "start", "end", "n_days", "n_docs",
                  "n_events", "peak", "summary"]


def later_mentions(events: pd.DataFrame, named: pd.DataFrame | None,
                   dates: pd.DataFrame | None = None) -> np.ndarray:
    """Per event, the documents of its topic naming a day of its window from more than 3
    days later (``named``: ``topic, date, mentioned_far`` per topic and named day; None:
    zeros); a ``"day"`` event (no topic of its own), the corpus's documents (``dates``:
    the ranked days with their mentions by lag)."""
    if events.empty:
        return np.zeros(0)
    far = pd.Series(dtype=float) if named is None or named.empty else \
        named.set_index(["topic", "date"])["mentioned_far"]
    every = pd.Series(dtype=float) if dates is None or dates.empty else pd.Series(
        dates[["lag4_7", "lag8_30", "lag31_"]].sum(axis=1).to_numpy(float),
        index=pd.to_datetime(dates["date"]))
    return np.array([sum(every.get(d, 0) if level == "day" else far.get((t, d), 0)
                         for d in pd.date_range(a, b, freq="D"))
                     for t, a, b, level in zip(events["topic"], events["start"], events["end"],
                                               events["level"], strict=True)], float)


def day_scores(events: pd.DataFrame, named: pd.DataFrame | None,
               dates: pd.DataFrame | None) -> np.ndarray:
    """Per event, the best date ranker ``score`` among the days of its window: of its
    topic's days (``named``: :func:`named_days`), of the corpus's for a ``"day"`` event
    (``dates``: the ranked days); a day not ranked counts as the lowest score of its table
    (no table: zeros)."""
    def table(frame: pd.DataFrame | None) -> pd.Series:
        if frame is None or frame.empty or "score" not in frame:
            return pd.Series(dtype=float)
        frame = frame.dropna(subset=["score"])
        return pd.Series(frame["score"].to_numpy(float), index=pd.to_datetime(frame["date"]))

    every = table(dates)
    topics = {t: table(g) for t, g in named.groupby("topic")} if named is not None \
        and "score" in named else {}
    out = []
    for t, a, b, level in zip(events["topic"], events["start"], events["end"],
                              events["level"], strict=True):
        score = every if level == "day" else topics.get(t, pd.Series(dtype=float))
        days = score.reindex(pd.date_range(a, b, freq="D"))
        out.append(days.fillna(score.min()).max() if len(score) else 0.0)
    return np.array(out, float)


def rank_events(events: pd.DataFrame, *, n_outlets: int, named: pd.DataFrame | None,
                weights: Mapping[str, float], routine_share: float,
                routine_penalty: float, routine_intensity: float, retold_words: int,
                dates: pd.DataFrame | None = None) -> pd.DataFrame:
    """``events`` with ``spread``, ``mentions``, ``day``, ``routine``, ``score`` and
    ``rank`` (see the module): weights of :data:`RANK_FEATURES`; ``spread`` weighs nothing
    with one outlet; ``dates``: the ranked days (:func:`day_scores`); ``retold_words``: see
    :func:`duplicates`."""
    unknown = set(weights) - set(RANK_FEATURES)
    if unknown:
        raise ValueError(f"unknown ranking features {sorted(unknown)}; known: {RANK_FEATURES}")
    out = events.assign(
        spread=events["outlets"].str.len() / n_outlets if n_outlets > 1 else 0.0,
        mentions=later_mentions(events, named, dates), day=day_scores(events, named, dates),
        routine=(events["recurrence"] >= routine_share)
        & (events["intensity"] < routine_intensity))
    weights = {f: float(w) for f, w in weights.items() if w and (f != "spread" or n_outlets > 1)}
    if out.empty or not weights:
        return out.assign(score=0.0, rank=np.arange(1, len(out) + 1))
    score = sum(w * out[f].astype(float).rank(pct=True) for f, w in weights.items())
    score = score / sum(weights.values()) * np.where(out["routine"], 1 - routine_penalty, 1)
    order = np.lexsort((-out["window_docs"].to_numpy(), -score.to_numpy()))
    duplicate = duplicates(out, order, retold_words)
    order = np.concatenate([order[~duplicate[order]], order[duplicate[order]]])
    rank = np.empty(len(out), np.int64)
    rank[order] = np.arange(1, len(out) + 1)
    return out.assign(score=score.astype(float), rank=rank, duplicate=duplicate)


def duplicates(events: pd.DataFrame, order: np.ndarray, retold_words: int) -> np.ndarray:
    """Per event, whether an event before it in ``order`` tells the same thing: at least
    half the documents of the one with fewer in common, and windows that overlap or touch,
    or, where one is a ``"day"`` event (drawn from every topic), peak days at most a day
    apart (a day that a story's week names again is an event of its own; two days that one
    report names side by side are two); or a topic burst and one story of its topic peaking
    at most a day apart in overlapping windows (the story that makes the burst: one event
    to the reader, whichever headlines each drew; a burst stands for one story, so a second
    story of that day stays an event); or bursts or stories of two topics peaking at most a
    day apart that share ``retold_words`` of their words (``words``, bigrams as their two
    words), one of them rare among the corpus's events (in at most 2 % of them, at least
    2): one event told by two topics (an election as politics and as the country's news;
    not two days, whose words are the news of adjacent days); a story that makes a burst
    which is itself a duplicate is one too. Duplicates go to the end of the ranking."""
    words = [{p for w in ws for p in str(w).split()} for ws in events["words"]] \
        if "words" in events else [set()] * len(events)
    known = Counter(w for ws in words for w in ws)
    rare = {w for w, n in known.items() if n <= max(2, 0.02 * len(events))}
    out = np.zeros(len(events), bool)
    kept: list[dict] = []
    dropped: list[dict] = []  # duplicates: their story, when they are a burst, goes too
    for i in order:
        e = events.iloc[i]
        ev = {"level": e["level"], "topic": e["topic"], "date": e["date"], "start": e["start"],
              "end": e["end"], "docs": set(e["doc_ids"]), "absorbed": False,
              "words": words[i]}
        match = next((k for k in kept if _shares(ev, k) or _makes(ev, k)
                      or _retells(ev, k, retold_words, rare)), None) \
            or next((d for d in dropped if _makes(ev, d)), None)
        if match is None:
            kept.append(ev)
            continue
        out[i] = True
        dropped.append(ev)
        match["absorbed"] |= _burst_and_story(ev, match)
    return out


_ONE = pd.Timedelta(days=1)


def _shares(a: dict, b: dict) -> bool:
    """Half the documents of the one with fewer in common, in time (see :func:`duplicates`)."""
    if not 2 * len(a["docs"] & b["docs"]) >= min(len(a["docs"]), len(b["docs"])) > 0:
        return False
    if "day" in (a["level"], b["level"]):
        return abs(a["date"] - b["date"]) <= _ONE
    return b["start"] - _ONE <= a["end"] and a["start"] <= b["end"] + _ONE


def _burst_and_story(a: dict, b: dict) -> bool:
    return a["topic"] == b["topic"] and {a["level"], b["level"]} == {"topic", "story"}


def _makes(a: dict, b: dict) -> bool:
    """A topic burst (that has no story yet) and a story of its topic peaking within a day,
    windows overlapping."""
    return _burst_and_story(a, b) and not b["absorbed"] and \
        abs(a["date"] - b["date"]) <= _ONE and b["start"] <= a["end"] and a["start"] <= b["end"]


def _retells(a: dict, b: dict, n_words: int, rare: set[str]) -> bool:
    """Two topics' bursts or stories a day apart at most, sharing ``n_words`` words, one
    ``rare``."""
    shared = a["words"] & b["words"]
    return a["topic"] != b["topic"] and "day" not in (a["level"], b["level"]) \
        and abs(a["date"] - b["date"]) <= _ONE and len(shared) >= n_words \
        and bool(shared & rare)


def periods_table(events: pd.DataFrame, max_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(periods, events with a period column)``: one ``burst`` (or ``story``) period per
    distinct topic span longer than ``max_days`` days, one ``series`` per topic with
    routine events; an event belongs to the first of its topic's periods holding its day
    (-1: none)."""
    long = events[(events["span_end"] - events["span_start"]).dt.days + 1 > max_days]
    rows = []
    for (topic, start, end), group in long.groupby(["topic", "span_start", "span_end"],
                                                   sort=True):
        top = group.sort_values("rank").iloc[0]
        rows.append({"kind": str(top["level"]) if top["level"] == "story" else "burst",
                     "topic": int(topic), "label": top["label"], "start": start, "end": end,
                     "n_docs": int(group["n_docs"].max()), "peak": top["date"],
                     "summary": top["summary"]})
    for topic, group in events[events["routine"]].groupby("topic", sort=True):
        top = group.sort_values("rank").iloc[0]
        rows.append({"kind": "series", "topic": int(topic), "label": top["label"],
                     "start": group["start"].min(), "end": group["end"].max(),
                     "n_docs": int(group["window_docs"].sum()), "peak": top["date"],
                     "summary": top["summary"]})
    periods = pd.DataFrame(rows, columns=[c for c in PERIOD_COLUMNS
                                          if c not in ("period", "n_days", "n_events")])
    periods.insert(0, "period", np.arange(len(periods), dtype=np.int64))
    periods = periods.astype(dict.fromkeys(["start", "end", "peak"], "datetime64[ns]"))
    periods["n_days"] = ((periods["end"] - periods["start"]).dt.days + 1).astype("int64")
    member = np.full(len(events), -1, np.int64)
    counts = np.zeros(len(periods), np.int64)
    for p in periods.itertuples():
        inside = ((events["topic"] == p.topic) & events["date"].between(p.start, p.end)
                  ).to_numpy()
        if p.kind == "series":
            inside = inside & events["routine"].to_numpy()
        counts[p.period] = inside.sum()
        member = np.where((member == -1) & inside, p.period, member)
    periods["n_events"] = counts
    periods = periods[PERIOD_COLUMNS].astype({"topic": "int64", "n_docs": "int64"})
    return periods, events.assign(period=member)


def named_days(docs: pd.DataFrame) -> pd.DataFrame:
    """``topic, date, mentioned_far, score``: per topic and day, the documents of the topic
    that name the day from more than 3 days later and the learned date ranker's score of
    the day among the topic's documents (:func:`.date_ranker.rank_days`; ``docs``: dated,
    with ``topic`` and the ``title``/``text`` to read, or their ``mentions``)."""
    from conflict_narratives.timelines.date_ranker import rank_days
    from conflict_narratives.timelines.date_selection import date_features

    if docs.empty:
        return pd.DataFrame(columns=["topic", "date", "mentioned_far", "score"])
    feats = date_features(docs.assign(topic=docs["topic"].astype(str)), by="topic")
    far = feats["mentioned_far"].reset_index()
    far = far[far["mentioned_far"] > 0]
    far = far.assign(topic=far["topic"].astype("int64"), date=pd.to_datetime(far["date"]))
    scores = [rank_days(group)[["date", "score"]].assign(topic=int(topic))
              for topic, group in docs.groupby("topic", sort=True)]
    scores = pd.concat(scores, ignore_index=True).astype({"date": "datetime64[ns]"})
    out = far.merge(scores, on=["topic", "date"], how="outer")
    return out.assign(mentioned_far=out["mentioned_far"].fillna(0.0))
