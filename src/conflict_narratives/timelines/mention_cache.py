"""The days each document names, read once and kept per document.

Reading date expressions (:func:`date_selection.date_mentions`) costs seconds per thousand
documents and depends only on a document's title, text and publication day, never on the
topics: a topic-setting change, a new time step or an update of the corpus reads again only
the documents it has not seen. Each document is keyed on a hash of its title, text,
publication day and the reader's code; the days are kept in shards of the ``mentions``
product (``data/interim/mentions/<key>.npz``: ``keys``, SHA-1 digests; ``offsets``; ``days``
as ordinals), one written for each batch of documents not found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import numpy as np
import pandas as pd

from conflict_narratives.store import Store, code_fingerprint, make_key
from conflict_narratives.timelines.date_selection import _doc_text, _pub_days, date_mentions

KIND = "mentions"
log = logging.getLogger(__name__)


def mention_keys(df: pd.DataFrame) -> list[bytes]:
    """Each dated row's key: its title and text, publication day and the reader's code."""
    code = code_fingerprint("timelines/date_mentions", "timelines/date_selection").encode()
    return [hashlib.sha1(code + str(pub).encode() + b"\0" + text.encode("utf-8")).digest()
            for text, pub in zip(_doc_text(df), _pub_days(df), strict=True)]


def _kept(store: Store, wanted: set[bytes]) -> dict[bytes, list[dt.date]]:
    """The kept days of the ``wanted`` keys, from every shard."""
    found: dict[bytes, list[dt.date]] = {}
    for shard in store.array_keys(KIND):
        arrays = store.load_arrays(KIND, shard)
        if arrays is None:
            continue
        blob, offsets, days = arrays["keys"].tobytes(), arrays["offsets"], arrays["days"]
        for i in range(len(offsets) - 1):
            key = blob[20 * i:20 * i + 20]
            if key in wanted and key not in found:
                found[key] = [dt.date.fromordinal(int(d))
                              for d in days[offsets[i]:offsets[i + 1]]]
    return found


def _keep(store: Store, keys: list[bytes], mentions: list[list[dt.date]]) -> None:
    """One shard holding ``mentions`` under ``keys``."""
    lengths = np.fromiter((len(m) for m in mentions), np.int64, len(mentions))
    store.save_arrays(KIND, make_key(keys=[k.hex() for k in keys]), {
        "keys": np.frombuffer(b"".join(keys), np.uint8).reshape(-1, 20),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]),
        "days": np.fromiter((d.toordinal() for m in mentions for d in m), np.int32,
                            int(lengths.sum()))})


def cached_mentions(df: pd.DataFrame, store: Store, *, max_bytes: float | None = None
                    ) -> list[list[dt.date]]:
    """The days each row of ``df`` names (``date_mentions``; none for a row without a
    date), read only for the documents ``store`` does not keep yet; then the ``mentions``
    product is pruned to ``max_bytes``."""
    out: list[list[dt.date]] = [[] for _ in range(len(df))]
    rows = np.flatnonzero(df["date"].notna().to_numpy())
    if not len(rows):
        return out
    dated = df.iloc[rows]
    keys = mention_keys(dated)
    kept = _kept(store, set(keys))
    todo = [i for i, key in enumerate(keys) if key not in kept]
    if todo:
        read = date_mentions(dated.iloc[todo])
        _keep(store, [keys[i] for i in todo], read)
        kept |= dict(zip((keys[i] for i in todo), read, strict=True))
        if max_bytes is not None:
            store.prune(KIND, max_bytes)
    log.info("date mentions: %d documents read, %d kept from before", len(todo),
             len(rows) - len(todo))
    for row, key in zip(rows, keys, strict=True):
        out[row] = kept[key]
    return out
