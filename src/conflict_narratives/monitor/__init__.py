"""A topic model that lives: the orchestration behind ``Pipeline.update`` and
``Pipeline.refit`` and the curated topics stage (the substance is in the stage modules:
``corpus.updates``, ``topics.update``, ``topics.emerging``, ``topics.matching``,
``topics.curation``).

An update reads new files with the corpus's own mapping, drops what the corpus already
holds, embeds only the new texts, places them in the fitted topics (ids, labels, words
unchanged), pools those that fit no topic into emerging-story candidates, and writes a new
corpus version, a topics version derived from the current one, and an update record
(``data/processed/<name>/updates/<n>/``). The corpus marker is written last: an update
that fails leaves the corpus as it was. The topics key of an updated corpus carries the
model it extends (``topic_model`` in the corpus marker), so a later refit — on request or
because the code changed — is matched to the topics it replaces and keeps their ids and
names.
"""

from conflict_narratives.monitor.history import history, record
from conflict_narratives.monitor.updates import dedup_index, do_refit, update
from conflict_narratives.monitor.versions import build_topics, conflicts, find_raw, raw_of

__all__ = ["build_topics", "conflicts", "dedup_index", "do_refit", "find_raw", "history",
           "raw_of", "record", "update"]
