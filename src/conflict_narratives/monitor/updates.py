"""Adding new files to a corpus (``Pipeline.update``) and refitting its topics
(``Pipeline.refit``)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.monitor.versions import conflicts, curate, raw_of, save_topics
from conflict_narratives.store import make_key

log = logging.getLogger(__name__)

def _check_backend(backend) -> None:
    from conflict_narratives.embeddings import Backend

    if type(backend).bind_corpus is not Backend.bind_corpus:
        raise ValueError(f"{backend.name} is fitted on the corpus it embeds: new documents "
                         "would not land in the topics' space. Updates need a pretrained "
                         "backend (use-m, e5-small, sentence-transformers:...)")


def dedup_index(run, corpus: pd.DataFrame, corpus_key: str):
    """The corpus's duplicate index, read from the store while current, else built (once:
    ~20 s on 30,000 articles) and saved."""
    from conflict_narratives.corpus.dedup import DuplicateIndex
    from conflict_narratives.corpus.updates import dedup_index as build

    path = run.store.corpus_dir(run.name) / "dedup"
    threshold = float(run.settings["corpus"]["near_duplicate_threshold"])
    try:
        tables, meta = run.store.read_tables(path, ["dedup"])
        if meta.get("corpus_key") == corpus_key and meta.get("threshold") == threshold:
            return DuplicateIndex.from_frame(tables["dedup"], threshold)
    except FileNotFoundError:
        pass
    index = build(corpus, run.settings)
    run.store.write_tables(path, {"dedup": index.to_frame()},
                           {"corpus_key": corpus_key, "threshold": threshold})
    return index


def _last_state(run, model: str) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame | None]:
    """The pending pool and candidates of the last update made with the same topic model."""
    done = run.store.updates(run.name)
    if not done or done[-1][1].get("topic_model") != model:
        return None, None, None
    tables, _ = run.store.read_tables(done[-1][0], ["pool", "candidates"])
    pool = tables["pool"]
    vectors = np.stack(pool.pop("vector").to_list()) if len(pool) else np.zeros((0, 0))
    return pool, vectors.astype(np.float32), tables["candidates"]


def emerging(run, batch, vectors, assignments, model: str, number: int):
    """The pool after this update and its candidates (``topics.emerging.advance_pool``)."""
    from conflict_narratives.topics.emerging import advance_pool, update_date

    pool, pool_vec, previous = _last_state(run, model)
    far = assignments["far"].to_numpy()
    pool, vec, candidates = advance_pool(pool, pool_vec, previous, batch.documents.loc[far],
                                         vectors[far], update=number,
                                         now=update_date(batch.documents),
                                         settings=run.settings["monitor"]["emerging"])
    return pool.assign(vector=list(vec)), candidates


def _updated_report(report: dict, updated: pd.DataFrame, batch, number: int) -> dict:
    out = dict(report)
    rejected = dict(report.get("rejected") or {})
    for reason, n in batch.rejects["reason"].value_counts().items():
        rejected[str(reason)] = rejected.get(str(reason), 0) + int(n)
    dates = updated.loc[updated["date_status"] == "ok", "date"]
    out.update(rows_in=int(report["rows_in"]) + batch.rows_in, kept=len(updated),
               rejected=rejected, rejected_total=int(report["rejected_total"]) + len(batch.rejects),
               date_min=str(updated["date"].min()), date_max=str(updated["date"].max()),
               bulk_date_min=str(dates.min()), bulk_date_max=str(dates.max()),
               languages={str(k): int(v) for k, v in updated["lang"].value_counts().items()},
               sources={str(k): int(v) for k, v in updated["source"].value_counts().items()},
               updates=[*report.get("updates", []), {"update": number, "files": batch.files,
                                                      "added": len(batch.documents),
                                                      "rejected": len(batch.rejects)}])
    dated = int(updated["date_status"].isin(["ok", "out_of_range"]).sum())
    out.update(dated=dated, undated=len(updated) - dated,
               out_of_range_dates=int((updated["date_status"] == "out_of_range").sum()))
    assert out["rows_in"] == out["kept"] + out["rejected_total"], out
    return out


def update(run, files, *, refit: bool = False, stages=("timelines", "narratives")) -> dict:
    """See :meth:`Pipeline.update`."""
    from conflict_narratives.corpus import LoadResult
    from conflict_narratives.corpus.accounting import Clock
    from conflict_narratives.corpus.updates import NothingToAdd, read_update
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.timelines import TimelineResult
    from conflict_narratives.topics.assign import topic_centroids
    from conflict_narratives.topics.update import added_per_topic, assign_documents, extend_topics

    clock = Clock()
    if run.requested_sample:
        raise ValueError("an update adds to the whole corpus: open it without sample=")
    if run.distributed:
        raise ValueError("updates are added in process for now: drop --scheduler "
                         "(compute.scheduler); the corpus is then run in process")
    _check_backend(run.backend)
    loaded = run.load()
    corpus, report = loaded.result
    number = len(run.store.updates(run.name)) + 1
    index = dedup_index(run, corpus, loaded.key)
    clock.lap("prepare")
    try:
        batch = read_update(list(map(str, files)), corpus, index, columns=report["columns"],
                            dayfirst=report.get("dayfirst"), name=f"{run.name}-u{number}",
                            settings=run.settings)
    except NothingToAdd as err:
        if not err.only_known:
            raise
        return unchanged(run, err.batch, clock)
    clock.lap("read")
    current = run.run_topics()  # the model the update extends (fitted first if need be)
    hit = run.store.find(run.name, "timelines", run.key("timelines"))
    before = TimelineResult.load(hit[0]) if hit else None  # for "new bursts and events"
    raw = raw_of(current.path)
    if "spread" not in raw.centroids:  # saved before centroids kept their spread
        fitted = raw.doc_topics.set_index("doc_id")["topic"].reindex(
            corpus["doc_id"].astype(str)).fillna(-1).to_numpy(int)
        raw.centroids = topic_centroids(fitted, run.embeddings.matrix)
    marker = run.corpus_marker()
    model = marker.get("topic_model") or current.key
    clock.lap("model")
    vectors = embed_corpus(batch.documents, backend=run.backend, settings=run.settings,
                           progress=False, cache_dir=run.store.embeddings_dir).matrix
    clock.lap("embed")
    mon = run.settings["monitor"]
    assignments = assign_documents(vectors, raw.centroids, batch.documents["doc_id"],
                                   far_quantile=float(mon["far_quantile"]))
    grown = extend_topics(raw, batch.documents, assignments)
    pool, candidates = emerging(run, batch, vectors, assignments, model, number)
    curated = curate(run, grown)
    per_topic = added_per_topic(current.result, curated, assignments,
                                min_docs=int(mon["fastest_min_docs"]))
    clock.lap("assign")

    # write: the update record, the topics version, the duplicate index, the corpus (last)
    updated = pd.concat([corpus, batch.documents], ignore_index=True)
    corpus_key = make_key(previous=loaded.key, update=number,
                          added=batch.documents["doc_id"].astype(str).tolist())
    keys = (run.topics_key(corpus_key=corpus_key, model=model),
            run.topics_key(raw=True, corpus_key=corpus_key, model=model))
    path = run.store.update_dir(run.name, number)
    run.store.write_tables(path, {"documents": batch.documents, "assignments": assignments,
                                  "rejects": batch.rejects, "pool": pool,
                                  "candidates": candidates, "added": per_topic},
                           {"files": batch.files, "topics_key": keys[0],
                            "seconds": clock.laps})
    run.store.mark(path, corpus_key, {"added": len(batch.documents),
                                      "duplicates": batch.duplicates}, clock.total(),
                   topic_model=model)
    save_topics(run, keys, grown, curated, {**(current.summary or {}), "n_docs": len(updated),
                                            "update": number, "derived_from": current.key,
                                            "curation_conflicts": conflicts(curated)},
                clock.total())
    index = index.extend(_normalised(batch.documents))
    run.store.write_tables(run.store.corpus_dir(run.name) / "dedup",
                           {"dedup": index.to_frame()},
                           {"corpus_key": corpus_key, "threshold": index.threshold})
    rejects = pd.concat([run.store.read_rejects(run.name), batch.rejects.assign(
        detail=[f"update {number} ({Path(f).name}): {d}" for f, d in
                zip(batch.rejects["file"], batch.rejects["detail"], strict=True)])
        .drop(columns="file")], ignore_index=True)
    run.store.save_corpus(LoadResult(run.name, updated, rejects,
                                     _updated_report(report, updated, batch, number)),
                          corpus_key, mapping=marker.get("mapping"),
                          source_key=marker.get("source_key") or marker.get("key"),
                          topic_model=model, refit_of=marker.get("refit_of"), updates=number)
    clock.lap("save")
    seconds = clock.laps | {"update": clock.total()}
    run.reset()
    out = what_changed(run, number, batch, assignments, per_topic, candidates, before, stages)
    out["seconds"] = seconds | {f"stage_{s}": out["stages"][s]["seconds"] for s in stages} \
        | {"total": clock.total()}
    if refit:
        out["refit"] = do_refit(run, stages)
    return out


def unchanged(run, batch, clock) -> dict[str, Any]:
    """The summary of an update whose every row the corpus already holds (a feed read
    again): nothing written, nothing to redo."""
    log.info("%s: every row of the update is already in the corpus; unchanged", run.name)
    return {"corpus": run.name, "update": None, "unchanged": True, "files": batch.files,
            "rows_in": batch.rows_in, "added": 0, "duplicates": batch.duplicates,
            "rejected": {str(k): int(v) for k, v in
                         batch.rejects["reason"].value_counts().items()},
            "stages": {}, "seconds": clock.laps | {"total": clock.total()}}


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    part = frame[[c for c in columns if c in frame]].astype(object)
    return part.where(part.notna(), None).to_dict("records")


def what_changed(run, number, batch, assignments, per_topic, candidates, before, stages
                 ) -> dict[str, Any]:
    """The update's JSON summary, bringing ``stages`` up to date on the way."""
    from conflict_narratives.topics.update import new_rows

    out: dict[str, Any] = {
        "corpus": run.name, "update": number, "files": batch.files, "rows_in": batch.rows_in,
        "added": len(batch.documents), "duplicates": batch.duplicates,
        "rejected": {str(k): int(v) for k, v in batch.rejects["reason"].value_counts().items()},
        "outside_topics": int(assignments["far"].sum()),
        "added_per_topic": _records(per_topic[per_topic["added"] > 0],
                                    ["topic", "label", "added", "size", "growth", "lift"]),
        "growing_fastest": _records(per_topic[per_topic["fastest"]].sort_values(
            "lift", ascending=False), ["topic", "label", "added", "size_before", "lift"]),
        "candidates": _records(candidates[candidates["status"] != "quiet"],
                               ["candidate", "status", "label", "n_docs", "new_docs",
                                "first_seen", "words", "headlines", "outlets"]),
        "emerging": candidates.loc[candidates["status"] == "emerging", "candidate"].tolist(),
        "curation_conflicts": conflicts(run.topics()), "stages": {}}
    since = batch.documents["date"].min()
    for stage in stages:
        done = run.stage(stage)
        out["stages"][stage] = {"seconds": done.seconds, "path": str(done.path)}
        if stage == "timelines":
            tl, old = done.result, before
            out["new_bursts"] = _records(new_rows(
                old.bursts if old is not None else None, tl.bursts, ["topic", "start"], since),
                ["topic", "start", "end", "docs", "intensity"])
            out["new_events"] = _records(new_rows(
                old.events if old is not None else None, tl.events,
                ["topic", "date", "level"], since, "date"),
                ["date", "topic", "label", "level", "n_docs", "headlines"])
    return out


def _normalised(docs: pd.DataFrame) -> list[str]:
    from conflict_narratives.common.textnorm import normalize_for_analysis

    return [normalize_for_analysis(t) for t in docs["text"].fillna("").astype(str)]


def do_refit(run, stages=("timelines", "narratives")) -> dict:
    """See :meth:`Pipeline.refit`."""
    t0 = time.perf_counter()
    current = run.run_topics()
    marker = run.corpus_marker()
    path = run.store.corpus_dir(run.name)
    extra = {k: v for k, v in marker.items() if k not in ("key", "summary", "seconds",
                                                          "created")}
    extra.update(topic_model=make_key(refit_of=current.key), refit_of=current.key)
    run.store.mark(path, marker["key"], marker["summary"], marker.get("seconds", 0.0),
                   **extra)
    run.reset()
    done = run.run_topics(force=False)
    table = pd.DataFrame()
    if (done.path / "matching" / "meta.json").is_file():
        table = run.store.read_tables(done.path / "matching", ["matching"])[0]["matching"]
    for stage in stages:
        run.stage(stage)
    return {"seconds": round(time.perf_counter() - t0, 2), "n_topics": done.result.n_topics,
            "path": str(done.path), "curation_conflicts": conflicts(done.result),
            "statuses": table["status"].value_counts().to_dict() if len(table) else {},
            "changes": table[table["status"] != "kept"].astype(object).where(
                table[table["status"] != "kept"].notna(), None).to_dict("records")
            if len(table) else []}
