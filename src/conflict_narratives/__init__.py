"""conflict-narratives: topic and narrative analysis of conflict reporting.

In a notebook::

    import conflict_narratives as cn

    run = cn.open("ant-multisource", sample=3000)     # or cn.open(df, name="my-war")
    run.corpus                                        # the documents (a DataFrame)
    topics = run.topics()                             # cn.topics.TopicResult
    topics.topic_info[["topic", "size", "label"]]
    run.timelines().events                            # dated events
    run.narratives()["outlet_divergence"]
    run.figure_book().publish(cn.figures.topic_figures(topics), section="topics")

Each result is computed once and saved (``data/processed/<corpus>/<stage>/``); opening the
same corpus with the same settings later reads it back instead of recomputing.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
_SUBMODULES = ("corpus", "embeddings", "topics", "timelines", "narratives", "figures",
               "report", "pipeline", "settings", "store", "monitor")


def __getattr__(name: str) -> Any:
    """``cn.open`` and the stage packages on first use (``cn.figures``, ``cn.topics``):
    importing the package stays cheap (BERTopic and torch load only when a stage needs
    them)."""
    if name == "open":
        return importlib.import_module("conflict_narratives.api").open
    if name in _SUBMODULES:
        return importlib.import_module(f"conflict_narratives.{name}")
    raise AttributeError(f"module 'conflict_narratives' has no attribute {name!r}")
