"""Corpora of shapes nobody here had seen (issue 16): the loader gets each right by content,
or says which flag to use. Fixtures: ``fixtures/corpus/unseen`` (``make_unseen.py``)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.corpus.columns import choose_columns, find_label_column
from conflict_narratives.corpus.loader import load_corpus

UNSEEN = Path(__file__).parent / "fixtures" / "corpus" / "unseen"


def warned(result, *parts):
    return any(all(p in w for p in parts) for w in result.report["warnings"])


def test_tweets_text_is_the_posts_not_the_account_bio():
    r = load_corpus(UNSEEN / "tweets.csv")
    choice = r.report["column_choice"]["text"]
    assert (choice["column"], choice["by"], choice["runner_up"]) == ("tweets", "content",
                                                                       "description")
    assert warned(r, "chose 'tweets' over 'description'")
    assert r.report["rejected"] == {"too_short": 2}  # "Array" and a bare name
    assert r.report["kept"] == 58 and "duplicate_text" not in r.report["rejected"]
    # four tweets open with "Urgent | <place>": not wire copy, so no outlet is made of it
    assert r.report["header_lines_parsed"] == 0 and r.report["header_lines_skipped"] == 4
    assert set(r.corpus["source"]) == {"abulayth_22", "ansar_media", "umm_sumayyah",
                                       "battar_en"}
    assert r.corpus["text"].str.startswith("Urgent |").sum() == 4


def test_event_records_dates_text_and_ids_by_content():
    r = load_corpus(UNSEEN / "acled.csv")
    cols = r.report["columns"]
    assert (cols["text"], cols["date"], cols["doc_id"]) == ("notes", "event_date", "data_id")
    assert r.report["column_choice"]["date"]["runner_up"] == "timestamp"  # the upload time
    assert warned(r, "chose 'event_date' over 'timestamp'", "distinct days")
    assert r.report["dated_share"] == 1.0  # 9-May-20 style, no flag needed
    raw = pd.read_csv(UNSEEN / "acled.csv")
    expected = pd.to_datetime(raw["event_date"], format="%d-%b-%y", utc=True)
    assert (r.corpus["date"].to_numpy() == expected.to_numpy()).all()
    # two events whose notes differ only in the village are two records
    assert r.report["kept"] == 40 and r.report["duplicates"] == {"exact": 0, "near": 0}
    # the coding note on every record is boilerplate, whatever the reporting source
    segments = {e["segment"] for e in r.report["boilerplate"]["examples"]}
    assert "size=no report" in segments  # compared without edge punctuation
    assert not r.corpus["text"].str.contains("size=no report", regex=False).any()
    assert r.report["label_column"] == "event_type"


def test_crawl_time_is_used_and_named_as_such():
    r = load_corpus(UNSEEN / "crawl.jsonl")
    assert r.report["columns"]["date"] == "date_extracted" and r.report["dated_share"] == 1.0
    assert warned(r, "'date_extracted'", "collected", "--date-col")


def test_unguessable_dates_name_the_flag_then_parse_with_it():
    r = load_corpus(UNSEEN / "odd_dates.csv")
    assert r.report["dated"] == 0 and "date" not in r.report["columns"]
    assert warned(r, "'pubblicato'", "--date-format")
    fixed = load_corpus(UNSEEN / "odd_dates.csv", date_format="%d/%m/%Y alle %H:%M")
    assert fixed.report["columns"]["date"] == "pubblicato" and fixed.report["dated_share"] == 1
    assert fixed.corpus["date"].iloc[2] == pd.Timestamp("2020-05-03 10:30", tz="UTC")
    setting = load_corpus(UNSEEN / "odd_dates.csv",
                          settings={"corpus": {"date_format": "%d/%m/%Y alle %H:%M"}})
    assert setting.report["date_format"] == "%d/%m/%Y alle %H:%M"
    assert setting.report["dated_share"] == 1


def test_site_footers_are_boilerplate_and_languages_detected():
    r = load_corpus(UNSEEN / "news_esfrit.csv")
    assert r.report["languages"] == {"es": 20, "fr": 20, "it": 20}
    bp = r.report["boilerplate"]
    assert bp["documents"] == 60 and bp["segments"] == 4
    assert {e["source"] for e in bp["examples"]} == {"elpais", "lemonde-blog", "repubblica"}
    text = " ".join(r.corpus["text"])
    for footer in ("Leggi tutto", "Gedi News", "Ce billet", "Suscríbete"):
        assert footer not in text
        assert footer in " ".join(r.corpus["raw_text"])
    # three articles open with a site section "Internacional | El País": not an outlet
    assert r.report["header_lines_skipped"] == 3
    assert set(r.corpus["source"]) == {"elpais", "lemonde-blog", "repubblica"}
    assert r.report["label_column"] == "topic"


def test_unbalanced_quote_is_reported():
    r = load_corpus(UNSEEN / "unbalanced_quote.csv")
    assert warned(r, "unbalanced quote", "row 2")
    assert r.report["physical_lines"] == 11 and r.report["rows_in"] == 3
    rej = r.rejects.set_index("row")
    assert "unbalanced quote" in rej.loc[2, "detail"]


def test_usenet_headers_and_signatures_are_not_text():
    r = load_corpus(UNSEEN / "usenet.jsonl")
    assert r.report["mail_headers_removed"] == 6 and r.report["signatures_removed"] == 6
    df = r.corpus
    assert df["title"].iloc[0] == "Ceasefire in Raqqa?" and df["author"].iloc[0] == "John Doe"
    assert df["source"].isna().all()  # no "From:" outlet
    for gone in ("From:", "Organization", "writes:", "Department of Computer Science", "@"):
        assert not df["text"].str.contains(gone, regex=False).any(), gone


def test_long_text_is_reported_and_loaded_whole():
    rng = np.random.default_rng(0)
    words = np.array("the army said fighting near the city killed many people on monday "
                     "while aid groups warned of shortages".split())
    texts = [" ".join(rng.choice(words, 60)) + f" report {i}." for i in range(30)]
    giant = " ".join(rng.choice(words, 2_000_000 // 6))
    assert len(giant) > 1_900_000
    r = load_corpus(pd.DataFrame({"text": [*texts, giant]}), name="long")
    length = r.report["length"]
    assert length["outliers"] == 1 and length["longest"][0]["doc_id"] == "long-30"
    assert length["max_chars"] == len(giant)  # kept whole: the windows are the embedder's
    assert warned(r, "length outliers", "'long-30'")


def test_dataframe_input_and_one_line_errors():
    df = pd.DataFrame({"body": ["Fighting near Idlib continued for a third day, officials "
                                "said on Monday.", "Aid convoys reached Douma after weeks "
                                "of shelling, the United Nations said."],
                       "outlet": ["afp", "reuters"]})
    r = load_corpus(df)
    assert r.name == "dataframe" and r.report["source"] == "DataFrame"
    assert r.report["kept"] == 2 and r.corpus["source"].tolist() == ["afp", "reuters"]
    assert r.report["fingerprint"]["rows"] == 2
    with pytest.raises(ValueError) as err:
        load_corpus(pd.DataFrame({"n": [1, 2], "m": [3, 4]}))
    assert "no text column" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ValueError) as err:
        load_corpus(df, mapping={"text": "nope"})
    assert "\n" not in str(err.value)


def test_presentation_forms_become_letters():
    shaped = "ﺍﻟﻘﻮﺍﺕ ﺍﻟﻌﺮﺍﻗﻴﺔ ﺗﺴﻴﻄﺮ ﻋﻠﻰ ﻣﺪﻳﻨﺔ ﺍﻟﻤﻮﺻﻞ ﺑﻌﺪ ﻣﻌﺎﺭﻙ ﻋﻨﻴﻔﺔ ﻣﻊ ﺗﻨﻈﻴﻢ ﺩﺍﻋﺶ"
    r = load_corpus(pd.DataFrame({"text": [shaped]}))
    assert r.corpus["lang"].iloc[0] == "ar"
    assert r.corpus["text"].iloc[0].startswith("القوات العراقية")


def test_label_columns_by_name_and_content():
    n = 40
    df = pd.DataFrame({"text": ["x"] * n, "topic": ["war", "aid"] * (n // 2)})
    assert find_label_column(df) == "topic"
    df = pd.DataFrame({"text": ["x"] * n, "desk": ["world", "sport", "arts", "tech"] * 10,
                       "country": ["Syria", "Iraq"] * (n // 2)})
    assert find_label_column(df) == "desk"  # a name hinting at classes, not any category
    assert find_label_column(df[["text", "country"]]) is None
    assert find_label_column(pd.DataFrame({"labels": [0, 1] * 20})) is None  # numbers


def test_explicit_mapping_wins_but_is_checked():
    frame = pd.read_csv(UNSEEN / "tweets.csv")
    choice = choose_columns(frame, {"text": "description"})
    assert choice.columns["text"] == "description" and choice.report["text"]["by"] == "mapping"
    assert any("'description' looks worse than 'tweets'" in w for w in choice.warnings)
