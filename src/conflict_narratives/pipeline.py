"""The only orchestrator: builds a run's inputs once, calls each stage, records keys.

>>> import conflict_narratives as cn
>>> run = cn.open("fa-kes")            # settings read once; nothing computed yet
>>> run.topics().topic_info            # saved result while current, else fitted and saved
>>> run.timelines().events
>>> run.run()                          # every stage, one JSON-able summary

Every stage's result is saved under ``data/processed/<corpus>/<stage>/<key>/`` (see
:mod:`store`). The key hashes what the result depends on: the loaded corpus (stage 0, keyed
on its source files, the ``corpus`` settings and the loader's code), the sample and seed,
the settings sections the stage reads, the result of the stage it reads from, and the
code of the stage. Options given on the command line (``--freq``) are settings, so they
are part of the key: a result is reused only when it was made with the same inputs.

Stages are functions of their inputs (tables, an embedding matrix, settings); they never
call back here. The corpus is read once and its texts hashed for the embedding cache once
per :class:`Pipeline`, and only when a stage has to be computed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from conflict_narratives.common.system import release_memory
from conflict_narratives.keys import CODE, STAGES, Keyed
from conflict_narratives.scaleout import ScaleOut
from conflict_narratives.settings import Settings, resolve
from conflict_narratives.store import Store, code_fingerprint, make_key
from conflict_narratives.views import Views

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageRun:
    """One stage's result and how it was obtained: ``seconds``, the stage's own work (the
    original computation's when ``cached``; never the stages or embeddings it had to compute
    first), ``wall_seconds``, this call's time (computing it, or reading it back)."""

    stage: str
    result: Any
    summary: dict[str, Any]
    seconds: float
    cached: bool
    key: str
    path: Path
    wall_seconds: float = 0.0


def _result_class(stage: str):
    from conflict_narratives import narratives, timelines, topics

    return {"topics": topics.TopicResult, "timelines": timelines.TimelineResult,
            "narratives": narratives.NarrativeResult,
            "narrative_documents": narratives.NarrativeResult}[stage]


class Pipeline(Keyed, ScaleOut, Views):
    """One corpus (a named corpus, a file, a folder, or a DataFrame with ``name``), one
    settings object, one store; each stage computed at most once per object.

    ``sample`` analyses a seeded random sample of that many documents (the whole corpus
    when it has no more); ``overrides`` are deep-merged into the settings (CLI options);
    ``mapping`` names input columns (``{"text": "body"}``), remembered with the corpus;
    ``client``: a ``distributed.Client`` to run on (else ``compute.scheduler`` decides)."""

    def __init__(self, source, *, name: str | None = None, sample: int | None = None,
                 settings: Settings | dict | None = None, overrides: dict | None = None,
                 mapping: dict | None = None, store: Store | None = None,
                 progress: bool = False, client=None):
        from conflict_narratives.corpus import default_name

        if isinstance(source, pd.DataFrame) and not name:
            raise ValueError("a DataFrame corpus needs a name (Pipeline(df, name='my-war'))")
        self.store = store or Store()
        self.source = source
        self.name = name or default_name(source)
        base = Settings.load(self.name, project_root=self.store.root) if settings is None \
            else resolve(settings)
        self.settings = base.replace(overrides)
        self.requested_sample = int(sample) if sample else None
        self.mapping = mapping
        self.progress = progress
        self._runs: dict[str, StageRun] = {}
        self._elsewhere = 0.0  # seconds spent computing embeddings and stages, for own time
        if client is not None:
            self.__dict__["client"] = client  # the caller's cluster: never closed here

    def __repr__(self) -> str:
        return (f"Pipeline({self.name!r}, sample={self.requested_sample}, "
                f"store={str(self.store.root)!r})")

    # ------------------------------------------------------------ stage 0: the corpus
    def load(self, force: bool = False) -> StageRun:
        """The loaded corpus (whole): the saved table while its source files, ``corpus``
        settings, column mapping and the loader's code are unchanged, else a fresh load."""
        if "corpus" in self._runs and not force:
            return self._runs["corpus"]
        from conflict_narratives import corpus

        path = self.store.corpus_dir(self.name)
        saved = self.store.marker(path)
        mapping = self.mapping if self.mapping is not None else (saved or {}).get("mapping")
        try:
            source = corpus.source_fingerprint(self.source, self.store.data_path())
        except FileNotFoundError:
            if saved is None:
                raise
            source = None  # the source is gone: the saved table is all there is
        key = make_key(code=code_fingerprint(*CODE["corpus"]), source=source,
                       settings=self.settings.digest("corpus"), mapping=mapping)
        t0 = time.perf_counter()
        # an updated corpus (``update``) stays current while its source is unchanged
        current = saved is not None and key in (saved["key"], saved.get("source_key"))
        if self.distributed:  # partitions (parts/), streamed and cleaned on the workers
            df, report, summary, cached = self._load_parts(saved, key, source, mapping, force)
        elif saved is not None and not force and (current or source is None):
            df, report = self.store.read_corpus(self.name)
            cached, summary = True, saved["summary"]
        else:
            if saved is not None and saved.get("updates"):
                log.warning("%s: reloading from its source leaves out the documents of %d "
                            "update(s), kept in %s", self.name, saved["updates"],
                            self.store.updates_dir(self.name))
            result = corpus.load_corpus(self.source, name=self.name, mapping=mapping,
                                        settings=self.settings,
                                        search=self.store.data_path())
            self.store.save_corpus(result, key, mapping=mapping)
            df, report, cached = result.corpus, result.report, False
            summary = self.store.marker(path)["summary"]
        wall = time.perf_counter() - t0
        own = float((saved or {}).get("seconds") or wall) if cached else wall
        run = StageRun("corpus", (df, report), summary, round(own, 2), cached,
                       (saved or {}).get("key", key) if cached else key, path, round(wall, 2))
        self._runs["corpus"] = run
        return run

    @cached_property
    def corpus(self) -> pd.DataFrame:
        """The documents this run analyses (the seeded sample, when one is asked for). On a
        cluster the texts stay on disk: every other column, with ``n_words`` and
        ``n_chars`` (the stages read the texts a partition at a time)."""
        from conflict_narratives.corpus import sample_corpus

        if self.distributed:
            return self._short_corpus()
        return sample_corpus(self.load().result[0], self.sample, int(self.settings["seed"]))

    @property
    def load_report(self) -> dict:
        """The load report: rows in / kept / rejected by reason, dates, languages, …"""
        return self.load().result[1]

    @cached_property
    def sample(self) -> int | None:
        """The sample size in effect (None: the whole corpus)."""
        from conflict_narratives.corpus import sample_size

        if self.distributed:
            return None
        return sample_size(self.load().result[0], self.requested_sample)

    @property
    def label(self) -> str:
        """The report's name: the corpus, or ``<corpus>-sample<N>`` for a sample."""
        return f"{self.name}-sample{self.sample}" if self.sample else self.name

    # ------------------------------------------------------------ stage 1: embeddings
    @cached_property
    def backend(self):
        from conflict_narratives.embeddings import get_backend

        return get_backend(settings=self.settings)

    @cached_property
    def embeddings(self):
        """The corpus's embeddings (``embeddings.EmbeddingResult``), from the cache where
        it has them; computed on first use only."""
        from conflict_narratives.embeddings import embed_corpus

        t0 = time.perf_counter()
        done = self._embed_parts() if self.distributed else embed_corpus(
            self.corpus, backend=self.backend, settings=self.settings, progress=self.progress,
            cache_dir=self.store.embeddings_dir)
        self._elsewhere += time.perf_counter() - t0  # not the work of the stage that asked
        return done

    @cached_property
    def skipped(self) -> dict[str, str]:
        """What this corpus cannot support, known at load, each with its line: ``topics``
        and ``narratives`` (too few documents), ``timelines`` (no usable date), ``outlets``
        (one source) (:func:`common.scope.skipped`)."""
        from conflict_narratives.common.scope import skipped

        return skipped(self.corpus, int(self.settings["topics"]["min_docs"]))

    # ------------------------------------------------------------ stages 2-4
    def _stage(self, stage: str, build, force: bool) -> StageRun:
        if stage in self._runs and not force:
            return self._runs[stage]
        key = self.key(stage)
        hit = None if force else self.store.find(self.name, stage, key)
        t0, elsewhere = time.perf_counter(), self._elsewhere
        if hit is not None:
            path, marker = hit
            log.info("%s: reusing %s from %s", self.name, stage, path)
            result = _result_class(stage).load(path)
            run = StageRun(stage, result, marker["summary"], float(marker.get("seconds") or 0),
                           True, key, path, round(time.perf_counter() - t0, 2))
        else:
            path = self.store.stage_dir(self.name, stage, key)
            result, summary = build(path)
            result.save(path)
            wall = time.perf_counter() - t0
            own = wall - (self._elsewhere - elsewhere)  # less what it computed first
            if stage in STAGES:  # (narrative_documents is part of the narratives' work)
                self._elsewhere = elsewhere + wall
            self.store.mark(path, key, summary, own)
            self.store.evict(self.name, stage, int(self.settings["store"]["keep_versions"]))
            release_memory()  # the next stage should not build on this one's freed heap
            run = StageRun(stage, result, summary, round(own, 2), False, key, path,
                           round(wall, 2))
        self._runs[stage] = run
        return run

    def run_topics(self, force: bool = False, stability: bool = False) -> StageRun:
        """The topics stage (``stability`` also refits with seed + 1 and reports the ARI)."""
        from conflict_narratives import monitor

        if "topics" in self.skipped:
            raise ValueError(f"{self.name}: {self.skipped['topics']}")

        def build(path: Path):
            result = monitor.build_topics(self, path, stability)
            return result, {"corpus": self.name, "n_docs": len(result.doc_topics),
                            **result.meta["metrics"],
                            "curation_conflicts": monitor.conflicts(result)}

        return self._stage("topics", build, force or stability)

    def run_timelines(self, force: bool = False) -> StageRun:
        """The timelines stage (scored against reference timelines where the corpus has
        them, e.g. Timeline17); a ValueError, before any work, for an undated corpus."""
        from conflict_narratives import timelines

        if "timelines" in self.skipped:
            raise ValueError(f"{self.name}: {self.skipped['timelines']}")

        def build(path: Path):
            if "topics" in self.skipped and not self.distributed:
                log.info("%s: too few documents for topics; dates ranked without", self.name)
                result = timelines.build_timeline(  # every document an outlier, no topic
                    self.corpus, self.corpus[["doc_id"]].assign(topic=-1),
                    settings=self.settings)
                result.summary["topics"] = "none: too few documents"
            elif self.distributed:  # the corpus a partition (or a topic) at a time
                result = self._timelines(self.run_topics().result)
            else:
                topic = self.run_topics().result
                result = timelines.build_timeline(
                    self.corpus, topic.doc_topics, embeddings=self.embeddings.matrix,
                    topic_info=topic.topic_info, settings=self.settings,
                    counts=self.counts("leads"), mentions=self.mentions())
            if str(self.source).startswith("t17:"):  # journalists' reference timelines
                refs = timelines.read_reference_timelines(
                    timelines.t17_timelines_path(str(self.source), self.store.data_path()))
                texts = self.load().result[0].to_pandas() if self.distributed else self.corpus
                result.summary |= timelines.evaluate(texts, refs)  # a T17 topic: small
            return result, result.summary | {"name": self.name}

        return self._stage("timelines", build, force)

    def run_narratives(self, force: bool = False) -> StageRun:
        """The narratives stage: outlets, frames, actors, storylines (the tables that do not
        depend on topics are kept under their own key, so a topic change reuses them)."""
        from conflict_narratives import narratives

        def build_documents(path: Path):
            result = self._document_narratives() if self.distributed else \
                narratives.build_document_narratives(
                    self.corpus, self.embeddings.matrix, self.backend, settings=self.settings)
            return result, {"name": self.name, "n_docs": result.summary["n_docs"]}

        def build(path: Path):
            topic = self.run_topics().result
            documents = self._stage("narrative_documents", build_documents, force).result
            if self.distributed:  # the corpus a partition (or a time window) at a time
                result = self._narratives(topic, documents)
            else:  # the embeddings: only the documents' part
                result = narratives.build_narratives(
                    self.corpus, None, self.backend, topic.doc_topics,
                    topic_info=topic.topic_info, settings=self.settings, documents=documents,
                    counts=self.counts("words"))
            result.summary |= {"name": self.name, "sample": self.sample}
            return result, result.summary

        return self._stage("narratives", build, force)

    def topics(self, force: bool = False):
        """``topics.TopicResult`` for this corpus."""
        return self.run_topics(force).result

    def timelines(self, force: bool = False):
        """``timelines.TimelineResult`` for this corpus."""
        return self.run_timelines(force).result

    def narratives(self, force: bool = False):
        """``narratives.NarrativeResult`` for this corpus."""
        return self.run_narratives(force).result

    # ------------------------------------------------------------ a model that lives
    def update(self, files, *, refit: bool = False, stages=STAGES[1:]) -> dict[str, Any]:
        """Add ``files`` without refitting (see :mod:`monitor`): duplicates skipped, new
        texts placed in the topics (ids and labels unchanged) or pooled into emerging
        stories, ``stages`` brought up to date; returns what changed. ``refit``: then
        :meth:`refit`. An update that fails changes nothing."""
        from conflict_narratives import monitor

        return monitor.update(self, files, refit=refit,  # none the corpus cannot support
                              stages=[s for s in stages if s not in self.skipped])

    def refit(self, stages=STAGES[1:]) -> dict[str, Any]:
        """Refit on the whole corpus; topics matched to the current ones keep their ids and
        names. Returns the merged / split / new / gone changes."""
        from conflict_narratives import monitor

        return monitor.do_refit(self, [s for s in stages if s not in self.skipped])

    def reset(self) -> None:
        """Forget what this object read or computed (the store changed underneath)."""
        for name in ("corpus", "sample", "embeddings", "curation", "skipped"):
            self.__dict__.pop(name, None)
        self._runs.clear()

    def stage(self, stage: str, force: bool = False) -> StageRun:
        return {"topics": self.run_topics, "timelines": self.run_timelines,
                "narratives": self.run_narratives}[stage](force)

    def trace(self, path: str | Path, threshold: float | None = None) -> dict[str, Any]:
        """Where the story of a text file is told in this corpus (see
        ``narratives.trace_story``); kept while the file, the corpus's topic-independent
        narratives and the settings are unchanged (:func:`publish.trace`)."""
        from conflict_narratives import publish

        return publish.trace(self, path, threshold)

    # ------------------------------------------------------------ figures and report
    def figure_book(self):
        """The :class:`figures.FigureBook` of this run's report (``reports/<label>/figures``)."""
        from conflict_narratives.figures import FigureBook

        return FigureBook(self.store.figures_dir(self.label))

    def report(self, *, trace: str | Path | None = None, force: bool = False,
               kernel: str | None = None) -> dict[str, Any]:
        """Every stage, then the notebooks (each re-executed only when its inputs
        changed), figures, tables as CSV and ``reports/<label>/index.html``. ``trace``: a
        text file whose story notebook 04 traces (default: the seed document, if present)."""
        from conflict_narratives import publish

        return publish.report(self, trace=trace, force=force, kernel=kernel)

    def release(self) -> None:
        """Drop what this object holds in memory (the corpus, embeddings, backend, stage
        results) and hand it back to the system; each is read from the store again when next
        asked for."""
        for name in ("corpus", "embeddings", "backend", "_searcher"):
            self.__dict__.pop(name, None)
        self._runs.clear()
        release_memory()

    # ------------------------------------------------------------ everything
    def run(self, force: bool = False) -> dict[str, Any]:
        """Load → embed → topics → timelines → narratives; one JSON-able summary of every
        stage (:func:`stage_entry`) and this run's wall time. What the corpus cannot support
        (no usable dates: timelines; one source: outlet comparisons) is skipped before any
        work, each with its line under ``skipped`` (and the stage's entry)."""
        t0 = time.perf_counter()
        summary: dict[str, Any] = {"corpus": self.name, "sample": self.sample, "stages": {}}
        summary["stages"]["load"] = stage_entry(self.load())
        todo = [s for s in STAGES if s not in self.skipped]
        needed = force or any(self.store.find(self.name, s, self.key(s)) is None for s in todo)
        summary["stages"]["embed"] = self._embed_entry(needed)
        for stage in STAGES:
            summary["stages"][stage] = stage_entry(self.stage(stage, force)) \
                if stage in todo else {"skipped": self.skipped[stage]}
        if self.skipped:
            summary["skipped"] = dict(self.skipped)
        summary["seconds"] = round(time.perf_counter() - t0, 2)
        return summary

    def _embed_entry(self, needed: bool) -> dict[str, Any]:
        if not needed:  # every stage is current: nothing to embed
            return {"seconds": 0.0, "cached": True, "wall_seconds": 0.0, "needed": False}
        stats = self.embeddings.stats
        return _entry(stats, stats["seconds"], stats.get("n_computed") == 0, stats["seconds"])


def stage_entry(done: StageRun) -> dict[str, Any]:
    """A stage's JSON line (the run summary's, and what a stage command prints)."""
    return _entry(done.summary, done.seconds, done.cached, done.wall_seconds)


def _entry(stage_summary: dict, seconds: float, cached: bool, wall: float) -> dict[str, Any]:
    """A stage's own summary, then ``seconds`` (the stage's own work: when ``cached``, the
    original computation's), ``cached`` and ``wall_seconds`` (this run's time on it:
    computing, or reading the saved result). The stage's inner timing, if any (a topic
    fit's, say), is kept as ``step_seconds``."""
    entry = dict(stage_summary)
    if "seconds" in entry:
        entry["step_seconds"] = entry.pop("seconds")
    return entry | {"seconds": round(seconds, 2), "cached": bool(cached),
                    "wall_seconds": round(wall, 2)}
