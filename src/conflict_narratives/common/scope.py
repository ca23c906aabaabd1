"""What a corpus can support, known as soon as it is loaded: topics (and the narratives
built on them) need ``topics.min_docs`` documents, timelines and storylines usable dates,
outlet comparisons more than one outlet. A run skips what its corpus
cannot support before any work, and says so in one line each."""

from __future__ import annotations

import pandas as pd

from conflict_narratives.common.periods import usable_dates


def n_dated(corpus: pd.DataFrame) -> int:
    """Documents with a usable date (``date_status`` ok)."""
    return int(usable_dates(corpus).notna().sum()) if "date" in corpus else 0


def sources(values: pd.Series) -> list[str]:
    """The distinct outlets of a ``source`` column (missing ones read "unknown")."""
    return sorted(values.astype("string").fillna("unknown").astype(str).unique())


def one_source(values: pd.Series) -> bool:
    """True when every document comes from one outlet (or none is named)."""
    return len(sources(values)) <= 1


def skipped(corpus: pd.DataFrame, min_docs: int = 0) -> dict[str, str]:
    """What ``corpus`` cannot support, each with the line that says why: ``topics`` and
    ``narratives`` (fewer than ``min_docs`` documents; dates are still ranked without
    topics), ``timelines`` (no usable date) and ``outlets`` (a single source)."""
    out = {}
    if len(corpus) < min_docs:
        out["topics"] = (f"topics skipped: {len(corpus):,} documents, fewer than the "
                         f"{min_docs} a topic model needs (setting topics.min_docs)")
        out["narratives"] = "narratives skipped: they compare topics, and there are none"
    if n_dated(corpus) == 0:
        out["timelines"] = (
            f"timelines skipped: none of the {len(corpus):,} documents has a usable date "
            "(topic shares over time, bursts, events, storylines and trends over time need "
            "dates; the load report's `dated` and `columns` say what was found)")
    if "source" in corpus and one_source(corpus["source"]):
        name = (sources(corpus["source"]) or ["unknown"])[0]
        out["outlets"] = (f"outlet comparisons skipped: every document comes from one source "
                          f"({name!r}), so no figures or tables per outlet")
    return out
