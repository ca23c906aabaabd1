"""Timelines of a partitioned corpus on a Dask cluster, the corpus never in one frame.

Prevalence is counted partition by partition (:mod:`.aggregate`); bursts are found on it
in the client. What needs the texts is read a partition at a time on the workers:

1. the lead vocabulary: the terms found in at least the in-process ``min_df`` of the dated,
   topic-assigned documents of the topics' fit sample (``sample``; all of them when None,
   where the words are the in-process ones exactly);
2. per partition: its placed documents (dated, in the dense span, with a topic) as
   ``doc_id, date, source, title, topic, period, row, mentions`` — the title, else the
   first sentence; ``mentions``, the days each names (:func:`date_selection.date_mentions`),
   with which the client dates each story and counts the days named again later that rank
   the events (:func:`ranking.named_days`) — and their leads counted with that vocabulary
   and summed per (topic, period), from which the client takes the per-period topic words;
   the outliers' date, outlet and mentions only, for the topic-free ``dates`` table;
3. per topic: its burst events (:func:`events.event_table`) and its stories
   (:func:`stories.topic_stories`), its vectors read from the memory-mapped matrix; then
   in the client the day events (:func:`days.day_events`), each reading its documents'
   and its topic's vectors from the memory map.

The client holds the placed documents' short columns (a few hundred bytes each), counts
per (topic, period) and the events; a worker one partition, or one topic's documents and
vectors. Without a sample the tables equal :func:`build.build_timeline`'s; with one all
but the per-period words do."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from conflict_narratives.common.vectorize import (
    fit_vocabulary,
    make_vectorizer,
    scaled_min_df,
)
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.parts import Parts
from conflict_narratives.timelines.aggregate import prevalence_tables, split_topics
from conflict_narratives.timelines.build import (
    TimelineResult,
    assemble,
    dated_documents,
    find_bursts,
    timeline_settings,
    topic_labels,
)
from conflict_narratives.timelines.date_ranker import dates_table
from conflict_narratives.timelines.date_selection import date_mentions
from conflict_narratives.timelines.days import day_events
from conflict_narratives.timelines.events import (
    class_counts,
    class_words,
    event_table,
    lead_texts,
)
from conflict_narratives.timelines.ranking import named_days
from conflict_narratives.timelines.stories import (
    adapted_settings,
    date_stories,
    outlet_column,
    story_settings,
    topic_stories,
)
from conflict_narratives.timelines.terms import headline, headline_terms

TEXT = ["doc_id", "date", "date_status", "source", "title", "text"]
LIGHT = ["doc_id", "date", "source", "title", "topic", "period", "row", "mentions"]


def _placed(df: pd.DataFrame, topics: pd.DataFrame, freq: str, span, start: int = 0
            ) -> pd.DataFrame:
    """The rows of ``df`` placed in time (dated, with a topic, inside ``span``), ``row``
    their corpus position (``start``: that of ``df``'s first row)."""
    docs, _, _ = dated_documents(df, topics, freq)
    docs = docs[docs["period"].between(*span)] if len(docs) else docs
    return docs.assign(row=docs["row"] + start)


def _leads_task(item, parts: Parts, freq: str, span, max_chars: int | None) -> list[str]:
    """The leads of partition ``i``'s placed documents with a topic among ``local`` (its
    sampled rows; None: all)."""
    i, start, topics, local = item
    df = parts.read(i, TEXT)
    docs = _placed(df if local is None else df.iloc[local], topics, freq, span)
    return lead_texts(docs[docs["topic"] != -1], max_chars)


def _partition_task(item, parts: Parts, freq: str, span, vocabulary: list[str],
                    max_chars: int | None) -> dict:
    i, start, topics = item
    docs = _placed(parts.read(i, TEXT), topics, freq, span, start)
    dates = (docs["date"].min(), docs["date"].max()) if len(docs) else (None, None)
    out = {"n_docs": len(docs), "dates": dates}
    docs["mentions"] = date_mentions(docs)  # the days each names: dates, story dates, ranks
    out["outliers"] = docs.loc[docs["topic"] == -1, ["date", "source", "mentions"]]
    docs = docs[docs["topic"] != -1].copy()
    leads = lead_texts(docs, max_chars)
    X = make_vectorizer(len(docs), vocabulary=vocabulary).transform(leads) if vocabulary \
        else sparse.csr_matrix((len(docs), 0))
    out["keys"], out["counts"] = class_counts(docs, X)
    untitled = (docs["title"].fillna("").str.strip() == "").to_numpy()
    docs.loc[untitled, "title"] = [headline(r) for _, r in docs[untitled].iterrows()]
    out["docs"] = docs[LIGHT].reset_index(drop=True)
    return out


def _topic_task(item, matrix: str, freq: str, labels: dict, n_headlines: int,
                by: str | None, stories: Mapping | None, windows: Mapping) -> tuple:
    docs, bursts, words = item
    vectors = np.load(matrix, mmap_mode="r")
    heads = headline_terms(docs)
    events = event_table(docs, bursts, freq, embeddings=vectors, labels=labels,
                         topic_words=words, n_headlines=n_headlines, terms=heads, **windows)
    if stories is None:
        return events, None
    own = np.asarray(vectors[docs["row"].to_numpy()], dtype=np.float32)
    return events, topic_stories(docs, own, by=by, labels=labels, n_headlines=n_headlines,
                                 terms=heads, **windows, **stories)


def _vocabulary(parts: Parts, doc_topics: pd.DataFrame, sample: np.ndarray | None, freq: str,
                span, client, max_chars: int | None) -> list[str]:
    """The terms in at least ``min_df`` of the placed, topic-assigned documents' leads,
    read from the rows at ``sample`` (None: all; see the module's step 1)."""
    local = [None] * len(parts) if sample is None else parts.split(sample)
    items = [(*item, rows) for item, rows in
             zip(split_topics(parts, doc_topics), local, strict=True)
             if rows is None or len(rows)]
    leads = [t for part in run_tasks(client, _leads_task, items, desc="lead words",
                                     progress=False, parts=parts, freq=freq, span=span,
                                     max_chars=max_chars) for t in part]
    return sorted(fit_vocabulary(leads, scaled_min_df(len(leads)))) if len(leads) > 1 else []


def _words(done: list[dict], vocabulary: list[str], top_n: int) -> pd.DataFrame:
    """Per-period topic words from the partitions' summed counts."""
    done = [d for d in done if len(d["keys"])]
    if not done or not vocabulary:
        return pd.DataFrame(columns=["topic", "period", "count", "words", "weights"])
    keys = pd.concat([d["keys"] for d in done])
    total = keys.groupby(level=["topic", "period"]).sum()
    to = total.index.get_indexer(keys.index)
    merge = sparse.csr_matrix((np.ones(len(to)), (to, np.arange(len(to)))),
                              shape=(len(total), len(to)))
    stacked = sparse.vstack([d["counts"] for d in done]).tocsr()
    return class_words(total, merge @ stacked, vocabulary, top_n=top_n)


def build_timeline_partitioned(parts: Parts, doc_topics: pd.DataFrame, matrix: str | Path, *,
                               topic_info: pd.DataFrame | None = None, settings=None,
                               client=None, progress: bool = False,
                               sample: np.ndarray | None = None) -> TimelineResult:
    """:func:`build.build_timeline` of a partitioned corpus (``parts``, its documents'
    topics ``doc_topics`` in corpus order, its embeddings in the ``.npy`` file ``matrix``)
    on ``client``'s workers (None: here, a partition at a time). ``sample``: the sorted
    positions of the topics' fit sample, whose leads give the word vocabulary."""
    from conflict_narratives.settings import resolve

    settings = resolve(settings)
    cfg = timeline_settings(settings)
    prev, by_source, freq, excluded = prevalence_tables(parts, doc_topics, settings,
                                                        client=client, progress=progress)
    periods = prev["period"] if len(prev) else pd.Series(dtype="datetime64[ns]")
    span = (periods.min(), periods.max())
    chars = cfg["words_max_chars"]
    vocabulary = _vocabulary(parts, doc_topics, sample, freq, span, client, chars)
    done = run_tasks(client, _partition_task, split_topics(parts, doc_topics), desc="timelines",
                     progress=progress, parts=parts, freq=freq, span=span,
                     vocabulary=vocabulary, max_chars=chars)
    words = _words(done, vocabulary, cfg["top_words"])
    docs = pd.concat([d["docs"] for d in done], ignore_index=True)
    found = find_bursts(prev, cfg)
    labels = topic_labels(topic_info)
    story_cfg = cfg.get("stories") or {}
    enabled = story_cfg.get("enabled", True)
    by = outlet_column(docs)
    windows = {"max_days": cfg["event_max_days"], "novelty_days": cfg["novelty_days"]}
    placed_docs = docs[docs["topic"] != -1]
    items = [(group, found[found["topic"] == t], words[words["topic"] == t])
             for t, group in docs.groupby("topic", sort=True)]
    results = run_tasks(client, _topic_task, items, desc="events", progress=progress,
                        matrix=str(matrix), freq=freq, labels=labels,
                        n_headlines=cfg["n_headlines"], by=by, windows=windows,
                        stories=adapted_settings(story_cfg, placed_docs, by) if enabled
                        else None)
    events = [e for e, _ in results if len(e)]
    events = (pd.concat(events, ignore_index=True) if events
              else event_table(docs.iloc[:0], found.iloc[:0], freq))
    events = events.sort_values(["start", "topic"], ignore_index=True, kind="stable")
    stories = None
    if enabled:
        found_stories = pd.concat([s for _, s in results], ignore_index=True) if results \
            else pd.DataFrame()  # no topic: no story
        members = np.unique(np.concatenate([np.asarray(m, np.int64) for m in
                                            found_stories["members"]])) \
            if len(found_stories) else np.empty(0, np.int64)
        stories = date_stories(found_stories, placed_docs[placed_docs["row"].isin(members)],
                               by=by, window_days=story_settings(story_cfg)["window_days"],
                               weights=cfg.get("date_weights"), max_days=windows["max_days"])
    dates = [x for d in done for x in d["dates"] if x is not None]
    placed = {"n_docs": sum(d["n_docs"] for d in done),
              "n_topics": int(docs["topic"].nunique()),
              "date_min": min(dates) if dates else None,
              "date_max": max(dates) if dates else None,
              "n_outlets": int(docs["source"].nunique())}
    every = pd.concat([docs[["date", "source", "mentions"]], *(d["outliers"] for d in done)],
                      ignore_index=True)  # the dates need no topic: the outliers count too
    ranked = dates_table(every, cfg["n_dates"])
    days = day_events(docs, ranked, [events, stories], top=cfg["day_events"],
                      embeddings=np.load(matrix, mmap_mode="r"), labels=labels,
                      n_headlines=cfg["n_headlines"], **windows)
    result = assemble(prev, by_source, words, found, events, stories, freq=freq, cfg=cfg,
                      labels=labels, stats=placed | excluded, named=named_days(placed_docs),
                      dates=ranked, days=days)
    result.dates = ranked
    return result
