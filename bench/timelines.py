"""Timelines benchmark: burst detectors on planted bursts, and date selection against the
journalists' timelines of the Timeline17 conflict topics (date F1 beside PUBCOUNT).

    .venv/bin/python bench/timelines.py [--series 300] [--out reports/benchmarks/timelines.md]

Writes a Markdown report with the machine, the command and every number.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from bench.common import md_table
from conflict_narratives import config
from conflict_narratives.timelines import bursts as bursts
from conflict_narratives.timelines import evaluation as timeline_eval

T17_TOPICS = ("EgyptianProtest_cnn", "LibyaWar_cnn", "SyrianCrisis_bbc")
DETECTORS = {
    "kleinberg s=2 γ=1 (default)": {"method": "kleinberg", "s": 2.0, "gamma": 1.0},
    "kleinberg s=3 γ=1": {"method": "kleinberg", "s": 3.0, "gamma": 1.0},
    "kleinberg s=2 γ=0.5": {"method": "kleinberg", "s": 2.0, "gamma": 0.5},
    "z-score w=8 z≥3": {"method": "zscore", "window": 8, "threshold": 3.0},
    "z-score w=12 z≥3": {"method": "zscore", "window": 12, "threshold": 3.0},
    "z-score w=8 z≥2.5": {"method": "zscore", "window": 8, "threshold": 2.5},
}
SCENARIOS = {
    "binomial, ~300 docs/period": {"overdispersion": 0.0, "mean_total": 300.0},
    "overdispersed (σ=0.25), ~300 docs/period": {"overdispersion": 0.25, "mean_total": 300.0},
    "overdispersed (σ=0.5), ~300 docs/period": {"overdispersion": 0.5, "mean_total": 300.0},
    "overdispersed (σ=0.25), ~40 docs/period": {"overdispersion": 0.25, "mean_total": 40.0},
}


def burst_table(n_series: int) -> pd.DataFrame:
    frames = []
    for scenario, kw in SCENARIOS.items():
        table = bursts.evaluate_detectors(DETECTORS, n_series=n_series, seed=0, **kw)
        frames.append(table.assign(scenario=scenario))
    return pd.concat(frames, ignore_index=True)


def date_table() -> pd.DataFrame:
    """Per t17 topic: date P/R/F1 of each date-selection method (news-tls protocol)."""
    from conflict_narratives import corpus

    rows = []
    for topic in T17_TOPICS:
        name = f"t17:{topic}"
        df = corpus.get_corpus(name)
        refs = timeline_eval.read_reference_timelines(timeline_eval.t17_timelines_path(name))
        scores = timeline_eval.evaluate_dates(df, refs, methods=timeline_eval.METHODS)
        mean = scores.groupby("method")[["precision", "recall", "f1"]].mean()
        for method, r in mean.iterrows():
            rows.append({"topic": topic, "method": method, "n_docs": len(df),
                         "l": int(scores["l"].iloc[0]), **r.to_dict()})  # fmt: skip
    return pd.DataFrame(rows)


def report(n_series: int) -> str:
    t0 = time.perf_counter()
    bt = burst_table(n_series)
    t_bursts = time.perf_counter() - t0
    t0 = time.perf_counter()
    dt_ = date_table()
    t_dates = time.perf_counter() - t0

    f1 = bt.pivot_table(index="detector", columns="scenario", values="f1", sort=False)
    f1["mean F1"] = f1.mean(axis=1)
    detail = bt[["scenario", "detector", "precision", "recall", "f1", "burst_recall"]]
    per_topic = dt_.pivot_table(index="topic", columns="method", values="f1")
    per_topic.loc["average"] = per_topic.mean()
    per_topic = per_topic[["pubcount", "mentions", "pubmention"]].reset_index()
    cmd = "CONFLICT_NARRATIVES_THREADS=2 .venv/bin/python bench/timelines.py " + " ".join(
        sys.argv[1:])
    return f"""# Timelines benchmark

Machine: {platform.node()} · {platform.processor() or platform.machine()} ·
{os.cpu_count()} cores visible · Python {platform.python_version()} ·
{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.
Command: `{cmd.strip()}` ({t_bursts:.1f} s bursts, {t_dates:.1f} s dates).

## Burst detection on planted bursts

{n_series} synthetic topic series per scenario (`bursts.planted_series`, seed 0): 80 periods,
period totals drifting around the stated mean, a base share of 1–10 % wobbling by a
log-normal factor (σ = overdispersion), two planted bursts of 1–6 periods each lifting the
share ×2–5. Period-level precision / recall / F1 (micro-averaged over all series) and
burst-level recall (a planted burst counts as found when any of its periods is flagged).

F1 per scenario:

{md_table(f1.reset_index())}

All numbers:

{md_table(detail)}

**Choice:** Kleinberg's two-state binomial automaton (s = 2, γ = 1) is the default
(`bursts.DEFAULT_METHOD`): it has the best mean F1 across scenarios. The trailing-window
z-score misses the later periods of a multi-period burst (the burst enters its own
baseline), which costs it recall; with strong overdispersion both lose precision, Kleinberg
less. The z-score stays available (`timelines.burst_method: zscore`).

## Date selection vs journalists' timelines (Timeline17 conflict topics)

Protocol of news-tls (Gholipour Ghalandari & Ifrim, ACL 2020, `experiments/evaluate.py`):
for each ground-truth timeline, `l` = its number of dates, the input is the articles
published between its first and last date (T17: no extension), candidates are days in that
span; date precision / recall / F1 of the selected `l` days, averaged over the topic's
timelines (one per topic here). Methods (`timeline_eval.select_dates`):

- `pubcount`: the `l` days with most articles (PUBCOUNT baseline);
- `mentions`: the `l` days most articles refer to (explicit and relative date expressions
  resolved against the publication date; time stamps such as "March 21, 2011 at 9:14 am",
  i.e. reader comments, skipped);
- `pubmention` (default): articles published on the day + articles referring to it.

Date F1 per topic:

{md_table(per_topic)}

All numbers:

{md_table(dt_)}

What was tuned, and on what: nothing was fitted to these topics — `pubmention` is an
unweighted sum of two counts, chosen because it degrades to PUBCOUNT where no date
expression is found (non-English text). While building it we looked at these three
topics: we added one rule that generalises beyond them (a date followed by a clock time is
a time stamp — the comment threads in the CNN pages — not an event), and we tried a few
other unweighted variants (development runs on the raw files: only references from later
articles .525 average F1, explicit dates only .551, reciprocal-rank fusion of the two
rankings .517, publication count of the day and the next .465); we kept the simplest
rather than the best-scoring on three timelines. Per topic: `pubmention` ties PUBCOUNT on
EgyptianProtest_cnn (a reference date for every day of its 20-day span, so any choice of
days inside the span scores 1.0), loses on LibyaWar_cnn (.447 vs .474)
and wins on SyrianCrisis_bbc (.154 vs 0: its 13 dates over 15 months are mostly days with no BBC
article in the collection, which only mentions can find). Three timelines are a small
sample; the average margin (.534 vs .491) rests on SyrianCrisis_bbc. For reference,
news-tls reports on all of Timeline17 PUBCOUNT date F1 .481 and supervised DATEWISE .544.
The same date scores come out of `conflict-narratives timeline t17:<Topic> --evaluate`
(`date_f1`, `pubcount_date_f1`).
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300, help="synthetic series per scenario")
    parser.add_argument("--out", type=Path,
                        default=config.reports_dir() / "benchmarks" / "timelines.md")  # fmt: skip
    args = parser.parse_args(argv)
    text = report(args.series)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
