"""An event's words are what sets its headlines apart in its topic (timelines.terms)."""

import numpy as np
import pandas as pd
import pytest

from conflict_narratives.timelines.terms import distinctive_terms, headline, headline_terms


def _topic(titles: list[str], texts: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({"title": titles, "text": texts or [""] * len(titles)})


ROUTINE = [f"Air strikes kill {n} civilians in Syria, monitor says" for n in range(3, 23)]
KOBANI = ["Islamic State fighters advance on Kobani in Syria",
          "Kurds hold out in Kobani as air strikes hit Syria",
          "Kobani: Kurdish fighters push back jihadists"]


def test_the_events_own_words_come_first_and_the_topics_words_not_at_all():
    docs = _topic(ROUTINE + KOBANI)
    X, terms = headline_terms(docs)
    member = np.arange(len(docs)) >= len(ROUTINE)
    words = distinctive_terms(X, terms, member)
    assert words[0] == "kobani"
    assert "syria" not in words and "strikes" not in words  # said by the whole topic
    assert len(words) == len(set(words))
    # a word of one of the three headlines only is not the event's
    assert "advance" not in words
    # the routine days have no word of their own beyond their template
    assert "kobani" not in distinctive_terms(X, terms, ~member)


def test_untitled_documents_are_read_by_their_first_sentence_and_arabic_words_survive():
    texts = ["قصف على إدلب اليوم. تفاصيل أخرى"] * 6 + [
        "هجوم على الحديدة في اليمن. تفاصيل", "معركة الحديدة مستمرة. تفاصيل"]
    docs = _topic([""] * len(texts), texts)
    X, terms = headline_terms(docs)
    words = distinctive_terms(X, terms, np.arange(len(docs)) >= 6)
    assert any("الحديد" in w for w in words)
    assert not any("تفاصيل" in w for w in words)  # after the first sentence


def test_one_document_events_and_empty_headlines_give_what_they_can():
    docs = _topic(ROUTINE + ["Ceasefire agreed in Aleppo"])
    X, terms = headline_terms(docs)
    one = np.arange(len(docs)) == len(ROUTINE)
    assert "ceasefire" in distinctive_terms(X, terms, one)
    assert distinctive_terms(X, terms, np.zeros(len(docs), bool)) == []
    X, terms = headline_terms(_topic(["", "the"], ["", ""]))
    assert X.shape == (2, 0) and distinctive_terms(X, terms, np.ones(2, bool)) == []


@pytest.mark.parametrize(("text", "expected"), [
    # an abbreviation ends no sentence: not "By the CNN Wire Staff NEW: The U.N."
    ("By the CNN Wire Staff NEW: The U.N. Security Council votes on a no-fly zone. More.",
     "By the CNN Wire Staff NEW: The U.N. Security Council votes on a no-fly zone."),
    ("Gen. Smith said the U.S. forces will leave. Then more.",
     "Gen. Smith said the U.S. forces will leave."),
    # a post's first line is its headline; a one-word line is joined to the next
    ("Sirens in Sderot\nResidents were told to stay near shelters.", "Sirens in Sderot"),
    ("🔴 BREAKING\n\nSirens sounded in Sderot. Residents were told to stay near shelters.",
     "🔴 BREAKING Sirens sounded in Sderot."),
    ("أعلنت الأمم المتحدة أن آلاف المدنيين نزحوا من الحديدة. وقالت المنظمة إن",
     "أعلنت الأمم المتحدة أن آلاف المدنيين نزحوا من الحديدة."),
    ("", ""),
])
def test_a_headline_from_a_text_without_title(text, expected):
    assert headline(pd.Series({"title": None, "text": text})) == expected


def test_a_long_lead_is_cut_at_a_word():
    text = "word " * 100
    made = headline(pd.Series({"text": text}))
    assert 100 < len(made) <= 200 and made.endswith("word")
    assert headline(pd.Series({"title": " Title ", "text": text})) == "Title"
