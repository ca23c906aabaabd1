"""Stage 2: BERTopic configured for Arabic (and any language) news."""

from conflict_narratives.topics.model import (
    LABEL_COLUMNS,
    TopicResult,
    build_model,
    fit_topics,
    label_column,
    load_model,
    run,
    save_model,
    scaled_min_cluster_size,
    score,
    topics_dir,
)

