"""The `timeline` subcommand end to end on a small real corpus (t17 EgyptianProtest_cnn),
in a throw-away project folder, with the model-free tfidf-lsa embeddings."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives import config
from conflict_narratives.cli import app

T17 = config.shared_corpora_dir() / "t17-conflict"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text(
        "embeddings:\n  backend: tfidf-lsa\ntopics:\n  doc_map: false\n", "utf-8"
    )
    monkeypatch.setenv(config.ENV_DATA, str(config.shared_corpora_dir()))
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    monkeypatch.setenv(config.ENV_CONFIG, str(tmp_path / "config.yaml"))
    return tmp_path


def test_cli_rejects_bad_arguments_before_any_work(project):
    runner = CliRunner()
    bad_freq = runner.invoke(app, ["timeline", "t17:EgyptianProtest_cnn", "--freq", "hour"])
    assert bad_freq.exit_code != 0 and "unknown freq" in str(bad_freq.exception)
    no_refs = runner.invoke(app, ["timeline", "ant-multisource", "--evaluate"])
    assert no_refs.exit_code != 0 and "t17" in str(no_refs.exception)
    assert not (project / "data").exists()


@pytest.mark.slow  # embeds and fits topics on 270 articles: about a minute on 2 cores
@pytest.mark.skipif(not T17.is_dir(), reason="../shared/corpora/t17-conflict is absent")
def test_cli_timeline_with_evaluation(project):
    result = CliRunner().invoke(app, ["timeline", "t17:EgyptianProtest_cnn", "--evaluate"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["freq"] == "day" and out["n_periods"] == 20
    assert out["date_min"].startswith("2011-01-25") and out["date_max"].startswith("2011-02-13")
    assert out["excluded_out_of_range"] == 0
    assert out["n_events"] == out["n_bursts"] + out["n_story_events"]
    for key in ("date_f1", "date_precision", "date_recall", "pubcount_date_f1"):
        assert 0 <= out[key] <= 1
    assert out["date_f1"] == pytest.approx(1.0)  # every day of this span is a reference date
    saved = project / "data" / "processed" / "t17-EgyptianProtest_cnn" / "timelines"
    assert out["path"] == str(saved)
    prev = pd.read_parquet(saved / "prevalence.parquet")
    assert prev.groupby("period")["share"].sum().round(6).eq(1).all()
    assert (saved / "events.parquet").is_file() and (saved / "summary.json").is_file()
