"""The single-source proxy: each Timeline17 topic (one outlet, a few hundred articles) run
through the whole pipeline (embeddings, topics, events) and its ranked events table scored
against the journalists' reference timelines. Used by ``python -m bench.events --t17``.

*Landmarks*: per topic, the :data:`N_LANDMARKS` reference dates with the most reference
sentences (over all its timelines; ties: the earlier date). A landmark is found at top
``k`` when one of the ``k`` best-ranked events

- ``peak``: has its peak ``date`` within ±1 day of it, or
- ``window``: has it inside its window ``[start, end]``.

Two yardsticks on the same corpus, days within ±1 of a landmark: ``PUBCOUNT`` (the ``k``
busiest publication days) and ``dates`` (the timeline's topic-free learned date ranker,
``tl.dates``). ``diagnose`` says, per landmark, whether an event comes near it at all.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pandas as pd

from bench import tls

N_LANDMARKS = 10
TOPS = (10, 20, 40)
ONE = pd.Timedelta(days=1)


def landmarks(refs: list) -> list[pd.Timestamp]:
    """The reference dates with the most sentences (over all timelines), at most
    :data:`N_LANDMARKS`, ties by date."""
    n = Counter()
    for tl in refs:
        for d, sents in tl:
            n[pd.Timestamp(d)] += len(sents)
    return sorted(sorted(n, key=lambda d: (-n[d], d))[:N_LANDMARKS])


def first_ranks(events: pd.DataFrame, marks: list[pd.Timestamp]) -> dict[str, np.ndarray]:
    """Per criterion (``peak``, ``window``), the best rank of an event matching each
    landmark (inf: none)."""
    ranked = events.sort_values("rank", ignore_index=True)
    out = {}
    for crit in ("peak", "window"):
        best = []
        for m in marks:
            hit = ((ranked["date"] - m).abs() <= ONE) if crit == "peak" else \
                ((ranked["start"] <= m) & (ranked["end"] >= m))
            hit = hit.to_numpy()
            best.append(float(np.argmax(hit) + 1) if hit.any() else np.inf)
        out[crit] = np.array(best)
    return out


def day_ranks(days: list, marks: list[pd.Timestamp]) -> np.ndarray:
    """Per landmark, the best position (1-based) of a day within ±1 of it in ``days``."""
    days = pd.to_datetime(pd.Series(days))
    return np.array([float(np.argmax(h) + 1) if (h := ((days - m).abs() <= ONE).to_numpy()
                                                  ).any() else np.inf for m in marks])


def pubcount_days(corpus: pd.DataFrame) -> list:
    """Publication days, busiest first (ties: the earlier day)."""
    from conflict_narratives.timelines.date_selection import _pub_days

    n = _pub_days(corpus[corpus["date"].notna()]).value_counts()
    return sorted(n.index, key=lambda d: (-n[d], d))


def topic_run(topic: str, short: int | None = None, overrides: dict | None = None) -> dict:
    """One topic through the pipeline; its scores and per-landmark diagnosis. ``short``:
    each article cut to its first ``short`` characters (at a word), like a channel's posts:
    few of them name a date."""
    from conflict_narratives.pipeline import Pipeline

    t0 = time.perf_counter()
    pipe = Pipeline(f"t17:{topic}", overrides=overrides)
    if short:
        pipe = Pipeline(tls.posts(pipe.corpus, short), name=f"t17-{topic}-short{short}",
                        overrides=overrides)
    tl = pipe.timelines()
    refs = tls.load(topic)[1]
    marks = landmarks(refs)
    ev = tl.events
    ranks = first_ranks(ev, marks) | {
        "PUBCOUNT": day_ranks(pubcount_days(pipe.corpus), marks),
        "dates": day_ranks(list(tl.dates.sort_values("rank")["date"]), marks)}
    spans = (ev["end"] - ev["start"]).dt.days + 1
    row = {"topic": topic, "docs": len(pipe.corpus), "events": len(ev),
           "median span": float(spans.median()) if len(ev) else 0.0,
           "max span": int(spans.max()) if len(ev) else 0}
    for crit, r in ranks.items():
        for k in (*TOPS, None):
            if k is None and crit in ("PUBCOUNT", "dates"):
                continue
            row[f"{crit} {f'@{k}' if k else 'all'}"] = int((r <= k).sum() if k
                                                            else np.isfinite(r).sum())
    return {"row": row, "ranks": ranks, "marks": marks, "seconds": time.perf_counter() - t0,
            "diag": diagnose(pipe.corpus, tl, marks, ranks)}


def diagnose(corpus: pd.DataFrame, tl, marks: list[pd.Timestamp],
             ranks: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per landmark: documents published within ±1 day, the dates table's row for it
    (rank, later mentions), the nearest event's distance (days from the landmark to its
    window) and the best ranks."""
    from conflict_narratives.timelines.date_selection import _pub_days

    pubs = pd.to_datetime(pd.Series(_pub_days(corpus[corpus["date"].notna()])))
    dates = tl.dates.set_index("date")
    ev = tl.events
    rows = []
    for i, m in enumerate(marks):
        gap = np.maximum((ev["start"] - m).dt.days, (m - ev["end"]).dt.days).clip(lower=0)
        row = dates.loc[m] if m in dates.index else None
        rows.append({"date": m.date(), "published ±1 d": int(((pubs - m).abs() <= ONE).sum()),
                     "dates rank": int(row["rank"]) if row is not None else "—",
                     "named later": int(row[["lag4_7", "lag8_30", "lag31_"]].sum())
                     if row is not None else 0,
                     "nearest event (days)": int(gap.min()) if len(ev) else "—",
                     **{f"rank {c}": int(r[i]) if np.isfinite(r[i]) else "—"
                        for c, r in ranks.items()}})
    return pd.DataFrame(rows)


def run(topics: list[str] | None = None, short: int | None = None,
        overrides: dict | None = None) -> dict:
    """Every topic's scores (``table``, a mean row added) and diagnoses (``short``: see
    :func:`topic_run`)."""
    topics = topics or tls.t17_topics()
    runs = {t: topic_run(t, short, overrides) for t in topics}
    rows = [r["row"] for r in runs.values()]
    mean = pd.DataFrame(rows).drop(columns="topic").mean().round(2)
    table = pd.DataFrame([*rows, {"topic": "mean", **mean}], dtype=object)  # counts as ints
    return {"table": table, "runs": runs,
            "seconds": sum(r["seconds"] for r in runs.values())}


def section(res: dict, command: str) -> str:
    """The Markdown section of the proxy."""
    from bench.common import md_table

    t = res["table"]
    recall = t[["topic", "docs", "events", "median span", "max span",
                *[c for c in t.columns if "@" in c or c.endswith("all")]]]
    diag = pd.concat([r["diag"].assign(topic=k) for k, r in res["runs"].items()],
                     ignore_index=True)
    diag = diag[["topic", *[c for c in diag.columns if c != "topic"]]]
    return f"""## Single-source proxy: landmark days of 13 Timeline17 topics

`{command}` ({res["seconds"]:.0f} s). Each topic's articles (one outlet) through the
pipeline; landmarks: its {N_LANDMARKS} reference dates with the most reference sentences.
Counts of landmarks found (of {N_LANDMARKS}) at the top 10 / 20 / 40 and among all events;
`peak`: an event's peak day within ±1 day; `window`: inside an event's window;
`PUBCOUNT` / `dates`: a day within ±1 among the k busiest publication days / the learned
date ranker's k best days.

{md_table(recall)}

Per landmark (ranks; `nearest event`: days from the landmark to the nearest event window,
0 inside one):

{md_table(diag)}
"""
