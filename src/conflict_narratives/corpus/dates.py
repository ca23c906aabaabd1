"""Date parsing to tz-aware timestamps and out-of-range flagging, vectorised with pandas.

A time given with a UTC offset (``2018-03-01T23:30:00+03:00``, ``08.04.2024 23:33:40
UTC+03:00``, ``Sun, 18 Feb 2018 21:35:43 +0400``) keeps its local wall-clock time, so a
publication keeps its local calendar day (a late-night post is not moved to the day
before); times in UTC and naive times are taken as they are. The column is stored as UTC
either way. Handles ISO 8601, RFC 2822 and other textual forms, numeric D/M/Y vs M/D/Y
(forced or detected from the data), epoch seconds and milliseconds, compact YYYYMMDD,
Arabic month names (Egyptian/Maghrebi يناير... and Levantine/Iraqi كانون الثاني...),
Arabic-Indic and Persian digits. Nothing is dropped: unparseable values become NaT and
are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_MONTHS_AR = {
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "ابريل": 4,
    "إبريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "أغسطس": 8,
    "اغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Maghrebi
    "جانفي": 1,
    "فيفري": 2,
    "أفريل": 4,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويلية": 7,
    "أوت": 8,
    "اوت": 8,
    # Levantine / Iraqi (Syriac names)
    "كانون الثاني": 1,
    "شباط": 2,
    "آذار": 3,
    "اذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "اب": 8,
    "أيلول": 9,
    "ايلول": 9,
    "تشرين الأول": 10,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الأول": 12,
    "كانون الاول": 12,
}
_MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Longest names first so "كانون الثاني" wins over a shorter overlap; whole words only.
_MONTH_RE = re.compile(
    r"(?<![\u0600-\u06FF])(?:"
    + "|".join(sorted(map(re.escape, _MONTHS_AR), key=len, reverse=True))
    + r")(?![\u0600-\u06FF])"
)
_AR_NOISE = re.compile(
    r"(?<![\u0600-\u06FF])(?:الأحد|الاحد|الإثنين|الاثنين|الثلاثاء|الأربعاء|الاربعاء|الخميس|الجمعة"
    r"|السبت|في|يوم|م|هـ|الساعة|بتوقيت\s+\S+)(?![\u0600-\u06FF])|،"
)
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_DIGITS |= {ord("٫"): ".", ord("٬"): ",", ord("؍"): "/"}
_NUMERIC = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?))?$"
)
_EPOCH = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")
_COMPACT = re.compile(r"^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_ZONE_NAME = re.compile(r"\s*(?:GMT|UTC|UT|Z)$")
# A time followed by a UTC offset (after an optional zone name): the offset is taken off.
_OFFSET = re.compile(r"^(.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*(?:(?:UTC|GMT|UT)\s*)?([+-]\d{1,2})"
                     r"(?::?(\d\d))?$")
_FORMATS = [
    "%a, %d %b %Y %H:%M:%S %z",
    "%d %b %Y %H:%M:%S %z",
    "%a, %d %b %Y %H:%M %z",
    "%a, %d %b %Y %H:%M:%S",  # RFC 2822 with its offset taken off (local time)
    "%d %b %Y %H:%M:%S",
    "%a, %d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%a %d %b %Y",
    "%d %b %Y %H:%M",
    # day-month-year with abbreviated months, two-digit years included (ACLED's 9-May-20)
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %y",
    "%d/%b/%Y",
    "%d/%b/%y",
    "%d-%B-%Y",
    "%d-%B-%y",
]
MIN_DATE, MAX_DATE = pd.Timestamp("1800-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")
_EPOCH_MIN, _EPOCH_MAX = pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2100-01-01", tz="UTC")


@dataclass
class DateParse:
    """Parsed dates (UTC) and a summary for the load report."""

    dates: pd.Series
    status: pd.Series  # ok | missing | unparseable
    info: dict = field(default_factory=dict)


def normalize_date_strings(values: pd.Series) -> pd.Series:
    """Strings with ASCII digits, Arabic month names replaced by English abbreviations and
    Arabic weekday names/particles removed."""
    s = values.astype("string").str.strip().str.translate(_DIGITS)
    has_ar = s.str.contains(r"[\u0600-\u06FF]", regex=True, na=False)
    if has_ar.any():
        sub = s[has_ar].str.replace(
            _MONTH_RE, lambda m: f" {_MONTH_ABBR[_MONTHS_AR[m.group(0)] - 1]} ", regex=True
        )
        s[has_ar] = (
            sub.str.replace(_AR_NOISE, " ", regex=True)
            .str.replace(r"\s+", " ", regex=True)
            .str.strip()
        )
    return s


def local_times(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Date strings with a UTC offset after their time taken off (the local wall-clock time
    is kept), and per value the offset in minutes (``<NA>`` where there was none)."""
    parts = s.str.extract(_OFFSET)
    hit = parts[0].notna()
    if not hit.any():
        return s, pd.Series(pd.NA, index=s.index, dtype="Int64")
    hours = pd.to_numeric(parts[1], errors="coerce")
    minutes = pd.to_numeric(parts[2], errors="coerce").fillna(0)
    sign = np.where(parts[1].str.startswith("-", na=False), -1, 1)
    offset = (hours.abs() * 60 + minutes) * sign
    offset = offset.where(hit & (hours.abs() <= 14) & (minutes < 60)).astype("Int64")
    out = s.copy()
    keep = offset.notna()
    out[keep] = parts.loc[keep, 0].str.strip()
    return out, offset


def dayfirst_counts(s: pd.Series) -> tuple[int, int, int, int]:
    """``(numeric dates, first field > 12, second field > 12, written with dots)`` among
    date strings: the evidence :func:`decide_dayfirst` weighs (counts of partitions add
    up)."""
    parts = s.str.extract(_NUMERIC).iloc[:, :2].dropna()
    if parts.empty:
        return 0, 0, 0, 0
    a, b = parts[0].astype(int), parts[1].astype(int)
    dotted = s[parts.index].str.match(r"^\d{1,2}\.\d{1,2}\.", na=False)
    return len(parts), int((a > 12).sum()), int((b > 12).sum()), int(dotted.sum())


def decide_dayfirst(n: int, n_day: int, n_month: int, n_dotted: int = 0
                    ) -> tuple[bool | None, str]:
    """D/M/Y vs M/D/Y from :func:`dayfirst_counts`: a first field > 12 means day-first, a
    second field > 12 means month-first; when no field says, dates written with dots
    (``08.04.2024``: D.M.Y wherever dots are used) mean day-first. Returns ``(dayfirst,
    evidence)`` with evidence one of ``dayfirst``, ``monthfirst``, ``conflicting``,
    ``dotted``, ``ambiguous`` (no field > 12) or ``none``."""
    if not n:
        return None, "none"
    if n_day and n_month:
        return n_day >= n_month, "conflicting"
    if n_day:
        return True, "dayfirst"
    if n_month:
        return False, "monthfirst"
    if n_dotted >= 0.5 * n:
        return True, "dotted"
    return None, "ambiguous"


def detect_dayfirst(s: pd.Series) -> tuple[bool | None, str]:
    """:func:`decide_dayfirst` on the numeric dates among ``s``."""
    return decide_dayfirst(*dayfirst_counts(s))


def numeric_date_strings(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """The values :func:`parse_dates` reads as numeric D/M/Y or M/D/Y dates (normalised;
    those ``date_format`` fits left out), for deciding the order over a whole partitioned
    corpus."""
    if date_format and not pd.api.types.is_datetime64_any_dtype(values):
        values = values.astype("string")
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return pd.Series([], dtype="string")
    s = local_times(normalize_date_strings(values))[0]
    todo = s.notna() & (s != "")
    if date_format and todo.any():
        fitted = _to_dt(s[todo], format=date_format)
        todo[fitted.index[fitted.notna()]] = False
    todo &= ~(s.str.fullmatch(_EPOCH.pattern, na=False) | s.str.fullmatch(_COMPACT.pattern,
                                                                          na=False))
    return s[todo & s.str.match(_NUMERIC.pattern, na=False)]


def _parse_numeric(parts: pd.DataFrame, dayfirst: bool) -> pd.Series:
    day, month = (parts[0], parts[1]) if dayfirst else (parts[1], parts[0])
    year = parts[2].where(parts[2].str.len() == 4, "20" + parts[2])
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    time = parts[3].fillna("00:00")
    return _to_dt(iso + " " + time, format="mixed")


def parse_dates(values: pd.Series, dayfirst: bool | None = None,
                date_format: str | None = None) -> DateParse:
    """Parse a column of dates. Naive times are taken as UTC; a time with a UTC offset
    keeps its local wall-clock time (the module docstring; ``info``: ``offset_local``,
    the dates with a non-zero offset kept local, ``offset_utc``, those given in UTC).

    ``date_format`` (strptime codes, e.g. ``%d.%m.%Y %Hh%M``) is tried first, for forms no
    parser guesses; values it does not fit go through the usual detection. ``dayfirst=None``
    detects the numeric order from the data; when nothing decides it (every field <= 12)
    month-first is used and the report says ``ambiguous``.
    """
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    info: dict = {
        "dayfirst": dayfirst,
        "dayfirst_evidence": "forced" if dayfirst is not None else None,
    }
    if date_format and not pd.api.types.is_datetime64_any_dtype(values):
        values = values.astype("string")
        info["date_format"] = date_format
    offset = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.dt.tz is not None:  # local wall-clock times, as for strings
            utc = str(values.dt.tz) in ("UTC", "utc", "Etc/UTC", "GMT")
            offset[values.notna()] = 0 if utc else 1
            values = values.dt.tz_localize(None)
        out[:] = values.dt.tz_localize("UTC")
        s = values.astype("string")
    elif pd.api.types.is_numeric_dtype(values):
        out = _parse_epoch(pd.to_numeric(values, errors="coerce"))
        s = values.astype("string")
    else:
        s, offset = local_times(normalize_date_strings(values))
        present = s.notna() & (s != "")
        todo = present.copy()
        if date_format:
            out[todo] = _to_dt(s[todo], format=date_format)
            info["parsed_with_format"] = int(out.notna().sum())
            todo &= out.isna()

        epoch = todo & s.str.fullmatch(_EPOCH.pattern, na=False)
        if epoch.any():
            out[epoch] = _parse_epoch(pd.to_numeric(s[epoch], errors="coerce"))
        compact = todo & s.str.fullmatch(_COMPACT.pattern, na=False)
        if compact.any():
            out[compact] = _to_dt(s[compact], format="%Y%m%d")
        todo &= ~(epoch | compact)

        numeric = todo & s.str.match(_NUMERIC.pattern, na=False)
        if numeric.any():
            if dayfirst is None:
                dayfirst, evidence = detect_dayfirst(s[numeric])
                info["dayfirst_evidence"] = evidence
                info["dayfirst"] = dayfirst
            out[numeric] = _parse_numeric(s[numeric].str.extract(_NUMERIC), bool(dayfirst))
            info["ambiguous_day_month"] = int(_ambiguous_count(s[numeric]))
        todo &= ~numeric

        if todo.any():
            iso = _to_dt(s[todo], format="ISO8601")
            out[todo] = iso
            rest = todo & out.isna()
            if rest.any():
                out[rest] = _parse_free(s[rest], bool(dayfirst))
    missing = values.isna() | (s.fillna("").str.strip() == "")
    status = pd.Series("ok", index=values.index, dtype=object)
    status[out.isna()] = "unparseable"
    status[missing] = "missing"
    ok = status == "ok"
    info.update(
        offset_local=int((ok & offset.fillna(0).ne(0)).sum()),
        offset_utc=int((ok & (offset.eq(0).fillna(False) | s.str.contains(
            _ZONE_NAME.pattern + "|[+-]00:?00$", na=False))).sum()),
        parsed=int(ok.sum()),
        missing=int((status == "missing").sum()),
        unparseable=int((status == "unparseable").sum()),
        unparseable_examples=s[status == "unparseable"].drop_duplicates().head(5).tolist(),
    )
    return DateParse(out, status, info)


def _ambiguous_count(s: pd.Series) -> int:
    parts = s.str.extract(_NUMERIC).iloc[:, :2].astype(int)
    return int(((parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])).sum())


def _parse_epoch(num: pd.Series) -> pd.Series:
    """Epoch seconds, or milliseconds when the value is too large to be seconds; values
    outside 1990-2100 become NaT."""
    num = num.astype("float64")
    secs = num.where(num.abs() < 1e11, num / 1000)
    secs = secs.where((secs >= _EPOCH_MIN.timestamp()) & (secs < _EPOCH_MAX.timestamp()))
    return pd.to_datetime(secs, unit="s", utc=True).astype("datetime64[ns, UTC]")


def _parse_free(s: pd.Series, dayfirst: bool) -> pd.Series:
    """Textual dates: common formats vectorised first (RFC 2822, "5 Apr 2017", "April 5,
    2017"), then a per-unique-value fallback so one odd value never spoils the rest."""
    s = s.str.replace(_ZONE_NAME, " +0000", regex=True).str.replace(r"\s+", " ", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns, UTC]")
    for fmt in _FORMATS:
        todo = out.isna()
        if not todo.any():
            return out
        out[todo] = _to_dt(s[todo], format=fmt)
    todo = out.isna()
    uniq = {v: _parse_one(v, dayfirst) for v in s[todo].unique()}
    out[todo] = pd.Series([uniq[v] for v in s[todo]], index=s[todo].index, dtype=out.dtype)
    return out


def _parse_one(v: str, dayfirst: bool) -> pd.Timestamp:
    if not _YEAR.search(v):  # "12:30" or "Monday" would silently become today
        return pd.NaT
    try:
        ts = pd.to_datetime(v, dayfirst=dayfirst, utc=True)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return ts if MIN_DATE <= ts < MAX_DATE else pd.NaT


def _to_dt(values: pd.Series, **kwargs) -> pd.Series:
    """``pd.to_datetime`` (coercing) with dates outside [MIN_DATE, MAX_DATE) made NaT, so
    every result fits the nanosecond UTC column."""
    out = pd.to_datetime(values, errors="coerce", utc=True, **kwargs)
    return out.where((out >= MIN_DATE) & (out < MAX_DATE)).astype("datetime64[ns, UTC]")


def flag_out_of_range(
    dates: pd.Series,
    quantiles: tuple[float, float] = (0.005, 0.995),
    window: float = 0.05,
    density: float = 0.005,
    min_dated: int = 20,
) -> pd.Series:
    """Boolean mask of dates far outside the corpus's bulk (the dates themselves are kept).

    The bulk is the span between the given quantiles. A date is flagged when it lies more
    than ``window`` x span outside the bulk and either its neighbourhood (+/- that window) is
    nearly empty — fewer documents than ``density`` x the median neighbourhood — or it lies
    more than one whole span away. A spread-out multi-year corpus therefore keeps its early
    and late documents, while a few stray years in a one-year crawl are flagged.
    """
    flags = pd.Series(False, index=dates.index)
    dated = dates.dropna()
    if len(dated) < min_dated:
        return flags
    ns = dated.astype("int64").to_numpy()
    lo, hi = np.quantile(ns, quantiles)
    span = max(hi - lo, 86_400 * 10**9)  # at least a day
    w = max(window * span, 86_400 * 10**9)
    srt = np.sort(ns)
    local = np.searchsorted(srt, ns + w, side="right") - np.searchsorted(srt, ns - w, side="left")
    outside = (ns < lo - w) | (ns > hi + w)
    sparse = local < density * np.median(local)
    far = (ns < lo - span) | (ns > hi + span)
    flags[dated.index] = outside & (sparse | far)
    return flags
