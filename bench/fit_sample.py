"""Quality of fitting on a sample (the cluster path's topics) against a full fit, on all of
ant-multisource -> reports/benchmarks/scale_quality.json (quoted in scale.md).

    python -m bench.fit_sample                      # samples of 5k, 10k, 20k
    python -m bench.fit_sample --samples 5000 --corpus fa-kes

The corpus is loaded and embedded by the pipeline (USE-M, from the shared cache), then
fitted whole (:func:`topics.build_topics`, as in process) and, for each sample size, by
:func:`topics.scale.build_topics_partitioned` with ``topics.fit_sample`` = that size: fitted
on the seeded sample, every other document assigned to its nearest topic centroid, words
recounted over all documents. Every fit is scored over all documents
(:func:`topics.model.score`: NMI and ARI against the corpus's label column, NPMI coherence,
topic diversity), and its assignments compared with the full fit's (``ari_vs_full``: all
documents; ``ari_vs_full_assigned``: the documents assigned, not fitted).
``topics.doc_map`` is off (no 2-D map)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "reports" / "benchmarks"
KEYS = ("nmi", "npmi", "diversity", "n_topics", "outlier_share")


def _row(label: str, metrics: dict, seconds: float, **extra) -> dict:
    return {"fit": label, **{k: metrics.get(k) for k in KEYS},
            "ari_labels": metrics.get("ari"), "seconds": round(seconds, 1), **extra}


def main(argv: list[str] | None = None) -> None:
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    from conflict_narratives.corpus.parts import Parts, sample_positions
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.topics.model import build_topics, score
    from conflict_narratives.topics.scale import build_topics_partitioned

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ant-multisource")
    parser.add_argument("--samples", nargs="+", type=int, default=[5000, 10000, 20000])
    args = parser.parse_args(argv)
    run = Pipeline(args.corpus, overrides={"topics": {"doc_map": {"enabled": False}}})
    corpus, settings = run.corpus, run.settings
    matrix = np.asarray(run.embeddings.matrix, dtype=np.float32)
    t0 = time.perf_counter()
    full = build_topics(corpus, matrix, backend=run.backend, settings=settings,
                        name=args.corpus)
    rows = [_row("full", full.meta["metrics"], time.perf_counter() - t0, ari_vs_full=1.0)]
    print(rows[-1], flush=True)
    reference = full.doc_topics["topic"].to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "parts").mkdir()
        corpus.to_parquet(Path(tmp) / "parts" / "part-00000.parquet", index=False)
        np.save(Path(tmp) / "matrix.npy", matrix)
        parts = Parts.open(Path(tmp) / "parts")
        for size in args.samples:
            t0 = time.perf_counter()
            fitted = sample_positions(len(corpus), size, int(settings["seed"]))
            result = build_topics_partitioned(
                parts, Path(tmp) / "matrix.npy", backend=run.backend, name=args.corpus,
                settings=settings.replace({"topics": {"fit_sample": size}}), sample=fitted)
            seconds = time.perf_counter() - t0
            topics = result.doc_topics["topic"].to_numpy()
            assigned = np.ones(len(topics), bool)
            assigned[fitted] = False
            rows.append(_row(f"sample {size:,} + assign", score(result, corpus, settings),
                             seconds,
                             ari_vs_full=round(adjusted_rand_score(reference, topics), 4),
                             ari_vs_full_assigned=round(adjusted_rand_score(reference[assigned],
                                                                    topics[assigned]), 4)))
            print(rows[-1], flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"machine": machine(), "corpus": args.corpus, "n_docs": len(corpus),
              "backend": run.backend.name, "label_column": full.meta["metrics"].get(
                  "label_column"), "rows": rows,
              "command": "python -m bench.fit_sample " + " ".join(argv or [])}
    (OUT / "scale_quality.json").write_text(json.dumps(report, indent=1, default=str))
    print(md_table(pd.DataFrame(rows)))


if __name__ == "__main__":
    main()
