"""Stage 3: topics in time: prevalence, bursts, dated events."""

from conflict_narratives.timelines.build import (
    FREQS,
    TimelineResult,
    build_timeline,
    choose_freq,
    dated_documents,
    detect_bursts,
    in_bursts,
    period_range,
    period_start,
    prevalence,
    run,
    timeline_settings,
    timelines_dir,
    topic_labels,
    trim_sparse_edges,
)
from conflict_narratives.timelines.events import event_table, topic_words_over_time

