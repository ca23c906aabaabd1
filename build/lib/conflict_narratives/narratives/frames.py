"""Frames: zero-shot scores for how a report tells its story.

Each frame is a handful of short descriptions (English and Arabic; ``resources/frames.yaml``,
extended by ``narratives.frames`` in the config) embedded with the corpus's own backend. A
document's raw score for a frame is its cosine similarity to the nearest of the frame's
descriptions (a frame has several sides — casualties and aid shortages are both "civilian
harm" — and the nearest side is what counts). Raw cosines are not comparable across frames
(some descriptions sit closer to all news prose), so scores are calibrated on the corpus:
each frame's similarity is moved ``centering`` of the way (default ½) from the shared mean
toward its own corpus mean, and divided by the pooled standard deviation (``z``); then
``softmax(z / temperature)`` gives per-document frame probabilities. The dominant frame is
the top one when its z reaches ``min_z``; otherwise the document is ``"none"``. Shares are
reported with the counts behind them. ``centering`` ½ was chosen by measurement (see
``reports/benchmarks/narratives.md``): 0 lets one frame take most documents of a corpus
(terrorism, 75% of fa-kes), 1 balances frames by construction and loses agreement where a
corpus really is dominated by one frame.

Validation (:func:`keyword_validation`): documents whose frame is obvious from their words —
one frame's keywords (Arabic and English, whole words on normalised text) hit at least
``min_hits`` times and ``dominance`` times more than any other frame's — are compared with
the scorer's top frame (accuracy, macro-F1, n, per-frame counts).

What it cannot do: it measures topical closeness to a description, not stance. It cannot
tell who is blamed, whether a defeat is celebrated or mourned, irony, or quoted vs endorsed
framing; a report mixing frames gets one dominant frame; centring makes frames partly
relative to the corpus scored (in a corpus of battle reports "military operations" marks the
most military ones, not all of them), so compare shares across outlets and periods within
one scored corpus, not across corpora; it scores the embedded text view (title and lead by
default), not the whole article. The keyword check rewards the scorer for agreeing
with obvious cases only; it says nothing about subtle ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from conflict_narratives.common.periods import periods

NONE = "none"


@dataclass(frozen=True)
class Frame:
    name: str
    descriptions: tuple[str, ...]
    keywords: tuple[str, ...] = ()


def load_frames(settings: dict[str, Any] | None = None) -> list[Frame]:
    """Frames from ``narratives.frames.path`` (default: the packaged ``frames.yaml``), then
    ``narratives.frames.extra`` (a new name adds a frame, an existing one replaces it)."""
    conf = ((settings or {}).get("narratives") or {}).get("frames") or {}
    if conf.get("path"):
        text = Path(conf["path"]).read_text(encoding="utf-8")
    else:
        text = (resources.files("conflict_narratives").joinpath("resources/frames.yaml")
                .read_text(encoding="utf-8"))
    merged: dict[str, Frame] = {}
    for entry in [*(yaml.safe_load(text) or {}).get("frames", []), *(conf.get("extra") or [])]:
        if not entry.get("name") or not entry.get("descriptions"):
            raise ValueError(f"a frame needs a name and descriptions: {entry!r}")
        merged[entry["name"]] = Frame(entry["name"], tuple(map(str, entry["descriptions"])),
                                      tuple(map(str, entry.get("keywords") or ())))
    if len(merged) < 2:
        raise ValueError("frame scoring needs at least two frames")
    return list(merged.values())


class FrameScorer:
    """Zero-shot frame scorer (scikit-learn style: ``fit`` on corpus embeddings learns the
    calibration, ``transform`` scores rows).

    ``backend``: anything with ``.embed(texts) -> (n, d)`` L2-normalised rows — the same
    backend that embedded the corpus. ``centering`` in [0, 1]: 0 keeps raw cosines (one
    shared shift), 1 centres each frame on its own corpus mean; the z unit is the pooled
    standard deviation either way, so ``min_z`` and ``temperature`` keep their meaning."""

    def __init__(self, frames: list[Frame], backend, *, centering: float = 0.5,
                 temperature: float = 0.5, min_z: float = 0.5):
        if temperature <= 0:
            raise ValueError("temperature must be > 0")
        if not 0 <= centering <= 1:
            raise ValueError(f"centering must be within [0, 1], not {centering!r}")
        self.centering = float(centering)
        self.frames = list(frames)
        self.names = [f.name for f in self.frames]
        self.temperature = temperature
        self.min_z = min_z
        self.descriptions_ = np.asarray(
            backend.embed([d for f in frames for d in f.descriptions]), dtype=np.float32)
        self.frame_of_ = np.repeat(np.arange(len(frames)), [len(f.descriptions) for f in frames])

    def similarity(self, matrix: np.ndarray) -> np.ndarray:
        """Raw score of each row for each frame, ``(n, n_frames)``: the cosine similarity to
        the frame's nearest description."""
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[1] != self.descriptions_.shape[1]:
            raise ValueError(f"embeddings of shape {matrix.shape} do not match the frame "
                             f"descriptions' dimension {self.descriptions_.shape[1]}: embed "
                             "the corpus and the frames with the same backend")
        sim = matrix @ self.descriptions_.T
        return np.stack([sim[:, self.frame_of_ == k].max(axis=1)
                         for k in range(len(self.frames))], axis=1)

    def fit(self, matrix: np.ndarray) -> FrameScorer:
        """Learn the calibration from corpus embeddings: each frame's offset (its mean moved
        ``centering`` of the way from the shared mean) and the pooled standard deviation."""
        sim = self.similarity(matrix)
        if len(sim) < 2:
            raise ValueError("calibration needs at least two documents")
        self.mean_ = (self.centering * sim.mean(axis=0)
                      + (1 - self.centering) * sim.mean()).astype(np.float32)
        self.scale_ = max(float((sim - self.mean_).std()), 1e-6)
        return self

    def zscores(self, matrix: np.ndarray) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise RuntimeError("FrameScorer is not fitted: call fit(corpus_embeddings) first")
        return (self.similarity(matrix) - self.mean_) / self.scale_

    def transform(self, matrix: np.ndarray, doc_ids=None) -> pd.DataFrame:
        """Per row: ``doc_id, frame`` (dominant or ``"none"``), ``top_frame`` (argmax, always
        set), ``z`` (top z-score), then one probability column per frame (rows sum to 1)."""
        z = self.zscores(matrix)
        logits = z / self.temperature
        prob = np.exp(logits - logits.max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        top = z.argmax(axis=1)
        top_z = z[np.arange(len(z)), top]
        names = np.asarray(self.names, dtype=object)
        out = pd.DataFrame({
            "doc_id": list(doc_ids) if doc_ids is not None else np.arange(len(z)).astype(str),
            "frame": np.where(top_z >= self.min_z, names[top], NONE),
            "top_frame": names[top],
            "z": top_z.astype(float),
        })
        return pd.concat([out, pd.DataFrame(prob, columns=self.names)], axis=1)

    def fit_transform(self, matrix: np.ndarray, doc_ids=None) -> pd.DataFrame:
        return self.fit(matrix).transform(matrix, doc_ids)


def frame_shares(corpus: pd.DataFrame, doc_frames: pd.DataFrame, *,
                 freq: str | None = None) -> pd.DataFrame:
    """Frame shares per outlet (and period): ``[period], source, frame, n_docs_frame, n_docs,
    share, mean_prob`` — ``share`` = documents whose dominant frame it is / the outlet's
    documents (``"none"`` included, so shares sum to 1); ``mean_prob`` = mean soft score."""
    names = [c for c in doc_frames.columns if c not in ("doc_id", "frame", "top_frame", "z")]
    docs = corpus[["doc_id", "source"]].assign(period=periods(corpus, freq) if freq else None)
    docs = docs.merge(doc_frames, on="doc_id")
    docs = docs[docs["source"].notna()]
    keys = ["period", "source"] if freq else ["source"]
    if freq:
        docs = docs.dropna(subset=["period"])
    n = docs.groupby(keys).size().rename("n_docs")
    counts = (docs.groupby([*keys, "frame"]).size().unstack(fill_value=0)
              .reindex(columns=[*names, NONE], fill_value=0))
    long = counts.stack().rename("n_docs_frame").reset_index().merge(n.reset_index(), on=keys)
    mean_prob = docs.groupby(keys)[names].mean().stack().rename("mean_prob").reset_index()
    long = long.merge(mean_prob.rename(columns={mean_prob.columns[len(keys)]: "frame"}),
                      on=[*keys, "frame"], how="left")
    long["share"] = long["n_docs_frame"] / long["n_docs"]
    return long[[*keys, "frame", "n_docs_frame", "n_docs", "share", "mean_prob"]]


def keyword_labels(corpus: pd.DataFrame, frames: list[Frame], *, min_hits: int = 2,
                   dominance: float = 2.0) -> pd.DataFrame:
    """Documents whose frame is obvious from their words: ``doc_id, frame, hits, runner_up``
    where one frame's keyword hits are >= ``min_hits`` and >= ``dominance`` × every other
    frame's. Matching reuses the actor gazetteer machinery (whole words, Arabic proclitics)."""
    from conflict_narratives.narratives.actors import Gazetteer

    with_kw = [f for f in frames if f.keywords]
    if len(with_kw) < 2:
        raise ValueError("keyword validation needs keywords for at least two frames")
    gaz = Gazetteer.from_entries([{"name": f.name, "aliases": list(f.keywords)} for f in with_kw])
    hits = gaz.mentions(corpus)
    table = (hits.pivot_table(index="doc_id", columns="actor", values="count", aggfunc="sum")
             .reindex(columns=[f.name for f in with_kw]).fillna(0))
    values = table.to_numpy()
    order = np.sort(values, axis=1)
    best, second = order[:, -1], order[:, -2]
    keep = (best >= min_hits) & (best >= dominance * second)
    return pd.DataFrame({"doc_id": table.index[keep],
                         "frame": table.columns[values[keep].argmax(axis=1)],
                         "hits": best[keep].astype(int), "runner_up": second[keep].astype(int)})


def keyword_validation(labels: pd.DataFrame, doc_frames: pd.DataFrame) -> dict[str, Any]:
    """Agreement of the scorer's top frame with keyword labels: ``n``, ``accuracy``,
    ``macro_f1``, the majority-class baseline, and per frame ``n``/precision/recall/F1."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    merged = labels.merge(doc_frames[["doc_id", "top_frame", "frame"]].rename(
        columns={"frame": "dominant"}), on="doc_id")
    if merged.empty:
        return {"n": 0}
    y, p = merged["frame"], merged["top_frame"]
    names = sorted(set(y))
    prec, rec, f1, support = precision_recall_fscore_support(y, p, labels=names, zero_division=0)
    return {
        "n": int(len(merged)),
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "macro_f1": round(float(f1_score(y, p, labels=names, average="macro",
                                         zero_division=0)), 4),
        "majority_baseline": round(float(y.value_counts(normalize=True).iloc[0]), 4),
        "share_dominant_not_none": round(float((merged["dominant"] != NONE).mean()), 4),
        "per_frame": {n: {"n": int(s), "precision": round(float(a), 3),
                          "recall": round(float(b), 3), "f1": round(float(c), 3)}
                      for n, a, b, c, s in zip(names, prec, rec, f1, support, strict=True)},
    }
