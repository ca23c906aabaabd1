"""Reading every input shape and encoding (readers)."""

import gzip
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.corpus.readers import (
    arabic_plausible,
    decode_bytes,
    has_undecodable,
    read_delimited_text,
    read_json_text,
    read_jsonl_text,
    read_source,
)

FIX = Path(__file__).parent / "fixtures" / "corpus"
AR = "أعلنت الأمم المتحدة أن آلاف المدنيين نزحوا من مدينة الحديدة"


@pytest.mark.parametrize(
    ("name", "fmt", "rows", "column"),
    [
        ("articles.csv", "csv", 5, "Body"),
        ("arabic_cp1256.csv", "csv", 3, "content"),
        ("dayfirst.tsv", "csv", 3, "text"),
        ("articles.jsonl.gz", "jsonl", 4, "content"),
        ("articles.json", "json", 2, "article_content"),
        ("articles.parquet", "parquet", 2, "text"),
        ("articles.xlsx", "excel", 2, "story"),
        ("txt", "txt-folder", 4, "text"),
    ],
)
def test_every_shape(name, fmt, rows, column):
    raw = read_source(FIX / name)
    assert raw.info["format"] == fmt
    assert raw.rows_in == rows
    assert column in raw.frame.columns


def test_utf8_bom_and_cp1256_decoded():
    raw = read_source(FIX / "articles.csv")
    assert raw.info["encoding"] == "utf-8-sig"
    assert "ID" in raw.frame.columns  # BOM not glued to the first header
    ar = read_source(FIX / "arabic_cp1256.csv")
    assert ar.info["encoding"] == "cp1256"
    assert ar.frame["source"].tolist() == ["الجزيرة", "العربية", "الحدث"]
    assert "كانون الثاني" in ar.frame["date"].iloc[1]


def test_decode_bytes():
    assert decode_bytes(AR.encode("cp1256")) == (AR, "cp1256")
    assert decode_bytes(AR.encode("utf-8")) == (AR, "utf-8")
    assert decode_bytes("\ufeff".encode() + b"x") == ("x", "utf-8-sig")
    assert decode_bytes("é".encode("latin-1"), "latin-1") == ("é", "latin-1")
    text, enc = decode_bytes(b"Damascus \xff\xfe report")  # neither UTF-8 nor Arabic
    assert "undecodable" in enc
    assert has_undecodable(pd.Series([text, "fine", None], dtype=object)).tolist() == [
        True,
        False,
        False,
    ]


def test_arabic_plausible():
    assert arabic_plausible(AR)
    assert not arabic_plausible("Les forces gouvernementales ont pris le contrôle")
    assert not arabic_plausible("1234 !!")


def test_txt_folder_encodings():
    raw = read_source(FIX / "txt")
    assert raw.frame["doc_id"].tolist() == ["01_utf8", "02_cp1256", "03_bad", "04_empty"]
    assert raw.frame["text"].iloc[1].startswith("أعلنت")
    assert "cp1256: 1" in raw.info["encoding"] and "undecodable" in raw.info["encoding"]


def test_gzip_detected_by_magic(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_bytes(gzip.compress(b"text,date\nhello world,2018-01-01\n"))
    assert read_source(p).frame["text"].tolist() == ["hello world"]


def test_malformed_csv_rows_are_rejected_with_row_numbers():
    raw = read_delimited_text('id,text\n1,"a, fine"\n2,bad,extra,fields\n\n3,ok\n', ",")
    assert raw.frame.index.tolist() == [0, 2]
    assert raw.frame["text"].tolist() == ["a, fine", "ok"]
    assert [(r["row"], r["reason"]) for r in raw.rejects] == [(1, "malformed_row")]
    assert raw.rows_in == 3


def test_separator_sniffed():
    assert read_delimited_text("text;date\nx;2018\n").frame.columns.tolist() == ["text", "date"]


def test_jsonl_bad_lines_and_bare_strings():
    lines = ['{"text": "a"}', "", '"just a string"', "{oops", '{"text": "b", "tags": [1]}']
    raw = read_jsonl_text("\n".join(lines) + "\n")
    assert raw.rows_in == 4
    assert raw.frame["text"].tolist() == ["a", "just a string", "b"]
    assert raw.frame["tags"].iloc[2] == "[1]"
    assert raw.rejects[0]["row"] == 2 and raw.rejects[0]["reason"] == "malformed_json"


def test_json_shapes():
    assert len(read_json_text('[{"text": "a"}, {"text": "b"}]').frame) == 2
    assert len(read_json_text('{"data": [{"text": "a"}]}').frame) == 1
    assert len(read_json_text('{"whatever": [{"text": "a"}], "n": 1}').frame) == 1
    with pytest.raises(ValueError, match="no list of records"):
        read_json_text('{"a": 1}')


def test_unsupported_and_missing(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(ValueError, match="unsupported file type"):
        read_source(tmp_path / "x.docx")
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "nope.csv")
    (tmp_path / "blank.csv").write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_source(tmp_path / "blank.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no .txt files"):
        read_source(tmp_path / "empty")
