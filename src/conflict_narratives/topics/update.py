"""New documents placed in fitted topics without refitting, and what an update changed.

:func:`extend_topics` assigns new documents to the nearest topic centroid of a fitted
result (``topics.assign``: the same mechanism as assigning any document to a fitted model)
and returns the result grown by them: topic ids, labels, words and centroids unchanged,
sizes and per-outlet counts recounted. A document less similar to its nearest topic than
``far_quantile`` of that topic's own documents gets topic ``-1``: it fits no topic, and
goes to the emerging-story pool (:mod:`topics.emerging`) instead of being spread over
topics it does not belong to.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from conflict_narratives.topics.assign import assign_nearest, far_from_topics

ASSIGNMENT_COLUMNS = ["doc_id", "topic", "nearest_topic", "similarity", "far"]


def assign_documents(vectors: np.ndarray, centroids: pd.DataFrame, ids, *,
                     far_quantile: float) -> pd.DataFrame:
    """Each new document's topic (``-1`` when far from all), nearest topic and similarity."""
    nearest, sims = assign_nearest(vectors, centroids)
    far = far_from_topics(nearest, sims, centroids, far_quantile)
    return pd.DataFrame({"doc_id": [str(i) for i in ids],
                         "topic": np.where(far, -1, nearest).astype(int),
                         "nearest_topic": nearest.astype(int),
                         "similarity": sims.astype(float), "far": far})


def _outlier_row(size: int) -> dict:
    return {"topic": -1, "size": size, "label": "outliers", "words": [], "weights": [],
            "display_words": [], "representative_ids": []}


def extend_topics(result, documents: pd.DataFrame, assignments: pd.DataFrame):
    """``result`` (a fitted or already extended ``TopicResult``) with ``documents``
    (corpus rows; ``assignments`` from :func:`assign_documents`) added."""
    added = pd.DataFrame({"doc_id": assignments["doc_id"], "topic": assignments["topic"],
                          "probability": assignments["similarity"], "x": np.nan,
                          "y": np.nan})
    doc_topics = pd.concat([result.doc_topics, added], ignore_index=True)
    sizes = doc_topics["topic"].value_counts()
    info = result.topic_info.copy()
    if -1 in sizes.index and -1 not in set(info["topic"]):
        info = pd.concat([pd.DataFrame([_outlier_row(0)]), info], ignore_index=True)
    info["size"] = info["topic"].map(sizes).fillna(0).astype(int)

    sources = (documents["source"].fillna("unknown").astype(str) if "source" in documents
               else pd.Series("all", index=documents.index))
    counts = pd.DataFrame({"topic": assignments["topic"].to_numpy(),
                           "source": sources.to_numpy()}).value_counts().rename("new")
    tps = result.topics_per_source.set_index(["topic", "source"])
    tps = tps.join(counts, how="outer")
    tps["count"] = (tps["count"].fillna(0) + tps["new"].fillna(0)).astype(int)
    tps["words"] = tps["words"].fillna("")
    tps = tps.drop(columns="new").reset_index()
    tps["share"] = (tps["count"] / tps.groupby("source")["count"].transform("sum")).astype(float)
    meta = dict(result.meta)
    meta["n_docs"] = len(doc_topics)
    meta["n_updated_docs"] = int(meta.get("n_updated_docs", 0)) + len(added)
    return dataclasses.replace(result, doc_topics=doc_topics, topic_info=info,
                               topics_per_source=tps[list(result.topics_per_source.columns)],
                               meta=meta)


def added_per_topic(before, after, assignments: pd.DataFrame, *, min_docs: int = 3
                    ) -> pd.DataFrame:
    """Documents added per topic (labels of ``after``, a curated result), with how fast
    each topic grew: ``growth`` (added / size before) and ``lift`` (its share of the new
    documents over its share of the corpus before); ``fastest`` marks the five with the
    highest lift above 1 among those with at least ``min_docs`` new documents."""
    if "doc_id" in assignments and len(after.doc_topics) >= len(assignments):
        topics = after.doc_topics.set_index("doc_id")["topic"].reindex(
            assignments["doc_id"].astype(str))
    else:
        topics = assignments["topic"]
    added = topics.value_counts().rename("added")
    size_before = before.topic_info.set_index("topic")["size"]
    info = after.topic_info.set_index("topic")
    table = pd.DataFrame({"label": info["label"], "size": info["size"]}).join(added)
    table["added"] = table["added"].fillna(0).astype(int)
    table["size_before"] = size_before.reindex(table.index).fillna(0).astype(int)
    n_before, n_added = max(int(size_before.sum()), 1), max(int(table["added"].sum()), 1)
    table["growth"] = table["added"] / table["size_before"].replace(0, np.nan)
    table["lift"] = (table["added"] / n_added) / (table["size_before"] / n_before).replace(
        0, np.nan)
    ranked = table[(table.index != -1) & (table["added"] >= min_docs) & (table["lift"] > 1)]
    table["fastest"] = table.index.isin(ranked.nlargest(5, "lift").index)
    return table.reset_index().sort_values(["added", "topic"], ascending=[False, True],
                                           ignore_index=True)


def new_rows(before: pd.DataFrame | None, after: pd.DataFrame, keys: list[str],
             since=None, column: str = "end") -> pd.DataFrame:
    """Rows of ``after`` (bursts, events) not in ``before`` by ``keys``; without a
    ``before``, those whose ``column`` date is on or after ``since``."""
    if before is not None:
        seen = set(map(tuple, before[keys].astype(str).to_numpy()))
        mask = [tuple(r) not in seen for r in after[keys].astype(str).to_numpy()]
        return after[mask]
    if since is None or column not in after:
        return after
    dates = pd.to_datetime(after[column], utc=True)
    since = pd.Timestamp(since)
    since = since.tz_localize("UTC") if since.tzinfo is None else since.tz_convert("UTC")
    return after[dates >= since.normalize()]
