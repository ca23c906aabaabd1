"""Stage 0 past one machine: any corpus into a partitioned Parquet dataset, out of core.

The source is streamed in chunks of ``compute.partition_rows`` (:mod:`chunks`); each chunk
goes through the loader's own steps (:mod:`loader`) on a worker, so every error and reject
reason is the one an in-process load gives, and ``rows_in == kept + rejected`` holds. What
needs the whole corpus is done by key, never by gathering the corpus:

- duplicate ids: ids counted by a Dask group-by; only repeated ids come back;
- exact duplicates: a hash of each analysis-normalised text, grouped the same way;
- near duplicates: each text's MinHash LSH band keys (:func:`dedup.band_keys`, the bands
  of the in-process index) grouped, so candidate pairs meet; pairs are checked by exact
  Jaccard on the workers holding the two partitions, and resolved in the in-process order
  (dated, then longest, then first): the same documents are kept;
- the day/month order of numeric dates and out-of-range dates from the whole corpus
  (evidence counts; the dates alone).

On a corpus that fits in one partition the result equals :func:`loader.load_corpus`.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import conflict_narratives.corpus.dates as dates
import conflict_narratives.corpus.dedup as dedup
import conflict_narratives.corpus.loader as loader
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.accounting import (
    Clock,
    Rejects,
    build_report,
    merge_stats,
)
from conflict_narratives.corpus.chunks import NeedsWholeFile, iter_chunks, whole_chunks
from conflict_narratives.corpus.registry import default_name, resolve
from conflict_narratives.settings import resolve as resolve_settings
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

PARTS = "parts"


def _file(folder: Path, stem: str, i: int) -> Path:
    return folder / f"{stem}-{i:05d}.parquet"


def _hash(texts) -> list[str]:
    return [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in texts]


# ---------------------------------------------------------------- tasks (run on workers)
def _clean_task(item, recipe, staging: Path, undecodable: bool) -> dict:
    i, frame = item
    n, first = len(frame), int(frame.index[0]) if len(frame) else None
    rej = Rejects()
    if undecodable:
        frame = loader.scrub_undecodable(frame, recipe.cols, rej)
    df, n_headers = loader.clean_rows(frame, recipe, rej)
    df.to_parquet(_file(staging, "a", i), index=True)
    pd.DataFrame({"doc_id": df["doc_id"].astype(str), "row": df.index.to_numpy(),
                  "text": _hash(df["text"])}).to_parquet(_file(staging, "ids", i))
    return {"rejects": rej.rows, "headers": n_headers, "n": n, "first": first}


def _evidence_task(i: int, staging: Path, drop: set) -> tuple[int, int, int]:
    df = pd.read_parquet(_file(staging, "a", i), columns=["_date"])
    return dates.dayfirst_counts(dates.numeric_date_strings(df.loc[~df.index.isin(drop),
                                                                   "_date"]))


def _dates_task(i: int, staging: Path, drop: set, dayfirst, cs: dict) -> dict:
    df = pd.read_parquet(_file(staging, "a", i))
    df = df[~df.index.isin(drop)]
    df, info = loader.parse_row_dates(df, dayfirst)
    df = loader.add_languages(df, cs)
    df.to_parquet(_file(staging, "b", i), index=True)
    norm = [normalize_for_analysis(t) for t in df["text"]]
    pd.DataFrame({"row": df.index.to_numpy(), "doc_id": df["doc_id"].astype(str),
                  "hash": _hash(norm), "undated": df["date"].isna().to_numpy(),
                  "len": [-len(t) for t in norm]}).to_parquet(_file(staging, "keys", i))
    threshold = float(cs.get("near_duplicate_threshold", 0.9))
    if threshold < 1:
        shingles, pos, keys = dedup.band_keys(norm, threshold)
        rows = df.index.to_numpy()
        pd.DataFrame({"row": rows[pos], "key": keys}).to_parquet(_file(staging, "bands", i))
        pd.DataFrame({"row": rows, "shingles": [s.astype(np.uint32) for s in shingles]}
                     ).to_parquet(_file(staging, "sh", i))
    return info


def _jaccard_task(item, staging: Path, threshold: float) -> list[tuple[int, int, float]]:
    (pa, pb), pairs = item
    sh = pd.concat([pd.read_parquet(_file(staging, "sh", p)) for p in {pa, pb}])
    sets = dict(zip(sh["row"], sh["shingles"], strict=True))
    out = []
    for a, b in pairs:
        j = dedup.jaccard(np.asarray(sets[a], np.uint64), np.asarray(sets[b], np.uint64))
        if j >= threshold:
            out.append((a, b, round(j, 4)))
    return out


def _finish_task(i: int, staging: Path, out: Path, drop: set, oor: set) -> dict:
    df = pd.read_parquet(_file(staging, "b", i))
    df = df[~df.index.isin(drop)]
    df.loc[df.index.isin(oor), "date_status"] = "out_of_range"
    corpus = loader.finish(df)
    corpus.to_parquet(out / f"part-{i:05d}.parquet", index=False)
    return loader.corpus_stats(corpus) | {"rows": len(corpus)}


# ---------------------------------------------------------------- global steps (by key)
def _repeated(files: list[Path], key: str, columns: list[str]) -> pd.DataFrame:
    """Rows whose ``key`` occurs more than once across ``files`` (a Dask group-by; only
    the repeated keys' rows come back)."""
    import dask.dataframe as dd

    table = dd.read_parquet([str(f) for f in files], columns=columns)
    sizes = table.groupby(key).size()
    many = sizes[sizes > 1].compute()
    if many.empty:
        return pd.DataFrame(columns=columns)
    return table[table[key].isin(many.index.to_numpy())].compute().reset_index(drop=True)


def _duplicate_ids(staging: Path, n_parts: int, rej: Rejects) -> set:
    ids = _repeated([_file(staging, "ids", i) for i in range(n_parts)], "doc_id",
                    ["doc_id", "row", "text"])
    drop = set()
    for doc_id, group in ids.sort_values("row").groupby("doc_id", sort=False):
        first = group.iloc[0]
        rest = group.iloc[1:]
        rej.add(rest["row"].tolist(), [doc_id] * len(rest), "duplicate_id",
                [loader.duplicate_id_detail(int(first["row"]), t == first["text"])
                 for t in rest["text"]], [doc_id] * len(rest))
        drop |= set(rest["row"].tolist())
    return drop


def _exact_duplicates(staging: Path, n_parts: int, rej: Rejects) -> set:
    keys = _repeated([_file(staging, "keys", i) for i in range(n_parts)], "hash",
                     ["row", "doc_id", "hash", "undated", "len"])
    drop = set()
    for _, group in keys.sort_values(["undated", "len", "row"]).groupby("hash", sort=False):
        kept, rest = group.iloc[0], group.iloc[1:]
        rej.add(rest["row"].tolist(), rest["doc_id"].tolist(), "duplicate_text",
                f"same text as {kept['doc_id']} after normalisation",
                [kept["doc_id"]] * len(rest))
        drop |= set(rest["row"].tolist())
    return drop


def _near_duplicates(staging: Path, starts: list[tuple[int, int]], n_parts: int, exact: set,
                     cs: dict, rej: Rejects, client, progress: bool) -> set:
    """Candidate pairs from shared band keys, checked by exact Jaccard on the workers,
    resolved greedily in the in-process order."""
    import dask.dataframe as dd

    threshold = float(cs.get("near_duplicate_threshold", 0.9))
    firsts = np.array([f for f, _ in starts])
    part_of = [p for _, p in starts]
    files = [_file(staging, "bands", i) for i in range(n_parts)]
    if threshold >= 1 or not any(f.is_file() for f in files):
        return set()
    bands = _repeated([f for f in files if f.is_file()], "key", ["row", "key"])
    bands = bands[~bands["row"].isin(exact)]
    pairs = set()
    for rows in bands.groupby("key")["row"]:
        members = sorted(set(rows[1].tolist()))
        pairs.update((a, b) for k, a in enumerate(members) for b in members[k + 1:])
    if not pairs:
        return set()
    by_parts = defaultdict(list)
    for a, b in sorted(pairs):
        by_parts[(part_of[np.searchsorted(firsts, a, "right") - 1],
                  part_of[np.searchsorted(firsts, b, "right") - 1])].append((a, b))
    edges = [e for part in run_tasks(client, _jaccard_task, list(by_parts.items()),
                                     desc="near duplicates", progress=progress,
                                     staging=staging, threshold=threshold) for e in part]
    if not edges:
        return set()
    rows = sorted({r for a, b, _ in edges for r in (a, b)})
    keys = dd.read_parquet([str(_file(staging, "keys", i)) for i in range(n_parts)],
                           columns=["row", "doc_id", "undated", "len"])
    keys = keys[keys["row"].isin(rows)].compute()
    order = keys.sort_values(["undated", "len", "row"])["row"].tolist()
    rank = {r: k for k, r in enumerate(order)}
    keys = keys.set_index("row")
    neighbours = defaultdict(list)
    for a, b, j in edges:
        neighbours[a].append((b, j))
        neighbours[b].append((a, j))
    kept, drop = set(), {}
    for r in sorted(rows, key=rank.get):
        best = max(((j, -rank[o], o) for o, j in neighbours[r] if o in kept), default=None)
        if best is None:
            kept.add(r)
        else:
            drop[r] = (best[2], best[0])
    ids = keys["doc_id"]
    rej.add(list(drop), [ids[r] for r in drop], "near_duplicate",
            [f"Jaccard {j:.3f} with {ids[o]}" for o, j in drop.values()],
            [ids[o] for o, _ in drop.values()])
    return set(drop)


# ---------------------------------------------------------------- the load
def load_partitioned(source, out_dir: str | Path, *, name=None, mapping=None,
                     settings: Mapping | None = None, search=None, client=None,
                     progress: bool = False) -> dict:
    """Load ``source`` into ``out_dir``: ``parts/part-NNNNN.parquet`` (the corpus table in
    input order, ``compute.partition_rows`` input rows per part), ``rejects.parquet``;
    returns the load report (as :func:`loader.load_corpus` does; plus ``partitions``).
    ``client``: a ``distributed.Client`` (None: the same steps in this process)."""
    clock = Clock()
    settings = resolve_settings(settings)
    cs = thaw(settings["corpus"])
    rows = int(settings["compute"]["partition_rows"])
    path, spec = resolve(source, search)
    name = name or default_name(source)
    out_dir = Path(out_dir)
    staging = out_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        return _load(path, spec, name, mapping, cs, rows, out_dir, staging, client, progress,
                     clock)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stream(path, spec, name, mapping, cs, rows, staging, client, progress):
    """Chunks cleaned on the workers as they are read (at most two per worker in flight)."""
    try:
        return _stream_chunks(iter_chunks(path, rows, cs.get("encoding")), spec, name,
                              mapping, cs, staging, client, progress)
    except NeedsWholeFile as why:
        log.info("%s: read whole (%s)", path, why)
        for f in staging.glob("*.parquet"):
            f.unlink()
        return _stream_chunks(whole_chunks(path, rows, cs.get("encoding")), spec, name,
                              mapping, cs, staging, client, progress)


def _stream_chunks(chunks, spec, name, mapping, cs, staging, client, progress):
    from tqdm.auto import tqdm

    recipe, info, reader_rejects, results, pending = None, {}, [], {}, {}
    limit = 2 * (len(client.scheduler_info(n_workers=-1)["workers"]) if client else 1)
    bar = tqdm(desc="load", unit="part", disable=not progress)
    for i, (frame, rejects, info) in enumerate(chunks):
        frame.columns = [str(c) for c in frame.columns]
        if recipe is None:
            recipe = loader.make_recipe(frame, spec, mapping, name, cs)
        reader_rejects += rejects
        undecodable = "undecodable" in str(info.get("encoding", ""))
        if client is None:
            results[i] = _clean_task((i, frame), recipe, staging, undecodable)
            bar.update(1)
            continue
        pending[i] = client.submit(_clean_task, (i, frame), recipe, staging, undecodable,
                                   pure=False, retries=2)
        if len(pending) >= limit:  # backpressure: the client never holds many chunks
            from distributed import wait

            wait(list(pending.values()), return_when="FIRST_COMPLETED")
            for k in [k for k, f in pending.items() if f.done()]:
                results[k] = client.gather(pending.pop(k))
                bar.update(1)
    for k, future in pending.items():
        results[k] = client.gather(future)
        bar.update(1)
    bar.close()
    if recipe is None:
        raise ValueError("the source holds no rows")
    return recipe, info, reader_rejects, [results[i] for i in range(len(results))]


def _load(path, spec, name, mapping, cs, rows, out_dir, staging, client, progress, clock):
    recipe, info, reader_rejects, cleaned = _stream(path, spec, name, mapping, cs, rows,
                                                    staging, client, progress)
    n_parts = len(cleaned)
    starts = [(c["first"], i) for i, c in enumerate(cleaned) if c["first"] is not None]
    rej = Rejects()
    for r in reader_rejects:
        rej.add([r["row"]], [None], r["reason"], r["detail"])
    for c in cleaned:
        rej.rows += c["rejects"]
    clock.lap("read+clean")
    drop = _duplicate_ids(staging, n_parts, rej)
    parts = list(range(n_parts))
    dayfirst = loader.choose_dayfirst(None, spec, cs)
    evidence = None
    if dayfirst is None and "date" in recipe.cols:
        counts = run_tasks(client, _evidence_task, parts, desc="date order",
                           progress=progress, staging=staging, drop=drop)
        evidence = dates.decide_dayfirst(*np.sum(counts, axis=0).tolist())
        dayfirst = evidence[0]
    infos = run_tasks(client, _dates_task, parts, desc="dates+languages", progress=progress,
                      staging=staging, drop=drop, dayfirst=dayfirst, cs=cs)
    date_info = _merge_date_info(infos, evidence, dayfirst, "date" in recipe.cols)
    clock.lap("dates+languages")
    exact = _exact_duplicates(staging, n_parts, rej)
    near = _near_duplicates(staging, starts, n_parts, exact, cs, rej, client, progress)
    clock.lap("duplicates")
    oor = _out_of_range(staging, n_parts, drop | exact | near, cs)
    parts_dir, tmp = out_dir / PARTS, out_dir / f".{PARTS}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    stats = run_tasks(client, _finish_task, parts, desc="write", progress=progress,
                      staging=staging, out=tmp, drop=exact | near, oor=oor)
    shutil.rmtree(parts_dir, ignore_errors=True)
    tmp.rename(parts_dir)
    rejects = rej.frame()
    rejects.to_parquet(out_dir / "rejects.parquet", index=False)
    rows_in = sum(c["n"] for c in cleaned) + len(reader_rejects)
    report = build_report(name, path, info, rows_in, recipe.cols, merge_stats(stats),
                          rejects, date_info, {"exact": len(exact), "near": len(near)},
                          sum(c["headers"] for c in cleaned), recipe.ptb, cs)
    clock.lap("write")
    report |= {"seconds": clock.total(), "timings": clock.laps, "partitions": n_parts,
               "partition_rows": [s["rows"] for s in stats]}
    if report["rows_in"] != report["kept"] + report["rejected_total"]:
        raise RuntimeError(f"rows in != kept + rejected: {report}")
    log.info("loaded %s in %d partitions: %d rows in, %d kept, %d rejected in %.1f s", name,
             n_parts, rows_in, report["kept"], report["rejected_total"], report["seconds"])
    return report


def _merge_date_info(infos: list[dict], evidence, dayfirst, has_dates: bool) -> dict:
    if not has_dates:
        return {"dayfirst": dayfirst, "dayfirst_evidence": None}
    out = {"dayfirst": dayfirst,
           "dayfirst_evidence": evidence[1] if evidence else "forced" if dayfirst is not None
           else None}
    if evidence and evidence[1] == "none":  # no numeric dates: as parse_dates reports it
        out["dayfirst_evidence"] = None
    for key in ("parsed", "missing", "unparseable", "ambiguous_day_month"):
        if any(key in i for i in infos):
            out[key] = sum(int(i.get(key, 0)) for i in infos)
    examples = list(dict.fromkeys(e for i in infos for e in i.get("unparseable_examples", [])))
    out["unparseable_examples"] = examples[:5]
    return out


def _out_of_range(staging: Path, n_parts: int, drop: set, cs: dict) -> set:
    import dask.dataframe as dd

    table = dd.read_parquet([str(_file(staging, "b", i)) for i in range(n_parts)],
                            columns=["date"])
    dated = table["date"].compute()
    dated = dated[~dated.index.isin(drop)]
    flags = loader.out_of_range(dated, cs)
    return set(dated.index[flags.to_numpy()].tolist())


def partition_counts(report: dict) -> Counter:
    """Documents per partition of a partitioned load report."""
    return Counter(dict(enumerate(report.get("partition_rows", []))))
