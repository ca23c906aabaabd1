"""The progressive report: a first view from the fit sample before the rest is embedded, then
the same final result as a report without it (fa-kes, 778 documents, fitted on 300)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import embeddings, progressive, topics
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store
from conflict_narratives.topics.assign import assign_nearest, place_near
from conftest import use_project

SAMPLED = {"topics": {"fit_sample_in_process": 300}}

pytestmark = pytest.mark.xdist_group("progressive")


def _tables(run) -> dict[str, pd.DataFrame]:
    """Every table of every stage of ``run``, read back from the store."""
    out = {}
    for stage in ("topics", "timelines", "narratives"):
        for path in sorted(run.stage(stage).path.glob("*.parquet")):
            out[f"{stage}/{path.stem}"] = pd.read_parquet(path)
    return out


@pytest.mark.slow  # a cold report with its notebooks, then the same stages without
@pytest.mark.notebook
def test_first_view_before_the_rest_is_embedded_then_the_non_progressive_result(
        tmp_path, monkeypatch):
    home = use_project(monkeypatch, tmp_path / "progressive")  # an empty embedding cache
    calls = []
    embed, fit = embeddings.embed_corpus, topics.build_topics

    def recording(df, **kwargs):  # what was on disk when each embedding began
        index = home / "reports" / "fa-kes" / "index.html"
        done = embed(df, **kwargs)
        calls.append({"n_docs": len(df), **done.stats,
                      "first_view": index.is_file() and "PROVISIONAL" in index.read_text(),
                      "explore": (index.parent / progressive.FOLDER / "explore.html").is_file()})
        return done

    fits = []
    monkeypatch.setattr(embeddings, "embed_corpus", recording)
    monkeypatch.setattr(topics, "build_topics", lambda *a, **k: fits.append(1) or fit(*a, **k))
    run = Pipeline("fa-kes", store=Store(home), overrides=SAMPLED)
    summary = run.report()

    sample, rest = calls[0], calls[1]
    assert (sample["n_docs"], rest["n_docs"]) == (300, 778)
    assert not sample["first_view"] and rest["first_view"] and rest["explore"]
    assert sample["n_computed"] == sample["n_texts"] > 0  # the cache was empty
    assert rest["n_cached"] == sample["n_texts"]  # the sample was not embedded again
    assert rest["n_computed"] == rest["n_texts"] - sample["n_texts"]
    assert len(fits) == 1  # the first view's fit is the stage's
    first = summary["first_view"]
    assert first["provisional"] and first["fit_docs"] == 300 and first["n_docs"] == 778
    assert first["figures"] > 0 and first["explore"]
    # the final report replaced the provisional one
    out = home / "reports" / "fa-kes"
    assert "PROVISIONAL" not in (out / "index.html").read_text(encoding="utf-8")
    assert not (out / progressive.FOLDER).exists() and (out / "explore.html").is_file()
    assert json.loads((out / "summary.json").read_text())["first_view"]["provisional"]
    result = run.topics()
    assert result.meta["fit_sample"] == 300 and result.meta["assigned"] == 478
    assert progressive.declined(Pipeline("fa-kes", store=Store(home), overrides=SAMPLED)) \
        == "the topics are saved already"

    # the same settings without the first view, in another project folder (its cache
    # filled by the first: vectors do not depend on the cache, tests/test_determinism.py)
    other = use_project(monkeypatch, tmp_path / "plain")
    (other / "data" / "interim").mkdir(parents=True)
    (other / "data" / "interim" / "embeddings").symlink_to(home / "data" / "interim" /
                                                           "embeddings")
    plain = Pipeline("fa-kes", store=Store(other),
                     overrides=SAMPLED | {"report": {"progressive": False}})
    assert progressive.declined(plain) == "report.progressive is off"
    plain.run()
    again = Pipeline("fa-kes", store=Store(home), overrides=SAMPLED)
    for stage in ("topics", "timelines", "narratives"):
        assert plain.key(stage) == again.key(stage)
    ours, theirs = _tables(again), _tables(plain)
    assert ours.keys() == theirs.keys() and len(ours) > 10
    for name, table in ours.items():
        pd.testing.assert_frame_equal(table, theirs[name], obj=name)


def test_the_assigned_documents_follow_their_nearest_centroid_and_sit_on_the_map(
        tmp_path, monkeypatch):
    """In process, the documents outside the fit sample go to their nearest topic centroid
    and onto the document map; the fitted ones keep their fit."""
    home = use_project(monkeypatch, tmp_path)
    run = Pipeline("fa-kes", store=Store(home), overrides=SAMPLED)
    assert progressive.declined(run) is None
    result, sample = run.topics(), run.fit_positions
    fitted = run.fit_sample_topics(run.run_topics().path / "again")
    rest = np.setdiff1d(np.arange(len(run.corpus)), sample)
    expected, _ = assign_nearest(run.embeddings.matrix[rest], result.centroids)
    np.testing.assert_array_equal(result.doc_topics["topic"].to_numpy()[rest], expected)
    np.testing.assert_array_equal(result.doc_topics["topic"].to_numpy()[sample],
                                  fitted.doc_topics["topic"].to_numpy())
    assert result.doc_topics[["x", "y"]].notna().all().all()
    assert result.topic_info["size"].sum() == len(run.corpus) == 778


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
