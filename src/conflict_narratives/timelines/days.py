"""Events on the days a journalist's timeline would list that no burst or story covers.

With one outlet, or a few documents a day, the day of a landmark event often holds too few
documents for a topic burst or a story (one report that night), yet the corpus names it
again for weeks ("since the attack of 7 October"): the topic-free learned date ranker
(:mod:`.date_ranker`, the ``dates`` table) puts such days at its top. :func:`day_events`
makes each of its ``top`` best days that stands out (two documents name it, or more
publications than the median day) and that no burst or story is dated to (within a day)
an event of level ``"day"``: in a corpus where no day stands out, no day is an event. A
day inside a burst's or story's window counts only when two documents name it: that window
may hold the day yet be dated to its busiest day and told by other headlines, but a day
that only its volume puts at the top is that event's.

A day event's documents are those published that day and those naming it; its window the
days around it that still carry them (:func:`windows.bounded_window`, at most
``max_days``); its headlines those nearest their centroid, the day's own first, then the
window's, then the later ones naming it; its words what sets their headlines apart in the
corpus (:mod:`.terms`); its topic the one most of them belong to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from conflict_narratives.timelines.date_ranker import LAGS
from conflict_narratives.timelines.events import (
    EVENT_COLUMNS,
    EVENT_TYPES,
    _central,
    _dense,
    _tfidf_vectors,
)
from conflict_narratives.timelines.terms import distinctive_terms, headline, headline_terms_of
from conflict_narratives.timelines.windows import bounded_window, calendar_days, context_features


def uncovered_days(dates: pd.DataFrame, events: pd.DataFrame, top: int) -> list[pd.Timestamp]:
    """The best ``top`` days of ``dates`` (``date, rank, published`` and the mention counts
    of :data:`.date_ranker.LAGS`) that stand out — two documents name the day, or it has
    more publications than the median day with any — and that no event of ``events`` is
    dated to (its ``date`` within a day), best first; a day inside an event's window
    ``[start, end]`` only when two documents name it (else its volume is that event's)."""
    best = dates.sort_values("rank").head(max(int(top), 0))
    named = best[[name for name, _, _ in LAGS]].sum(axis=1).to_numpy() >= 2
    busy = best["published"].to_numpy() > dates.loc[dates["published"] > 0,
                                                       "published"].median()
    dated, start, end = (pd.to_datetime(events[c]) for c in ("date", "start", "end"))
    out = []
    for day, by_name, by_volume in zip(pd.to_datetime(best["date"]), named, busy, strict=True):
        if not (by_name or by_volume) or ((dated - day).abs() <= pd.Timedelta(days=1)).any():
            continue
        if by_name or not ((start <= day) & (end >= day)).any():
            out.append(day)
    return out


def day_events(docs: pd.DataFrame, dates: pd.DataFrame, events: list[pd.DataFrame | None],
               *, top: int,
               embeddings: np.ndarray | None = None, labels: dict[int, str] | None = None,
               n_headlines: int = 3, max_days: int = 7, novelty_days: int = 14,
               terms: tuple | None = None) -> pd.DataFrame:
    """The ``"day"`` events (see the module; :data:`events.EVENT_COLUMNS`) of the days of
    :func:`uncovered_days`: the ``top`` best of ``dates`` that stand out and that no event
    of the ``events`` tables (bursts, stories; None: none) is dated to. ``docs``: the placed
    documents (``doc_id, date, topic, row, mentions``, ``source``/``title``/``text`` when
    present); as for bursts and stories, only those with a topic (not -1) take part, or
    all when none has one. ``embeddings`` (an array or a memory map): rows by ``row``,
    read for an event's documents and its topic's only; None: TF-IDF of the texts.
    ``novelty`` and ``recurrence`` among the topic's documents (:func:`context_features`);
    ``intensity``: the day's documents over the documents per active day; ``evidence``: the
    ranker's score. A day with fewer than two documents is no event, nor is any day of a
    corpus published on one day. ``terms``: :func:`terms.headline_terms` of ``docs`` (else
    read here)."""
    kept = (docs["topic"] != -1).to_numpy()
    kept = kept if kept.any() else np.ones(len(docs), bool)
    whole, docs = docs, docs[kept].reset_index(drop=True)
    days = calendar_days(docs["date"]).reset_index(drop=True)
    several = days.nunique() > 1  # one day: none stands out
    events = [e[["date", "start", "end"]] for e in events if e is not None and len(e)]
    events = pd.concat(events) if events else pd.DataFrame(columns=["date", "start", "end"])
    wanted = uncovered_days(dates, events, top) if several and len(dates) else []
    if not wanted:
        return pd.DataFrame(columns=EVENT_COLUMNS).astype(EVENT_TYPES)
    named = docs["mentions"].explode().dropna()  # (position, day named), read at once
    named = pd.Series(pd.to_datetime(named.to_numpy()), index=named.index)
    heads, words = headline_terms_of(whole, kept, terms)
    rate = len(docs) / days.nunique()
    score = dates.assign(date=pd.to_datetime(dates["date"])).set_index("date")["score"]
    rows = []
    for day in wanted:
        on_day = (days == day).to_numpy()
        member = on_day.copy()
        member[named.index[(named == day).to_numpy()]] = True
        if member.sum() < 2:
            continue
        peak, start, end = bounded_window(days[member], max_days, day)
        ev = docs[member]
        topic = int(ev["topic"].mode().iloc[0])
        # the event's and its topic's documents; novelty and recurrence from the window's
        # (none: the day's coverage is all later): the later ones naming the day would
        # make it look recurrent
        rows_of = np.flatnonzero(member | (docs["topic"] == topic).to_numpy())
        vectors = _dense(embeddings[docs["row"].to_numpy()[rows_of]] if embeddings is not None
                         else _tfidf_vectors(docs.iloc[rows_of]))
        inside = member & days.between(start, end).to_numpy()
        context = (inside if inside.any() else member)[rows_of]
        near = _central(ev, vectors[member[rows_of]], len(ev))  # what it is named for
        told = 2 - on_day - inside  # that day, then its window, then later
        near = near.iloc[np.argsort(told[near.index], kind="stable")].head(n_headlines)
        outlets = ev["source"].fillna("").value_counts() if "source" in ev else pd.Series()
        rows.append({
            "date": peak, "start": start, "end": end, "topic": topic,
            "label": str((labels or {}).get(topic, f"topic {topic}")),
            "words": distinctive_terms(heads, words, member),
            "intensity": float(on_day.sum() / rate),
            "evidence": float(score.get(day, 0.0)), "n_docs": int(member.sum()),
            "outlets": [str(o) for o in outlets.index if o],
            "headlines": [headline(r) for _, r in near.iterrows()],
            "doc_ids": near["doc_id"].astype(str).tolist(),
            "summary": headline(near.iloc[0]), "level": "day",
            "span_start": start, "span_end": end, "window_docs": int(inside.sum()),
            **context_features(vectors, days.to_numpy()[rows_of], context, start, end,
                               novelty_days),
        })
    return pd.DataFrame(rows, columns=EVENT_COLUMNS).astype(EVENT_TYPES)
