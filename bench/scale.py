"""Past one machine: the pipeline in process vs on a 2-worker Dask LocalCluster, on 100k,
300k and 1M documents -> reports/benchmarks/scale.md (+ scale.json).

    python -m bench.scale                                  # 100k, 300k, 1M; both modes
    python -m bench.scale --sizes 100000 --modes process local:2 --stages load embed topics
    python -m bench.scale --sizes 1000000 --modes local:2 --home /big/disk   # resumable
    python -m bench.scale --dates same-days ...   # copies keep their original's date

Corpora are made from ant-multisource (31,525 Arabic articles) by replication and
perturbation, so deduplication does not collapse them: copy r of an article gets the id
``<docno>-r<r>`` and 10% of its words (title and body) replaced by words drawn at random
from the whole corpus (a 3-word-shingle Jaccard of about 0.6 with the original: below the
0.9 near-duplicate threshold). With ``--dates years`` (the default) its date is moved r
years later, so the corpus grows longer (1M documents: 33 years of ~2018's density); with
``--dates same-days`` (the rows before that option) every copy keeps its original's 2018
date, so the corpus grows denser per day (1M documents: ~3,500 a day) — the harder case for
the day-blocked storylines and the per-topic stories. Each (size, mode, dates)
runs in a fresh process and a fresh project folder (or the ``--home`` one, resumed); the
client's peak RSS is its own high-water mark, each worker's is polled every 0.5 s
(psutil), disk is what the run wrote (corpus, embeddings, cache, stage results).
Embeddings: ``tfidf-lsa`` by default (USE-M on 2 cores embeds ~40 full articles/s: 1M
would take ~7 h), fitted on the ``topics.fit_sample`` sample on the cluster path;
``--backend use-m`` runs the offline default (the 100k row).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
SOURCE = SHARED / "ant-multisource" / "ant_multisource_v2.1.csv.gz"
OUT = ROOT / "reports" / "benchmarks"
STAGES = ("load", "embed", "topics", "timelines", "narratives")
DATES = ("years", "same-days")
NOTES = "## Notes"
SETTINGS = {"topics": {"doc_map": {"enabled": False}}}
BACKEND = "tfidf-lsa"


def make_corpus(n_docs: int, path: Path, seed: int = 0, edit: float = 0.1,
                dates: str = "years") -> Path:
    """``n_docs`` rows of perturbed ant-multisource copies as a gzipped CSV (see above)."""
    if path.is_file():
        return path
    base = pd.read_csv(SOURCE, dtype=str, keep_default_na=False)
    if dates == "years":  # dated by ``datetime`` alone, which the copies move
        base = base.drop(columns=["time_raw", "date_from_docno"])
    rng = np.random.default_rng(seed)
    pool = np.array(" ".join(base["text"].sample(3000, random_state=seed)).split())
    when = pd.to_datetime(base["datetime"], errors="coerce", utc=True)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", newline="") as fh:
        done, r = 0, 0
        while done < n_docs:
            part = base.iloc[: n_docs - done].copy()
            if r:
                part["docno"] = part["docno"] + f"-r{r}"
                part["datetime"] = (when.iloc[: len(part)] + pd.DateOffset(years=r)).map(
                    lambda d: d.isoformat() if pd.notna(d) else "")
                for col in ("title", "text"):
                    part[col] = [_perturb(t, rng, pool, edit) for t in part[col]]
            part.to_csv(fh, index=False, header=done == 0)
            done += len(part)
            r += 1
    tmp.rename(path)
    return path


def _perturb(text: str, rng, pool: np.ndarray, edit: float) -> str:
    words = text.split()
    if not words:
        return text
    k = max(1, int(len(words) * edit))
    for i, w in zip(rng.choice(len(words), k, replace=False), rng.choice(pool, k), strict=True):
        words[i] = w
    return " ".join(words)


class WorkerPeaks:
    """Peak RSS of each child process (the cluster's workers), polled in a thread."""

    def __init__(self, every: float = 0.5):
        import psutil

        self.me, self.every, self.peaks, self._stop = psutil.Process(), every, {}, False
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        import psutil

        while not self._stop:
            for child in self.me.children(recursive=True):
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), rss)
            time.sleep(self.every)

    def stop(self) -> dict[int, float]:
        self._stop = True
        self.thread.join()
        return {pid: round(v / 2**20) for pid, v in self.peaks.items() if v > 200 * 2**20}


def _du(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def run_one(size: int, mode: str, stages: list[str], corpus: Path,
            home: Path | None = None, backend: str = BACKEND, compute: dict | None = None
            ) -> dict:
    """One (size, mode) in this process: wall time per stage, peaks, disk, partitions.
    ``home``: the project folder (kept: a rerun there resumes from what the pipeline saved;
    the stages done so far are written to ``progress.json`` as they finish), else a fresh
    one. ``compute``: more ``compute`` settings."""
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.store import Store

    home = Path(home or tempfile.mkdtemp(prefix=f"scale-{size}-"))
    home.mkdir(parents=True, exist_ok=True)
    overrides = SETTINGS | {"embeddings": {"backend": backend}, "compute": (compute or {}) | (
        {"scheduler": mode} if mode != "process" else {})}
    peaks = WorkerPeaks()
    run = Pipeline(str(corpus), name=f"scale{size}", store=Store(home), overrides=overrides)
    seconds, out = {}, {"size": size, "mode": mode}
    steps = {"load": run.load, "embed": lambda: run.embeddings, "topics": run.run_topics,
             "timelines": run.run_timelines, "narratives": run.run_narratives}
    client_mb = {}  # the client's high-water mark after each stage
    done = home / "progress.json"
    if done.is_file():  # a resumed run: the stages measured before and not rerun stay
        before = json.loads(done.read_text())
        seconds = {k: v for k, v in before["seconds"].items() if k not in stages}
        client_mb = {k: v for k, v in before["client_mb_after"].items() if k not in stages}
        out["resumed"] = sorted(seconds)
    for stage in stages:
        t0 = time.perf_counter()
        steps[stage]()
        seconds[stage] = round(time.perf_counter() - t0, 1)
        client_mb[stage] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        (home / "progress.json").write_text(json.dumps(
            out | {"seconds": seconds, "client_mb_after": client_mb}))
    loaded = run.load()
    out["kept"], out["partitions"] = loaded.summary["kept"], loaded.result[1].get("partitions")
    out["topics"] = run.run_topics().summary.get("n_topics") if "topics" in seconds else None
    run.close()
    workers = peaks.stop()
    own = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out |= {"seconds": seconds, "client_mb_after": client_mb,
            "client_peak_mb": max([own, *client_mb.values()]),  # a resumed run's earlier peaks
            "worker_peak_mb": sorted(workers.values(), reverse=True) if mode != "process" else [],
            "disk_mb": _du(home / "data")}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--modes", nargs="+", default=["process", "local:2"])
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--dates", choices=DATES, default="years",
                        help="copy r dated r years later, or on its original's day")
    parser.add_argument("--backend", default=BACKEND, help="embeddings.backend")
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="per run, seconds")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--home", help="project folder of each run (kept, resumable): "
                        "<HOME>/<size>-<mode>; default a fresh temporary one")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1], args.stages,
                                 Path(args.corpus), args.home and Path(args.home),
                                 args.backend)))
        return
    data = Path(tempfile.gettempdir()) / "cn-scale"
    data.mkdir(exist_ok=True)
    info = machine()
    rows = []  # earlier runs' rows are kept (with their machine load) unless measured again
    old = json.loads((OUT / "scale.json").read_text()) if (OUT / "scale.json").is_file() \
        else {"rows": []}
    for size in args.sizes:
        t0 = time.perf_counter()
        name = f"ant-x{size}.csv.gz" if args.dates == "same-days" else f"ant-y{size}.csv.gz"
        corpus = make_corpus(size, data / name, dates=args.dates)
        print(f"corpus {size}: {time.perf_counter() - t0:.0f} s", flush=True)
        for mode in args.modes:
            cmd = [sys.executable, "-m", "bench.scale", "--one", str(size), mode,
                   "--corpus", str(corpus), "--stages", *args.stages, "--backend", args.backend]
            if args.home:
                folder = f"{size}-{mode.replace(':', '')}" + (
                    "" if args.dates == "same-days" else f"-{args.dates}") + (
                    "" if args.backend == BACKEND else f"-{args.backend}")
                cmd += ["--home", str(Path(args.home) / folder)]
            env = os.environ | {"HF_HUB_OFFLINE": "1"}
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                      timeout=args.timeout, cwd=ROOT)
                line = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else None
                row = json.loads(line) if line else {"size": size, "mode": mode,
                                                     "error": done.stderr[-300:]}
            except subprocess.TimeoutExpired:
                row = {"size": size, "mode": mode, "error": f"over {args.timeout} s"}
            row |= {"dates": args.dates, "backend": args.backend,
                    "load_avg": round(os.getloadavg()[0], 1)}
            print(row, flush=True)
            rows.append(row)
            kept = [r for r in old["rows"] if _id(r) not in {_id(x) for x in rows}]
            _write(sorted(kept + rows, key=_id), info, args)


def _id(row: dict) -> tuple:
    """A row's (size, mode, dates, backend): rows from before ``--dates`` kept copies' days
    and were embedded with ``tfidf-lsa``."""
    return row["size"], row["mode"], row.get("dates", "same-days"), row.get("backend", BACKEND)


def _write(rows: list[dict], info: dict, args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    table = []
    for r in rows:
        s = r.get("seconds", {})
        total = sum(s.values()) if s else None
        table.append({"docs": f"{r['size']:,}", "mode": r["mode"], "dates": _id(r)[2],
                      "embeddings": _id(r)[3],
                      "kept": r.get("kept", ""),
                      **{f"{k} s": s.get(k, "") for k in STAGES},
                      "ms/doc": round(1000 * total / r["size"], 2) if total else "",
                      "client peak MB": r.get("client_peak_mb", ""),
                      "client MB after each stage": " / ".join(
                          str(v) for v in r.get("client_mb_after", {}).values()),
                      "worker peak MB": ", ".join(map(str, r.get("worker_peak_mb", []))),
                      "disk MB": r.get("disk_mb", ""), "load avg": r.get("load_avg", ""),
                      "note": r.get("error", "")[:80] or r.get("note", "") or (
                          f"{', '.join(r['resumed'])} measured in an earlier process"
                          if r.get("resumed") else "")})
    text = [
        "# Scale: in process vs a Dask LocalCluster",
        "",
        f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gb']} GB RAM, shared with "
        f"other engineers (load average at start {info['load_avg_at_start'][0]:.1f}): "
        "absolute times are inflated; compare the two modes of one size.",
        f"Command: `python -m bench.scale --sizes {' '.join(map(str, args.sizes))} --modes "
        f"{' '.join(args.modes)} --stages {' '.join(args.stages)} --dates {args.dates} "
        f"--backend {args.backend}`.",
        "Settings: embeddings as in each row, `topics.doc_map` off, defaults otherwise "
        f"(`compute.partition_rows` {_default('compute', 'partition_rows'):,}, "
        f"`topics.fit_sample` {_default('topics', 'fit_sample'):,}, "
        f"{_default('compute', 'memory_limit')} per worker); rows measured before the "
        "default partition size went from 50,000 to 25,000 say so in their note.",
        "",
        md_table(pd.DataFrame(table)),
        "",
        (__doc__ or "").split("\n\n", 2)[2].strip(),
        *_quality(),
    ]
    old = (OUT / "scale.md").read_text(encoding="utf-8") if (OUT / "scale.md").is_file() else ""
    if NOTES in old:  # the notes written by hand about these runs stay
        text += ["", old[old.index(NOTES):].strip()]
    (OUT / "scale.md").write_text("\n".join(text) + "\n", encoding="utf-8")


def _default(section: str, key: str):
    from conflict_narratives.settings import Settings

    return Settings.defaults()[section][key]


def _quality() -> list[str]:
    """The fit-on-a-sample quality section (``bench.fit_sample``'s results), if measured."""
    path = OUT / "scale_quality.json"
    if not path.is_file():
        return []
    from bench import fit_sample

    q = json.loads(path.read_text())
    return ["", "## Fit on a sample vs a full fit", "",
            f"Command: `{q['command'].strip()}`: {q['corpus']} ({q['n_docs']:,} documents, "
            f"`{q['backend']}` embeddings), label column `{q['label_column']}`; machine load "
            f"average at start {q['machine']['load_avg_at_start'][0]:.1f}.", "",
            md_table(pd.DataFrame(q["rows"])), "",
            (fit_sample.__doc__ or "").split("\n\n", 2)[2].strip()]


if __name__ == "__main__":
    main()
