"""The pipeline's cluster path (``compute.scheduler``, ``--scheduler``): where its work runs
and the stages that change on a Dask cluster — the corpus loaded into partitions
(:mod:`corpus.partitioned`), embedded a partition a task
(:mod:`embeddings.distributed`), topics fitted on ``topics.fit_sample`` documents and
every document assigned on the workers (:mod:`topics.scale`), timelines counted and their
events found a partition or a topic at a time (:mod:`timelines.partitioned`), narratives
a partition or a time window at a time (:mod:`narratives.partitioned`).
:class:`pipeline.Pipeline` mixes this in; in process none of it runs."""

from __future__ import annotations

import time
from functools import cached_property

import pandas as pd

from conflict_narratives.store import make_key


def _short_task(i: int, parts) -> pd.DataFrame:
    """Part ``i`` without its texts (``raw_text`` is never read; ``text`` only for each
    text's length: ``n_words``, ``n_chars``)."""
    import pyarrow.parquet as pq

    from conflict_narratives.figures.corpus import text_lengths

    df = parts.read(i, [c for c in pq.read_schema(parts.paths[i]).names if c != "raw_text"])
    return df.drop(columns="text").assign(
        n_words=text_lengths(df["text"], "words"), n_chars=text_lengths(df["text"], "chars"))


class ScaleOut:
    """The cluster half of :class:`~conflict_narratives.pipeline.Pipeline`."""

    _owns_client = False

    @property
    def distributed(self) -> bool:
        """True when ``compute.scheduler`` names a Dask cluster (``--scheduler``) or a
        client was handed in."""
        from conflict_narratives.compute import is_distributed

        if is_distributed(self.settings) or self.__dict__.get("client") is not None:
            if self.requested_sample:
                raise ValueError("a sample is analysed in process: drop --scheduler "
                                 "(compute.scheduler) or --sample")
            return True
        return False

    @cached_property
    def client(self):
        """The Dask client for ``compute.scheduler`` (None in process), started on first
        use and closed by :meth:`close` (or at exit); the dashboard link is printed."""
        import atexit

        from conflict_narratives import compute

        client = compute.start(self.settings) if self.distributed else None
        if client is not None:
            atexit.register(compute.stop, client)
            self._owns_client = True
        return client

    def close(self) -> None:
        """Stop the cluster this pipeline started (if any)."""
        from conflict_narratives import compute

        if self._owns_client:
            compute.stop(self.__dict__.pop("client", None))

    def _short_corpus(self) -> pd.DataFrame:
        """The corpus table without its texts (``text``, ``raw_text``), their lengths read
        a partition at a time on the workers: what the notebooks, figures and trace read."""
        from conflict_narratives.compute import run_tasks

        parts = self.load().result[0]
        return pd.concat(run_tasks(self.client, _short_task, list(range(len(parts))),
                                   desc="corpus table", progress=self.progress, parts=parts),
                         ignore_index=True)

    def _load_parts(self, saved, key, source, mapping, force):
        """The corpus as partitions (``parts/``): the saved ones while current."""
        from conflict_narratives.corpus.partitioned import load_partitioned
        from conflict_narratives.corpus.parts import Parts

        path = self.store.corpus_dir(self.name)
        if saved is not None and saved.get("updates") and not force:
            raise ValueError(
                f"{self.name} holds {saved['updates']} update(s) added in process (kept in "
                f"{self.store.updates_dir(self.name)}); a partitioned load from its source "
                "would leave them out: run it in process (drop --scheduler / "
                "compute.scheduler), or load it again from its source with force=True")
        if not force and saved is not None and saved.get("layout") == "parts" and \
                (saved["key"] == key or source is None):
            return (Parts.open(path / "parts"), self.store.read_load_report(self.name),
                    saved["summary"], True)
        report = load_partitioned(self.source, path, name=self.name, mapping=mapping,
                                  settings=self.settings, search=self.store.data_path(),
                                  client=self.client, progress=self.progress)
        summary = self.store.save_partitioned(self.name, report, key, mapping=mapping)
        return Parts.open(path / "parts"), report, summary, False

    def _embed_parts(self):
        """The partitions embedded on the workers into one memory-mapped matrix."""
        from conflict_narratives.embeddings.distributed import embed_partitions

        key = make_key(corpus=self.load().key, seed=self.settings["seed"],
                       settings=self.settings.digest("embeddings"),
                       fit_sample=self.settings["topics"]["fit_sample"])
        return embed_partitions(self.load().result[0],
                                self.store.stage_dir(self.name, "embeddings", key),
                                backend=self.backend, settings=self.settings,
                                cache_dir=self.store.embeddings_dir, client=self.client,
                                progress=self.progress, sample=self.fit_positions)

    @property
    def fit_positions(self):
        """The sorted corpus positions of the seeded ``topics.fit_sample`` sample every
        sampled step uses (in process: ``topics.fit_sample_in_process``, the topic fit's
        only; None: the whole corpus); drawn alike each time (a few ms)."""
        from conflict_narratives.corpus.parts import sample_positions

        cfg, seed = self.settings["topics"], int(self.settings["seed"])
        if not self.distributed:
            return sample_positions(len(self.corpus), cfg["fit_sample_in_process"], seed)
        return sample_positions(self.load().result[0].n_docs, cfg["fit_sample"], seed)

    def _fitted_on(self) -> int | None:
        """The size of the sample the topics are fitted on (None: the whole corpus)."""
        return None if self.fit_positions is None else len(self.fit_positions)

    def fit_topics(self, path, stability: bool = False, seed_topic_list=None):
        """The topic model fitted (into ``path / "model"``): on the whole corpus in process,
        on ``topics.fit_sample`` documents with every document assigned on a cluster."""
        from conflict_narratives import topics

        if not self.distributed and self.fit_positions is None:
            return topics.build_topics(self.corpus, self.embeddings.matrix,
                                       backend=self.backend, settings=self.settings,
                                       name=self.name, model_path=path / "model",
                                       stability=stability, seed_topic_list=seed_topic_list,
                                       **self.topic_inputs())
        if not self.distributed:  # past topics.fit_sample_in_process: as on a cluster
            from conflict_narratives.topics.products import cached_extension
            from conflict_narratives.topics.scale import extend_sample_fit

            fitted = self.fit_sample_topics(path, stability, seed_topic_list)
            sample = self.fit_positions
            return extend_sample_fit(
                fitted, self.corpus, self.embeddings.matrix, sample,
                settings=self.settings, model_path=path / "model",
                **self.sample_words(sample, fit_sample=len(sample)),
                extension=lambda vocabulary, stop, compute: cached_extension(
                    vocabulary, stop, compute, n_docs=len(self.corpus), settings=self.settings,
                    upstream=self._documents_key(), store=self.store))
        from conflict_narratives.topics.scale import build_topics_partitioned

        return build_topics_partitioned(
            self.load().result[0], self.embeddings.stats["matrix"], backend=self.backend,
            settings=self.settings, name=self.name, model_path=path / "model",
            client=self.client, progress=self.progress, stability=stability,
            seed_topic_list=seed_topic_list, sample=self.fit_positions)

    def fit_sample_topics(self, path, stability: bool = False, seed_topic_list=None, *,
                          keep: bool = False, positions=None):
        """In process, the topics fitted on the ``topics.fit_sample_in_process`` sample
        alone (into ``path / "model"``). ``keep``: made before the rest of the corpus is
        embedded (the progressive first view, :mod:`progressive`), the fit is kept for
        :meth:`fit_topics` with the same arguments: the same fit either way. ``positions``:
        a provisional fit on those corpus positions instead (nothing saved, kept, scored or
        reused from the store)."""
        from conflict_narratives import topics

        args = (str(path), stability, repr(seed_topic_list))
        kept = self.__dict__.pop("_sample_fit", None) if positions is None else None
        if kept is not None and kept[0] == args:
            return kept[1]
        sample = self.fit_positions if positions is None else positions
        docs = self.corpus.iloc[sample].reset_index(drop=True)
        if "embeddings" in self.__dict__:
            matrix = self.embeddings.matrix[sample]
        else:  # the sample's rows only (the cache is by text: the rest reuses them), on
            # the pool the corpus would get: embeddings.pool_min_texts scaled to its share
            from conflict_narratives.embeddings import embed_corpus

            least = int(self.settings["embeddings"]["pool_min_texts"]) * len(sample) // \
                len(self.corpus)
            t0 = time.perf_counter()
            matrix = embed_corpus(docs, backend=self.backend, progress=self.progress,
                                  settings=self.settings.replace(
                                      {"embeddings": {"pool_min_texts": least}}),
                                  cache_dir=self.store.embeddings_dir).matrix
            self._elsewhere += time.perf_counter() - t0
        if positions is not None:  # provisional: neither saved nor scored
            return topics.fit_topics(docs, matrix, backend=self.backend, settings=self.settings,
                                     name=self.name, seed_topic_list=seed_topic_list)[1]
        result = topics.build_topics(docs, matrix, backend=self.backend, settings=self.settings,
                                     name=self.name, seed_topic_list=seed_topic_list,
                                     model_path=path / "model", stability=stability,
                                     **self.topic_inputs(docs, matrix, fit_sample=len(sample)))
        if keep:
            self.__dict__["_sample_fit"] = (args, result)
        return result

    def _timelines(self, topic):
        """The timelines stage on the workers, the corpus never in one frame
        (:mod:`timelines.partitioned`)."""
        from conflict_narratives.timelines.partitioned import build_timeline_partitioned

        return build_timeline_partitioned(
            self.load().result[0], topic.doc_topics, self.embeddings.stats["matrix"],
            topic_info=topic.topic_info, settings=self.settings, client=self.client,
            progress=self.progress, sample=self.fit_positions)

    def _document_narratives(self):
        """The topic-independent narratives on the workers (:mod:`narratives.partitioned`)."""
        from conflict_narratives.narratives.partitioned import (
            build_document_narratives_partitioned,
        )

        return build_document_narratives_partitioned(
            self.load().result[0], self.embeddings.stats["matrix"], self.backend,
            settings=self.settings, client=self.client, progress=self.progress,
            sample=self.fit_positions)

    def _narratives(self, topic, documents):
        """The topic-level narratives of a partitioned corpus (:mod:`narratives.partitioned`)."""
        from conflict_narratives.narratives.partitioned import build_narratives_partitioned

        return build_narratives_partitioned(
            self.load().result[0], topic.doc_topics, documents, topic_info=topic.topic_info,
            settings=self.settings, client=self.client, sample=self.fit_positions)
