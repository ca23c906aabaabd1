"""Corpus-stage benchmark: load time (wall and CPU), per-step timings and peak memory for
every shared corpus, each loaded in its own subprocess so peak RSS is that load's alone.

Run: ``python -m bench.corpus [--corpora NAME ...]``; results go to
``reports/benchmarks/corpus.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from bench.common import machine
from conflict_narratives.store import Store

CORPORA = (
    "ant-multisource",
    "fa-kes",
    "bbc-news",
    "t17:EgyptianProtest_cnn",
    "t17:LibyaWar_cnn",
    "t17:SyrianCrisis_bbc",
)


def _worker(source: str) -> dict:
    """Load one corpus in this process; report timings and peak RSS."""
    from conflict_narratives.corpus.loader import load_corpus

    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = load_corpus(source)
    rep = result.report
    return {
        "corpus": source,
        "rows_in": rep["rows_in"],
        "kept": rep["kept"],
        "rejected": rep["rejected"],
        "dated_share": rep["dated_share"],
        "out_of_range_dates": rep["out_of_range_dates"],
        "wall_s": round(time.perf_counter() - wall0, 2),
        "cpu_s": round(time.process_time() - cpu0, 2),
        "steps_wall_s": rep["timings"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_avg_after": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpora", nargs="+", default=list(CORPORA))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.worker)))
        return
    rows = []
    for source in args.corpora:
        out = subprocess.run(
            [sys.executable, "-m", "bench.corpus", "--worker", source],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    result = {
        "machine": machine(),
        "command": "python -m bench.corpus " + " ".join(sys.argv[1:]),
        "runs": rows,
    }
    dest = Store().reports_dir / "benchmarks"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "corpus.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    lines = [
        "# Corpus loading",
        "",
        f"Machine: {result['machine']['nproc']} cores, {result['machine']['cpu']}, "
        f"load average at start {result['machine']['load_avg_at_start'][0]:.1f}. "
        f"Command: `{result['command']}`.",
        "",
        "| corpus | rows in | kept | wall s | CPU s | peak RSS MB | slowest step |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        step = max(r["steps_wall_s"], key=r["steps_wall_s"].get)
        lines.append(
            f"| {r['corpus']} | {r['rows_in']:,} | {r['kept']:,} | {r['wall_s']} | "
            f"{r['cpu_s']} | {r['peak_rss_mb']} | {step} ({r['steps_wall_s'][step]} s) |"
        )
    lines += ["", "Wall time depends on the machine's load (shared cores); CPU seconds less so."]
    (dest / "corpus.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
