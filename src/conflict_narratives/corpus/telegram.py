"""Telegram Desktop exports: a channel or chat read as one document per message.

Telegram Desktop exports a chat as machine-readable JSON (``result.json``) or as HTML
pages (``messages.html``, ``messages2.html``, ...). Read as generic JSON, a message's
formatted text (a list of plain strings and entities: links, bold, hashtags) would reach
the corpus as JSON source; the HTML pages are no table at all. Here each message becomes a
row: ``id``, ``date`` (as exported: JSON the exporting machine's wall-clock time, HTML the
same with its UTC offset, e.g. ``08.04.2024 23:33:40 UTC+03:00``, whose local day the
loader keeps), ``source`` (the chat's name: a channel is one outlet), ``author`` (the
sender or the post's signature), ``forwarded_from``, ``reply_to``, ``media`` and ``text``
(entities joined as plain text, line breaks kept; a caption is a media message's text).

Service messages (a pinned post, a changed title, a call) are rejected with their action as
the reason's detail; a media message without a caption has no text, and the loader rejects
it as such. The HTML export's day separators are page furniture, not messages: not rows.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd

SERVICE = "telegram_service"
_PAGE = re.compile(r"^messages(\d*)\.html?$", re.I)


def is_json_export(obj: object) -> bool:
    """Whether a parsed JSON document is a Telegram Desktop export: one chat (``name``,
    ``type``, ``messages``) or the whole account (``chats.list`` of them)."""
    if not isinstance(obj, dict):
        return False
    chats = obj.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return True
    messages = obj.get("messages")
    return ("type" in obj and isinstance(messages, list)
            and all(isinstance(m, dict) and "id" in m and "type" in m for m in messages[:50]))


def from_json(obj: dict) -> tuple[pd.DataFrame, list[dict], dict]:
    """``(rows, rejects, info)`` of a JSON export (:func:`is_json_export`)."""
    chats = obj["chats"]["list"] if "chats" in obj else [obj]
    several = len(chats) > 1
    records, index, rejects = [], [], []
    for chat in chats:
        name = chat.get("name") or str(chat.get("id", ""))
        for message in chat.get("messages", []):
            row = len(records) + len(rejects)
            msg_id = f"{chat.get('id')}/{message.get('id')}" if several else message.get("id")
            if message.get("type") != "message":
                rejects.append({"row": row, "reason": SERVICE,
                                "detail": str(message.get("action") or message.get("type"))})
                continue
            records.append({
                "id": msg_id, "date": message.get("date"), "source": name,
                "author": message.get("author") or message.get("from"),
                "forwarded_from": message.get("forwarded_from"),
                "reply_to": message.get("reply_to_message_id"),
                "media": message.get("media_type") or ("photo" if "photo" in message else None),
                "text": plain_text(message.get("text"))})
            index.append(row)
    info = {"format": "telegram-json", "chats": [c.get("name") for c in chats]}
    return _frame(records, index), rejects, info


def plain_text(text: object) -> str:
    """A message's text: a string, or a list of strings and entities (``{"type", "text"}``)
    joined as they read."""
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", ""))
                       for p in text if isinstance(p, str | dict))
    return ""


def html_pages(path: Path) -> list[Path]:
    """The pages of an HTML export in their order (``messages.html``, ``messages2.html``,
    ..., ``messages10.html``): those in a folder, or the one file given."""
    if path.is_file():
        return [path]
    pages = [p for p in path.iterdir() if p.is_file() and _PAGE.match(p.name)]
    return sorted(pages, key=lambda p: int(_PAGE.match(p.name).group(1) or 1))


def is_html_export(path: Path) -> bool:
    """Whether ``path`` is an HTML export: a folder holding ``messages.html``, or such a
    page (its head holds Telegram's message markup)."""
    pages = html_pages(path) if path.exists() else []
    if not pages or not _PAGE.match(pages[0].name):
        return False
    with open(pages[0], encoding="utf-8", errors="replace") as handle:
        head = handle.read(65536)
    return 'class="page_header"' in head and 'class="history"' in head


def read_html(path: Path) -> tuple[pd.DataFrame, list[dict], dict]:
    """``(rows, rejects, info)`` of an HTML export's pages (:func:`html_pages`)."""
    from bs4 import BeautifulSoup

    records, index, rejects, chat, sender = [], [], [], None, None
    pages = html_pages(path)
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8", errors="replace"), "html.parser")
        header = soup.select_one("div.page_header div.text")
        chat = chat or (header.get_text(" ", strip=True) if header else None)
        for message in soup.select("div.history > div.message"):
            classes = message.get("class", [])
            msg_id = str(message.get("id", "")).removeprefix("message")
            if "service" in classes:
                if not msg_id.startswith("-"):  # a day separator has a negative id
                    rejects.append({"row": len(records) + len(rejects), "reason": SERVICE,
                                    "detail": _text(message.select_one("div.body"))})
                continue
            sender = _own(message, "div.from_name") or (sender if "joined" in classes
                                                         else None)
            date = _own(message, "div.date")
            forwarded = message.select_one("div.forwarded div.from_name")
            reply = message.select_one("div.reply_to a[href]")
            index.append(len(records) + len(rejects))
            records.append({
                "id": int(msg_id) if msg_id.isdigit() else msg_id,
                "date": date.get("title") if date is not None else None, "source": chat,
                "author": _text(_own(message, "div.signature")) or _text(sender),
                "forwarded_from": _text(forwarded, drop="span.date") or None,
                "reply_to": _reply_id(reply), "media": _media(message),
                "text": "\n".join(t for t in (_text(x) for x in message.select("div.text"))
                                  if t)})
    info = {"format": "telegram-html", "pages": len(pages), "chats": [chat]}
    return _frame(records, index), rejects, info


def _own(message, selector: str):
    """The first ``selector`` of the message itself, not of a post it forwards or replies to."""
    return next((e for e in message.select(selector)
                 if e.find_parent("div", class_="forwarded") is None), None)


def _text(element, drop: str | None = None) -> str:
    """An element's text with line breaks kept (``drop``: parts left out, e.g. a date)."""
    if element is None:
        return ""
    element = copy.copy(element)  # a deep copy: the page is left as it is
    for part in element.select(drop) if drop else []:
        part.decompose()
    for br in element.find_all("br"):
        br.replace_with("\n")
    return "\n".join(line.strip() for line in element.get_text().strip().splitlines())


def _reply_id(link) -> int | None:
    match = re.search(r"message(\d+)$", link.get("href", "")) if link is not None else None
    return int(match.group(1)) if match else None


def _media(message) -> str | None:
    """The kind of media a message carries (photo, video, file...), from its markup."""
    wrap = message.select_one("div.media_wrap [class]")
    if wrap is None:
        return None
    kinds = [c.removeprefix("media_") for c in wrap.get("class", []) if c.startswith("media_")]
    named = re.match(r"(\w+?)_wrap$", next((c for c in wrap.get("class", [])
                                            if c.endswith("_wrap")), ""))
    return (kinds[0] if kinds else named.group(1) if named else "media")


def _frame(records: list[dict], index: list[int]) -> pd.DataFrame:
    return pd.DataFrame(records, index=pd.Index(index, dtype="int64"), dtype=object)
