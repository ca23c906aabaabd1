"""A corpus without dates and with one source runs everything that needs neither: topics,
frames, actors and figures, with one line for what was skipped and why; stage seconds are
the stage's own; third-party warnings stay out of the command line's output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives import figures
from conflict_narratives.cli import app
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.report.build import Section, write_index
from conflict_narratives.settings import ENV_CONFIG
from conflict_narratives.store import ENV_HOME, Store
from conftest import CORPORA, share_embedding_cache, use_project

FAST = ["--set", "embeddings.backend=tfidf-lsa", "--set", "embeddings.lsa_dim=32",
        "--set", "topics.doc_map.enabled=false"]
OVERRIDES = {"embeddings": {"backend": "tfidf-lsa", "lsa_dim": 32},
             "topics": {"doc_map": {"enabled": False}}}
OUTLET_FIGURES = {"topics_by_outlet", "length_per_source", "narratives_outlet_topic",
                  "narratives_outlet_frame", "narratives_outlet_divergence"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project folder holding fa-kes's first 150 rows without their date and source."""
    home = share_embedding_cache(tmp_path_factory.mktemp("scope"))
    raw = pd.read_csv(CORPORA / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1")
    raw.head(150).drop(columns=["date", "source"]).to_csv(home / "undated.csv", index=False)
    (home / "none.yaml").write_text("{}\n", encoding="utf-8")
    return home


@pytest.fixture
def env(project, monkeypatch):
    return use_project(monkeypatch, project)


@pytest.fixture(scope="module")
def cli_run(project):
    """``run`` on the undated file, from the command line (in process)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_HOME, str(project))
        mp.setenv(ENV_CONFIG, str(project / "none.yaml"))
        done = CliRunner().invoke(app, ["run", str(project / "undated.csv"), *FAST])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_an_undated_single_source_corpus_runs_all_that_needs_no_dates(cli_run, env):
    stages = cli_run["stages"]
    assert stages["load"]["dated"] == 0 and stages["topics"]["n_docs"] == 150
    assert stages["topics"]["n_topics"] >= 2
    assert stages["narratives"]["frames"]["share"] and stages["narratives"]["actors"]["top"]
    assert set(cli_run["skipped"]) == {"timelines", "outlets"}
    assert stages["timelines"] == {"skipped": cli_run["skipped"]["timelines"]}
    assert "usable date" in cli_run["skipped"]["timelines"]
    assert "'unknown'" in cli_run["skipped"]["outlets"]
    # the same from Python: every stage served from the saved results, the same lines
    again = Pipeline(str(env / "undated.csv"), overrides=OVERRIDES, store=Store(env)).run()
    assert again["skipped"] == cli_run["skipped"]
    assert all(again["stages"][s]["cached"] for s in ("load", "topics", "narratives"))


def test_cached_stages_report_their_own_compute_seconds(cli_run, env):
    first = cli_run["stages"]["topics"]
    assert not first["cached"] and first["seconds"] == first["wall_seconds"] > 0
    assert first["step_seconds"] <= first["seconds"]  # the fit alone is part of the stage
    done = CliRunner().invoke(app, ["topics", str(env / "undated.csv"), *FAST])
    out = json.loads(done.stdout)
    assert out["cached"] and out["seconds"] == first["seconds"]  # not the read time
    assert out["wall_seconds"] < out["seconds"]


def test_timelines_of_an_undated_corpus_fail_before_any_work(cli_run, env):
    run = Pipeline(str(env / "undated.csv"), sample=90, overrides=OVERRIDES, store=Store(env))
    with pytest.raises(ValueError, match="usable date"):
        run.timelines()
    assert run.store.find(run.name, "topics", run.key("topics")) is None  # nothing fitted


def test_no_outlet_or_time_figures_for_such_a_corpus(cli_run, env):
    run = Pipeline(str(env / "undated.csv"), overrides=OVERRIDES, store=Store(env))
    names = {p.name for p in [*figures.corpus_figures(run.corpus),
                              *figures.topic_figures(run.topics()),
                              *figures.narrative_figures(run.narratives())]}
    assert {"topic_sizes", "length_per_language", "language_mix", "narratives_frames"} <= names
    assert not names & OUTLET_FIGURES and "documents_over_time" not in names


def test_the_report_index_says_what_was_skipped(tmp_path):
    summary = {"stages": {"timelines": {"skipped": "timelines skipped: no dates"}},
               "skipped": {"timelines": "timelines skipped: no dates",
                           "outlets": "outlet comparisons skipped: one source"}}
    section = Section("topics", "Topics", "blurb", tmp_path / "02.ipynb", tmp_path / "02.html")
    page = write_index(tmp_path, "x", [section], summary, {}).read_text(encoding="utf-8")
    assert "timelines skipped: no dates" in page and "one source" in page
    assert "<td>timelines</td><td>skipped</td>" in page


THIRD_PARTY = ("BERTopic", "papermill", "IPKernelApp", "traitlets", "Warning", "it/s]")


def test_third_party_warnings_stay_out_of_the_command_line(project):
    """A fit in a fresh process: BERTopic's warnings (saving without an embedding model,
    topics assigned by hand) and its progress bars stay off stderr without -v."""
    env = {**os.environ, ENV_HOME: str(project), ENV_CONFIG: str(project / "none.yaml"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    done = subprocess.run([sys.executable, "-m", "conflict_narratives", "topics",
                           str(project / "undated.csv"), *FAST, "--force"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    quiet = done.stderr
    assert not [w for w in THIRD_PARTY if w in quiet], quiet[-2000:]


def test_a_corpus_too_small_for_topics_runs_its_dates_and_says_what_it_skipped(env):
    """Ten dated reports: no topic model (fewer than topics.min_docs), so no narratives
    either, each said in one line before any work; the days are still ranked."""
    raw = pd.read_csv(CORPORA / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1")
    raw.head(10).to_csv(env / "ten.csv", index=False)
    done = CliRunner().invoke(app, ["run", str(env / "ten.csv"), *FAST])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert set(out["skipped"]) >= {"topics", "narratives"}
    assert "fewer than the 20" in out["skipped"]["topics"]
    assert out["stages"]["topics"] == {"skipped": out["skipped"]["topics"]}
    assert "skipped" not in out["stages"]["timelines"]
    run = Pipeline(str(env / "ten.csv"), overrides=OVERRIDES, store=Store(env))
    assert len(run.timelines().dates) > 0
    with pytest.raises(ValueError, match="topics skipped"):
        run.topics()
