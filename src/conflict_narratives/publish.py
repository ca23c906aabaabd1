"""What a run publishes: the report (notebooks, figures, tables, ``index.html``) and story
traces, each kept by the key of its inputs. Called by :class:`pipeline.Pipeline`, which
hands itself as ``run``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from conflict_narratives.store import make_key

STAGES = ("topics", "timelines", "narratives")
log = logging.getLogger(__name__)
# tables that compare outlets: left out of a single-source corpus's report
OUTLET_TABLES = {"topics_per_source", "prevalence_by_source", "topic_distribution",
                 "outlet_divergence", "outlet_divergence_time", "distinctive_words",
                 "outlet_firsts"}


def trace(run, path: str | Path, threshold: float | None = None) -> dict[str, Any]:
    """Where the story of the text file ``path`` is told in ``run``'s corpus (see
    ``narratives.trace_story``). Kept (``data/processed/<name>/trace/<key>.json``) while the
    file, the corpus's topic-independent narratives and the loader are unchanged: a topic
    change does not trace again."""
    import hashlib
    import json

    from conflict_narratives import corpus, narratives
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.store import write_json

    key = make_key(stage="trace", documents=run.key("narrative_documents"),
                   loader=run.load().key, threshold=threshold,
                   query=hashlib.sha256(Path(path).read_bytes()).hexdigest())
    kept = run.store.stage_root(run.name, "trace") / f"{key}.json"
    if kept.is_file():
        result = json.loads(kept.read_text(encoding="utf-8"))
    else:
        query = corpus.load_corpus(str(path), settings=run.settings).corpus
        if query.empty or not (query["text"].fillna("").str.strip() != "").any():
            raise ValueError(f"{path}: no text to trace after cleaning")
        saved = run.narratives()
        matrix = run.embeddings.matrix  # first: a corpus-fitted backend is bound to the corpus
        qvec = embed_corpus(query.head(1), backend=run.backend, settings=run.settings,
                            cache_dir=run.store.embeddings_dir).matrix
        result = narratives.trace_story(query.iloc[0], qvec[0], run.corpus, matrix,
                                        run.backend, saved,
                                        settings=run.settings, threshold=threshold)
        write_json(kept, result)
        result = json.loads(kept.read_text(encoding="utf-8"))  # as a later run reads it
    result["query"]["path"] = str(path)
    return result | {"corpus": run.name, "sample": run.sample}


def explore(run, *, query: str = "", hits: pd.DataFrame | None = None):
    """``run``'s interactive view (:mod:`explore`) from its topics, timelines and corpus
    table (:func:`explore_corpus`)."""
    from conflict_narratives import explore as view

    corpus, total, unplaced = explore_corpus(run)
    timelines = None if "timelines" in run.skipped else run.timelines()  # undated: no events
    return view.explore(corpus, run.topics(), timelines, settings=run.settings,
                        title=run.label, query=query, hits=hits, n_corpus=total,
                        n_unplaced=unplaced)


def explore_corpus(run) -> tuple[pd.DataFrame, int | None, int]:
    """The corpus table with texts, None and 0; on a cluster (where the table has no texts)
    the rows the view shows — a seeded sample, past ``explore.max_points``, of the
    documents with a map position (past ``topics.fit_sample``, the fitted ones) — with
    their texts read from the partitions, the corpus's size, and how many of its documents
    have no map position."""
    import numpy as np

    if not run.distributed:
        return run.corpus, None, 0
    corpus = run.corpus
    placed = run.topics().doc_topics
    mapped = set(placed.loc[placed[["x", "y"]].notna().all(axis=1), "doc_id"].astype(str))
    rows = np.flatnonzero(corpus["doc_id"].astype(str).isin(mapped).to_numpy())
    limit, total = int(run.settings["explore"]["max_points"]), len(corpus)
    if len(rows) > limit:
        rows = np.sort(np.random.default_rng(int(run.settings["seed"])).choice(
            rows, limit, replace=False))
    texts = run.load().result[0].take(rows, columns=["text"])["text"].to_numpy() \
        if len(rows) else []
    return corpus.iloc[rows].assign(text=texts), total, total - len(mapped)


def write_explore(run) -> dict[str, Any]:
    """``reports/<label>/explore.html``, written again only when the topics, timelines or
    ``explore`` settings changed (its inputs key is kept beside it)."""
    import time

    from conflict_narratives.store import code_fingerprint, write_json

    page = run.store.explore_page(run.label)
    stamp = page.with_suffix(".json")
    key = make_key(topics=run.key("topics"), timelines=run.key("timelines"),
                   settings=run.settings.digest("explore", "seed"),
                   code=code_fingerprint("explore"))
    if page.is_file() and stamp.is_file() and \
            json.loads(stamp.read_text(encoding="utf-8")).get("key") == key:
        return {"path": str(page), "seconds": 0.0, "reused": True}
    t0 = time.perf_counter()
    try:
        view = explore(run)
    except ValueError as error:  # e.g. no document map: the report goes on without it
        log.warning("%s: no explore.html: %s", run.label, error)
        page.unlink(missing_ok=True)
        return {"skipped": str(error)}
    view.save(page)
    write_json(stamp, {"key": key})
    return {"path": str(page), "seconds": round(time.perf_counter() - t0, 2), "reused": False,
            "mb": round(page.stat().st_size / 2**20, 2)}


def report(run, *, trace: str | Path | None = None, force: bool = False,
           kernel: str | None = None) -> dict[str, Any]:
    """Every stage of ``run``, then the notebooks (each re-executed only when its inputs
    changed; in this process unless ``report.kernels`` or a ``kernel`` name asks for Jupyter
    kernels, or ``report`` runs inside one), figures, tables as CSV and
    ``reports/<label>/index.html``. ``trace``: a text file whose story notebook 04 traces
    (default: the seed document, if present). What the corpus cannot support
    (``run.skipped``) has no section, table or figure: one line each."""
    import time

    from conflict_narratives import progressive
    from conflict_narratives.report import KERNEL, in_process_available, write_report

    first = progressive.first_view(run, time.perf_counter())  # None unless progressive
    summary = run.run(force=force)
    if first is not None:  # the provisional view this report replaces, and when it came
        summary["first_view"] = first
    summary["explore"] = write_explore(run)
    trace = Path(trace) if trace else run.store.root.parent / "shared" / "seed" / \
        "akhbar-alaan_mosul-isis-collapse.txt"
    trace_key = make_key(path=str(trace), stat=[trace.stat().st_size,
                                                trace.stat().st_mtime_ns]
                         if trace.is_file() else None)
    overrides = run.settings.to_dict()
    if run.distributed:  # the notebooks' kernels join this run's cluster, not one each
        overrides["compute"] = {**overrides["compute"], "scheduler": run.client.scheduler.address}
    params = {"corpus": run.name if isinstance(run.source, pd.DataFrame)
              else str(run.source), "sample": run.sample or 0,
              "overrides": overrides, "home": str(run.store.root), "trace": str(trace)}
    figures = run.settings.digest("figures")
    skipped = run.skipped
    inputs = {"corpus": make_key(corpus=run.load().key, figures=figures)}
    inputs |= {s: None if s in skipped else  # no section for what the corpus cannot support
               make_key(stage=run.key(s), figures=figures,
                        **({"trace": trace_key} if s == "narratives" else {}))
               for s in STAGES}
    tables = {"corpus": [run.store.corpus_dir(run.name) / "rejects.parquet"]}
    tables |= {s: [p for p in sorted(run.stage(s).path.glob("*.parquet"))
                   if "outlets" not in skipped or p.stem not in OUTLET_TABLES]
               for s in STAGES if s not in skipped}
    done = [] if run.sample else run.store.updates(run.name)
    if done:  # the last update's section (notebook 05)
        inputs["updates"] = make_key(update=done[-1][1]["key"], topics=inputs["topics"])
        tables["updates"] = [done[-1][0] / f"{t}.parquet" for t in ("added", "candidates")]
    run.release()  # the notebooks' kernels read everything from the store
    done = write_report(
        run.store.report_dir(run.label), run.label, params=params, inputs=inputs,
        tables=tables, summary=summary, settings=run.settings.to_dict(), force=force,
        workers=int(run.settings["report"]["notebook_workers"]),
        keep=int(run.settings["store"]["keep_versions"]),
        kernel=kernel or (KERNEL if run.settings["report"]["kernels"]
                          or not in_process_available() else None))
    progressive.replaced(run, first)
    return done
