"""Stage 1: offline multilingual embeddings, cached by content.

Names load on first use, so a worker process importing :mod:`.usem` or :mod:`.shards`
does not import BERTopic.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "backends": ("BACKENDS", "Backend", "E5SmallBackend", "SentenceTransformerBackend",
                 "TfidfLsaBackend", "UseMBackend", "get_backend", "l2_normalize"),
    "embed": ("EmbeddingResult", "count_missing", "embed_corpus"),
}
__all__ = [name for names in _NAMES.values() for name in names]


def __getattr__(name: str) -> Any:
    for module, names in _NAMES.items():
        if name in names:
            return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
