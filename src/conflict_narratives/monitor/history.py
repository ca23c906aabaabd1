"""Reading a corpus's updates back: one row per update, and one update's tables."""

from __future__ import annotations

from typing import Any

import pandas as pd


def history(run) -> pd.DataFrame:
    """One row per update of the corpus: when, what it added, skipped, left outside topics."""
    rows = []
    for path, marker in run.store.updates(run.name):
        tables, meta = run.store.read_tables(path, ["assignments", "candidates"])
        cands = tables["candidates"]
        rows.append({"update": int(path.name), "created": marker.get("created"),
                     "files": len(meta.get("files", [])),
                     "added": marker["summary"].get("added"),
                     "duplicates": marker["summary"].get("duplicates"),
                     "outside_topics": int(tables["assignments"]["far"].sum()),
                     "candidates": int((cands["status"] != "quiet").sum()),
                     "emerging": int((cands["status"] == "emerging").sum()),
                     "seconds": marker.get("seconds")})
    return pd.DataFrame(rows, columns=["update", "created", "files", "added", "duplicates",
                                       "outside_topics", "candidates", "emerging", "seconds"])


def record(run, number: int | None = None) -> dict[str, Any]:
    """The tables of one update (default: the last): ``added`` per topic, ``candidates``,
    ``assignments``, ``rejects`` and ``meta`` (its files; ``update``: its number)."""
    done = run.store.updates(run.name)
    if not done:
        raise ValueError(f"{run.name} has no updates yet (conflict-narratives update NAME FILE)")
    path = done[-1][0] if number is None else run.store.update_dir(run.name, number)
    tables, meta = run.store.read_tables(path, ["added", "candidates", "assignments",
                                                "rejects"])
    return {**tables, "meta": {**meta, "update": int(path.name)}}
