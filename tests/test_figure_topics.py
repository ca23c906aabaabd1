"""Topics in the stage figures: always named with their ids, so two topics with the same
words stay apart, and drawn in one colour per topic in every figure."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from conflict_narratives import figures
from conflict_narratives.timelines import TimelineResult
from conflict_narratives.topics import TopicResult

TOPIC_ID = re.compile(r"^(-?\d+) · ")  # a label's leading id (its bidi isolate aside)
SAME = "Hezbollah · Hezbollah"
LABELS = [SAME, SAME, "Syria · Assad", "Iran · sanctions", "Yemen · Houthis"]


def _id(text: str) -> int | None:
    found = TOPIC_ID.match(re.sub("[\u2066-\u2069]", "", text))
    return int(found.group(1)) if found else None


def _results() -> tuple[TopicResult, TimelineResult]:
    """Five topics whose size order (4 largest) is the reverse of their order in time
    (0 largest), two of them with the same label."""
    rng = np.random.default_rng(3)
    k = len(LABELS)
    sizes = [10 * (t + 1) for t in range(k)]
    info = pd.DataFrame({"topic": [-1, *range(k)], "size": [5, *sizes],
                         "label": ["-1_outliers", *LABELS],
                         "words": [["noise"]] + [lab.split(" · ") * 2 for lab in LABELS],
                         "weights": [[1.0]] + [[0.4, 0.3, 0.2, 0.1]] * k})
    topics = np.repeat([-1, *range(k)], [5, *sizes])
    xy = rng.normal(0, 1, (len(topics), 2)) + 6 * (topics[:, None] + 1)
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(topics))], "topic": topics,
                         "x": xy[:, 0], "y": xy[:, 1]})
    per_source = pd.DataFrame([(t, s, rng.random()) for t in range(k) for s in ("BBC", "CNN")],
                              columns=["topic", "source", "share"])
    topic = TopicResult(docs, info, per_source, pd.DataFrame(), np.zeros((0, 4)), [], {})
    periods = pd.date_range("2018-01-01", periods=6, freq="W-MON")
    prevalence = pd.DataFrame([(p, t, LABELS[t], float(50 - 10 * t), 0.2, False)
                               for p in periods for t in range(k)],
                              columns=["period", "topic", "label", "count", "share", "burst"])
    events = pd.DataFrame(columns=["topic", "score", "headlines", "label", "date"])
    return topic, TimelineResult(prevalence, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
                                 events, summary={"freq": "week"})


def _panels() -> dict:
    topic, timeline = _results()
    return {p.name: p.figure for p in [*figures.topic_figures(topic),
                                       *figures.timeline_figures(timeline)]}


def _bar_colours(fig) -> dict[int, str]:
    ax = fig.axes[0]
    return {_id(t.get_text()): to_hex(bar.get_facecolor())
            for t, bar in zip(ax.get_yticklabels(), ax.patches, strict=True)}


def _grid_colours(fig) -> dict[int, str]:
    return {_id(ax.get_title()): to_hex(ax.patches[0].get_facecolor())
            for ax in fig.axes if ax.get_visible() and ax.get_title()}


def _map_colours(fig, docs: pd.DataFrame) -> dict[int, str]:
    inliers = docs[docs["topic"] != -1]
    colours = fig.axes[0].collections[1].get_facecolors()
    return {int(t): to_hex(c, keep_alpha=False) for t, c in zip(inliers["topic"], colours,
                                                                 strict=True)}


def _area_colours(fig) -> dict[int, str]:
    return {_id(c.get_label()): to_hex(c.get_facecolor()[0]) for c in fig.axes[0].collections
            if _id(c.get_label()) is not None}


def test_a_topic_has_one_colour_in_every_figure():
    panels = _panels()
    docs = _results()[0].doc_topics
    seen = {"sizes": _bar_colours(panels["topic_sizes"]),
            "words": _grid_colours(panels["topic_top_words"]),
            "map": _map_colours(panels["topic_document_map"], docs),
            "shares": _area_colours(panels["timeline_topic_shares"])}
    for name, colours in seen.items():
        assert set(colours) == set(range(len(LABELS))), name
        assert len(set(colours.values())) == len(colours), name  # one colour per topic
        assert colours == {t: to_hex(figures.topic_colour(t)) for t in colours}, name


def test_two_topics_with_the_same_words_stay_apart():
    panels = _panels()
    for name in ("topics_by_outlet", "timeline_heatmap", "topic_sizes"):
        ticks = [t.get_text() for t in panels[name].axes[0].get_yticklabels()]
        same = [t for t in ticks if "Hezbollah" in t]
        assert len(same) == 2 and len(set(same)) == 2, (name, ticks)
        assert {_id(t) for t in same} == {0, 1}, name
