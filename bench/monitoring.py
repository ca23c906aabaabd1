"""Monitoring benchmark: a topic model that lives through daily updates (issue 14).

A. **ant-multisource replayed.** The corpus file is split by date: everything before
   ``--split`` (2018-08-01) is loaded and fitted; the rest arrives as files, one per week,
   each added with ``Pipeline.update`` (no refit; stages left for the end). One *day*
   (the first 150 articles after the split) is added first with a fresh embedding cache and
   the model loaded (warm), to time what an analyst's morning costs. At the end, timelines
   and narratives are brought up to date once, then ``Pipeline.refit`` refits on the whole
   corpus (ids and names carried over). Scored per update: seconds; ARI of the update's
   assignments with the refit's on the same documents (with the far documents as their own
   class, and nearest topic only); and the *post-split stories* — refit topics with at most
   10 % of their documents before the split — whether a candidate made mostly (>= 50 %) of
   a story's documents is flagged emerging, and how many weeks after its first article.
B. **Thresholds.** The far quantile and the pool's clustering similarity are swept in memory
   over the same weekly updates (the same functions the update calls), scored on the
   stories found, their delay and the emerging candidates that are no new story.
C. **A planted story.** fa-kes (Syrian war, English) is fitted on its articles before
   2016-09-01; an update of the next 150 articles plus 25 BBC News articles of one class
   (dated inside the update) is added; the BBC articles should leave the topics and form a
   candidate of their own. Repeated for each of the five BBC classes.

Run: ``python -m bench.monitoring [--split 2018-08-01] [--skip-ant]``; results go to
``reports/benchmarks/monitoring.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import machine
from bench.monitoring_eval import evaluate_ant, planted_scores, planted_sweep, sweep
from conflict_narratives.embeddings import embed_corpus
from conflict_narratives.pipeline import Pipeline
from conflict_narratives.store import Store

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"
ANT = SHARED / "ant-multisource" / "ant_multisource_v2.1.csv.gz"
FAKES = SHARED / "fa-kes" / "FA-KES-Dataset.csv"
BBC = SHARED / "bbc-news" / "bbc_news.csv.gz"
ANT_MAP = {"doc_id": "docno", "date": "datetime"}
FAKES_MAP = {"doc_id": "unit_id", "text": "article_content", "title": "article_title",
             "place": "location"}
OUT = ROOT / "reports" / "benchmarks"


def project(root: Path) -> Store:
    """A throw-away project sharing the checkout's content-addressed embedding cache."""
    (root / "data" / "interim").mkdir(parents=True, exist_ok=True)
    link = root / "data" / "interim" / "embeddings"
    if not link.exists():
        link.symlink_to(ROOT / "data" / "interim" / "embeddings", target_is_directory=True)
    return Store(root)


class FreshCache(Store):
    """The same project with an empty embedding cache: new texts are really embedded."""

    def __init__(self, root: Path, cache: Path):
        super().__init__(root)
        self._cache = cache

    @property
    def embeddings_dir(self) -> Path:
        return self._cache


def split_ant(folder: Path, split: pd.Timestamp, day: int) -> tuple[Path, list[tuple]]:
    raw = pd.read_csv(ANT, dtype=str, keep_default_na=False)
    when = pd.to_datetime(raw["datetime"], utc=True, errors="coerce")
    after = (when >= split).to_numpy()
    base = folder / "base.csv.gz"
    raw[~after].to_csv(base, index=False)
    post = raw[after].assign(_when=when[after]).sort_values("_when", kind="stable")
    files = [("day", post.iloc[:day])]
    rest = post.iloc[day:]
    week = ((rest["_when"] - split).dt.days // 7).to_numpy()
    files += [(f"week {w + 1}", rest[week == w]) for w in sorted(set(week))]
    out = []
    for name, part in files:
        path = folder / f"{name.replace(' ', '')}.csv.gz"
        part.drop(columns="_when").to_csv(path, index=False)
        out.append((name, path, part["_when"].min(), part["_when"].max()))
    return base, out


def replay_ant(home: Path, split: pd.Timestamp, day: int, info: dict) -> dict:
    """Section A's replay, kept in ``home`` (``replay.json``): a second run evaluates again
    without replaying."""
    from conflict_narratives import monitor
    from conflict_narratives.topics import TopicResult

    store, saved = project(home), home / "replay.json"
    if saved.is_file():
        state = json.loads(saved.read_text(encoding="utf-8"))
        run = Pipeline(state["source"], name="ant-live", mapping=ANT_MAP, store=store)
        state["updates"] = pd.DataFrame(state["updates"])
    else:
        source, files = split_ant(home, split, day)
        run = Pipeline(str(source), name="ant-live", mapping=ANT_MAP, store=store)
        t0 = time.perf_counter()
        run.load()
        state = {"source": str(source), "load_s": round(time.perf_counter() - t0, 1),
                 "files": [[n, str(p), str(a), str(b)] for n, p, a, b in files]}
        fitted = run.run_topics()
        fitted.result.save(home / "base-topics")
        state["fit_seconds"] = fitted.seconds
        t0 = time.perf_counter()
        run.backend.embed(["warm up"])  # "warm": the embedding model is loaded
        state["model_load_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        monitor.dedup_index(run, run.load().result[0], run.load().key)  # once per corpus
        state["index_s"] = round(time.perf_counter() - t0, 1)
        rows = []
        for name, path, first, last in files:
            fresh = name == "day"
            if fresh:  # embed the day's texts for real, in an empty cache
                run.store = FreshCache(home, home / "fresh-cache")
            out = run.update([path], stages=())
            run.store = store
            rows.append({"update": name, "first": str(first.date()), "last": str(last.date()),
                         "rows_in": out["rows_in"], "added": out["added"],
                         "duplicates": out["duplicates"], "far": out["outside_topics"],
                         "candidates": len(out["candidates"]),
                         "emerging": len(out["emerging"]), "seconds": out["seconds"]["update"],
                         "embed_s": out["seconds"]["embed"], "read_s": out["seconds"]["read"],
                         "fresh_cache": fresh})
        state["updates"] = rows
        state["stages"] = {}
        for stage in ("timelines", "narratives"):
            t0 = time.perf_counter()
            run.stage(stage)
            state["stages"][stage] = round(time.perf_counter() - t0, 1)
        run.timelines().events.to_parquet(home / "events.parquet")  # before the refit
        state["refit"] = run.refit(stages=())
        state["info"] = info
        saved.write_text(json.dumps(state, ensure_ascii=False, default=str), encoding="utf-8")
        state["updates"] = pd.DataFrame(rows)
    state["files"] = [(n, Path(p), pd.Timestamp(a), pd.Timestamp(b))
                      for n, p, a, b in state["files"]]
    return {**state, "run": run, "base": TopicResult.load(home / "base-topics"),
            "events": pd.read_parquet(home / "events.parquet"),
            "final": run.topics(), "vectors": run.embeddings.matrix}


def planted(home: Path, n_update: int = 150, n_planted: int = 25, seed: int = 7) -> dict:
    """Section C: one fit of fa-kes' early articles, one update per BBC class (kept in
    ``home/planted.json``: a second run reads it back)."""
    saved = home / "planted.json"
    if saved.is_file():
        state = json.loads(saved.read_text(encoding="utf-8"))
        return {**state, "table": pd.DataFrame(state["table"]),
                "sweep": pd.DataFrame(state["sweep"])}
    raw = pd.read_csv(FAKES, encoding="latin-1", dtype=str, keep_default_na=False)
    when = pd.to_datetime(raw["date"], errors="coerce", format="%m/%d/%Y")
    split = pd.Timestamp("2016-09-01")
    base_home = home / "fakes"
    store = project(base_home)
    base = base_home / "base.csv"
    raw[~(when >= split)].to_csv(base, index=False)
    nxt = raw[(when >= split).to_numpy()].assign(_w=when[when >= split]).sort_values("_w")
    nxt = nxt.head(n_update).drop(columns="_w")
    run = Pipeline(str(base), name="fakes-live", mapping=FAKES_MAP, store=store)
    fitted = run.run_topics()
    bbc = pd.read_csv(BBC)
    dates = pd.to_datetime(nxt["date"], format="%m/%d/%Y")
    results, cases = [], []
    for label in sorted(bbc["label"].unique()):
        part = bbc[bbc["label"] == label].sample(n_planted, random_state=seed)
        rng = np.random.default_rng(seed)
        plant = pd.DataFrame({
            "unit_id": [f"bbc-{i}" for i in part["doc_id"]], "article_title": part["title"],
            "article_content": part["text"], "source": "BBC News",
            "date": rng.choice(dates.dt.strftime("%m/%d/%Y").to_numpy(), n_planted),
            "location": "", "labels": ""})
        here = home / f"planted-{label}"
        shutil.copytree(base_home, here, symlinks=True)
        file = here / "update.csv"
        pd.concat([nxt, plant]).sample(frac=1, random_state=seed).to_csv(file, index=False)
        live = Pipeline(str(here / "base.csv"), name="fakes-live", mapping=FAKES_MAP,
                        store=Store(here))
        out = live.update([file], stages=())
        tables, _ = live.store.read_tables(live.store.updates(live.name)[-1][0],
                                           ["assignments", "candidates"])
        results.append({"class": label, **planted_scores(tables["assignments"],
                                                          tables["candidates"],
                                                          set(plant["unit_id"])),
                        "update_s": out["seconds"]["update"]})
        docs = live.corpus.set_index(live.corpus["doc_id"].astype(str)).loc[
            tables["assignments"]["doc_id"]].reset_index(drop=True)
        cases.append({"docs": docs, "planted": set(plant["unit_id"]),
                      "centroids": fitted.result.centroids,
                      "vectors": embed_corpus(docs, backend=live.backend, settings=live.settings,
                                              progress=False,
                                              cache_dir=live.store.embeddings_dir).matrix})
    out = {"fit_topics": fitted.result.n_topics, "fit_docs": len(run.corpus),
           "table": pd.DataFrame(results),
           "sweep": planted_sweep(cases, run.settings["monitor"]["emerging"])}
    saved.write_text(json.dumps({k: v.to_dict("records") if isinstance(v, pd.DataFrame) else v
                                 for k, v in out.items()}, default=str), encoding="utf-8")
    return out


def write(report: dict, args, seconds: float) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "monitoring.json").write_text(json.dumps(report["json"], ensure_ascii=False,
                                                    indent=1, default=str), encoding="utf-8")
    (OUT / "monitoring.md").write_text(report["md"], encoding="utf-8")
    print(f"wrote {OUT / 'monitoring.md'} in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> None:
    from bench.monitoring_eval import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="2018-08-01")
    parser.add_argument("--day", type=int, default=150, help="articles in the timed day")
    parser.add_argument("--skip-ant", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) /
                        "bench-monitoring", help="kept between runs: a second run evaluates "
                                                 "the saved replay again (delete to redo)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    info = {"machine": machine(), "command": "python -m bench.monitoring " +
            shlex.join(argv if argv is not None else sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    args.work.mkdir(parents=True, exist_ok=True)
    plant = planted(args.work)
    split = pd.Timestamp(args.split, tz="UTC")
    ant = None if args.skip_ant else replay_ant(args.work / "ant", split, args.day, info)
    if ant is not None and ant.get("info", info) is not info:  # evaluated again: say when
        info = ant["info"] | {"evaluated": info["date"], "evaluated_by": info["command"]}
    scores = evaluate_ant(ant, split) if ant else None
    swept = sweep(ant, scores) if ant else None
    report = render(info, ant, scores, swept, plant)
    write(report, args, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
