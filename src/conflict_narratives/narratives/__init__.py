"""Stage 4: how outlets tell the same war: divergence, frames, actors, storylines."""

from conflict_narratives.narratives.build import (
    DOCUMENT_TABLES,
    TABLES,
    NarrativeResult,
    build_document_narratives,
    build_narratives,
    frame_scorer,
    narrative_settings,
    trace_story,
)
