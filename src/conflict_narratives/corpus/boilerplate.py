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

_STOP = re.compile(r"[.!?؟…]+[\"'”»)\]]*\s+")
# a stop after these is not a sentence end: short capitalised abbreviations (Mr., Gen.,
# Corp.), dotted ones (U.S., a.m.) and single letters
_ABBREV = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,3}|\w|(?:\w\.)+\w)\.$")
_DIGITS = re.compile(r"\d+")
_EDGE = " .,;:!?؟…*-–—_=~|/\\\"'«»“”‘’()[]{}<>#"
MAX_SEGMENT_CHARS = 1000  # longer repeated text is a copied article, not boilerplate
_NONE = "\0none"  # the group of documents without a source
ALL = "\0all"  # the whole corpus, as one group
SAMPLE_DOCS = 3000  # documents per source counted (evenly spread): a 5% footer shows in them


def sentences(line: str) -> list[str]:
    """``line`` split into sentences (conservatively: a missed split only costs recall)."""
    out, start = [], 0
    for m in _STOP.finditer(line):
        if _ABBREV.search(line[max(start, m.start() - 12):m.start() + 1]):
            continue
        out.append(line[start:m.end()].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [p for p in out if p]


def segments(text: str) -> list[str]:
    """The lines of ``text`` and the sentences within them, in order (a one-sentence line
    once)."""
    out = []
    for line in text.split("\n"):
        if not line:
            continue
        parts = sentences(line) if _STOP.search(line) else [line]
        out += [line] if len(parts) == 1 else [line, *parts]
    return out


def _key(segment: str) -> str:
    """Digits folded and edge punctuation dropped ("... المحمول." = "... المحمول"); no case
    or spelling folding (footers repeat verbatim) and no space folding (the display
    cleaning collapsed spaces). A segment of punctuation alone has the empty key: never
    boilerplate."""
    return _DIGITS.sub("0", segment).strip(_EDGE)


def find_boilerplate(texts: pd.Series, groups: pd.Series, min_docs: int = 10,
                     min_share: float = 0.05) -> dict[object, dict[str, int]]:
    """Per group (source), the boilerplate segment keys and their document counts, counted
    over up to :data:`SAMPLE_DOCS` distinct documents of the group, evenly spread; under
    :data:`ALL`, segments repeated across the whole corpus (a coding note on every event
    record, whichever source reported it)."""
    step = {g: -(-n // SAMPLE_DOCS) for g, n in groups.value_counts(dropna=False).items()}
    counts: dict[object, Counter] = defaultdict(Counter)
    sizes: Counter = Counter()
    position: Counter = Counter()
    seen: set[str] = set()
    for text, group in zip(texts, groups, strict=True):
        position[group] += 1
        if not text or text in seen or (position[group] - 1) % step[group]:
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


def remove_boilerplate(texts: pd.Series, groups: pd.Series, *, min_docs: int = 10,
                       min_share: float = 0.05, examples: int = 10
                       ) -> tuple[pd.Series, dict]:
    """``texts`` without their source's boilerplate, and a summary for the load report:
    distinct segments, documents touched, characters removed, the segments removed from
    the most documents. ``groups`` (e.g. the source column; missing values form one group)
    align with ``texts``."""
    groups = groups.astype(object).where(groups.notna(), _NONE)
    found = find_boilerplate(texts, groups, min_docs, min_share)
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
    names = {_NONE: None}
    summary = {"segments": len({k for t in found.values() for k in t}), "documents": touched,
               "chars_removed": removed_chars,
               "examples": [{"source": names.get(g, str(g)), "segment": k[:200],
                             "documents": n} for (g, k), n in removed.most_common(examples)]}
    if not touched:
        return texts, summary
    return pd.Series(out, index=texts.index, dtype=texts.dtype), summary


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
        parts = sentences(line) if _STOP.search(line) else [line]
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
