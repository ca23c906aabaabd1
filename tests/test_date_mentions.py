"""Date expressions in English, French, Spanish, Italian and Arabic, resolved against the
publication date: hand-checked sentences (Arabic ones verbatim from ant-multisource but
the last, written as news copy; the English ones from Timeline17 style CNN/BBC copy;
French/Spanish/Italian written as news copy), and the parser run over real Arabic
articles."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conflict_narratives.timelines.date_mentions import find_date_mentions, parse_date_mentions

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

D = dt.date
PUB = D(2011, 3, 23)  # a Wednesday
AR_PUB = D(2018, 2, 27)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Coalition strikes began on March 19 , 2011 .", [D(2011, 3, 19)]),
        ("The vote took place on 17 March.", [D(2011, 3, 17)]),
        ("Protests since Feb. 15 spread", [D(2011, 2, 15)]),
        ("due on Sept 3rd", [D(2011, 9, 3)]),
        ("filed 2011-03-01 in Geneva", [D(2011, 3, 1)]),
        ("Rebels said on Monday and again on Wednesday", [D(2011, 3, 21), D(2011, 3, 23)]),
        ("Yesterday's raid; talks resume tomorrow", [D(2011, 3, 22), D(2011, 3, 24)]),
        ("last Wednesday and next Wednesday", [D(2011, 3, 16), D(2011, 3, 30)]),
        ("Back in December 30 rallies", [D(2010, 12, 30)]),  # nearest year to publication
        ("Posted March 21 , 2011 at 9:14 am | Reply", []),  # a time stamp, not an event
        ("In March the army moved; May was quiet; 30 February", []),
        ("Talks on the 3rd of March failed; they met on 19 and 20 March", [
            D(2011, 3, 3), D(2011, 3, 19), D(2011, 3, 20)]),
        ("Gunfire was heard last night in Benghazi", [D(2011, 3, 22)]),
    ],
)
def test_english(text, expected):
    assert parse_date_mentions(text, PUB) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [  # verbatim from ant-multisource articles published 2018-02-27 .. 2018-03-14
        ("وقال الاتحاد أمس الاثنين إن الألبوم (ديفايد) الذي صدر في مارس/آذار 2017",
         [D(2018, 2, 26)]),  # "yesterday Monday": one day; a month without a day is none
        ("التي تجلّت خلال مراسم الدفن في 9 كانون الأول/ديسمبر 2017 في باريس.",
         [D(2017, 12, 9)]),
        ("فلاً غنائياً على مسرح \"المجاز\" بالشارقة يوم 16 مارس المقبل", [D(2018, 3, 16)]),
        ("أخيرة، عندما توقف قلبه بشكل مفاجئ، صباح أمس الثلاثاء، أثناء تمثيله", [D(2018, 2, 26)]),
        ("فهو كان يمثل معه بالأمس في مشهد ضاحك", [D(2018, 2, 26)]),
        ("لحفل عيد الحب الذي يحييه مساء اليوم الأربعاء بأحد الفنادق", [D(2018, 2, 27)]),
        ("كشف عن قائمة الطعام المميزة، يوم الخميس الماضي، التي", [D(2018, 2, 22)]),
        ("الفنان المغربي أن عليه أن يكون في فرنسا يوم 9 نيسان/إبريل للخضوع لفحص", [D(2018, 4, 9)]),
        ("في 8 مارس من العام 1964، أصيب الفنان الراحل", [D(1964, 3, 8)]),
        ("منذ شهر أفريل/ أبريل من العام الماضي", []),  # a month, not a day
        ("في ٩ نيسان/إبريل", [D(2018, 4, 9)]),  # Arabic-Indic digits
        ("أول أمس", [D(2018, 2, 25)]),
        ("غداً الأحد", [D(2018, 2, 28)]),  # one expression: "tomorrow" decides, not a past Sunday
        ("وغدا الوضع أسوأ", []),  # "became", not "tomorrow"
        ("بقيت أمسية جميلة", []),  # "evening party" starts with "yesterday"
        ("الهجمات في 18 و19 شباط/فبراير ثم من 21 إلى 24 شباط", [  # written as news copy
            D(2018, 2, 18), D(2018, 2, 19), D(2018, 2, 21), D(2018, 2, 24)]),
    ],
)
def test_arabic(text, expected):
    assert parse_date_mentions(text, AR_PUB) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le 14 mai 2018, des frappes ont visé Deraa ; lundi dernier, hier et avant-hier.",
         [D(2018, 5, 14), D(2018, 2, 26), D(2018, 2, 26), D(2018, 2, 25)]),
        ("Les pourparlers reprendront demain à Genève, a annoncé aujourd’hui l'ONU.",
         [D(2018, 2, 28), D(2018, 2, 27)]),
        ("Le 1er mars, l'armée est entrée dans la Ghouta.", [D(2018, 3, 1)]),
        ("El 14 de mayo de 2018, el lunes pasado y ayer hubo bombardeos; esta mañana no.",
         [D(2018, 5, 14), D(2018, 2, 26), D(2018, 2, 26)]),
        ("La ONU votará mañana una tregua; el próximo viernes, otra.",
         [D(2018, 2, 28), D(2018, 3, 2)]),
        ("Il 14 maggio, venerdì scorso, ieri e l'altro ieri; domani si vota.",
         [D(2018, 5, 14), D(2018, 2, 23), D(2018, 2, 26), D(2018, 2, 25), D(2018, 2, 28)]),
        ("Le forze governative sono entrate lunedi a Ghouta.", [D(2018, 2, 26)]),
        ("Publié le 26 février 2018 à 14h30", []),  # a time stamp
        # two days: the first read with the month that follows the second
        ("Les frappes des 18 et 19 février, puis du 21 au 24 février", [
            D(2018, 2, 18), D(2018, 2, 19), D(2018, 2, 21), D(2018, 2, 24)]),
        ("Los ataques del 18 al 20 de febrero y los del 24 y 25 de febrero de 2018", [
            D(2018, 2, 18), D(2018, 2, 20), D(2018, 2, 24), D(2018, 2, 25)]),
        ("Gli scontri dal 18 al 20 febbraio; domenica scorsa la tregua.", [
            D(2018, 2, 18), D(2018, 2, 20), D(2018, 2, 25)]),
        ("Anoche hubo bombardeos; la nuit dernière aussi.", [D(2018, 2, 26), D(2018, 2, 26)]),
    ],
)
def test_french_spanish_italian(text, expected):
    assert parse_date_mentions(text, AR_PUB) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numeric dates
        ("El Consejo se reunió el 3/3/2011 en Nueva York.", [D(2011, 3, 3)]),
        ("Le cessez-le-feu du 14.03.2011.", [D(2011, 3, 14)]),
        ("il decreto del 18-02-2011", [D(2011, 2, 18)]),
        ("قرر في جلسته المنعقدة بتاريخ 14/5/2015 بتفويض", [D(2015, 5, 14)]),  # ant-multisource
        ("بتاريخ ٢٠١١/٣/٥ صادرة", [D(2011, 3, 5)]),  # year first, Arabic-Indic digits
        ("filed on 3/17/2011", [D(2011, 3, 17)]),  # only month-first is a date
        ("signed 3/4/2011", [D(2011, 4, 3)]),  # ambiguous: day-first
        ("Actualizado 22/03/2011 14:25", []),  # a time stamp, not an event
        ("Updated 2011-03-22 09:14", []),
        ("firmware v1.2.2011b and 1.2.3.2011", []),  # not dates
        # days ago
        ("Rebels seized the town two days ago .", [D(2011, 3, 21)]),
        ("the strike , 3 days ago , killed 12", [D(2011, 3, 20)]),
        ("Talks collapsed a week ago .", [D(2011, 3, 16)]),
        ("Les combats ont repris il y a trois jours.", [D(2011, 3, 20)]),
        ("El ataque ocurrió hace dos días en Misrata.", [D(2011, 3, 21)]),
        ("hace una semana", [D(2011, 3, 16)]),
        ("L'attacco è avvenuto due giorni fa.", [D(2011, 3, 21)]),
        ("وكانت القوات قد دخلت المدينة قبل يومين", [D(2011, 3, 21)]),
        ("قبل ثلاثة أيام", [D(2011, 3, 20)]),
        ("قبل ثلاثة أيام من الانتخابات", []),  # before another day, not before publication
        ("por la mañana", []),  # the morning, not tomorrow
        ("years ago , weeks ago", []),
    ],
)
def test_numeric_dates_and_days_ago(text, expected):
    assert parse_date_mentions(text, PUB) == expected


def test_mentions_carry_kind_language_and_span():
    text = "Rebels said on Monday ; وقال أمس"
    found = find_date_mentions(text, PUB)
    assert [(m.kind, m.language, text[m.start:m.end]) for m in found] == [
        ("weekday", "en", "Monday"), ("relative", "ar", "أمس")]  # fmt: skip
    assert find_date_mentions(text, PUB, languages=["ar"])[0].text == "أمس"
    with pytest.raises(ValueError, match="no date expressions"):
        find_date_mentions(text, PUB, languages=["de"])


ANT = SHARED / "ant-multisource" / "ant_multisource_v2.1.csv.gz"


@pytest.mark.skipif(not ANT.is_file(), reason="../shared/corpora/ant-multisource is absent")
def test_real_arabic_articles_yield_dates_near_publication():
    df = pd.read_csv(ANT, nrows=400, usecols=["datetime", "text"]).dropna()
    pubs = pd.to_datetime(df["datetime"], utc=True).dt.date
    found = [find_date_mentions(t, p) for t, p in zip(df["text"], pubs, strict=True)]
    dated = [m for ms in found for m in ms]
    assert sum(bool(ms) for ms in found) > 0.4 * len(df)  # Arabic news dates its events
    assert {m.language for m in dated} >= {"ar"}
    assert {m.kind for m in dated} >= {"explicit", "weekday", "relative"}
    lags = [abs((m.date - p).days) for ms, p in zip(found, pubs, strict=True) for m in ms
            if m.kind != "explicit"]
    assert max(lags) <= 8  # relative and weekday expressions stay within a week or so
