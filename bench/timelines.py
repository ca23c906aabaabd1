"""Timelines benchmark: burst detectors on planted bursts; date selection and timeline
summaries against the journalists' timelines of the 13 shared Timeline17 topics (date F1
beside PUBCOUNT, leave-one-topic-out, ROUGE-1/2); story-level events of a corpus.

    .venv/bin/python -m bench.timelines [--series 300] [--events ant-multisource]
        [--out reports/benchmarks/timelines.md]

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

from bench import bursts as planted
from bench import date_ranker, tls
from bench.common import md_table
from conflict_narratives.store import Store
from conflict_narratives.timelines import bursts as bursts

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
        table = planted.evaluate_detectors(DETECTORS, n_series=n_series, seed=0, **kw)
        frames.append(table.assign(scenario=scenario))
    return pd.concat(frames, ignore_index=True)


def report(n_series: int, events: str | None) -> str:
    t0 = time.perf_counter()
    bt = burst_table(n_series)
    t_bursts = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = tls.run(tls.t17_topics())
    t_tls = time.perf_counter() - t0
    t0 = time.perf_counter()
    ranker_table, ranker_model = date_ranker.evaluate(date_ranker.collections(tls.t17_topics()))
    ranker_md = date_ranker.section(ranker_table, ranker_model, time.perf_counter() - t0)
    events_md, t_events = "", 0.0
    if events:
        from bench.story_events import section

        t0 = time.perf_counter()
        events_md = section(events)
        t_events = time.perf_counter() - t0
    f1 = bt.pivot_table(index="detector", columns="scenario", values="f1", sort=False)
    f1["mean F1"] = f1.mean(axis=1)
    detail = bt[["scenario", "detector", "precision", "recall", "f1", "burst_recall"]]
    cmd = "CONFLICT_NARRATIVES_THREADS=2 .venv/bin/python -m bench.timelines " + " ".join(
        sys.argv[1:])
    return f"""# Timelines benchmark

Machine: {platform.node()} · {platform.processor() or platform.machine()} ·
{os.cpu_count()} cores visible · Python {platform.python_version()} ·
{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.
Command: `{cmd.strip()}` ({t_bursts:.1f} s bursts, {t_tls:.1f} s Timeline17 dates and
summaries, {t_events:.1f} s story events).

## Burst detection on planted bursts

{n_series} synthetic topic series per scenario (`planted_series` in `bench/bursts.py`,
seed 0): 80 periods,
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

{tls.sections(res)}
{ranker_md}
{events_md}"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300, help="synthetic series per scenario")
    parser.add_argument("--events", default=None,
                        help="also list the story-level events of this corpus (topics fitted)")
    parser.add_argument("--out", type=Path,
                        default=Store().reports_dir / "benchmarks" / "timelines.md")  # fmt: skip
    args = parser.parse_args(argv)
    text = report(args.series, args.events)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
