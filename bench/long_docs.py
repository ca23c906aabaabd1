"""Long documents on a 2-worker cluster: partitions bounded in rows only vs in bytes too.

A corpus of long reports is made from ant-multisource: each document runs ``--join``
articles together (~15,000 characters at 10), the articles grouped afresh in each of
``--copies`` seeded shuffles, so no two documents are near-duplicates. It is loaded and
embedded (``tfidf-lsa``) on a ``local:2`` cluster (2 GB per worker) in a fresh
subprocess per setting: ``compute.partition_mb`` at its default and at 100,000 (partitions
bounded by ``compute.partition_rows`` alone, as before the byte bound). Each run reports
its partitions, seconds per stage, the client's and each worker's peak RSS (polled every
0.5 s), or the error that stopped it.

Run: ``python -m bench.long_docs [--join 10] [--copies 3]``; results go to
``reports/benchmarks/long_docs.{json,md}``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench import scale
from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
UNBOUNDED = 100_000.0


def make_corpus(path: Path, join: int, copies: int) -> Path:
    """Documents of ``join`` ant-multisource articles each, ``copies`` groupings (above)."""
    if path.is_file():
        return path
    base = pd.read_csv(scale.SOURCE, dtype=str, keep_default_na=False)
    base = base[base["text"].str.len() > 0].reset_index(drop=True)
    texts = base["text"].to_numpy(dtype=object)
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", newline="") as fh:
        for r in range(copies):
            order = np.random.default_rng(r).permutation(len(base))
            groups = order[: len(order) // join * join].reshape(-1, join)
            first = base.iloc[groups[:, 0]]
            pd.DataFrame({
                "doc_id": [f"long-{r}-{i}" for i in range(len(groups))],
                "date": first["datetime"].to_numpy(),
                "source": first["source"].to_numpy(),
                "title": first["title"].to_numpy(),
                "text": ["\n\n".join(texts[g]) for g in groups],
            }).to_csv(fh, index=False, header=r == 0)
    tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--join", type=int, default=10, help="articles per document")
    parser.add_argument("--copies", type=int, default=3, help="groupings of the articles")
    parser.add_argument("--timeout", type=int, default=1800, help="per run, seconds")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # corpus, docs, MB
    args = parser.parse_args(argv)
    if args.one:  # load and embed on local:2 in this process
        corpus, docs, mb = args.one
        print(json.dumps(scale.run_one(int(docs), "local:2", ["load", "embed"], Path(corpus),
                                       compute={"partition_mb": float(mb)})))
        return
    from conflict_narratives.settings import Settings

    info = machine()
    corpus = make_corpus(Path(tempfile.gettempdir()) / f"cn-long-{args.join}x{args.copies}.csv.gz",
                         args.join, args.copies)
    texts = pd.read_csv(corpus, usecols=["text"], dtype=str, keep_default_na=False)["text"]
    shape = {"docs": len(texts), "mean_chars": int(texts.str.len().mean()),
             "max_chars": int(texts.str.len().max())}
    del texts
    default_mb = float(Settings.defaults()["compute"]["partition_mb"])
    rows = []
    for mb in (default_mb, UNBOUNDED):
        cmd = [sys.executable, "-m", "bench.long_docs", "--one", str(corpus),
               str(shape["docs"]), str(mb)]
        t0 = time.perf_counter()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout,
                                  cwd=ROOT, env=os.environ | {"HF_HUB_OFFLINE": "1"})
            line = done.stdout.strip().splitlines()[-1] if done.returncode == 0 else None
            row = json.loads(line) if line else {"error": _exception(done.stderr)}
        except subprocess.TimeoutExpired:
            row = {"error": f"over {args.timeout} s"}
        row = {"partition_mb": "no bound (rows only)" if mb == UNBOUNDED else f"{mb:g}",
               "wall_s": round(time.perf_counter() - t0), **row,
               "load_avg": round(os.getloadavg()[0], 1)}
        print(row, flush=True)
        rows.append(row)
    _write(rows, info, shape, args)


def _exception(stderr: str) -> str:
    """The exception a failed run ended with (its last ``SomeError: ...`` line)."""
    lines = [ln for ln in stderr.splitlines() if re.match(r"^[\w.]+(Error|Exception)\b", ln)]
    return (lines[-1] if lines else stderr.strip().splitlines()[-1])[:400]


def _write(rows: list[dict], info: dict, shape: dict, args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "long_docs.json").write_text(json.dumps(
        {"machine": info, "corpus": shape, "rows": rows}, indent=1))
    table = pd.DataFrame([{
        "compute.partition_mb": r["partition_mb"], "partitions": r.get("partitions", ""),
        "load s": r.get("seconds", {}).get("load", ""),
        "embed s": r.get("seconds", {}).get("embed", ""),
        "client peak MB": r.get("client_peak_mb", ""),
        "worker peak MB": ", ".join(map(str, r.get("worker_peak_mb", []))),
        "load avg": r["load_avg"],
        "outcome": f"done in {r['wall_s']} s" if "error" not in r
        else f"stopped after {r['wall_s']} s: {r['error']}"} for r in rows])
    text = ["# Long documents: partitions bounded in bytes", "",
            f"Machine: {info['nproc']} cores ({info['cpu']}), {info['ram_gb']} GB RAM, shared "
            f"(load average at start {info['load_avg_at_start'][0]:.1f}).",
            f"Command: `python -m bench.long_docs --join {args.join} --copies {args.copies}`.",
            f"Corpus: {shape['docs']:,} documents of {shape['mean_chars']:,} characters on "
            f"average (longest {shape['max_chars']:,}); `compute.partition_rows` 25,000, "
            "2 GB per worker.", "", md_table(table), "",
            (__doc__ or "").split("\n\n", 1)[1].strip()]
    old = (OUT / "long_docs.md").read_text(encoding="utf-8") \
        if (OUT / "long_docs.md").is_file() else ""
    if "## Notes" in old:  # the notes written by hand about these runs stay
        text += ["", old[old.index("## Notes"):].strip()]
    (OUT / "long_docs.md").write_text("\n".join(text) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
