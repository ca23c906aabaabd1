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

import re
from pathlib import Path

import pandas as pd

SERVICE = "telegram_service"
JSON_EXPORT = "result.json"  # what Telegram Desktop names a JSON export, in its folder
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
        header = soup.find("div", class_="page_header")
        title = header.find("div", class_="text") if header else None
        chat = chat or (" ".join(_text(title).split()) or None)
        history = soup.find("div", class_="history")
        for message in history.find_all("div", class_="message", recursive=False) \
                if history else []:
            classes = message.get("class", [])
            msg_id = str(message.get("id", "")).removeprefix("message")
            if "service" in classes:
                if not msg_id.startswith("-"):  # a day separator has a negative id
                    rejects.append({"row": len(records) + len(rejects), "reason": SERVICE,
                                    "detail": " ".join(_text(message).split())})
                continue
            row = _message(message)
            # a joined post (the same sender as the one above) names no sender of its own
            sender = row.pop("sender") or (sender if "joined" in classes else None)
            index.append(len(records) + len(rejects))
            records.append({"id": int(msg_id) if msg_id.isdigit() else msg_id,
                            "date": row.pop("date"), "source": chat,
                            "author": row.pop("signature") or sender, **row})
    info = {"format": "telegram-html", "pages": len(pages), "chats": [chat]}
    return _frame(records, index), rejects, info


def _message(message) -> dict:
    """A message's parts, read from its body's own blocks (a forwarded post's sender and
    text from its block; the forwarded post's date and userpic left out)."""
    row = {"date": None, "sender": None, "signature": None, "forwarded_from": None,
           "reply_to": None, "media": None}
    texts = []
    body = message.find("div", class_="body", recursive=False)
    for part in body.find_all("div", recursive=False) if body else []:
        kind = part.get("class", [])
        if "date" in kind:
            row["date"] = part.get("title")
        elif "from_name" in kind:
            row["sender"] = " ".join(_text(part).split()) or None
        elif "signature" in kind:
            row["signature"] = " ".join(_text(part).split()) or None
        elif "forwarded" in kind:
            name = part.find("div", class_="from_name", recursive=False)
            own = name.find_all(string=True, recursive=False) if name else []
            row["forwarded_from"] = " ".join("".join(own).split()) or None
            texts += [_text(t) for t in part.find_all("div", class_="text", recursive=False)]
        elif "reply_to" in kind:
            link = part.find("a", href=True)
            match = re.search(r"message(\d+)$", link["href"]) if link else None
            row["reply_to"] = int(match.group(1)) if match else None
        elif "media_wrap" in kind:
            row["media"] = _media(part)
        elif "text" in kind:
            texts.append(_text(part))
    return row | {"text": "\n".join(t for t in texts if t)}


def _text(element) -> str:
    """An element's text with its line breaks (``<br>``) kept, each line stripped."""
    from bs4 import Tag

    if element is None:
        return ""
    raw = "".join("\n" if isinstance(n, Tag) else str(n) for n in element.descendants
                  if not isinstance(n, Tag) or n.name == "br")
    return "\n".join(line.strip() for line in raw.strip().splitlines())


def _media(wrap) -> str | None:
    """The kind of media a message carries (photo, video_file, poll...), from its markup:
    a ``media_<kind>`` class, else an ``<kind>_wrap`` link."""
    inner = wrap.find(class_=True)
    classes = inner.get("class", []) if inner is not None else []
    kinds = [c.removeprefix("media_") for c in classes if c.startswith("media_")]
    named = [c.removesuffix("_wrap") for c in classes if c.endswith("_wrap")]
    return (kinds or named or ["media"])[0] if inner is not None else None


def _frame(records: list[dict], index: list[int]) -> pd.DataFrame:
    return pd.DataFrame(records, index=pd.Index(index, dtype="int64"), dtype=object)
