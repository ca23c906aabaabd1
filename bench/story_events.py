"""Story-level events of a named corpus, listed day by day with headlines so a reader can
check them against the news: corpus → embeddings (cached) → topics (fitted here) →
``build_timeline`` (events table, ``level`` = topic / story). Used by bench/timelines.py
``--events``; also runs alone:

    .venv/bin/python -m bench.story_events ant-multisource
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from bench.common import md_table


def events(name: str) -> tuple[pd.DataFrame, dict, dict]:
    """The events table and summary of ``name``'s timeline, and the step timings."""
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.timelines import build_timeline

    run = Pipeline(name)
    settings = run.settings
    t = {}
    t0 = time.perf_counter()
    df = run.corpus
    matrix = run.embeddings.matrix
    t["corpus + embeddings (cached)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run.topics()  # the saved topics while current, else a fit
    t["topics (saved or fitted)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tl = build_timeline(df, result.doc_topics, embeddings=matrix,
                        topic_info=result.topic_info, settings=settings)
    t["timeline (bursts, stories, events)"] = time.perf_counter() - t0
    return tl.events, tl.summary, t


def _short(text: str, n: int = 90) -> str:
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= n else text[: n - 1] + "…"


def section(name: str) -> str:
    """The Markdown section: counts, then the marked days with their headlines."""
    ev, summary, timings = events(name)
    stories = ev[ev["level"] == "story"]
    bursts = ev[ev["level"] == "topic"]
    days = (stories.assign(day=stories["date"].dt.strftime("%Y-%m-%d"))
            .sort_values(["date", "n_docs"], ascending=[True, False]))
    rows = pd.DataFrame({
        "day": days["day"],
        "span": [f"{s:%m-%d}…{e:%m-%d}" for s, e in zip(days["start"], days["end"], strict=True)],
        "topic": [_short(x, 30) for x in days["label"]],
        "docs": days["n_docs"],
        "outlets": days["outlets"].str.len(),
        "share of topic that day": days["evidence"],
        "headline (most central)": [_short(x) for x in days["summary"]],
    })
    t = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    return f"""## Story-level events on {name}

`bench.story_events` ({t}): {summary["n_docs"]} dated documents, {summary["n_topics"]}
topics (the topics stage with its defaults), {len(bursts)} topic-burst events and
**{len(stories)} story events** on {days["day"].nunique()} distinct days
(`timelines.stories` defaults: centroid cosine ≥ 0.75 within 3 days; ≥ 5 documents, ≥ 3 on
the busiest day, ≥ 2 outlets, ≥ 20 % of the topic's documents that day — set a priori, not
tuned on this corpus). Every day the event table marks at story level, with the story's
most central headline, for checking against the news of the period:

{md_table(rows)}
"""


if __name__ == "__main__":
    print(section(sys.argv[1] if len(sys.argv) > 1 else "ant-multisource"))
