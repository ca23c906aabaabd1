"""The report: run the pipeline, execute the four notebooks, and index what they made.

``build(name)`` runs every stage (reusing current results, see :mod:`pipeline`), executes
``notebooks/0*.ipynb`` with papermill into ``reports/<corpus>/``, exports each to HTML, copies
the stage tables as CSV, and writes ``reports/<corpus>/index.html`` linking every figure (PNG,
SVG, PDF) and table with a one-line caption, the settings used, and each stage's wall time.
"""

from __future__ import annotations

import html
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from conflict_narratives import config, pipeline
from conflict_narratives.figures.base import figures_dir

log = logging.getLogger(__name__)

KERNEL = "conflict-narratives"
SECTIONS = (
    ("corpus", "01_corpus", "Corpus", "What was loaded, what was rejected and why."),
    ("topics", "02_topics", "Topics", "What the corpus is about (BERTopic, multilingual)."),
    ("timelines", "03_timelines", "Timelines", "How topics move, when they burst, what happened."),
    ("narratives", "04_narratives", "Narratives", "How outlets tell it: frames, actors, stories."),
)
MAX_CSV_ROWS = 250_000


@dataclass
class Section:
    """One report section: its executed notebook, figures and tables."""

    key: str
    title: str
    blurb: str
    notebook: Path | None = None
    html: Path | None = None
    seconds: float = 0.0
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)


def report_name(name_or_source: str, sample: int | None = None) -> str:
    """The folder name of a report (and of its figures): the corpus, or ``<corpus>-sample<N>``
    for a run on a sample, so a quick run never overwrites the full report."""
    from conflict_narratives.corpus.loader import default_name

    name = default_name(name_or_source)
    return f"{name}-sample{sample}" if sample else name


def notebooks_dir() -> Path:
    return config.project_root() / "notebooks"


def execute_notebook(path: Path, out: Path, parameters: dict[str, Any],
                     kernel: str = KERNEL) -> Path:
    """Execute ``path`` with papermill into ``out`` (cwd: the notebooks folder)."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(path), str(out), parameters=parameters, kernel_name=kernel,
                               cwd=str(path.parent), progress_bar=False, log_output=False)
    return out


def export_html(notebook: Path) -> Path:
    """The executed notebook as a standalone HTML page beside it (images inline)."""
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(str(notebook), as_version=4))
    target = notebook.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target


def _figure_files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.*")} if folder.is_dir() else {}


def _figures_made(folder: Path, before: dict[str, int]) -> list[dict[str, Any]]:
    """Figures written in ``folder`` since ``before`` (a :func:`_figure_files` snapshot)."""
    after = _figure_files(folder)
    stems = sorted({n.rsplit(".", 1)[0] for n, t in after.items() if before.get(n) != t
                    and n.rsplit(".", 1)[-1] in ("png", "svg", "pdf")})
    captions = _captions(folder)
    return [{"name": s, "caption": captions.get(s) or s.replace("_", " "),
             "files": {ext: folder / f"{s}.{ext}" for ext in ("png", "svg", "pdf")
                       if (folder / f"{s}.{ext}").is_file()}} for s in stems]


def _captions(folder: Path) -> dict[str, str]:
    path = folder / "captions.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def export_tables(name: str, stage: str, out_dir: Path, sample: int | None = None
                  ) -> list[dict[str, Any]]:
    """Copy a stage's Parquet tables into ``out_dir/tables/<stage>/`` as CSV (UTF-8 with BOM,
    so spreadsheet programs read Arabic) — or link the Parquet when a table is too large."""
    if stage == "corpus":
        sources = [config.processed_dir() / f"{name}.rejects.parquet"]
    else:
        sources = sorted(pipeline.stage_dir(name, stage, sample).glob("*.parquet"))
    target = out_dir / "tables" / stage
    target.mkdir(parents=True, exist_ok=True)
    tables = []
    for src in sources:
        if not src.is_file():
            continue
        df = pd.read_parquet(src)
        if len(df) <= MAX_CSV_ROWS:
            path = target / f"{src.stem}.csv"
            df.to_csv(path, index=False, encoding="utf-8-sig")
        else:
            path = src
        tables.append({"name": src.stem, "path": path, "rows": len(df),
                       "columns": len(df.columns), "caption": table_caption(src.stem, df)})
    return tables


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
    "events": "Dated events: topic, intensity, outlets covering it, representative headlines.",
}


def table_caption(name: str, df: pd.DataFrame) -> str:
    """A one-line caption: the known description, else the table's columns."""
    known = TABLE_CAPTIONS.get(name)
    if known:
        return known
    cols = ", ".join(map(str, df.columns[:6])) + (", …" if len(df.columns) > 6 else "")
    return f"{name.replace('_', ' ').capitalize()}: {cols}."


def build(name_or_source: str, *, sample: int | None = None, force: bool = False,
          kernel: str = KERNEL, progress: bool = True) -> dict[str, Any]:
    """The main job: pipeline, notebooks, HTML, tables, index. Returns the run summary
    (with each notebook's wall time and the index path)."""
    from conflict_narratives.corpus.loader import default_name

    name = default_name(name_or_source)
    label = report_name(name_or_source, sample)
    settings = config.load_settings(name)
    summary = pipeline.run_all(name_or_source, sample=sample, settings=settings, force=force,
                               progress=progress)
    out_dir = config.reports_dir() / label
    out_dir.mkdir(parents=True, exist_ok=True)
    fig_dir = figures_dir(label)
    params = {"corpus": str(name_or_source), "sample": sample or 0,
              "seed": int(settings.get("seed", 42)), "figures_name": label}
    sections = []
    for key, stem, title, blurb in SECTIONS:
        section = Section(key, title, blurb)
        before = _figure_files(fig_dir)
        t0 = time.perf_counter()
        section.notebook = execute_notebook(notebooks_dir() / f"{stem}.ipynb",
                                            out_dir / f"{stem}.ipynb", params, kernel)
        section.html = export_html(section.notebook)
        section.seconds = round(time.perf_counter() - t0, 2)
        section.figures = _figures_made(fig_dir, before)
        section.tables = export_tables(name, key, out_dir, sample)
        sections.append(section)
        log.info("%s: notebook %s in %.1fs", label, stem, section.seconds)
    summary["notebooks"] = {s.key: s.seconds for s in sections}
    (out_dir / "settings.yaml").write_text(
        yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    summary["index"] = str(write_index(out_dir, label, sections, summary, settings))
    return summary


def _rel(path: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(path, start)).as_posix()


def write_index(out_dir: Path, label: str, sections: list[Section], summary: dict,
                settings: dict) -> Path:
    """``index.html``: every section's notebook, figures and tables, stage timings and the
    settings echoed, with relative links only."""
    esc = html.escape
    parts = [f"<h1>conflict-narratives report — {esc(label)}</h1>",
             f"<p>Generated {esc(time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))}."
             f" Settings: <a href='settings.yaml'>settings.yaml</a>; run summary: "
             "<a href='summary.json'>summary.json</a>.</p>", "<h2>Stages</h2>",
             "<table><tr><th>stage</th><th>seconds</th><th>cached</th></tr>"]
    for stage, info in summary.get("stages", {}).items():
        parts.append(f"<tr><td>{esc(stage)}</td><td>{info.get('seconds')}</td>"
                     f"<td>{'yes' if info.get('cached') else 'no'}</td></tr>")
    for key, seconds in summary.get("notebooks", {}).items():
        parts.append(f"<tr><td>notebook {esc(key)}</td><td>{seconds}</td><td></td></tr>")
    parts.append("</table>")
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
