"""Topics versions of a living corpus: the uncurated fit kept apart from its curation,
matched to the version a refit replaces, and versions an update writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def raw_of(path: Path):
    """The uncurated result of a topics version (``raw/`` when it was curated)."""
    from conflict_narratives.topics import TopicResult

    return TopicResult.load(path / "raw" if (path / "raw" / "meta.json").is_file() else path)


def find_raw(run, raw_key: str):
    """A saved uncurated result for ``raw_key``: a version made without curation, or the
    ``raw/`` of a curated one (so a changed curation file never refits)."""
    hit = run.store.find(run.name, "topics", raw_key)
    if hit is not None:
        return raw_of(hit[0])
    root = run.store.stage_root(run.name, "topics")
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        marker = run.store.marker(path / "raw")  # also where the curation failed
        if marker is not None and marker.get("key") == raw_key:
            return raw_of(path)
    return None


def curate(run, raw):
    """``raw`` with the corpus's curation file applied (``raw`` itself when there is none);
    each entry follows the topic it first named (its anchor, saved beside the file)."""
    from conflict_narratives.embeddings import embed_corpus
    from conflict_narratives.topics.curation import apply_curation

    if not run.curation:
        return raw

    def embed(texts: list[str]) -> np.ndarray:
        frame = pd.DataFrame({"doc_id": [f"codebook-{i}" for i in range(len(texts))],
                              "text": texts})
        return embed_corpus(frame, backend=run.backend, settings=run.settings, progress=False,
                            cache_dir=run.store.embeddings_dir).matrix

    mon = run.settings["monitor"]
    curated = apply_curation(raw, run.curation, embed=embed,
                             anchors=run.store.read_anchors(run.name),
                             min_similarity=float(run.settings["curation"]
                                                  ["zero_shot_min_similarity"]),
                             min_share=float(mon["split_share"]),
                             match_similarity=float(mon["match_similarity"]))
    run.store.write_anchors(run.name, curated.meta["curation"]["anchors"])
    return curated


def conflicts(result) -> list[str]:
    """The curation's conflicts in ``result`` (an entry's words against its anchor: moved,
    split, merged, gone), one actionable line each."""
    return [c["detail"] for c in (result.meta.get("curation") or {}).get("conflicts", [])]


def _previous_version(run) -> Path | None:
    """The topics version a refit replaces: the one the corpus marker names, else the most
    recently used one (only for a corpus whose topics live through updates)."""
    marker = run.corpus_marker()
    if not marker.get("topic_model"):
        return None
    hit = run.store.find(run.name, "topics", marker.get("refit_of") or "")
    if hit is not None:
        return hit[0]
    versions = run.store.versions(run.name, "topics")
    return versions[0][0] if versions else None


def build_topics(run, path: Path, stability: bool = False):
    """The topics stage of ``run`` into ``path``: the saved uncurated result when only the
    curation changed, else a fit (matched to the topics it replaces when the corpus's topics
    live through updates); then the curation. Returns the curated result."""
    from conflict_narratives.topics.matching import carry_over, match_topics

    raw_key = run.topics_key(raw=True)
    raw = None if stability else find_raw(run, raw_key)
    if raw is None:
        raw = run.fit_topics(path, stability, run.curation.seed_topic_list())
        before = _previous_version(run)
        if before is not None:
            old = raw_of(before)
            mon = run.settings["monitor"]
            table = match_topics(old, raw, min_similarity=float(mon["match_similarity"]),
                                 min_share=float(mon["split_share"]))
            raw = carry_over(old, raw, table)
            raw.meta["matching"] = table.status.value_counts().to_dict()
            run.store.write_tables(path / "matching", {"matching": table},
                                   {"refit_of": before.name})
    if run.curation:  # kept first: a mistake in the curation file never costs the fit
        raw.save(path / "raw")
        run.store.mark(path / "raw", raw_key, {}, 0.0)
    return curate(run, raw)


def save_topics(run, keys: tuple[str, str], raw, curated, summary: dict, seconds: float
                ) -> Path:
    """A topics version made outside the stage's own build (an update's); ``keys``: its
    key and its uncurated result's."""
    path = run.store.stage_dir(run.name, "topics", keys[0])
    if curated is not raw:
        raw.save(path / "raw")
        run.store.mark(path / "raw", keys[1], {}, 0.0)
    curated.save(path)
    run.store.mark(path, keys[0], summary, seconds)
    run.store.evict(run.name, "topics", int(run.settings["store"]["keep_versions"]))
    return path
