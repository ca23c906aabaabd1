"""Offline language identification (language)."""

import pytest

from conflict_narratives.common.language import UNDETERMINED, detect_language, detect_languages

NEWS = {
    "ar": (
        "قال مسؤولون إن القوات الحكومية استعادت السيطرة على عدة قرى في ريف إدلب بعد معارك عنيفة."
    ),
    "en": (
        "Officials said government forces regained control of "
        "several villages near Idlib after heavy fighting."
    ),
    "fr": (
        "Des responsables ont déclaré que les forces "
        "gouvernementales avaient repris plusieurs villages près d'Idleb."
    ),
    "es": (
        "Los funcionarios dijeron que las fuerzas del gobierno "
        "recuperaron el control de varias aldeas cerca de Idlib."
    ),
    "it": (
        "I funzionari hanno detto che le forze governative hanno "
        "ripreso il controllo di diversi villaggi vicino a Idlib."
    ),
    "fa": (
        "مقامات گفتند که نیروهای دولتی کنترل چند روستا در "
        "نزدیکی ادلب را پس از درگیری‌های شدید به دست گرفتند."
    ),
    "de": (
        "Beamte sagten, die Regierungstruppen hätten nach "
        "schweren Kämpfen mehrere Dörfer bei Idlib zurückerobert."
    ),
}


@pytest.mark.parametrize("lang", sorted(NEWS))
def test_news_languages(lang):
    assert detect_language(NEWS[lang]) == lang


def test_short_or_empty_is_undetermined():
    assert detect_languages(["", "ok", "12345 67890 !!!", None]) == [UNDETERMINED] * 4


def test_restricted_language_set():
    assert detect_language(NEWS["it"], languages=["en", "it"]) == "it"
    assert detect_language(NEWS["fr"], languages=["en", "ar"]) in {"en", "ar"}
