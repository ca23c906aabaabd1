"""Date selection — the ``l`` most important dates of a corpus — and its evaluation against
journalists' timelines, as in news timeline summarisation (news-tls, Gholipour Ghalandari &
Ifrim, ACL 2020).

Date importance combines two signals per day ``d`` (an unsupervised cousin of news-tls's
DATEWISE features):

- ``published``: articles published on ``d`` (alone, this is the PUBCOUNT baseline);
- ``mentioned``: articles whose text refers to ``d`` — explicit expressions ("March 19",
  "19 March 2011", "2011-03-19") and ones relative to the publication date ("on Monday",
  "yesterday", "today", "tomorrow", "last Friday", "next Tuesday"). Time stamps such as
  "March 21, 2011 at 9:14 am" (reader comments, update lines) are not events and are skipped.

The default ``pubmention`` score is ``published + mentioned``: the number of articles that
were published on, or refer to, the day. Dates are English-language expressions; for other
languages the ``mentioned`` signal is empty and the ranking falls back to PUBCOUNT.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

METHODS = ("pubcount", "mentions", "pubmention")
DEFAULT_METHOD = "pubmention"

_MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_MONTH_NUM = {m: i + 1 for i, m in enumerate(_MONTHS)}
_MONTH_NUM.update({m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"sept": 9})
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MON = r"(" + "|".join(sorted(_MONTH_NUM, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:\s*,?\s*((?:19|20)\d{2}))?"
_DATE_RX = re.compile(
    r"\b(?:"
    rf"{_MON}\s+{_DAY}\b{_YEAR}"  # March 19(, 2011)
    rf"|{_DAY}\s+{_MON}\b{_YEAR}"  # 19 March( 2011)
    r"|((?:19|20)\d{2})-(\d{2})-(\d{2})"  # 2011-03-19
    rf"|(?:(last|next|this)\s+)?({'|'.join(_WEEKDAYS)})"  # (last) Monday
    r"|(yesterday|today|tonight|tomorrow)"
    r")\b",
    re.IGNORECASE,
)
_TIMESTAMP_RX = re.compile(r"\s*(?:at\s+)?\d{1,2}:\d{2}")
_RELATIVE = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}


def _month_day(month: int, day: int, year: str | None, pub: dt.date) -> dt.date | None:
    """A month-day date; without a year, the year that puts it nearest the publication date."""
    years = [int(year)] if year else [pub.year - 1, pub.year, pub.year + 1]
    found = []
    for y in years:
        try:
            found.append(dt.date(y, month, day))
        except ValueError:
            continue
    return min(found, key=lambda d: abs((d - pub).days)) if found else None


def parse_date_mentions(text: str, pub_date: dt.date) -> list[dt.date]:
    """Day-level dates that ``text`` refers to, resolved against ``pub_date``.

    A bare weekday means the most recent such day up to the publication date ("on Monday"
    in Wednesday's paper is two days before; in Monday's paper it is that day); ``next``
    moves it forward, ``last`` to the week before.
    """
    out: list[dt.date] = []
    for m in _DATE_RX.finditer(text or ""):
        if _TIMESTAMP_RX.match(text, m.end()):
            continue
        g = m.groups()
        date: dt.date | None
        if g[0]:
            date = _month_day(_MONTH_NUM[g[0].lower()], int(g[1]), g[2], pub_date)
        elif g[4]:
            date = _month_day(_MONTH_NUM[g[4].lower()], int(g[3]), g[5], pub_date)
        elif g[6]:
            try:
                date = dt.date(int(g[6]), int(g[7]), int(g[8]))
            except ValueError:
                date = None
        elif g[10]:
            wd, mod = _WEEKDAYS.index(g[10].lower()), (g[9] or "").lower()
            back = (pub_date.weekday() - wd) % 7
            if mod == "next":
                date = pub_date + dt.timedelta(days=(wd - pub_date.weekday()) % 7 or 7)
            else:
                date = pub_date - dt.timedelta(days=(back or 7) if mod == "last" else back)
        else:
            date = pub_date + dt.timedelta(days=_RELATIVE[g[11].lower()])
        if date is not None:
            out.append(date)
    return out


def _doc_text(df: pd.DataFrame) -> pd.Series:
    title = df["title"].fillna("") if "title" in df else ""
    return (title + "\n" + df["text"].fillna("")).str.strip()


def date_features(df: pd.DataFrame) -> pd.DataFrame:
    """Per day: ``published`` (articles published that day), ``mentioned`` (articles whose
    text refers to it) split into ``mentioned_before`` / ``_same`` / ``_after`` (referred to
    by articles published later / that day / earlier). Rows without a date are ignored."""
    dated = df[df["date"].notna()]
    pub_dates = dated["date"].dt.date
    published = Counter(pub_dates)
    rel: dict[str, Counter] = {"before": Counter(), "same": Counter(), "after": Counter()}
    for text, pub in zip(_doc_text(dated), pub_dates, strict=True):
        for d in set(parse_date_mentions(text, pub)):
            rel["before" if d < pub else "same" if d == pub else "after"][d] += 1
    days = sorted(set(published).union(*rel.values()))
    out = pd.DataFrame(
        {
            "published": [published[d] for d in days],
            **{f"mentioned_{k}": [c[d] for d in days] for k, c in rel.items()},
        },
        index=pd.Index(days, name="date"),
    )
    out["mentioned"] = out[["mentioned_before", "mentioned_same", "mentioned_after"]].sum(axis=1)
    return out


def select_dates(
    df: pd.DataFrame,
    n_dates: int,
    *,
    method: str = DEFAULT_METHOD,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[dt.date]:
    """The ``n_dates`` most important days (sorted) of ``df``'s dated documents.

    Only documents published in ``[start, end]`` are read and only days in that span are
    candidates (default: the publication span). Ties break towards the earlier day.
    """
    if method not in METHODS:
        raise ValueError(f"unknown date method {method!r}; choose one of {METHODS}")
    dated = df[df["date"].notna()]
    days = dated["date"].dt.date
    start = start or (days.min() if len(days) else None)
    end = end or (days.max() if len(days) else None)
    if start is None:
        return []
    dated = dated[(days >= start) & (days <= end)]
    if method == "pubcount":
        score = dated["date"].dt.date.value_counts()
    else:
        feats = date_features(dated)
        score = feats["mentioned"] + (feats["published"] if method == "pubmention" else 0)
    score = score[(score.index >= start) & (score.index <= end) & (score > 0)]
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))
    return sorted(d for d, _ in ranked[:n_dates])


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
    methods: Sequence[str] = (DEFAULT_METHOD, "pubcount"),
) -> pd.DataFrame:
    """Score date selection against each reference timeline, news-tls protocol: ``l`` = the
    reference's number of dates, input restricted to the reference's first..last date (the
    T17 setting, extension 0). One row per (timeline, method) with precision/recall/f1."""
    rows = []
    for i, timeline in enumerate(timelines):
        ref = sorted({d for d, _ in timeline})
        for method in methods:
            pred = select_dates(df, len(ref), method=method, start=ref[0], end=ref[-1])
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


def evaluate(df: pd.DataFrame, timelines: Sequence[Sequence[tuple[dt.date, object]]]
             ) -> dict[str, float]:
    """The timeline stage's scores against reference ``timelines``: the number of
    timelines and the averaged date precision/recall/F1 of each method."""
    scores = evaluate_dates(df, timelines)
    return {"n_reference_timelines": len(timelines)} | summarize_evaluation(scores)
