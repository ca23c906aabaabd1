"""Stage 4: how outlets tell the same war: divergence, frames, actors, storylines."""

from conflict_narratives.narratives.build import (
    TABLES,
    NarrativeResult,
    build_narratives,
    frame_scorer,
    narrative_settings,
    trace_story,
)
