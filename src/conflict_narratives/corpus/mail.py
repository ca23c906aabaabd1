"""E-mail and Usenet posts: header block, quote attributions and signature off the body.

A post opens with RFC 822 header lines (``From:``, ``Subject:``, ``Organization:``,
``Lines:``...); its body may carry attributions ("In article <...> x@y writes:") and ends
with a signature after a ``--`` line. None of it is what the post says: left in, the
sender's address, organisation and signature become topic words. Only texts that open
with at least two header lines, one of them ``From``, ``Subject`` or ``Newsgroups``, are
touched, so news text is never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(
    r"^(from|subject|organi[sz]ation|lines|reply-to|date|newsgroups|path|message-id|sender"
    r"|nntp-posting-host|keywords|summary|distribution|article-i\.d\.|references|expires"
    r"|followup-to|in-reply-to|to|cc|xref|approved|originator|mime-version|content-type"
    r"|content-transfer-encoding|x-[\w-]+):[^\S\n]*(.*)$", re.I)
_KEY_HEADERS = {"from", "subject", "newsgroups"}
_ATTRIBUTION = re.compile(r"^(?:in article <[^>\n]*>.*|.{0,120}\b(?:writes|wrote|says):)\s*$",
                          re.I)
_SIGNATURE = re.compile(r"^--\s*$")
MAX_SIGNATURE_LINES = 15
_ADDRESS = re.compile(r"^\s*(?:\"?([^\"<]+?)\"?\s*<[^>]+>|([^\s(]+@[^\s(]+)\s*\(([^)]+)\))\s*$")


@dataclass(frozen=True)
class Post:
    """What :func:`split_post` found: the headers (lower-case names), the subject (without
    ``Re:``), the sender's name, and whether a signature was cut."""

    headers: dict
    subject: str | None
    sender: str | None
    signature: bool


def split_post(text: str) -> tuple[Post | None, str]:
    """``(post, body)`` for a text that opens with mail headers, else ``(None, text)``."""
    if not text or ":" not in text[:80]:
        return None, text
    lines = text.replace("\r\n", "\n").split("\n")
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        if m:
            headers[m.group(1).lower()] = m.group(2).strip()
        elif not (headers and lines[i][:1] in (" ", "\t") and lines[i].strip()):
            break  # a continuation line (indented) belongs to the header above it
        i += 1
    if len(headers) < 2 or not _KEY_HEADERS & headers.keys():
        return None, text
    body = [ln for ln in lines[i:] if not _ATTRIBUTION.match(ln)]
    cut = next((j for j in range(len(body) - 1, max(-1, len(body) - MAX_SIGNATURE_LINES - 1),
                                 -1) if _SIGNATURE.match(body[j])), None)
    if cut is not None:
        body = body[:cut]
    subject = re.sub(r"^(?:re|fwd?|aw)\s*:\s*", "", headers.get("subject", ""), flags=re.I)
    return Post(headers, subject.strip() or None, _sender(headers.get("from")),
                cut is not None), "\n".join(body).strip()


def _sender(value: str | None) -> str | None:
    """The name in ``Name <a@b>`` or ``a@b (Name)``, else the address."""
    if not value:
        return None
    m = _ADDRESS.match(value)
    if m:
        return (m.group(1) or m.group(3) or m.group(2)).strip()
    return value.strip() or None
