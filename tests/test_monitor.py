"""A topic model that lives, on real data: fa-kes (Syrian war) fitted on its early articles,
then updated with later ones and a planted BBC story, refitted, curated; bad update and
curation files refused without losing anything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conflict_narratives import monitor, topics
from conflict_narratives.cli import app
from conflict_narratives.corpus.updates import NothingToAdd
from conflict_narratives.embeddings import embed_corpus
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import ENV_CONFIG
from conflict_narratives.store import ENV_DATA, ENV_HOME, Store
from conflict_narratives.topics.assign import assign_nearest, far_from_topics
from conftest import share_embedding_cache

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
MAPPING = {"doc_id": "unit_id", "text": "article_content", "title": "article_title",
           "place": "location"}
FAST = {"topics": {"doc_map": {"enabled": False}}}
N_PLANTED = 20

pytestmark = pytest.mark.xdist_group("monitor")


def project(home: Path) -> Store:
    return Store(share_embedding_cache(home))


def open_run(home: Path) -> Pipeline:
    """The corpus by the name it was loaded under (its source file is the one of the
    original project: a copy of the project reads the saved corpus)."""
    return Pipeline("fk", store=Store(home), overrides=FAST)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """fa-kes before 2016-03-01 fitted; then one update: the next 120 articles, 10 of them
    twice, and 20 BBC sport articles dated inside the update."""
    home = tmp_path_factory.mktemp("live")
    project(home)
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1", dtype=str)
    when = pd.to_datetime(raw["date"], format="%m/%d/%Y", errors="coerce")
    raw[~(when >= "2016-03-01")].to_csv(home / "base.csv", index=False)
    later = raw[(when >= "2016-03-01").to_numpy()].iloc[:120]
    bbc = pd.read_csv(SHARED / "bbc-news" / "bbc_news.csv.gz")
    sport = bbc[bbc["label"] == "sport"].sample(N_PLANTED, random_state=3)
    planted = pd.DataFrame({"unit_id": [f"bbc-{i}" for i in sport["doc_id"]],
                            "article_title": sport["title"], "article_content": sport["text"],
                            "source": "BBC Sport", "date": later["date"].iloc[:N_PLANTED].values,
                            "location": "London", "labels": "1"})
    update = pd.concat([later, later.head(10), planted]).sample(frac=1, random_state=1)
    update.to_csv(home / "u1.csv", index=False)
    run = Pipeline(str(home / "base.csv"), name="fk", mapping=MAPPING, store=Store(home),
                   overrides=FAST)
    before = run.run_topics()
    summary = run.update([home / "u1.csv"])
    return {"home": home, "run": run, "before": before, "summary": summary,
            "planted": set(planted["unit_id"]), "update": update}


def copy_of(live, tmp_path) -> Path:
    here = tmp_path / "copy"
    shutil.copytree(live["home"], here, symlinks=True)
    return here


def test_update_keeps_topic_ids_labels_and_words(live):
    before, after = live["before"].result, live["run"].topics()
    old = before.topic_info.set_index("topic")
    new = after.topic_info.set_index("topic")
    for col in ("label", "words"):
        assert new.loc[old.index, col].map(list if col == "words" else str).tolist() == \
            old[col].map(list if col == "words" else str).tolist()
    assert set(new.index) <= set(old.index) | {-1}
    kept = after.doc_topics.set_index("doc_id").loc[before.doc_topics["doc_id"], "topic"]
    assert (kept.to_numpy() == before.doc_topics["topic"].to_numpy()).all()
    summary = live["summary"]
    assert summary["rows_in"] == len(live["update"]) == 150
    assert summary["added"] + sum(summary["rejected"].values()) == summary["rows_in"]
    assert summary["duplicates"] >= 10 and summary["rejected"].get("duplicate_id", 0) >= 10
    assert len(after.doc_topics) == len(before.doc_topics) + summary["added"]
    assert after.topic_info["size"].sum() == len(after.doc_topics)
    for key in ("added_per_topic", "growing_fastest", "new_bursts", "new_events",
                "candidates", "emerging", "seconds"):
        assert key in summary, key
    assert set(summary["stages"]) == {"timelines", "narratives"}


def test_update_equals_assigning_with_the_fitted_model(live):
    """The saved BERTopic model (its topic embeddings) and topics.assign give the update's
    topics; documents far from all are set apart by the per-topic rule."""
    run, before = live["run"], live["before"]
    record = monitor.record(run)
    a = record["assignments"]
    docs = run.corpus.set_index(run.corpus["doc_id"].astype(str)).loc[a["doc_id"]]
    vectors = embed_corpus(docs.reset_index(drop=True), backend=run.backend,
                           settings=run.settings, progress=False,
                           cache_dir=run.store.embeddings_dir).matrix
    nearest, sims = assign_nearest(vectors, before.result.centroids)
    assert (nearest == a["nearest_topic"].to_numpy()).all()
    far = far_from_topics(nearest, sims, before.result.centroids, 0.05)
    assert (np.where(far, -1, nearest) == a["topic"].to_numpy()).all()
    model = topics.load_model(before.path / "model", backend=run.backend)
    predicted, _ = model.transform(docs["text"].tolist(), vectors)
    assert (np.asarray(predicted) == nearest).all()


def test_a_planted_story_is_set_apart_and_flagged(live):
    record, planted = monitor.record(live["run"]), live["planted"]
    a = record["assignments"].set_index("doc_id")
    mine = a.loc[a.index.isin(planted)]
    assert len(mine) == N_PLANTED and mine["far"].mean() >= 0.9  # not spread over topics
    others = a.loc[~a.index.isin(planted), "far"]
    assert others.mean() <= 0.2
    assert live["summary"]["candidates"]  # reported in the JSON summary


def test_a_planted_story_forms_one_emerging_candidate(live):
    record, planted = monitor.record(live["run"]), live["planted"]
    found = [set(ids) & planted for ids in record["candidates"]["doc_ids"]]
    pure = [len(f) for f, n in zip(found, record["candidates"]["n_docs"], strict=True)
            if len(f) >= 0.8 * n]
    assert sum(pure) >= N_PLANTED // 2, record["candidates"][["label", "n_docs"]]


def test_all_duplicates_wrong_columns_or_empty_change_nothing(live, tmp_path):
    home = copy_of(live, tmp_path)
    run = open_run(home)
    marker = run.corpus_marker()
    n_docs, n_updates = len(run.corpus), len(run.store.updates("fk"))
    again = run.update([home / "u1.csv"])  # a feed read again: fine, nothing changes
    assert again["unchanged"] is True and again["added"] == 0 and again["rows_in"] == 150
    assert sum(again["rejected"].values()) == 150 and again["duplicates"] == 150
    blank = live["update"].assign(article_content=" ", unit_id=lambda f: "x" + f["unit_id"])
    blank.to_csv(home / "blank.csv", index=False)
    with pytest.raises(NothingToAdd, match="all 150 rows rejected"):  # not a repeat: an error
        run.update([home / "blank.csv"])
    (home / "wrong.csv").write_text("headline,body\nx,y\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing 'article_content' \\(text\\)"):
        run.update([home / "wrong.csv"])
    (home / "empty.csv").write_text(",".join(live["update"].columns) + "\n", encoding="utf-8")
    with pytest.raises(ValueError):
        run.update([home / "empty.csv"])
    again = open_run(home)
    assert again.corpus_marker()["key"] == marker["key"] and len(again.corpus) == n_docs
    assert len(again.store.updates("fk")) == n_updates
    env = {ENV_HOME: str(home), ENV_DATA: str(SHARED), ENV_CONFIG: str(home / "none.yaml")}
    result = CliRunner().invoke(app, ["update", "fk", str(home / "u1.csv"),
                                      "--set", "topics.doc_map.enabled=false"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["added"] == 0 and out["unchanged"] is True and out["rejected"]
    result = CliRunner().invoke(app, ["update", "fk", str(home / "blank.csv")], env=env)
    assert result.exit_code != 0 and isinstance(result.exception, NothingToAdd)


def _write_curation(home: Path, data: dict) -> None:
    (home / "curation").mkdir(exist_ok=True)
    (home / "curation" / "fk.yaml").write_text(json.dumps(data, ensure_ascii=False),
                                               encoding="utf-8")


def test_curated_labels_follow_their_documents_and_conflicts_are_reported(live, tmp_path):
    """Entries named by a word unique to a topic; then the identity (anchor) and the words
    are made to disagree — by construction, not by hoping a refit moves a word — and the
    label follows the documents, the conflict in the JSON summary. A refit keeps each label
    on the topic holding most of the documents it named."""
    home = copy_of(live, tmp_path)
    run = open_run(home)
    info = run.topics().topic_info.query("topic != -1")
    words = {t: [w for w in ws if sum(w in other for other in info["words"]) == 1][:1]
             for t, ws in zip(info["topic"], info["words"], strict=True)}
    named = [t for t, w in words.items() if w][:2]
    other = next(t for t in info["topic"] if t not in named)
    assert len(named) == 2
    entries = [{"match": words[t], "label": f"Analyst {t}"} for t in named]
    _write_curation(home, {"labels": entries, "hide": [words[named[1]]]})
    run = open_run(home)
    fitted = monitor.raw_of(run.run_topics().path).meta.get("fit_seconds")
    curated = run.topics()  # the curation alone never refits
    assert monitor.raw_of(run.run_topics().path).meta.get("fit_seconds") == fitted
    assert curated.labels()[named[0]] == f"Analyst {named[0]}"
    assert topics.hidden(curated) == {named[1]}
    anchors = run.store.read_anchors("fk")
    key = "label:" + json.dumps(words[named[0]], ensure_ascii=False)
    assert anchors[key]["topic"] == named[0] and anchors[key]["doc_ids"]

    # the identity now says `other`, the words still say named[0]
    docs = curated.doc_topics
    anchors[key]["doc_ids"] = docs.loc[docs["topic"] == other, "doc_id"].astype(str).tolist()
    run.store.write_anchors("fk", anchors)
    entries[1]["label"] = "Analyst, renamed"  # a changed file: the curation is applied again
    _write_curation(home, {"labels": entries, "hide": [words[named[1]]]})
    env = {ENV_HOME: str(home), ENV_DATA: str(SHARED), ENV_CONFIG: str(home / "none.yaml")}
    result = CliRunner().invoke(app, ["topics", "fk", "--set", "topics.doc_map.enabled=false"],
                                env=env)
    assert result.exit_code == 0, result.output
    conflicts = json.loads(result.stdout)["curation_conflicts"]
    assert any("labels[0]" in c and f"now points to topic {named[0]}" in c for c in conflicts)
    labels = open_run(home).topics().labels()
    assert labels[other] == f"Analyst {named[0]}" and labels[named[0]] != labels[other]

    run = open_run(home)
    done = run.refit(stages=("timelines",))
    assert done["statuses"].get("kept", 0) >= 1
    refitted = run.topics()
    placed = refitted.doc_topics.set_index("doc_id")["topic"]
    for entry, anchor in run.store.read_anchors("fk").items():
        if entry.startswith("label:"):
            held = placed.reindex(anchor["doc_ids"]).value_counts()
            label = next(e["label"] for e in entries if "label:" + json.dumps(
                e["match"], ensure_ascii=False) == entry)
            assert refitted.labels()[int(held.index[0])] == label or any(
                "merged" in c for c in done["curation_conflicts"])
    assert set(run.timelines().prevalence.query(f"topic == {held.index[0]}")["label"]) == \
        {refitted.labels()[int(held.index[0])]}
    _write_curation(home, {"labels": [{"match": ["zzzz"], "label": "nothing"}]})
    with pytest.raises(ValueError, match=r"\[zzzz\] matches no topic"):
        open_run(home).topics()
    assert open_run(home).corpus_marker()["key"] == run.corpus_marker()["key"]


def test_cli_update_prints_what_changed(live, tmp_path):
    home = copy_of(live, tmp_path)
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", encoding="latin-1", dtype=str)
    when = pd.to_datetime(raw["date"], format="%m/%d/%Y", errors="coerce")
    raw[(when >= "2016-03-01").to_numpy()].iloc[120:150].to_csv(home / "u2.csv", index=False)
    env = {ENV_HOME: str(home), ENV_DATA: str(SHARED), ENV_CONFIG: str(home / "none.yaml")}
    result = CliRunner().invoke(app, ["update", "fk", str(home / "u2.csv"), "--no-stages",
                                      "--set", "topics.doc_map.enabled=false"], env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["update"] == 2 and out["rows_in"] == 30
    assert out["added"] + out["duplicates"] <= 30 and out["added"] >= 20
    assert sum(t["added"] for t in out["added_per_topic"]) == out["added"]
    assert out["stages"] == {} and out["seconds"]["update"] > 0
    history = monitor.history(open_run(home))
    assert history["update"].tolist() == [1, 2]


@pytest.mark.notebook
def test_updates_notebook_shows_what_changed(live, monkeypatch):
    from conflict_narratives.figures import FigureBook
    from conflict_narratives.report import build

    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))  # the kernel imports this checkout
    out = live["home"] / "reports" / "fk" / "05_updates.ipynb"
    build.execute_notebook(build.notebooks_dir() / "05_updates.ipynb", out,
                           {"corpus": "fk", "sample": 0, "overrides": FAST,
                            "home": str(live["home"])})
    names = {e["name"] for e in FigureBook(out.parent / "figures").entries("updates")}
    assert {"update_added_per_topic", "update_candidates"} <= names
