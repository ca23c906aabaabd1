"""Search and the interactive view of a partitioned corpus, through the cluster path:
-> reports/benchmarks/explore_scale.md (.json).

    python -m bench.explore_scale [--size 1000000] [--scheduler local:2] [--home DIR]

The corpus is :func:`bench.scale.make_corpus`'s (perturbed ant-multisource copies, dated
over years), loaded, embedded (``tfidf-lsa``, as in ``bench.scale``) and its topics fitted
on the ``topics.fit_sample`` sample on a Dask cluster, with the document map on (the view
needs it). Then, on the same cluster: :func:`bench.search.measure_search` (the word index
built on the workers, cold and warm latency in both modes) and the view
(``run.explore()``: ``explore.max_points`` sampled past 100,000), its size, write time,
first render and search in headless Chromium (:func:`bench.explore.measure`). ``--home``
keeps the project, so a rerun resumes from what the pipeline saved.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import machine, md_table
from bench.explore import measure
from bench.scale import BACKEND, make_corpus
from bench.search import measure_search

OUT = Path(__file__).resolve().parents[1] / "reports" / "benchmarks"


def main(argv: list[str] | None = None) -> dict:
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.store import Store

    p = argparse.ArgumentParser(prog="python -m bench.explore_scale",
                                description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--scheduler", default="local:2")
    p.add_argument("--home", type=Path, default=None)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--view-only", action="store_true",
                   help="measure the view again from the saved project (--home), keeping the "
                   "search (and stages) of the last run")
    args = p.parse_args(argv)
    info = machine()
    data = Path(tempfile.gettempdir()) / "cn-scale"
    data.mkdir(exist_ok=True)
    corpus = data / f"ant-y{args.size}.csv.gz"
    if args.view_only:  # no source: the project's saved corpus is read as it is (its key
        corpus = corpus.with_suffix(".kept")  # and every stage's, whatever the code now)
    else:
        make_corpus(args.size, corpus)
    home = args.home or Path(tempfile.mkdtemp(prefix=f"explore-scale-{args.size}-"))
    run = Pipeline(str(corpus), name=f"scale{args.size}", store=Store(home), overrides={
        "embeddings": {"backend": BACKEND}, "compute": {"scheduler": args.scheduler}})
    stages = {}
    for name, step in (("load", run.load), ("embed", lambda: run.embeddings),
                       ("topics", run.run_topics)):
        t0 = time.perf_counter()
        step()
        stages[name] = round(time.perf_counter() - t0, 1)
    before = json.loads((OUT / "explore_scale.json").read_text()) if args.view_only else None
    if before is not None:  # the search as measured then, said so in the report
        stages, search = before["stages_s"], before["search"] | {"from": before["command"]}
    else:
        search = measure_search(run, repeats=args.repeats)
    t0 = time.perf_counter()
    view = run.explore()
    built = round(time.perf_counter() - t0, 1)
    page = measure(view, Path(tempfile.mkdtemp()) / "explore.html", "الغوطه")
    run.close()
    result = {"machine": info | {"load_avg_at_end": [round(x, 1) for x in os.getloadavg()]},
              "command": " ".join(["python -m bench.explore_scale",
                                     *(sys.argv[1:] if argv is None else argv)]),
              "size": args.size, "kept": search["n_docs"], "scheduler": args.scheduler,
              "stages_s": stages, "search": search, "view_built_s": built, "page": page}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "explore_scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=1,
                                                       default=str))
    (OUT / "explore_scale.md").write_text(report(result), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("size", "stages_s", "view_built_s", "page")},
                     ensure_ascii=False, default=str))
    return result


def report(r: dict) -> str:
    s, m = r["search"], r["machine"]
    warm = pd.DataFrame(s["warm"])
    return f"""# Search and explore.html of a partitioned corpus ({r['kept']:,} documents)

Command: `{r['command']}`. Machine: {m['cpu']}, {m['nproc']} cores, load
{m['load_avg_at_start']} at start, {m['load_avg_at_end']} at end (shared: upper bounds).
Scheduler `{r['scheduler']}`; embeddings `{BACKEND}`; topics fitted on the
`topics.fit_sample` sample, the rest assigned; stages (s): {r['stages_s']}.

## Search (`run.search` on the cluster path)

Word index: {s['segments']} segment(s), {s['index_mb']} MB, built on the workers.{
    chr(10) + chr(10) + "Measured by `" + s["from"] + "` (this run measured the view only)."
    if "from" in s else ""}

{md_table(pd.DataFrame(s['cold']))}

Warm (median of the repeats; `max_wall_ms` the slowest; target ≤ 200 ms):

{md_table(warm.groupby('mode')[['wall_ms', 'max_wall_ms', 'cpu_ms']].max().reset_index())}

## The view (`run.explore()`)

Built in {r['view_built_s']} s (the timelines stage computed first when not saved yet: the
events; the sample's rows read from the partitions), then:

{md_table(pd.DataFrame([r['page']]))}

The page holds at most `explore.max_points` documents (a seeded sample, the counts stated
on it) with texts cut to fit `explore.text_budget_mb`, so its size stays bounded whatever
the corpus size.
"""


if __name__ == "__main__":
    main()
