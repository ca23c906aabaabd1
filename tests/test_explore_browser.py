"""explore.html in a real browser (headless system Chromium through Playwright), on a small
constructed corpus: no network request, Arabic search with its spelling variants, the
reader, brushing a period, clicking an event."""

from __future__ import annotations

from pathlib import Path

import pytest

import explore_case as case
from conflict_narratives import explore
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.explore import browser

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed "
                             "(pip install -e '.[dev]')").expect

pytestmark = [pytest.mark.xdist_group("browser"),
              pytest.mark.skipif(browser.missing() is not None,
                                 reason=f"no browser to drive: {browser.missing()}")]

HIGHLIGHTED = """() => {
  const d = Bokeh.documents[0].get_model_by_name("docs").data
  return Array.from(d.alpha).flatMap((a, i) => a > 0.5 ? [i] : [])
}"""

SELECTED = "(name) => Bokeh.documents[0].get_model_by_name(name).selected.indices"

ROOT = Path(__file__).resolve().parents[1]
SHOT = "reports/benchmarks/explore_workflow.png"  # the README workflow picture, taken here


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    docs = case.corpus()
    page = explore.explore(docs, case.topic_result(docs), case.timeline_result(),
                           settings=case.settings(), title="constructed case")
    return page, page.save(tmp_path_factory.mktemp("explore") / "explore.html")


@pytest.fixture
def page(view):
    with browser.chromium() as page:
        browser.open_page(page, view[1])
        yield page
        assert page.errors == []


def count(page, what: str, expected: int) -> bool:
    """The status line's count of documents ``what`` (shown, hl) reaches ``expected``
    (waits for the page's update, up to 10 s)."""
    expect(page.locator(f"#n-{what}")).to_have_text(f"{expected:,}", timeout=10_000)
    return True


def test_page_makes_no_network_request(view, page):
    page.locator("input[placeholder^='search']").fill("oil")
    page.get_by_text("2018-02-16").click()
    page.wait_for_timeout(300)
    assert page.requests == [view[1].resolve().as_uri()]


def test_arabic_search_highlights_and_counts_every_spelling(view, page):
    data = view[0].data
    query = "الغوطه"  # ha, not ta marbuta: the corpus spells it الغوطة, الغُوطة
    norms = [normalize_for_analysis(f"{title} {text}") for title, text in data.texts]
    expected = [i for i, norm in enumerate(norms) if normalize_for_analysis(query) in norm]
    assert 0 < len(expected) < len(data.docs)
    assert any("الغُوطة" in data.texts[i][0] for i in expected)  # a diacritic in between
    page.locator("input[placeholder^='search']").fill(query)
    assert count(page, "hl", len(expected))
    assert page.evaluate(HIGHLIGHTED) == expected
    # the page normalised every document as Python does
    assert page.evaluate("() => Bokeh.documents[0].get_model_by_name('docs').data.norm") == norms
    assert set(data.docs.loc[expected, "topic"]) == {0}  # the topic list counts them too
    row = page.locator(".slick-row").filter(has_text="الغوطة قصف").first.inner_text()
    assert row.splitlines()[1:3] == [str((data.docs["topic"] == 0).sum()), str(len(expected))]


def test_clicking_a_point_shows_its_text_in_the_reader(view, page):
    data = view[0].data
    for i in (5, 7):  # an English and an Arabic document
        (x, y), = browser.screen_xy(page, "map", [data.docs["x"][i]], [data.docs["y"][i]])
        page.mouse.click(x, y)
        expect(page.locator("#reader-title")).to_have_text(data.texts[i][0])
        page.wait_for_timeout(500)  # two quick taps would read as a double tap
        direction = "rtl" if data.docs["lang"][i] == "ar" else "ltr"
        assert page.locator("#reader-text").get_attribute("dir") == direction


def test_brushing_a_period_counts_the_documents_shown(view, page):
    data = view[0].data
    bins = data.bins
    a, b = 2, 4
    y = float(bins["n"].max()) / 2
    mid = (bins["left"] + bins["right"]) / 2  # from the middle of bar a to that of bar b
    (x0, y0), (x1, _) = browser.screen_xy(page, "histogram", [mid[a], mid[b]], [y, y])
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y0, steps=8)
    page.mouse.up()
    expect(page.locator("#n-shown")).not_to_have_text(f"{len(data.docs):,}")
    assert page.evaluate(SELECTED, "bins") == list(range(a, b + 1))
    dates = data.docs["date"].to_numpy()
    expected = int(((dates >= bins["left"][a]) & (dates < bins["right"][b])).sum())
    assert 0 < expected < len(data.docs)
    assert count(page, "shown", expected)


def test_clicking_an_event_selects_its_documents_and_period(view, page):
    data = view[0].data
    story = data.events.index[data.events["level"] == "story"][0]
    event = data.events.loc[story]
    members = list(event["members"])
    docs = data.docs
    assert members and set(docs.loc[members, "topic"]) == {1}  # the event's own topic
    page.get_by_text(event["date"]).click()
    assert count(page, "hl", len(members))
    assert page.evaluate(HIGHLIGHTED) == members
    in_period = ((docs["date"] >= event["start"]) & (docs["date"] < event["end"])).sum()
    assert in_period < len(docs) and count(page, "shown", in_period)
    page.get_by_text("Reset").click()
    assert count(page, "shown", len(docs)) and page.locator("#n-hl").count() == 0


def test_semantic_hits_are_highlighted(tmp_path):
    docs = case.corpus()
    hits = docs[["doc_id"]].iloc[[3, 8, 13]].assign(score=[0.9, 0.8, 0.7])
    page_file = explore.explore(docs, case.topic_result(docs), None, settings=case.settings(),
                                title="hits", hits=hits).save(tmp_path / "hits.html")
    with browser.chromium() as page:
        browser.open_page(page, page_file)
        assert count(page, "hl", 3)
        assert page.evaluate(HIGHLIGHTED) == [3, 8, 13]
        assert "3 of 3 semantic hits" in page.content()


def test_without_native_base64_the_texts_still_unpack(view):
    """Browsers before Uint8Array.fromBase64 (Chromium 140, Firefox 133, Safari 18.2)."""
    with browser.chromium() as page:
        page.add_init_script("delete Uint8Array.fromBase64")
        browser.open_page(page, view[1])
        page.locator("input[placeholder^='search']").fill("oil")
        assert count(page, "hl", sum("oil" in t[0].lower() + t[1].lower()
                                     for t in view[0].data.texts))
        assert page.errors == []


def test_the_readme_workflow_and_its_screenshot(tmp_path):
    """The README's notebook workflow (open → search → explore → figure) on the constructed
    case as a fit leaves it: the page highlights what the search box matches (all found by
    ``run.search``) and reads a clicked report; its screenshot is the README's picture,
    rewritten only when it changed."""
    import conflict_narratives as cn

    case.planted(tmp_path, n=180)
    run = cn.open("case", home=tmp_path)
    query = "الغوطه"
    hits = run.search(query, k=100)
    view = run.explore(query=query)
    figure = cn.figures.document_map(run.topics().doc_topics, run.topics().topic_info)
    assert len(figure.axes[0].texts) == len(run.topics().topic_info)  # a label per topic
    ghouta = run.topics().doc_topics["topic"] == 0  # every Ghouta report, however spelt
    assert set(hits["doc_id"]) == set(run.topics().doc_topics.loc[ghouta, "doc_id"])
    data = view.data
    norms = [normalize_for_analysis(f"{title} {text}") for title, text in data.texts]
    expected = [i for i, norm in enumerate(norms) if normalize_for_analysis(query) in norm]
    assert set(data.docs.loc[expected, "doc_id"]) < set(hits["doc_id"])
    with browser.chromium() as page:
        browser.open_page(page, view.save(tmp_path / "explore.html"))
        assert count(page, "hl", len(expected))
        assert page.evaluate(HIGHLIGHTED) == expected
        i = expected[len(expected) // 2]
        (x, y), = browser.screen_xy(page, "map", [data.docs["x"][i]], [data.docs["y"][i]])
        page.mouse.click(x, y)
        expect(page.locator("#reader-title")).to_have_text(data.texts[i][0])
        assert page.locator("#reader-text").get_attribute("dir") == "rtl"
        page.evaluate("() => document.activeElement?.blur()")  # no focus ring in the picture
        page.wait_for_timeout(300)  # the hover tooltip drawn
        shot = page.screenshot(animations="disabled", caret="hide")
        assert page.errors == []
    assert f"]({SHOT})" in (ROOT / "README.md").read_text(encoding="utf-8")
    path = ROOT / SHOT
    if not path.is_file() or path.read_bytes() != shot:
        path.write_bytes(shot)
