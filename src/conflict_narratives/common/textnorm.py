"""Text cleaning for display and normalisation for analysis, Arabic-aware.

Display cleaning (:func:`clean_text`) removes what is not body text — markup, code and
encoded blobs (:mod:`.markup`), tatweel,
invisible control characters, Penn-Treebank tokenisation artefacts, a seed-style header line
and trailing "read also" blocks — but never changes spelling. :func:`normalize_for_analysis`
folds spelling variants (alef forms, alef maqsura, ta marbuta, diacritics, Latin case) for
vocabularies and duplicate detection; it is never applied to display text.
:func:`sentences` splits a line where an abbreviation does not hold the full stop, and
:func:`lead` makes a headline of an untitled text (a post's first line or sentence).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from pyarabic import araby

from conflict_narratives.common import markup

# -- sentences ------------------------------------------------------------------------------

SENTENCE_STOP = re.compile(r"[.!?؟…]+[\"'”»)\]]*\s+")
# a stop after these is not a sentence end: short capitalised abbreviations (Mr., Gen.,
# Corp.), dotted ones (U.S., a.m.) and single letters
_ABBREV = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,3}|\w|(?:\w\.)+\w)\.$")


def sentences(line: str) -> list[str]:
    """``line`` split into sentences (conservatively: a missed split only costs recall)."""
    out, start = [], 0
    for m in SENTENCE_STOP.finditer(line):
        if _ABBREV.search(line[max(start, m.start() - 12):m.start() + 1]):
            continue
        out.append(line[start:m.end()].strip())
        start = m.end()
    out.append(line[start:].strip())
    return [p for p in out if p]


MIN_LEAD_WORDS, MAX_LEAD = 3, 200  # a headline made from a text: words, characters


def lead(text: str) -> str:
    """A text's headline when it has no title: its first line (a post's headline line), a
    line of fewer than :data:`MIN_LEAD_WORDS` words joined to the next ("🔴 BREAKING"), cut
    after the first sentence that brings it to that many words (an abbreviation, "U.S.",
    "Gen.", ends none), at most :data:`MAX_LEAD` characters, at a word."""
    head = ""
    for line in (text or "").splitlines():
        head = f"{head} {' '.join(line.split())}".strip()
        if len(head.split()) >= MIN_LEAD_WORDS:
            break
    first = ""
    for sentence in sentences(head[:3 * MAX_LEAD]):
        first = f"{first} {sentence}".strip()
        if len(first.split()) >= MIN_LEAD_WORDS:
            break
    if len(first) <= MAX_LEAD:
        return first
    cut = first[:MAX_LEAD].rfind(" ")
    return first[:cut if cut > MAX_LEAD // 2 else MAX_LEAD]


# -- display cleaning ---------------------------------------------------------------------

# Invisible characters that only disturb display and matching. ZWNJ (U+200C) is kept: it is
# orthographic in Persian and Urdu.
_INVISIBLE = re.compile(
    "[\u200b\u200d\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff\u00ad\u0640]+"
)
_BLANKS = re.compile(r"\n{3,}")
# Arabic presentation forms (contextual glyphs, lam-alef ligatures) from PDF or legacy
# encodings: NFKC maps them to the letters, so they read, match and detect as Arabic.
_PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")

_PTB_MARKERS = re.compile(r"-[LR][RSC]B-|``|''| n't\b| 's\b")
_PTB_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}
_PTB_RULES = [
    (re.compile(r"-([LR])([RSC])B-"), lambda m: _PTB_BRACKETS[m.group(0)]),
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", re.I), r"\1"),
    (re.compile(r"([(\[{$£€]) "), r"\1"),
    (re.compile(r" ([)\]},.;:?!%])"), r"\1"),
]

# Lines that point to other articles ("read also", "see also", ...). Arabic markers are
# unambiguous; Latin-script ones and ذات صلة need a colon/dash or nothing after them, so a
# sentence such as "Related to this, ..." is not taken for one.
_STRICT_MARKERS = (
    r"(?:مواضيع\s+)?ذات\s+صلة|read\s+(?:more|also)|see\s+also|more\s+on\s+this\s+story"
    r"|related(?:\s+(?:articles|stories|news|content|coverage))?|(?:à\s+)?lire\s+aussi"
    r"|leer\s+más|lee\s+también|leggi\s+anche"
)
_RELATED = re.compile(
    r"^[^\S\n]*(?:(?:[إا]قر[أا]\s+(?:[أا]يض[اًا]*|المزيد)|شاهد\s+[أا]يض[اًا]*)[^\S\n]*[:：\-–]?"
    rf"|(?:{_STRICT_MARKERS})[^\S\n]*(?:[:：\-–]|$))",
    re.I | re.M,
)
_MAX_RELATED_LINE = 200  # characters; longer lines are body text, not a headline
_MAX_RELATED_LINES = 15
_SENTENCE_END = re.compile(r"[.!?؟…][\"'”»)\]]*$")

# Seed-style first line: "outlet | place – country – tag (author)".
_HEADER = re.compile(
    r"\A\s*(?P<outlet>[^|\n]{2,60}?)\s*[|｜]\s*(?P<rest>[^|\n]{1,200})[^\S\n]*(?:\n|\Z)"
)
_DASH_SPLIT = re.compile(r"\s+[-‐‑‒–—―]\s+|\s*[‒–—―]\s*")
_AUTHOR = re.compile(r"[(（]\s*([^()（）]{2,60}?)\s*[)）]\s*$")
_TAGS = {"حصري", "خاص", "حصريا", "حصرياً", "exclusive", "exclusif", "exclusiva", "esclusiva"}


@dataclass(frozen=True)
class Header:
    """Fields parsed from a seed-style header line."""

    source: str
    place: str | None
    country: str | None
    author: str | None


def parse_header(text: str) -> tuple[Header | None, str]:
    """Split a seed-style first line (``outlet | place – country – tag (author)``) off the text.

    Returns ``(header, body)``; ``(None, text)`` when the first line does not have that shape
    (no ``|``, an outlet longer than six words, or nothing after the bar).
    """
    m = _HEADER.match(text)
    if not m:
        return None, text
    outlet = m.group("outlet").strip()
    if len(outlet) < 2 or len(outlet.split()) > 6 or not any(c.isalpha() for c in outlet):
        return None, text
    rest = m.group("rest").strip()
    author = None
    am = _AUTHOR.search(rest)
    if am:
        author = am.group(1).strip()
        rest = rest[: am.start()].strip()
    parts = [p.strip(" ،,") for p in _DASH_SPLIT.split(rest) if p.strip(" ،,")]
    parts = [p for p in parts if p.lower() not in _TAGS]
    if any(len(p.split()) > 6 for p in parts):  # a sentence, not a dateline
        return None, text
    place = parts[0] if parts else None
    country = parts[1] if len(parts) > 1 else None
    return Header(outlet, place, country, author), text[m.end() :]


def _headline(line: str) -> bool:
    """Short and not ending like a sentence."""
    line = line.strip()
    return len(line) <= _MAX_RELATED_LINE and not _SENTENCE_END.search(line)


def strip_related_block(text: str) -> str:
    """Remove links to related articles: a marker line ("اقرأ أيضا:", "Read more:", ...)
    with the run of short headline-like lines right under it (up to the end of the text for
    the seed's trailing block), or a one-line link ("اقرأ أيضا: <headline>") amid the body.
    Lines that end like sentences stop the run, so body paragraphs are never removed."""
    if not _RELATED.search(text):
        return text
    lines = text.split("\n")
    keep: list[str] = []
    i = 0
    while i < len(lines):
        m = _RELATED.match(lines[i])
        if not m:
            keep.append(lines[i])
            i += 1
            continue
        end, j, n = i + 1, i + 1, 0  # end: just past the last headline of the run
        while j < len(lines) and n < _MAX_RELATED_LINES:
            if lines[j].strip():
                if not _headline(lines[j]):
                    break
                n, end = n + 1, j + 1
            j += 1
        inline = lines[i][m.end() :].strip()
        trailing = all(not ln.strip() for ln in lines[end:])
        i = end if not inline or trailing else i + 1
    return "\n".join(keep).rstrip()


def looks_ptb(text: str) -> bool:
    """True when the text carries Penn-Treebank tokenisation markers (-LRB-, ``, " n't")."""
    return bool(_PTB_MARKERS.search(text))


def detokenize_ptb(text: str) -> str:
    """Undo PTB tokenisation: brackets, quotes, clitics and spaces before punctuation."""
    for pattern, repl in _PTB_RULES:
        text = pattern.sub(repl, text)
    return text


def clean_text(text: str, *, ptb: bool = False, found: Counter | None = None) -> str:
    """Display cleaning: markup, code and encoded blobs (HTML tags/entities, scripts, JSON,
    CSS, URLs, uuencode, base64, listings: :func:`markup.strip_markup`), words glued to
    times split off them (:func:`markup.split_times`), invisible/bidi characters, tatweel,
    Arabic presentation forms (to letters), whitespace (paragraph breaks kept), optionally
    PTB artefacts, trailing related block. ``found`` counts the kinds removed."""
    if not text:
        return ""
    text = markup.split_times(markup.strip_markup(text, found), found)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if _PRESENTATION.search(text):
        text = _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    if ptb:
        text = detokenize_ptb(text)
    # str.split() collapses every Unicode space (NBSP, thin spaces, tabs) at C speed
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text).strip()
    return strip_related_block(text)


# -- analysis normalisation ---------------------------------------------------------------

# Folding is done with C-level str.replace / one regex per class: str.translate with a
# dict is ~10x slower on non-ASCII text.
_DROP = re.compile("[" + "".join(araby.TASHKEEL) + "\u0670" + _INVISIBLE.pattern[1:])
_ALEF = re.compile("[أإآٱ]")
_AR_DIGITS = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
_SPACES = re.compile(r"\s+")


def _ascii_digit(m: re.Match) -> str:
    return str(ord(m.group(0)) & 0xF)  # U+0660 and U+06F0 both end in 0


def normalize_for_analysis(text: str) -> str:
    """Fold spelling variants for analysis: NFKC (presentation forms), diacritics, tatweel and
    invisible characters removed, alef forms -> ا, ى -> ي, ة -> ه, Arabic-Indic/Persian digits
    -> ASCII, words glued at a case boundary split (:func:`markup.split_camel`:
    ``LebanonMore``), Latin lower-cased, whitespace collapsed. Never applied to display
    text."""
    if not text:
        return ""
    text = markup.split_camel(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _DROP.sub("", text)
    text = _ALEF.sub("ا", text).replace("ى", "ي").replace("ة", "ه")
    if _AR_DIGITS.search(text):
        text = _AR_DIGITS.sub(_ascii_digit, text)
    return " ".join(text.lower().split())
