"""Curation entries anchored to a topic's identity, not to its words.

When an entry of ``curation/<corpus>.yaml`` first names a topic, what it named is recorded
(``curation/<corpus>.anchors.json``: ``Store.read_anchors`` / ``write_anchors``): the topic's documents
(up to :data:`N_DOCS`, the nearest its centroid first where the result has probabilities),
its centroid and its words. From then on the entry goes where those documents went — after
an update, a refit or a fit with other settings — and its words only tell when they
disagree:

- ``kept``: most anchored documents are in one topic: the entry stays on it; if its words
  now point to another topic (or to none) that is a ``words`` conflict;
- ``split``: two or more topics each hold at least ``min_share`` of them: the entry stays
  with the part holding most, a ``split`` conflict names the others;
- ``merged``: entries anchored to different topics land on one topic: a ``merged``
  conflict (the entry holding most of that topic's anchored documents keeps its label);
- ``gone``: no topic holds ``min_share``: the words resolve the entry again (a fresh
  anchor), with a ``gone`` conflict.

Every conflict is a line the analyst can act on (``meta["curation"]["conflicts"]``, the
JSON summaries of ``topics``, ``update`` and ``refit``, notebook 05).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

N_DOCS = 200


def make_anchor(result, topic: int, words_of=None) -> dict:
    """What ``topic`` of ``result`` is: its documents, centroid and words."""
    dt = result.doc_topics[result.doc_topics["topic"] == topic]
    if "probability" in dt:
        dt = dt.sort_values("probability", ascending=False, kind="stable")
    cents = result.centroids.set_index("topic")
    info = result.topic_info.set_index("topic")
    return {"topic": int(topic), "doc_ids": dt["doc_id"].astype(str).head(N_DOCS).tolist(),
            "centroid": np.asarray(cents.at[topic, "vector"], dtype=float).round(6).tolist()
            if topic in cents.index else None,
            "words": [str(w) for w in info.at[topic, "words"]][:10]
            if topic in info.index else []}


def locate(anchor: dict, result, *, min_share: float = 0.2, min_similarity: float = 0.5
           ) -> tuple[int | None, str, dict[int, float]]:
    """Where ``anchor``'s topic is in ``result``: (topic or None, status, share of the
    anchored documents per topic holding at least ``min_share``)."""
    topics = set(result.topic_info["topic"]) - {-1}
    dt = result.doc_topics
    held = dt.loc[dt["doc_id"].astype(str).isin(anchor["doc_ids"]), "topic"]
    if len(held):
        shares = held.value_counts(normalize=True)
        shares = shares[shares.index.isin(topics)].sort_index(kind="stable")
        parts = {int(t): round(float(s), 3) for t, s in shares.items() if s >= min_share}
        if not parts:
            return None, "gone", {}
        best = max(parts, key=lambda t: (parts[t], -t))
        return best, ("split" if len(parts) > 1 else "kept"), parts
    if anchor.get("centroid") is None or result.centroids.empty:
        return None, "gone", {}
    cents = result.centroids[result.centroids["topic"].isin(topics)]
    sims = np.stack(cents["vector"].to_list()) @ np.asarray(anchor["centroid"], np.float32)
    best = int(np.argmax(sims))
    if sims[best] < min_similarity:
        return None, "gone", {}
    return int(cents["topic"].iloc[best]), "kept", {}


def merged_conflicts(located: list[dict], result) -> list[dict]:
    """``merged`` conflicts among ``located`` entries (``entry``, ``topic``, ``anchor``,
    ``label``): entries anchored to different topics that now share one; ``shown_as`` is
    the label the topic keeps."""
    out = []
    frame = pd.DataFrame(located)
    if frame.empty:
        return out
    for topic, group in frame.groupby("topic"):
        if group["anchor"].map(lambda a: a["topic"]).nunique() < 2:
            continue
        ids = result.doc_topics.loc[result.doc_topics["topic"] == topic, "doc_id"].astype(str)
        held = group["anchor"].map(lambda a: len(set(a["doc_ids"]) & set(ids)))
        winner = group["label"].iloc[int(np.argmax(held.to_numpy()))]
        names = ", ".join(f"{lab!r}" for lab in group["label"])
        for entry in group.itertuples():
            out.append({"entry": entry.entry, "label": entry.label, "kind": "merged",
                        "topic": int(topic), "words_topic": None, "shown_as": winner,
                        "detail": f"{entry.entry}: the topics named {names} merged into "
                                  f"topic {topic}; it is shown as {winner!r} (it holds most "
                                  "of their documents): rename or split it in the curation"})
    return out
