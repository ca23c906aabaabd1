"""How much of a label column can topics recover? NMI of unsupervised and supervised
partitions of the same embeddings, so a topic model's NMI has a yardstick.

On the whole corpus (cached embeddings of the default backend and view):

- ``supervised``: logistic regression on the embeddings, 3-fold cross-validated
  predictions of the label itself — what a model *told* the labels reaches with these
  embeddings (an upper reference for any unsupervised partition);
- ``kmeans k``: KMeans with k = the number of labels and 2× that;
- ``umap+hdbscan mcs``: this project's clustering (seeded UMAP, HDBSCAN) at several
  ``min_cluster_size`` values, outliers given to the nearest topic centroid;
- per outlet: how the outlets use the labels (a label one outlet never uses caps the NMI
  any content-based partition can reach).

    python -m bench.nmi_ceiling [--corpus ant-multisource]

Results: ``reports/benchmarks/nmi_ceiling.md``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score as nmi

from bench.common import machine, md_table

ROOT = Path(__file__).resolve().parents[1]


def nearest_centroid(topics: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Outliers (-1) to the topic whose mean embedding is closest (cosine)."""
    ids = np.array(sorted(set(topics.tolist()) - {-1}))
    centres = np.stack([x[topics == t].mean(axis=0) for t in ids])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = topics.copy()
    out[topics == -1] = ids[np.argmax(x[topics == -1] @ centres.T, axis=1)]
    return out


def rows(emb: np.ndarray, labels: np.ndarray, seed: int, sizes: list[int]) -> list[dict]:
    from hdbscan import HDBSCAN
    from sklearn.cluster import KMeans
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from umap import UMAP

    k = len(set(labels))
    out = []
    pred = cross_val_predict(LogisticRegression(max_iter=500, C=10), emb, labels, cv=3)
    out.append({"partition": "supervised (logistic regression, 3-fold)", "clusters": k,
                "nmi": nmi(labels, pred), "accuracy": float(np.mean(pred == labels))})
    for n in (k, 2 * k):
        km = KMeans(n, n_init=3, random_state=seed).fit_predict(emb)
        out.append({"partition": f"kmeans k={n}", "clusters": n, "nmi": nmi(labels, km)})
    reduced = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                   random_state=seed, low_memory=True).fit_transform(emb)
    for mcs in sizes:
        found = HDBSCAN(min_cluster_size=mcs).fit(reduced).labels_
        out.append({"partition": f"umap+hdbscan min_cluster_size={mcs}",
                    "clusters": len(set(found)) - (-1 in found),
                    "outliers": float(np.mean(found == -1)),
                    "nmi": nmi(labels, nearest_centroid(found, emb))})
    return out


def main(argv: list[str] | None = None) -> None:
    from conflict_narratives import topics
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.pipeline import Pipeline
    from conflict_narratives.settings import Settings
    from conflict_narratives.store import Store
    from conflict_narratives.topics import scaled_min_cluster_size

    parser = argparse.ArgumentParser(prog="python -m bench.nmi_ceiling")
    parser.add_argument("--corpus", default="ant-multisource")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "benchmarks")
    args = parser.parse_args(argv)
    command = "python -m bench.nmi_ceiling " + shlex.join(sys.argv[1:] if argv is None else argv)
    settings = Settings.load(args.corpus, project_root=Store().root)
    df = Pipeline(args.corpus).corpus
    col = topics.label_column(df, settings)
    if col is None:
        sys.exit(f"{args.corpus} has no label column")
    keep = df[col].notna().to_numpy()
    emb = embed_corpus(df, settings=settings, progress=True).matrix[keep]
    labels = df.loc[keep, col].astype(str).to_numpy()
    mcs = scaled_min_cluster_size(len(labels))
    table = pd.DataFrame(rows(emb, labels, int(settings.get("seed", 42)), [mcs, 2 * mcs, 4 * mcs]))
    by_outlet = pd.crosstab(df.loc[keep, "source"], df.loc[keep, col]) if "source" in df else None
    saved = topics.topics_dir(args.corpus) / "doc_topics.parquet"
    lines = ["# NMI yardstick", "",
             f"Command: `{command}`  ",
             f"Machine: {machine()}  ",
             f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             "", f"{args.corpus}: {len(labels)} documents, labels `{col}` ({len(set(labels))}), "
             f"embeddings: {settings['embeddings']}.", "",
             md_table(table.round(3).astype(object).fillna('')), ""]
    if saved.is_file():
        dt = df.loc[keep, ["doc_id"]].merge(pd.read_parquet(saved), on="doc_id", how="left")
        lines += [f"The saved topics stage result: NMI {nmi(labels, dt['topic'].fillna(-2)):.3f} "
                  f"({dt['topic'].nunique()} topics).", ""]
    if by_outlet is not None:
        lines += ["How each outlet uses the labels (documents):", "",
                  md_table(by_outlet.reset_index()), ""]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nmi_ceiling.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
