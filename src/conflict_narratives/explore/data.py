"""The tables behind the interactive view, made from a run's results: one row per document on
the map (a seeded sample past ``max_points``), the topics, the events with the documents
each covers, the time bins, and the texts packed for the page as gzip'd UTF-8 (as Bokeh's JSON
strings an Arabic letter would take a six-byte escape)."""

from __future__ import annotations

import base64
import gzip
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from conflict_narratives.common.periods import (
    choose_freq,
    dense_span,
    period_range,
    period_start,
    usable_dates,
)
from conflict_narratives.common.textnorm import lead

log = logging.getLogger(__name__)
RTL = ("ar", "fa", "ur", "he", "ps", "ku", "yi")
_ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")
GREY = "#D9D9D9"


@dataclass
class ExploreData:
    """What the page shows: ``docs`` (x, y, topic, colour, date in ms, outlet, lang, bin,
    hit), ``texts`` (title, else the text's lead, and excerpt per document, in ``docs``
    order),
    ``topics``, ``events`` (with ``members``: positions in ``docs``), time ``bins`` and
    ``counts`` (documents in the corpus, on the map, sampled, text length kept)."""

    docs: pd.DataFrame
    texts: list[list[str]]
    topics: pd.DataFrame
    events: pd.DataFrame
    bins: pd.DataFrame
    counts: dict[str, Any] = field(default_factory=dict)
    query: str = ""

    def packed(self) -> str:
        """The texts as the page carries them: UTF-8 JSON columns ``[titles, texts, outlets,
        langs, labels]``, gzip'd and base64'd; the browser inflates them natively once the
        map is drawn (the search normalises them there, a slice at a time)."""
        cols = [[t[0] for t in self.texts], [t[1] for t in self.texts],
                *(self.docs[c].tolist() for c in ("outlet", "lang", "label"))]
        raw = json.dumps(cols, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return base64.b64encode(gzip.compress(raw, compresslevel=5, mtime=0)).decode("ascii")


def _label(row) -> str:
    from conflict_narratives.figures.base import topic_label

    return topic_label(row.topic, getattr(row, "label", None), getattr(row, "words", None),
                       max_chars=60).translate(_ISOLATES)


def text_chars(n_docs: int, cfg) -> int:
    """How much of each text the page keeps: ``text_chars``, less for large corpora so the
    packed texts stay near ``text_budget_mb`` (about 0.9 bytes a character of Arabic news
    once gzip'd and base64'd in the page: ``bench/explore.py``), never under
    ``min_text_chars``."""
    budget = float(cfg["text_budget_mb"]) * 2**20 / 0.9 / max(n_docs, 1)
    return int(max(int(cfg["min_text_chars"]), min(int(cfg["text_chars"]), budget)))


def _sample(docs: pd.DataFrame, max_points: int, seed: int) -> pd.DataFrame:
    if len(docs) <= max_points:
        return docs
    keep = np.sort(np.random.default_rng(seed).choice(len(docs), max_points, replace=False))
    return docs.iloc[keep]


def _dates(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values, utc=True, errors="coerce")
    return dates.dt.tz_localize(None)


def explore_data(corpus: pd.DataFrame, doc_topics: pd.DataFrame, topic_info: pd.DataFrame,
                 events: pd.DataFrame | None = None, *, settings,
                 hits: pd.DataFrame | None = None, query: str = "",
                 n_corpus: int | None = None, n_unplaced: int = 0) -> ExploreData:
    """The view's tables from the corpus table (doc_id, title, text, source, lang, date),
    a topic result's ``doc_topics`` (doc_id, topic, x, y) and ``topic_info``, and a
    timeline's ``events``. ``hits``: semantic hits (doc_id, score) to highlight. Documents
    without map coordinates or of a hidden topic are left off and counted. ``n_corpus``:
    the corpus's size when ``corpus`` is a sample of it; ``n_unplaced``: its documents not
    in ``corpus`` that have no map coordinates (counted as left off)."""
    cfg, seed = settings["explore"], int(settings["seed"])
    if not {"x", "y"} <= set(doc_topics) or doc_topics[["x", "y"]].isna().any(axis=1).all():
        raise ValueError("the topic result has no document map (topics.doc_map.enabled is "
                         "off): refit with it on to explore")
    hidden = set(topic_info.loc[topic_info["hidden"].astype(bool), "topic"]) \
        if "hidden" in topic_info else set()
    dt = doc_topics.assign(doc_id=doc_topics["doc_id"].astype(str))
    columns = [c for c in ("doc_id", "title", "text", "source", "lang", "date", "date_status")
               if c in corpus]
    docs = dt[["doc_id", "topic", "x", "y"]].merge(
        corpus[columns].assign(doc_id=corpus["doc_id"].astype(str)), on="doc_id", how="inner")
    placed = docs[["x", "y"]].notna().all(axis=1) & ~docs["topic"].isin(hidden)
    counts = {"corpus": n_corpus or len(corpus),
              "unplaced": int((~placed).sum()) + int(n_unplaced)}
    docs = _sample(docs[placed].reset_index(drop=True), int(cfg["max_points"]), seed)
    docs = docs.reset_index(drop=True)
    counts |= {"shown": len(docs), "sampled": counts["corpus"] - counts["unplaced"] > len(docs)}
    info = topic_info[~topic_info["topic"].isin(hidden)]
    topics = _topics(info, docs)
    colour = dict(zip(topics["topic"], topics["colour"], strict=True))
    label = dict(zip(topics["topic"], topics["label"], strict=True)) | {-1: "outliers"}
    date = _dates(docs["date"]) if "date" in docs else pd.Series(pd.NaT, index=docs.index)
    chars = text_chars(len(docs), cfg)
    counts |= {"text_chars": chars, "n_labels": int(cfg["n_labels"])}
    titles = docs["title"].fillna("").astype(str) if "title" in docs else pd.Series("", docs.index)
    bodies = docs["text"].fillna("").astype(str) if "text" in docs else pd.Series("", docs.index)
    titles = [t.strip() or lead(b) for t, b in zip(titles, bodies, strict=True)]  # posts: lead
    excerpts = [b if len(b) <= chars else b[:chars].rsplit(" ", 1)[0] + " …" for b in bodies]
    texts = [[t, e] for t, e in zip(titles, excerpts, strict=True)]
    frame = pd.DataFrame({
        "doc_id": docs["doc_id"], "x": docs["x"].astype("float32"),
        "y": docs["y"].astype("float32"), "topic": docs["topic"].astype("int32"),
        "colour": docs["topic"].map(colour).fillna(GREY),
        "label": docs["topic"].map(label).fillna("").astype(str),
        "date": (date - pd.Timestamp(0)).dt.total_seconds() * 1000.0,
        "outlet": docs["source"].fillna("").astype(str) if "source" in docs else "",
        "lang": docs["lang"].fillna("").astype(str) if "lang" in docs else "",
        "hit": _hits(docs["doc_id"], hits, counts)})
    usable = _dates(usable_dates(docs)) if "date" in docs else date  # NaT: out of range
    bins, frame["bin"] = _bins(usable, settings["timelines"]["edge_min_fraction"])
    counts["off_axis"] = int((date.notna() & (frame["bin"] < 0)).sum())
    return ExploreData(frame, texts, topics, _events(events, frame), bins, counts, query)


def _topics(info: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Topics by size on the map, with their colour (the static map's order and palette),
    words, and their label's place (the median of their documents)."""
    from conflict_narratives.figures.base import palette

    info = info[info["topic"] != -1]
    sizes = docs.loc[docs["topic"] != -1, "topic"].value_counts()
    info = info.assign(n=info["topic"].map(sizes).fillna(0).astype(int))
    info = info[info["n"] > 0].sort_values(["n", "topic"], ascending=[False, True])
    centre = docs.groupby("topic")[["x", "y"]].median()
    return pd.DataFrame({
        "topic": info["topic"].astype(int).to_numpy(), "n": info["n"].to_numpy(),
        "label": [_label(r) for r in info.itertuples()],
        "words": [" · ".join(map(str, list(w)[:8])) for w in info["words"]]
        if "words" in info else "",
        "colour": palette(len(info)),
        "cx": centre.reindex(info["topic"])["x"].to_numpy(),
        "cy": centre.reindex(info["topic"])["y"].to_numpy()})


def _hits(ids: pd.Series, hits: pd.DataFrame | None, counts: dict) -> np.ndarray:
    """1 for each document among the semantic ``hits`` (doc_id, score), else 0."""
    if hits is None:
        return np.zeros(len(ids), dtype="float32")
    if not {"doc_id", "score"} <= set(hits):
        raise ValueError(f"hits need doc_id and score columns, not {list(hits.columns)}")
    hit = ids.isin(set(hits["doc_id"].astype(str)))
    counts["hits"], counts["hits_on_map"] = len(hits), int(hit.sum())
    return hit.to_numpy(dtype="float32")


def _bins(date: pd.Series, min_fraction: float | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Time bins for the histogram (day, week or month by the span) and each document's
    bin (-1: undated, or outside the axis). ``date``: usable dates only (NaT where the
    loader marked a date out of range); as on the timeline figures, the axis keeps the
    periods from the first to the last holding ``min_fraction`` × the median period's
    documents, so a few stray early or late reports do not stretch it, and the bins are
    those of the span kept (weeks for a year of news, not the months of its strays)."""
    if date.notna().sum() == 0:
        return pd.DataFrame({"left": [], "right": [], "n": [], "hl": []}), \
            np.full(len(date), -1, dtype="int32")
    freq = choose_freq(date)
    period = period_start(date.dropna(), freq)
    span = dense_span(period.value_counts(), freq, min_fraction)
    kept = date[period[period.between(*span)].index] if span is not None else date
    if choose_freq(kept) != freq:  # the kept span's own bins: finer than the strays allowed
        freq = choose_freq(kept)
        period = period_start(kept, freq)
        span = dense_span(period.value_counts(), freq, min_fraction)
    first, last = span if span is not None else (period.min(), period.max())
    starts = period_range(first, last, freq)
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1),
            "month": pd.DateOffset(months=1)}[freq]
    ms = (starts - pd.Timestamp(0)).total_seconds().to_numpy() * 1000.0
    right = ((starts + step) - pd.Timestamp(0)).total_seconds().to_numpy() * 1000.0
    doc_ms = ((date - pd.Timestamp(0)).dt.total_seconds() * 1000.0).to_numpy()
    index = np.searchsorted(ms, doc_ms, side="right") - 1
    index = np.where(np.isnan(doc_ms) | (doc_ms >= right[-1]), -1, index).astype("int32")
    n = np.bincount(index[index >= 0], minlength=len(ms))
    return pd.DataFrame({"left": ms, "right": right, "n": n, "hl": np.zeros(len(ms))}), index


def _events(events: pd.DataFrame | None, docs: pd.DataFrame) -> pd.DataFrame:
    """Events (bursts, stories, days), best-ranked first (by date where there is no
    ``rank``), with ``members``: the positions of their documents on the map, the event's
    topic between its ``start`` and the end of its ``end`` day (``n_docs``: the event's own
    count, which a sampled map may show only part of)."""
    cols = ["rank", "date", "level", "label", "n_docs", "summary", "start", "end", "members"]
    if events is None or events.empty:
        return pd.DataFrame(columns=cols)
    ev = events.sort_values(["rank", "date"] if "rank" in events else "date",
                            ignore_index=True)  # the ranking's order: what matters first
    start = (_dates(ev["start"]) - pd.Timestamp(0)).dt.total_seconds() * 1000.0
    end = (_dates(ev["end"]) + pd.Timedelta(days=1) - pd.Timestamp(0)).dt.total_seconds() * 1000
    topic, date = docs["topic"].to_numpy(), docs["date"].to_numpy()
    members = [np.flatnonzero((topic == t) & (date >= s) & (date < e)).tolist()
               for t, s, e in zip(ev["topic"], start, end, strict=True)]
    return pd.DataFrame({
        "rank": np.arange(1, len(ev) + 1),
        "date": _dates(ev["date"]).dt.strftime("%Y-%m-%d"),
        "level": ev["level"].astype(str) if "level" in ev else "topic",
        "label": ev["label"].astype(str).str.translate(_ISOLATES),
        "n_docs": ev["n_docs"].astype("int64") if "n_docs" in ev else [len(m) for m in members],
        "summary": ev["summary"].fillna("").astype(str) if "summary" in ev else "",
        "start": start, "end": end, "members": members})
