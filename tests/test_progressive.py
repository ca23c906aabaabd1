"""The progressive report: a first view from the fit sample before the rest is embedded, then
the same final result as a report without it (fa-kes samples, fitted on a third)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import embeddings, progressive, topics
from conflict_narratives.common.system import n_threads
from conflict_narratives.embeddings.views import doc_units
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store
from conflict_narratives.topics.assign import assign_nearest, place_near
from conftest import share_embedding_cache, use_project

SAMPLED = {"topics": {"fit_sample_in_process": 100}}
N_DOCS = 300  # a seeded sample of fa-kes; the topics fitted on 100 of them

pytestmark = pytest.mark.xdist_group("progressive")


def _tables(run) -> dict[str, pd.DataFrame]:
    """Every table of every stage of ``run``, read back from the store."""
    out = {}
    for stage in ("topics", "timelines", "narratives"):
        for path in sorted(run.stage(stage).path.glob("*.parquet")):
            out[f"{stage}/{path.stem}"] = pd.read_parquet(path)
    return out


def _recording(monkeypatch, home: Path, label: str) -> list[dict]:
    """Each embedding call from now on: its stats, and whether the first view was on disk
    when it began."""
    calls, embed = [], embeddings.embed_corpus

    def recording(df, **kwargs):
        index = home / "reports" / label / "index.html"
        shown = index.is_file() and "PROVISIONAL" in index.read_text(encoding="utf-8")
        done = embed(df, **kwargs)
        calls.append({"n_docs": len(df), **done.stats, "first_view": shown})
        return done

    monkeypatch.setattr(embeddings, "embed_corpus", recording)
    return calls


def _windowed_past_the_sample(home: Path) -> dict:
    """The settings of the case: the sample's texts embedded whole on a pool, the rest in
    this process, some in windows (pooled: the case where a document's row once depended on
    the others embedded with it, so the sample alone got other bits than the same rows of
    the whole)."""
    run = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=SAMPLED)
    lengths = np.array([len(u[0]) for u in doc_units(run.corpus, "full")])
    window = int(lengths[run.fit_positions].max()) + 1
    assert (lengths > window).sum() > 0  # some documents outside the sample are windowed
    # a pool for 240 missing texts: for the sample (its third: 80), not for the 200 after
    return SAMPLED | {"embeddings": {"window_chars": window, "pool_min_texts": 240,
                                     "workers": "auto"}}


def test_a_progressive_run_ends_with_the_tables_of_a_run_without_it(tmp_path, monkeypatch):
    """The first view comes before the rest is embedded; every stage table after it equals
    the one a run without it gives with the same settings."""
    home = use_project(monkeypatch, tmp_path / "progressive")  # an empty embedding cache
    overrides = _windowed_past_the_sample(home)
    calls = _recording(monkeypatch, home, f"fa-kes-sample{N_DOCS}")
    fits = []
    fit = topics.build_topics
    monkeypatch.setattr(topics, "build_topics", lambda *a, **k: fits.append(1) or fit(*a, **k))
    run = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=overrides)
    first = progressive.first_view(run, time.perf_counter())
    run.run()

    sample, rest = calls
    assert (sample["n_docs"], rest["n_docs"]) == (100, N_DOCS)
    assert not sample["first_view"] and rest["first_view"]
    assert sample["n_computed"] == sample["n_texts"] > 0  # the cache was empty
    assert (sample["workers"], rest["workers"]) == (n_threads(), 1)  # the same bits
    assert rest["n_cached"] == sample["n_texts"]  # the sample was not embedded again
    assert rest["n_computed"] == rest["n_texts"] - sample["n_texts"]
    assert len(fits) == 1  # the first view's fit is the stage's
    assert first["provisional"] and (first["fit_docs"], first["n_docs"]) == (100, N_DOCS)
    folder = run.store.report_dir(run.label) / progressive.FOLDER
    assert first["figures"] == len(list((folder / "figures").glob("*.png"))) > 0
    index = run.store.report_dir(run.label) / "index.html"
    shown = re.findall(r"<img src='([^']+)'", index.read_text(encoding="utf-8"))
    assert len(shown) == first["figures"]  # each figure on the page, from where it is
    assert all((index.parent / src).is_file() for src in shown)
    assert first["explore"] and (folder / "explore.html").is_file()

    # the same settings without the first view, in another project folder whose run embeds
    # the whole corpus at once (the cache filled by the first: the same unit vectors)
    other = use_project(monkeypatch, tmp_path / "plain")
    (other / "data" / "interim").mkdir(parents=True)
    (other / "data" / "interim" / "embeddings").symlink_to(home / "data" / "interim" /
                                                           "embeddings")
    plain = Pipeline("fa-kes", sample=N_DOCS, store=Store(other),
                     overrides=overrides | {"report": {"progressive": False}})
    assert progressive.declined(plain) == "report.progressive is off"
    plain.run()
    assert calls[-1]["n_docs"] == N_DOCS and calls[-1]["n_computed"] == 0
    again = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=overrides)
    for stage in ("topics", "timelines", "narratives"):
        assert plain.key(stage) == again.key(stage)
    ours, theirs = _tables(again), _tables(plain)
    assert ours.keys() == theirs.keys() and len(ours) > 10
    for name, table in ours.items():
        pd.testing.assert_frame_equal(table, theirs[name], obj=name)
    result = again.topics()
    assert result.meta["fit_sample"] == 100 and result.meta["assigned"] == N_DOCS - 100
    assert progressive.declined(again) == "the topics are saved already"
    changed = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=overrides | {
        "topics": SAMPLED["topics"] | {"min_cluster_size": 7}})  # nothing left to embed
    assert "embedded already" in progressive.declined(changed)


def test_a_first_view_on_part_of_the_sample_comes_first_and_changes_nothing(tmp_path,
                                                                            monkeypatch):
    """``report.first_view_docs`` below the sample: those documents (a part of the sample)
    are embedded and fitted first, provisionally; the sample's other documents are embedded
    after it, and the topics are those of a run without a first view."""
    home = use_project(monkeypatch, tmp_path / "part")  # an empty embedding cache
    part = SAMPLED | {"report": {"first_view_docs": 40}}
    calls = _recording(monkeypatch, home, f"fa-kes-sample{N_DOCS}")
    fits, provisional = [], []
    fit, fit_only = topics.build_topics, topics.fit_topics
    monkeypatch.setattr(topics, "build_topics", lambda *a, **k: fits.append(1) or fit(*a, **k))
    monkeypatch.setattr(topics, "fit_topics",
                        lambda *a, **k: provisional.append(1) or fit_only(*a, **k))
    run = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=part)
    view = progressive.view_positions(run)
    assert len(view) == 40 and np.isin(view, run.fit_positions).all()
    first = progressive.first_view(run, time.perf_counter())
    assert first["fit_docs"] == 40 and first["provisional"]
    assert (len(provisional), len(fits)) == (1, 0)  # fitted, neither saved nor scored
    assert not (run.store.stage_dir(run.name, "topics", run.key("topics")) / "model").exists()
    result = run.topics()
    assert len(fits) == 1  # the stage fits the whole sample itself
    assert [(c["n_docs"], c["n_computed"], c["first_view"]) for c in calls] == [
        (40, 40, False), (100, 60, True), (N_DOCS, N_DOCS - 100, True)]
    other = use_project(monkeypatch, tmp_path / "plain")  # the vectors the first computed
    (other / "data" / "interim").mkdir(parents=True)
    (other / "data" / "interim" / "embeddings").symlink_to(home / "data" / "interim" /
                                                           "embeddings")
    plain = Pipeline("fa-kes", sample=N_DOCS, store=Store(other),
                     overrides=part | {"report": {"progressive": False}}).topics()
    assert result.meta["fit_sample"] == 100
    pd.testing.assert_frame_equal(result.doc_topics, plain.doc_topics)
    pd.testing.assert_frame_equal(result.topic_info, plain.topic_info)


@pytest.mark.slow  # a cold report with its notebooks
@pytest.mark.notebook
def test_the_final_report_replaces_the_first_view(tmp_path, monkeypatch):
    home = use_project(monkeypatch, tmp_path)
    label = f"fa-kes-sample{N_DOCS}"
    calls = _recording(monkeypatch, home, label)
    summary = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=SAMPLED).report()
    assert [c["first_view"] for c in calls] == [False, True]
    first = summary["first_view"]
    assert first["provisional"] and first["fit_docs"] == 100 and first["n_docs"] == N_DOCS
    out = home / "reports" / label
    assert "PROVISIONAL" not in (out / "index.html").read_text(encoding="utf-8")
    assert not (out / progressive.FOLDER).exists() and (out / "explore.html").is_file()
    assert json.loads((out / "summary.json").read_text())["first_view"]["provisional"]


def test_the_assigned_documents_follow_their_nearest_centroid_and_sit_on_the_map(
        tmp_path, monkeypatch):
    """In process, the documents outside the fit sample go to their nearest topic centroid
    and onto the document map; the fitted ones keep their fit."""
    home = share_embedding_cache(use_project(monkeypatch, tmp_path))
    run = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=SAMPLED)
    result, sample = run.topics(), run.fit_positions
    fitted = run.fit_sample_topics(run.run_topics().path / "again")
    rest = np.setdiff1d(np.arange(len(run.corpus)), sample)
    expected, _ = assign_nearest(run.embeddings.matrix[rest], result.centroids)
    np.testing.assert_array_equal(result.doc_topics["topic"].to_numpy()[rest], expected)
    np.testing.assert_array_equal(result.doc_topics["topic"].to_numpy()[sample],
                                  fitted.doc_topics["topic"].to_numpy())
    assert result.doc_topics[["x", "y"]].notna().all().all()
    assert result.topic_info["size"].sum() == len(run.corpus) == N_DOCS


def test_a_topic_change_reuses_what_extends_the_sample_fit(tmp_path, monkeypatch):
    """Every document's counts of the sample's vocabulary, its nearest sample documents and
    the sample's spellings do not depend on the clustering: a ``min_cluster_size`` change
    reads them back, and its result is the one computed without them."""
    from conflict_narratives.common import vectorize
    from conflict_narratives.topics import model, scale

    home = share_embedding_cache(use_project(monkeypatch, tmp_path / "a"))
    Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=SAMPLED).topics()
    assert len(list((home / "data" / "interim" / "extension").glob("*.npz"))) == 1
    calls = []
    for module, name in ((scale, "term_counts"), (scale, "nearest_placed"),
                         (scale, "spellings"), (model, "spellings"), (vectorize, "spellings")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _r=real, _n=name, **k:
                            calls.append(_n) or _r(*a, **k))
    changed = SAMPLED | {"topics": SAMPLED["topics"] | {"min_cluster_size": 7}}
    kept = Pipeline("fa-kes", sample=N_DOCS, store=Store(home), overrides=changed).topics()
    assert calls == []  # read back, not computed
    fresh = share_embedding_cache(use_project(monkeypatch, tmp_path / "b"))
    computed = Pipeline("fa-kes", sample=N_DOCS, store=Store(fresh), overrides=changed).topics()
    # the sample's spellings found once, for the fit and its extension alike
    assert sorted(calls) == ["nearest_placed", "spellings", "term_counts"]
    pd.testing.assert_frame_equal(kept.doc_topics, computed.doc_topics)
    pd.testing.assert_frame_equal(kept.topic_info, computed.topic_info)


def test_place_near_puts_a_document_among_its_most_similar():
    placed = np.eye(4, dtype=np.float32)
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    same = placed[2:3]  # a copy of a placed document, k = 1: on it
    np.testing.assert_allclose(place_near(same, placed, xy, 1), [[0.0, 10.0]])
    between = (placed[0] + placed[1]) / np.sqrt(2)  # equally like two: halfway
    np.testing.assert_allclose(place_near(between[None], placed, xy, 2), [[5.0, 0.0]],
                               atol=1e-4)
    assert place_near(placed, placed, xy, 10).shape == (4, 2)  # k past the placed: all


def test_no_first_view_where_it_cannot_help_or_be_the_same(tmp_path, monkeypatch):
    home = use_project(monkeypatch, tmp_path)
    small = Pipeline("fa-kes", store=Store(home))  # 778 documents: fitted whole
    assert "fitted on every document" in progressive.declined(small)
    lsa = Pipeline("fa-kes", store=Store(home), overrides=SAMPLED | {
        "embeddings": {"backend": "tfidf-lsa"}})
    assert "fitted on the whole corpus" in progressive.declined(lsa)
