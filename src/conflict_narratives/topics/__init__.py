"""Stage 2: BERTopic configured for Arabic (and any language) news."""

from conflict_narratives.topics.clustering import SplittingHDBSCAN, scaled_min_cluster_size
from conflict_narratives.topics.curation import Curation, apply_curation, hidden, load_curation
from conflict_narratives.topics.model import (
    LABEL_COLUMNS,
    build_model,
    build_topics,
    fit_topics,
    label_column,
    load_model,
    save_model,
    score,
)
from conflict_narratives.topics.products import (
    Reductions,
    cached_counts,
    cached_reductions,
    cached_tokens,
)
from conflict_narratives.topics.result import TopicResult
