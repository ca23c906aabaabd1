"""The pipeline on a Dask cluster: the same results as in process, bad input handled alike,
finished partitions kept when a worker or a run dies."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conflict_narratives import compute, publish
from conflict_narratives.corpus import load_corpus, sample_corpus
from conflict_narratives.corpus.chunks import within
from conflict_narratives.corpus.partitioned import load_partitioned
from conflict_narratives.corpus.parts import Parts, sample_positions
from conflict_narratives.embeddings import embed_corpus, get_backend
from conflict_narratives.embeddings.distributed import embed_partitions
from conflict_narratives.figures.corpus import length_distribution
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.settings import Settings
from conflict_narratives.store import ENV_DATA, ENV_HOME, Store
from conflict_narratives.topics.assign import assign_nearest
from conflict_narratives.topics.scale import build_topics_partitioned

pytestmark = pytest.mark.xdist_group("cluster")  # one 2-worker cluster at a time

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
FAST = {"embeddings": {"backend": "tfidf-lsa", "lsa_dim": 32},
        "topics": {"doc_map": {"enabled": False}}}


def _roundtrip(df: pd.DataFrame) -> pd.DataFrame:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return pd.read_parquet(buffer)


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker LocalCluster, joined by address (as an existing cluster would be)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", memory_limit="2GB") as lc, Client(lc) as client:
        yield client


@pytest.fixture(scope="module")
def fa_kes(cluster, tmp_path_factory):
    """fa-kes loaded on the cluster in partitions of 100 rows (and its load report)."""
    out = tmp_path_factory.mktemp("fa-kes")
    settings = Settings.defaults().replace(FAST | {"compute": {"partition_rows": 100}})
    report = load_partitioned("fa-kes", out, settings=settings, search=[SHARED],
                              client=cluster)
    return Parts.open(out / "parts"), report, out


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DATA, str(SHARED))
    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    return Store(tmp_path)


SOURCES = sorted(str(p.relative_to(FIXTURES)) for p in [*FIXTURES.iterdir(),
                                                         *(FIXTURES / "unseen").iterdir()]
                 if p.suffix != ".py" and p.name != "unseen")


def _same_load(ref, report: dict, out: Path) -> None:
    """The partitioned load in ``out`` equals the in-process ``ref``: rows, rejects (reasons
    and details) and the whole load report (columns chosen, warnings, boilerplate, ...)."""
    pd.testing.assert_frame_equal(Parts.open(out / "parts").to_pandas(), _roundtrip(ref.corpus))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "rejects.parquet"),
                                  _roundtrip(ref.rejects))
    for key, value in ref.report.items():
        if key not in ("seconds", "timings"):
            assert report[key] == value, key
    assert report["rows_in"] == report["kept"] + report["rejected_total"]


@pytest.mark.parametrize("source", SOURCES)
def test_partitioned_load_equals_the_in_process_load(source, tmp_path):
    """Every fixture (CSV, cp1256, JSON, JSONL.gz with a malformed line, Parquet, Excel,
    day-first TSV, duplicates, a .txt folder with undecodable and empty files; the unseen
    shapes: ACLED events, a crawl, tweets, Usenet posts, odd dates, an unbalanced quote,
    boilerplate in three languages) in partitions of 3 rows."""
    settings = Settings.defaults().replace({"compute": {"partition_rows": 3}})
    ref = load_corpus(str(FIXTURES / source), settings=settings)
    report = load_partitioned(str(FIXTURES / source), tmp_path, settings=settings)
    _same_load(ref, report, tmp_path)


@pytest.mark.parametrize("source", ["unseen/news_esfrit.csv", "txt"])
def test_a_load_step_run_again_after_it_wrote_gives_the_same_load(source, tmp_path,
                                                                  monkeypatch):
    """A task retried after its worker died (or its result was lost) once it had written:
    every step reads one staging table and writes another, so running each task twice
    changes nothing (headers, boilerplate and rejects are not applied twice)."""
    import conflict_narratives.corpus.bykey as bykey_module
    import conflict_narratives.corpus.partitioned as partitioned
    from conflict_narratives.compute import run_tasks

    def twice(client, func, items, **kwargs):
        run_tasks(client, func, items, **kwargs)
        return run_tasks(client, func, items, **kwargs)

    monkeypatch.setattr(partitioned, "run_tasks", twice)
    monkeypatch.setattr(bykey_module, "run_tasks", twice)
    source = str(FIXTURES / source)  # boilerplate in three languages; a header line
    settings = Settings.defaults().replace({"compute": {"partition_rows": 3}})
    ref = load_corpus(source, settings=settings)
    assert ref.report["boilerplate"]["segments"] or ref.report["header_lines_parsed"]
    _same_load(ref, load_partitioned(source, tmp_path, settings=settings), tmp_path)


def test_partitioned_load_of_a_dataframe_with_a_date_format(tmp_path):
    """A DataFrame source and ``corpus.date_format``, in partitions of 4 rows."""
    frame = pd.read_csv(FIXTURES / "unseen" / "odd_dates.csv")
    settings = Settings.defaults().replace({"compute": {"partition_rows": 4},
                                            "corpus": {"date_format": "%d/%m/%Y alle %H:%M"}})
    ref = load_corpus(frame, settings=settings)
    assert ref.report["dated"] > 0
    report = load_partitioned(frame, tmp_path, settings=settings)
    _same_load(ref, report, tmp_path)


def test_long_documents_make_smaller_partitions(tmp_path):
    """``compute.partition_mb`` bounds a partition's text, not only its rows: fa-kes under a
    bound of 0.25 MB loads in more, smaller partitions, uneven in rows, and equals the
    in-process load."""
    settings = Settings.defaults().replace({"compute": {"partition_rows": 10_000,
                                                        "partition_mb": 0.25}})
    ref = load_corpus("fa-kes", search=[SHARED], settings=settings)
    report = load_partitioned("fa-kes", tmp_path, settings=settings, search=[SHARED])
    _same_load(ref, report, tmp_path)
    raw = pd.read_csv(SHARED / "fa-kes" / "FA-KES-Dataset.csv", dtype=object,
                      keep_default_na=False, na_values=[""], encoding_errors="replace")
    megabytes = raw.memory_usage(deep=True, index=False).sum() / 2**20
    assert report["partitions"] >= int(megabytes / 0.25)
    assert len(set(report["partition_rows"])) > 1  # cut by size, not by rows


def test_a_chunk_is_cut_by_its_bytes_not_its_rows():
    long, short = "حرب " * 5_000, "x"
    for dtype in (object, "str"):  # as the readers give it, and a DataFrame source's
        frame = pd.DataFrame({"text": [long] * 3 + [short] * 300 + [long] * 3,
                              "n": range(306)}, index=pd.RangeIndex(10, 316)).astype(
                                  {"text": dtype})
        total = frame.memory_usage(deep=True, index=False).sum()
        row = frame.iloc[:1].memory_usage(deep=True, index=False).sum()
        bound = total // 3 - 1
        pieces = list(within([(frame, [{"row": 2}], {"format": "csv"})], bound))
        pd.testing.assert_frame_equal(pd.concat([p for p, _, _ in pieces]), frame)
        assert [r for _, r, _ in pieces] == [[{"row": 2}]] + [[]] * 3
        for piece, _, _ in pieces:  # about the bound: the cut falls between rows
            assert piece.memory_usage(deep=True, index=False).sum() <= bound + row
        rows = sorted(len(p) for p, _, _ in pieces)
        assert rows[0] <= 3 and rows[-1] >= 100  # cut by bytes, not in equal rows
        assert list(within([(frame, [], {})], total))[0][0] is frame  # under it: whole


def test_duplicates_across_partitions_are_found_on_the_cluster(fa_kes):
    """fa-kes in partitions of 100 on 2 workers: its 12 duplicate ids, 4 exact and 10
    near-duplicates are the in-process ones, with the same kept copies and corpus."""
    parts, report, out = fa_kes
    ref = load_corpus("fa-kes", search=[SHARED])
    assert report["partitions"] == len(parts) == 9
    assert report["rejected"] == ref.report["rejected"] == {
        "duplicate_id": 12, "near_duplicate": 10, "duplicate_text": 4}
    _same_load(ref, report, out)


def test_bad_input_gets_the_in_process_errors(tmp_path):
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK")
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("id,when\n1,2020-01-01\n", encoding="utf-8")
    for source in (bad, no_text, tmp_path / "missing.csv"):
        with pytest.raises((ValueError, FileNotFoundError)) as whole:
            load_corpus(str(source))
        with pytest.raises(type(whole.value)) as parted:
            load_partitioned(str(source), tmp_path / "out")
        assert str(parted.value) == str(whole.value)


def test_updates_stay_in_process(cluster, tmp_path):
    """An update on a cluster is refused before anything is written, and a corpus that
    took updates in process is never reloaded into partitions without them."""
    import json

    from conflict_narratives.store import MARKER

    source = str(FIXTURES / "articles.csv")
    store = Store(tmp_path)
    Pipeline(source, name="news", store=store).load()
    with pytest.raises(ValueError, match="updates are added in process"):
        Pipeline(source, name="news", store=store, client=cluster).update([source])
    marker = store.corpus_dir("news") / MARKER
    marker.write_text(json.dumps(json.loads(marker.read_text()) | {"updates": 1}))
    with pytest.raises(ValueError, match="1 update.s. added in process"):
        Pipeline(source, name="news", store=store, client=cluster).load()
    assert Pipeline(source, name="news", store=store).load().cached  # in process: as is


def test_scheduler_setting_is_checked():
    assert compute.parse_scheduler(None) == ("process", None)
    assert compute.parse_scheduler("local:3") == ("local", 3)
    assert compute.parse_scheduler("tcp://10.0.0.5:8786") == ("address", "tcp://10.0.0.5:8786")
    for bad in ("local:0", "local:x", "cluster", "tcp://"):
        with pytest.raises(ValueError, match="compute.scheduler"):
            compute.parse_scheduler(bad)


@pytest.mark.slow
def test_cluster_run_matches_in_process(cluster, store, tmp_path, monkeypatch):
    """`run fa-kes --scheduler local:2` (here: the test's 2-worker LocalCluster, handed to
    the pipeline): the same topic assignments, prevalence and events as in process (the
    corpus in 5 partitions)."""
    home_b = tmp_path / "b"
    cluster_run = Pipeline("fa-kes", store=Store(home_b), client=cluster,
                           overrides=FAST | {"compute": {"partition_rows": 200}})
    assert cluster_run.distributed and cluster_run.load().result[0].n_docs == 778
    assert len(cluster_run.load().result[0]) == 5
    in_process = Pipeline("fa-kes", store=store, overrides=FAST)
    assert not in_process.distributed
    for stage in ("topics", "timelines"):
        a, b = in_process.stage(stage).result, cluster_run.stage(stage).result
        tables = ("doc_topics", "topic_info") if stage == "topics" else \
            ("prevalence", "prevalence_by_source", "topic_words", "bursts", "events")
        for table in tables:
            pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    # timelines on the cluster: events and stories found a topic at a time, words counted
    # a partition at a time, story days from date mentions read on the workers
    assert a.summary == b.summary
    # which levels a real fit's topics give is incidental (story events on the cluster are
    # planted in test_timelines_by_partition_and_topic_equal_in_process)
    assert len(b.events) and len(b.topic_words) > 50
    # narratives: frames and actors a partition at a time, storylines a time window at a time
    a, b = in_process.narratives(), cluster_run.narratives()
    assert set(a.tables) == set(b.tables)
    for name, table in a.tables.items():
        pd.testing.assert_frame_equal(table, b[name], obj=name)
    assert len(b["actor_mentions"]) > 100 and b["storylines"]["parent_id"].notna().sum() > 20
    assert len(b["distinctive_words"]) and len(b["frame_validation_docs"])
    # the corpus table the notebooks read: no texts in the client, their lengths counted
    short, whole = cluster_run.corpus, cluster_run.load().result[0].to_pandas()
    pd.testing.assert_frame_equal(short.drop(columns=["n_words", "n_chars"]),
                                  whole.drop(columns=["text", "raw_text"]))
    np.testing.assert_array_equal(short["n_chars"], whole["text"].str.len())
    drawn = [[t.get_text() for t in length_distribution(df, by="source").axes[0].texts]
             for df in (short, whole)]
    assert drawn[0] == drawn[1] and len(drawn[0]) > 1
    seed = ROOT.parent / "shared" / "seed" / "akhbar-alaan_mosul-isis-collapse.txt"
    traced = [r.trace(seed) for r in (in_process, cluster_run)]  # from the short table
    assert traced[0]["nearest"] == traced[1]["nearest"] and len(traced[1]["nearest"]) == 5
    assert traced[0].get("matches") == traced[1].get("matches")
    for fresh in (Pipeline("fa-kes", store=store, overrides=FAST),  # as a notebook opens it
                  Pipeline("fa-kes", store=Store(home_b), client=cluster,
                           overrides=FAST | {"compute": {"partition_rows": 200}})):
        again = fresh.trace(seed, threshold=0.5)  # a new threshold: traced again, not reused
        assert again["nearest"] == traced[0]["nearest"]
    # the interactive view: the documents with a map position, their texts read from the
    # partitions; the others counted (FAST has no map: none; then half of them placed)
    assert publish.explore_corpus(cluster_run)[1:] == (778, 778)
    placed = cluster_run.topics().doc_topics.copy()
    half = (placed.index % 2 == 0)
    placed.loc[half, ["x", "y"]] = 1.0
    with monkeypatch.context() as patch:
        patch.setattr(cluster_run, "topics", lambda force=False: SimpleNamespace(
            doc_topics=placed))
        shown, total, unplaced = publish.explore_corpus(cluster_run)
    expected = whole[whole["doc_id"].astype(str).isin(placed.loc[half, "doc_id"].astype(str))]
    assert (total, unplaced, len(shown)) == (778, 778 - half.sum(), half.sum())
    assert shown["doc_id"].tolist() == expected["doc_id"].tolist()
    assert shown["text"].tolist() == expected["text"].tolist()
    # a report's notebooks join the run's cluster (each would otherwise start its own)
    handed = {}
    monkeypatch.setattr("conflict_narratives.report.write_report",
                        lambda *a, params, **k: handed.update(params))
    cluster_run.report()
    assert not cluster_run.store.explore_page(cluster_run.label).exists()  # FAST: no map
    assert handed["overrides"]["compute"]["scheduler"] == cluster.scheduler.address
    cluster_run.close()
    assert cluster.status == "running"  # the caller's cluster is left alone
    # the in-process pipeline reads the partitioned load too
    again = Pipeline("fa-kes", store=Store(home_b), overrides=FAST)
    assert again.load().cached and len(again.corpus) == 778


def test_fit_on_a_sample_then_assign_everything(cluster, fa_kes, tmp_path):
    """Past topics.fit_sample the topics are fitted on the seeded sample in-process
    sampling draws, and every other document goes to its nearest centroid on the workers;
    sizes are counted over all documents."""
    settings = Settings.defaults().replace(FAST | {"topics": {"fit_sample": 500}})
    parts = fa_kes[0]
    backend = get_backend(settings=settings)
    pos = sample_positions(parts.n_docs, 500, 42)
    emb = embed_partitions(parts, tmp_path / "emb", backend=backend, settings=settings,
                           cache_dir=tmp_path / "cache", client=cluster, sample=pos)
    result = build_topics_partitioned(parts, emb.stats["matrix"], backend=backend,
                                      settings=settings, name="fa-kes", client=cluster,
                                      sample=pos)
    assert result.meta["fit_sample"] == 500 and result.meta["assigned"] == 278
    corpus, matrix = parts.to_pandas(), np.load(emb.stats["matrix"])
    sample = sample_corpus(corpus, 500, 42)
    assert sample["doc_id"].tolist() == corpus["doc_id"].iloc[pos].tolist()
    fitted = result.doc_topics.iloc[pos]
    assert fitted["doc_id"].tolist() == sample["doc_id"].tolist()
    assert np.isfinite(fitted["x"]).all() or not settings["topics"]["doc_map"]["enabled"]
    expected, sims = assign_nearest(matrix, result.centroids)
    rest = np.setdiff1d(np.arange(len(corpus)), pos)
    np.testing.assert_array_equal(result.doc_topics["topic"].to_numpy()[rest], expected[rest])
    np.testing.assert_allclose(result.doc_topics["probability"].to_numpy()[rest], sims[rest],
                               rtol=1e-6)
    assert result.topic_info["size"].sum() == 778  # sizes and words over all documents
    assert result.meta["metrics_on"] == "sample" and result.meta["words_from"] == \
        "all documents"


def test_a_killed_worker_or_run_loses_no_finished_partition(cluster, fa_kes, tmp_path):
    """A worker killed before its tasks run: the scheduler retries them elsewhere (the nanny
    restarts it). A run killed mid-way (a partition's matrix missing): the rerun embeds
    nothing again — finished partitions are reused, the rest comes from the shared cache."""
    settings = Settings.defaults().replace(FAST)
    parts = fa_kes[0]
    pids = cluster.run(os.getpid)
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    backend = get_backend(settings=settings)
    first = embed_partitions(parts, tmp_path / "emb", backend=backend, settings=settings,
                             cache_dir=tmp_path / "cache", client=cluster)
    assert first.stats["n_computed"] == 778
    (tmp_path / "emb" / "emb-00002.npy").unlink()
    again = embed_partitions(parts, tmp_path / "emb", backend=backend, settings=settings,
                             cache_dir=tmp_path / "cache", client=cluster)
    assert again.stats["partitions_reused"] == 8 and again.stats["n_computed"] == 0
    np.testing.assert_array_equal(np.asarray(first.matrix), np.asarray(again.matrix))
    ref = embed_corpus(parts.to_pandas(), backend=backend, settings=settings,
                       cache_dir=tmp_path / "cache", progress=False)
    np.testing.assert_array_equal(ref.matrix, np.asarray(again.matrix))
    shards = list((tmp_path / "cache").rglob("*.npz"))
    assert shards and not list((tmp_path / "cache").rglob(".tmp-*"))


def test_a_task_that_keeps_killing_its_workers_fails_clearly():
    """A worker that dies in a task (as one past its memory limit is killed) is restarted
    with the cluster's memory settings (never pausing); a task that kills every worker it
    runs on, or whose result is too large for a worker, ends the run with an error saying
    what to change, not a hang."""
    import dask
    import distributed  # noqa: F401  (its config defaults loaded before the override below)

    def die(item):
        os.kill(os.getpid(), signal.SIGKILL)

    def pause():
        return dask.config.get("distributed.worker.memory.pause")

    def big(item):
        return b"x" * (900 * 2**20)

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        client = compute.start({"compute": {"scheduler": "local:1", "memory_limit": "1GB"}},
                               quiet=True)
    try:
        assert list(client.run(pause).values()) == [False]
        with pytest.raises(MemoryError, match="raise compute.memory_limit"):
            compute.run_tasks(client, die, [0], desc="die", progress=False)
        client.wait_for_workers(1, timeout=60)
        # a result too large for its worker: lost with it and redone, until the run stops
        with pytest.raises(MemoryError, match="compute.partition_mb"):
            compute.run_tasks(client, big, [0], desc="big", progress=False)
        client.wait_for_workers(1, timeout=60)
        assert list(client.run(pause).values()) == [False]  # the restarted worker too
        assert compute.run_tasks(client, abs, [-2, 3], desc="abs", progress=False) == [2, 3]
    finally:
        compute.stop(client)


def test_cli_on_a_cluster_keeps_dasks_info_lines_out_of_the_output(tmp_path):
    import subprocess
    import sys

    env = os.environ | {ENV_HOME: str(tmp_path), ENV_DATA: str(SHARED)}
    done = subprocess.run([sys.executable, "-m", "conflict_narratives", "load",
                           str(FIXTURES / "articles.csv"), "--scheduler", "local:1"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Dask: 1 workers; dashboard" in done.stderr  # the link is still printed
    assert "distributed.scheduler INFO" not in done.stderr + done.stdout


def test_cli_rejects_a_bad_scheduler_in_one_line(tmp_path, monkeypatch, capsys):
    from conflict_narratives.cli import main

    monkeypatch.setenv(ENV_HOME, str(tmp_path))
    monkeypatch.setenv(ENV_DATA, str(SHARED))
    with pytest.raises(SystemExit) as done:
        main(["run", "fa-kes", "--scheduler", "galaxy"])
    assert done.value.code == 2
    assert "compute.scheduler 'galaxy'" in capsys.readouterr().err


@pytest.mark.parametrize("freq", [None, "day"])
def test_prevalence_counted_by_partition_equals_in_process(cluster, fa_kes, freq):
    """Prevalence overall and per outlet as group-bys on the workers (9 partitions of
    fa-kes, sparse edges trimmed on the summed period sizes) equal the in-process tables."""
    from conflict_narratives.timelines.aggregate import prevalence_tables
    from conflict_narratives.timelines.build import (
        dated_documents,
        prevalence,
        trim_sparse_edges,
    )

    parts = fa_kes[0]
    corpus = parts.to_pandas()
    doc_topics = pd.DataFrame({"doc_id": corpus["doc_id"],
                               "topic": np.arange(len(corpus)) % 7 - 1})
    settings = Settings.defaults().replace({"timelines": {"freq": freq}})
    prev, by_source, used, excluded = prevalence_tables(parts, doc_topics, settings,
                                                        client=cluster)
    cfg = settings["timelines"]
    docs, ref_freq, ref_excluded = dated_documents(corpus, doc_topics, freq)
    docs, ref_excluded["excluded_sparse_edges"] = trim_sparse_edges(
        docs, ref_freq, cfg["edge_min_fraction"])
    assert used == ref_freq and excluded == ref_excluded
    assert prev["period"].nunique() > 5 and prev["count"].sum() == len(docs)
    pd.testing.assert_frame_equal(prev, prevalence(docs, ref_freq, smooth=cfg["smooth"]))
    pd.testing.assert_frame_equal(by_source, prevalence(docs, ref_freq, by="source",
                                                        smooth=cfg["smooth"]))
    assert by_source["source"].nunique() > 1


def test_timelines_by_partition_and_topic_equal_in_process(cluster, fa_kes, tmp_path):
    """Timelines of a partitioned corpus (9 partitions, events a topic at a time on the
    workers, a story planted) equal the in-process ones; past ``topics.fit_sample`` only the
    lead vocabulary comes from the sample: the same classes and events, words from the
    sampled terms."""
    from conflict_narratives.timelines import build_timeline
    from conflict_narratives.timelines.partitioned import build_timeline_partitioned

    parts = fa_kes[0]
    corpus = parts.to_pandas()
    rng = np.random.default_rng(0)
    doc_topics = pd.DataFrame({"doc_id": corpus["doc_id"],
                               "topic": rng.integers(-1, 5, len(corpus))})
    vectors = rng.normal(size=(len(corpus), 16)).astype(np.float32)
    # a planted story: the 11 reports of 2017-04-04 (8 outlets), one topic, one direction
    day = (corpus["date"].dt.strftime("%Y-%m-%d") == "2017-04-04").to_numpy()
    doc_topics.loc[day, "topic"] = 0
    vectors[day] = rng.normal(size=16) + 0.1 * rng.normal(size=(day.sum(), 16))
    np.save(tmp_path / "m.npy", vectors)
    settings = Settings.defaults().replace({"timelines": {"freq": "week"}})
    ref = build_timeline(corpus, doc_topics, embeddings=vectors, settings=settings)
    got = build_timeline_partitioned(parts, doc_topics, tmp_path / "m.npy", settings=settings,
                                     client=cluster)
    assert (ref.events["level"] == "story").any() and (ref.events["level"] == "topic").any()
    assert ref.summary == got.summary
    for table in ("prevalence", "prevalence_by_source", "topic_words", "bursts", "events",
                  "dates"):
        pd.testing.assert_frame_equal(getattr(ref, table), getattr(got, table))
    assert got.dates["selected"].sum() == settings["timelines"]["n_dates"]
    sampled = build_timeline_partitioned(parts, doc_topics, tmp_path / "m.npy", client=cluster,
                                         settings=settings,
                                         sample=sample_positions(parts.n_docs, 300, 42))
    keys = ["topic", "period", "count"]
    pd.testing.assert_frame_equal(ref.topic_words[keys], sampled.topic_words[keys])
    pd.testing.assert_frame_equal(ref.events.drop(columns="words"),
                                  sampled.events.drop(columns="words"))
    shared = [len(set(a) & set(b)) / len(a) for a, b in
              zip(ref.topic_words["words"], sampled.topic_words["words"], strict=True) if len(a)]
    assert np.mean(shared) > 0.5, np.mean(shared)


def test_storylines_linked_by_time_window_equal_one_pass(fa_kes):
    """Storylines linked a few days at a time (each window led in by the window_days
    before it) equal the one-pass links, whatever the window size."""
    from conflict_narratives.narratives.partitioned import link_partitioned
    from conflict_narratives.narratives.storylines import link_storylines

    corpus = fa_kes[0].to_pandas()
    rng = np.random.default_rng(1)
    base = rng.normal(size=(12, 8))
    vectors = base[rng.integers(0, 12, len(corpus))] + 0.3 * rng.normal(size=(len(corpus), 8))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    path = fa_kes[2] / "storyline-vectors.npy"
    np.save(path, vectors)
    ref = link_storylines(corpus, vectors, window_days=3, threshold=0.8)
    assert ref["parent_id"].notna().sum() > 50
    for size in (1, 40, 10_000):
        pd.testing.assert_frame_equal(ref, link_partitioned(corpus, path, window_days=3,
                                                            threshold=0.8, size=size))
