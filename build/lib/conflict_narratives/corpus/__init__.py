"""Stage 0: load any corpus shape into one validated table, every row accounted for."""

from conflict_narratives.corpus.accounting import report_tables
from conflict_narratives.corpus.loader import (
    LOADER_VERSION,
    SCHEMA,
    TEXT_FIELDS,
    LoadResult,
    load_corpus,
    sample_corpus,
    sample_size,
    source_fingerprint,
)
from conflict_narratives.corpus.registry import default_name

