"""Stage 1: offline multilingual embeddings, cached by content."""

from conflict_narratives.embeddings.backends import (
    BACKENDS,
    Backend,
    E5SmallBackend,
    SentenceTransformerBackend,
    TfidfLsaBackend,
    UseMBackend,
    get_backend,
    l2_normalize,
)
from conflict_narratives.embeddings.embed import EmbeddingResult, embed_corpus
