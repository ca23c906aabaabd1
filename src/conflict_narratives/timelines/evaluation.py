"""Evaluation of event timelines against journalists' timelines, as in news timeline
summarisation (news-tls, Gholipour Ghalandari & Ifrim, ACL 2020): reading Timeline17
references, date precision/recall/F1 of a date selection
(:mod:`~conflict_narratives.timelines.date_selection`) with the news-tls protocol, and
their averages. ROUGE of timeline summaries is in :mod:`~conflict_narratives.timelines.rouge`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import conflict_narratives.timelines.date_selection as ds
from conflict_narratives.timelines.date_ranker import select_days
from conflict_narratives.timelines.date_selection import DEFAULT_METHOD, METHODS, select_dates

__all__ = ["DEFAULT_METHOD", "METHODS", "date_prf", "evaluate_dates", "read_reference_timelines",
           "select_dates", "summarize_evaluation", "t17_timelines_path", "fit_weights",
           "weight_grid"]


def date_prf(predicted: Iterable[dt.date], reference: Iterable[dt.date]) -> dict[str, float]:
    """Date precision, recall and F1 of a predicted date set against a reference set."""
    pred, ref = set(predicted), set(reference)
    shared = len(pred & ref)
    p = shared / len(pred) if pred else 0.0
    r = shared / len(ref) if ref else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def read_reference_timelines(path: str | Path) -> list[list[tuple[dt.date, list[str]]]]:
    """Ground-truth timelines from a news-tls ``timelines.jsonl`` (one timeline per line:
    ``[[date, [sentences]], ...]``)."""
    timelines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            items = json.loads(line)
            timelines.append([(dt.date.fromisoformat(d[:10]), sents) for d, sents in items])
    if not timelines:
        raise ValueError(f"no timeline in {path}")
    return timelines


def t17_timelines_path(name: str, search: Sequence[Path] | None = None) -> Path:
    """``timelines.jsonl`` of a ``t17:<Topic>`` corpus, searched in ``search`` (default: the
    project store's data path)."""
    from conflict_narratives.store import Store

    search = list(search) if search is not None else Store().data_path()
    if not name.startswith("t17:"):
        raise ValueError(f"reference timelines exist for t17:<Topic> corpora only, not {name!r}")
    topic = name.split(":", 1)[1]
    for root in search:
        for folder in ("t17-conflict", "t17", "Timeline17"):
            path = root / folder / topic / "timelines.jsonl"
            if path.is_file():
                return path
    raise FileNotFoundError(f"timelines.jsonl for {topic!r} not found under {search}")


def evaluate_dates(
    df: pd.DataFrame,
    timelines: Sequence[Sequence[tuple[dt.date, object]]],
    *,
    methods: Sequence[str] = (DEFAULT_METHOD, "learned", "pubcount"),
    **select_kw,
) -> pd.DataFrame:
    """Score date selection against each reference timeline, news-tls protocol: ``l`` = the
    reference's number of dates, input restricted to the reference's first..last date (the
    T17 setting, extension 0). One row per (timeline, method) with precision/recall/f1;
    ``select_kw`` go to :func:`select_dates` (``weights``, ``by``, ``languages``);
    ``learned``: the trained ranker (:func:`.date_ranker.select_days`, ``by`` only)."""
    rows = []
    for i, timeline in enumerate(timelines):
        ref = sorted({d for d, _ in timeline})
        for method in methods:
            pred = select_days(df, len(ref), start=ref[0], end=ref[-1],
                               by=select_kw.get("by")) if method == "learned" else \
                select_dates(df, len(ref), method=method, start=ref[0], end=ref[-1],
                             **select_kw)
            rows.append({"timeline": i, "method": method, "l": len(ref), **date_prf(pred, ref)})
    return pd.DataFrame(rows)


def summarize_evaluation(scores: pd.DataFrame) -> dict[str, float]:
    """Average precision/recall/F1 over timelines for each method (news-tls averages per
    timeline): ``date_f1`` etc. for the default method, ``<method>_date_f1`` for the others."""
    mean = scores.groupby("method")[["precision", "recall", "f1"]].mean()
    out: dict[str, float] = {}
    for method, row in mean.iterrows():
        prefix = "date" if method == DEFAULT_METHOD else f"{method}_date"
        out |= {f"{prefix}_f1": row["f1"], f"{prefix}_precision": row["precision"]}
        out[f"{prefix}_recall"] = row["recall"]
    return {k: round(float(v), 4) for k, v in out.items()}


def weight_grid(values: Mapping[str, Sequence[float]]) -> list[dict[str, float]]:
    """Every combination of per-feature weight values (``published`` fixed to 1 if absent:
    only ratios matter)."""
    values = {"published": [1.0], **values}
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def fit_weights(
    collections: Mapping[str, Sequence[tuple[pd.DataFrame, list[dt.date]]]],
    grid: Sequence[Mapping[str, float]],
) -> tuple[dict[str, float], pd.DataFrame]:
    """Grid search: the weights with the best date F1 averaged over ``collections``
    (name → [(features of the reference's span, reference dates), ...]); ties go to the
    combination listed first. Returns ``(best weights, F1 per weights × collection)``."""
    rows = []
    for weights in grid:
        row = {}
        for name, items in collections.items():
            f1 = [date_prf(ds.rank_dates(ds.date_scores(f, "weighted", weights), len(ref)),
                           ref)["f1"] for f, ref in items]
            row[name] = float(np.mean(f1))
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(
        [tuple(w.values()) for w in grid], names=list(grid[0])))
    best = int(np.argmax(table.mean(axis=1).to_numpy()))
    return dict(grid[best]), table


def evaluate(df: pd.DataFrame, timelines: Sequence[Sequence[tuple[dt.date, object]]]
             ) -> dict[str, float]:
    """The timeline stage's scores against reference ``timelines``: the number of
    timelines and the averaged date precision/recall/F1 of each method."""
    scores = evaluate_dates(df, timelines)
    return {"n_reference_timelines": len(timelines)} | summarize_evaluation(scores)
