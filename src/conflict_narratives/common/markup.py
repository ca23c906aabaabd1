"""What is not prose taken out of a text before analysis: markup, code and encoded blobs.

:func:`strip_markup` removes HTML/XML tags (escaped ones too: ``&lt;a href=…&gt;``) and
entities, inline script/style blocks, JSON objects, CSS rules, URLs, uuencoded and base64
blocks, and code listings (JavaScript, C-like statements, assembly), and counts each kind
it found. :func:`split_times` separates words glued to times by a lost line break
(``18:05Sirens``); :func:`split_camel`, for analysis only (it changes spelling), words
glued at a case boundary (``LebanonMore``). Only ASCII-script patterns are touched: Arabic
text passes through unchanged.

Regular expressions, not an HTML parser: most documents hold no markup and pass each test
at C speed, and the other kinds (code, CSS, base64, uuencode) have no parser to ask.
"""

from __future__ import annotations

import html
import re
from collections import Counter

KINDS = ("html", "entities", "script_style", "json", "css", "urls", "uuencode", "base64",
         "code", "glued_times")

_SCRIPT = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->|<!\[CDATA\[.*?\]\]>",
                     re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")
_BLOCK_TAG = re.compile(r"<(?:br|/p|/div|/h\d|/li|p|div|li|tr|/tr)\b[^<>]*>", re.I)
_BARE_ENTITY = re.compile(r"(?<![&\w])#(\d{2,5});")  # "&" lost upstream: AG News's " #39;s"
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.I)
_JSON = re.compile(r"[\[{]\s*\"[^\"\n]{1,80}\"\s*:(?:[^{}\[\]]|\{(?:[^{}]|\{[^{}]*\})*\}"
                   r"|\[(?:[^\[\]]|\[[^\[\]]*\])*\])*[}\]]")
_CSS = re.compile(r"(?:@media[^{}]{0,200}\{\s*)?(?:[.#]?[A-Za-z][\w-]*(?:[\s,>+~]{1,3}[.#:]{0,2}"
                  r"[A-Za-z][\w()-]*){0,3}[ \t]*)?\{\s*(?:[-A-Za-z]+\s*:\s*[^;{}\n]{1,200};\s*)+"
                  r"(?:[-A-Za-z]+\s*:\s*[^;{}\n]{1,200})?\s*\}\s*\}?")
_UU_BLOCK = re.compile(r"^begin [0-7]{3,4} \S+\n(?:.*\n){0,100000}?end\s*$", re.M)
_UU_LINES = re.compile(r"(?:^M[ -`]{60}\n?){3,}", re.M)
_BASE64 = re.compile(r"(?:data:[\w/+.-]+;base64,)?(?<![\w+/])(?:[A-Za-z0-9+/]{60,}={0,2}\s*)+")
_CODE_WORD = re.compile(r"\b(?:function|var|let|const|return|typeof|null|undefined|document"
                        r"|window|void|int|char|elif|def|printf|#include)\b|=>|===|!==|&&|\|\|")
_ASM = re.compile(
    r"^\s*(?:\w+:\s*|\w+\s+(?=(?i:db|dw|dd)\b))?"
    r"(?i:mov|lea|int|jmp|je|jne|jz|jnz|call|ret|push|pop|add|sub|xor|cmp|inc|dec|shl|shr|db"
    r"|dw|dd|org|nop|loop|mul|div|and|or|test)\b\s*"
    r"(?:\S+\s*,\s*\S+(?:\s+\w+)?|(?i:e?[abcd]x|[abcd][hl]|e?[sd]i|e?[bs]p|\d[0-9a-f]*h?"
    r"|0x[0-9a-f]+|'[^']*'))?\s*(?:;.*)?$")
_SENTENCE = re.compile(r"[.!?؟…][\"'”»)]*$")
SHORT_LINE = 40  # a short line that does not end a sentence does not break a listing
_JSON_MEMBER = re.compile(r'^\s*"[^"]{1,80}"\s*:\s*\S.*$')
_CODE_MARK = re.compile(r"[={}]|\w\.\w+\(")  # an assignment, a block, a method call
_SYMBOLS = re.compile(r"[{}\[\]();=<>&|+*/\\$#@^~]")
# Cheap tests first (a literal, or a pattern opening with one, is found at C speed; most
# texts hold none of these and skip the costlier patterns).
_CODE_HINTS = (";", "{", "}", "mov ", "MOV ", "int ", "INT ", "push ", "PUSH ")
_UU_HINT = re.compile(r"\nM[ -`]{60}\n")
_TIME_HINT = re.compile(r":\d\d")
MIN_CODE_RUN = 3  # code-like lines in a row make a listing
MIN_CODE_LINE = 200  # one line this long and dense with code (minified script) is one too

# Glue: a time followed by a word, a word by a time, a lower-case run by a capitalised word.
_AFTER_TIME = re.compile(r"(?<![\d:])(\d{1,2}:\d\d)(?![AaPp]\.?[Mm]\b|[Hh]\b|hrs?\b|GMT|UTC)"
                         r"(?=[A-Za-z])")
_BEFORE_TIME = re.compile(r"(?<=[a-z]{2})(?=\d{1,2}:\d\d(?!\d))")
_CAMEL_HINT = re.compile(r"[a-z]{3}[A-Z]")
_CAMEL = re.compile(r"\b[A-Za-z]*[a-z]{3}[A-Z][a-z][A-Za-z]*\b")
_CAMEL_CUT = re.compile(r"(?<=[a-z]{3})(?=[A-Z][a-z])")
# Words written in camel case on purpose (a lower-case run of 3+ before the capital).
CAMEL_WORDS = {w.casefold() for w in (
    "WhatsApp", "JavaScript", "PowerPoint", "LinkedIn", "PayPal", "TikTok", "FaceTime",
    "GitHub", "BlackBerry", "BlackRock", "SpaceX", "OpenAI", "DeepMind", "HuffPost",
    "BuzzFeed", "PlayStation", "SoundCloud", "WikiLeaks", "StarLink", "CrowdStrike",
    "SharePoint", "WordPress", "TypeScript", "AstraZeneca", "BioNTech", "ExxonMobil",
    "JetBlue", "MasterCard", "MySpace", "PetroChina", "ChatGPT", "CorelDraw", "NordVPN",
    "ProtonMail", "SkyNews", "StratCom", "CentCom", "EuroMaidan", "InfoWars",
)}


def _sub(pattern: re.Pattern, repl, text: str, kind: str, found: Counter | None) -> str:
    out, n = pattern.subn(repl, text)
    if n and found is not None:
        found[kind] += 1
    return out


def _code_line(line: str) -> int:
    """0: prose (or blank); 1: a code-like line; 2: a long line dense with code (minified
    script), a listing on its own."""
    s = line.strip()
    if not s:
        return 0
    if _ASM.match(s) or _JSON_MEMBER.match(s) or s in {"{", "}", "};", "});", ")", "]", "],"}:
        return 1
    symbols = len(_SYMBOLS.findall(s)) / len(s)
    word = bool(_CODE_WORD.search(s))
    if symbols >= 0.1 and word:
        return 2 if len(s) >= MIN_CODE_LINE else 1
    code_end = s[-1] in ";{}" or s[0] == "}"
    return int(code_end and symbols >= 0.06 and (word or bool(_CODE_MARK.search(s))))


def strip_code(text: str, found: Counter | None = None) -> str:
    """Code listings out: :data:`MIN_CODE_RUN` or more code-like lines close together (blank
    lines and short lines that end no sentence between them), or one long code-dense line
    (minified script)."""
    lines = text.split("\n")
    code = [_code_line(ln) for ln in lines]
    drop, run = set(), []
    for i, kind in enumerate([*code, 0]):
        line = lines[i].strip() if i < len(lines) else "."
        if kind:
            run.append(i)
            continue
        if len(line) <= SHORT_LINE and not _SENTENCE.search(line):
            continue  # neutral: a blank, a label, a short operand line
        if len(run) >= MIN_CODE_RUN or any(code[j] == 2 for j in run):
            drop.update(range(run[0], run[-1] + 1))
        run = []
    if not drop:
        return text
    if found is not None:
        found["code"] += 1
    return "\n".join(ln for i, ln in enumerate(lines) if i not in drop)


def _base64(m: re.Match) -> str:
    blob = m.group(0)
    mixed = (re.search(r"[a-z]", blob) and re.search(r"[A-Z]", blob)
             and re.search(r"\d", blob))
    return " " if mixed or blob.startswith("data:") else blob


def strip_markup(text: str, found: Counter | None = None) -> str:
    """``text`` without markup, code and encoded blobs (the module docstring); ``found``
    counts each kind removed (once per text)."""
    if "&" in text or "#" in text and ";" in text:
        before = text
        for _ in range(2):  # "&amp;lt;b&amp;gt;" is escaped twice
            if "&" in text:
                text = html.unescape(text)
        text = _BARE_ENTITY.sub(lambda m: html.unescape(f"&#{m.group(1)};"), text)
        if text != before and found is not None:
            found["entities"] += 1
    if "<" in text:
        text = _sub(_SCRIPT, " ", text, "script_style", found)
        tagged = _TAG.search(text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _sub(_TAG, " ", text, "html", found) if tagged else text
    if "://" in text or "www." in text:
        text = _sub(_URL, " ", text, "urls", found)
    if "begin " in text or _UU_HINT.search(text):
        text = _sub(_UU_BLOCK, " ", text, "uuencode", found)
        text = _sub(_UU_LINES, " ", text, "uuencode", found)
    if re.search(r"[A-Za-z0-9+/]{60}", text):
        before = text
        text = _BASE64.sub(_base64, text)
        if text != before and found is not None:
            found["base64"] += 1
    if "{" in text:
        text = _sub(_JSON, " ", text, "json", found)
        text = _sub(_CSS, " ", text, "css", found)
    if any(h in text for h in _CODE_HINTS):
        text = strip_code(text, found)
    return text


def split_times(text: str, found: Counter | None = None) -> str:
    """Words glued to a time split off it: ``18:05Sirens`` -> ``18:05 Sirens``,
    ``Beirut18:05`` -> ``Beirut 18:05`` (``10:30am``, ``12:00GMT`` stay)."""
    if not _TIME_HINT.search(text):
        return text
    out = _BEFORE_TIME.sub(" ", _AFTER_TIME.sub(r"\1 ", text))
    if out != text and found is not None:
        found["glued_times"] += 1
    return out


def _uncamel(m: re.Match) -> str:
    word = m.group(0)
    return word if word.casefold() in CAMEL_WORDS else _CAMEL_CUT.sub(" ", word)


def split_camel(text: str) -> str:
    """Words glued at a case boundary split, for analysis (it changes spelling, so never
    on display text): ``LebanonMore`` -> ``Lebanon More``. A capital after a lower-case
    run of three or more starts a word, except in :data:`CAMEL_WORDS`; ``McDonald``,
    ``iPhone``, ``YouTube`` have shorter runs and stay, a brand such as ``WorldCom`` not on
    the list is split (``world``, ``com``)."""
    return _CAMEL.sub(_uncamel, text) if _CAMEL_HINT.search(text) else text
