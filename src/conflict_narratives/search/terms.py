"""Words as search sees them: the one normalisation that documents, queries and the
explore view's search box share.

- :func:`fold`: the topic words' analysis normalisation
  (:func:`common.textnorm.normalize_for_analysis`: NFKC, diacritics, tatweel and invisible
  characters out, alef forms → ا, ى → ي, ة → ه, Arabic-Indic digits → ASCII, lower case),
  then accents off Latin letters (``armée`` → ``armee``; Arabic letters are left alone).
- :func:`words`: the words (runs of letters and digits) of a folded text.
- :func:`forms`: the spellings a query word matches: itself and, for an Arabic word, the
  word behind the proclitics the analysis strips (و ف ب ك ل and their pairs, as in the actor
  gazetteer), with and without the article (ال, and لل for ل + ال; the article is dropped
  only where three letters remain, so ``الله`` does not find ``له``). So ``الغوطه`` finds
  ``الغوطة``, ``والغوطة``, ``بالغوطة``, ``للغوطة`` and ``غوطة``, and ``غوطة`` finds them too.
- :func:`term_hashes`: the 64-bit hashes the index stores instead of the words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

from conflict_narratives.common.textnorm import normalize_for_analysis

__all__ = ["PROCLITICS", "fold", "forms", "term", "term_hashes", "words", "raw_tokens"]

# Arabic proclitics: an optional conjunction (و/ف), then an optional preposition (ب/ك/ل)
PROCLITICS = ("و", "ف", "ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")
ARTICLE = "ال"
_WORD = re.compile(r"\w+")
_LATIN_ACCENTED = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_COMBINING = re.compile("[\u0300-\u036f]")
# a word of display text: letters and digits with the Arabic marks and joiners inside it
_RAW = re.compile(r"[\w\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b\u200d\u00ad]+")


def fold(text: str) -> str:
    """``text`` normalised for matching: the analysis normalisation, then Latin accents off."""
    text = normalize_for_analysis(text)
    if _LATIN_ACCENTED.search(text):
        text = unicodedata.normalize(
            "NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))
    return text


def words(text: str) -> list[str]:
    """The folded words of ``text`` (stop words included: phrases need them)."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1 << 17)
def term(token: str) -> str:
    """One word of display text (see :func:`raw_tokens`) folded: ``الغوطَة`` → ``الغوطه``."""
    return " ".join(words(token))


def raw_tokens(text: str):
    """The words of display text with their spans (``re.Match`` objects), diacritics and
    tatweel kept inside a word, as :func:`term` expects them."""
    return _RAW.finditer(text)


def _arabic(word: str) -> bool:
    return "\u0600" <= word[:1] <= "\u06ff"


def forms(word: str) -> list[str]:
    """The indexed spellings a folded query word matches (see the module docstring)."""
    if not _arabic(word) or len(word) < 2:
        return [word]
    bare = word[len(ARTICLE):] if word.startswith(ARTICLE) else word
    bases = [word, ARTICLE + bare] + ([bare] if len(bare) >= 3 else [])
    out = [*bases, *(p + b for p in PROCLITICS for b in bases
                     if not (p.endswith("ل") and b.startswith(ARTICLE)))]
    out += [c + "لل" + bare for c in ("", "و", "ف")]  # ل + ال with the alef dropped
    return list(dict.fromkeys(out))


def term_hashes(terms) -> np.ndarray:
    """Stable 64-bit hashes of ``terms`` (blake2b), as int64."""
    return np.array([int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(),
                                    "little", signed=True) for t in terms], dtype=np.int64)
