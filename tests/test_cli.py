"""The console entry point: user mistakes in one line (traceback with -v), options as settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conflict_narratives.cli import main, parse_sets
from conflict_narratives.store import ENV_HOME

UNSEEN = Path(__file__).parent / "fixtures" / "corpus" / "unseen"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    return tmp_path


def test_a_user_mistake_is_one_line_and_exit_code_2(home, capsys):
    with pytest.raises(SystemExit) as done:
        main(["load", str(home / "missing.csv")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "missing.csv" in err
    with pytest.raises(FileNotFoundError):  # -v: the traceback, for a bug report
        main(["-v", "load", str(home / "missing.csv")])


def test_load_with_a_date_format_and_set_options(home, capsys):
    main(["load", str(UNSEEN / "acled.csv"), "--date-format", "%d-%b-%y",
          "--set", "corpus.boilerplate.min_docs=0"])
    report = json.loads(capsys.readouterr().out)
    assert report["columns"]["date"] == "event_date" and report["dated_share"] == 1.0
    assert report["date_format"] == "%d-%b-%y"


def test_parse_sets_nests_and_reads_yaml_values():
    assert parse_sets(["topics.min_cluster_size=50", "seed=7", "timelines.freq=null"]) == {
        "topics": {"min_cluster_size": 50}, "seed": 7, "timelines": {"freq": None}}
    with pytest.raises(ValueError, match="SECTION.KEY=VALUE"):
        parse_sets(["topics.min_cluster_size"])
