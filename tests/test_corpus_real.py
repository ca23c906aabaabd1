"""The corpus stage on the real shared corpora (../shared/corpora): counts, dates, cleaning."""

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives.cli import app
from conflict_narratives.corpus.loader import load_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

CORPORA = SHARED
pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora not present")
T17 = ["EgyptianProtest_cnn", "LibyaWar_cnn", "SyrianCrisis_bbc"]


def reconciles(rep):
    return (
        rep["rows_in"]
        == rep["kept"] + rep["rejected_total"]
        == rep["kept"] + sum(rep["rejected"].values())
    )


@pytest.fixture(scope="module")
def ant():
    return load_corpus("ant-multisource")


def test_ant_multisource_counts(ant):
    rep, df = ant.report, ant.corpus
    assert rep["rows_in"] == 31_525 and reconciles(rep)
    assert rep["dated"] / rep["kept"] >= 0.99
    assert set(df["source"]) == {"skynews", "alarabia", "france24", "BBC", "CNN"}
    assert {"category", "abstract"} <= set(df.columns)
    assert (df["lang"] == "ar").mean() > 0.99
    assert df["doc_id"].is_unique


def test_ant_multisource_outliers_flagged(ant):
    df = ant.corpus
    early = df["date"] < pd.Timestamp("2018-01-01", tz="UTC")
    assert early.sum() > 0
    # exactly the 2012-2017 documents are flagged; the 2018 bulk is left alone
    assert ((df["date_status"] == "out_of_range") == early).all()
    assert ant.report["out_of_range_dates"] == early.sum()
    assert ant.report["bulk_date_min"] >= "2018-01-01"


def test_ant_multisource_duplicates(ant):
    rej, df = ant.rejects, ant.corpus
    dups = rej[rej["reason"].isin(["duplicate_text", "near_duplicate"])]
    assert len(dups) > 1000  # the crawl files many articles under two categories
    assert dups["duplicate_of"].isin(df["doc_id"]).all()  # each points at a kept document
    assert not dups["doc_id"].isin(df["doc_id"]).any()


def test_ant_multisource_boilerplate_and_columns(ant):
    rep, df = ant.report, ant.corpus
    # the outlets' own footers: BBC Arabic's app notice (two wordings), Al Arabiya's
    # opinion disclaimer; nothing else repeats in 5% of an outlet's articles
    bp = rep["boilerplate"]
    assert bp["segments"] == 3 and bp["documents"] > 1000
    assert {e["source"] for e in bp["examples"]} == {"BBC", "alarabia"}
    notice = "تطبيق بي بي سي عربي على هاتفكم"
    assert df["raw_text"].str.contains(notice, regex=False).sum() > 800
    # left: 3 copies the crawl glued to other text ("...المحمول.لي.")
    assert df["text"].str.contains(notice, regex=False).sum() < 10
    assert rep["column_choice"]["text"] == {**rep["column_choice"]["text"], "column": "text",
                                            "runner_up": "abstract"}
    assert rep["header_hit_rate"] == 0 and rep["label_column"] == "category"
    assert rep["warnings"] == []


def test_fa_kes():
    r = load_corpus("fa-kes")
    rep, df = r.report, r.corpus
    assert rep["rows_in"] == 804 and reconciles(rep)
    assert rep["dated"] / rep["kept"] >= 0.99
    assert rep["dayfirst"] is False
    assert rep["out_of_range_dates"] == 0  # a genuine 2011-2018 spread is not an outlier
    assert df["date"].min().year == 2011 and df["date"].max().year == 2018
    assert df["source"].nunique() == 15 and "labels" in df.columns
    assert rep["rejected"].get("duplicate_id", 0) > 0  # the file repeats some unit_ids
    assert (df["lang"] == "en").all()
    # quotes lost before the file was written ("Syria \ufffd_chemical attack\ufffd_"): said
    damaged = (df["text"] + df["title"].fillna("")).str.contains("\ufffd", regex=False)
    assert rep["damaged_texts"] == damaged.sum() > 0
    assert any(w.startswith(f"{damaged.sum()} documents hold U+FFFD") for w in rep["warnings"])


def test_bbc_news():
    r = load_corpus("bbc-news")
    rep, df = r.report, r.corpus
    assert rep["rows_in"] == 2_225 and reconciles(rep)
    assert rep["undated"] == rep["kept"]  # no per-document dates
    assert set(df["source"]) == {"BBC News"}
    assert df["label"].nunique() == 5 and (df["lang"] == "en").all()


@pytest.mark.parametrize("topic", T17)
def test_t17_topics(topic):
    path = CORPORA / "t17-conflict" / topic / "articles.jsonl"
    n_lines = sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
    r = load_corpus(f"t17:{topic}")
    rep, df = r.report, r.corpus
    assert rep["rows_in"] == n_lines and reconciles(rep)
    assert rep["dated"] == rep["kept"] and rep["ptb_detokenised"]
    joined = "\n".join(df["text"])
    for artefact in ("-LRB-", "-RRB-", "``", " n't ", " 's ", " , ", " . "):
        assert artefact not in joined
    assert "-LRB-" in "\n".join(df["raw_text"])
    assert (df["lang"] == "en").all()
    assert r.name == f"t17-{topic}"


def test_cli_named_corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("CONFLICT_NARRATIVES_HOME", str(tmp_path))
    monkeypatch.setenv("CONFLICT_NARRATIVES_DATA", str(CORPORA))
    out = CliRunner().invoke(app, ["load", "t17:LibyaWar_cnn"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["rows_in"] == 398
    assert (tmp_path / "data" / "processed" / "t17-LibyaWar_cnn" / "corpus" / "meta.json").is_file()
