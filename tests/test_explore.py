"""The explore view's tables and page (no browser: see test_explore_browser.py), and
``run.explore()`` on a pipeline, in Python and in an executed notebook."""

from __future__ import annotations

import base64
import gzip
import html
import json

import nbformat
import numpy as np
import pandas as pd
import pytest

import explore_case as case
from conflict_narratives import explore
from conflict_narratives.common.textnorm import lead
from conflict_narratives.report.build import KERNEL, write_index


def build(n: int = 60, **cfg):
    docs = case.corpus(n)
    return docs, explore.explore_data(docs, case.topic_result(docs).doc_topics,
                                      case.topic_result(docs).topic_info,
                                      case.timeline_result().events,
                                      settings=case.settings(**cfg))


def test_every_document_is_on_the_map_with_its_topic_and_texts():
    docs, data = build()
    assert data.counts | {"sampled": False} == data.counts and data.counts["shown"] == 60
    assert data.docs["doc_id"].tolist() == docs["doc_id"].tolist()
    cols = json.loads(gzip.decompress(base64.b64decode(data.packed())).decode("utf-8"))
    assert [len(c) for c in cols] == [60] * 5
    title, text, outlet, lang, label = (c[3] for c in cols)
    assert title == docs["title"][3] and outlet == docs["source"][3] and lang == "ar"
    assert text == docs["text"][3]
    assert "الغوطة" in label  # the topic's label, not a number
    assert (data.topics["n"].sum(), data.bins["n"].sum()) == (60, 60)


def test_a_large_corpus_is_sampled_seeded_and_its_texts_cut():
    docs, data = build(90, max_points=40, text_chars=20, min_text_chars=10)
    assert data.counts["sampled"] and data.counts["shown"] == 40
    assert data.counts["corpus"] == 90
    assert build(90, max_points=40)[1].docs["doc_id"].tolist() == data.docs["doc_id"].tolist()
    assert max(len(t[1]) for t in data.texts) <= 22  # cut at a space, with an ellipsis
    assert all(t[1].endswith("…") for t in data.texts)
    # an event's members are positions on the map, all of its topic and period
    for ev in data.events.itertuples():
        chosen = data.docs.loc[list(ev.members)]
        assert chosen["date"].between(ev.start, ev.end - 1).all()
        assert chosen["topic"].nunique() == 1
    assert data.events["n_docs"].tolist() == [7, 3]  # the events' own, not the sample's


def test_events_are_listed_in_the_ranking_s_order():
    docs = case.corpus(60)
    events = case.timeline_result().events
    data = explore.explore_data(docs, case.topic_result(docs).doc_topics,
                                case.topic_result(docs).topic_info, events.assign(rank=[2, 1]),
                                settings=case.settings())
    assert data.events["summary"].tolist() == events["summary"].tolist()[::-1]
    assert data.events["rank"].tolist() == [1, 2]
    assert build()[1].events["summary"].tolist() == events["summary"].tolist()  # no rank: by date


def test_the_text_budget_shortens_texts_of_large_corpora_only():
    cfg = {"text_chars": 3000, "min_text_chars": 300, "text_budget_mb": 16}
    assert explore.text_chars(500, cfg) == 3000
    assert 300 < explore.text_chars(30_000, cfg) < 3000
    assert explore.text_chars(10_000_000, cfg) == 300


def test_documents_without_a_position_are_counted_and_a_missing_map_is_an_error():
    docs = case.corpus()
    result = case.topic_result(docs)
    result.doc_topics.loc[:4, "x"] = np.nan
    data = explore.explore_data(docs, result.doc_topics, result.topic_info,
                                settings=case.settings())
    assert (data.counts["unplaced"], data.counts["shown"]) == (5, 55)
    result.doc_topics["x"] = np.nan
    with pytest.raises(ValueError, match="doc_map"):
        explore.explore_data(docs, result.doc_topics, result.topic_info,
                             settings=case.settings())


def test_an_undated_corpus_without_headlines_still_has_a_page():
    docs = case.corpus().drop(columns=["date", "title"])
    result = case.topic_result(docs)
    view = explore.explore(docs, result, None, settings=case.settings(), title="undated")
    assert view.data.bins.empty and (view.data.docs["bin"] == -1).all()
    assert "Bokeh" in view.html
    # no title: the hover and the reader show the text's lead, its first sentence
    text = docs.set_index("doc_id")["text"]
    for doc_id, (title, _) in zip(view.data.docs["doc_id"], view.data.texts, strict=True):
        assert title == lead(text[doc_id]) and title and text[doc_id].startswith(title)


def test_hits_need_ids_and_scores():
    docs = case.corpus()
    result = case.topic_result(docs)
    with pytest.raises(ValueError, match="doc_id and score"):
        explore.explore_data(docs, result.doc_topics, result.topic_info,
                             settings=case.settings(), hits=pd.DataFrame({"id": ["d001"]}))


def test_the_page_is_self_contained():
    docs = case.corpus()
    page = explore.explore(docs, case.topic_result(docs), case.timeline_result(),
                           settings=case.settings(), title="case").html
    # every script and style inline (what the page loads at run time: the browser test)
    assert "<script src=" not in page and "<link " not in page and "@import" not in page
    assert page.count("<script") >= 5


@pytest.fixture
def planted(tmp_path):
    return case.planted(tmp_path / "project")


def test_run_explore_reads_the_runs_results(planted):
    view = planted.explore(query="الغوطه")
    assert view.data.counts["shown"] == len(planted.corpus) == 60
    assert len(view.data.events) == 2 and view.data.query == "الغوطه"
    shown = view._repr_html_()
    assert shown.startswith("<iframe") and "Bokeh" in html.unescape(shown)


def test_the_report_writes_explore_html_once_and_links_it(planted):
    from conflict_narratives import publish

    first = publish.write_explore(planted)
    page = planted.store.explore_page(planted.label)
    assert not first["reused"] and page.is_file()
    assert publish.write_explore(planted)["reused"]  # nothing changed: not written again
    index = write_index(page.parent, "case", [], {}, {})
    assert "href='explore.html'" in index.read_text(encoding="utf-8")
    mapless = planted.topics()
    mapless.doc_topics["x"] = float("nan")  # a fit without its document map: no page
    page.with_suffix(".json").unlink()
    assert "doc_map" in publish.write_explore(planted)["skipped"] and not page.exists()


@pytest.mark.notebook
def test_a_notebook_shows_the_view_inline(planted, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import conflict_narratives as cn\n"
                                  f"run = cn.open('case', home={str(planted.store.root)!r})"),
        nbformat.v4.new_code_cell("run.explore(query='الغوطه')")])
    NotebookClient(nb, kernel_name=KERNEL, timeout=300, resources={
        "metadata": {"path": str(tmp_path)}}).execute()
    out = nb.cells[1].outputs
    assert len(out) == 1 and out[0]["output_type"] == "execute_result"
    shown = out[0]["data"]["text/html"]
    assert shown.startswith("<iframe class='cn-explore'")
    inner = html.unescape(shown)
    assert 'name="search"' in inner or '"search"' in inner
    assert "Bokeh" in inner and json.dumps("الغوطه")[1:-1] in inner  # the query, in its JSON


def test_the_command_line_writes_the_page(planted, monkeypatch, capsys, tmp_path):
    from conflict_narratives import cli
    from conflict_narratives.store import ENV_HOME

    monkeypatch.setenv(ENV_HOME, str(planted.store.root))
    cli.main(["explore", "case", "--query", "الغوطه", "--out", str(tmp_path / "x.html")])
    done = json.loads(capsys.readouterr().out)
    assert done["explore"] == str(tmp_path / "x.html") and done["mb"] > 1
    assert json.dumps("الغوطه")[1:-1] in (tmp_path / "x.html").read_text(encoding="utf-8")


def test_stray_and_out_of_range_dates_neither_stretch_nor_coarsen_the_histogram():
    docs = case.corpus(300)  # ten a day for 30 days: daily bins
    docs["date"] = case.START + pd.to_timedelta(np.arange(300) // 10, unit="D")
    docs["date_status"] = "ok"
    strays = docs.index[:3]  # one years before the rest, one out of range, one after
    docs.loc[strays, "date"] = pd.to_datetime(["2012-05-01", "1970-01-01", "2021-01-01"],
                                              utc=True)
    docs.loc[strays[1], "date_status"] = "out_of_range"
    result = case.topic_result(docs)
    data = explore.explore_data(docs, result.doc_topics, result.topic_info,
                                settings=case.settings())
    bins = data.bins
    assert len(bins) == 30 and (bins["right"] - bins["left"] == 86_400_000).all()
    assert bins["n"].tolist() == [7] + [10] * 29 and data.counts["off_axis"] == 3
    assert (data.docs.loc[strays, "bin"] == -1).all()
    assert "3 dated outside the histogram" in explore.explore(
        docs, result, None, settings=case.settings(), title="strays").html
