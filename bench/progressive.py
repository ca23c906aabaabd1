"""The progressive report's first view: when it is written, against the whole report, and
whether the final report is the one a report without it gives -> reports/benchmarks/progressive.md.

    python -m bench.progressive                                   # bbc-news, fit on 750
    python -m bench.progressive --corpus ant-multisource --fit-sample 10000
    python -m bench.progressive --corpus ant-multisource --first-view 3000 null

Each variant runs ``conflict-narratives report`` as a fresh process in a fresh project
folder with an empty embedding cache (a cold report, the corpus embedded from scratch).
``--first-view N ...``: one report per ``report.first_view_docs`` value, each stopped once
its first view is written (-> first_view.md); otherwise ``report.progressive`` on, then
off, both with ``topics.fit_sample_in_process`` set to ``--fit-sample``. The first view's
time is from the process's start to the moment the report's summary says it was written;
the final stage tables of both are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
STAGES = ("topics", "timelines", "narratives")


def _command(home: Path, corpus: str, sets: list[str]) -> tuple[list[str], dict]:
    """The ``report`` command line and environment of a fresh project in ``home``."""
    env = {**os.environ, "CONFLICT_NARRATIVES_HOME": str(home),
           "CONFLICT_NARRATIVES_CONFIG": str(home / "none.yaml"),
           "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.setdefault("CONFLICT_NARRATIVES_DATA", str(ROOT.parent / "shared" / "corpora"))
    command = [sys.executable, "-m", "conflict_narratives", "report", corpus]
    for item in sets:
        command += ["--set", item]
    return command, env


def _report(home: Path, corpus: str, sets: list[str]) -> dict:
    """One cold ``report`` in ``home``: its summary, wall seconds and first view's second."""
    command, env = _command(home, corpus, sets)
    started = time.time()
    done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True)
    wall = time.time() - started
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    summary = json.loads(done.stdout)
    first = summary.get("first_view")
    if first:
        written = datetime.strptime(first["written_at"], "%Y-%m-%dT%H:%M:%SZ")
        first["from_start"] = round(written.replace(tzinfo=UTC).timestamp()
                                    - started)
    return {"summary": summary, "wall": round(wall, 1)}


def _first_view(home: Path, corpus: str, sets: list[str]) -> dict:
    """A cold ``report`` in ``home`` until its first view is written (then stopped): the
    provisional summary, with the seconds from the process's start."""
    command, env = _command(home, corpus, sets)
    summary = home / "reports" / corpus / "summary.json"
    started = time.time()
    with subprocess.Popen(command, env=env, cwd=home, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None and not summary.is_file():
            time.sleep(0.5)
        seconds = time.time() - started
        proc.kill()
        if not summary.is_file():
            raise RuntimeError(f"no first view: {proc.stderr.read()[-3000:]}")
    first = json.loads(summary.read_text(encoding="utf-8"))
    return first | {"from_start": round(seconds, 1)}


def first_view_section(corpus: str, values: list[str], sets: list[str], argv) -> str:
    """The first view's time per ``report.first_view_docs`` value, side by side."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for value in values:
            home = Path(tmp) / f"v{value}"
            home.mkdir()
            first = _first_view(home, corpus, [*sets, f"report.first_view_docs={value}"])
            rows.append({"report.first_view_docs": value, "fitted on": first["fit_docs"],
                         "topics": first["n_topics"],
                         "embed + fit (s)": first["embed_and_fit_seconds"],
                         "first view (s from start)": first["from_start"],
                         "load at end": round(os.getloadavg()[0], 1)})
            print(rows[-1], flush=True)
    host = machine()
    return "\n".join([
        "# Progressive first view: how early", "",
        f"`python -m bench.progressive {' '.join(argv)}` — {corpus}, each report cold "
        "(fresh project, empty embedding cache), stopped once its first view is written, one "
        "after the other.", "",
        f"Machine: {host['nproc']} cores, {host['cpu']}, load {host['load_avg_at_start']} "
        "at start (a shared machine: compare the rows).", "", md_table(pd.DataFrame(rows)), ""])


def _tables(home: Path, corpus: str) -> dict[str, pd.DataFrame]:
    root = home / "data" / "processed" / corpus
    return {str(p.relative_to(root)): pd.read_parquet(p)
            for stage in STAGES for p in sorted((root / stage).glob("*/*.parquet"))}


def _differing(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> list[str]:
    """The tables not in both, or not equal (``pandas.testing.assert_frame_equal``)."""
    out = sorted(a.keys() ^ b.keys())
    for name in sorted(a.keys() & b.keys()):
        try:
            pd.testing.assert_frame_equal(a[name], b[name])
        except AssertionError:
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="bbc-news")
    parser.add_argument("--fit-sample", type=int, default=None)
    parser.add_argument("--first-view", nargs="+", default=None,
                        help="report.first_view_docs values to time the first view of")
    args = parser.parse_args(argv)
    if args.first_view:
        sets = [f"topics.fit_sample_in_process={args.fit_sample}"] if args.fit_sample else []
        text = first_view_section(args.corpus, args.first_view, sets, argv or sys.argv[1:])
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "first_view.md").write_text(text, encoding="utf-8")
        print(text)
        return
    args.fit_sample = args.fit_sample or 750
    sets = [f"topics.fit_sample_in_process={args.fit_sample}"]
    host, rows, tables = machine(), [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for progressive in (True, False):
            home = Path(tmp) / ("progressive" if progressive else "plain")
            home.mkdir()
            done = _report(home, args.corpus,
                           sets + [f"report.progressive={str(progressive).lower()}"])
            stages, first = done["summary"]["stages"], done["summary"].get("first_view", {})
            rows.append({"report.progressive": progressive,
                         "first view (s from start)": first.get("from_start", "none"),
                         "sample embedded + fitted (s)": first.get("embed_and_fit_seconds",
                                                                   "-"),
                         "embed (s)": stages["embed"]["seconds"],
                         "topics (s)": stages["topics"]["seconds"],
                         "report wall (s)": done["wall"]})
            print(rows[-1], flush=True)
            tables[progressive] = _tables(home, args.corpus)
    differing = _differing(*tables.values())
    n_docs = len(next(t for k, t in tables[True].items() if k.endswith("doc_topics.parquet")))
    text = "\n".join([
        "# Progressive first view", "",
        f"`python -m bench.progressive {' '.join(argv or sys.argv[1:])}` — {args.corpus} "
        f"({n_docs:,} documents), topics fitted on a seeded sample of {args.fit_sample:,}, "
        "each report cold (fresh project, empty embedding cache), one after the other.", "",
        f"Machine: {host['nproc']} cores, {host['cpu']}, load {host['load_avg_at_start']} "
        "at start (a shared machine: seconds are upper bounds).", "",
        md_table(pd.DataFrame(rows)), "",
        f"Final stage tables identical between the two: **{not differing}** "
        f"({len(tables[True])} tables" + (f"; differing: {', '.join(differing)})." if differing
                                         else ")."), ""])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "progressive.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
