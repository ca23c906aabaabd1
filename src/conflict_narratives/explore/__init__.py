"""Explore a corpus interactively: a WebGL document map linked to search, a time
histogram, topic and event lists, outlet and language filters and a reader pane; inline in
Jupyter (``run.explore()``) and as one self-contained page
(``reports/<corpus>/explore.html``) that makes no network request."""

from __future__ import annotations

import pandas as pd

from conflict_narratives.explore.data import ExploreData, explore_data, text_chars
from conflict_narratives.explore.page import ExploreView, build_document


def explore(corpus: pd.DataFrame, topics, timelines=None, *, settings, title: str,
            query: str = "", hits: pd.DataFrame | None = None,
            n_corpus: int | None = None, n_unplaced: int = 0) -> ExploreView:
    """The view of a corpus table, its ``topics.TopicResult`` and (optional)
    ``timelines.TimelineResult``: ``query`` fills the search box, ``hits`` (doc_id, score:
    semantic search results) are highlighted; ``n_corpus``: the corpus's size when
    ``corpus`` is a sample of it, ``n_unplaced`` of whose documents, not in ``corpus``,
    have no map position."""
    events = timelines.events if timelines is not None else None
    data = explore_data(corpus, topics.doc_topics, topics.topic_info, events,
                        settings=settings, hits=hits, query=query, n_corpus=n_corpus,
                        n_unplaced=n_unplaced)
    return ExploreView(data, title)
