"""Actors: who appears in the reporting, how often, and with whom.

An extendable gazetteer (``resources/actors.yaml`` plus ``narratives.actors.extra`` in the
config) maps Arabic and English aliases and spelling variants to one canonical actor. Aliases
are matched as whole words on :func:`textnorm.normalize_for_analysis` text, with Arabic
proclitics handled (و ف ب ك ل, and their combinations with ال: وال، بال، فال، كال، لل), so
``وداعش``, ``بالقوات العراقية`` and ``للقوات العراقية`` all count. Short upper-case acronyms
that collide with ordinary words (US, UN, IS, WHO) are matched case-sensitively on the
original text. The longest alias wins at a position, so ``التحالف الدولي`` is not also counted
as ``التحالف``.

Limits: a gazetteer finds names, not references — pronouns, "the group", "the militants" or
unlisted nicknames are missed, and an alias with an everyday meaning (الأسد "the lion") is
counted whenever it appears.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import yaml

from conflict_narratives.common.periods import periods
from conflict_narratives.common.textnorm import normalize_for_analysis

_WORD = re.compile(r"\w+")
# Arabic proclitics stripped before lookup: optional conjunction (و/ف), then optional
# preposition (ب/ك/ل). "لل" + noun is ل + ال with the alef dropped, so it is restored.
_PROCLITICS = ("وب", "وك", "ول", "فب", "فك", "فل", "و", "ف", "ب", "ك", "ل")
_LAM_LAM = re.compile("^[وف]?لل(?=.)")


def _candidates(token: str) -> list[str]:
    """``token`` and its forms with Arabic proclitics removed (``وبالقوات`` -> ``القوات``)."""
    out = [token]
    if "\u0600" <= token[:1] <= "\u06ff":
        out += [token[len(p):] for p in _PROCLITICS
                if token.startswith(p) and len(token) > len(p) + 1]
        m = _LAM_LAM.match(token)
        if m:
            out.append("ال" + token[m.end():])
    return out


@dataclass(frozen=True)
class Actor:
    name: str
    type: str
    aliases: tuple[str, ...]
    case_sensitive: tuple[str, ...] = ()


class Gazetteer:
    """Canonical actors and a word-indexed matcher over their aliases."""

    def __init__(self, actors: list[Actor]):
        if not actors:
            raise ValueError("a gazetteer needs at least one actor")
        self.actors = {a.name: a for a in actors}
        self._folded = self._index(
            (normalize_for_analysis(alias), a.name) for a in actors for alias in a.aliases
        )
        self._exact = self._index((alias, a.name) for a in actors for alias in a.case_sensitive)
        self._memo: tuple[dict, dict] = ({}, {})  # token -> forms starting an alias

    @staticmethod
    def _index(pairs) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        """First word -> [(alias words, actor)], longest alias first; first spelling wins."""
        index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        seen: set[tuple[str, ...]] = set()
        for alias, name in pairs:
            words = tuple(_WORD.findall(alias))
            if words and words not in seen:
                seen.add(words)
                index.setdefault(words[0], []).append((words, name))
        for entries in index.values():
            entries.sort(key=lambda e: -len(e[0]))
        return index

    @staticmethod
    def _scan(index, tokens: list[str], memo: dict[str, tuple[str, ...]], strip: bool
              ) -> list[tuple[int, str, str]]:
        """Mentions in ``tokens``, left to right, the longest alias at a position; ``memo``
        keeps each distinct token's forms that start an alias (most tokens: none), so a
        corpus's millions of tokens are looked at once each."""
        for token in set(tokens).difference(memo):
            memo[token] = tuple(c for c in (_candidates(token) if strip else (token,))
                                if c in index)
        hits, end = [], 0
        for i in [i for i, t in enumerate(tokens) if memo[t]]:
            if i < end:  # inside the previous mention
                continue
            for cand in memo[tokens[i]]:
                match = next((e for e in index[cand]
                              if tuple(tokens[i + 1:i + len(e[0])]) == e[0][1:]), None)
                if match:
                    words, name = match
                    hits.append((i, name, " ".join(tokens[i:i + len(words)])))
                    end = i + len(words)
                    break
        return hits

    @classmethod
    def from_config(cls, settings: dict[str, Any] | None = None) -> Gazetteer:
        """The packaged gazetteer (or ``narratives.actors.path``), extended by
        ``narratives.actors.extra`` (entries with an existing name add aliases)."""
        conf = ((settings or {}).get("narratives") or {}).get("actors") or {}
        if conf.get("path"):
            text = Path(conf["path"]).read_text(encoding="utf-8")
        else:
            text = (
                resources.files("conflict_narratives")
                .joinpath("resources/actors.yaml")
                .read_text(encoding="utf-8")
            )
        entries = (yaml.safe_load(text) or {}).get("actors", [])
        return cls.from_entries([*entries, *(conf.get("extra") or [])])

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]]) -> Gazetteer:
        merged: dict[str, dict[str, Any]] = {}
        for entry in entries:
            if not entry.get("name"):
                raise ValueError(f"actor entry without a name: {entry!r}")
            cur = merged.setdefault(
                entry["name"],
                {"type": entry.get("type", "other"), "aliases": [], "case_sensitive": []},
            )
            cur["aliases"] += [str(a) for a in entry.get("aliases") or []]
            cur["case_sensitive"] += [str(a) for a in entry.get("case_sensitive") or []]
        return cls(
            [
                Actor(name, v["type"], tuple(v["aliases"]), tuple(v["case_sensitive"]))
                for name, v in merged.items()
            ]
        )

    def find(self, text: str) -> list[tuple[str, str]]:
        """``(actor, matched words)`` for every mention in ``text``: normalised-text matches in
        order of appearance, then case-sensitive ones."""
        text = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
        hits = self._scan(self._folded, _WORD.findall(normalize_for_analysis(text)),
                          self._memo[0], True)
        if self._exact:
            hits += self._scan(self._exact, _WORD.findall(text), self._memo[1], False)
        return [(name, surface) for _, name, surface in hits]

    def mentions(self, df: pd.DataFrame, text_cols: tuple[str, ...] = ("title", "text")):
        """Long table ``doc_id, actor, type, count`` (one row per actor found in a document)."""
        rows = []
        for row in df.itertuples(index=False):
            text = "\n".join(
                str(getattr(row, c)) for c in text_cols if pd.notna(getattr(row, c, None))
            )
            counts: dict[str, int] = {}
            for name, _ in self.find(text):
                counts[name] = counts.get(name, 0) + 1
            rows += [(row.doc_id, n, self.actors[n].type, c) for n, c in counts.items()]
        return pd.DataFrame(rows, columns=["doc_id", "actor", "type", "count"])


def prominence(
    mentions: pd.DataFrame, corpus: pd.DataFrame, *, freq: str = "month", by_source: bool = True
) -> pd.DataFrame:
    """Share of documents mentioning each actor per period (and outlet), with counts:
    ``period, [source], actor, n_docs_actor, n_docs, share, n_mentions``."""
    keys = ["period", "source"] if by_source else ["period"]
    docs = corpus[["doc_id", "source"]].assign(period=periods(corpus, freq))
    docs = docs.dropna(subset=["period"])
    totals = docs.groupby(keys).size().rename("n_docs")
    m = mentions.merge(docs, on="doc_id")
    out = (
        m.groupby([*keys, "actor"])
        .agg(n_docs_actor=("doc_id", "nunique"), n_mentions=("count", "sum"))
        .reset_index()
        .merge(totals.reset_index(), on=keys)
    )
    out["share"] = out["n_docs_actor"] / out["n_docs"]
    cols = [*keys, "actor", "n_docs_actor", "n_docs", "share", "n_mentions"]
    return out[cols].sort_values([*keys, "n_docs_actor"], ascending=[True] * len(keys) + [False])


def cooccurrence(
    mentions: pd.DataFrame,
    corpus: pd.DataFrame,
    doc_topics: pd.DataFrame | None = None,
    *,
    freq: str = "month",
) -> pd.DataFrame:
    """Actor pairs named in the same document, per topic and period:
    ``topic, period, actor_a, actor_b, weight`` (weight = number of documents). ``topic`` is
    -1 for all documents when no topic table is given; ``period`` is NaT for undated ones."""
    docs = corpus[["doc_id"]].assign(period=periods(corpus, freq))
    if doc_topics is not None:
        docs = docs.merge(doc_topics[["doc_id", "topic"]], on="doc_id", how="left")
        docs["topic"] = docs["topic"].fillna(-1).astype(int)
    else:
        docs["topic"] = -1
    per_doc = mentions.groupby("doc_id")["actor"].apply(lambda s: sorted(set(s)))
    rows = []
    for doc in docs.itertuples(index=False):
        actors = per_doc.get(doc.doc_id)
        if actors is None or len(actors) < 2:
            continue
        rows += [(doc.topic, doc.period, a, b) for a, b in itertools.combinations(actors, 2)]
    edges = pd.DataFrame(rows, columns=["topic", "period", "actor_a", "actor_b"])
    if edges.empty:
        return edges.assign(weight=pd.Series(dtype=int))
    return (
        edges.groupby(["topic", "period", "actor_a", "actor_b"], dropna=False)
        .size()
        .rename("weight")
        .reset_index()
        .sort_values("weight", ascending=False, ignore_index=True)
    )


def actor_graph(
    edges: pd.DataFrame,
    *,
    topic: int | None = None,
    period: pd.Timestamp | None = None,
    min_weight: int = 1,
    mentions: pd.DataFrame | None = None,
) -> nx.Graph:
    """A weighted networkx graph from :func:`cooccurrence` rows, optionally one topic/period
    (summed over the others), edges below ``min_weight`` dropped. Node attributes:
    ``degree_weight`` (total edge weight) and, given ``mentions`` (from
    :meth:`Gazetteer.mentions`), ``size`` (documents naming the actor) and ``group`` (its
    type) — what :func:`figures.network` draws."""
    sel = edges
    if topic is not None:
        sel = sel[sel["topic"] == topic]
    if period is not None:
        sel = sel[sel["period"] == pd.Timestamp(period)]
    summed = sel.groupby(["actor_a", "actor_b"])["weight"].sum().reset_index()
    graph = nx.Graph()
    for row in summed[summed["weight"] >= min_weight].itertuples(index=False):
        graph.add_edge(row.actor_a, row.actor_b, weight=int(row.weight))
    nx.set_node_attributes(graph, dict(graph.degree(weight="weight")), "degree_weight")
    if mentions is not None:
        per_actor = mentions.groupby("actor").agg(size=("doc_id", "nunique"),
                                                  group=("type", "first"))
        for attr in ("size", "group"):
            nx.set_node_attributes(graph, {n: per_actor.at[n, attr] for n in graph
                                           if n in per_actor.index}, attr)
    return graph
