"""A report's progressive first view: figures and the explorer before the corpus is embedded.

When the topics are fitted on a seeded sample (``topics.fit_sample_in_process``) and must
be computed, ``report`` (``report.progressive``) embeds a seeded part of the sample first
(``report.first_view_docs`` of its documents), fits provisional topics on them — or, when
that part is the whole sample, the very fit the topics stage then extends to every document
(:meth:`Pipeline.fit_sample_topics`) — and writes a first view: the corpus and topic
figures (PNG) and ``explore.html`` of the sample under ``reports/<label>/first-view/``,
and ``index.html`` and ``summary.json`` saying PROVISIONAL. Then the rest is embedded
(the embedding cache is by text: the sample is not embedded again), assigned, and every
stage and notebook finishes as in a report without it: the final report is the same, and
its ``index.html`` and ``summary.json`` replace the provisional ones (its ``first_view``
entry says when the first view was written); ``first-view/`` is removed.
Called by :func:`publish.report`, which hands the pipeline as ``run``.
"""

from __future__ import annotations

import html
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FOLDER = "first-view"


def declined(run) -> str | None:
    """Why ``run``'s report has no first view (None: it has one)."""
    from conflict_narratives.embeddings import Backend, count_missing
    from conflict_narratives.monitor import find_raw

    if not run.settings["report"]["progressive"]:
        return "report.progressive is off"
    if run.distributed:
        return "on a cluster the partitions are embedded together"
    if "topics" in run.skipped:
        return run.skipped["topics"]
    if run.fit_positions is None:
        return "the topics are fitted on every document (topics.fit_sample_in_process)"
    if type(run.backend).bind_corpus is not Backend.bind_corpus:
        return f"{run.backend.name} is fitted on the whole corpus it embeds"
    if run.store.find(run.name, "topics", run.key("topics")) is not None or \
            find_raw(run, run.topics_key(raw=True)) is not None:
        return "the topics are saved already"
    if "embeddings" in run.__dict__ or not count_missing(
            run.corpus, backend=run.backend, settings=run.settings,
            cache_dir=run.store.embeddings_dir):
        return "every document is embedded already: nothing to wait for"
    return None


def first_view(run, started: float) -> dict[str, Any] | None:
    """Fit ``run``'s topics on the sample (embedding only its documents) and write the
    provisional first view; its summary entry (None, with a logged reason, when
    :func:`declined`). ``started``: the report's start (``time.perf_counter()``)."""
    reason = declined(run)
    if reason is not None:
        log.info("%s: no first view: %s", run.label, reason)
        return None
    t0 = time.perf_counter()
    sample, seeds = view_positions(run), run.curation.seed_topic_list()
    if len(sample) < len(run.fit_positions):  # a provisional fit of its own
        fitted = run.fit_sample_topics(None, seed_topic_list=seeds, positions=sample)
    else:  # the fit the topics stage extends
        fitted = run.fit_sample_topics(
            run.store.stage_dir(run.name, "topics", run.key("topics")), seed_topic_list=seeds,
            keep=True)
    fit_seconds = time.perf_counter() - t0
    out = run.store.report_dir(run.label)
    folder = out / FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    figures = _figures(run, fitted, folder)
    page = _explore(run, fitted, sample, folder)
    entry = {"provisional": True, "n_docs": len(run.corpus), "fit_docs": len(sample),
             "n_topics": int((fitted.topic_info["topic"] != -1).sum()),
             "embed_and_fit_seconds": round(fit_seconds, 2), "figures": len(figures),
             "explore": page is not None,
             "seconds": round(time.perf_counter() - started, 2),
             "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    from conflict_narratives.store import write_json

    write_json(out / "summary.json", entry | {"corpus": run.name, "sample": run.sample})
    _page(out / "index.html", run.label, entry, figures, page)
    if run.progress:  # the command line: say where to look while the rest is embedded
        print(f"first view (provisional) after {entry['seconds']:.0f} s: "
              f"{out / 'index.html'}", file=sys.stderr)
    log.info("%s: first view written in %.1f s", run.label, entry["seconds"])
    return entry


def view_positions(run) -> np.ndarray:
    """The corpus positions the first view is fitted on: a seeded subset of
    ``report.first_view_docs`` of the fit sample (at least ``topics.min_docs``; all of it
    when that is null or larger), so its documents are embedded first and not again."""
    from conflict_narratives.corpus.parts import sample_positions

    sample, size = run.fit_positions, run.settings["report"]["first_view_docs"]
    size = size and max(int(size), int(run.settings["topics"]["min_docs"]))
    inner = sample_positions(len(sample), size, int(run.settings["seed"]))
    return sample if inner is None else sample[inner]


def replaced(run, entry: dict[str, Any] | None) -> None:
    """After the final report: the first view's files go (its index and summary already
    replaced by the final ones)."""
    if entry is not None:
        shutil.rmtree(run.store.report_dir(run.label) / FOLDER, ignore_errors=True)


def _figures(run, fitted, folder: Path) -> list[dict[str, Any]]:
    """The corpus figures (all documents: they need no embedding) and the sample's topic
    figures, PNG only."""
    from conflict_narratives.figures import FigureBook, corpus_figures, topic_figures, use_style

    use_style()
    book = FigureBook(folder / "figures", formats=("png",))
    book.publish(corpus_figures(run.corpus), section="corpus")
    if (fitted.topic_info["topic"] != -1).any():
        book.publish(topic_figures(fitted), section="topics")
    else:
        log.warning("%s: the first view's fit found no topics: no topic figures", run.label)
    return book.entries("corpus") + book.entries("topics")


def _explore(run, fitted, sample, folder: Path) -> Path | None:
    """The sample's interactive view (None when it cannot be drawn: no document map)."""
    from conflict_narratives.explore import explore

    try:
        view = explore(run.corpus.iloc[sample], fitted, None, settings=run.settings,
                       title=f"{run.label} — PROVISIONAL first view ({len(sample):,} of "
                             f"{len(run.corpus):,} documents)", n_corpus=len(run.corpus))
    except ValueError as error:
        log.warning("%s: no provisional explore.html: %s", run.label, error)
        return None
    return view.save(folder / "explore.html")


def _page(index: Path, label: str, entry: dict[str, Any], figures: list[dict[str, Any]],
          page: Path | None) -> None:
    """The provisional ``index.html``: what it shows, that it is not final, and why."""
    esc = html.escape
    body = [f"<h1>{esc(label)} — PROVISIONAL first view</h1>",
            "<p class='provisional'><b>Provisional.</b> Topics fitted on a seeded sample of "
            f"{entry['fit_docs']:,} of {entry['n_docs']:,} documents, written "
            f"{entry['written_at']} ({entry['seconds']:.0f} s into the report) while the "
            "rest are embedded. The final report replaces this page: every document "
            "assigned to these topics (so sizes and words change), then timelines, "
            "narratives and the notebooks.</p>"]
    if page is not None:
        body.append(f"<p><b><a href='{FOLDER}/explore.html'>Explore the sample</a></b> "
                    "(provisional).</p>")
    for fig in figures:
        png = Path(fig["files"]["png"]).relative_to(index.parent).as_posix()
        body.append(f"<figure><img src='{png}' alt='{esc(fig['name'])}'><figcaption "
                    f"dir='auto'>{esc(fig['caption'])}</figcaption></figure>")
    index.write_text("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                     f"<title>PROVISIONAL — {esc(label)}</title><style>body{{max-width:60rem;"
                     "margin:2rem auto;font-family:sans-serif}.provisional{background:#fff3cd;"
                     "padding:1rem}img{max-width:100%}</style></head><body>"
                     + "\n".join(body) + "</body></html>", encoding="utf-8")
