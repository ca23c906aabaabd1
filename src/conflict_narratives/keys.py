"""What each result of a run depends on, and the products a run keeps and reuses: the
stage keys (the loaded corpus, sample and seed, the settings sections a stage reads, the
result it reads from, its code), the topic model's kept inputs and each document's kept
word counts and date mentions. :class:`pipeline.Pipeline` mixes this in."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from conflict_narratives.store import code_fingerprint, make_key

STAGES = ("topics", "timelines", "narratives")
# the package code and settings sections each stage's result depends on
CODE = {
    "corpus": ("corpus", "common"),
    "topics": ("topics", "embeddings", "common"),
    "timelines": ("timelines", "common"),
    "narratives": ("narratives", "embeddings", "common"),
    "narrative_documents": ("narratives", "embeddings", "common"),
}
SECTIONS = {"topics": ("embeddings", "topics"), "timelines": ("timelines",),
            "narratives": ("embeddings", "narratives"),
            "narrative_documents": ("embeddings", "narratives")}
# results that depend on the documents (and their embeddings) but not on the topics
DOCUMENT_LEVEL = ("narrative_documents",)


class Keyed:
    """The keys and kept products of :class:`~conflict_narratives.pipeline.Pipeline`."""

    def key(self, stage: str) -> str:
        """Hash of everything ``stage``'s result depends on."""
        if stage not in SECTIONS:
            raise ValueError(f"unknown stage {stage!r}; choose one of {list(STAGES)}")
        if stage == "topics":
            return self.topics_key()
        parts = {"stage": stage, "code": code_fingerprint(*CODE[stage]),
                 "settings": self.settings.digest(*SECTIONS[stage])}
        if stage in DOCUMENT_LEVEL:
            parts |= self._documents_key()
        else:
            parts["topics"] = self.key("topics")
        return make_key(**parts)

    def topics_key(self, *, raw: bool = False, corpus_key: str | None = None,
                   model: str | None = None) -> str:
        """The topics key: corpus version, the topic model updates extend, the codebook's
        seed words and (unless ``raw``) the curation file."""
        parts = {"stage": "topics", "code": code_fingerprint(*CODE["topics"]),
                 "settings": self.settings.digest(*SECTIONS["topics"]),
                 **self._documents_key(corpus_key)}
        if self.distributed:  # past topics.fit_sample: fitted on a sample, assigned
            parts["fitted_on"] = self._fitted_on()
        model = model or self.corpus_marker().get("topic_model")
        if model:
            parts["model"] = model
        if self.curation.seed_topic_list():
            parts["guided"] = self.curation.seed_topic_list()
        curated = None if raw else self.curation.digest(self.settings["curation"])
        return make_key(**parts, curation=curated) if curated else make_key(**parts)

    def corpus_marker(self) -> dict:
        """The corpus stage's marker (key, mapping, updates, topic model)."""
        self.load()
        return self.store.marker(self.store.corpus_dir(self.name)) or {}

    @cached_property
    def curation(self):
        """The analyst's ``curation/<name>.yaml`` (``topics.curation``; empty if none)."""
        from conflict_narratives.topics.curation import load_curation

        return load_curation(self.store.curation_path(self.name))

    def topic_inputs(self, docs=None, matrix=None, **fitted_on) -> dict[str, Any]:
        """What a topic fit reuses from the store (``topics.products.topic_inputs``: UMAP
        coordinates, HDBSCAN clusters, term counts, word streams), each kept while its own
        inputs are unchanged, so a change of ``nr_topics``, ``min_cluster_size``, labels…
        refits without them. ``docs`` and ``matrix``: a fit on part of the corpus (named in
        ``fitted_on``) instead of all of it."""
        from conflict_narratives.topics.products import topic_inputs

        return topic_inputs(lambda: self.corpus if docs is None else docs,
                            lambda: self.embeddings.matrix if matrix is None else matrix,
                            self.settings, self._documents_key() | fitted_on, self.store,
                            guided=bool(self.curation.seed_topic_list()))

    def sample_words(self, positions=None, **fitted_on) -> dict:
        """``stop`` and ``spelled``: the stop words and spellings of the corpus (or of its rows
        at ``positions``, a part named in ``fitted_on``), kept while the documents are
        unchanged (the same as :meth:`topic_inputs`'); the rows are read only when they
        are not kept."""
        from conflict_narratives.topics.products import cached_spellings, cached_stop_words

        def rows():
            return self.corpus if positions is None else \
                self.corpus.iloc[positions].reset_index(drop=True)

        upstream = self._documents_key() | fitted_on
        return {"stop": cached_stop_words(rows, upstream, self.store),
                "spelled": cached_spellings(rows, upstream, self.store)}

    def counts(self, kind: str):
        """Each document's words counted once and kept (``common.counts.cached_counts``):
        ``"words"`` (distinctive words per outlet) or ``"leads"`` (topic words over time)."""
        from conflict_narratives.common.counts import cached_counts

        chars = self.settings["timelines"]["words_max_chars"] if kind == "leads" else None
        return cached_counts(kind, lambda: self.corpus, len(self.corpus), self._documents_key(),
                             self.store, max_chars=chars,
                             max_bytes=float(self.settings["store"]["products_max_mb"]) * 2**20)

    def mentions(self) -> list:
        """The days each corpus row names, read once per document and kept
        (:func:`timelines.mention_cache.cached_mentions`): a topic change reads none."""
        from conflict_narratives.timelines.mention_cache import cached_mentions

        return cached_mentions(self.corpus, self.store,
                               max_bytes=float(self.settings["store"]["products_max_mb"]) * 2**20)

    def _documents_key(self, corpus_key: str | None = None) -> dict[str, Any]:
        """What identifies the documents analysed: corpus version, sample and seed."""
        return {"corpus": corpus_key or self.load().key, "sample": self.sample,
                "seed": self.settings["seed"]}
