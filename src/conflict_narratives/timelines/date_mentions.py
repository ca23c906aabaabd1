"""Day-level date expressions in news text — English, French, Spanish, Italian and Arabic —
resolved against the article's publication date.

Three kinds of expression are read:

- ``explicit``: a day and a month, with or without a year ("14 May 2018", "May 14",
  "le 14 mai", "14 de mayo de 2018", "il 14 maggio", "في 14 مايو", "الـ14 من أيار/مايو",
  "2018-05-14", "14/05/2018", "14.5.2018"); without a year, the year that puts the day
  nearest the publication date; a numeric day and month day-first, month-first only
  where that alone is a date;
- ``weekday``: a weekday name, optionally "last"/"next" ("on Monday", "lundi dernier",
  "el próximo martes", "venerdì scorso", "يوم الاثنين", "الخميس الماضي"): the most recent
  such day up to the publication date; "next" moves it forward, "last" to the one before;
- ``relative``: "yesterday", "today", "tomorrow" and the day before yesterday/after tomorrow
  ("hier", "avant-hier", "ayer", "anteayer", "ieri", "domani", "أمس", "أول أمس", "غداً");
- ``ago``: a count of days, or a week, back ("three days ago", "a week ago", "il y a deux
  jours", "hace 3 días", "due giorni fa", "قبل ثلاثة أيام", "قبل يومين").

Arabic month names are read in both the Egyptian/Gulf ("مايو") and the Levantine/Iraqi
("أيار") series, as well as the Maghreb forms ("ماي", "جوان", "أوت"); Arabic-Indic digits
count as digits. Ambiguous words are read only where they cannot be something else:
Arabic "اليوم" (today; also "nowadays") only next to a weekday or a time of day, "غدا"
(tomorrow; also the verb "became") only with tanween or before a weekday, Spanish "mañana"
(tomorrow; also "morning") not after "la/esta/por la". A day and month followed by a clock
time ("March 21, 2011 at 9:14 am", "03/03/2011 14:25") is a time stamp (a comment, an
update line), not an event, and is skipped. A weekday just before a day and month ("el
sábado 7 de octubre", "mardi 17 octobre") is part of that date. Arabic days are also read
as ordinal words ("السابع من أكتوبر", "الحادي والعشرين من آب"), but not after "week",
"half" and the like.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

LANGUAGES = ("en", "fr", "es", "it", "ar")

_MONTHS: dict[str, list[list[str]]] = {
    "en": [["january", "jan"], ["february", "feb"], ["march", "mar"], ["april", "apr"],
           ["may"], ["june", "jun"], ["july", "jul"], ["august", "aug"],
           ["september", "sept", "sep"], ["october", "oct"], ["november", "nov"],
           ["december", "dec"]],
    "fr": [["janvier"], ["février"], ["mars"], ["avril"], ["mai"], ["juin"], ["juillet"],
           ["août"], ["septembre"], ["octobre"], ["novembre"], ["décembre"]],
    "es": [["enero"], ["febrero"], ["marzo"], ["abril"], ["mayo"], ["junio"], ["julio"],
           ["agosto"], ["septiembre", "setiembre"], ["octubre"], ["noviembre"],
           ["diciembre"]],
    "it": [["gennaio"], ["febbraio"], ["marzo"], ["aprile"], ["maggio"], ["giugno"],
           ["luglio"], ["agosto"], ["settembre"], ["ottobre"], ["novembre"], ["dicembre"]],
    "ar": [["يناير", "كانون الثاني", "جانفي"], ["فبراير", "شباط", "فيفري"], ["مارس", "آذار"],
           ["أبريل", "إبريل", "نيسان", "أفريل"], ["مايو", "أيار", "ماي"],
           ["يونيو", "يونيه", "حزيران", "جوان"], ["يوليو", "يوليه", "تموز", "جويلية"],
           ["أغسطس", "آب", "أوت"], ["سبتمبر", "أيلول"], ["أكتوبر", "تشرين الأول"],
           ["نوفمبر", "تشرين الثاني"], ["ديسمبر", "كانون الأول"]],
}  # fmt: skip
_WEEKDAYS: dict[str, list[list[str]]] = {
    "en": [["monday"], ["tuesday"], ["wednesday"], ["thursday"], ["friday"], ["saturday"],
           ["sunday"]],
    "fr": [["lundi"], ["mardi"], ["mercredi"], ["jeudi"], ["vendredi"], ["samedi"],
           ["dimanche"]],
    "es": [["lunes"], ["martes"], ["miércoles"], ["jueves"], ["viernes"], ["sábado"],
           ["domingo"]],
    "it": [["lunedì"], ["martedì"], ["mercoledì"], ["giovedì"], ["venerdì"], ["sabato"],
           ["domenica"]],
    "ar": [["الاثنين", "الإثنين"], ["الثلاثاء"], ["الأربعاء"], ["الخميس"], ["الجمعة"],
           ["السبت"], ["الأحد"]],
}  # fmt: skip
# weekday modifiers: (before the name, after the name) -> "last" / "next"
_MODIFIERS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "en": ({"last": "last", "next": "next", "this": "this", "this past": "last",
            "this coming": "next"}, {}),
    "fr": ({}, {"dernier": "last", "prochain": "next"}),
    "es": ({"el pasado": "last", "el próximo": "next", "pasado": "last", "próximo": "next"},
           {"pasado": "last", "próximo": "next", "que viene": "next"}),
    "it": ({"scorso": "last", "prossimo": "next", "scorsa": "last", "prossima": "next"},
           {"scorso": "last", "prossimo": "next", "scorsa": "last", "prossima": "next"}),
    "ar": ({}, {"الماضي": "last", "المنصرم": "last", "المقبل": "next", "القادم": "next"}),
}  # fmt: skip
_RELATIVE: dict[str, dict[str, int]] = {
    "en": {"yesterday": -1, "last night": -1, "today": 0, "tonight": 0, "tomorrow": 1},
    "fr": {"avant-hier": -2, "hier": -1, "la nuit dernière": -1, "aujourd'hui": 0,
           "aujourd’hui": 0, "demain": 1, "après-demain": 2},
    "es": {"anteayer": -2, "antier": -2, "anteanoche": -2, "ayer": -1, "anoche": -1, "hoy": 0,
           "pasado mañana": 2, "mañana": 1},
    "it": {"l'altro ieri": -2, "l’altro ieri": -2, "altroieri": -2, "ieri": -1, "oggi": 0,
           "dopodomani": 2, "domani": 1},
    "ar": {"أول أمس": -2, "أمس الأول": -2, "أمس": -1, "الأمس": -1, "البارحة": -1,
           "غداً": 1, "غدًا": 1},
}  # fmt: skip
# "two days ago": (before the count, after the unit), the count's words, days and a week
_AGO: dict[str, tuple[str, str, dict[str, int], str, str]] = {
    "en": ("", r"\s+ago", {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                            "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10},
           "days?", "week"),
    "fr": (r"il\s+y\s+a\s+", "", {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4,
                                   "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
                                   "dix": 10}, "jours?", "semaine"),
    "es": (r"hace\s+", "", {"un": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
                           "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10},
           "días?", "semana"),
    "it": ("", r"\s+fa", {"un": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
                          "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10},
           "giorn[oi]", "settimana"),
    # "قبل ثلاثة أيام" (not "قبل ثلاثة أيام من الانتخابات": before another day)
    "ar": (r"قبل\s+", r"(?!\s+(?:من|على)\s)", {"ثلاثة": 3, "أربعة": 4, "خمسة": 5, "ستة": 6,
                                              "سبعة": 7, "ثمانية": 8, "تسعة": 9,
                                              "عشرة": 10}, "أيام", "أسبوع"),
}  # fmt: skip
# between the two days of "3 and 4 March" / "from 3 to 5 March"
_AND_TO: dict[str, list[str]] = {
    "en": ["and", "to", "-", "–"], "fr": ["et", "et le", "au", "-", "–"],
    "es": ["y", "y el", "al", "-", "–"], "it": ["e", "e il", "al", "-", "–"],
    "ar": ["و", "إلى", "الى", "حتى", "-", "–"]}  # fmt: skip
_AR_UNITS = ["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع", "الثامن",
             "التاسع"]
# Arabic ordinal days ("السابع من أكتوبر"): 1-10, 11-19 ("الحادي عشر"), 20-31
_AR_ORDINALS = {w: i + 1 for i, w in enumerate([*_AR_UNITS, "العاشر"])} | {
    ("الحادي" if i == 0 else w) + " عشر": 11 + i for i, w in enumerate(_AR_UNITS)} | {
    "العشرين": 20, "الثلاثين": 30} | {
    ("الحادي" if i == 0 else w) + f" و{tens}": base + i + 1
    for tens, base in (("العشرين", 20), ("الثلاثين", 30)) for i, w in enumerate(_AR_UNITS)
    if base + i + 1 <= 31}
# ... but not "the second half / week of October"
_AR_NOT_A_DAY = "".join(rf"(?<!{w}\s)" for w in ("الأسبوع", "النصف", "الربع", "الثلث", "العشر",
                                                  "العقد", "الشهر"))
_AR_PREFIX = r"(?:[وفبل]|وب|فب)?"  # clitics: "wa-", "fa-", "bi-", "li-" (وأمس، بالأمس)
_AR_TIME_OF_DAY = r"(?:صباح|مساء|ظهر|عصر|فجر|ليل|ليلة|نهار|ظهيرة)"
_ACCENT = {"é": "[ée]", "è": "[èe]", "ê": "[êe]", "à": "[àa]", "á": "[áa]", "í": "[íi]",
           "ì": "[ìi]", "ó": "[óo]", "ú": "[úu]", "û": "[ûu]", "ñ": "[ñn]", "ç": "[çc]",
           "أ": "[أا]", "إ": "[إا]", "آ": "[آا]", "’": "['’]", "'": "['’]",
           " ": r"\s+"}
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_CLOCK = re.compile(r"\s*,?\s*(?:at|à|a\s+las|alle(?:\s+ore)?|ore|الساعة)?\s*\d{1,2}[:h]\d{2}",
                    re.IGNORECASE)
_W = r"(?<![\w\-])"  # a word starts here (no letter, digit or hyphen before it)
_E = r"(?![\w\-])"


@dataclass(frozen=True)
class DateMention:
    """One resolved expression: the day, where it is in the text, its kind and language."""

    date: dt.date
    start: int
    end: int
    text: str
    kind: str
    language: str


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, accents and spaces made flexible."""
    def one(w: str) -> str:
        return "".join(_ACCENT.get(c, re.escape(c)) for c in w)

    return "(?:" + "|".join(one(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


def _lookup(table: list[list[str]]) -> dict[str, int]:
    return {_fold(w): i for i, names in enumerate(table) for w in names}


def _fold(word: str) -> str:
    """Case, accents, alef forms and spacing folded, to look a matched name up."""
    word = " ".join(word.casefold().split()).replace("’", "'")
    for a, b in (("é", "e"), ("è", "e"), ("ê", "e"), ("à", "a"), ("á", "a"), ("í", "i"),
                 ("ì", "i"), ("ó", "o"), ("ú", "u"), ("û", "u"), ("ñ", "n"), ("ç", "c"),
                 ("أ", "ا"), ("إ", "ا"), ("آ", "ا")):  # fmt: skip
        word = word.replace(a, b)
    return word


class _Language:
    """Compiled patterns and name tables of one language."""

    def __init__(self, code: str):
        self.code = code
        self.month = _lookup(_MONTHS[code])
        self.weekday = _lookup(_WEEKDAYS[code])
        before, after = _MODIFIERS[code]
        self.modifier = {_fold(k): v for k, v in {**before, **after}.items()}
        self.relative = {_fold(k): v for k, v in _RELATIVE[code].items()}
        months = _alt(w for names in _MONTHS[code] for w in names)
        days = _alt(w for names in _WEEKDAYS[code] for w in names)
        pre = _AR_PREFIX if code == "ar" else ""
        year = r"(?:\s*(?:,|de|del|من\s+العام|من\s+عام|عام)?\s*(?P<year>(?:19|20)\d{2})(?!\d))?"
        ordinal = r"(?:er|º|°|st|nd|rd|th)?"
        link = {"es": r"\s+de", "en": r"(?:\s+of)?",
                "ar": r"\s*(?:من\s+)?(?:شهر\s+)?"}.get(code, "")
        second = rf"(?:\s*/\s*{months})?"  # "أيار/مايو", "9 كانون الأول/ديسمبر"
        month_year = rf"(?P<month>{months}){_E}{second}{year}"
        day_month = rf"(?:{pre}الـ?\s*)?(?<!\d)(?P<day>\d{{1,2}}){ordinal}{link}\s*{month_year}"
        if code != "ar":
            day_month = _W + day_month
        # the first of two days ("les 3 et 4 mars", "del 3 al 5 de mayo"), read with the
        # month that follows the second
        pair = (rf"(?<![\w\-]){pre}(?P<day>\d{{1,2}}){ordinal}\s*(?:{_alt(_AND_TO[code])})\s*"
                rf"(?=(?:{pre}الـ?\s*)?\d{{1,2}}{ordinal}{link}\s*{month_year})")
        patterns = [("explicit", day_month), ("explicit", pair)]
        if code == "ar":
            patterns.append(("explicit", rf"{_W}{_AR_NOT_A_DAY}{pre}(?P<ordinal>"
                                         rf"{_alt(_AR_ORDINALS)}){_E}{link}(?P<month>{months})"
                                         rf"{_E}{second}{year}"))
        if code == "en":
            patterns.append(("explicit", rf"{_W}(?P<month>{months})\.?\s+(?P<day>\d{{1,2}})"
                                         rf"{ordinal}(?!\d){year}{_E}"))
        mod_before = _alt(before) if before else None
        mod_after = _alt(after) if after else None
        weekday = rf"{_W}{pre}(?P<weekday>{days}){_E}"
        if mod_before:
            weekday = rf"{_W}(?:(?P<mod1>{mod_before})\s+)?" + weekday[len(_W):]
        if mod_after:
            weekday += rf"(?:\s+(?P<mod2>{mod_after}){_E})?"
        patterns.append(("weekday", weekday))
        before_n, after_unit, numbers, days_word, week_word = _AGO[code]
        self.numbers = {_fold(k): v for k, v in numbers.items()}
        count = rf"(?P<n>\d{{1,2}}|{_alt(numbers)})"
        unit = rf"(?:(?P<days>{days_word})|(?P<week>{week_word}))"
        ago = rf"{_W}{before_n}{count}\s+{unit}{after_unit}{_E}"
        if code == "ar":  # "قبل يومين" (two days, a dual), "قبل أسبوع" (a week)
            ago = rf"{_W}{before_n}(?:{count}\s+{unit}|(?P<two>يومين)|(?P<week1>أسبوع)){_E}" \
                  rf"{after_unit}"
        patterns.append(("ago", ago))
        rel = dict(_RELATIVE[code])
        if code == "es":  # "la mañana" / "esta mañana" is the morning
            rel.pop("mañana")
            patterns.append(("relative", rf"(?<!la\s)(?<!esta\s){_W}(?P<rel>mañana){_E}"))
        # Arabic names the weekday after the relative word ("أمس الاثنين"): one expression
        with_day = rf"(?:\s+{pre}{days}{_E})?" if code == "ar" else ""
        patterns.append(("relative", rf"{_W}{pre}(?P<rel>{_alt(rel)}){_E}{with_day}"))
        if code == "ar":  # "اليوم" / "غدا" only where they can only mean the day
            patterns.append(("relative", rf"{_W}(?:{_AR_TIME_OF_DAY}\s+)?(?P<rel>اليوم|غدا)"
                                         rf"\s+{pre}{days}{_E}"))
            patterns.append(("relative", rf"{_W}{pre}{_AR_TIME_OF_DAY}\s+(?P<rel>اليوم){_E}"))
            self.relative |= {"اليوم": 0, "غدا": 1}
        self.patterns = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in patterns]


_COMPILED: dict[str, _Language] = {}


def _language(code: str) -> _Language:
    if code not in LANGUAGES:
        raise ValueError(f"no date expressions for language {code!r}; known: {LANGUAGES}")
    if code not in _COMPILED:
        _COMPILED[code] = _Language(code)
    return _COMPILED[code]


def _month_day(month: int, day: int, year: str | None, pub: dt.date) -> dt.date | None:
    """A month-day date; without a year, the year that puts it nearest the publication date."""
    years = [int(year)] if year else [pub.year - 1, pub.year, pub.year + 1]
    found = []
    for y in years:
        try:
            found.append(dt.date(y, month, day))
        except ValueError:
            continue
    return min(found, key=lambda d: abs((d - pub).days)) if found else None


def _weekday(wd: int, modifier: str | None, pub: dt.date) -> dt.date:
    """The most recent ``wd`` up to ``pub``; ``next``: the first after it; ``last``: the
    most recent strictly before it."""
    if modifier == "next":
        return pub + dt.timedelta(days=(wd - pub.weekday()) % 7 or 7)
    back = (pub.weekday() - wd) % 7
    return pub - dt.timedelta(days=(back or 7) if modifier == "last" else back)


def _resolve(lang: _Language, kind: str, m: re.Match, pub: dt.date) -> dt.date | None:
    g = m.groupdict()
    if kind == "explicit":
        day = int(g["day"]) if g.get("day") else _AR_ORDINAL_DAY[_fold(g["ordinal"])]
        return _month_day(lang.month[_fold(g["month"])] + 1, day, g.get("year"), pub)
    if kind == "weekday":
        mod = g.get("mod1") or g.get("mod2")
        return _weekday(lang.weekday[_fold(g["weekday"])], lang.modifier.get(_fold(mod))
                        if mod else None, pub)
    if kind == "ago":
        if g.get("two") or g.get("week1"):
            return pub - dt.timedelta(days=2 if g.get("two") else 7)
        n = int(g["n"]) if g["n"].isdigit() else lang.numbers[_fold(g["n"])]
        return pub - dt.timedelta(days=n * (7 if g.get("week") else 1))
    return pub + dt.timedelta(days=lang.relative[_fold(g["rel"])])


_JUST_SPACE = re.compile(r"[\s,،]*")
_AR_ORDINAL_DAY = {_fold(w): d for w, d in _AR_ORDINALS.items()}
# numeric dates: year first ("2018-05-14", "2018/5/14"), or day and month first
# ("14/05/2018", "14.5.2018", "05/14/2018"), the separators alike
_YMD = re.compile(r"(?<!\w)(?<!\d[/.\-])((?:19|20)\d{2})([/.\-])(\d{1,2})\2(\d{1,2})"
                  r"(?!\w|[/.\-]\d)")
_DMY = re.compile(r"(?<!\w)(?<!\d[/.\-])(\d{1,2})([/.\-])(\d{1,2})\2((?:19|20)\d{2})"
                  r"(?!\w|[/.\-]\d)")


def _numeric(m: re.Match, year_first: bool) -> dt.date | None:
    """The day of a numeric date: year, month, day; else day-first (as French, Spanish,
    Italian and Arabic write it), month-first (American) only where day-first is no date."""
    if year_first:
        y, readings = int(m[1]), [(int(m[3]), int(m[4]))]
    else:
        y, a, b = int(m[4]), int(m[1]), int(m[3])
        readings = [(b, a), (a, b)]  # (month, day)
    for month, day in readings:
        try:
            return dt.date(y, month, day)
        except ValueError:
            continue
    return None


def find_date_mentions(
    text: str, pub_date: dt.date, languages: Iterable[str] | None = None
) -> list[DateMention]:
    """Every date expression of ``text`` (in ``languages``; default: all of
    :data:`LANGUAGES`), resolved against ``pub_date``, in text order. Overlapping matches
    keep the longest ("أول أمس" over "أمس"); a day-month followed by a clock time is a
    time stamp and is dropped."""
    text = (text or "").translate(_DIGITS)  # one character for one: offsets stay valid
    found: list[tuple[int, int, str, str, dt.date | None]] = []
    for rx in (_YMD, _DMY):
        for m in rx.finditer(text):
            day = None if _CLOCK.match(text, m.end()) else _numeric(m, rx is _YMD)
            found.append((m.start(), m.end(), "explicit", "", day))
    for code in languages or LANGUAGES:
        lang = _language(code)
        for kind, rx in lang.patterns:
            for m in rx.finditer(text):
                if kind == "explicit" and _CLOCK.match(text, m.end()):
                    found.append((m.start(), m.end(), kind, code, None))  # a time stamp
                    continue
                found.append((m.start(), m.end(), kind, code, _resolve(lang, kind, m, pub_date)))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out, end = [], -1
    for start, stop, kind, code, day in found:
        if start < end:
            continue
        end = stop
        if day is not None:
            out.append(DateMention(day, start, stop, text[start:stop], kind, code))
    # "El sábado 7 de octubre": the weekday names the date that follows it, not a day of its own
    return [m for m, after in zip(out, [*out[1:], None], strict=False)
            if not (m.kind == "weekday" and after is not None and after.kind == "explicit"
                    and _JUST_SPACE.fullmatch(text[m.end:after.start]))]


def parse_date_mentions(
    text: str, pub_date: dt.date, languages: Iterable[str] | None = None
) -> list[dt.date]:
    """The days ``text`` refers to (see :func:`find_date_mentions`), in text order."""
    return [m.date for m in find_date_mentions(text, pub_date, languages)]
