"""A topic model that lives: the orchestration behind ``Pipeline.update`` and
``Pipeline.refit`` and the curated topics stage (the substance is in the stage modules:
``corpus.updates``, ``topics.update``, ``topics.emerging``, ``topics.matching``,
``topics.curation``).

An update reads new files with the corpus's own mapping, drops what the corpus already
holds, embeds only the new texts, places them in the fitted topics (ids, labels, words
unchanged), pools those that fit no topic into emerging-story candidates, and writes a new
corpus version, a topics version derived from the current one, and an update record
(``data/processed/<name>/updates/<n>/``). The corpus marker is written last: an update
that fails leaves the corpus as it was. The topics key of an updated corpus carries the
model it extends (``topic_model`` in the corpus marker), so a later refit — on request or
because the code changed — is matched to the topics it replaces and keeps their ids and
names.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.store import make_key

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- topics versions
def raw_of(path: Path):
    """The uncurated result of a topics version (``raw/`` when it was curated)."""
    from conflict_narratives.topics import TopicResult

    return TopicResult.load(path / "raw" if (path / "raw" / "meta.json").is_file() else path)


def find_raw(run, raw_key: str):
    """A saved uncurated result for ``raw_key``: a version made without curation, or the
    ``raw/`` of a curated one (so a changed curation file never refits)."""
    hit = run.store.find(run.name, "topics", raw_key)
    if hit is not None:
        return raw_of(hit[0])
    root = run.store.stage_root(run.name, "topics")
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        marker = run.store.marker(path / "raw")  # also where the curation failed
        if marker is not None and marker.get("key") == raw_key:
            return raw_of(path)
    return None


def curate(run, raw):
    """``raw`` with the corpus's curation file applied (``raw`` itself when there is none);
    each entry follows the topic it first named (its anchor, saved beside the file)."""
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.topics.curation import apply_curation

    if not run.curation:
        return raw

    def embed(texts: list[str]) -> np.ndarray:
        frame = pd.DataFrame({"doc_id": [f"codebook-{i}" for i in range(len(texts))],
                              "text": texts})
        return embed_corpus(frame, backend=run.backend, settings=run.settings, progress=False,
                            cache_dir=run.store.embeddings_dir).matrix

    mon = run.settings["monitor"]
    curated = apply_curation(raw, run.curation, embed=embed,
                             anchors=run.store.read_anchors(run.name),
                             min_similarity=float(run.settings["curation"]
                                                  ["zero_shot_min_similarity"]),
                             min_share=float(mon["split_share"]),
                             match_similarity=float(mon["match_similarity"]))
    run.store.write_anchors(run.name, curated.meta["curation"]["anchors"])
    return curated


def conflicts(result) -> list[str]:
    """The curation's conflicts in ``result`` (an entry's words against its anchor: moved,
    split, merged, gone), one actionable line each."""
    return [c["detail"] for c in (result.meta.get("curation") or {}).get("conflicts", [])]


def _previous_version(run) -> Path | None:
    """The topics version a refit replaces: the one the corpus marker names, else the most
    recently used one (only for a corpus whose topics live through updates)."""
    marker = run.corpus_marker()
    if not marker.get("topic_model"):
        return None
    hit = run.store.find(run.name, "topics", marker.get("refit_of") or "")
    if hit is not None:
        return hit[0]
    versions = run.store.versions(run.name, "topics")
    return versions[0][0] if versions else None


def build_topics(run, path: Path, stability: bool = False):
    """The topics stage of ``run`` into ``path``: the saved uncurated result when only the
    curation changed, else a fit (matched to the topics it replaces when the corpus's topics
    live through updates); then the curation. Returns the curated result."""
    from conflict_narratives.topics.matching import carry_over, match_topics

    raw_key = run.topics_key(raw=True)
    raw = None if stability else find_raw(run, raw_key)
    if raw is None:
        raw = run.fit_topics(path, stability, run.curation.seed_topic_list())
        before = _previous_version(run)
        if before is not None:
            old = raw_of(before)
            mon = run.settings["monitor"]
            table = match_topics(old, raw, min_similarity=float(mon["match_similarity"]),
                                 min_share=float(mon["split_share"]))
            raw = carry_over(old, raw, table)
            raw.meta["matching"] = table.status.value_counts().to_dict()
            run.store.write_tables(path / "matching", {"matching": table},
                                   {"refit_of": before.name})
    if run.curation:  # kept first: a mistake in the curation file never costs the fit
        raw.save(path / "raw")
        run.store.mark(path / "raw", raw_key, {}, 0.0)
    return curate(run, raw)


def save_topics(run, keys: tuple[str, str], raw, curated, summary: dict, seconds: float
                ) -> Path:
    """A topics version made outside the stage's own build (an update's); ``keys``: its
    key and its uncurated result's."""
    path = run.store.stage_dir(run.name, "topics", keys[0])
    if curated is not raw:
        raw.save(path / "raw")
        run.store.mark(path / "raw", keys[1], {}, 0.0)
    curated.save(path)
    run.store.mark(path, keys[0], summary, seconds)
    run.store.evict(run.name, "topics", int(run.settings["store"]["keep_versions"]))
    return path


# ---------------------------------------------------------------- updates
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


# ---------------------------------------------------------------- reading updates back
def history(run) -> pd.DataFrame:
    """One row per update of the corpus: when, what it added, skipped, left outside topics."""
    rows = []
    for path, marker in run.store.updates(run.name):
        tables, meta = run.store.read_tables(path, ["assignments", "candidates"])
        cands = tables["candidates"]
        rows.append({"update": int(path.name), "created": marker.get("created"),
                     "files": len(meta.get("files", [])),
                     "added": marker["summary"].get("added"),
                     "duplicates": marker["summary"].get("duplicates"),
                     "outside_topics": int(tables["assignments"]["far"].sum()),
                     "candidates": int((cands["status"] != "quiet").sum()),
                     "emerging": int((cands["status"] == "emerging").sum()),
                     "seconds": marker.get("seconds")})
    return pd.DataFrame(rows, columns=["update", "created", "files", "added", "duplicates",
                                       "outside_topics", "candidates", "emerging", "seconds"])


def record(run, number: int | None = None) -> dict[str, Any]:
    """The tables of one update (default: the last): ``added`` per topic, ``candidates``,
    ``assignments``, ``rejects`` and ``meta`` (its files; ``update``: its number)."""
    done = run.store.updates(run.name)
    if not done:
        raise ValueError(f"{run.name} has no updates yet (conflict-narratives update NAME FILE)")
    path = done[-1][0] if number is None else run.store.update_dir(run.name, number)
    tables, meta = run.store.read_tables(path, ["added", "candidates", "assignments",
                                                "rejects"])
    return {**tables, "meta": {**meta, "update": int(path.name)}}
