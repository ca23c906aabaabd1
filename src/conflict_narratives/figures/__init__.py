"""Static report figures: one house style, correct Arabic, one ``save`` call.

Every plot function takes DataFrames/arrays (never reads files) and returns a
:class:`matplotlib.figure.Figure` drawn in the house style: sizes for a 6.5 in (A4) text
width, colour-blind-safe colours (Okabe–Ito, Tol), Amiri (``fontpkg-amiri``) for Arabic and
Latin with DejaVu Sans as per-glyph fallback. matplotlib ≥ 3.11 shapes Arabic and applies the
Unicode bidi algorithm itself, so labels are passed as plain strings (never through
arabic_reshaper/python-bidi). Numbers that go with Arabic text are drawn as separate text
elements, or composed with :func:`compose_label`, which isolates them so they read right.

Figures are not registered with pyplot: in a notebook, run ``%matplotlib inline`` (or import
pyplot) once, then a returned figure displays exactly once; nothing needs closing.

>>> from conflict_narratives import figures
>>> fig = figures.documents_over_time(corpus)
>>> figures.save(fig, "reports/my-war/figures", "documents per week")  # PNG, SVG, PDF
>>> book = figures.FigureBook("reports/my-war/figures")   # saves with captions + manifest
>>> book.publish(figures.topic_figures(topic_result), section="topics")
"""

from conflict_narratives.figures.base import (
    DPI,
    FORMATS,
    HALF_WIDTH,
    OKABE_ITO,
    TEXT_WIDTH,
    TOL_MUTED,
    add_note,
    compose_label,
    direction,
    fmt_count,
    font_families,
    isolate,
    new_figure,
    palette,
    rc_params,
    save,
    shorten,
    slugify,
    style,
    topic_colour,
    topic_colours,
    topic_label,
    use_style,
)
from conflict_narratives.figures.book import FigureBook, Panel
from conflict_narratives.figures.charts import (
    barh,
    event_timeline,
    heatmap,
    small_multiples,
    stacked_shares,
    topic_sizes,
)
from conflict_narratives.figures.corpus import (
    LANGUAGE_NAMES,
    dated_documents,
    documents_over_time,
    language_mix,
    length_distribution,
)
from conflict_narratives.figures.stages import (
    corpus_figures,
    narrative_figures,
    timeline_figures,
    topic_figures,
    update_figures,
)
from conflict_narratives.figures.topics import dendrogram, document_map, network, top_words_grid

__all__ = [
    "FigureBook", "Panel", "corpus_figures", "narrative_figures", "timeline_figures",
    "topic_figures", "update_figures",
    "DPI", "FORMATS", "HALF_WIDTH", "LANGUAGE_NAMES", "OKABE_ITO", "TEXT_WIDTH", "TOL_MUTED",
    "add_note", "barh", "compose_label", "dated_documents", "dendrogram", "direction",
    "document_map", "documents_over_time", "event_timeline", "fmt_count",
    "font_families", "heatmap", "isolate", "language_mix", "length_distribution", "network",
    "new_figure", "palette", "rc_params", "save", "shorten", "slugify", "small_multiples",
    "stacked_shares", "style", "top_words_grid", "topic_colour", "topic_colours", "topic_label",
    "topic_sizes", "use_style",
]
