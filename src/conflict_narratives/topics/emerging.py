"""Emerging stories: new documents that fit no topic, grouped into candidate topics and
followed from update to update.

Every update adds its far documents (``topics.assign.far_from_topics``) to a pool of
pending ones (earlier far documents not older than ``window_days``). The pool is clustered
among itself (average-linkage agglomerative clustering on cosine similarity, cut at
``similarity``); a cluster of at least ``min_docs`` documents is a *candidate*, kept under
the id of the earlier candidate it shares most documents with. A candidate's status:

- ``new``: first seen in this update;
- ``emerging``: gained documents in this update, its documents having arrived in at least
  ``grow_updates`` updates — it keeps growing, the sign of a story no topic covers;
- ``candidate``: seen before, not (yet) grown in enough updates;
- ``quiet``: gained nothing in this update.

Each candidate comes with its words (c-TF-IDF against the rest of the pool), headlines
(nearest its centroid), outlets and first-seen date. Rules and thresholds are settings
(``monitor.emerging``), chosen in ``bench/monitoring.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.common.vectorize import (
    display_forms,
    documents,
    make_label,
    make_vectorizer,
    spellings,
)

POOL_COLUMNS = ["doc_id", "date", "date_status", "source", "title", "text", "update", "seen"]
CANDIDATE_COLUMNS = ["candidate", "status", "label", "n_docs", "new_docs", "grew_updates",
                     "first_update", "first_seen", "last_seen", "words", "headlines",
                     "outlets", "history", "doc_ids"]


def cluster_pool(vectors: np.ndarray, similarity: float) -> np.ndarray:
    """Cluster ids of L2-normalised ``vectors``: average linkage, merged while the mean
    cosine between two clusters is at least ``similarity``."""
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=1.0 - float(similarity))
    return model.fit_predict(np.asarray(vectors, dtype=np.float64))


def _identities(groups: dict[int, set[str]], previous: pd.DataFrame | None
                ) -> dict[int, int]:
    """Cluster → candidate id: the earlier candidate sharing most documents (one-to-one,
    largest overlaps first), else a fresh id."""
    prev = {} if previous is None or previous.empty else \
        {int(c): set(ids) for c, ids in zip(previous["candidate"], previous["doc_ids"],
                                            strict=True)}
    pairs = sorted(((len(docs & prev_docs), g, c) for g, docs in groups.items()
                    for c, prev_docs in prev.items() if docs & prev_docs), reverse=True)
    out: dict[int, int] = {}
    taken: set[int] = set()
    for _, g, c in pairs:
        if g not in out and c not in taken:
            out[g], taken = c, taken | {c}
    fresh = max([*prev, -1]) + 1
    for g in sorted(set(groups) - set(out)):
        out[g], fresh = fresh, fresh + 1
    return out


def _words(docs: pd.DataFrame, classes: np.ndarray, n_words: int
           ) -> dict[int, tuple[list[str], list[str]]]:
    """Per class (≥ 0), its top c-TF-IDF words (analysis form, display form)."""
    from bertopic.vectorizers import ClassTfidfTransformer
    from scipy import sparse

    texts = documents(docs)
    try:
        counts = make_vectorizer(len(texts), min_df=1).fit(texts)
    except ValueError:  # nothing but stop words
        return {}
    x = counts.transform(texts)
    codes, index = pd.factorize(classes)
    onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))))
    ctfidf = sparse.csr_matrix(ClassTfidfTransformer().fit_transform(onehot @ x))
    vocab = counts.get_feature_names_out()
    spelled = spellings(texts)
    out = {}
    for i, cls in enumerate(index):
        if cls < 0:
            continue
        row = ctfidf[i].toarray().ravel()
        order = [j for j in np.argsort(-row)[:n_words] if row[j] > 0]
        words = [str(vocab[j]) for j in order]
        shown = display_forms(set(words), spelled)
        out[int(cls)] = (words, [shown[w] for w in words])
    return out


def _headlines(frame: pd.DataFrame, vectors: np.ndarray, n: int) -> list[str]:
    from conflict_narratives.timelines.terms import headline

    centre = vectors.mean(axis=0)
    picked: list[str] = []
    for i in np.argsort(-(vectors @ centre), kind="stable"):
        text = headline(frame.iloc[i])
        if text and text not in picked:
            picked.append(text)
        if len(picked) == n:
            break
    return picked


def update_candidates(pool: pd.DataFrame, vectors: np.ndarray,
                      previous: pd.DataFrame | None, *, update: int,
                      settings: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cluster the pending ``pool`` (rows: ``doc_id``, ``date``, ``source``, ``title``,
    ``text``, ``update``; ``vectors`` aligned) and follow the ``previous`` candidates.
    Returns the pool with a ``candidate`` column (-1: noise) and the candidates table
    (:data:`CANDIDATE_COLUMNS`), largest first."""
    pool = pool.reset_index(drop=True).copy()
    labels = cluster_pool(vectors, settings["similarity"])
    sizes = pd.Series(labels).value_counts()
    big = set(sizes[sizes >= int(settings["min_docs"])].index)
    groups = {int(g): set(pool.loc[labels == g, "doc_id"]) for g in big}
    ids = _identities(groups, previous)
    pool["candidate"] = [ids.get(int(g), -1) for g in labels]
    prev = {} if previous is None or previous.empty else \
        previous.set_index("candidate").to_dict("index")
    words = _words(pool, pool["candidate"].to_numpy(), int(settings["n_words"]))
    rows = []
    for cand, part in pool[pool["candidate"] >= 0].groupby("candidate"):
        before = prev.get(cand)
        new_docs = int((part["update"] == update).sum())
        grew = part["update"].nunique()  # updates its documents arrived in
        status = ("quiet" if new_docs == 0 else "emerging"
                  if grew >= int(settings["grow_updates"]) else "new" if before is None
                  else "candidate")
        w, shown = words.get(int(cand), ([], []))
        dates = part["date"].dropna()
        outlets = part["source"].fillna("unknown").value_counts()
        rows.append({
            "candidate": int(cand), "status": status,
            "label": make_label(shown, 3) or f"candidate {cand}",
            "n_docs": len(part), "new_docs": new_docs, "grew_updates": int(grew),
            "first_update": int(before["first_update"]) if before else int(part["update"].min()),
            "first_seen": dates.min() if len(dates) else pd.NaT,
            "last_seen": dates.max() if len(dates) else pd.NaT,
            "words": w, "headlines": _headlines(part, vectors[part.index],
                                                int(settings["n_headlines"])),
            "outlets": [f"{s} ({n})" for s, n in outlets.items()],
            "history": [*(list(before["history"]) if before else []), len(part)],
            "doc_ids": part["doc_id"].astype(str).tolist()})
    table = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    return pool, table.sort_values(["n_docs", "candidate"], ascending=[False, True],
                                   ignore_index=True)


def update_date(documents: pd.DataFrame) -> pd.Timestamp:
    """When an update happened, by its documents: their latest usable date (now if none)."""
    dated = documents.loc[documents["date_status"] == "ok", "date"] \
        if "date_status" in documents else documents.get("date", pd.Series(dtype=object))
    return dated.max() if len(dated.dropna()) else pd.Timestamp.now(tz="UTC")


def advance_pool(pool: pd.DataFrame | None, pool_vectors: np.ndarray | None,
                 previous: pd.DataFrame | None, far_docs: pd.DataFrame,
                 far_vectors: np.ndarray, *, update: int, now: pd.Timestamp,
                 settings: Mapping[str, Any]) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """One update of the emerging-story pool: earlier pending documents seen within
    ``window_days`` of ``now`` (:func:`update_date`), plus this update's ``far_docs``
    (corpus rows), clustered (:func:`update_candidates`). Returns the pool (with
    ``candidate``), its vectors and the candidates."""
    new = far_docs.assign(update=update, seen=now).reindex(columns=POOL_COLUMNS)
    if pool is not None and len(pool):
        recent = (pd.to_datetime(pool["seen"], utc=True) >= now - pd.Timedelta(
            days=int(settings["window_days"]))).to_numpy()
        pool, pool_vectors = pool.loc[recent, POOL_COLUMNS], pool_vectors[recent]
        new = pd.concat([pool, new], ignore_index=True)
        far_vectors = np.vstack([pool_vectors, far_vectors]) if len(pool) else far_vectors
    if new.empty:
        return new.assign(candidate=[]), far_vectors, pd.DataFrame(columns=CANDIDATE_COLUMNS)
    pool, candidates = update_candidates(new, far_vectors, previous, update=update,
                                         settings=settings)
    return pool, far_vectors, candidates
