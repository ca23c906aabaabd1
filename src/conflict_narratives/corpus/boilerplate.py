"""Boilerplate: lines and sentences that one source repeats across many of its documents.

Site footers ("Leggi tutto", "© Riproduzione riservata"), a programme blurb aired daily,
"Follow us on Twitter", a sign-off: each is a segment — a line, or a sentence within a
line — found in a large share of one source's documents. Left in, they become topics of
their own and the topic words of everything else. A segment counts as boilerplate of a
source when at least ``max(min_docs, min_share x the source's documents)`` distinct
documents of it hold it, or of the whole corpus when as many of all documents do
(compared with digits folded, so "© 2019" and "© 2020" are one footer). It is removed
from those documents and counted for the load report. Exact copies of a document count
once, so a syndicated article is not its own boilerplate."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pandas as pd

from conflict_narratives.common.textnorm import SENTENCE_STOP, sentences

_DIGITS = re.compile(r"\d+")
_EDGE = " .,;:!?؟…*-–—_=~|/\\\"'«»“”‘’()[]{}<>#"
MAX_SEGMENT_CHARS = 1000  # longer repeated text is a copied article, not boilerplate
_NONE = "\0none"  # the group of documents without a source
ALL = "\0all"  # the whole corpus, as one group
SAMPLE_DOCS = 3000  # documents per source counted (evenly spread): a 5% footer shows in them


def segments(text: str) -> list[str]:
    """The lines of ``text`` and the sentences within them, in order (a one-sentence line
    once)."""
    out = []
    for line in text.split("\n"):
        if not line:
            continue
        parts = sentences(line) if SENTENCE_STOP.search(line) else [line]
        out += [line] if len(parts) == 1 else [line, *parts]
    return out


def _key(segment: str) -> str:
    """Digits folded and edge punctuation dropped ("... المحمول." = "... المحمول"); no case
    or spelling folding (footers repeat verbatim) and no space folding (the display
    cleaning collapsed spaces). A segment of punctuation alone has the empty key: never
    boilerplate."""
    return _DIGITS.sub("0", segment).strip(_EDGE)


def source_groups(sources: pd.Series) -> pd.Series:
    """The group of each document: its source (missing sources form one group)."""
    return sources.astype(object).where(sources.notna(), _NONE)


def sample_steps(sizes) -> dict:
    """Every how many documents of a group (``sizes``: documents per group) one is counted:
    at most :data:`SAMPLE_DOCS` a group, evenly spread."""
    return {g: -(-int(n) // SAMPLE_DOCS) for g, n in dict(sizes).items()}


def sampled(groups, steps: dict, start: Counter | None = None) -> list[bool]:
    """Which documents (of ``groups``, in corpus order) are counted; ``start``: documents of
    each group before these (an earlier partition's)."""
    position = Counter(start or {})
    out = []
    for group in groups:
        out.append(position[group] % steps[group] == 0)
        position[group] += 1
    return out


def segment_tables(texts, groups, min_docs: int = 10, min_share: float = 0.05
                   ) -> dict[object, dict[str, int]]:
    """Per group, the boilerplate segment keys of the counted documents (``texts`` in
    corpus order; exact copies count once) and their document counts; under :data:`ALL`,
    segments repeated across the whole corpus (a coding note on every event record,
    whichever source reported it)."""
    counts: dict[object, Counter] = defaultdict(Counter)
    sizes: Counter = Counter()
    seen: set[str] = set()
    for text, group in zip(texts, groups, strict=True):
        if not text or text in seen:
            continue
        seen.add(text)
        keys = {_key(s) for s in segments(text) if len(s) <= MAX_SEGMENT_CHARS} - {""}
        for g in {group, ALL}:
            sizes[g] += 1
            counts[g].update(keys)
    out = {}
    for group, counter in counts.items():
        need = max(min_docs, min_share * sizes[group])
        found = {k: n for k, n in counter.items() if n >= need}
        if found:
            out[group] = found
    return out


def find_boilerplate(texts: pd.Series, groups: pd.Series, min_docs: int = 10,
                     min_share: float = 0.05) -> dict[object, dict[str, int]]:
    """:func:`segment_tables` over up to :data:`SAMPLE_DOCS` documents of each group."""
    keep = sampled(groups, sample_steps(groups.value_counts(dropna=False)))
    return segment_tables(texts[keep], groups[keep], min_docs, min_share)


def remove_boilerplate(texts: pd.Series, groups: pd.Series, *, min_docs: int = 10,
                       min_share: float = 0.05, examples: int = 10
                       ) -> tuple[pd.Series, dict]:
    """``texts`` without their source's boilerplate, and a summary for the load report:
    distinct segments, documents touched, characters removed, the segments removed from
    the most documents. ``groups`` (e.g. the source column; missing values form one group)
    align with ``texts``."""
    groups = source_groups(groups)
    found = find_boilerplate(texts, groups, min_docs, min_share)
    out, done = strip_texts(texts, groups, found)
    return out, summarize(found, done, examples)


def strip_texts(texts: pd.Series, groups: pd.Series, found: dict) -> tuple[pd.Series, dict]:
    """``texts`` without the segments ``found`` for their group (or the whole corpus), and
    what was removed (``touched``, ``chars``, ``removed``: (group, key) -> documents)."""
    out = texts.tolist()
    removed: Counter = Counter()
    touched, removed_chars = 0, 0
    everywhere = found.get(ALL, {})
    tables = {g: {**everywhere, **t} for g, t in found.items() if g != ALL}
    for i, (text, group) in enumerate(zip(out, groups, strict=True)):
        table = tables.get(group, everywhere)
        if not table or not text:
            continue
        new, keys = _strip(text, table)
        if keys:
            touched += 1
            removed_chars += len(text) - len(new)
            removed.update((group, k) for k in keys)
            out[i] = new
    done = {"touched": touched, "chars": removed_chars, "removed": removed}
    if not touched:
        return texts, done
    return pd.Series(out, index=texts.index, dtype=texts.dtype), done


def summarize(found: dict, done: dict, examples: int = 10) -> dict:
    """The load report's boilerplate entry from :func:`strip_texts`' counts (those of a
    corpus's partitions added up, in corpus order)."""
    names = {_NONE: None}
    # most documents first, ties by source and segment (a set's order varies by process)
    top = sorted(done["removed"].items(), key=lambda gk: (-gk[1], str(gk[0][0]), gk[0][1]))
    return {"segments": len({k for t in found.values() for k in t}),
            "documents": done["touched"], "chars_removed": done["chars"],
            "examples": [{"source": names.get(g, str(g)), "segment": k[:200],
                          "documents": n} for (g, k), n in top[:examples]]}


def _strip(text: str, table: dict[str, int]) -> tuple[str, set[str]]:
    """``text`` without the lines and sentences whose key is in ``table``, and those keys."""
    lines, removed = [], set()
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        if len(line) <= MAX_SEGMENT_CHARS and (key := _key(line)) in table:
            removed.add(key)
            continue
        parts = sentences(line) if SENTENCE_STOP.search(line) else [line]
        if len(parts) > 1:
            keys = [_key(p) if len(p) <= MAX_SEGMENT_CHARS else "" for p in parts]
            hit = {k for k in keys if k in table}
            if hit:
                removed |= hit
                line = " ".join(p for p, k in zip(parts, keys, strict=True) if k not in hit)
        lines.append(line)
    if not removed:
        return text, removed
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), removed
