"""Stage 2: BERTopic configured for Arabic (and any language) news."""

from conflict_narratives.topics.curation import Curation, apply_curation, hidden, load_curation
from conflict_narratives.topics.model import (
    LABEL_COLUMNS,
    build_model,
    build_topics,
    fit_topics,
    label_column,
    load_model,
    save_model,
    scaled_min_cluster_size,
    score,
)
from conflict_narratives.topics.result import TopicResult
