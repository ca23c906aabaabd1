"""The report: the notebooks executed, their figures and tables indexed on one page.

:func:`write_report` takes what the pipeline made (the run summary, each section's inputs
key and tables) and executes the notebooks shipped inside this package
(``report/notebooks/``, so ``report`` works from any project folder) into
``reports/<label>/`` (in this process, :mod:`.inprocess`: no kernel to start, the package
imported already; or with papermill in Jupyter kernels), exports each to HTML, copies the
stage tables as CSV, and writes ``index.html`` linking every figure (PNG, SVG, PDF) with
the caption its figure book recorded, every table, the settings and each stage's wall time.

A section whose inputs (stage results, notebook, figure code, parameters) are unchanged
since its last execution is not executed again: its notebook, HTML and figures are current.
The last ``keep`` executions of each section are kept (``.sections/<section>/<key>/``), so
going back to earlier settings restores their notebook, HTML and figures without executing it.
"""

from __future__ import annotations

import html
import json
import logging
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from conflict_narratives.figures.book import FigureBook
from conflict_narratives.report.inprocess import execute_in_process
from conflict_narratives.store import code_fingerprint, make_key, write_json

log = logging.getLogger(__name__)

KERNEL = "conflict-narratives"
SECTIONS = (
    ("corpus", "01_corpus", "Corpus", "What was loaded, what was rejected and why."),
    ("topics", "02_topics", "Topics", "What the corpus is about (BERTopic, multilingual)."),
    ("timelines", "03_timelines", "Timelines", "How topics move, when they burst, what happened."),
    ("narratives", "04_narratives", "Narratives", "How outlets tell it: frames, actors, stories."),
    ("updates", "05_updates", "Updates", "What changed since the last update: new documents "
                                         "per topic, stories outside the topics."),
)
MAX_CSV_ROWS = 250_000
EXECUTED = ".executed.json"
ARCHIVE = ".sections"


@dataclass
class Section:
    """One report section: its executed notebook, figures and tables."""

    key: str
    title: str
    blurb: str
    notebook: Path | None = None
    html: Path | None = None
    seconds: float = 0.0
    reused: bool = False
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)


def notebooks_dir() -> Path:
    """The notebooks shipped with the package (``notebooks/`` in a checkout links here)."""
    return Path(str(resources.files("conflict_narratives").joinpath("report/notebooks")))


def execute_notebook(path: Path, out: Path, parameters: dict[str, Any],
                     kernel: str = KERNEL) -> Path:
    """Execute ``path`` with papermill into ``out`` (cwd: the output folder), passing the
    ``parameters`` the notebook declares. The kernel's own log (its transport warning at
    start, an interrupt at shutdown) would reach the user's terminal: it is kept to critical
    records; an error in a cell still fails the execution here."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    declared = papermill.inspect_notebook(str(path))
    papermill.execute_notebook(str(path), str(out), kernel_name=kernel,
                               parameters={k: v for k, v in parameters.items() if k in declared},
                               cwd=str(out.parent), progress_bar=False, log_output=False,
                               extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    return out


def export_html(notebook: Path) -> Path:
    """The executed notebook as a standalone HTML page beside it (images inline)."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    target = notebook.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target


TABLE_CAPTIONS = {
    "rejects": "Every input row that was not kept, with its reason (rows in = kept + rejected).",
    "doc_topics": "Each document's topic, its probability and its 2-D map position.",
    "topic_info": "Each topic: size, label, top words with weights, representative documents.",
    "topics_per_source": "How many documents of each outlet fall in each topic.",
    "hierarchy": "BERTopic's topic hierarchy (merges and distances).",
    "prevalence": "Topic counts and share of all documents per period.",
    "prevalence_by_source": "Topic counts and shares per period and outlet.",
    "topic_words": "Each topic's top words per period (c-TF-IDF on that period's documents).",
    "bursts": "Burst intervals detected in each topic's series.",
    "events": "Ranked events (rank 1 first): peak day and window, topic, score and its features "
              "(novelty, outlet spread, later mentions, routine), outlets, headlines.",
    "periods": "Periods of heightened coverage (bursts and stories longer than an event) and "
               "routine series, with the number of dated events inside.",
    "dates": "Every day ranked by the learned date ranker (no topics needed); the best marked.",
    "added": "Documents the last update added per topic, with how fast each topic grew.",
    "candidates": "Groups of new documents outside every topic: words, headlines, outlets.",
}


def table_caption(name: str, columns: list[str]) -> str:
    """A one-line caption: the known description, else the table's columns."""
    known = TABLE_CAPTIONS.get(name)
    if known:
        return known
    cols = ", ".join(map(str, columns[:6])) + (", …" if len(columns) > 6 else "")
    return f"{name.replace('_', ' ').capitalize()}: {cols}."


def export_tables(sources: list[Path], target: Path) -> list[dict[str, Any]]:
    """Copy Parquet tables into ``target`` as CSV (UTF-8 with BOM, so spreadsheet programs
    read Arabic) — or link the Parquet when a table is too large. A CSV made from the same
    Parquet file (path, size, modification time: ``.sources.json``) is kept as it is."""
    import pyarrow.parquet as pq

    target.mkdir(parents=True, exist_ok=True)
    made_from = target / ".sources.json"
    known = json.loads(made_from.read_text(encoding="utf-8")) if made_from.is_file() else {}
    tables = []
    for src in sources:
        meta = pq.read_metadata(src)
        columns = list(meta.schema.to_arrow_schema().names)
        path = target / f"{src.stem}.csv" if meta.num_rows <= MAX_CSV_ROWS else src
        stat = src.stat()
        stamp = [str(src.resolve()), stat.st_size, stat.st_mtime_ns]
        if path != src and (known.get(src.stem) != stamp or not path.is_file()):
            known.pop(src.stem, None)
            write_json(made_from, known)
            pd.read_parquet(src).to_csv(path, index=False, encoding="utf-8-sig")
            known[src.stem] = stamp
        tables.append({"name": src.stem, "path": path, "rows": meta.num_rows,
                       "columns": len(columns), "caption": table_caption(src.stem, columns)})
    write_json(made_from, known)
    return tables


def write_report(out_dir: Path, label: str, *, params: dict[str, Any],
                 inputs: dict[str, str], tables: dict[str, list[Path]], summary: dict,
                 settings: dict, kernel: str | None = None, force: bool = False,
                 workers: int = 1, keep: int = 4) -> dict[str, Any]:
    """Execute each section's notebook (unless its ``inputs`` key — which must cover the
    settings it depends on — and ``params`` but the ``overrides`` are unchanged, or one of
    its ``keep`` kept executions has that key): in this process, one after the other
    (:mod:`.inprocess`), or given a ``kernel``, each in a kernel of that name, up to
    ``workers`` at once. Then export HTML and ``tables`` (per section, Parquet paths),
    write ``index.html``; returns the summary with each notebook's wall time and the index
    path."""
    from concurrent.futures import ThreadPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    book = FigureBook(out_dir / "figures")
    executed_path = out_dir / EXECUTED
    executed = json.loads(executed_path.read_text(encoding="utf-8")) \
        if executed_path.is_file() else {}
    code = code_fingerprint("figures", "report")
    # the settings a section depends on are in its inputs key (its stage's key), so a
    # change of topic settings leaves the corpus section's notebook as it is
    keyed = {k: v for k, v in params.items() if k != "overrides"}
    sections, run_keys = [], {}
    for key, stem, title, blurb in SECTIONS:
        if inputs.get(key) is None:  # e.g. no updates yet: no section
            continue
        section = Section(key, title, blurb)
        notebook = notebooks_dir() / f"{stem}.ipynb"
        run_keys[key] = make_key(inputs=inputs[key], params=keyed, code=code,
                                 notebook=notebook.read_text(encoding="utf-8"))
        section.notebook, section.html = out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
        section.reused = (not force and executed.get(key) == run_keys[key]
                          and section.html.is_file() and section.notebook.is_file())
        kept = out_dir / ARCHIVE / key / run_keys[key]
        if not section.reused and not force and (kept / section.html.name).is_file():
            _restore(section, kept, book)
            executed[key], section.reused = run_keys[key], True
        if not section.reused:
            executed.pop(key, None)
        sections.append(section)
    write_json(executed_path, executed)

    def run(section: Section) -> Section:
        t0 = time.perf_counter()
        source = notebooks_dir() / section.notebook.name
        if kernel:
            execute_notebook(source, section.notebook, params, kernel)
        else:
            execute_in_process(source, section.notebook, params)
        export_html(section.notebook)
        section.seconds = round(time.perf_counter() - t0, 2)
        return section

    todo = [s for s in sections if not s.reused]
    with ThreadPoolExecutor(max(1, min(workers, len(todo) or 1))) as pool:
        for done in (pool.map if kernel else map)(run, todo):  # in process: in turn, here
            executed[done.key] = run_keys[done.key]
            write_json(executed_path, executed)
            _archive(done, out_dir / ARCHIVE / done.key, run_keys[done.key], book, keep)
    for section in sections:
        section.figures = book.entries(section.key)
        section.tables = export_tables(tables.get(section.key, []),
                                       out_dir / "tables" / section.key)
        log.info("%s: notebook %s %s in %.1fs", label, section.notebook.stem,
                 "reused" if section.reused else "executed", section.seconds)
    summary = summary | {"notebooks": {s.key: s.seconds for s in sections},
                         "notebooks_reused": [s.key for s in sections if s.reused]}
    (out_dir / "settings.yaml").write_text(
        yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    write_json(out_dir / "summary.json", summary)
    summary["index"] = str(write_index(out_dir, label, sections, summary, settings))
    return summary


def _archive(section: Section, root: Path, run_key: str, book: FigureBook, keep: int) -> None:
    """Keep a section's executed notebook, HTML and figures under ``root/<run_key>``; the
    oldest beyond ``keep`` are deleted."""
    import shutil

    target = root / run_key
    shutil.rmtree(target, ignore_errors=True)
    book.archive(section.key, target / "figures")
    for path in (section.notebook, section.html):
        shutil.copy2(path, target / path.name)
    for old in sorted(root.iterdir(), key=lambda p: p.stat().st_mtime)[:-max(1, keep)]:
        shutil.rmtree(old, ignore_errors=True)


def _restore(section: Section, kept: Path, book: FigureBook) -> None:
    """Make a kept execution (:func:`_archive`) the section's current one."""
    import shutil

    book.restore(section.key, kept / "figures")
    for path in (section.notebook, section.html):
        shutil.copy2(kept / path.name, path)
    kept.touch()  # the most recently used is kept longest
    log.info("%s: notebook restored from %s", section.key, kept)


def _rel(path: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(path, start)).as_posix()


def _explore_link(out_dir: Path) -> list[str]:
    """The interactive view's link, when the report has one."""
    if not (out_dir / "explore.html").is_file():
        return []
    return ["<p><b><a href='explore.html'>Explore the corpus</a></b>: every document on an "
            "interactive map with search, a time brush, topics, events and a reader (one "
            "self-contained page, works offline).</p>"]


def write_index(out_dir: Path, label: str, sections: list[Section], summary: dict,
                settings: dict) -> Path:
    """``index.html``: every section's notebook, figures and tables, stage timings and the
    settings echoed, with relative links only."""
    esc = html.escape
    parts = [f"<h1>conflict-narratives report — {esc(label)}</h1>",
             f"<p>Generated {esc(time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))}."
             f" Settings: <a href='settings.yaml'>settings.yaml</a>; run summary: "
             "<a href='summary.json'>summary.json</a>.</p>", *_explore_link(out_dir),
             "<h2>Stages</h2>",
             "<table><tr><th>stage</th><th>seconds</th><th>cached</th></tr>"]
    for stage, info in summary.get("stages", {}).items():
        done = "skipped" if "skipped" in info else info.get("seconds")
        parts.append(f"<tr><td>{esc(stage)}</td><td>{done}</td>"
                     f"<td>{'yes' if info.get('cached') else 'no'}</td></tr>")
    for s in sections:
        parts.append(f"<tr><td>notebook {esc(s.key)}</td><td>{s.seconds}</td>"
                     f"<td>{'yes' if s.reused else 'no'}</td></tr>")
    parts.append("</table>")
    if summary.get("skipped"):  # what the corpus cannot support (no dates, one outlet)
        parts += ["<ul class='skipped'>"] + [f"<li>{esc(line)}</li>"
                                             for line in summary["skipped"].values()] + ["</ul>"]
    for s in sections:
        parts += [f"<h2 id='{s.key}'>{esc(s.title)}</h2>", f"<p>{esc(s.blurb)} Notebook: "
                  f"<a href='{_rel(s.html, out_dir)}'>{esc(s.html.name)}</a> "
                  f"(<a href='{_rel(s.notebook, out_dir)}'>ipynb</a>).</p>"]
        for f in s.figures:
            links = " · ".join(f"<a href='{_rel(p, out_dir)}'>{ext.upper()}</a>"
                               for ext, p in f["files"].items())
            img = (f"<img src='{_rel(f['files']['png'], out_dir)}' alt='{esc(f['name'])}'>"
                   if "png" in f["files"] else "")
            parts.append(f"<figure>{img}<figcaption dir='auto'><b>{esc(f['name'])}</b> — "
                         f"{esc(f['caption'])} [{links}]</figcaption></figure>")
        if s.tables:
            parts.append("<ul class='tables'>")
            for t in s.tables:
                parts.append(f"<li dir='auto'><a href='{_rel(t['path'], out_dir)}'>"
                             f"{esc(t['name'])}</a> ({t['rows']:,} rows × {t['columns']} columns)"
                             f" — {esc(t['caption'])}</li>")
            parts.append("</ul>")
    parts += ["<h2>Settings</h2>", "<pre>" + esc(yaml.safe_dump(
        settings, allow_unicode=True, sort_keys=False)) + "</pre>"]
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(label)} — conflict-narratives</title><style>"
            "body{font-family:'DejaVu Sans',Amiri,sans-serif;max-width:60rem;margin:2rem auto;"
            "padding:0 1rem;line-height:1.45}figure{margin:1.5rem 0}img{max-width:100%;"
            "border:1px solid #ddd}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
            "padding:.2rem .6rem}pre{background:#f6f6f6;padding:1rem;overflow:auto}"
            "</style></head><body>" + "\n".join(parts) + "</body></html>")
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def broken_links(index: Path) -> list[str]:
    """Relative links in ``index`` (href/src) that point to no file."""
    import re

    text = index.read_text(encoding="utf-8")
    targets = re.findall(r"(?:href|src)='([^'#:]+)'", text)
    return [t for t in targets if not (index.parent / t).is_file()]
