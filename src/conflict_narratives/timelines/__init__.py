"""Stage 3: topics in time: prevalence, bursts, dated events (topic bursts and stories within
topics), date selection and extractive timeline summaries."""

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
from conflict_narratives.timelines.date_mentions import find_date_mentions, parse_date_mentions
from conflict_narratives.timelines.date_selection import date_features, select_dates
from conflict_narratives.timelines.rouge import timeline_rouge
from conflict_narratives.timelines.stories import detect_stories, story_events
from conflict_narratives.timelines.summaries import summarize_dates
