"""Stage 1: offline multilingual embeddings, cached by content."""

from conflict_narratives.embeddings.backends import (
    BACKENDS,
    Backend,
    E5SmallBackend,
    EmbeddingResult,
    SentenceTransformerBackend,
    TfidfLsaBackend,
    UseMBackend,
    embed_corpus,
    get_backend,
    l2_normalize,
)

