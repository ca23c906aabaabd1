"""Date selection without the topic model: the shipped learned ranker on a handful of
documents, in five languages, and through the pipeline on a corpus too small for topics."""

import datetime as dt

import pandas as pd
import pytest

import conflict_narratives as cn
from conflict_narratives.timelines import date_ranker as dr
from conflict_narratives.timelines.date_mentions import parse_date_mentions
from conflict_narratives.timelines.date_selection import select_dates

D = dt.date
PUB = D(2023, 10, 20)

# sentences as agencies wrote them about the October 2023 war (paraphrased leads)
REAL = [
    ("El ataque de Hamás del pasado 7 de octubre dejó 1.400 muertos, según Israel.",
     [D(2023, 10, 7)]),
    ("El sábado 7 de octubre, milicianos de Hamás atacaron el sur de Israel.", [D(2023, 10, 7)]),
    ("Depuis l'attaque du 7 octobre dernier, plus de 4.000 Palestiniens ont été tués.",
     [D(2023, 10, 7)]),
    ("L'armée israélienne a annoncé mardi 17 octobre avoir frappé Gaza.", [D(2023, 10, 17)]),
    ("Dall'attacco di Hamas dello scorso 7 ottobre, Israele bombarda la Striscia.",
     [D(2023, 10, 7)]),
    ("Il 17 ottobre un'esplosione ha colpito l'ospedale al-Ahli di Gaza.", [D(2023, 10, 17)]),
    ("On Saturday, Oct. 7, Hamas militants crossed into Israel.", [D(2023, 10, 7)]),
    ("منذ هجوم السابع من أكتوبر/تشرين الأول، قتل أكثر من أربعة آلاف فلسطيني.",
     [D(2023, 10, 7)]),
    ("وفي الحادي والعشرين من آب/أغسطس 2013 قتل المئات في الغوطة.", [D(2013, 8, 21)]),
    ("الثلاثاء 17 أكتوبر قُصف المستشفى الأهلي المعمداني في غزة.", [D(2023, 10, 17)]),
    ("وتتواصل الغارات خلال النصف الثاني من أكتوبر.", []),  # a half month, not a day
]


@pytest.mark.parametrize(("text", "expected"), REAL)
def test_date_expressions_in_five_languages(text, expected):
    assert parse_date_mentions(text, PUB) == expected


def _five():
    rows = [("2023-10-07", "Hamas attack on southern Israel kills hundreds", "Saturday."),
            ("2023-10-08", "Israel declares war after Saturday's attack", "Yesterday."),
            ("2023-10-17", "Blast at Gaza hospital", "A blast hit the al-Ahli hospital today."),
            ("2023-10-18", "Dispute over the hospital blast", "The October 17 blast..."),
            ("2023-10-28", "Three weeks after October 7", "Since the 7 October attack...")]
    return pd.DataFrame({"doc_id": [str(i) for i in range(5)],
                         "date": pd.to_datetime([r[0] for r in rows], utc=True),
                         "title": [r[1] for r in rows], "text": [r[2] for r in rows]})


def test_the_shipped_ranker_selects_dates_among_five_documents():
    model = dr.trained_model()
    assert model["features"] == list(dr.FEATURES)
    assert 0 < model["held_out_date_f1"] <= 1
    df = _five()
    ranked = dr.rank_days(df)
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    assert ranked["score"].is_monotonic_decreasing
    # the two days named again later outrank the days only published on
    assert set(ranked["date"].head(2)) == {D(2023, 10, 7), D(2023, 10, 17)}
    assert dr.select_days(df, 2) == [D(2023, 10, 7), D(2023, 10, 17)]
    # the hand-weighted score agrees on these five
    assert select_dates(df, 2) == [D(2023, 10, 7), D(2023, 10, 17)]
    assert dr.rank_days(df.iloc[:0]).empty


def test_a_corpus_too_small_for_topics_still_gets_its_dates(store):
    run = cn.open(_five(), name="five-docs", home=store.root)
    tl = run.timelines()
    assert tl.summary["topics"] == "none: too few documents"
    # no topic, so no burst or story: the events are the days named again later
    assert len(tl.events) and (tl.events["level"] == "day").all()
    assert tl.events.sort_values("rank")["date"].iloc[0] in (pd.Timestamp("2023-10-07"),
                                                              pd.Timestamp("2023-10-17"))
    top = tl.dates[tl.dates["selected"]].sort_values("rank")
    assert len(top) == 5 or len(top) == len(tl.dates)
    assert top["date"].iloc[0] in (pd.Timestamp("2023-10-07"), pd.Timestamp("2023-10-17"))
