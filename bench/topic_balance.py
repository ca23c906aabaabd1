"""Catch-all topics: the largest topic's share, NMI, NPMI and diversity, before and after.

For each corpus (whole, or a seeded sample of ``--n-docs``) the topics are fitted on the
cached USE-M embeddings with the package defaults plus ``--set`` overrides (e.g.
``max_topic_share=null`` for no splitting) and scored by :func:`topics.score`. Each run is
appended to ``reports/benchmarks/topic_balance.json`` under ``--label``; the table of
every run recorded so far replaces the "Catch-all topics" section of
``reports/benchmarks/topics.md`` (the rest of that file is kept). Run the same command
with another checkout's ``src`` first on ``PYTHONPATH`` to record that code's numbers
(the label says which).

Run: ``python -m bench.topic_balance --label after [--corpora bbc-news fa-kes
ant-multisource] [--n-docs 0] [--set max_topic_share=null]``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from bench.common import machine, md_table
from conflict_narratives import topics
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store

MARKER = "<!-- topic-balance -->"
COLUMNS = ("label", "corpus", "n_docs", "n_topics", "largest_topic_share",
           "largest_before_reduction", "splits", "nmi", "npmi", "diversity", "stopword_share",
           "outlier_share_before_reduction", "fit_s")


def run_one(name: str, n_docs: int | None, seed: int, overrides: dict) -> dict:
    from conflict_narratives.embeddings import embed_corpus, get_backend

    settings = Settings.load(name, project_root=Store().root).replace(
        {"topics": {"doc_map": {"enabled": False}, **overrides}})
    df = Pipeline(name).corpus
    if n_docs and n_docs < len(df):
        df = df.sample(n_docs, random_state=seed).reset_index(drop=True)
    backend = get_backend(settings=settings)
    emb = embed_corpus(df, backend=backend, settings=settings, progress=False)
    t0 = time.perf_counter()
    _, result = topics.fit_topics(df, emb.matrix, backend=backend, settings=settings,
                                  name=name)
    fit_s = time.perf_counter() - t0
    metrics = topics.score(result, df, settings)
    sizes = result.doc_topics["topic"].value_counts()
    largest = float(sizes.drop(-1, errors="ignore").max() / len(df))
    return {"corpus": name, "n_docs": len(df), "sample_seed": seed if n_docs else None,
            "overrides": overrides, "n_topics": metrics["n_topics"],
            "largest_topic_share": round(largest, 4),
            "largest_before_reduction": result.meta.get("largest_topic_share_before_reduction"),
            "splits": len([s for s in result.meta.get("splits", []) if s.get("parts", 1) > 1]),
            **{k: metrics.get(k) for k in ("nmi", "ari", "npmi", "diversity", "stopword_share",
                                           "outlier_share_before_reduction")},
            "label_column": metrics.get("label_column"), "fit_s": round(fit_s, 1),
            "top_labels": result.topic_info.query("topic != -1")["label"].head(6).tolist()}


def write_markdown(path: Path, report: dict) -> None:
    """Replace the section after :data:`MARKER` in ``path`` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    head = text.split(MARKER)[0].rstrip() + "\n\n" if text else ""
    order = {"main": 0, "no-split": 1, "after": 2}
    runs = pd.DataFrame(sorted(report["runs"], key=lambda r: (r["corpus"], r["n_docs"],
                                                              order.get(r["label"], 9))))
    runs["corpus"] = [f"{c} (sample {n})" if pd.notna(s) else c for c, n, s in
                      zip(runs["corpus"], runs["n_docs"], runs["sample_seed"], strict=True)]
    runs = runs.astype(object).where(runs.notna(), "n/a")
    lines = [MARKER, "## Catch-all topics: largest topic's share before/after", "",
             "`python -m bench.topic_balance` (see its docstring). Every row is one fit on "
             "the cached USE-M embeddings, scored by `topics.score`: NMI against the corpus' "
             "labels (where it has them), NPMI (gensim c_npmi, top-10 words), diversity, "
             "share of topic words on the corpus' stop lists. `largest_topic_share`: the "
             "largest topic's share of all documents, after outliers are reassigned; "
             "`largest_before_reduction`: of HDBSCAN's clusters, before that; `splits`: "
             "catch-all clusters split. Labels: `main` = the code before this change, "
             "`no-split` = this code with `max_topic_share: null`, `after` = this code's "
             "defaults; `(penultimate loader)`: measured before boilerplate segments were "
             "compared without edge punctuation (30-50 documents per corpus read "
             "differently; bbc-news has no boilerplate, so its rows hold for both).", "",
             "Commands and machines:", ""]
    lines += [f"- `{c['command']}` ({c['label']}, {c['date']}, {c['machine']})"
              for c in report["commands"]]
    lines += ["", md_table(runs[[c for c in COLUMNS if c in runs.columns]]), ""]
    lines += ["Largest topics (first six labels):", ""]
    lines += [f"- {r['label']} / {c}: " + " | ".join(r["top_labels"])
              for c, (_, r) in zip(runs["corpus"], runs.iterrows(), strict=True)]
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.topic_balance",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--corpora", nargs="+", default=["bbc-news", "fa-kes",
                                                         "ant-multisource"])
    parser.add_argument("--n-docs", type=int, default=0, help="sample size (0: whole corpus)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="topics settings, YAML values (max_topic_share=null)")
    parser.add_argument("--out", type=Path, default=Store().reports_dir / "benchmarks")
    args = parser.parse_args(argv)
    overrides = {k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)}
    path = args.out / "topic_balance.json"
    report = json.loads(path.read_text()) if path.is_file() else {"commands": [], "runs": []}
    report["commands"].append({
        "label": args.label, "command": "python -m bench.topic_balance " + shlex.join(
            argv if argv is not None else sys.argv[1:]),
        "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    for name in args.corpora:
        row = {"label": args.label, **run_one(name, args.n_docs or None, args.seed, overrides)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        report["runs"] = [r for r in report["runs"] if (r["label"], r["corpus"], r["n_docs"])
                          != (row["label"], row["corpus"], row["n_docs"])] + [row]
        args.out.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        write_markdown(args.out / "topics.md", report)
    return report


if __name__ == "__main__":
    main()
