"""Text cleaning for display and normalisation for analysis, Arabic-aware.

Display cleaning (:func:`clean_text`) removes what is not body text — HTML, URLs, tatweel,
invisible control characters, Penn-Treebank tokenisation artefacts, a seed-style header line
and trailing "read also" blocks — but never changes spelling. :func:`normalize_for_analysis`
folds spelling variants (alef forms, alef maqsura, ta marbuta, diacritics, Latin case) for
vocabularies and duplicate detection; it is never applied to display text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from pyarabic import araby

# -- display cleaning ---------------------------------------------------------------------

_TAG = re.compile(
    r"<(?:script|style)\b.*?</(?:script|style)\s*>|<!--.*?-->|</?[A-Za-z][^<>]*>", re.S
)
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/h\d|/li|p|div|li)\b[^<>]*>", re.I)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.I)
# Invisible characters that only disturb display and matching. ZWNJ (U+200C) is kept: it is
# orthographic in Persian and Urdu.
_INVISIBLE = re.compile(
    "[\u200b\u200d\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff\u00ad\u0640]+"
)
_BLANKS = re.compile(r"\n{3,}")

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

# Lines that open a trailing block of related headlines ("read also", "see also", ...).
_RELATED = re.compile(
    r"^[^\S\n]*(?:[إا]قر[أا]\s+(?:[أا]يض[اًا]+|المزيد)|شاهد\s+[أا]يض[اًا]+|ذات\s+صلة|مواضيع\s+ذات\s+صلة"
    r"|read\s+(?:more|also)|see\s+also|related(?:\s+(?:articles|stories|news|content))?"
    r"|lire\s+aussi|à\s+lire\s+aussi|leer\s+más|leggi\s+anche)[^\S\n]*[:：.\-–]?",
    re.I | re.M,
)
_MAX_RELATED_LINE = 200  # characters; longer lines are body text, not a headline list
_MAX_RELATED_LINES = 15

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


def strip_related_block(text: str) -> str:
    """Remove a trailing "اقرأ أيضا" / "Read more" block of related headlines.

    The block must start a line in the second half of the text and be followed only by short
    headline-like lines; otherwise the text is returned unchanged.
    """
    for m in reversed(list(_RELATED.finditer(text, len(text) // 2))):
        tail = [ln for ln in text[m.end() :].split("\n") if ln.strip()]
        if len(tail) <= _MAX_RELATED_LINES and all(len(ln) <= _MAX_RELATED_LINE for ln in tail):
            return text[: m.start()].rstrip()
    return text


def looks_ptb(text: str) -> bool:
    """True when the text carries Penn-Treebank tokenisation markers (-LRB-, ``, " n't")."""
    return bool(_PTB_MARKERS.search(text))


def detokenize_ptb(text: str) -> str:
    """Undo PTB tokenisation: brackets, quotes, clitics and spaces before punctuation."""
    for pattern, repl in _PTB_RULES:
        text = pattern.sub(repl, text)
    return text


def clean_text(text: str, *, ptb: bool = False) -> str:
    """Display cleaning: HTML tags/entities, URLs, invisible/bidi characters, tatweel,
    whitespace (paragraph breaks kept), optionally PTB artefacts, trailing related block."""
    if not text:
        return ""
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
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
    -> ASCII, Latin lower-cased, whitespace collapsed. Never applied to display text."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _DROP.sub("", text)
    text = _ALEF.sub("ا", text).replace("ى", "ي").replace("ة", "ه")
    if _AR_DIGITS.search(text):
        text = _AR_DIGITS.sub(_ascii_digit, text)
    return " ".join(text.lower().split())
