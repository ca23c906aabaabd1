"""What a run shows an analyst beside its stages: search (:mod:`search`: the word index, a
keyed store product, and semantic search on the stored embeddings) and the interactive
view (:mod:`explore`). :class:`pipeline.Pipeline` mixes this in."""

from __future__ import annotations

import pandas as pd


class Views:
    """Search and explore on a :class:`pipeline.Pipeline`."""

    def search(self, query: str, k: int = 50, mode: str = "auto", **filters) -> pd.DataFrame:
        """The ``k`` documents that best match ``query``, one row each (doc_id, score,
        headline, outlet, date, language, topic, topic_label, snippet with the hits marked,
        mode). ``mode``: "words" (quoted phrases, AND / OR / NOT; Arabic spelling variants
        and clitics folded), "semantic" (nearest to the query's embedding) or "auto" (see
        :mod:`search.searcher`); ``filters``: ``topic``, ``outlet``, ``language``,
        ``since``, ``until``. The word index is built once and kept in the store."""
        return self.searcher().search(query, k=k, mode=mode, **filters)

    def searcher(self):
        """The :class:`search.Searcher` of the current corpus version (its word index
        opened from the store, or built there: on the workers for a partitioned corpus)."""
        from conflict_narratives import search

        found, key, cfg = self.__dict__.get("_searcher"), self.load().key, self.settings["search"]
        if found is None or found.corpus_key != key:
            sources = search.part_sources(self.load().result[0], key) if self.distributed \
                else search.frame_sources(self.corpus, int(cfg["segment_rows"]))
            index = search.open_index(
                self.store.search_dir(self.name), sources, client=self.client,
                progress=self.progress, keep_versions=int(self.settings["store"]["keep_versions"]),
                **cfg["bm25"])
            found = self.__dict__["_searcher"] = search.Searcher(
                index, self.corpus, corpus_key=key, matrix=lambda: self.embeddings.matrix,
                backend=lambda: self.backend,
                topics=lambda required: self.topics() if required or self.store.find(
                    self.name, "topics", self.key("topics")) else None,
                snippet_chars=cfg["snippet_chars"])
        return found

    def explore(self, query: str = "", hits: pd.DataFrame | None = None):
        """The interactive view of this run (``explore.ExploreView``, shown inline in
        Jupyter; ``.save(path)`` writes the page): ``query`` fills its search box, ``hits``
        (doc_id, score: semantic search results) are highlighted."""
        from conflict_narratives import publish

        return publish.explore(self, query=query, hits=hits)
