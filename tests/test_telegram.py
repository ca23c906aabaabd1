"""Telegram Desktop exports (JSON and HTML) read as one document per message."""

import json
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.corpus import load_corpus
from conflict_narratives.corpus.readers import read_json_text, read_source
from conflict_narratives.corpus.telegram import SERVICE, html_pages

FIX = Path(__file__).parent / "fixtures" / "corpus"
HTML, JSON = FIX / "telegram_html", FIX / "telegram_result.json"
FIELDS = ["doc_id", "date", "source", "author", "forwarded_from", "reply_to", "media"]


@pytest.mark.parametrize("path", [HTML, JSON], ids=["html", "json"])
def test_every_message_a_row_and_every_row_accounted(path):
    loaded = load_corpus(path)
    corpus, rejects = loaded.corpus, loaded.rejects
    assert loaded.report["rows_in"] == 7 == len(corpus) + len(rejects)  # day separators: no rows
    assert corpus["doc_id"].tolist() == ["2", "3", "5", "6"]
    assert sorted(rejects["reason"]) == ["empty_text", SERVICE, SERVICE]
    assert rejects.set_index("row").loc[3, "reason"] == "empty_text"  # a video, no caption
    first = corpus["text"].iloc[0]
    assert first.startswith("Sirens sounded across the south of the country.\nResidents")
    assert not any(c in first for c in "<>{}[]")  # entities joined as text, no markup
    assert set(corpus["source"]) == {"Front Line Updates"}  # the channel: one outlet


def test_html_and_json_exports_of_one_channel_agree():
    html, js = (load_corpus(p).corpus for p in (HTML, JSON))
    pd.testing.assert_frame_equal(html[FIELDS + ["text"]], js[FIELDS + ["text"]])
    row = html.set_index("doc_id")
    # 23:33:40 UTC+03:00 is 20:33 UTC: the local day, 8 April, is kept
    assert str(row.loc["3", "date"].date()) == "2024-04-08"
    assert row.loc["3", "author"] == "Jane Doe"  # the post's signature
    assert row.loc["3", "media"] == "photo"
    assert row.loc["5", "forwarded_from"] == "Other Channel"  # without the original's date
    assert row.loc["5", "author"] == "Front Line Updates"  # the forwarder, not the original
    assert row.loc["6", "reply_to"] == 5
    assert row.loc["6", "author"] == "Front Line Updates"  # a joined post on the next page


def test_an_export_folder_is_read_as_its_export(tmp_path):
    folder = tmp_path / "ChatExport_2024-04-10"
    (folder / "photos").mkdir(parents=True)
    (folder / "result.json").write_bytes(JSON.read_bytes())
    raw = read_source(folder)
    assert raw.info["format"] == "telegram-json" and raw.rows_in == 7
    assert read_source(HTML).info["format"] == "telegram-html"


def test_html_pages_in_their_order(tmp_path):
    for n in ("", "2", "10", "3"):
        (tmp_path / f"messages{n}.html").write_text("")
    (tmp_path / "other.html").write_text("")
    assert [p.name for p in html_pages(tmp_path)] == [
        "messages.html", "messages2.html", "messages3.html", "messages10.html"]
    assert read_source(HTML / "messages2.html").info["pages"] == 1  # one page given: that page


def test_whole_account_export_and_plain_json(tmp_path):
    chat = json.loads(JSON.read_text(encoding="utf-8"))
    other = {**chat, "name": "Second Channel", "id": 99}
    raw = read_json_text(json.dumps({"about": "...", "chats": {"list": [chat, other]}}))
    assert raw.rows_in == 14
    assert set(raw.frame["source"]) == {"Front Line Updates", "Second Channel"}
    assert raw.frame["id"].is_unique  # message ids repeat across chats: the chat's id in front
    # a JSON corpus that merely holds "messages" is read as records, as before
    plain = read_json_text('{"messages": [{"text": "a"}, {"text": "b"}]}')
    assert plain.info["format"] == "json" and len(plain.frame) == 2


def test_an_html_page_that_is_no_export_is_refused(tmp_path):
    (tmp_path / "page.html").write_text("<html><body><p>hello</p></body></html>")
    with pytest.raises(ValueError, match="unsupported file type"):
        read_source(tmp_path / "page.html")
