"""The `topics` subcommand end to end on a real bbc-news sample, in a throw-away project."""

import json

import pytest
from typer.testing import CliRunner

from conflict_narratives import config
from conflict_narratives.cli import app

pytestmark = pytest.mark.xdist_group("topics")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_DATA, str(config.shared_corpora_dir()))
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    monkeypatch.setenv(config.ENV_CONFIG, str(tmp_path / "none.yaml"))
    return tmp_path


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
    saved = project / "data" / "processed" / "bbc-news" / "topics" / "sample-200"
    assert out["saved"] == str(saved)
    assert (saved / "doc_topics.parquet").is_file() and (saved / "model" / "config.json").is_file()
    assert not (saved.parent / "topic_info.parquet").exists()  # never stands in for the corpus
