"""Snippets: a window of a document's text around its first hit, the hits marked."""

from __future__ import annotations

from collections import deque

from conflict_narratives.search.terms import fold, raw_tokens, term

MARK = ("**", "**")
SCAN_CHARS = 100_000  # hits are looked for this far into a document (long reports)


def _hits(text: str, phrases: list[list[set[str]]]):
    """Character spans where ``text`` holds one of ``phrases`` (word ``i`` one of the
    folded forms in set ``i``)."""
    recent: deque = deque(maxlen=max(map(len, phrases)))
    for m in raw_tokens(text):
        for word in term(m.group()).split():
            recent.append((m.start(), word))
            for phrase in phrases:
                n = len(phrase)
                if len(recent) >= n and all(recent[i - n][1] in phrase[i] for i in range(n)):
                    yield recent[-n][0], m.end()
                    break


def _window(text: str, first, width: int, skip: int) -> tuple[int, int]:
    """Start and end of the window: around ``first`` (a span), else the body's lead."""
    skip = min(skip, len(text))
    start = skip if first is None else max(skip if first[0] >= skip else 0,
                                           first[0] - width // 3)
    if first is not None and start and not text[start - 1].isspace():  # begin at a word
        space = text.find(" ", start, first[0])
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", first[1] if first else start, end)
        end = space if space > 0 else end
    return start, end


def snippet(text: str, phrases: list[list[set[str]]], width: int = 240, skip: int = 0
            ) -> str:
    """About ``width`` characters of ``text`` around its first hit (of ``phrases``, see
    :func:`_hits`) at or after ``skip``
    (the title's length: the body's hits first), else its first hit, else the lead of its
    body; the hits between :data:`MARK` (a run of them once), cut ends shown as "…"."""
    text = text[:SCAN_CHARS]
    spans: list[tuple[int, int]] = []
    first = None
    folded = fold(text)
    if phrases and any(f in folded for p in phrases for forms in p for f in forms):
        for span in _hits(text, phrases):
            spans.append(span)
            if first is None and span[0] >= skip:
                first = span
            elif first is not None and span[0] > first[0] + width:
                break
        first = first or (spans[0] if spans else None)
    start, end = _window(text, first, width, skip)
    shown: list[tuple[int, int]] = []
    for a, b in spans:
        if start <= a and b <= end:
            if shown and not text[shown[-1][1]:a].strip():  # a phrase: marked once
                shown[-1] = (shown[-1][0], b)
            else:
                shown.append((a, b))
    out, at = [], start
    for a, b in shown:
        out += [text[at:a], MARK[0], text[a:b], MARK[1]]
        at = b
    out.append(text[at:end])
    body = " ".join("".join(out).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
