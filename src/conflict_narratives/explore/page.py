"""The interactive view as one Bokeh document: a WebGL document map, the time histogram
under it (brush a period), search, outlet and language filters, the topic and event lists
and a reader pane, linked by the callbacks in :mod:`.callbacks`. Saved as one
self-contained HTML file (BokehJS inline: no network request); shown inline in Jupyter."""

from __future__ import annotations

import html
from functools import cached_property
from pathlib import Path

import numpy as np

from conflict_narratives.explore.callbacks import DROP, READ, RESET, UNPACK, UPDATE
from conflict_narratives.explore.data import RTL, ExploreData

MAP_WIDTH, MAP_HEIGHT, SIDE_WIDTH = 780, 560, 520
STYLE = ("body{font-family:'DejaVu Sans',Amiri,'Noto Naskh Arabic',sans-serif;margin:12px}")


def _point_size(n: int) -> float:
    return float(np.clip(9 - 1.5 * np.log10(max(n, 1)), 2.5, 7))


def _tables(data: ExploreData):
    from bokeh.models import ColumnDataSource, DataTable, HTMLTemplateFormatter, TableColumn

    rtl = HTMLTemplateFormatter(template='<div dir="auto"><%= value %></div>')
    topics = ColumnDataSource(data.topics.assign(shown=data.topics["n"], hits=0),
                              name="topics")
    topic_table = DataTable(source=topics, name="topic_table", width=SIDE_WIDTH, height=210,
                            index_position=None, columns=[
        TableColumn(field="label", title="topic", width=190, formatter=rtl),
        TableColumn(field="shown", title="shown", width=50),
        TableColumn(field="hits", title="highlighted", width=60),
        TableColumn(field="words", title="words", width=220, formatter=rtl)])
    events = ColumnDataSource(data.events, name="events")
    event_table = DataTable(source=events, name="event_table", width=SIDE_WIDTH, height=170,
                            index_position=None, columns=[
        TableColumn(field="rank", title="#", width=28),
        TableColumn(field="date", title="date", width=75),
        TableColumn(field="level", title="kind", width=40),
        TableColumn(field="n_docs", title="docs", width=40),
        TableColumn(field="label", title="topic", width=120, formatter=rtl),
        TableColumn(field="summary", title="headline", width=217, formatter=rtl)])
    return topics, topic_table, events, event_table


def _map(data: ExploreData, src, filt, topics_src):
    from bokeh.models import CDSView, ColumnDataSource, HoverTool, LabelSet, TapTool
    from bokeh.plotting import figure

    fig = figure(name="map", width=MAP_WIDTH, height=MAP_HEIGHT, output_backend="webgl",
                 tools="pan,wheel_zoom,reset,save", active_scroll="wheel_zoom",
                 match_aspect=True, toolbar_location="above")
    fig.axis.visible = False
    fig.grid.visible = False
    style = {"fill_color": "colour", "fill_alpha": "alpha", "line_alpha": 0}
    dots = fig.scatter("x", "y", size="size", source=src, view=CDSView(filter=filt),
                       name="dots", **style, nonselection_fill_alpha="alpha",
                       nonselection_fill_color="colour", nonselection_line_alpha=0,
                       selection_line_color="black", selection_line_alpha=1,
                       selection_line_width=2, selection_fill_alpha=1)
    fig.add_tools(TapTool(renderers=[dots]), HoverTool(
        renderers=[dots], formatters={"@date": "datetime"}, tooltips=(
            '<div style="max-width:340px"><div dir="auto"><b>@title</b></div>'
            '<div dir="auto">@outlet · @date{%F} · @label</div></div>')))
    labels = ColumnDataSource(_label_places(data))
    fig.segment("cx", "cy", "lx", "ly", source=labels, line_color="#555555", line_width=0.8)
    fig.add_layout(LabelSet(x="lx", y="ly", text="label", text_font_size="9pt",
                            text_align="center", text_baseline="middle",
                            background_fill_color="white", background_fill_alpha=0.8,
                            source=labels))
    return fig


def _label_places(data: ExploreData):
    """The largest topics' labels beside their clusters as first drawn (the static map's
    placement, on the map's initial scale; text widths estimated), with leader lines."""
    from conflict_narratives.figures.labels import place_labels

    top = data.topics.head(int(data.counts.get("n_labels", 30)))
    xy = data.docs[["x", "y"]].to_numpy(dtype=float)
    low, span = xy.min(axis=0), np.ptp(xy, axis=0).clip(min=1e-9)
    # the frame (toolbar and borders off) over the data with Bokeh's 10 % padding; equal aspect
    scale = min((MAP_WIDTH - 55) / span[0], (MAP_HEIGHT - 35) / span[1]) / 1.1
    sizes = np.c_[7.0 * top["label"].astype(str).str.len() + 10, np.full(len(top), 16.0)]
    places = place_labels((top[["cx", "cy"]].to_numpy(dtype=float) - low) * scale, sizes,
                          (xy - low) * scale, bounds=(0, 0, *(span * scale)))
    places = places / scale + low
    return top[["cx", "cy", "label"]].assign(lx=places[:, 0], ly=places[:, 1])


def _histogram(data: ExploreData):
    from bokeh.models import BoxAnnotation, BoxSelectTool, ColumnDataSource
    from bokeh.plotting import figure

    hist = ColumnDataSource(data.bins, name="bins")
    fig = figure(name="histogram", width=MAP_WIDTH, height=170, x_axis_type="datetime",
                 tools="", toolbar_location=None, y_axis_label="documents")
    bars = fig.quad(left="left", right="right", bottom=0, top="n", source=hist,
                    fill_color="#9E9E9E", line_color="white", nonselection_fill_alpha=0.35)
    fig.quad(left="left", right="right", bottom=0, top="hl", source=hist,
             fill_color="#D55E00", line_color=None)
    brush = BoxSelectTool(dimensions="width", renderers=[bars])
    fig.add_tools(brush)
    fig.toolbar.active_drag = brush
    box = BoxAnnotation(fill_color="#0072B2", fill_alpha=0.12, visible=False, name="period")
    fig.add_layout(box)
    fig.min_border_left = 50
    return hist, box, fig


def _header(data: ExploreData, title: str) -> str:
    c = data.counts
    shown = (f"a seeded sample of {c['shown']:,} of {c['corpus'] - c['unplaced']:,} documents"
             if c["sampled"] else f"all {c['shown']:,} documents")
    extra = [f"{c['unplaced']:,} without a map position or in a hidden topic left off"
             if c["unplaced"] else "",
             f"{c['hits_on_map']:,} of {c['hits']:,} semantic hits on the map"
             if "hits" in c else "",
             f"{c['off_axis']:,} dated outside the histogram's span (out of range, or stray "
             "early or late reports)" if c.get("off_axis") else "",
             f"texts cut to {c['text_chars']:,} characters"]
    return (f"<h2 style='margin:0'>{html.escape(title)}</h2><p style='margin:2px 0'>"
            f"The map shows {shown}; {'; '.join(e for e in extra if e)}. Hover a point for "
            "its headline, click it to read it; brush the histogram to keep a period; click "
            "a topic or an event to highlight its documents.</p>")


def build_document(data: ExploreData, title: str):
    """The Bokeh document of the view (see module doc)."""
    from bokeh.document import Document
    from bokeh.layouts import column, row
    from bokeh.models import (
        BooleanFilter,
        Button,
        ColumnDataSource,
        CustomJS,
        Div,
        MultiChoice,
        TextInput,
    )

    base = _point_size(len(data.docs))
    cols = data.docs[["x", "y", "topic", "colour", "date", "bin", "hit"]]
    src = ColumnDataSource({**{c: cols[c].to_numpy() for c in cols},
                            "alpha": np.full(len(cols), 0.6, dtype="float32"),
                            "size": np.full(len(cols), base, dtype="float32")}, name="docs")
    filt = BooleanFilter(booleans=[True] * len(cols))
    topics, topic_table, events, event_table = _tables(data)
    hist, box, hist_fig = _histogram(data)
    search = TextInput(name="search", value=data.query, width=300,
                       placeholder="search words (Arabic spelling variants match)")
    choices = {k: data.docs[k][data.docs[k] != ""].value_counts().index.tolist()
               for k in ("outlet", "lang")}
    outlets = MultiChoice(name="outlets", options=choices["outlet"], width=260,
                          placeholder="all outlets")
    langs = MultiChoice(name="langs", options=choices["lang"], width=160,
                        placeholder="all languages")
    status = Div(name="status", width=MAP_WIDTH, text="unpacking the texts…")
    reader = Div(name="reader", width=SIDE_WIDTH, height=300, text="<i>Click a point to "
                 "read it.</i>", styles={"overflow-y": "auto", "border": "1px solid #ddd",
                                         "padding": "6px"})
    update = CustomJS(code=UPDATE, args=dict(
        src=src, filt=filt, search=search, outlets=outlets, langs=langs, topics=topics,
        topic_table=topic_table,
        events=events, hist=hist, box=box, status=status, drop=DROP,
        total=len(cols), has_hits=bool(data.docs["hit"].any()), base=base))
    search.js_on_change("value_input", update)
    search.js_on_change("value", update)
    for model in (outlets, langs):
        model.js_on_change("value", update)
    for model in (topics, events, hist):
        model.selected.js_on_change("indices", update)
    src.selected.js_on_change("indices", CustomJS(code=READ, args=dict(
        src=src, reader=reader, rtl=list(RTL))))
    reset = Button(label="Reset", name="reset", width=70)
    reset.js_on_event("button_click", CustomJS(code=RESET, args=dict(
        search=search, outlets=outlets, langs=langs, topics=topics, events=events,
        hist=hist, src=src, box=box, update=update)))
    layout = column(
        Div(text=_header(data, title), width=MAP_WIDTH + SIDE_WIDTH),
        row(search, outlets, langs, reset), status,
        row(column(_map(data, src, filt, topics), hist_fig),
            column(Div(text="<b>Topics</b> (click to highlight)"), topic_table,
                   Div(text="<b>Events</b>, most important first "
                       "(click: its documents and period)"), event_table,
                   reader)))
    doc = Document(title=title)
    doc.add_root(layout)
    doc.js_on_event("document_ready", CustomJS(code=UNPACK, args=dict(
        z=data.packed(), src=src, update=update, search=search)))
    return doc


class ExploreView:
    """The view of one run: ``html`` (the self-contained page), ``save(path)``, and shown
    inline by Jupyter (the same page in an iframe)."""

    def __init__(self, data: ExploreData, title: str):
        self.data, self.title = data, title

    def __repr__(self) -> str:
        return (f"ExploreView({self.title!r}: {self.data.counts['shown']:,} documents, "
                f"{len(self.data.topics)} topics, {len(self.data.events)} events)")

    @cached_property
    def html(self) -> str:
        from bokeh.embed import file_html
        from bokeh.resources import INLINE

        page = file_html(build_document(self.data, self.title), INLINE, self.title)
        return page.replace("<head>", f"<head><style>{STYLE}</style>", 1)  # the first

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.html, encoding="utf-8")
        tmp.replace(path)
        return path

    def _repr_html_(self) -> str:
        return (f"<iframe class='cn-explore' title='{html.escape(self.title)}' "
                f"srcdoc='{html.escape(self.html, quote=True)}' style='width:100%;"
                f"height:{MAP_HEIGHT + 420}px;border:0'></iframe>")
