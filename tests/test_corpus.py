"""The corpus stage end to end on small fixtures: schema, accounting, seed, CLI, caching."""

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conflict_narratives.cli import app
from conflict_narratives.corpus.accounting import REJECT_COLUMNS
from conflict_narratives.corpus.loader import SCHEMA, load_corpus
from conflict_narratives.corpus.registry import REGISTRY, recognise_columns

FIX = Path(__file__).parent / "fixtures" / "corpus"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A throwaway project home, so saved outputs go to tmp_path/data/processed."""
    monkeypatch.setenv("CONFLICT_NARRATIVES_HOME", str(tmp_path))
    return tmp_path


def check_invariants(result):
    df, rej, rep = result.corpus, result.rejects, result.report
    assert list(df.columns[: len(SCHEMA)]) == list(SCHEMA)
    assert df["doc_id"].is_unique and df["doc_id"].notna().all()
    assert str(df["date"].dtype) == "datetime64[ns, UTC]"
    assert set(df["date_status"]) <= {"ok", "missing", "unparseable", "out_of_range"}
    assert (df["text"].str.len() > 0).all()
    assert list(rej.columns) == ["row", "doc_id", "reason", "detail", "duplicate_of"]
    assert rep["rows_in"] == rep["kept"] + rep["rejected_total"] == len(df) + len(rej)
    assert sum(rep["rejected"].values()) == len(rej)
    assert rep["dated"] + rep["undated"] == rep["kept"]
    for key in (
        "rows_in",
        "kept",
        "rejected",
        "dated",
        "undated",
        "languages",
        "duplicates",
        "date_min",
        "date_max",
        "out_of_range_dates",
    ):
        assert key in rep


@pytest.mark.parametrize(
    "name",
    [
        "articles.csv",
        "arabic_cp1256.csv",
        "dayfirst.tsv",
        "articles.jsonl.gz",
        "articles.json",
        "articles.parquet",
        "articles.xlsx",
        "dupes.csv",
        "txt",
    ],
)
def test_every_fixture_loads_and_reconciles(name):
    check_invariants(load_corpus(FIX / name))


def test_columns_recognised_and_cleaned():
    r = load_corpus(FIX / "articles.csv")
    df = r.corpus.set_index("doc_id")
    assert r.report["columns"] == {
        "text": "Body",
        "title": "Headline",
        "date": "Published",
        "source": "Outlet",
        "doc_id": "ID",
        "url": "Link",
    }
    # 2018-03-01T10:00:00+03:00: the local time is kept (issue 26)
    assert df.loc["a1", "date"] == pd.Timestamp("2018-03-01 10:00", tz="UTC")
    assert r.report["dates_kept_local"] == 1 and r.report["dates_in_utc"] == 1
    assert df.loc["a1", "source"] == "skynews"
    assert "<b>" not in df.loc["a1", "text"] and "https://" not in df.loc["a1", "text"]
    assert "<b>" in df.loc["a1", "raw_text"]  # raw text untouched
    assert df["lang"].tolist() == ["ar", "en", "fr", "es", "it"]
    assert df["date_status"].tolist() == ["ok", "ok", "ok", "missing", "unparseable"]
    assert r.report["unparseable_dates"] == 1 and r.report["missing_dates"] == 1


def test_cp1256_arabic_file():
    r = load_corpus(FIX / "arabic_cp1256.csv")
    assert r.report["encoding"] == "cp1256"
    assert r.corpus["source"].tolist() == ["الجزيرة", "العربية", "الحدث"]
    assert r.corpus["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2017-04-05",
        "2017-01-12",
        "2017-10-03",
    ]
    assert set(r.corpus["lang"]) == {"ar"}


def test_dates_forms_in_files():
    tsv = load_corpus(FIX / "dayfirst.tsv")
    assert tsv.report["dayfirst"] is True and tsv.report["dayfirst_evidence"] == "dayfirst"
    assert tsv.corpus["date"].iloc[1] == pd.Timestamp("2017-04-05", tz="UTC")
    forced = load_corpus(FIX / "dayfirst.tsv", dayfirst=False)
    assert forced.corpus["date"].iloc[1] == pd.Timestamp("2017-05-04", tz="UTC")
    assert forced.report["unparseable_dates"] == 1  # 13/04 cannot be month-first
    jl = load_corpus(FIX / "articles.jsonl.gz")  # epoch seconds and milliseconds
    assert jl.corpus["date"].tolist() == [
        pd.Timestamp("2018-03-02 14:13:20", tz="UTC"),
        pd.Timestamp("2018-03-03 14:13:20", tz="UTC"),
    ]
    js = load_corpus(FIX / "articles.json")  # "April 5, 2017" and Arabic-Indic digits
    assert (js.corpus["date"] == pd.Timestamp("2017-04-05", tz="UTC")).all()


def test_rejects_have_reasons():
    r = load_corpus(FIX / "articles.jsonl.gz")
    assert r.report["rejected"] == {"malformed_json": 1, "empty_text": 1}
    txt = load_corpus(FIX / "txt")
    rej = txt.rejects.set_index("doc_id")
    assert rej.loc["03_bad", "reason"] == "undecodable_bytes"
    assert "encoding" in rej.loc["03_bad", "detail"]
    assert rej.loc["04_empty", "reason"] == "empty_text"
    assert txt.corpus.set_index("doc_id").loc["01_utf8", ["source", "place"]].tolist() == [
        "Reuters",
        "Beirut",
    ]


def test_duplicates_recorded():
    r = load_corpus(FIX / "dupes.csv")
    rej = r.rejects.set_index("row")
    assert (rej.loc[1, "reason"], rej.loc[1, "duplicate_of"]) == ("duplicate_text", "d1")
    # the near copy without a date loses to the dated one
    assert (rej.loc[2, "reason"], rej.loc[2, "duplicate_of"]) == ("near_duplicate", "d4")
    assert rej.loc[5, "reason"] == "duplicate_id" and "different text" in rej.loc[5, "detail"]
    assert r.report["duplicates"] == {"exact": 1, "near": 1}


def test_extra_columns_kept_and_typed():
    r = load_corpus(FIX / "articles.parquet")
    assert r.corpus["label"].tolist() == [1, 0]
    j = load_corpus(FIX / "articles.json")
    assert json.loads(j.corpus["tags"].iloc[0]) == ["iraq", "isis"]


def test_seed_document():
    r = load_corpus(SEED)
    check_invariants(r)
    doc = r.corpus.iloc[0]
    assert doc["source"] == "أخبار الآن"
    assert doc["place"] == "دبي"
    assert doc["author"] == "حسام الأحبابي"
    assert doc["lang"] == "ar"
    assert "|" not in doc["text"] and "حصري" not in doc["text"]
    assert "اقرأ أيضا" not in doc["text"]
    assert "القوات العراقية وصلت لمرحلة صعبة" not in doc["text"]  # related headline gone
    assert doc["text"].startswith("يتجه داعش")
    assert doc["text"].endswith("بصلة.")
    assert "اقرأ أيضا" in doc["raw_text"] and doc["raw_text"].startswith("أخبار الآن |")
    assert r.report["header_lines_parsed"] == 1 and r.report["undated"] == 1


def test_mapping_overrides_and_errors():
    r = load_corpus(FIX / "articles.csv", mapping={"text": "Headline", "title": "Body"})
    assert r.report["columns"]["text"] == "Headline"  # the mapping wins, with a warning
    assert any("'Headline' looks worse than 'Body'" in w for w in r.report["warnings"])
    assert r.report["rejected"] == {"too_short": 5}  # one-word headlines are no text
    with pytest.raises(ValueError, match="columns are:.*'Body'"):
        load_corpus(FIX / "articles.csv", mapping={"text": "nope"})
    with pytest.raises(ValueError, match="no text column found.*columns are"):
        recognise_columns(["id", "when", "who"])
    with pytest.raises(FileNotFoundError, match="named corpora"):
        load_corpus("no-such-corpus")
    assert recognise_columns(["Article Content", "PUBLISHED_AT"]) == {
        "text": "Article Content",
        "date": "PUBLISHED_AT",
    }


def test_registry_lists_origins():
    for spec in REGISTRY.values():
        assert spec.origin.startswith("http") and spec.citation and spec.licence


def test_pipeline_saves_and_reuses_the_loaded_corpus(home):
    from conflict_narratives.pipeline import Pipeline

    src = home / "articles.csv"
    src.write_bytes((FIX / "articles.csv").read_bytes())
    first = Pipeline(src).load()
    name = f"{home.name}-articles"  # a generic stem: its folder's name in front
    assert not first.cached and first.path == home / "data" / "processed" / name / "corpus"
    back = pd.read_parquet(first.path / "corpus.parquet")
    pd.testing.assert_frame_equal(back, first.result[0])
    assert json.loads((first.path / "meta.json").read_text(encoding="utf-8"))["kept"] == 5
    rejects = pd.read_parquet(first.path / "rejects.parquet")
    assert rejects.columns.tolist() == list(REJECT_COLUMNS)
    stamp = (first.path / "corpus.parquet").stat().st_mtime_ns
    again = Pipeline(src).load()
    assert again.cached and again.key == first.key and again.result[0].equals(first.result[0])
    assert (first.path / "corpus.parquet").stat().st_mtime_ns == stamp  # reused, not rewritten
    src.write_bytes(src.read_bytes() + b"a9,Late,a late report on the fighting,2018-04-01,x,y\n")
    changed = Pipeline(src).load()
    assert not changed.cached and len(changed.result[0]) == 6  # source changed: loaded again
    assert Pipeline(src, overrides={"corpus": {"dayfirst": True}}).load().key != changed.key
    src.unlink()  # the source is gone: the saved table is all there is
    assert len(Pipeline(src).load().result[0]) == 6


def test_cli_load_seed(home):
    out = CliRunner().invoke(app, ["load", str(SEED), "--name", "seed-test"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["rows_in"] == 1 and report["sources"] == {"أخبار الآن": 1}
    assert (home / "data" / "processed" / "seed-test" / "corpus" / "corpus.parquet").is_file()


def test_cli_mapping_options(home):
    out = CliRunner().invoke(
        app,
        [
            "load",
            str(FIX / "dayfirst.tsv"),
            "--monthfirst",
            "--text-col",
            "text",
            "--date-col",
            "date",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["unparseable_dates"] == 1


cell = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.integers(-(10**12), 10**13),
    st.sampled_from(
        [
            "",
            " ",
            "2018-01-01",
            "13/01/2018",
            "٥ أبريل ٢٠١٧",
            "<b></b>",
            "اقرأ أيضا:",
            "x | y – z (w)",
        ]
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.fixed_dictionaries({"text": cell, "date": cell, "source": cell, "id": cell}),
        min_size=1,
        max_size=25,
    )
)
def test_arbitrary_rows_never_lost(rows):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.jsonl"
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8"
        )
        result = load_corpus(path)
    check_invariants(result)
    assert result.report["rows_in"] == len(rows)


def test_header_only_file(tmp_path):
    path = tmp_path / "none.csv"
    path.write_text("text,date\n", encoding="utf-8")
    r = load_corpus(path)
    check_invariants(r)
    assert r.report["rows_in"] == 0 and r.report["date_min"] is None
