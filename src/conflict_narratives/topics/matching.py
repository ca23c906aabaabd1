"""A refit's topics matched to the topics they replace, so ids, names and colours carry over.

>>> table = match_topics(old, new)            # one row per relation, with its status
>>> carried = carry_over(old, new, table)     # ``new`` renumbered, matched labels kept

Topics are paired one-to-one by the cosine similarity of their centroids with an optimal
assignment (Hungarian); a pair is ``kept`` when the similarity reaches ``min_similarity``.
Documents both fits hold tell the rest: a new topic that took at least ``min_share`` of
each of two or more old topics' documents is a ``merged`` one; an old topic that gave that
much to two or more new topics was ``split``; what is left is ``new`` or ``gone``.
A kept topic gets its old id and label; every other new topic a fresh id, never one an
earlier topic had.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from conflict_narratives.topics.curation import leaf_topics

COLUMNS = ["status", "old_topic", "new_topic", "similarity", "share_of_old", "share_of_new",
           "old_label", "new_label"]


def _vectors(result) -> tuple[np.ndarray, np.ndarray]:
    cents = result.centroids.sort_values("topic")
    return cents["topic"].to_numpy(int), np.stack(cents["vector"].to_list()).astype(np.float32)


def match_topics(old, new, *, min_similarity: float = 0.5, min_share: float = 0.2
                 ) -> pd.DataFrame:
    """How ``new`` (a refit ``TopicResult``) relates to ``old``: rows of :data:`COLUMNS`,
    statuses kept / merged / split / new / gone."""
    from scipy.optimize import linear_sum_assignment

    old_ids, old_vec = _vectors(old)
    new_ids, new_vec = _vectors(new)
    sims = old_vec @ new_vec.T
    rows, cols = linear_sum_assignment(-sims)
    kept = {(old_ids[r], new_ids[c]) for r, c in zip(rows, cols, strict=True)
            if sims[r, c] >= min_similarity}
    both = old.doc_topics[["doc_id", "topic"]].merge(new.doc_topics[["doc_id", "topic"]],
                                                      on="doc_id", suffixes=("_old", "_new"))
    counts = pd.crosstab(both["topic_old"], both["topic_new"])
    counts = counts.reindex(index=old_ids, columns=new_ids, fill_value=0)
    of_old = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
    of_new = counts.div(counts.sum(axis=0).replace(0, 1), axis=1)
    sources = {n: [o for o in old_ids if of_old.at[o, n] >= min_share] for n in new_ids}
    targets = {o: [n for n in new_ids if of_old.at[o, n] >= min_share] for o in old_ids}
    labels_old, labels_new = old.labels(), new.labels()
    sim_at = pd.DataFrame(sims, index=old_ids, columns=new_ids)
    out = []
    related_old, related_new = set(), set()

    def row(status, o, n):
        if o is not None and n is not None:  # a kept, merged or split pair
            related_old.add(o)
            related_new.add(n)
        out.append({"status": status, "old_topic": o, "new_topic": n,
                    "similarity": float(sim_at.at[o, n]) if o is not None and n is not None
                    else np.nan,
                    "share_of_old": float(of_old.at[o, n]) if o is not None and n is not None
                    else np.nan,
                    "share_of_new": float(of_new.at[o, n]) if o is not None and n is not None
                    else np.nan,
                    "old_label": labels_old.get(o) if o is not None else None,
                    "new_label": labels_new.get(n) if n is not None else None})

    for o, n in sorted(kept):
        row("kept", o, n)
    for n in new_ids:
        if len(sources[n]) >= 2:
            for o in sources[n]:
                if (o, n) not in kept:
                    row("merged", o, n)
    for o in old_ids:
        if len(targets[o]) >= 2:
            for n in targets[o]:
                if (o, n) not in kept and len(sources[n]) < 2:
                    row("split", o, n)
    for n in new_ids:
        if n not in related_new:
            row("new", None, n)
    for o in old_ids:
        if o not in related_old:
            row("gone", o, None)
    table = pd.DataFrame(out, columns=COLUMNS)
    for col in ("old_topic", "new_topic"):
        table[col] = table[col].astype("Int64")
    return table


def renumber(result, mapping: dict[int, int]):
    """``result`` with topic ids replaced by ``mapping`` (model id → id) in every table;
    ``meta["leaf_topics"]`` keeps the hierarchy's leaves pointing at the right topics."""
    full = {-1: -1, **{int(k): int(v) for k, v in mapping.items()}}

    def swap(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(topic=frame["topic"].map(full).astype(int)) if len(frame) \
            else frame

    hierarchy = result.hierarchy
    if "Topics" in hierarchy:
        hierarchy = hierarchy.assign(Topics=hierarchy["Topics"].map(
            lambda ts: [full.get(int(t), int(t)) for t in ts]))
    meta = dict(result.meta)
    meta["leaf_topics"] = [full[t] for t in leaf_topics(result)]
    meta["topic_map"] = {str(k): v for k, v in full.items() if k != -1}
    return dataclasses.replace(result, doc_topics=swap(result.doc_topics),
                               topic_info=swap(result.topic_info).sort_values(
                                   "topic", ignore_index=True),
                               topics_per_source=swap(result.topics_per_source),
                               centroids=swap(result.centroids).sort_values(
                                   "topic", ignore_index=True),
                               hierarchy=hierarchy, meta=meta)


def carry_over(old, new, table: pd.DataFrame):
    """``new`` renumbered after ``table`` (from :func:`match_topics`): kept topics take their
    old id and label; every other topic a fresh id above any id used before."""
    used = [*old.topic_info["topic"], int(old.meta.get("next_topic", -1))]
    next_id = max(used) + 1
    kept = table[table["status"] == "kept"]
    mapping = {int(n): int(o) for o, n in zip(kept["old_topic"], kept["new_topic"],
                                              strict=True)}
    for n in sorted(set(new.topic_info["topic"]) - {-1} - set(mapping)):
        mapping[n], next_id = next_id, next_id + 1
    out = renumber(new, mapping)
    old_labels = old.labels()
    info = out.topic_info
    info["label"] = [old_labels[t] if t in mapping.values() and t in set(kept["old_topic"])
                     else lab for t, lab in zip(info["topic"], info["label"], strict=True)]
    leaf = dict(zip(info["topic"], info["label"], strict=True))
    out.leaf_labels = [leaf[t] for t in out.meta["leaf_topics"]]
    out.meta["next_topic"] = next_id
    return out
