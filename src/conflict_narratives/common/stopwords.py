"""Stop words for topic words: per language the corpus holds, plus the outlets' own names.

- Every corpus: ``arabic-stopwords``, scikit-learn's English list, the curated news-speak
  lists (``resources/stopwords_news_<lang>.txt``: reporting verbs, calendar words...) and
  web/social tokens (``rt``, ``via``, ``amp``).
- Per language the corpus stage detected in at least :data:`MIN_LANGUAGE_SHARE` of the
  documents: the ``stopwordsiso`` list (58 languages) and its news-speak list, if any.
  English and Arabic keep their curated lists only: the ISO English list stops content
  words of news topics ("world", "best", "million", "new"; measured in
  ``reports/benchmarks/topics.md``).
- :func:`outlet_words`: the words of the outlets' names that each outlet uses far more
  than the others do (a station naming itself in every bulletin), so an outlet's name is
  never a topic word.

All are folded like documents (:func:`textnorm.normalize_for_analysis`) and tokenised by
the vectorizer's tokenizer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from conflict_narratives.common.textnorm import normalize_for_analysis

_WORD = re.compile(r"(?u)\b\w\w+\b")
NEWS_LISTS = ("ar", "en", "fr", "es", "it")  # resources/stopwords_news_<lang>.txt
CURATED = {"ar", "en"}  # languages whose curated lists stand without the ISO list
MIN_LANGUAGE_SHARE = 0.01
WEB_WORDS = ("rt", "via", "amp", "http", "https", "www", "com", "html", "cc", "mt")
OUTLET_SAMPLE = 2000  # documents per outlet read to tell whether it names itself
OUTLET_LIFT = 3.0  # an outlet's name word is stopped when it uses it this x more than others


def tokenize(text: str) -> list[str]:
    """Words of an already normalised text: runs of letters (Arabic or Latin), ≥ 2 long;
    tokens with digits or underscores are dropped."""
    return [t for t in _WORD.findall(text) if t.isalpha()]


def _fold(words: Iterable[str]) -> set[str]:
    return {t for w in words for t in tokenize(normalize_for_analysis(w))}


def _read_list(resource: str) -> list[str]:
    text = resources.files("conflict_narratives").joinpath(resource).read_text(encoding="utf-8")
    return [w for line in text.splitlines() if (w := line.split("#", 1)[0].strip())]


def news_stop_words(lang: str | None = None) -> list[str]:
    """A curated news-speak list (``lang``), or all of them, as written (not normalised)."""
    langs = NEWS_LISTS if lang is None else [lang] if lang in NEWS_LISTS else []
    return [w for code in langs for w in _read_list(f"resources/stopwords_news_{code}.txt")]


@lru_cache(maxsize=16)
def stop_words(languages: tuple[str, ...] = ()) -> frozenset[str]:
    """The base lists (see the module docstring) plus, for each ISO 639-1 code in
    ``languages``, its ``stopwordsiso`` and news-speak lists; normalised and tokenised
    exactly like documents."""
    from arabicstopwords import arabicstopwords as asw

    words = {*asw.stopwords_list(), *news_stop_words("ar"), *news_stop_words("en"),
             *ENGLISH_STOP_WORDS, *WEB_WORDS}
    for lang in sorted(set(languages) - CURATED):
        words |= set(_iso(lang)) | set(news_stop_words(lang))
    return frozenset(_fold(words))


def _iso(lang: str) -> set[str]:
    import stopwordsiso

    return set(stopwordsiso.stopwords(lang)) if stopwordsiso.has_lang(lang) else set()


def corpus_languages(df: pd.DataFrame) -> tuple[str, ...]:
    """Languages of at least :data:`MIN_LANGUAGE_SHARE` of the documents (column ``lang``
    of the corpus table; detected on the texts when it is missing)."""
    if "lang" in df.columns:
        langs = df["lang"].astype("string")
    else:
        from conflict_narratives.common.language import detect_languages

        langs = pd.Series(detect_languages(df["text"].fillna("").astype(str).tolist()))
    share = langs.value_counts(normalize=True)
    return tuple(sorted(str(k) for k, v in share.items() if v >= MIN_LANGUAGE_SHARE
                        and str(k) != "und"))


def outlet_words(df: pd.DataFrame, docs: list[str]) -> set[str]:
    """Words of outlet names (``source``) that the outlet's own documents hold
    :data:`OUTLET_LIFT` times more often than the other outlets' (always, for a corpus of
    one outlet): a station's name in every bulletin, not "Syrian" in "Syrian Observatory"
    for a corpus where every outlet writes "Syrian". Up to :data:`OUTLET_SAMPLE` documents
    of each outlet are read."""
    if "source" not in df.columns or not len(df):
        return set()
    sources = df["source"].astype("string").fillna("").to_numpy()
    names = pd.Series(sources[sources != ""]).value_counts()
    names = names[names >= max(2, MIN_LANGUAGE_SHARE * len(df))].head(50)
    words = {name: _fold([name]) - stop_words() for name in names.index}
    if not any(words.values()):
        return set()
    rows = pd.Series(range(len(df))).groupby(sources).head(OUTLET_SAMPLE).to_numpy()
    texts = {i: normalize_for_analysis(docs[i]) for i in rows}
    out: set[str] = set()
    for name, wanted in words.items():
        own = [texts[i] for i in rows if sources[i] == name]
        rest = [texts[i] for i in rows if sources[i] != name]
        for word in wanted:
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
            share_own = sum(bool(pattern.search(t)) for t in own) / len(own)
            share_rest = sum(bool(pattern.search(t)) for t in rest) / len(rest) if rest else 0
            if share_own > 0 and share_own >= OUTLET_LIFT * share_rest:
                out.add(word)
    return out


def corpus_stop_words(df: pd.DataFrame, docs: list[str]) -> frozenset[str]:
    """All stop words for topic words on ``df``: per its languages, and its outlets'
    names (``docs``: the documents' text, aligned with ``df``)."""
    return stop_words(corpus_languages(df)) | frozenset(outlet_words(df, docs))
