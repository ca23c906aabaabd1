"""Search latency (``run.search``) on ant-multisource -> reports/benchmarks/search.md (.json).

    python -m bench.search                               # ant-multisource, in process
    python -m bench.search --corpus fa-kes --scheduler local:2

:func:`measure_search` (also called by other benchmarks) times, on a fresh pipeline for the
corpus: the first words search with the word index built (its saved segments removed
first) and then opened from the store by another fresh pipeline; the first semantic search
(the stored embeddings read, the query model loaded); then every query of :data:`WORDS` and
:data:`MEANING` ``repeats`` times, warm (wall and CPU milliseconds; the machine is shared,
so its load average is recorded). The corpus is loaded and embedded beforehand (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from pathlib import Path

from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
WORDS = ["الغوطه", '"القوات العراقية"', "داعش OR الدولة الاسلامية", "ترامب AND NOT كوريا",
         "الحديدة", "(ادلب OR حلب) AND هدنة"]
MEANING = ["chemical attack", "oil prices fall", "refugees crossing the sea to Europe",
           "الانتخابات البرلمانية العراقية", "football world cup"]


def _fresh(run):
    """A new pipeline for ``run``'s corpus, settings and store (nothing read yet)."""
    from conflict_narratives.pipeline import Pipeline

    return Pipeline(run.source, name=run.name, settings=run.settings, store=run.store,
                    client=run.client if run.distributed else None)


def _timed(search, query: str, mode: str) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    found = search(query, mode=mode)
    return {"query": query, "mode": mode, "ran": found["mode"].iloc[0] if len(found) else mode,
            "hits": len(found), "wall_ms": round((time.perf_counter() - wall) * 1000, 1),
            "cpu_ms": round((time.process_time() - cpu) * 1000, 1)}


def measure_search(run, *, repeats: int = 5, rebuild: bool = True) -> dict:
    """Cold and warm search latency on ``run``'s corpus (a ``Pipeline``, loaded and
    embedded); see the module docstring. ``rebuild``: time the index build too."""
    folder = run.store.search_dir(run.name)
    if rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    cold = []
    for step in ("build" if rebuild else "open", "open"):
        fresh = _fresh(run)
        fresh.load()
        _ = fresh.corpus  # read beforehand: not the search's cost
        cold.append(_timed(fresh.search, WORDS[0], "words") | {"index": step})
    cold.append(_timed(fresh.search, MEANING[0], "semantic") | {"index": "kept"})
    warm = []
    for query, mode in [(q, "words") for q in WORDS] + [(q, "semantic") for q in MEANING]:
        times = [_timed(fresh.search, query, mode) for _ in range(repeats)]
        warm.append(times[0] | {k: statistics.median(t[k] for t in times)
                                for k in ("wall_ms", "cpu_ms")}
                    | {"max_wall_ms": max(t["wall_ms"] for t in times)})
    index = fresh.searcher().index
    return {"corpus": run.name, "n_docs": index.n_docs, "segments": len(index.segments),
            "index_mb": round(sum(f.stat().st_size for s in index.segments
                                  for f in s.path.iterdir()) / 2**20, 1),
            "cold": cold, "warm": warm,
            "chemical_attack": fresh.search("chemical attack", k=10)[
                ["doc_id", "language", "score", "headline"]].to_dict("records")}


def write(result: dict, command: str) -> None:
    import pandas as pd

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "search.json").write_text(json.dumps(result, ensure_ascii=False, indent=2,
                                                default=str))
    warm = pd.DataFrame(result["warm"])
    by_mode = warm.groupby("mode")[["wall_ms", "max_wall_ms", "cpu_ms"]].max()
    lines = [
        f"# Search latency: {result['corpus']}", "",
        f"Command: `{command}`", "", f"Machine: {result['machine']}", "",
        f"{result['n_docs']:,} documents; word index: {result['segments']} segment(s), "
        f"{result['index_mb']} MB on disk (texts for snippets included).", "",
        "## Cold (fresh pipeline; corpus table already read)", "",
        md_table(pd.DataFrame(result["cold"])), "",
        "## Warm (median of the repeats; `max_wall_ms`: the slowest)", "",
        md_table(warm), "",
        "Slowest warm query per mode (ms; target ≤ 200):", "",
        md_table(by_mode.reset_index()), "",
        "## `search(\"chemical attack\")` (auto)", "",
        md_table(pd.DataFrame(result["chemical_attack"])), ""]
    (OUT / "search.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    import sys

    from conflict_narratives.pipeline import Pipeline

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ant-multisource")
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    run = Pipeline(args.corpus, overrides={"compute": {"scheduler": args.scheduler}})
    _ = run.embeddings  # loaded and embedded beforehand (the cache), not timed
    start = machine()
    result = measure_search(run, repeats=args.repeats) | {"machine": start}
    result["machine"]["load_avg_at_end"] = os.getloadavg()
    write(result, "python -m bench.search " + " ".join(argv if argv is not None
                                                          else sys.argv[1:]))
    print(json.dumps({k: result[k] for k in ("n_docs", "index_mb", "cold")},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
