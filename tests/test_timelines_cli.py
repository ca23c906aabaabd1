"""The `timeline` subcommand end to end on a small real corpus (t17 EgyptianProtest_cnn),
in a throw-away project folder, with the model-free tfidf-lsa embeddings."""

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives.cli import app
from conflict_narratives.settings import ENV_CONFIG
from conflict_narratives.store import ENV_DATA, ENV_HOME

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

T17 = SHARED / "t17-conflict"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "config.yaml").write_text(
        "embeddings:\n  backend: tfidf-lsa\ntopics:\n  doc_map: {enabled: false}\n", "utf-8"
    )
    monkeypatch.setenv(ENV_DATA, str(SHARED))
    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    monkeypatch.setenv(ENV_CONFIG, str(tmp_path / "config.yaml"))
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
    assert out["n_events"] == out["n_bursts"] + out["n_story_events"] + out["n_day_events"]
    for key in ("date_f1", "date_precision", "date_recall", "pubcount_date_f1"):
        assert 0 <= out[key] <= 1
    assert out["date_f1"] == pytest.approx(1.0)  # every day of this span is a reference date
    saved = Path(out["path"])
    assert saved.parent == project / "data" / "processed" / "t17-EgyptianProtest_cnn" / "timelines"
    prev = pd.read_parquet(saved / "prevalence.parquet")
    assert prev.groupby("period")["share"].sum().round(6).eq(1).all()
    assert (saved / "events.parquet").is_file() and (saved / "stage.json").is_file()


@pytest.mark.slow  # embeds (tf-idf) and fits topics on 270 articles
@pytest.mark.skipif(not T17.is_dir(), reason="../shared/corpora/t17-conflict is absent")
def test_a_stage_command_then_run_never_serves_a_result_made_with_other_options(project):
    """Regression: `timeline --freq week` then `run` used to report the week tables as the
    current (day) timelines; options are settings, so they are part of the key."""
    runner = CliRunner()
    name = "t17:EgyptianProtest_cnn"
    week = json.loads(runner.invoke(app, ["timeline", name, "--freq", "week"]).stdout)
    assert week["freq"] == "week" and not week["cached"]
    run = json.loads(runner.invoke(app, ["run", name]).stdout)["stages"]
    assert run["timelines"]["freq"] == "day" and not run["timelines"]["cached"]
    assert run["topics"]["cached"]  # the topics the week timeline was made from
    again = json.loads(runner.invoke(app, ["timeline", name, "--freq", "week"]).stdout)
    assert again["cached"] and again["path"] == week["path"]  # both versions are kept
    run = json.loads(runner.invoke(app, ["run", name]).stdout)["stages"]
    assert run["timelines"]["cached"] and run["timelines"]["freq"] == "day"
    assert run["embed"] == {"seconds": 0.0, "wall_seconds": 0.0, "cached": True, "needed": False}
