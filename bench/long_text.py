"""Memory of `embed` on one very long document: whole (before) vs in windows (after).

One document of ``--chars`` characters is made of real articles run together (bbc-news for
English, ant-multisource for Arabic) and embedded through :func:`embed_corpus` (use-m,
an empty cache) in a fresh subprocess per run, which reports its peak RSS
(``ru_maxrss``), the RSS before embedding (Python, numpy, the model) and the seconds.
``window_chars=0`` embeds the text whole, as the code did before windows.

Run: ``python -m bench.long_text [--chars 2400000] [--runs en:0 en ar]`` (``en:0``, the
whole text, needs ~10 GB); results go to
``reports/benchmarks/long_text.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import machine, md_table
from conflict_narratives.settings import Settings
from conflict_narratives.store import Store

SOURCES = {"en": ("bbc-news/bbc_news.csv.gz", "text"),
           "ar": ("ant-multisource/ant_multisource_v2.1.csv.gz", "text")}


def long_document(lang: str, chars: int) -> str:
    """Real articles of the corpus, joined by blank lines, until ``chars`` characters."""
    rel, col = SOURCES[lang]
    path = next(p / rel for p in Store().data_path() if (p / rel).is_file())
    parts, n = [], 0
    for chunk in pd.read_csv(path, usecols=[col], chunksize=2000):
        for text in chunk[col].dropna():
            parts.append(text)
            n += len(text) + 2
            if n >= chars:
                return "\n\n".join(parts)[:chars]
    raise ValueError(f"{rel} holds fewer than {chars} characters")


def child(lang: str, chars: int, window: int | None) -> dict:
    """One measured run (in its own process)."""
    from conflict_narratives.embeddings import embed_corpus, get_backend

    settings = Settings.defaults().replace({"embeddings": {"window_chars": window or None}})
    df = pd.DataFrame({"doc_id": ["long"], "text": [long_document(lang, chars)]})
    backend = get_backend("use-m", settings)
    backend.embed(["warm up"])  # the model loaded: what is measured after is the text's
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        res = embed_corpus(df, backend=backend, settings=settings, progress=False,
                           cache_dir=cache)
    return {"lang": lang, "chars": len(df["text"].iat[0]), "window_chars": window or None,
            "texts_embedded": res.stats["n_texts"], "seconds": round(time.perf_counter() - t0, 1),
            "rss_before_mb": before,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.long_text",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=2_400_000)
    parser.add_argument("--runs", nargs="+", default=["en", "ar"],
                        help="LANG[:WINDOW_CHARS]; 0 = whole text, no window = the setting")
    parser.add_argument("--child", nargs=2, metavar=("LANG", "WINDOW"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=Store().reports_dir / "benchmarks")
    args = parser.parse_args(argv)
    if args.child:
        window = None if args.child[1] == "default" else int(args.child[1])
        if window is None:
            window = int(Settings.defaults()["embeddings"]["window_chars"] or 0)
        print(json.dumps(child(args.child[0], args.chars, window)))
        return {}
    rows = []
    for run in args.runs:
        lang, _, window = run.partition(":")
        cmd = [sys.executable, "-m", "bench.long_text", "--chars", str(args.chars),
               "--child", lang, window or "default"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    report = {"command": "python -m bench.long_text " + shlex.join(
        argv if argv is not None else sys.argv[1:]), "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "long_text.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_markdown(report, args.out / "long_text.md")
    return report


def write_markdown(report: dict, path: Path) -> None:
    table = pd.DataFrame([{**r, "window_chars": r["window_chars"] or "whole text"}
                          for r in report["runs"]])
    md = ["# Embedding one very long document", "",
          f"Command: `{report['command']}`  ", f"Machine: {report['machine']}  ",
          f"Date: {report['date']}", "",
          "One document of real articles run together, embedded by `embed_corpus` (use-m, "
          "empty cache), each run in its own process. `window_chars` empty: the whole text "
          "in one piece (the code before windows); otherwise the setting "
          "`embeddings.window_chars`. `rss_before_mb`: the process with the model loaded, "
          "before embedding.", "", md_table(table)]
    path.write_text("\n".join(md) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
