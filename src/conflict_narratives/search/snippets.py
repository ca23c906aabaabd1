"""Snippets: a window of a document's text around its first hit, the hits marked."""

from __future__ import annotations

from conflict_narratives.search.terms import raw_tokens, term, words

MARK = ("**", "**")
SCAN_CHARS = 100_000  # hits are looked for this far into a document (long reports)


def _aligned(text: str, folded: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """The character span of each folded word of ``text`` (``folded``: its words), and
    the word. Each display word folds to one word but in rare cases (``½``): then the slow
    way, a word at a time."""
    spans = [m.span() for m in raw_tokens(text)]
    if len(spans) == len(folded):
        return spans, folded
    pairs = [(m.span(), w) for m in raw_tokens(text) for w in term(m.group()).split()]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def hit_spans(text: str, phrases: list[list[set[str]]]) -> list[tuple[int, int]]:
    """Character spans, in order, where ``text`` holds one of ``phrases`` (word ``i`` of a
    phrase: one of the folded forms in its set ``i``)."""
    folded = words(text)
    if set().union(*(p[0] for p in phrases)).isdisjoint(folded):
        return []
    spans, folded = _aligned(text, folded)
    found = set()
    for phrase in phrases:
        n, head = len(phrase), phrase[0]
        for i in [i for i, w in enumerate(folded[:len(folded) - n + 1]) if w in head]:
            if all(folded[i + j] in phrase[j] for j in range(1, n)):
                found.add((spans[i][0], spans[i + n - 1][1]))
    return sorted(found)


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
    :func:`hit_spans`) at or after ``skip`` (the title's length: the body's hits first),
    else its first hit, else the lead of its body; the hits between :data:`MARK` (a run of
    them once), cut ends shown as "…"."""
    text = text[:SCAN_CHARS]
    spans = hit_spans(text, phrases) if phrases else []
    first = next((s for s in spans if s[0] >= skip), spans[0] if spans else None)
    start, end = _window(text, first, width, skip)
    shown: list[tuple[int, int]] = []
    for a, b in spans:
        if start <= a and b <= end:
            if shown and not text[shown[-1][1]:a].strip():  # a phrase: marked once
                shown[-1] = (shown[-1][0], max(b, shown[-1][1]))
            elif not shown or a >= shown[-1][1]:
                shown.append((a, b))
    out, at = [], start
    for a, b in shown:
        out += [text[at:a], MARK[0], text[a:b], MARK[1]]
        at = b
    out.append(text[at:end])
    body = " ".join("".join(out).split())
    cut = start not in (0, min(skip, len(text)))  # not where the title or the body begins
    return ("…" if cut else "") + body + ("…" if end < len(text) else "")
