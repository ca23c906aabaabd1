"""New documents for a loaded corpus: read like the corpus, deduplicated, every row accounted.

:func:`read_update` reads one or more files with the corpus's own column mapping (the
columns its load recognised) and date order, cleans them as the corpus stage does, and
rejects — with a reason naming the file — what cannot be added: rows the loader rejects,
copies among the new files, and documents the corpus already holds (the same id, the same
text after normalisation, or a near duplicate: :class:`dedup.DuplicateIndex`). Rows in =
rows added + rows rejected, always.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from conflict_narratives.common.textnorm import normalize_for_analysis
from conflict_narratives.corpus.accounting import REJECT_COLUMNS
from conflict_narratives.corpus.dates import flag_out_of_range
from conflict_narratives.corpus.dedup import DuplicateIndex, find_duplicates
from conflict_narratives.corpus.loader import load_corpus
from conflict_narratives.corpus.readers import read_source
from conflict_narratives.settings import resolve

DUPLICATE_REASONS = ("duplicate_text", "near_duplicate", "duplicate_id")
REQUIRED = ("text", "date")  # an update without the corpus's dates cannot be placed in time


@dataclass
class UpdateBatch:
    """The documents an update adds (corpus schema), the rows it rejected, per-file counts."""

    documents: pd.DataFrame
    rejects: pd.DataFrame
    files: list[dict] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return sum(f["rows_in"] for f in self.files)

    @property
    def duplicates(self) -> int:
        return int(self.rejects["reason"].isin(DUPLICATE_REASONS).sum())


def file_mapping(path: Path, columns: dict[str, str], encoding: str | None = None,
                 header=None) -> dict[str, str]:
    """The corpus's ``columns`` (field → input column) this file has; an error naming what
    is missing when it lacks the text or date column the corpus was read with."""
    have = {str(c) for c in read_source(path, encoding=encoding, header=header).frame.columns}
    folded = {c.casefold().strip() for c in have}
    missing = [f"{columns[f]!r} ({f})" for f in REQUIRED
               if f in columns and columns[f].casefold().strip() not in folded]
    if missing:
        raise ValueError(f"{path}: not the corpus's columns: missing {', '.join(missing)}; "
                         f"the file has {sorted(have)}")
    return {f: c for f, c in columns.items() if c.casefold().strip() in folded}


class NothingToAdd(ValueError):
    """Every row of an update was rejected (empty, or already in the corpus); ``batch``
    holds the rows and their reasons."""

    def __init__(self, message: str, batch: UpdateBatch):
        super().__init__(message)
        self.batch = batch

    @property
    def only_known(self) -> bool:
        """Every row was already in the corpus (a feed read again): nothing went wrong."""
        return self.batch.rows_in > 0 and \
            bool(self.batch.rejects["reason"].isin(DUPLICATE_REASONS).all())



def _reject(frame: pd.DataFrame, reason: str, details: list[str], kept: list) -> pd.DataFrame:
    return pd.DataFrame({"row": frame["row"].to_numpy(), "doc_id": frame["doc_id"].to_numpy(),
                         "reason": reason, "detail": details, "duplicate_of": kept,
                         "file": frame["file"].to_numpy()})


def read_update(files: Sequence[str | Path], corpus: pd.DataFrame, index: DuplicateIndex, *,
                columns: dict[str, str], dayfirst: bool | None, name: str,
                settings=None) -> UpdateBatch:
    """New documents of ``files`` for ``corpus`` (whose duplicate ``index`` is aligned with
    its rows); ``name`` prefixes the ids made up for rows without one (unique per update).
    Raises :class:`NothingToAdd` when no row survives, ``ValueError`` for a file
    without the corpus's columns; nothing is changed by either."""
    settings = resolve(settings)
    if not files:
        raise ValueError("no update files given")
    docs, rejects, info = [], [], []
    for i, file in enumerate(map(Path, files)):
        mapping = file_mapping(file, columns, settings["corpus"].get("encoding"),
                               settings["corpus"].get("header_row"))
        loaded = load_corpus(str(file), name=f"{name}-{i}", mapping=mapping, dayfirst=dayfirst,
                             settings=settings)
        rows = loaded.report["rows_in"]
        info.append({"file": str(file), "rows_in": rows, "kept": loaded.report["kept"],
                     "rejected": loaded.report["rejected"]})
        rej = loaded.rejects.assign(file=str(file))
        rejects.append(rej)
        kept = loaded.corpus.assign(file=str(file))
        # the loader's row numbers of kept rows: input order minus the rejected rows
        taken = set(rej["row"].tolist())
        kept["row"] = [r for r in range(rows) if r not in taken]
        docs.append(kept)
    new = pd.concat(docs, ignore_index=True)
    found = [pd.concat(rejects, ignore_index=True)]
    new, found = _drop_known_ids(new, corpus, found)
    new, found = _drop_repeats(new, corpus, index, found, settings)
    rejects_all = pd.concat(found, ignore_index=True)[[*REJECT_COLUMNS, "file"]]
    batch = UpdateBatch(new.drop(columns=["row", "file"]).reset_index(drop=True),
                        rejects_all.reset_index(drop=True), info)
    assert batch.rows_in == len(batch.documents) + len(batch.rejects), batch.files
    if batch.documents.empty:
        reasons = batch.rejects["reason"].value_counts().to_dict()
        raise NothingToAdd(f"nothing to add from {len(files)} file(s): all {batch.rows_in} "
                           f"rows rejected ({reasons or 'no rows'}); the corpus is unchanged",
                           batch)
    batch.documents["date_status"] = _date_status(batch.documents, corpus, settings)
    return batch


def _drop_known_ids(new: pd.DataFrame, corpus: pd.DataFrame, found: list):
    known = corpus.set_index(corpus["doc_id"].astype(str))["text"]
    taken = new["doc_id"].astype(str).isin(known.index)
    if taken.any():
        part = new[taken]
        same = [known[i] == t for i, t in zip(part["doc_id"].astype(str), part["text"],
                                              strict=True)]
        found.append(_reject(part, "duplicate_id",
                             [f"id already in the corpus ({'same' if s else 'different'} text)"
                              for s in same], part["doc_id"].astype(str).tolist()))
    dup = new["doc_id"].duplicated() & ~taken
    if dup.any():
        part = new[dup]
        found.append(_reject(part, "duplicate_id", ["id used earlier in this update"] *
                             len(part), part["doc_id"].astype(str).tolist()))
    return new[~taken & ~dup].reset_index(drop=True), found


def _drop_repeats(new: pd.DataFrame, corpus: pd.DataFrame, index: DuplicateIndex,
                  found: list, settings) -> tuple[pd.DataFrame, list]:
    """Copies among the new files, then documents the corpus already has."""
    norm = [normalize_for_analysis(t) for t in new["text"].fillna("")]
    threshold = float(settings["corpus"]["near_duplicate_threshold"])
    within = find_duplicates(norm, threshold=threshold)
    ids = new["doc_id"].astype(str).to_numpy()
    drop = set()
    for kind, reason in (("exact", "duplicate_text"), ("near", "near_duplicate")):
        part = within[within["kind"] == kind]
        if len(part):
            rows = new.iloc[part["index"]]
            found.append(_reject(rows, reason, [
                f"{'same text as' if kind == 'exact' else f'Jaccard {j:.3f} with'} {ids[k]} "
                "in this update" for j, k in zip(part["jaccard"], part["duplicate_of"],
                                                  strict=True)],
                ids[part["duplicate_of"]].tolist()))
            drop |= set(part["index"])
    keep = [i for i in range(len(new)) if i not in drop]

    def text_of(pos: int) -> str:
        return normalize_for_analysis(str(corpus["text"].iat[pos]))

    known = index.query([norm[i] for i in keep], text_of) if keep else \
        pd.DataFrame(columns=["index", "duplicate_of", "kind", "jaccard"])
    corpus_ids = corpus["doc_id"].astype(str).to_numpy()
    for kind, reason in (("exact", "duplicate_text"), ("near", "near_duplicate")):
        part = known[known["kind"] == kind]
        if len(part):
            rows = new.iloc[[keep[i] for i in part["index"]]]
            found.append(_reject(rows, reason, [
                f"{'same text as' if kind == 'exact' else f'Jaccard {j:.3f} with'} {corpus_ids[k]}"
                " in the corpus" for j, k in zip(part["jaccard"], part["duplicate_of"],
                                                 strict=True)],
                corpus_ids[part["duplicate_of"].astype(int)].tolist()))
            drop |= {keep[i] for i in part["index"]}
    return new.drop(index=sorted(drop)).reset_index(drop=True), found


def _date_status(new: pd.DataFrame, corpus: pd.DataFrame, settings) -> pd.Series:
    """Out-of-range dates judged against the corpus and the update together (an update's
    few days alone have no bulk to be out of)."""
    cs = settings["corpus"]
    dates = pd.concat([corpus["date"], new["date"]], ignore_index=True)
    flags = flag_out_of_range(dates, quantiles=tuple(cs["out_of_range_quantiles"]),
                              window=float(cs["out_of_range_window"]),
                              density=float(cs["out_of_range_density"]))
    status = new["date_status"].astype("string").copy()
    dated = status.isin(["ok", "out_of_range"]).to_numpy()
    mine = flags.iloc[len(corpus):].to_numpy()
    status[dated] = np.where(mine[dated], "out_of_range", "ok")
    return status


def dedup_index(corpus: pd.DataFrame, settings=None) -> DuplicateIndex:
    """The duplicate index of a corpus table (its rows' positions)."""
    threshold = float(resolve(settings)["corpus"]["near_duplicate_threshold"])
    return DuplicateIndex.build([normalize_for_analysis(t) for t in
                                 corpus["text"].fillna("").astype(str)], threshold)
