"""Figures: every plot renders Arabic + English data without missing glyphs, ``save`` writes
PNG/SVG/PDF, Arabic is drawn as paths, labels compose safely, and layouts do not overlap."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import matplotlib
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage

from conflict_narratives import figures

AR = ["داعش الموصل العراق", "الغوطة الشرقية دمشق", "عفرين تركيا الأكراد", "الحديدة اليمن",
      "إدلب المعارضة", "دوما الكيماوي"]
EN = ["isis mosul iraq", "ghouta damascus", "afrin turkey kurds"]
LABELS = AR + EN
RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def strict_glyphs(monkeypatch, tmp_path):
    """Missing-glyph warnings fail the test; reports go to a temporary project."""
    monkeypatch.setenv("CONFLICT_NARRATIVES_HOME", str(tmp_path))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"(?s).*Glyph .* missing")
        yield


def _corpus(n: int = 240) -> pd.DataFrame:
    dates = pd.to_datetime("2018-02-01", utc=True) + pd.to_timedelta(RNG.integers(0, 200, n), "D")
    df = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)],
        "text": [" ".join(RNG.choice(LABELS, RNG.integers(2, 60))) for _ in range(n)],
        "date": dates,
        "source": RNG.choice(["سكاي نيوز", "BBC", "CNN", "france24"], n),
        "lang": RNG.choice(["ar", "ar", "en", "fr"], n),
        "date_status": "ok",
    })
    df.loc[:4, ["date", "date_status"]] = [pd.NaT, "missing"]
    df.loc[5:7, "date"] = pd.Timestamp("2012-01-01", tz="UTC")
    df.loc[5:7, "date_status"] = "out_of_range"
    df.loc[8, "text"] = ""
    return df


def _topic_info() -> pd.DataFrame:
    k = len(LABELS)
    return pd.DataFrame({
        "topic": list(range(-1, k)),
        "size": [50, *sorted(RNG.integers(10, 200, k).tolist(), reverse=True)],
        "label": ["-1_outliers"] + [f"{i}_" + lb.replace(" ", "_") for i, lb in enumerate(LABELS)],
        "words": [["noise"]] + [lb.split() + ["قصف", "2018"] for lb in LABELS],
        "weights": [[1.0]] + [sorted(RNG.random(5).tolist(), reverse=True) for _ in LABELS],
    })


def _doc_topics(n: int = 400) -> pd.DataFrame:
    topic = RNG.integers(-1, len(LABELS), n)
    centres = RNG.normal(0, 5, (len(LABELS) + 1, 2))
    xy = centres[topic + 1] + RNG.normal(0, 1, (n, 2))
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "topic": topic,
                         "x": xy[:, 0], "y": xy[:, 1]})


def _long() -> pd.DataFrame:
    periods = pd.period_range("2018-02", periods=20, freq="W")
    rows = [(p, s, float(RNG.poisson(10))) for p in periods for s in LABELS[:5]]
    df = pd.DataFrame(rows, columns=["period", "series", "value"])
    df["burst"] = RNG.random(len(df)) > 0.85
    return df


def _events() -> pd.DataFrame:
    heads = ["سقوط الموصل: 3 · داعش ينسحب", "Douma attack kills 40", "قصف الحديدة 12/06/2018",
             "Turkey launches Afrin operation", "وقف إطلاق النار في الغوطة", "UN: 1,200 killed",
             "إدلب", "Daraa offensive begins", "اتفاق سوتشي بشأن إدلب", "OPCW reaches Douma"]
    dates = pd.date_range("2018-02-01", "2018-09-30", periods=len(heads), tz="UTC")
    return pd.DataFrame({"date": dates[RNG.permutation(len(heads))], "label": heads,
                         "source": RNG.choice(["BBC", "سكاي نيوز"], len(heads))})


def _graph() -> nx.Graph:
    g = nx.Graph()
    for i, lb in enumerate(LABELS):
        g.add_node(lb, size=int(RNG.integers(1, 50)), group="ar" if i < len(AR) else "en")
    for a, b in zip(LABELS, LABELS[1:] + LABELS[:1], strict=True):
        g.add_edge(a, b, weight=float(RNG.random()))
    return g


def _heat() -> pd.DataFrame:
    table = pd.DataFrame(RNG.random((4, 3)), index=LABELS[:4], columns=["سكاي نيوز", "BBC", "CNN"])
    return table / table.sum()


PLOTS = {
    "documents_over_time": lambda: figures.documents_over_time(_corpus()),
    "length_distribution": lambda: figures.length_distribution(_corpus(), by="lang"),
    "language_mix": lambda: figures.language_mix(_corpus()),
    "topic_sizes": lambda: figures.topic_sizes(_topic_info()),
    "heatmap": lambda: figures.heatmap(_heat(), title="topic × outlet"),
    "stacked_shares": lambda: figures.stacked_shares(_long()),
    "small_multiples": lambda: figures.small_multiples(_long()),
    "small_multiples_intervals": lambda: figures.small_multiples(
        _long(), burst=None, bursts=pd.DataFrame({"series": [LABELS[0], LABELS[3]],
                                                  "start": ["2018-03-01", "2018-04-10"],
                                                  "end": ["2018-03-20", "2018-04-12"]})),
    "event_timeline": lambda: figures.event_timeline(_events(), group="source"),
    "document_map": lambda: figures.document_map(_doc_topics(), _topic_info()),
    "dendrogram": lambda: figures.dendrogram(
        linkage(RNG.random((len(LABELS), 4)), "average"), LABELS),
    "top_words_grid": lambda: figures.top_words_grid(_topic_info(), n_topics=6),
    "network": lambda: figures.network(_graph()),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_renders_and_saves_three_formats(name, tmp_path):
    fig = PLOTS[name]()
    paths = figures.save(fig, tmp_path / "figures", f"{name} figure", dpi=60)
    assert set(paths) == {"png", "svg", "pdf"}
    for ext, path in paths.items():
        assert path == tmp_path / "figures" / f"{name}_figure.{ext}"
        assert path.stat().st_size > 1000
    svg = paths["svg"].read_text(encoding="utf-8")
    assert "<text" not in svg  # text drawn as glyph paths
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    assert fig.axes, "the figure is left open for the caller"


def test_missing_glyph_warnings_fail_the_suite(tmp_path):
    fig, ax = figures.new_figure()
    ax.set_title("漢字")  # in neither Amiri nor DejaVu Sans
    with pytest.raises(UserWarning, match="missing"):
        figures.save(fig, tmp_path, "cjk", formats=("png",))


def test_arabic_is_drawn_with_the_house_fonts_as_paths(tmp_path):
    fig = figures.barh(pd.Series([3, 1], index=["داعش الموصل", "BBC"]))
    svg = figures.save(fig, tmp_path, "bars", formats=("svg",))["svg"].read_text(encoding="utf-8")
    family = figures.font_families()[0].replace(" ", "")
    assert f'id="{family}-' in svg
    pdf = figures.save(fig, tmp_path, "bars", formats=("pdf",))["pdf"].read_bytes()
    assert b"/FontFile2" in pdf  # TrueType embedded (pdf.fonttype 42)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_renders(tmp_path):
    fig = figures.topic_sizes(_topic_info())
    pdf = figures.save(fig, tmp_path, "sizes", formats=("pdf",))["pdf"]
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = matplotlib.image.imread(tmp_path / "page.png")
    assert image.shape[0] > 50 and image.std() > 0.05  # a drawn page, not a blank one


def test_save_is_stable_and_checks_formats(tmp_path):
    fig = figures.heatmap(_heat())
    first = figures.save(fig, tmp_path, "Heat Map!", formats=("svg", "pdf"))
    again = figures.save(fig, tmp_path, "Heat Map!", formats=("svg", "pdf"))
    assert first["svg"].name == "heat_map.svg"
    assert first["svg"].read_bytes() == again["svg"].read_bytes()
    assert first["pdf"].read_bytes() == again["pdf"].read_bytes()
    with pytest.raises(ValueError, match="unsupported"):
        figures.save(fig, tmp_path, "x", formats=("jpg",))


def test_labels_compose_safely():
    assert figures.direction("داعش ISIS") == "rtl"
    assert figures.direction("3 · ISIS داعش") == "ltr"
    assert figures.direction(figures.isolate("-1") + " · خارج") == "rtl"
    label = figures.compose_label("داعش الموصل", -1)
    assert label == "\u2066-1\u2069 · داعش الموصل"
    assert figures.topic_label(3, "3_داعش_الموصل_العراق") == "\u20663\u2069 · داعش الموصل العراق"
    assert figures.topic_label(5, None, ["isis", "mosul"]).endswith("isis mosul")
    assert figures.topic_label(-1, "-1_x").endswith("outliers")
    short = figures.shorten("الغوطة الشرقية دمشق ريف دمشق القصف " * 3, 25)
    assert len(short) <= 25 and short.endswith("…") and "  " not in short
    assert figures.shorten("a\u200fb  c", None) == "ab c"
    assert figures.slugify("Documents per week / skynews") == "documents_per_week_skynews"
    assert figures.slugify("توزيع الموضوعات") == "توزيع_الموضوعات"
    assert figures.fmt_count(1234) == "1,234" and figures.fmt_count(1011.5) == "1,012"


def _visual(text: str) -> str:
    """The characters of ``text`` left to right as matplotlib lays them out (libraqm bidi;
    ``_text_helpers.layout`` is private but is what every backend draws from)."""
    from matplotlib import _text_helpers
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family=figures.font_families()[0])))
    font.set_size(12, 72)
    items = sorted(_text_helpers.layout(text, font), key=lambda item: item.x)
    return "".join(item.char for item in items if item.char not in "\u2066\u2067\u2068\u2069")


def test_composed_numbers_read_right_in_arabic_and_latin():
    assert _visual("-1 · خارج").endswith("1-")  # what happens without the helper
    arabic = _visual(figures.compose_label("خارج", -1))
    assert arabic.endswith("· -1")  # number where Arabic reading starts, sign kept
    assert _visual(figures.compose_label("outliers", -1)).startswith("-1 ·")
    assert _visual(figures.compose_label("الموصل", "12/06/2018")).endswith("12/06/2018")


def test_dated_documents_account_for_every_row():
    corpus = _corpus()
    dated, left_out = figures.dated_documents(corpus)
    assert left_out == {"undated": 5, "out_of_range": 3, "other": 0}
    assert len(dated) + sum(left_out.values()) == len(corpus)
    fig = figures.documents_over_time(corpus)
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "5 undated" in notes and "3 dated outside" in notes


def _boxes(fig, texts):
    """The texts' boxes (an annotation's text alone, without its leader line)."""
    from matplotlib.text import Text

    renderer = fig._get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def _overlaps(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]


def test_event_timeline_labels_do_not_overlap():
    events = pd.concat([_events()] * 3, ignore_index=True)  # crowded: 30 events
    fig = figures.event_timeline(events)
    fig.draw_without_rendering()
    texts = [t for t in fig.axes[0].texts if t.get_text()]
    assert len(texts) == len(events)
    assert not _overlaps(_boxes(fig, texts))
    width = fig.axes[0].get_window_extent()
    for box in _boxes(fig, texts):  # nothing runs off the axes sideways
        assert box.x0 >= width.x0 - 1 and box.x1 <= width.x1 + 1


def test_event_timeline_labels_do_not_overlap_beside_a_tall_legend():
    # the report's figure: 15 events, each of its own topic, so the legend is taller than
    # the lanes; the lanes must be planned for the axes' real width
    heads = [f"{h} {i}" for i, h in enumerate(_events()["label"].tolist() * 2)][:15]
    events = pd.DataFrame({"date": pd.date_range("2013-05-01", "2017-10-01", periods=15,
                                                 tz="UTC")[RNG.permutation(15)],
                           "label": heads, "group": [f"topic {i} · words" for i in range(15)]})
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*constrained_layout not applied")
        fig = figures.event_timeline(events, group="group")
        fig.draw_without_rendering()
    texts = [t for t in fig.axes[0].texts if t.get_text()]
    assert not _overlaps(_boxes(fig, texts))
    assert fig.axes[0].get_legend().get_window_extent().y0 >= 0  # the legend fits


def test_event_timeline_marks_story_and_day_events_apart():
    n = len(_events())
    events = _events().assign(level=(["topic", "story", "day"] * n)[:n])
    fig = figures.event_timeline(events)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(legend) == {"topic burst", "story in a topic", "key day (date ranker)"}
    markers = [ln.get_marker() for ln in ax.lines if len(ln.get_xdata()) == 1]
    assert markers.count("D") == (events["level"] == "story").sum()
    assert markers.count("o") == (events["level"] == "topic").sum()
    assert markers.count("s") == (events["level"] == "day").sum() > 0


def test_document_map_centroid_labels_do_not_overlap():
    doc = _doc_topics(300)
    doc[["x", "y"]] = RNG.normal(0, 0.3, (len(doc), 2))  # all topics on top of each other
    fig = figures.document_map(doc, _topic_info())
    fig.draw_without_rendering()
    assert not _overlaps(_boxes(fig, fig.axes[0].texts))


def test_style_is_applied_without_touching_global_rcparams():
    before = dict(matplotlib.rcParams)
    fig = figures.barh(pd.Series([1, 2], index=["a", "ب"]))
    label = fig.axes[0].get_yticklabels()[0]
    assert label.get_fontfamily()[0] == figures.font_families()[0]
    assert matplotlib.rcParams["font.family"] == before["font.family"]
    assert figures.palette(3) == figures.OKABE_ITO[:3]
    with pytest.raises(ValueError):
        figures.font_families("comic")


def test_bad_input_gets_clear_errors():
    with pytest.raises(KeyError, match="date"):
        figures.documents_over_time(pd.DataFrame({"text": ["x"]}))
    with pytest.raises(ValueError, match="labels"):
        figures.dendrogram(linkage(RNG.random((3, 2))), ["a", "b"])
    with pytest.raises(ValueError, match="no dated"):
        figures.event_timeline(pd.DataFrame({"date": [pd.NaT], "label": ["x"]}))


def test_use_style_choice_carries_into_plot_functions():
    with matplotlib.rc_context():
        try:
            figures.use_style(font="dejavu", base_size=11)
            fig = figures.barh(pd.Series([1, 2], index=["a", "ب"]))
            label = fig.axes[0].get_yticklabels()[0]
            assert label.get_fontfamily() == ["DejaVu Sans"]
            assert label.get_fontsize() == 10.5
        finally:
            figures.use_style()


def test_figure_book_records_captions_and_sections_and_clears_a_section(tmp_path):
    book = figures.FigureBook(tmp_path / "figs", formats=("png",))
    names = book.publish([figures.Panel("a", PLOTS["heatmap"](), "Heat: topic × outlet"),
                          figures.Panel("b map", PLOTS["topic_sizes"](), "Sizes")], "topics")
    assert names == ["a", "b_map"]
    book.add("c", PLOTS["language_mix"](), section="corpus")  # caption from the title
    entries = {e["name"]: e for e in book.entries()}
    assert entries["a"]["caption"] == "Heat: topic × outlet" and entries["a"]["section"] == "topics"
    assert entries["b_map"]["files"]["png"] == tmp_path / "figs" / "b_map.png"
    assert entries["c"]["caption"]
    book.publish([figures.Panel("d", PLOTS["heatmap"](), "New")], "topics")  # redrawn
    assert [e["name"] for e in book.entries("topics")] == ["d"]
    assert not (tmp_path / "figs" / "a.png").exists()
    assert [e["name"] for e in book.entries("corpus")] == ["c"]


def test_document_map_labels_sit_beside_their_clusters_without_overlap():
    # eight tight clusters close together, long labels: a column of centred labels would
    # collide and cover the points
    centres = np.array([[i % 4 * 1.5, i // 4 * 1.5] for i in range(8)])
    topic = np.repeat(np.arange(8), 60)  # its own draws, whatever ran before it
    xy = centres[topic] + np.random.default_rng(5).normal(0, 0.15, (len(topic), 2))
    doc = pd.DataFrame({"doc_id": range(len(topic)), "topic": topic, "x": xy[:, 0],
                        "y": xy[:, 1]})
    info = pd.DataFrame({"topic": range(8), "size": 60,
                         "label": [f"{i}_" + "_".join(["الغوطة", "long", "label"] * 2)
                                   for i in range(8)]})
    fig = figures.document_map(doc, info)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()]
    assert len(texts) == 8 and not _overlaps(_boxes(fig, texts))
    points = ax.transData.transform(xy)
    for text, box in zip(texts, _boxes(fig, texts), strict=True):
        # each off the dense clusters, tied to its own by a leader line
        inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                  & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)).sum()
        assert inside <= len(points) // 100
        assert text.arrow_patch is not None
        start = ax.transData.transform(text.xy)  # the line starts at a cluster's centre
        assert np.linalg.norm(ax.transData.transform(centres) - start, axis=1).min() < 10


def test_label_placement_keeps_boxes_apart():
    from conflict_narratives.figures.labels import place_labels

    anchors = np.zeros((12, 2))  # every label wants the same spot
    sizes = np.tile([[80.0, 12.0]], (12, 1))
    centres = place_labels(anchors, sizes, RNG.normal(0, 5, (300, 2)))
    boxes = np.c_[centres - sizes / 2, centres + sizes / 2]
    for i in range(12):
        for j in range(i + 1, 12):
            a, b = boxes[i], boxes[j]
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
