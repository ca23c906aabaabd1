"""Stage 3: topics in time: prevalence, bursts, dated events (topic bursts and stories within
topics), date selection and extractive timeline summaries."""

from conflict_narratives.common.periods import FREQS, choose_freq, period_range, period_start
from conflict_narratives.timelines.build import (
    TimelineResult,
    build_timeline,
    dated_documents,
    detect_bursts,
    in_bursts,
    prevalence,
    timeline_settings,
    topic_labels,
    trim_sparse_edges,
)
from conflict_narratives.timelines.date_mentions import find_date_mentions, parse_date_mentions
from conflict_narratives.timelines.date_selection import date_features, select_dates
from conflict_narratives.timelines.evaluation import (
    evaluate,
    read_reference_timelines,
    t17_timelines_path,
)
from conflict_narratives.timelines.events import event_table, topic_words_over_time
from conflict_narratives.timelines.rouge import timeline_rouge
from conflict_narratives.timelines.stories import detect_stories, story_events
from conflict_narratives.timelines.summaries import summarize_dates
