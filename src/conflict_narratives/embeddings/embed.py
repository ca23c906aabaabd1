"""Embedding a corpus: every document's text units looked up in the content-addressed cache,
the missing ones embedded in shards, and the units pooled into one row per document."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.embeddings.backends import Backend, get_backend, l2_normalize
from conflict_narratives.embeddings.cache import EmbeddingCache, text_key
from conflict_narratives.embeddings.views import doc_units
from conflict_narratives.embeddings.workers import embed_on_workers, pool_size
from conflict_narratives.settings import resolve

log = logging.getLogger(__name__)


def _pool(units: list[list[str]], unique: list[str], unique_vectors: list) -> np.ndarray:
    """Document rows from their units' vectors: the vector itself for one unit, the
    re-normalised mean for several (a sparse pooling product, so memory stays linear).
    Each row is computed from its own units alone, so a document's row is the same bits
    whatever other documents are embedded with it (a sample, or the whole corpus)."""
    if not unique:
        return np.zeros((len(units), 0), dtype=np.float32)
    table = np.stack(unique_vectors).astype(np.float32, copy=False)
    row_of = {t: i for i, t in enumerate(unique)}
    out = table[[row_of[doc[0]] for doc in units]]
    several = [i for i, doc in enumerate(units) if len(doc) > 1]
    if several:
        from scipy import sparse

        docs = [units[i] for i in several]
        rows = np.repeat(np.arange(len(docs)), [len(doc) for doc in docs])
        cols = np.fromiter((row_of[u] for doc in docs for u in doc), dtype=np.int64)
        weights = np.repeat([1.0 / len(doc) for doc in docs], [len(doc) for doc in docs])
        pool = sparse.csr_matrix((weights.astype(np.float32), (rows, cols)),
                                 shape=(len(docs), len(unique)))
        out[several] = l2_normalize(pool @ table)
    return out


@dataclass
class EmbeddingResult:
    """``matrix`` row i is the embedding of ``doc_ids[i]`` (== row i of the corpus)."""

    matrix: np.ndarray
    doc_ids: list[str]
    stats: dict[str, Any] = field(default_factory=dict)


def _texts(df: pd.DataFrame, view: str, backend, settings, cache_dir):
    """What embedding ``df`` reads: each row's units (texts), the distinct texts, their
    cache keys, the backend (bound to them) and its cache."""
    cfg = settings["embeddings"]
    units = doc_units(df, view, int(cfg.get("max_chars", 600)), cfg.get("window_chars"))
    model = backend if isinstance(backend, Backend) else get_backend(backend, settings)
    unique = list(dict.fromkeys(u for doc in units for u in doc))
    keys = {t: text_key(t) for t in unique}
    model.bind_corpus(unique, list(keys.values()))
    if cache_dir is None:
        from conflict_narratives.store import Store

        cache_dir = Store().embeddings_dir
    return units, unique, keys, model, EmbeddingCache(Path(cache_dir), model.id)


def count_missing(df: pd.DataFrame, *, backend: Backend, settings: dict | None = None,
                  cache_dir: str | Path | None = None) -> int:
    """How many of ``df``'s texts :func:`embed_corpus` would embed (the cache lacks them)."""
    settings = resolve(settings)
    _, _, keys, _, cache = _texts(df, settings["embeddings"]["text_view"], backend, settings,
                                  cache_dir)
    return len(cache.missing(keys.values()))


def embed_corpus(
    df: pd.DataFrame,
    *,
    backend: str | Backend | None = None,
    text_view: str | None = None,
    settings: dict | None = None,
    progress: bool = True,
    cache_dir: str | Path | None = None,
    pool: bool = True,
) -> EmbeddingResult:
    """Embed every row of ``df`` (columns ``text``, optional ``title``/``doc_id``).

    Vectors come from the content-addressed cache under ``cache_dir`` (default
    ``data/interim/embeddings``); only texts not there are embedded, in shards of
    ``embeddings.shard_size`` written as they finish, so an interrupted run resumes.
    Identical texts are embedded once; many missing texts are embedded on a local pool of
    ``embeddings.workers`` processes (:mod:`.workers`; ``pool=False``: here, as a task
    already on a cluster does). Returns float32, L2-normalised rows aligned with ``df``.
    """
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    settings = resolve(settings)
    cfg = settings["embeddings"]
    view = text_view or cfg["text_view"]
    units, unique, keys, model, cache = _texts(df, view, backend, settings, cache_dir)
    vectors = cache.get(list(keys.values()))
    n_cached = len(vectors)
    todo = sorted((k, t) for t, k in keys.items() if k not in vectors)  # order-independent
    shard, batch = int(cfg.get("shard_size", 2048)), model.batch_size
    workers = pool_size(cfg, len(todo), model) if pool else 1
    if workers > 1:
        embed_on_workers(todo, model, cache, workers=workers, shard=shard, progress=progress)
        # the workers' shards, read by a cache opened afresh on the same folder
        vectors.update(EmbeddingCache(cache.dir.parent, model.id).get([k for k, _ in todo]))
    else:
        bar = tqdm(total=len(todo), unit="doc", desc=f"embed {model.name}",
                   disable=not progress, smoothing=0.1)
        with bar:
            for s in range(0, len(todo), shard):
                chunk = todo[s:s + shard]
                parts = []
                for b in range(0, len(chunk), batch):
                    parts.append(model.embed([t for _, t in chunk[b:b + batch]]))
                    bar.update(len(parts[-1]))
                computed = np.concatenate(parts)
                cache.put([k for k, _ in chunk], computed)
                vectors.update(zip((k for k, _ in chunk), computed, strict=True))
    if len(vectors) < len(keys):  # a shard lost between writing and reading
        raise RuntimeError(f"{len(keys) - len(vectors)} embedded texts are missing from the "
                           f"cache at {cache.dir}; run again (what was written is kept)")

    matrix = _pool(units, unique, [vectors[keys[t]] for t in unique])
    n_zero = int((np.abs(matrix).sum(axis=1) == 0).sum()) if len(matrix) else 0
    if n_zero:
        log.warning("%d documents have an all-zero embedding (empty text?)", n_zero)
    seconds = time.perf_counter() - t0
    ids = df["doc_id"].astype(str).tolist() if "doc_id" in df.columns else \
        [str(i) for i in df.index]
    stats = {
        "backend": model.name,
        "backend_id": model.id,
        "text_view": view,
        "n_docs": len(df),
        "n_texts": len(unique),
        "n_windowed": sum(len(u) > 1 for u in units) if view != "paragraphs" else None,
        "n_cached": n_cached,
        "n_computed": len(todo),
        "workers": workers,
        "n_corrupt_shards": cache.n_corrupt,
        "dim": int(matrix.shape[1]) if matrix.ndim == 2 else 0,
        "seconds": round(seconds, 3),
        "docs_per_s": round(len(df) / seconds, 1) if seconds > 0 else None,
        "cache_dir": str(cache.dir),
    }
    return EmbeddingResult(matrix=matrix, doc_ids=ids, stats=stats)
