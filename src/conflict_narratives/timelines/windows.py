"""An event dated to days, and what its topic says about it.

- :func:`bounded_window`: the peak day of an event's documents and the few days around it
  that still carry coverage (at most ``max_days``), so a burst that lasts weeks is dated by
  its peak, and the weeks are a *period* (:mod:`.ranking`);
- :func:`context_features`: how new the event is against the topic's preceding days
  (``novelty``) and how often a story like it recurs in the topic (``recurrence``: the
  share of the topic's other weeks holding a document at least as close to the event as
  its own typical document — sirens, daily casualty bulletins, weather).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import normalize

WINDOW_MIN_FRACTION = 0.25  # a day joins the window while it holds >= this x the peak day


def calendar_days(dates: pd.Series) -> pd.Series:
    """Each date's calendar day (timezone-aware dates: their UTC day), tz-naive."""
    d = pd.to_datetime(dates)
    if d.dt.tz is not None:
        d = d.dt.tz_convert("UTC").dt.tz_localize(None)
    return d.dt.floor("D")


def bounded_window(days: pd.Series, max_days: int, peak: pd.Timestamp | None = None
                   ) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """``(peak, start, end)`` of documents published on ``days`` (calendar days): the
    busiest day (or ``peak``), grown a day at a time towards the busier neighbour while
    that day holds at least :data:`WINDOW_MIN_FRACTION` of the peak day's documents and
    the window is shorter than ``max_days``."""
    if max_days < 1:
        raise ValueError(f"an event window needs at least one day, not {max_days}")
    per_day = days.value_counts()
    if peak is None:
        peak = per_day.sort_index().idxmax()
    floor = WINDOW_MIN_FRACTION * max(per_day.get(peak, 0), 1)
    one = pd.Timedelta(days=1)
    start = end = peak
    while (end - start).days + 1 < max_days:
        left, right = per_day.get(start - one, 0), per_day.get(end + one, 0)
        if max(left, right) < floor:
            break
        if right > left:
            end += one
        else:
            start -= one
    return peak, start, end


def context_features(vectors, days: np.ndarray, member: np.ndarray, start: pd.Timestamp,
                     end: pd.Timestamp, novelty_days: int) -> dict[str, float]:
    """``novelty`` and ``recurrence`` of an event among its topic's documents: ``vectors``
    (dense or sparse, a row per document), ``days`` (their calendar days), ``member`` (a
    mask of the event's documents), ``[start, end]`` its window.

    ``novelty``: 1 − the highest cosine between the event's centroid and a topic document
    of the ``novelty_days`` before ``start`` (1 when there is none). ``recurrence``: the
    share of the topic's weeks outside the window with a document at least as close to
    the centroid as the event's median member."""
    X = normalize(vectors)
    centroid = np.asarray(X[member].mean(axis=0)).ravel()
    norm = np.linalg.norm(centroid)
    if norm == 0:
        return {"novelty": 1.0, "recurrence": 0.0}
    sims = np.asarray(X @ (centroid / norm)).ravel()
    days = pd.DatetimeIndex(days)
    prior = (days < start) & (days >= start - pd.Timedelta(days=novelty_days))
    novelty = 1.0 - float(sims[prior].max()) if prior.any() else 1.0
    outside = (days < start) | (days > end)
    weeks = days.to_period("W")
    n_weeks = weeks[outside].nunique()
    close = outside & (sims >= np.median(sims[member]))
    recurrence = weeks[close].nunique() / n_weeks if n_weeks else 0.0
    return {"novelty": float(np.clip(novelty, 0.0, 1.0)), "recurrence": float(recurrence)}
