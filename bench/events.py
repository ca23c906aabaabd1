"""The ranked events table against development event lists written from public knowledge
(``bench/event_lists/<corpus>.yaml``): recall in the top 20 / 40 and among all events,
precision of the top 20 judged by the list, the span of the events' windows.

    .venv/bin/python -m bench.events fa-kes [ant-multisource] [--out reports/benchmarks/events.md]
    .venv/bin/python -m bench.events ant-multisource:BBC   # one outlet: the single-source case
    .venv/bin/python -m bench.events --t17   # Timeline17 topics as single-source proxies
    .venv/bin/python -m bench.events --t17 --short 300   # ... cut to posts of 300 characters

``--t17``: each Timeline17 topic's ranked events against its reference timelines'
landmark days (:mod:`bench.t17_events`).

A listed event is *found* by a detected event whose window ``[start, end]`` comes within
``TOLERANCE`` days of its date and whose headlines, summary, words or label hold one of its
keys (both normalised as the topics stage normalises text). It is *coverable* when the
corpus has two documents (the smallest event) published within that tolerance holding a
key: recall is given over
all listed events and over the coverable ones (the corpus cannot show the others).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from bench.common import machine, md_table

TOLERANCE = 3
LISTS = Path(__file__).resolve().parent / "event_lists"
TOPS = (20, 40)


def read_list(name: str) -> list[dict]:
    """The event list of corpus ``name``: ``date`` (a date), ``name``, ``keys``."""
    data = yaml.safe_load((LISTS / f"{name}.yaml").read_text(encoding="utf-8"))
    events = data["events"]
    for e in events:
        e["date"] = pd.Timestamp(e["date"])
        e["keys"] = [str(k) for k in e["keys"]]
    return events


def _norm(text: str) -> str:
    from conflict_narratives.common.textnorm import normalize_for_analysis

    return " " + " ".join(normalize_for_analysis(str(text)).casefold().split()) + " "


def _has_key(text: str, keys: list[str]) -> bool:
    return any(_norm(k).strip() in text for k in keys)


def event_texts(events: pd.DataFrame) -> list[str]:
    """Each detected event's headlines, summary, words and label, normalised."""
    return [_norm(" ".join([*map(str, h), str(s), *map(str, w), str(lab)]))
            for h, s, w, lab in zip(events["headlines"], events["summary"], events["words"],
                                    events["label"], strict=True)]


def matches(events: pd.DataFrame, texts: list[str], item: dict) -> np.ndarray:
    """Which detected events match the listed ``item``."""
    lo = item["date"] - pd.Timedelta(days=TOLERANCE)
    hi = item["date"] + pd.Timedelta(days=TOLERANCE)
    near = ((events["end"] >= lo) & (events["start"] <= hi)).to_numpy()
    return near & np.array([_has_key(t, item["keys"]) for t in texts], bool)


def coverable(corpus: pd.DataFrame, items: list[dict]) -> list[bool]:
    """Whether the corpus has two documents (the smallest event) within the tolerance of
    each item holding a key."""
    days = pd.to_datetime(corpus["date"], utc=True).dt.tz_localize(None).dt.floor("D")
    text = (corpus.get("title", "").fillna("") + " " + corpus["text"].fillna("")).map(_norm)
    out = []
    for item in items:
        near = (days - item["date"]).abs() <= pd.Timedelta(days=TOLERANCE)
        out.append(sum(_has_key(t, item["keys"]) for t in text[near.to_numpy()]) >= 2)
    return out


def score(events: pd.DataFrame, items: list[dict], can: list[bool]) -> dict:
    """Recall at each of :data:`TOPS` and overall (of all / of coverable items), precision
    of the top 20, spans."""
    ranked = events.sort_values("rank", ignore_index=True)
    texts = event_texts(ranked)
    hit = np.vstack([matches(ranked, texts, i) for i in items]) if items and len(ranked) \
        else np.zeros((len(items), len(ranked)), bool)
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, np.inf)  # best rank found at
    can = np.asarray(can, bool)
    spans = (ranked["end"] - ranked["start"]).dt.days + 1
    out = {"events": len(ranked), "listed": len(items), "coverable": int(can.sum())}
    for top in (*TOPS, None):
        k = f"top {top}" if top else "all"
        found = first <= top if top else np.isfinite(first)
        out[f"recall {k}"] = f"{found.sum()}/{len(items)}"
        out[f"recall {k} (coverable)"] = f"{(found & can).sum()}/{can.sum()}"
    top20 = hit[:, :20].any(axis=0) if len(ranked) else np.zeros(0, bool)
    out["precision top 20"] = float(top20.mean()) if len(top20) else 0.0
    out["median span (days)"] = float(spans.median()) if len(spans) else 0.0
    out["share ≤ 7 days"] = float((spans <= 7).mean()) if len(spans) else 0.0
    out["_first"] = first
    return out


def date_recall(dates: pd.DataFrame, items: list[dict], tolerance: int = 1) -> dict:
    """The topic-free ``dates`` table against the list: listed days within ``tolerance``
    days of one of its best 20 / 40 days."""
    ranked = dates.sort_values("rank")
    out = {}
    for top in TOPS:
        days = pd.to_datetime(ranked["date"].head(top))
        found = sum(bool(((days - i["date"]).abs() <= pd.Timedelta(days=tolerance)).any())
                    for i in items)
        out[f"dates: listed days in top {top} (±{tolerance} d)"] = f"{found}/{len(items)}"
    return out


def run(name: str, overrides: dict | None = None) -> tuple[dict, pd.DataFrame, list[dict], dict]:
    """The corpus's timeline (topics fitted or read back), its score and timings."""
    from conflict_narratives.pipeline import Pipeline

    t0 = time.perf_counter()
    base, _, outlet = name.partition(":")
    pipe = Pipeline(base, overrides=overrides)
    if outlet:  # one outlet of the corpus: the single-source case, on the corpus's list
        docs = pipe.corpus
        pipe = Pipeline(docs[docs["source"] == outlet].reset_index(drop=True),
                        name=f"{base}-{outlet}", overrides=overrides)
    tl = pipe.timelines()
    seconds = time.perf_counter() - t0
    items = read_list(base)
    res = score(tl.events, items, coverable(pipe.corpus, items)) | date_recall(tl.dates, items)
    return res, tl.events, items, {"seconds": seconds, "summary": tl.summary}


def section(name: str, overrides: dict | None = None) -> str:
    """The Markdown section of one corpus."""
    res, events, items, info = run(name, overrides)
    first = res.pop("_first")
    per = pd.DataFrame({"date": [i["date"].date() for i in items],
                        "event": [i["name"] for i in items],
                        "best rank": [int(f) if np.isfinite(f) else "—" for f in first]})
    top = events.sort_values("rank").head(20)
    shown = pd.DataFrame({
        "rank": top["rank"], "date": top["date"].dt.date,
        "window": [f"{a:%m-%d}…{b:%m-%d}" for a, b in zip(top["start"], top["end"], strict=True)],
        "level": top["level"], "docs": top["window_docs"],
        "routine": top["routine"], "score": top["score"],
        "headline": [str(s)[:80].replace("\n", " ") for s in top["summary"]]})
    s = info["summary"]
    return f"""## Events on {name} against its development list

`python -m bench.events {name}`: {info["seconds"]:.0f} s (timeline built or read back;
topics fitted or read back). {s.get("n_events")} events ({s.get("n_story_events")} story
level), {s.get("n_periods_of_coverage")} periods of coverage, {s.get("n_routine_events")}
routine events. List: `bench/event_lists/{name.partition(":")[0]}.yaml` ({len(items)}
events written from public knowledge; {res["coverable"]} coverable: the corpus has two
documents holding a key within {TOLERANCE} days).

{md_table(pd.DataFrame([res]))}

Each listed event, the best rank of a detected event matching it:

{md_table(per)}

The top 20:

{md_table(shown)}
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", default=[])
    parser.add_argument("--t17", action="store_true",
                        help="the Timeline17 topics as single-source proxies")
    parser.add_argument("--short", type=int, default=None, metavar="N",
                        help="with --t17: each article cut to its first N characters, "
                             "posts that name few dates (a channel's)")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help="a setting for every run (a variant beside the defaults)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    m = machine()
    head = (f"<!-- `python -m bench.events {' '.join(sys.argv[1:])}`, "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {m['nproc']} cores, "
            f"load {m['load_avg_at_start'][0]:.1f} -->\n\n")
    corpora = args.corpora or ([] if args.t17 else ["fa-kes"])
    from conflict_narratives.cli import parse_sets

    sets = parse_sets(args.set)
    text = head + "\n".join(section(c, sets) for c in corpora)
    if args.t17:
        from bench import t17_events

        text += "\n" + t17_events.section(t17_events.run(short=args.short, overrides=sets),
                                           f"python -m bench.events {' '.join(sys.argv[1:])}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
