"""Periods of time shared by every stage: day, week or month starts of usable dates."""

from __future__ import annotations

import pandas as pd

FREQS = ("day", "week", "month")


def choose_freq(dates: pd.Series) -> str:
    """``day`` for spans up to 45 days, ``week`` up to two years, else ``month``."""
    dates = dates.dropna()
    if dates.empty:
        raise ValueError("no dated documents to place in time")
    span = (dates.max() - dates.min()).days
    return "day" if span <= 45 else "week" if span <= 730 else "month"


def period_start(dates: pd.Series, freq: str) -> pd.Series:
    """The start of each date's period (naive UTC): the day, the Monday, the 1st."""
    if freq not in FREQS:
        raise ValueError(f"unknown freq {freq!r}; choose one of {list(FREQS)}")
    naive = dates.dt.tz_convert("UTC").dt.tz_localize(None) if dates.dt.tz else dates
    day = naive.dt.floor("D")
    if freq == "day":
        return day
    if freq == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    return day - pd.to_timedelta(day.dt.day - 1, unit="D")


def period_range(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every period start from ``first`` to ``last`` (empty periods included)."""
    alias = {"day": "D", "week": "W-MON", "month": "MS"}[freq]
    return pd.date_range(first, last, freq=alias, name="period")


def dense_span(sizes: pd.Series, freq: str, min_fraction: float | None
               ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last period holding at least ``min_fraction`` × the median (non-empty)
    period's documents (``sizes``: documents per period); None: keep every period."""
    if not min_fraction or sizes.empty:
        return None
    full = sizes.reindex(period_range(sizes.index.min(), sizes.index.max(), freq), fill_value=0)
    dense = full.index[full.to_numpy() >= min_fraction * sizes.median()]
    return dense.min(), dense.max()


def usable_dates(corpus: pd.DataFrame) -> pd.Series:
    """The corpus dates (UTC), NaT where ``date_status`` says the date is not usable
    (missing, unparseable, out of range), so stray dates never enter a period."""
    dates = pd.to_datetime(corpus["date"], utc=True)
    if "date_status" in corpus:
        dates = dates.where(corpus["date_status"].eq("ok"))
    return dates


def periods(corpus: pd.DataFrame, freq: str) -> pd.Series:
    """Period start (``freq``: day / week / month) of each usable date, NaT otherwise."""
    dates = usable_dates(corpus)
    out = pd.Series(pd.NaT, index=corpus.index, dtype="datetime64[ns]")
    ok = dates.notna()
    if ok.any():
        out[ok] = period_start(dates[ok], freq).to_numpy()
    return out
