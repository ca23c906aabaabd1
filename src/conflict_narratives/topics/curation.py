"""The analyst's decisions about topics, kept in a plain YAML file per corpus.

``curation/<corpus>.yaml`` in the project folder (see ``Store.curation_path``)::

    labels:                        # name a topic by its words (any spelling) or its number
      - {match: [الغوطة, دمشق], label: Eastern Ghouta}
      - {match: 7, label: Yemen war}
    merge:                         # several topics shown as one
      - {match: [[ترامب, كيم], [كوريا الشمالية]], label: Korean summit}
    hide: [[كرة القدم], 12]        # topics left out of figures (still in the tables)
    codebook:                      # guided topics
      - name: Chemical weapons     # zero-shot: the topic nearest this name (and
        describe: chemical attack, chlorine, sarin   # description) in the embeddings
        seeds: [كيماوي, سارين]     # seed words: BERTopic's seed_topic_list at the next fit

A ``match`` of words picks the topic whose top words hold every one of them (after the
analysis normalisation, so "الغوطة"/"الغوطه" are one word; a word may be part of a
two-word term); where several do, the one where they rank highest. Words name a topic
across refits, when numbers change. A match that finds no topic is an error naming the
topics nearest to it. Once an entry has named a topic it is anchored to that topic's
documents (:mod:`topics.anchors`): updates, refits and new fits carry it to where they
went, and a disagreement with its words (moved, split, merged, gone) is reported, never
silently followed.

:func:`apply_curation` returns a new ``TopicResult``: merged topics joined (documents,
sizes, words, centroids, per-outlet counts), labels set (the automatic one kept as
``auto_label``), ``hidden`` flags, and ``meta["curation"]`` recording which entry went to
which topic and how.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.store import make_key
from conflict_narratives.topics.anchors import Resolver, merged_conflicts

log = logging.getLogger(__name__)

SECTIONS = ("labels", "merge", "hide", "codebook")


@dataclasses.dataclass(frozen=True)
class Curation:
    """A parsed, validated curation file (empty: nothing to apply)."""

    labels: tuple = ()
    merge: tuple = ()
    hide: tuple = ()
    codebook: tuple = ()
    path: str | None = None

    def __bool__(self) -> bool:
        return any((self.labels, self.merge, self.hide, self.codebook))

    def as_dict(self) -> dict[str, Any]:
        return {s: [dict(e) if isinstance(e, Mapping) else e for e in getattr(self, s)]
                for s in SECTIONS}

    def digest(self, settings: Mapping | None = None) -> str | None:
        """What the curated topics depend on (None when there is nothing to apply)."""
        return make_key(curation=self.as_dict(), settings=settings) if self else None

    def seed_topic_list(self) -> list[list[str]]:
        """Seed words of the codebook, normalised like the vocabulary (BERTopic's
        ``seed_topic_list``); they change the fit, so they are part of the fit's key."""
        return [[normalize_for_analysis(w) for w in e["seeds"]]
                for e in self.codebook if e.get("seeds")]


def _selector(value: Any, where: str) -> int | tuple[str, ...]:
    if isinstance(value, bool):
        raise ValueError(f"{where}: a match is a topic number or a list of words, not {value!r}")
    if isinstance(value, int):
        return value
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, list | tuple) or not words or \
            not all(isinstance(w, str) and w.strip() for w in words):
        raise ValueError(f"{where}: a match is a topic number, a word or a list of words; "
                         f"got {value!r}")
    return tuple(w.strip() for w in words)


def parse_curation(data: Any, path: str | None = None) -> Curation:
    """A :class:`Curation` from parsed YAML, with one clear error per mistake."""
    where = path or "curation"
    if data is None:
        return Curation(path=path)
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: a curation file holds a mapping with {list(SECTIONS)}")
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ValueError(f"{where}: unknown section(s) {sorted(unknown)}; valid: {list(SECTIONS)}")

    def entries(section: str) -> list:
        value = data.get(section) or []
        if not isinstance(value, list):
            raise ValueError(f"{where}: '{section}' is a list")
        return value

    def entry(section: str, i: int, e: Any, required: tuple[str, ...],
              optional: tuple[str, ...] = ()) -> dict:
        at = f"{where}: {section}[{i}]"
        if not isinstance(e, Mapping) or set(required) - set(e) or \
                set(e) - set(required) - set(optional):
            raise ValueError(f"{at}: expected keys {list(required)}"
                             + (f" (optional {list(optional)})" if optional else "")
                             + f", got {e!r}")
        return {**e, "at": at}

    labels = []
    for i, e in enumerate(entries("labels")):
        e = entry("labels", i, e, ("match", "label"))
        labels.append({"match": _selector(e["match"], e["at"]), "label": str(e["label"]),
                       "at": e["at"]})
    merges = []
    for i, e in enumerate(entries("merge")):
        e = entry("merge", i, e, ("match",), ("label",))
        if not isinstance(e["match"], list) or len(e["match"]) < 2:
            raise ValueError(f"{e['at']}: a merge matches at least two topics")
        merges.append({"match": tuple(_selector(m, e["at"]) for m in e["match"]),
                       "label": str(e["label"]) if e.get("label") else None, "at": e["at"]})
    hide = [{"match": _selector(m, f"{where}: hide[{i}]"), "at": f"{where}: hide[{i}]"}
            for i, m in enumerate(entries("hide"))]
    codebook = []
    for i, e in enumerate(entries("codebook")):
        e = entry("codebook", i, e, ("name",), ("describe", "seeds"))
        seeds = e.get("seeds") or []
        if not isinstance(seeds, list) or not all(isinstance(w, str) for w in seeds):
            raise ValueError(f"{e['at']}: seeds is a list of words")
        codebook.append({"name": str(e["name"]), "describe": str(e.get("describe") or ""),
                         "seeds": tuple(seeds), "at": e["at"]})
    return Curation(tuple(labels), tuple(merges), tuple(hide), tuple(codebook), path)


def load_curation(path: str | Path) -> Curation:
    """The curation file at ``path`` (an empty :class:`Curation` when there is none)."""
    path = Path(path)
    if not path.is_file():
        return Curation()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from None
    return parse_curation(data, str(path))


# ---------------------------------------------------------------- applying
def apply_curation(result, curation: Curation, *, embed: Callable | None = None,
                   min_similarity: float = 0.3, anchors: Mapping[str, dict] | None = None,
                   min_share: float = 0.2, match_similarity: float = 0.5):
    """``result`` (a ``TopicResult``) with ``curation`` applied: merges, labels, codebook
    names (zero-shot, needs ``embed``: texts → L2-normalised vectors), hidden topics.
    ``anchors``: what each entry first named (``topics.anchors``); an anchored entry follows
    its documents, and ``meta["curation"]`` records the conflicts with its words and the
    anchors to keep (``anchors``)."""
    from conflict_narratives.topics.result import TopicResult

    info = result.topic_info.copy()
    info["auto_label"] = info["label"]
    info["hidden"] = False
    out = dataclasses.replace(result, topic_info=info, meta=dict(result.meta))
    resolve = Resolver(out, anchors, min_share=min_share, min_similarity=match_similarity)
    targets = {}
    for m in curation.merge:
        ids = [resolve("merge", m["at"], s) for s in m["match"]]
        ids = [t for t in dict.fromkeys(ids) if t is not None]
        if len(ids) >= 2:
            targets[m["at"]] = (ids, m["label"])
    for ids, label in targets.values():
        out = merge_topics(out, ids, label)
    resolve.result = out
    labels = {}
    for e in curation.labels:
        topic = resolve("label", e["at"], e["match"], e["label"])
        if topic is not None:
            labels[topic] = e["label"]
    for c in merged_conflicts(resolve.located, out):
        labels[c["topic"]] = c.pop("shown_as")
        resolve.conflicts.append(c)
        log.warning("curation: %s", c["detail"])
    hidden = {resolve("hide", e["at"], e["match"]) for e in curation.hide} - {None}
    if curation.codebook:
        named = zero_shot(out, curation.codebook, embed, min_similarity, resolve)
        labels = {**{t: n for t, n in named.items() if t not in labels}, **labels}
    resolve.check()
    info = out.topic_info
    info["label"] = [labels.get(t, lab) for t, lab in zip(info["topic"], info["label"],
                                                          strict=True)]
    info["hidden"] = info["topic"].isin(hidden)
    final = dict(zip(info["topic"], info["label"], strict=True))
    merged_into = {t: ids[0] for ids, _ in targets.values() for t in ids}
    leaf = [final.get(merged_into.get(t, t), lab) for t, lab in
            zip(leaf_topics(result), result.leaf_labels, strict=True)]
    out.meta["curation"] = {"path": curation.path, "resolved": resolve.resolved,
                            "conflicts": resolve.conflicts, "anchors": resolve.used,
                            "merged": {str(k): int(v) for k, v in merged_into.items() if k != v}}
    return TopicResult(out.doc_topics, info.reset_index(drop=True), out.topics_per_source,
                       out.hierarchy, out.linkage, leaf, out.meta, out.centroids)


def hidden(result) -> set[int]:
    """The topics the curation hides from figures (``hide=`` of the figure functions)."""
    info = result.topic_info
    return set(info.loc[info["hidden"].astype(bool), "topic"]) if "hidden" in info else set()


def leaf_topics(result) -> list[int]:
    """The topic of each leaf of ``result.linkage`` (the fit's topics in its own order)."""
    return list(result.meta.get("leaf_topics") or
                sorted(set(result.topic_info["topic"]) - {-1}))[:len(result.leaf_labels)]


def merge_topics(result, ids: list[int], label: str | None = None):
    """``result`` with topics ``ids`` joined into the first: documents moved, sizes and
    per-outlet counts summed, words re-ranked by size-weighted weight, centroid averaged."""
    keep, rest = ids[0], set(ids[1:])
    dt = result.doc_topics.assign(topic=result.doc_topics["topic"].replace(
        {t: keep for t in rest}))
    info = result.topic_info.set_index("topic")
    part = info.loc[ids]
    scores: dict[str, float] = {}
    shown: dict[str, str] = {}
    for size, words, weights, display in zip(part["size"], part["words"], part["weights"],
                                             part["display_words"], strict=True):
        for w, s, d in zip(words, weights, display, strict=True):
            scores[w] = scores.get(w, 0.0) + float(s) * size
            shown.setdefault(w, d)
    top = sorted(scores, key=lambda w: -scores[w])[:len(part["words"].iloc[0])]
    total = int(part["size"].sum())
    info.loc[keep, "size"] = total
    info.at[keep, "words"] = top
    info.at[keep, "weights"] = [scores[w] / total for w in top]
    info.at[keep, "display_words"] = [shown[w] for w in top]
    info.at[keep, "label"] = label or info.at[keep, "label"]
    info = info.drop(index=list(rest)).reset_index()
    tps = result.topics_per_source.assign(topic=result.topics_per_source["topic"].replace(
        {t: keep for t in rest}))
    tps = tps.groupby(["topic", "source"], as_index=False).agg(
        count=("count", "sum"), share=("share", "sum"), words=("words", "first"))
    cents = result.centroids.set_index("topic")
    if len(cents) and set(ids) <= set(cents.index):
        n = cents.loc[ids, "n_docs"].to_numpy(float)
        vec = (np.stack(cents.loc[ids, "vector"].to_list()) * n[:, None]).sum(axis=0)
        row = {"n_docs": int(n.sum()), "vector": (vec / np.linalg.norm(vec)).astype(np.float32)}
        if "spread" in cents:  # the loosest member's percentiles: never stricter than a part
            row["spread"] = np.min(np.stack(cents.loc[ids, "spread"].to_list()), axis=0)
        cents = cents.drop(index=list(rest))
        for k, v in row.items():
            cents.at[keep, k] = v
    return dataclasses.replace(result, doc_topics=dt, topic_info=info, topics_per_source=tps,
                               centroids=cents.reset_index())


def zero_shot(result, codebook, embed, min_similarity: float, resolve: Resolver
              ) -> dict[int, str]:
    """Codebook names given to topics: each name (with its description) embedded and matched
    one-to-one to topic centroids (optimal assignment); a name whose best topic is below
    ``min_similarity`` is an error."""
    from scipy.optimize import linear_sum_assignment

    if embed is None:
        raise ValueError("codebook names are matched in the embeddings: give embed=")
    texts = [f"{e['name']}. {e['describe']}".strip(". ") for e in codebook]
    names = np.asarray(embed(texts), dtype=np.float32)
    cents = result.centroids[result.centroids["topic"].isin(result.topic_info["topic"])]
    sims = names @ np.stack(cents["vector"].to_list()).T
    rows, cols = linear_sum_assignment(-sims)
    out = {}
    for r, c in zip(rows, cols, strict=True):
        e, topic = codebook[r], int(cents["topic"].iloc[c])
        if sims[r, c] < min_similarity:
            resolve.errors.append(f"{e['at']}: {e['name']!r} matches no topic (nearest: "
                                  f"{topic} {resolve.label(topic)}, cosine {sims[r, c]:.2f} "
                                  f"< curation.zero_shot_min_similarity {min_similarity})")
            continue
        out[topic] = e["name"]
        resolve.resolved.append({"entry": e["at"], "kind": "codebook", "key": e["name"],
                                 "topic": topic, "how": f"zero-shot {sims[r, c]:.2f}",
                                 "label": e["name"]})
    for r in set(range(len(codebook))) - set(rows):
        resolve.errors.append(f"{codebook[r]['at']}: more codebook names than topics")
    return out
