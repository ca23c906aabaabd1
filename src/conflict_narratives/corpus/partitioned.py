"""Stage 0 past one machine: any corpus into a partitioned Parquet dataset, out of core.

The source is streamed in chunks of ``compute.partition_rows`` input rows (:mod:`chunks`),
cut further where a chunk holds more than ``compute.partition_mb`` (long documents), to
staging files; every partition then goes through the loader's own steps
(:mod:`loader`, :mod:`cleaning`, :mod:`boilerplate`) on a worker, so every error, reject
reason and chosen column is the one an in-process load gives, and ``rows_in == kept +
rejected`` holds. What the in-process load decides over the whole table is decided over
all partitions from small per-partition counts, never by gathering the corpus:

- columns: chosen on the rows an in-process load scores (:data:`columns.SAMPLE`, evenly
  spread; on a source of more rows, the id and date-candidate checks see those rows too);
- wire-copy header lines: header hits and documents per source, summed;
- PTB detokenisation: the first 500 texts' votes;
- boilerplate: documents per source, then the evenly spread documents counted
  (:func:`boilerplate.sampled` with each partition's offsets), their segments tabled once;
- plain-number extra columns, the day/month order of numeric dates, the report's stats;
- duplicate ids, exact and near duplicates, out-of-range dates by key (:mod:`.bykey`).

On any corpus the result equals :func:`loader.load_corpus` (tested on every fixture in
partitions of 3 rows, and on fa-kes).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import conflict_narratives.corpus.boilerplate as boilerplate
import conflict_narratives.corpus.cleaning as cleaning
import conflict_narratives.corpus.dates as dates
import conflict_narratives.corpus.loader as loader
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus import bykey
from conflict_narratives.corpus.accounting import Clock, Rejects, fingerprint
from conflict_narratives.corpus.bykey import staged
from conflict_narratives.corpus.chunks import NeedsWholeFile, iter_chunks, whole_chunks, within
from conflict_narratives.corpus.columns import SAMPLE
from conflict_narratives.corpus.readers import frame_table
from conflict_narratives.corpus.registry import default_name, resolve
from conflict_narratives.corpus.summary import (
    build_report,
    corpus_stats,
    frame_fingerprint,
    merge_stats,
)
from conflict_narratives.settings import resolve as resolve_settings
from conflict_narratives.settings import thaw

log = logging.getLogger(__name__)

PARTS = "parts"


def _raw(staging: Path, i: int) -> Path:
    return staging / f"raw-{i:05d}.pkl"


def _read(staging: Path, i: int, kind: str) -> pd.DataFrame:
    return pd.read_parquet(staged(staging, kind, i))


def _write(df: pd.DataFrame, staging: Path, i: int, kind: str) -> None:
    """Partition ``i``'s staging table of ``kind``, written whole or not at all. Each step
    reads one kind and writes the next, so a task retried after its worker died (even
    after writing) starts again from the same input."""
    path = staged(staging, kind, i)
    tmp = path.with_name(f".{path.name}.partial")
    df.to_parquet(tmp, index=True)
    os.replace(tmp, path)


def _drop(staging: Path, kind: str) -> None:
    """Every partition's staging file of ``kind`` (a step's input, once every partition's
    output is written)."""
    for f in staging.glob(f"{kind}-*"):
        f.unlink()


# ---------------------------------------------------------------- tasks (run on workers)
def _map_task(i: int, staging: Path, recipe, columns: list, undecodable: bool) -> dict:
    """Rows mapped to the schema, posts' headers off; header-line and number counts."""
    frame = pd.read_pickle(_raw(staging, i)).reindex(columns=columns)
    rej = Rejects()
    df, posts = loader.map_rows(frame, recipe, rej, undecodable)
    _, hits, sizes = cleaning.find_headers(df)
    _write(df, staging, i, "mapped")
    return {"rejects": rej.rows, "posts": posts, "hits": hits, "sizes": sizes,
            "numbers": loader.number_columns(df)}


def _headers_task(i: int, staging: Path, wire: set) -> dict:
    df = _read(staging, i, "mapped")
    found, _, _ = cleaning.find_headers(df)
    parsed = cleaning.use_headers(df, found, wire)
    _write(df, staging, i, "headed")
    return {"parsed": parsed, "found": len(found), "ptb": cleaning.ptb_votes(df["text"])}


def _clean_task(i: int, staging: Path, ptb: bool) -> tuple[Counter, Counter]:
    """Display cleaning; documents per source, and per kind of markup removed."""
    df = _read(staging, i, "headed")
    found = cleaning.clean_columns(df, ptb)
    _write(df, staging, i, "cleaned")
    return Counter(boilerplate.source_groups(df["source"]).tolist()), found


def _sample_task(item, staging: Path, steps: dict) -> tuple[list, list]:
    """The partition's documents the boilerplate count sees (``item``: partition, the
    documents per source before it)."""
    i, start = item
    df = _read(staging, i, "cleaned")
    groups = boilerplate.source_groups(df["source"])
    keep = boilerplate.sampled(groups, steps, start)
    return df["text"][keep].tolist(), groups[keep].tolist()


def _usable_task(i: int, staging: Path, found: dict | None, min_letters: int) -> dict:
    """Boilerplate off, unusable texts rejected; the doc-id file for the id check."""
    df = _read(staging, i, "cleaned")
    done = {"touched": 0, "chars": 0, "removed": Counter()}
    if found is not None:
        df["text"], done = boilerplate.strip_texts(
            df["text"], boilerplate.source_groups(df["source"]), found)
    rej = Rejects()
    df = cleaning.reject_unusable(df, rej, min_letters)
    _write(df, staging, i, "usable")
    pd.DataFrame({"doc_id": df["doc_id"].astype(str), "row": df.index.to_numpy(),
                  "text": bykey.text_hashes(df["text"])}).to_parquet(staged(staging, "ids", i))
    return {"rejects": rej.rows, "done": done}


def _evidence_task(i: int, staging: Path, drop: set, date_format) -> tuple[int, int, int]:
    df = pd.read_parquet(staged(staging, "usable", i), columns=["_date"])
    return dates.dayfirst_counts(dates.numeric_date_strings(
        df.loc[~df.index.isin(drop), "_date"], date_format))


def _dates_task(i: int, staging: Path, drop: set, recipe, dayfirst) -> dict:
    df = _read(staging, i, "usable")
    df, info = loader.parse_row_dates(df[~df.index.isin(drop)], recipe, dayfirst)
    df = loader.add_languages(df, recipe.cs)
    _write(df, staging, i, "b")
    bykey.write_keys(df, staging, i, recipe.cs)
    return {"info": info, "rows": len(df), "first": int(df.index.min()) if len(df) else None}


def _finish_task(i: int, staging: Path, out: Path, drop: set, oor: set, numbers: dict) -> dict:
    df = _read(staging, i, "b")
    df = df[~df.index.isin(drop)]
    df.loc[df.index.isin(oor), "date_status"] = "out_of_range"
    corpus = loader.finish(df, numbers)
    corpus.to_parquet(out / f"part-{i:05d}.parquet", index=False)
    return corpus_stats(corpus)


# ---------------------------------------------------------------- the load
def load_partitioned(source, out_dir: str | Path, *, name=None, mapping=None, dayfirst=None,
                     date_format=None, settings: Mapping | None = None, search=None,
                     client=None, progress: bool = False) -> dict:
    """Load ``source`` (a path, a named corpus or a DataFrame) into ``out_dir``:
    ``parts/part-NNNNN.parquet`` (the corpus table in input order,
    ``compute.partition_rows`` input rows and about ``compute.partition_mb`` per part) and
    ``rejects.parquet``; returns the
    load report (:func:`loader.load_corpus`'s, plus ``partitions``). ``client``: a
    ``distributed.Client`` (None: the same steps in this process)."""
    clock = Clock()
    settings = resolve_settings(settings)
    cs = thaw(settings["corpus"])
    rows = int(settings["compute"]["partition_rows"])
    max_bytes = int(float(settings["compute"]["partition_mb"]) * 2**20)
    if isinstance(source, pd.DataFrame):
        path, spec, name, raw = None, None, name or "dataframe", frame_table(source)
        chunks = whole_chunks(raw, rows)
    else:
        path, spec = resolve(source, search)
        name, raw = name or default_name(source), None
        chunks = None
    out_dir = Path(out_dir)
    staging = out_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        read = _stage(chunks, path, rows, max_bytes, cs, staging)
        clock.lap("read")
        recipe, choice = loader.choose(_choice_rows(staging, read), spec, mapping, name, cs,
                                       dayfirst, date_format)
        ctx = {"staging": staging, "client": client, "progress": progress}
        parts = list(range(read["n_parts"]))
        report = _load(recipe, choice, spec, read, parts, cs, out_dir, ctx, clock)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    src = {"source": str(path) if path is not None else "DataFrame", "rows_in": read["rows_in"],
           "format": read["info"].get("format"), "encoding": read["info"].get("encoding"),
           "physical_lines": read["info"].get("physical_lines"),
           "fingerprint": fingerprint(path) if raw is None else frame_fingerprint(raw.frame)}
    report = build_report(name, src, choice, report.pop("stats"), report.pop("rejects"),
                          *report.pop("pieces"), cs, loader.LOADER_VERSION) | report
    report["warnings"][:0] = read["info"].get("warnings", [])
    clock.lap("report")
    return loader.close_report(report, clock)


def _stage(chunks, path, rows: int, max_bytes: int, cs: dict, staging: Path) -> dict:
    """The source streamed to staging files (``raw-NNNNN.pkl``, one per partition); the
    reader's rejects and info, rows per partition and every column seen, in order."""
    if chunks is None:
        try:
            return _stage_chunks(within(iter_chunks(path, rows, cs.get("encoding"),
                                                    cs.get("header_row")), max_bytes), staging)
        except NeedsWholeFile as why:
            log.info("%s: read whole (%s)", path, why)
            _drop(staging, "raw")
            chunks = whole_chunks(path, rows, cs.get("encoding"), cs.get("header_row"))
    return _stage_chunks(within(chunks, max_bytes), staging)


def _stage_chunks(chunks, staging: Path) -> dict:
    rejects, info, sizes, columns = [], {}, [], {}
    for i, (frame, chunk_rejects, chunk_info) in enumerate(chunks):
        info = chunk_info  # the reader's account: the same in every chunk
        frame.columns = [str(c) for c in frame.columns]
        columns.update(dict.fromkeys(frame.columns))
        frame.to_pickle(_raw(staging, i))
        rejects += chunk_rejects
        sizes.append(len(frame))
    if not sizes:
        raise ValueError("the source holds no rows")
    return {"rejects": rejects, "info": info, "sizes": sizes, "columns": list(columns),
            "n_parts": len(sizes), "rows_in": sum(sizes) + len(rejects)}


def _choice_rows(staging: Path, read: dict) -> pd.DataFrame:
    """The rows the in-process column choice scores (all, or :data:`SAMPLE` evenly spread)."""
    n = sum(read["sizes"])
    want = np.arange(n) if n <= SAMPLE else np.linspace(0, n - 1, SAMPLE).astype(int)
    bounds = np.cumsum([0, *read["sizes"]])
    pieces = []
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        local = want[(want >= a) & (want < b)] - a
        if len(local):
            frame = pd.read_pickle(_raw(staging, i))
            pieces.append(frame.iloc[local].reindex(columns=read["columns"]))
    if not pieces:  # no readable row at all
        return pd.read_pickle(_raw(staging, 0)).reindex(columns=read["columns"])
    return pd.concat(pieces)


def _load(recipe, choice, spec, read, parts, cs, out_dir, ctx, clock) -> dict:
    staging, client, progress = ctx["staging"], ctx["client"], ctx["progress"]

    def each(func, items=parts, desc="load", **kwargs):
        return run_tasks(client, func, items, desc=desc, progress=progress, staging=staging,
                         **kwargs)

    rej = Rejects()
    for r in read["rejects"]:
        rej.add([r["row"]], [None], r["reason"], r["detail"])
    mapped = each(_map_task, desc="map", recipe=recipe, columns=read["columns"],
                  undecodable="undecodable" in str(read["info"].get("encoding", "")))
    _drop(staging, "raw")
    numbers = loader.merge_numbers([m["numbers"] for m in mapped])
    sizes = sum((m["sizes"] for m in mapped), Counter())
    wire = cleaning.wire_groups(sum((m["hits"] for m in mapped), Counter()), sizes,
                                float(cs.get("header_min_share", 0.5)))
    headed = each(_headers_task, desc="headers", wire=wire)
    _drop(staging, "mapped")
    ptb = spec.ptb if spec else cleaning.corpus_looks_ptb(
        None, [v for h in headed for v in h["ptb"]][:500])
    cleaned = each(_clean_task, desc="clean", ptb=ptb)
    groups = [g for g, _ in cleaned]
    _drop(staging, "headed")
    clock.lap("clean")
    found = _boilerplate(groups, cs, each)
    usable = each(_usable_task, desc="boilerplate", found=found,
                  min_letters=int(cs.get("min_letters", 20)))
    _drop(staging, "cleaned")
    for m in mapped + usable:
        rej.rows += m["rejects"]
    done = {"touched": sum(u["done"]["touched"] for u in usable),
            "chars": sum(u["done"]["chars"] for u in usable),
            "removed": sum((u["done"]["removed"] for u in usable), Counter())}
    clock.lap("boilerplate")
    drop = bykey.duplicate_ids(staging, len(parts), rej)
    dayfirst = recipe.dayfirst
    if dayfirst is None and "date" in recipe.cols:
        counts = each(_evidence_task, desc="date order", drop=drop,
                      date_format=recipe.date_format)
        evidence = dates.decide_dayfirst(*np.sum(counts, axis=0).tolist())
    else:
        evidence = None
    parsed = each(_dates_task, desc="dates", drop=drop, recipe=recipe,
                  dayfirst=evidence[0] if evidence else dayfirst)
    _drop(staging, "usable")
    date_info = _merge_date_info([p["info"] for p in parsed], evidence, recipe)
    warnings = [*choice.warnings, *loader.date_format_warning(
        recipe, date_info, sum(p["rows"] for p in parsed))]
    clock.lap("dates")
    starts = [(p["first"], i) for i, p in enumerate(parsed) if p["first"] is not None]
    exact = bykey.exact_duplicates(staging, len(parts), rej)
    near = bykey.near_duplicates(staging, starts, len(parts), exact, cs, rej, client, progress)
    clock.lap("duplicates")
    oor = bykey.out_of_range(staging, len(parts), exact | near, cs)
    parts_dir, tmp = out_dir / PARTS, out_dir / f".{PARTS}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    stats = each(_finish_task, desc="write", out=tmp, drop=exact | near, oor=oor,
                 numbers=numbers)
    shutil.rmtree(parts_dir, ignore_errors=True)
    tmp.rename(parts_dir)
    rejects = rej.frame()
    rejects.to_parquet(out_dir / "rejects.parquet", index=False)
    clock.lap("write")
    posts = {k: sum(m["posts"][k] for m in mapped) for k in mapped[0]["posts"]}
    steps = {"posts": posts, "warnings": warnings,
             "headers": cleaning.header_summary(sum(h["parsed"] for h in headed),
                                                sum(h["found"] for h in headed), sizes),
             "boilerplate": boilerplate.summarize(found or {}, done),
             "markup": cleaning.markup_summary(sum((m for _, m in cleaned), Counter()))}
    return {"stats": merge_stats(stats), "rejects": rejects,
            "pieces": (date_info, {"exact": len(exact), "near": len(near)}, steps, ptb),
            "partitions": len(parts), "partition_rows": [s["kept"] for s in stats]}


def _boilerplate(groups: list[Counter], cs: dict, each) -> dict | None:
    """The boilerplate segments per source (None: ``boilerplate.min_docs`` turns it off),
    from the documents an in-process load counts."""
    cfg = cs.get("boilerplate") or {}
    min_docs = int(cfg.get("min_docs", 10))
    if min_docs <= 0:
        return None
    steps = boilerplate.sample_steps(sum(groups, Counter()))
    starts, seen = [], Counter()
    for g in groups:
        starts.append(Counter(seen))
        seen.update(g)
    sampled = each(_sample_task, list(enumerate(starts)), desc="boilerplate count",
                   steps=steps)
    texts = [t for s in sampled for t in s[0]]
    owners = [g for s in sampled for g in s[1]]
    return boilerplate.segment_tables(texts, owners, min_docs,
                                      float(cfg.get("min_share", 0.05)))


def _merge_date_info(infos: list[dict], evidence, recipe) -> dict:
    """The date parse info of the whole corpus from the partitions'."""
    dayfirst = evidence[0] if evidence else recipe.dayfirst
    if "date" not in recipe.cols:
        return {"dayfirst": dayfirst, "dayfirst_evidence": None}
    out = {"dayfirst": dayfirst,
           "dayfirst_evidence": evidence[1] if evidence else "forced" if dayfirst is not None
           else None}
    if evidence and evidence[1] == "none":  # no numeric dates: as parse_dates reports it
        out["dayfirst_evidence"] = None
    for key in ("parsed", "missing", "unparseable", "ambiguous_day_month",
                "parsed_with_format", "offset_local", "offset_utc"):
        if any(key in i for i in infos):
            out[key] = sum(int(i.get(key, 0)) for i in infos)
    if recipe.date_format:
        out["date_format"] = recipe.date_format
    examples = list(dict.fromkeys(e for i in infos for e in i.get("unparseable_examples", [])))
    out["unparseable_examples"] = examples[:5]
    return out
