"""The corpus-wide steps of a partitioned load, decided by key, never by gathering the
corpus (:mod:`.partitioned` runs the per-partition steps around them):

- duplicate ids: ids counted by a Dask group-by; only repeated ids come back;
- exact duplicates: a hash of each analysis-normalised text, grouped the same way;
- near duplicates: each text's MinHash LSH band keys (:func:`dedup.band_keys`, the bands
  of the in-process index; none for texts under ``corpus.near_duplicate_min_words``
  words) grouped, so candidate pairs meet; pairs are checked by exact Jaccard on the
  workers holding the two partitions, and resolved in the in-process order (dated, then
  longest, then first): the same documents are kept;
- out-of-range dates from the whole corpus's dates (one column).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

import conflict_narratives.corpus.dedup as dedup
import conflict_narratives.corpus.loader as loader
from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.accounting import Rejects


def staged(folder: Path, stem: str, i: int) -> Path:
    """Partition ``i``'s staging file of kind ``stem``."""
    return folder / f"{stem}-{i:05d}.parquet"


def text_hashes(texts) -> list[str]:
    return [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in texts]


def write_keys(df: pd.DataFrame, staging: Path, i: int, cs: dict) -> None:
    """Partition ``i``'s duplicate keys: text hash, dated, length; LSH band keys and
    shingle sets (for the near-duplicate check)."""
    norm = [normalize_for_analysis(t) for t in df["text"]]
    rows = df.index.to_numpy()
    pd.DataFrame({"row": rows, "doc_id": df["doc_id"].astype(str),
                  "hash": text_hashes(norm), "undated": df["date"].isna().to_numpy(),
                  "len": [-len(t) for t in norm]}).to_parquet(staged(staging, "keys", i))
    threshold = float(cs.get("near_duplicate_threshold", 0.9))
    if threshold >= 1:
        return
    shingles = dedup.shingle_sets(norm, int(cs.get("near_duplicate_min_words", 100)))
    keys = dedup.band_keys(shingles, threshold)
    pos, band = np.nonzero(keys)
    pd.DataFrame({"row": rows[pos], "key": keys[pos, band]}).to_parquet(
        staged(staging, "bands", i))
    pd.DataFrame({"row": rows, "shingles": [s.astype(np.uint32) for s in shingles]}
                 ).to_parquet(staged(staging, "sh", i))


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


def duplicate_ids(staging: Path, n_parts: int, rej: Rejects) -> set:
    """Rows repeating an earlier row's ``doc_id`` (rejected as in process)."""
    ids = _repeated([staged(staging, "ids", i) for i in range(n_parts)], "doc_id",
                    ["doc_id", "row", "text"])
    drop = set()
    for doc_id, group in ids.sort_values("row").groupby("doc_id", sort=False):
        first, rest = group.iloc[0], group.iloc[1:]
        rej.add(rest["row"].tolist(), [doc_id] * len(rest), "duplicate_id",
                [loader.duplicate_id_detail(int(first["row"]), t == first["text"])
                 for t in rest["text"]], [doc_id] * len(rest))
        drop |= set(rest["row"].tolist())
    return drop


def exact_duplicates(staging: Path, n_parts: int, rej: Rejects) -> set:
    keys = _repeated([staged(staging, "keys", i) for i in range(n_parts)], "hash",
                     ["row", "doc_id", "hash", "undated", "len"])
    drop = set()
    for _, group in keys.sort_values(["undated", "len", "row"]).groupby("hash", sort=False):
        kept, rest = group.iloc[0], group.iloc[1:]
        rej.add(rest["row"].tolist(), rest["doc_id"].tolist(), "duplicate_text",
                f"same text as {kept['doc_id']} after normalisation",
                [kept["doc_id"]] * len(rest))
        drop |= set(rest["row"].tolist())
    return drop


def _jaccard_task(item, staging: Path, threshold: float) -> list[tuple[int, int, float]]:
    (pa, pb), pairs = item
    sh = pd.concat([pd.read_parquet(staged(staging, "sh", p)) for p in {pa, pb}])
    sets = dict(zip(sh["row"], sh["shingles"], strict=True))
    out = []
    for a, b in pairs:
        j = dedup.jaccard(np.asarray(sets[a], np.uint64), np.asarray(sets[b], np.uint64))
        if j >= threshold:
            out.append((a, b, round(j, 4)))
    return out


def near_duplicates(staging: Path, starts: list[tuple[int, int]], n_parts: int, exact: set,
                    cs: dict, rej: Rejects, client, progress: bool) -> set:
    """Candidate pairs from shared band keys, checked by exact Jaccard on the workers,
    resolved greedily in the in-process order."""
    import dask.dataframe as dd

    threshold = float(cs.get("near_duplicate_threshold", 0.9))
    firsts = np.array([f for f, _ in starts])
    part_of = [p for _, p in starts]
    files = [staged(staging, "bands", i) for i in range(n_parts)]
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
    keys = dd.read_parquet([str(staged(staging, "keys", i)) for i in range(n_parts)],
                           columns=["row", "doc_id", "undated", "len"])
    keys = keys[keys["row"].isin(rows)].compute()
    rank = {r: k for k, r in enumerate(keys.sort_values(["undated", "len", "row"])["row"])}
    ids = keys.set_index("row")["doc_id"]
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
    rej.add(list(drop), [ids[r] for r in drop], "near_duplicate",
            [f"Jaccard {j:.3f} with {ids[o]}" for o, j in drop.values()],
            [ids[o] for o, _ in drop.values()])
    return set(drop)


def out_of_range(staging: Path, n_parts: int, drop: set, cs: dict) -> set:
    """Rows whose date lies far outside the whole corpus's bulk."""
    import dask.dataframe as dd

    table = dd.read_parquet([str(staged(staging, "b", i)) for i in range(n_parts)],
                            columns=["date"])
    dated = table["date"].compute()
    dated = dated[~dated.index.isin(drop)]
    flags = loader.out_of_range(dated, cs)
    return set(dated.index[flags.to_numpy()].tolist())
