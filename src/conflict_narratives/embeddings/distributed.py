"""Embedding a partitioned corpus on a Dask cluster, one task per partition.

Each task reads its partition, looks its texts up in the shared content-addressed cache
(:mod:`cache`), embeds only what is missing — in shards written atomically under the
sha256 of their content, so concurrent writers on several workers never clash: two that
embed the same texts write the same file, ``os.replace`` keeps one — and saves the
partition's matrix (``emb-NNNNN.npy``, atomically). The model is built once per worker
process (the backends share loaded models per process). A rerun after a killed worker or
run skips finished partitions and takes the finished shards of unfinished ones from the
cache. The partitions' matrices are then joined into one ``matrix.npy``, read memory-mapped.

``tfidf-lsa`` is fitted on the client first, on the corpus's texts or, past
``topics.fit_sample`` documents, on the fit sample's (``sample``), and sent to the workers
once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from conflict_narratives.common.system import atomic_path
from conflict_narratives.compute import run_tasks
from conflict_narratives.corpus.parts import Parts
from conflict_narratives.embeddings.backends import Backend, TfidfLsaBackend, get_backend
from conflict_narratives.embeddings.cache import text_key
from conflict_narratives.embeddings.embed import EmbeddingResult, embed_corpus
from conflict_narratives.embeddings.views import doc_units
from conflict_narratives.settings import resolve

log = logging.getLogger(__name__)

COLUMNS = ["doc_id", "title", "text"]
MATRIX = "matrix.npy"


def _part_file(out: Path, i: int) -> Path:
    return out / f"emb-{i:05d}.npy"


def _embed_task(i: int, parts: Parts, out: Path, backend: Backend, settings: dict,
                cache_dir: Path) -> dict:
    from conflict_narratives.common.system import n_threads

    path = _part_file(out, i)
    if path.is_file():  # finished by an earlier (possibly killed) run
        return {"part": i, "n_docs": parts.rows[i], "skipped": True}
    if hasattr(backend, "threads"):
        backend.threads = n_threads()  # this worker's share of the cores
    df = parts.read(i, COLUMNS)
    res = embed_corpus(df, backend=backend, settings=settings, progress=False, pool=False,
                       cache_dir=cache_dir)
    with atomic_path(path) as tmp:
        with tmp.open("wb") as fh:
            np.save(fh, res.matrix)
    return {"part": i, "skipped": False, **{k: res.stats[k] for k in
                                            ("n_docs", "n_cached", "n_computed", "dim")}}


def fit_corpus_backend(backend: Backend, parts: Parts, settings,
                       sample: np.ndarray | None = None) -> Backend:
    """A corpus-fitted backend (``tfidf-lsa``) bound to the texts of the corpus (of its
    rows at ``sample`` when given) and fitted here, once."""
    if not isinstance(backend, TfidfLsaBackend):
        return get_backend(settings=settings)  # unloaded: each worker loads its own model
    if backend._model is not None:
        return backend
    cfg = settings["embeddings"]
    df = parts.to_pandas(COLUMNS) if sample is None else parts.take(sample, COLUMNS)
    units = doc_units(df, cfg["text_view"], int(cfg.get("max_chars", 600)),
                      cfg.get("window_chars"))
    unique = list(dict.fromkeys(u for doc in units for u in doc))
    backend.bind_corpus(unique, [text_key(t) for t in unique])
    backend._fit()
    return backend


def embed_partitions(parts: Parts, out: str | Path, *, backend: Backend, settings=None,
                     cache_dir: str | Path, client=None, progress: bool = False,
                     sample: np.ndarray | None = None) -> EmbeddingResult:
    """Embed every partition (on ``client``'s workers; None: here) into ``out``; returns
    the corpus's :class:`EmbeddingResult` with a memory-mapped ``matrix`` (row i = corpus
    row i, as :func:`embed_corpus` gives). ``sample``: the fit sample's sorted positions
    (:func:`corpus.parts.sample_positions`; None: the whole corpus), where a corpus-fitted
    backend learns its vocabulary."""
    import time

    t0 = time.perf_counter()
    settings = resolve(settings)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    backend = fit_corpus_backend(backend, parts, settings, sample)
    stats = run_tasks(client, _embed_task, list(range(len(parts))), desc=f"embed {backend.name}",
                      progress=progress, parts=parts, out=out, backend=backend,
                      settings=settings.to_dict(), cache_dir=Path(cache_dir))
    matrix = join_matrices([_part_file(out, i) for i in range(len(parts))], out / MATRIX)
    ids = Parts.to_pandas(parts, ["doc_id"])["doc_id"].astype(str).tolist()
    seconds = time.perf_counter() - t0
    total = {k: sum(s.get(k, 0) for s in stats if not s["skipped"])
             for k in ("n_cached", "n_computed")}
    return EmbeddingResult(matrix, ids, {
        "backend": backend.name, "backend_id": backend.id,
        "text_view": settings["embeddings"]["text_view"], "n_docs": parts.n_docs,
        "partitions": len(parts), "partitions_reused": sum(s["skipped"] for s in stats),
        **total, "dim": int(matrix.shape[1]), "seconds": round(seconds, 3),
        "docs_per_s": round(parts.n_docs / seconds, 1) if seconds > 0 else None,
        "matrix": str(out / MATRIX)})


def join_matrices(files: list[Path], target: Path) -> np.ndarray:
    """The partitions' matrices stacked into one ``.npy`` (copied a part at a time) and
    opened memory-mapped."""
    heads = [np.load(f, mmap_mode="r") for f in files]
    n, dim = sum(len(h) for h in heads), heads[0].shape[1]
    if not (target.is_file() and np.load(target, mmap_mode="r").shape == (n, dim)):
        with atomic_path(target) as tmp:
            out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))
            start = 0
            for h in heads:
                out[start:start + len(h)] = h
                start += len(h)
            out.flush()
            del out
    return np.load(target, mmap_mode="r")
