"""Curation entries anchored to a topic's identity, not to its words.

When an entry of ``curation/<corpus>.yaml`` first names a topic, what it named is recorded
(``curation/<corpus>.anchors.json``, ``Store.read_anchors``): the topic's documents
(up to :data:`N_DOCS`, its most probable members first),
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

:class:`Resolver` places each entry (by its anchor, else its words or number) and collects
the conflicts. Every conflict is a line the analyst can act on (``meta["curation"]
["conflicts"]``, the JSON summaries of ``topics``, ``update`` and ``refit``, notebook 05).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.common.textnorm import normalize_for_analysis

log = logging.getLogger(__name__)

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
        ids = set(result.doc_topics.loc[result.doc_topics["topic"] == topic, "doc_id"]
                  .astype(str))
        held = [len(ids.intersection(a["doc_ids"])) for a in group["anchor"]]
        winner = group["label"].iloc[int(np.argmax(held))]
        names = ", ".join(f"{lab!r}" for lab in group["label"])
        for entry in group.itertuples():
            out.append({"entry": entry.entry, "label": entry.label, "kind": "merged",
                        "topic": int(topic), "words_topic": None, "shown_as": winner,
                        "detail": f"{entry.entry}: the topics named {names} merged into "
                                  f"topic {topic}; it is shown as {winner!r} (it holds most "
                                  "of their documents): rename or split it in the curation"})
    return out


# ---------------------------------------------------------------- matching entries to topics
def _terms(words) -> list[set[str]]:
    """Each topic word (normalised) with its parts, so a selector word may name a part."""
    normal = [normalize_for_analysis(str(w)) for w in words]
    return [{w, *w.split()} for w in normal]


def _show(selector) -> str:
    return str(selector) if isinstance(selector, int) else "[" + ", ".join(selector) + "]"


def find_topic(selector, info: pd.DataFrame) -> tuple[int | None, list[tuple[int, int]]]:
    """The topic ``selector`` names in ``info`` (``topic``, ``words``), and the nearest
    topics by the number of its words they hold (for an error message)."""
    topics = info[info["topic"] != -1]
    if isinstance(selector, int):
        return (selector if selector in set(topics["topic"]) else None), []
    wanted = [normalize_for_analysis(w) for w in selector]
    best, near = None, []
    for topic, words in zip(topics["topic"], topics["words"], strict=True):
        terms = _terms(words)
        ranks = [next((r for r, t in enumerate(terms) if w in t), None) for w in wanted]
        hits = sum(r is not None for r in ranks)
        near.append((hits, int(topic)))
        if hits == len(wanted):
            score = sum(ranks)
            if best is None or score < best[0]:
                best = (score, int(topic))
    near = [(t, h) for h, t in sorted(near, key=lambda x: (-x[0], x[1])) if h][:3]
    return (best[1] if best else None), near


class Resolver:
    """Entries to topic ids — by their anchors where they have one (``topics.anchors``),
    else by their words or number — collecting every error before raising them together,
    and every conflict between an anchor and the words."""

    def __init__(self, result, anchors: Mapping[str, dict] | None = None, *,
                 min_share: float = 0.2, min_similarity: float = 0.5):
        self.result, self.anchors = result, dict(anchors or {})
        self.min_share, self.min_similarity = min_share, min_similarity
        self.errors: list[str] = []
        self.resolved: list[dict[str, Any]] = []
        self.conflicts: list[dict[str, Any]] = []
        self.located: list[dict[str, Any]] = []  # label entries placed by their anchors
        self.used: dict[str, dict] = {}  # the anchors of this curation, to save

    @property
    def info(self) -> pd.DataFrame:
        return self.result.topic_info

    def __call__(self, kind: str, at: str, selector, label: str | None = None) -> int | None:
        pointed, near = find_topic(selector, self.info)
        key = f"{kind}:{json.dumps(selector, ensure_ascii=False)}"
        anchor, topic = self.anchors.get(key), pointed
        how = "words" if not isinstance(selector, int) else "number"
        if anchor is not None:
            found, status, parts = locate(anchor, self.result, min_share=self.min_share,
                                          min_similarity=self.min_similarity)
            if status == "gone":
                self._conflict(at, label, "gone", pointed, pointed,
                               f"the topic it named (then {anchor['topic']}: "
                               f"{' · '.join(anchor['words'][:3])}) is gone; "
                               + (f"its match {_show(selector)} now names topic {pointed} "
                                  f"({self.label(pointed)})" if pointed is not None else
                                  "its match names no topic either"))
                anchor = None
            else:
                topic, how = found, f"anchor ({status})"
                if status == "split":
                    others = ", ".join(f"{t} ({self.label(t)}, {s:.0%})"
                                       for t, s in parts.items() if t != found)
                    self._conflict(at, label, "split", found, pointed,
                                   f"its topic split: kept on topic {found} "
                                   f"({self.label(found)}, {parts[found]:.0%} of its "
                                   f"documents); the rest went to {others}")
                if pointed != found:
                    self._conflict(at, label, "words", found, pointed,
                                   f"its match {_show(selector)} now points to "
                                   + (f"topic {pointed} ({self.label(pointed)})"
                                      if pointed is not None else "no topic")
                                   + f"; kept on topic {found} ({self.label(found)}), "
                                   "where the documents it named are")
                if kind == "label":
                    self.located.append({"entry": at, "key": key, "topic": found,
                                         "anchor": anchor, "label": label})
        if topic is None:
            hint = ", ".join(f"{t} ({self.label(t)}: {h} of the words)" for t, h in near)
            self.errors.append(f"{at}: {_show(selector)} matches no topic"
                               + (f"; nearest: {hint}" if hint else ""))
            return None
        self.resolved.append({"entry": at, "kind": kind, "key": key, "topic": int(topic),
                              "how": how, "label": label})
        self.used[key] = anchor or make_anchor(self.result, int(topic))
        return int(topic)

    def _conflict(self, at: str, label, kind: str, topic, pointed, detail: str) -> None:
        self.conflicts.append({"entry": at, "label": label, "kind": kind,
                               "topic": None if topic is None else int(topic),
                               "words_topic": None if pointed is None else int(pointed),
                               "detail": f"{at}: {detail}"})
        log.warning("curation: %s: %s", at, detail)

    def label(self, topic: int) -> str:
        return str(self.info.set_index("topic")["label"].get(topic, topic))

    def check(self) -> None:
        if self.errors:
            raise ValueError("curation entries that match no topic:\n  " +
                             "\n  ".join(self.errors))
