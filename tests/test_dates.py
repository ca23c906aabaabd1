"""Date parsing to UTC, day/month order detection and out-of-range flagging (dates)."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.corpus.dates import detect_dayfirst, flag_out_of_range, parse_dates


def one(value, **kw):
    r = parse_dates(pd.Series([value], dtype=object), **kw)
    return r.dates.iloc[0], r.status.iloc[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-02-18T21:35:43+04:00", "2018-02-18 21:35:43"),  # local time kept
        ("2018-02-18T21:35:43Z", "2018-02-18 21:35:43"),
        ("2018-02-18 21:35", "2018-02-18 21:35:00"),  # naive -> taken as UTC
        ("Sun, 18 Feb 2018 21:35:43 +0400", "2018-02-18 21:35:43"),
        ("28.04.2024 23:33:40 UTC+03:00", "2024-04-28 23:33:40"),  # a Telegram export
        ("2018-03-01T23:30:00-05:30", "2018-03-01 23:30:00"),
        ("2018-03-01T00:10:00+00:00", "2018-03-01 00:10:00"),
        ("Sun, 18 Feb 2018 21:35:43 GMT", "2018-02-18 21:35:43"),
        ("5 April 2017", "2017-04-05"),
        ("April 5, 2017", "2017-04-05"),
        ("1520000000", "2018-03-02 14:13:20"),  # epoch seconds
        ("1520000000000", "2018-03-02 14:13:20"),  # epoch milliseconds
        ("20180218", "2018-02-18"),
        ("٥ أبريل ٢٠١٧", "2017-04-05"),  # Egyptian month name, Arabic-Indic digits
        ("الأربعاء 5 نيسان 2017", "2017-04-05"),  # Levantine month name, weekday
        ("12 كانون الثاني 2019", "2019-01-12"),
        ("3 تشرين الأول 2017م", "2017-10-03"),
        ("۱۴ آذار ۲۰۱۸", "2018-03-14"),  # Persian digits
        ("15 جويلية 2016", "2016-07-15"),  # Maghrebi
    ],
)
def test_date_forms(value, expected):
    ts, status = one(value)
    assert status == "ok"
    assert ts == pd.Timestamp(expected, tz="UTC")


def test_offsets_keep_the_local_day_and_are_counted():
    values = pd.Series(["2018-03-01T23:30:00+03:00", "2018-03-01T23:30:00Z", "2018-03-01 23:30",
                        "Thu, 01 Mar 2018 23:30:00 GMT", "2018-03-02T00:30:00+00:00", None],
                       dtype=object)
    r = parse_dates(values)
    assert (r.dates.dropna().dt.day.tolist()) == [1, 1, 1, 1, 2]  # no post moves a day back
    assert (r.info["offset_local"], r.info["offset_utc"]) == (1, 3)
    aware = pd.Series(pd.to_datetime(["2018-03-01T23:30:00+03:00"] * 2))  # e.g. Parquet
    r = parse_dates(aware)
    assert (r.dates == pd.Timestamp("2018-03-01 23:30", tz="UTC")).all()
    assert r.info["offset_local"] == 2


def test_dotted_dates_are_day_first_when_no_field_says():
    r = parse_dates(pd.Series(["01.04.2024 23:00", "02.05.2024 01:10"]))
    assert (r.info["dayfirst"], r.info["dayfirst_evidence"]) == (True, "dotted")
    assert r.dates.iloc[1] == pd.Timestamp("2024-05-02 01:10", tz="UTC")
    slashed = parse_dates(pd.Series(["01/04/2024", "02/05/2024"]))
    assert slashed.info["dayfirst_evidence"] == "ambiguous"  # month-first, as before
    assert parse_dates(pd.Series(["04.13.2024", "01.04.2024"])).info["dayfirst"] is False


def test_numeric_types():
    r = parse_dates(pd.Series([1520000000, 1520000000000]))
    assert (r.dates == pd.Timestamp("2018-03-02 14:13:20", tz="UTC")).all()
    naive = pd.Series(pd.to_datetime(["2018-05-01 12:00"]))
    assert parse_dates(naive).dates.iloc[0] == pd.Timestamp("2018-05-01 12:00", tz="UTC")


def test_missing_and_unparseable_are_counted_not_dropped():
    values = ["2018-01-01", None, "", "garbage", "31/31/2018", "12:30", "Monday"]
    r = parse_dates(pd.Series(values, dtype=object))
    assert len(r.dates) == 7
    assert r.status.tolist() == ["ok", "missing", "missing"] + ["unparseable"] * 4
    assert r.info["unparseable"] == 4 and r.info["missing"] == 2
    assert "garbage" in r.info["unparseable_examples"]


@pytest.mark.parametrize(
    ("values", "dayfirst", "evidence"),
    [
        (["13/04/2017", "05/04/2017"], True, "dayfirst"),
        (["4/13/2017", "4/5/2017"], False, "monthfirst"),
        (["4/5/2017", "1/2/2017"], None, "ambiguous"),
        (["13/04/2017", "4/13/2017", "14/04/2017"], True, "conflicting"),
    ],
)
def test_dayfirst_detection(values, dayfirst, evidence):
    assert detect_dayfirst(pd.Series(values)) == (dayfirst, evidence)


def test_dayfirst_detected_and_applied():
    r = parse_dates(pd.Series(["13/04/2017", "05/04/2017"]))
    assert r.info["dayfirst"] is True and r.info["dayfirst_evidence"] == "dayfirst"
    assert r.dates.iloc[1] == pd.Timestamp("2017-04-05", tz="UTC")
    assert r.info["ambiguous_day_month"] == 1


def test_dayfirst_forced_and_ambiguity_reported():
    s = pd.Series(["05/04/2017", "01/02/2017 14:30"])
    assert parse_dates(s, dayfirst=True).dates.iloc[0] == pd.Timestamp("2017-04-05", tz="UTC")
    assert parse_dates(s, dayfirst=False).dates.iloc[0] == pd.Timestamp("2017-05-04", tz="UTC")
    monthfirst = parse_dates(s, dayfirst=False).dates
    assert monthfirst.iloc[1] == pd.Timestamp("2017-01-02 14:30", tz="UTC")
    auto = parse_dates(s)
    assert auto.info["dayfirst_evidence"] == "ambiguous" and auto.info["ambiguous_day_month"] == 2


def _days(start, n, span_days, seed=0):
    rng = np.random.default_rng(seed)
    base = pd.Timestamp(start, tz="UTC")
    return [base + pd.Timedelta(days=float(d)) for d in rng.uniform(0, span_days, n)]


def test_strays_in_a_one_year_crawl_are_flagged():
    bulk = _days("2018-02-01", 5000, 250)
    strays = [pd.Timestamp(s, tz="UTC") for s in ("2012-10-11", "2014-01-05", "2017-12-26")]
    dates = pd.Series(bulk + strays + [pd.NaT])
    flags = flag_out_of_range(dates)
    assert flags.iloc[-4:-1].all()  # every stray
    assert not flags.iloc[:5000].any()  # none of the bulk
    assert not flags.iloc[-1]  # NaT is not "out of range"


def test_spread_multi_year_corpus_is_not_flagged():
    # 800 documents spread over 2011-2018, thin at both ends (like fa-kes)
    rng = np.random.default_rng(1)
    days = np.concatenate([rng.normal(2000, 500, 790), [0, 230, 2700, 2750]])
    dates = pd.Series(pd.Timestamp("2011-02-01", tz="UTC") + pd.to_timedelta(days, unit="D"))
    assert not flag_out_of_range(dates).any()


def test_too_few_dates_never_flagged():
    dates = pd.Series(pd.to_datetime(["2018-01-01", "2018-01-02", "1990-01-01"], utc=True))
    assert not flag_out_of_range(dates).any()
