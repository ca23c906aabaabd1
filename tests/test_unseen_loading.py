"""Unseen corpora, round two (issues 27 and 26): headerless files, quotes checked both ways,
markup and code out of the analysed text, glued words, corpus names, undated corpora and
local days. Fixtures: ``fixtures/corpus/unseen`` (``make_unseen.py``)."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.common.markup import split_camel, split_times, strip_markup
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.corpus.loader import load_corpus
from conflict_narratives.corpus.partitioned import load_partitioned
from conflict_narratives.corpus.registry import default_name

UNSEEN = Path(__file__).parent / "fixtures" / "corpus" / "unseen"


def warned(result, *parts):
    return any(all(p in w for p in parts) for w in result.report["warnings"])


def test_headerless_news_keeps_every_row_and_finds_title_text_and_classes():
    r = load_corpus(UNSEEN / "headerless_news.csv")
    raw = pd.read_csv(UNSEEN / "headerless_news.csv", header=None, dtype=str)
    assert r.report["rows_in"] == len(raw) == r.report["kept"]  # the first row is a record
    assert r.report["columns"] == {"text": "column_3", "title": "column_2"}
    assert r.report["column_choice"]["title"]["by"] == "content"
    assert r.corpus["title"].tolist() == raw[1].tolist()
    assert r.report["label_column"] == "column_1"
    assert sorted(r.corpus["column_1"].unique()) == [1, 2, 3, 4]
    assert warned(r, "no header row?", "column_1: number", "--header")
    # escaped HTML in the descriptions is markup, not words
    assert r.report["markup_removed"]["html"] == 8
    assert not r.corpus["text"].str.contains("href|quickinfo|&lt;|#39;", case=False).any()
    assert r.corpus["raw_text"].str.contains("quickinfo").sum() == 8  # the original stays


def test_header_setting_forces_either_reading(tmp_path):
    named = load_corpus(UNSEEN / "headerless_news.csv",
                        settings={"corpus": {"header_row": True}})
    assert named.report["rows_in"] == 47  # the first record read as names, as asked
    assert not warned(named, "no header row")
    src = tmp_path / "reports.csv"
    src.write_text("id,text\n1,Shelling hit the old city of Aleppo overnight, residents said\n"
                   "2,Aid trucks reached Douma after a week of waiting at the checkpoint\n")
    forced = load_corpus(src, settings={"corpus": {"header_row": False}})
    assert forced.report["rows_in"] == 3 and forced.report["columns"]["text"] == "column_2"
    assert warned(forced, "read without a header row")
    assert load_corpus(src).report["rows_in"] == 2  # detected: "id,text" are names


def test_a_question_as_header_is_still_a_header():
    from conflict_narratives.corpus.header_row import looks_headerless

    question = "What did the article say about the war in your region?"
    survey = pd.DataFrame({"respondent": ["r1", "r2", "r3"], question: [
        "It said the army shelled the town at night", "The paper blamed the rebels for it",
        "Nothing about the war, only the sport news"]})
    assert looks_headerless(survey) == {}  # a sentence atop sentences, nothing typed
    one = pd.DataFrame({"Fighting near Aleppo went on for a third day, officials said": [
        "Aid trucks reached Douma after a week", "The UN called for a ceasefire in Idlib"]})
    assert looks_headerless(one) == {"column_1": "text"}  # every column looks like data


def test_cli_header_flags(tmp_path, monkeypatch, capsys):
    from conflict_narratives.cli import main
    from conflict_narratives.store import ENV_HOME

    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    src = tmp_path / "ag" / "test.csv"
    src.parent.mkdir()
    shutil.copy(UNSEEN / "headerless_news.csv", src)
    for flag, rows in (("--no-header", 48), ("--header", 47)):
        main(["load", str(src), flag])
        report = json.loads(capsys.readouterr().out)
        assert report["rows_in"] == rows and report["name"] == "ag-test"


def test_first_column_swallow_is_reported_with_its_line():
    r = load_corpus(UNSEEN / "open_quote_first_column.csv")
    assert r.report["rows_in"] == 1 and r.report["kept"] == 0
    assert warned(r, "unbalanced quote?", "field 'text'", "opens on line 2", "3 lines")
    assert "unbalanced quote on line 2" in r.rejects["detail"].iloc[0]


def test_long_genuine_field_is_no_false_alarm():
    r = load_corpus(UNSEEN / "long_field.csv")
    assert not warned(r, "unbalanced quote")
    assert r.report["kept"] == 9 and r.corpus["text"].str.len().max() > 20_000
    # and the real swallow in the same shape is still caught
    assert warned(load_corpus(UNSEEN / "unbalanced_quote.csv"), "unbalanced quote", "row 2")


def test_markup_code_and_blobs_leave_the_text_not_the_original():
    r = load_corpus(UNSEEN / "markup_pages.jsonl")
    counts = r.report["markup_removed"]
    for kind in ("html", "script_style", "json", "css", "urls", "uuencode", "base64", "code"):
        assert counts[kind] >= 1, kind
    text = " ".join(r.corpus["text"])
    for junk in ("<", "initadv", "googletag", "display", "@context", "position: fixed",
                 "https://", "begin 644", "mov ax", "4C00h", "getElementById", "return null"):
        assert junk not in text, junk
    assert (r.corpus["text"].str.contains("Residents of").sum() == 9)  # the prose stays
    assert "initadv" in " ".join(r.corpus["raw_text"])
    arabic = r.corpus.set_index("kind").loc["arabic", "text"]
    assert arabic.startswith("قالت مصادر محلية") and '"الاشتباكات"' in arabic


@pytest.mark.parametrize("prose", [
    'He said; "we will win" (in Gaza) {sic}.\nAnd then:\nOr not.',
    "Call me\nTest results\nAdd more\nThe end.",
    "قالت مصادر إن 3 + 4 = 7 (تقريباً)؛ وأضافت: {لا تعليق}.",
    "A 2,000-year-old city; the ministry said (in a statement) that [it] would rebuild.",
    "Casualties by town:\nAleppo (3 dead, 2 hurt);\nHoms (1 dead);\nIdlib (5 dead);\nMore soon.",
])
def test_prose_with_brackets_and_short_lines_is_kept(prose):
    assert strip_markup(prose) == prose


def test_glued_words_are_split_and_legitimate_ones_kept():
    r = load_corpus(UNSEEN / "telegram_local.csv")
    assert r.report["markup_removed"]["glued_times"] == 30
    assert not r.corpus["text"].str.contains(r"\d\d:\d\dSirens").any()
    assert r.corpus["text"].str.contains(r"^\d\d:\d\d Sirens").all()
    # a case boundary is split for analysis only: display spelling is never changed
    assert r.corpus["text"].str.contains("LebanonMore details").all()
    assert all("lebanon more details" in normalize_for_analysis(t) for t in r.corpus["text"])
    kept = "iPhone McDonald YouTube WhatsApp MacArthur F16 COVID19 1st 10km 10:30am 12:00GMT"
    assert split_camel(split_times(kept)) == kept
    assert split_times("الساعة 18:05قصف") == "الساعة 18:05قصف"  # Arabic untouched
    assert normalize_for_analysis("القوات العراقية") == "القوات العراقيه"
    assert split_times("Beirut18:05Sirens") == "Beirut 18:05 Sirens"
    assert split_camel("GazaBreaking: WorldCom") == "Gaza Breaking: World Com"  # documented


def test_offset_times_keep_their_local_day_in_process_and_in_partitions(tmp_path):
    r = load_corpus(UNSEEN / "telegram_local.csv")
    raw = pd.read_csv(UNSEEN / "telegram_local.csv")
    local = pd.to_datetime(raw["date"].str.replace(" UTC+03:00", ""), format="%d.%m.%Y %H:%M:%S")
    assert (r.corpus["date"].dt.tz_localize(None).to_numpy() == local.to_numpy()).all()
    assert (r.report["dates_kept_local"], r.report["dates_in_utc"]) == (30, 0)
    report = load_partitioned(UNSEEN / "telegram_local.csv", tmp_path,
                              settings={"compute": {"partition_rows": 7}})
    parts = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "parts").glob("*.parquet")))
    assert parts["date"].tolist() == r.corpus["date"].tolist()
    assert report["dates_kept_local"] == 30


def test_headerless_and_markup_fixtures_load_the_same_in_partitions(tmp_path):
    for i, name in enumerate(("headerless_news.csv", "markup_pages.jsonl", "undated.csv")):
        whole = load_corpus(UNSEEN / name)
        report = load_partitioned(UNSEEN / name, tmp_path / str(i),
                                  settings={"compute": {"partition_rows": 5}})
        parts = pd.concat(pd.read_parquet(p) for p in
                          sorted((tmp_path / str(i) / "parts").glob("*.parquet")))
        assert parts["text"].tolist() == whole.corpus["text"].tolist()
        for key in ("rows_in", "kept", "columns", "label_column", "markup_removed", "warnings"):
            assert report[key] == whole.report[key], (name, key)


def test_undated_corpus_warns_naming_the_closest_columns():
    r = load_corpus(UNSEEN / "undated.csv")
    assert r.report["dated"] == 0
    assert warned(r, "no document is dated", "'edition'", "--date-col")
    assert not warned(load_corpus(UNSEEN / "telegram_local.csv"), "no document is dated")


@pytest.mark.parametrize(("path", "name"), [
    ("corpora/ant_v1.1_jawharafm.csv", "ant_v1.1_jawharafm"),
    ("corpora/ant_v1.1_jawharafm.csv.gz", "ant_v1.1_jawharafm"),
    ("x/ag_news/test.csv", "ag_news-test"),
    ("x/gaza-channel/tweets.jsonl", "gaza-channel-tweets"),
    ("x/my reports.v2.xlsx", "my-reports.v2"),
    ("fa-kes", "fa-kes"),
])
def test_corpus_names_from_the_whole_stem(path, name):
    assert default_name(path) == name
