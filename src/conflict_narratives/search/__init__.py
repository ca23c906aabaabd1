"""Search a corpus in Python (``run.search``) and on the command line (``conflict-narratives
search``): by words, with the analysis's normalisation (:mod:`.terms`), quoted phrases and
AND / OR / NOT (:mod:`.query`), on a word index kept in the store (:mod:`.index`); or by
meaning, with the corpus's own embeddings (:mod:`.searcher`).

>>> import conflict_narratives as cn
>>> run = cn.open("ant-multisource")
>>> run.search("الغوطه")                        # finds "الغوطة", "بالغوطة", …
>>> run.search("chemical attack", mode="semantic", since="2018-04-01")   # Arabic reports
>>> run.search('"القوات العراقية" AND NOT داعش', outlet="aljazeera")

The normalisation shared with other views (the explore page's search box):
:func:`terms.fold`, :func:`terms.words`, :func:`terms.forms`, :func:`terms.term`.
"""

from conflict_narratives.search.index import WordIndex, frame_sources, open_index, part_sources
from conflict_narratives.search.searcher import COLUMNS, MODES, Searcher, describe
from conflict_narratives.search.terms import fold, forms, term, words

__all__ = ["COLUMNS", "MODES", "Searcher", "WordIndex", "describe", "fold", "forms",
           "frame_sources", "open_index", "part_sources", "term", "words"]
