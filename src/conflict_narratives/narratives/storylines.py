"""Storylines: the same story told across outlets, languages and days.

:func:`link_storylines` links each dated article to its nearest earlier article (any outlet,
any language — the embedding space is shared) within ``window_days``, when their cosine
similarity reaches ``threshold``; the links' connected components are story chains. The
search is blocked by day: each day's articles are compared only with the articles of that
day and the ``window_days`` before it, so the cost grows with corpus size × daily volume,
not with its square (31.5k articles: seconds).

:func:`trace` finds where a given text's story appears in a corpus: the articles above a
similarity threshold that name at least one of the same actors, grouped by outlet and story
chain, with each outlet's frames; when nothing qualifies it says so and shows the nearest
misses instead of forcing a match.

Limits: links are by similarity of the embedded text view (title + lead by default), so two
reports of different events in the same place and words can be linked, and a chain can drift
through a series of pairwise-similar articles; undated articles are never linked.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from conflict_narratives.common.periods import usable_dates

DAY = np.int64(86_400 * 10**9)


def link_storylines(
    corpus: pd.DataFrame,
    matrix: np.ndarray,
    *,
    window_days: float = 3,
    threshold: float = 0.6,
) -> pd.DataFrame:
    """One row per corpus document: ``doc_id, date, source, title, parent_id, similarity,
    chain_id, chain_size``. ``parent_id`` is the nearest earlier article within the window
    above ``threshold`` (None when there is none, or the date is not usable); ``chain_id``
    numbers chains by their first date (undated documents are chains of one)."""
    if len(matrix) != len(corpus):
        raise ValueError(f"{len(matrix)} embedding rows for {len(corpus)} documents")
    dates = usable_dates(corpus)
    order, t = time_order(dates)
    parent, best = link_parents(order, t, np.asarray(matrix, dtype=np.float32),
                                window_days=window_days, threshold=threshold)
    full = np.full(len(corpus), -1)
    full[order] = parent
    sims = np.full(len(corpus), np.nan, dtype=np.float32)
    sims[order] = best
    return storyline_table(corpus, dates, full, sims)


def time_order(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the dated rows in time order, and their times (ns)."""
    dated = np.flatnonzero(dates.notna().to_numpy())
    ns = dates.iloc[dated].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return dated[np.argsort(ns, kind="stable")], np.sort(ns, kind="stable")


def link_parents(order: np.ndarray, t: np.ndarray, vectors, *, window_days: float = 3,
                 threshold: float = 0.6, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each time-ordered document's nearest earlier one within the window (``order``:
    positions, ``t``: their sorted times; ``vectors[p]`` the vector of position ``p``):
    ``(parent position or -1, similarity)`` for the documents from ``start`` on — those
    before it only serve as candidates (a time window's lead-in: the documents of the
    ``window_days`` before ``t[start]``). Blocked by day, so a day is compared with itself
    and the window before it; within a day, :data:`QUERY_ROWS` documents are compared with
    :data:`CANDIDATE_ROWS` candidates at a time, so memory stays bounded however dense the
    days (a few tens of MB)."""
    if window_days <= 0:
        raise ValueError("window_days must be > 0")
    n = len(t) - start
    parent = np.full(n, -1)
    best = np.full(n, np.nan, dtype=np.float32)
    if n <= 0:
        return parent, best
    window = np.int64(window_days * DAY)
    day = t // DAY
    starts = np.r_[start, start + np.flatnonzero(np.diff(day[start:])) + 1]
    for lo, hi in zip(starts, np.r_[starts[1:], len(t)], strict=True):
        first = int(np.searchsorted(t, t[lo] - window, side="left"))
        for a in range(lo, hi, QUERY_ROWS):
            b = min(a + QUERY_ROWS, hi)
            j, s = _nearest_earlier(order, t, vectors, a, b, first, window)
            link = s >= threshold
            parent[a - start:b - start][link] = order[j[link]]
            best[a - start:b - start][link] = s[link]
    return parent, best


QUERY_ROWS = 512
CANDIDATE_ROWS = 8192


def _nearest_earlier(order, t, vectors, a: int, b: int, first: int,
                     window: np.int64) -> tuple[np.ndarray, np.ndarray]:
    """For time-ordered documents ``a..b-1``: the index (into ``order``) of the most similar
    earlier document from ``first`` on within ``window``, and its similarity (-inf: none).
    Ties go to the earliest candidate."""
    queries = np.asarray(vectors[order[a:b]], dtype=np.float32)
    q = np.arange(a, b)[:, None]
    j = np.zeros(b - a, dtype=np.int64)
    s = np.full(b - a, -np.inf, dtype=np.float32)
    for c0 in range(first, b - 1, CANDIDATE_ROWS):
        c = np.arange(c0, min(c0 + CANDIDATE_ROWS, b - 1))
        sim = queries @ np.asarray(vectors[order[c]], dtype=np.float32).T
        sim[(c[None, :] >= q) | (t[c][None, :] < t[a:b, None] - window)] = -np.inf
        k = sim.argmax(axis=1)
        top = sim[np.arange(b - a), k]
        better = top > s
        j[better], s[better] = c[k[better]], top[better]
    return j, s


def storyline_table(corpus: pd.DataFrame, dates: pd.Series, parent: np.ndarray,
                    best: np.ndarray) -> pd.DataFrame:
    """:func:`link_storylines`' table from each corpus row's parent position (-1: none)
    and similarity: chains are the links' connected components, numbered by first date."""
    n = len(corpus)
    child = np.flatnonzero(parent >= 0)
    graph = sparse.coo_matrix((np.ones(len(child)), (child, parent[child])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    ids = corpus["doc_id"].astype(str).to_numpy()
    out = pd.DataFrame({
        "doc_id": ids,
        "date": dates.to_numpy(),
        "source": corpus["source"].to_numpy() if "source" in corpus else None,
        "title": corpus["title"].to_numpy() if "title" in corpus else None,
        "parent_id": np.where(parent >= 0, ids[np.maximum(parent, 0)], None),
        "similarity": best.astype(float),
        "component": labels,
    })
    first_date = out.groupby("component")["date"].transform("min")
    rank = (pd.DataFrame({"d": first_date, "c": out["component"]})
            .drop_duplicates("c").sort_values(["d", "c"], na_position="last"))
    out["chain_id"] = out["component"].map(dict(zip(rank["c"], range(len(rank)), strict=True)))
    out["chain_size"] = out.groupby("chain_id")["doc_id"].transform("size")
    return out.drop(columns="component")


def chains(stories: pd.DataFrame, *, min_size: int = 2) -> pd.DataFrame:
    """One row per chain with at least ``min_size`` documents: ``chain_id, n_docs, n_outlets,
    sources, start, end, days, first_source, first_title``, largest first."""
    s = stories[stories["chain_size"] >= min_size].sort_values(["chain_id", "date"])
    if s.empty:
        return pd.DataFrame(columns=["chain_id", "n_docs", "n_outlets", "sources", "start",
                                     "end", "days", "first_source", "first_title"])
    g = s.groupby("chain_id")
    out = pd.DataFrame({
        "n_docs": g.size(),
        "n_outlets": g["source"].nunique(),
        "sources": g["source"].agg(lambda x: sorted(set(x.dropna()))),
        "start": g["date"].min(),
        "end": g["date"].max(),
        "first_source": g["source"].first(),
        "first_title": g["title"].first(),
    }).reset_index()
    out["days"] = (out["end"] - out["start"]).dt.total_seconds() / 86_400
    cols = ["chain_id", "n_docs", "n_outlets", "sources", "start", "end", "days",
            "first_source", "first_title"]
    return out[cols].sort_values(["n_docs", "start"], ascending=[False, True], ignore_index=True)


def chain_headlines(stories: pd.DataFrame, chain_id: int) -> pd.DataFrame:
    """A chain as a dated list of headlines: ``date, source, title, similarity, doc_id``."""
    s = stories[stories["chain_id"] == chain_id]
    if s.empty:
        raise KeyError(f"no story chain {chain_id}")
    return s.sort_values("date")[["date", "source", "title", "similarity", "doc_id"]] \
        .reset_index(drop=True)


def trace(
    query: np.ndarray,
    corpus: pd.DataFrame,
    matrix: np.ndarray,
    *,
    stories: pd.DataFrame | None = None,
    doc_frames: pd.DataFrame | None = None,
    query_actors: set[str] | None = None,
    mentions: pd.DataFrame | None = None,
    threshold: float = 0.6,
    top_k: int = 50,
) -> dict[str, Any]:
    """Where the story of ``query`` (one embedding row) is told in ``corpus``.

    A match needs cosine similarity >= ``threshold`` and, when ``query_actors`` (the actors
    the query names) and ``mentions`` (the corpus's actor mentions: doc_id, actor) are given
    and the query names any, at least one actor in common — similar wording about other
    belligerents is a different story. Returns a dict: ``status`` (``"found"`` /
    ``"no_match"``), ``threshold``, ``best_similarity``, ``matches`` (up to ``top_k``:
    doc_id, date, source, title, similarity, shared_actors, chain_id, frame), ``outlets``
    (per outlet: n_matches, first/last date, best similarity, frame counts), ``stories``
    (chains holding matches, with dated headlines). ``nearest`` (the closest articles by
    similarity alone) is always included so a "no match" can be checked by eye."""
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    sim = np.asarray(matrix, dtype=np.float32) @ q
    top = np.argsort(-sim, kind="stable")[:top_k]
    cols = [c for c in ("doc_id", "date", "source", "title") if c in corpus]
    table = corpus.iloc[top][cols].assign(similarity=sim[top].astype(float))
    table["doc_id"] = table["doc_id"].astype(str)
    ok = table["similarity"] >= threshold
    if query_actors and mentions is not None:
        named = (mentions[mentions["actor"].isin(query_actors)].assign(
            doc_id=lambda d: d["doc_id"].astype(str)).groupby("doc_id")["actor"]
            .agg(lambda a: sorted(set(a))))
        table["shared_actors"] = table["doc_id"].map(named).map(
            lambda a: a if isinstance(a, list) else [])
        ok &= table["shared_actors"].str.len() > 0
    if stories is not None:
        table = table.merge(stories[["doc_id", "chain_id"]], on="doc_id", how="left")
    if doc_frames is not None:
        table = table.merge(doc_frames[["doc_id", "frame"]], on="doc_id", how="left")
    matches = table[ok.to_numpy()]
    result: dict[str, Any] = {
        "status": "found" if len(matches) else "no_match",
        "threshold": threshold,
        "best_similarity": float(sim.max()) if len(sim) else None,
        "n_matches": int(len(matches)),
        "nearest": _records(table.head(5)),
    }
    if matches.empty:
        result["message"] = (
            f"nothing in the corpus is close enough: the nearest article's similarity is "
            f"{result['best_similarity']:.3f} (threshold {threshold}"
            + (f", sharing an actor with the query: {sorted(query_actors)}"
               if query_actors and mentions is not None else "") + ")")
        return result
    result["matches"] = _records(matches)
    result["outlets"] = _outlets(matches)
    if stories is not None:
        result["stories"] = []
        for cid in matches["chain_id"].dropna().unique():
            heads = chain_headlines(stories, int(cid))
            if len(heads) > 1:
                result["stories"].append({"chain_id": int(cid), "n_docs": len(heads),
                                          "headlines": _records(heads.head(20))})
    return result


def _outlets(matches: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for source, part in matches.groupby("source", dropna=False):
        row = {
            "source": source,
            "n_matches": int(len(part)),
            "first_date": _day(part["date"].min()) if "date" in part else None,
            "last_date": _day(part["date"].max()) if "date" in part else None,
            "best_similarity": round(float(part["similarity"].max()), 4),
        }
        if "frame" in part:
            row["frames"] = {k: int(v) for k, v in part["frame"].value_counts().items()}
        rows.append(row)
    return sorted(rows, key=lambda r: -r["n_matches"])


def _day(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    if "similarity" in out:
        out["similarity"] = out["similarity"].round(4)
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict(orient="records")
