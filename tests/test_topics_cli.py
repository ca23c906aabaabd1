"""The `topics` subcommand end to end on a real bbc-news sample, in a throw-away project."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conflict_narratives.cli import app
from conftest import use_project

pytestmark = pytest.mark.xdist_group("topics")


@pytest.fixture
def project(tmp_path, monkeypatch):
    return use_project(monkeypatch, tmp_path)


@pytest.mark.slow  # loads bbc-news, embeds and fits 200 articles: about half a minute
def test_cli_topics_prints_quality_and_saves_apart(project):
    result = CliRunner().invoke(app, ["topics", "bbc-news", "--sample", "200"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    for key in ("n_topics", "outlier_share", "npmi", "diversity", "nmi", "ari",
                "arabic_word_share", "seconds"):
        assert key in out, key
    assert out["n_docs"] == 200 and out["label_column"] == "label"
    assert out["n_topics"] >= 2 and out["nmi"] > 0.3  # five clear BBC sections
    assert out["arabic_word_share"] == 0.0 and out["stopword_share"] == 0.0
    saved = Path(out["path"])
    assert saved.parent == project / "data" / "processed" / "bbc-news" / "topics"
    assert (saved / "doc_topics.parquet").is_file() and (saved / "model" / "config.json").is_file()
    assert not out["cached"]
    again = json.loads(CliRunner().invoke(app, ["topics", "bbc-news", "--sample", "200"]).stdout)
    assert again["cached"] and again["path"] == out["path"] and again["nmi"] == out["nmi"]
    # the whole corpus is another version: never served by the sample's result
    from conflict_narratives.pipeline import Pipeline

    assert Pipeline("bbc-news").key("topics") != saved.name
