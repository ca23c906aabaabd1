"""Timeline summaries: for each selected date, one or two sentences taken from the articles
(extractive), as news-tls's DATEWISE does.

Candidates for day ``d`` (news-tls's PM collector): the sentences of any article that name
``d`` (date expressions in en/fr/es/it/ar), and the title and first ``lead_sents`` sentences
of the articles published on ``d`` or the day after — news of ``d`` is printed that night or
the next morning. Among the candidates (optionally only those containing a topic keyword,
as news-tls filters with the dataset's keywords) the summary is built greedily: each step
adds the sentence that brings the summary's TF-IDF centroid closest to the centroid of all
candidates (news-tls's ``CentroidOpt``). Sentences of 5–50 words only, and never the same
sentence twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from conflict_narratives.timelines.date_mentions import find_date_mentions

_SENT_END = re.compile(r"(?<=[.!?؟])\s+(?=\S)|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: line breaks and ``. ! ? ؟`` followed by a space end one."""
    return [s.strip() for s in _SENT_END.split(text or "") if s and s.strip()]


def _words(sentence: str) -> int:
    return len(sentence.split())


def date_candidates(
    df: pd.DataFrame,
    dates: Iterable[dt.date],
    *,
    lead_sents: int = 5,
    pub_days: int = 2,
    languages: Iterable[str] | None = None,
) -> dict[dt.date, list[tuple[str, str]]]:
    """Candidate ``(sentence, doc_id)`` pairs per date (see the module docstring)."""
    wanted = set(dates)
    out: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
    dated = df[df["date"].notna()]
    pubs = pd.to_datetime(dated["date"], utc=True).dt.tz_localize(None).dt.date
    titles = dated["title"].fillna("") if "title" in dated else pd.Series("", index=dated.index)
    for doc_id, title, text, pub in zip(dated["doc_id"].astype(str), titles,
                                        dated["text"].fillna(""), pubs, strict=True):
        lead_for = [pub - dt.timedelta(days=k) for k in range(pub_days)]
        lead_for = [d for d in lead_for if d in wanted]
        sentences = split_sentences(text)
        if lead_for:
            lead = ([title] if title.strip() else []) + sentences[:lead_sents]
            for d in lead_for:
                out[d].extend((s, doc_id) for s in lead)
        for s in sentences:
            for d in {m.date for m in find_date_mentions(s, pub, languages)} & wanted:
                out[d].append((s, doc_id))
    return out


def centroid_summary(
    sentences: Sequence[str], vectorizer, k: int, *, min_words: int = 5, max_words: int = 50
) -> list[int]:
    """Indices of up to ``k`` sentences whose summed TF-IDF vector is nearest (cosine) the
    centroid of all ``sentences``, chosen greedily; sentences outside
    ``[min_words, max_words]`` and repeats are skipped."""
    if not sentences:
        return []
    X = vectorizer.transform(sentences).tocsr()
    centroid = np.asarray(X.mean(axis=0)).ravel()
    norm_c = np.linalg.norm(centroid) or 1.0
    to_c = X @ centroid  # x_i . c
    sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()  # |x_i|^2
    keys = [" ".join(s.split()).casefold() for s in sentences]
    ok = np.array([min_words <= _words(s) <= max_words for s in sentences])
    picked: list[int] = []
    current = np.zeros_like(centroid)
    for _ in range(k):
        # |current + x_i| and (current + x_i) . c for every candidate at once
        dot = current @ centroid + to_c
        norm = np.sqrt(np.maximum(current @ current + 2 * (X @ current) + sq, 1e-12))
        sim = np.where(ok, dot / (norm * norm_c), -np.inf)
        best = int(np.argmax(sim))
        if not np.isfinite(sim[best]):
            break
        picked.append(best)
        ok &= np.array([key != keys[best] for key in keys])  # never the same sentence twice
        current = current + X[best].toarray().ravel()
    return picked


def summarize_dates(
    df: pd.DataFrame,
    dates: Sequence[dt.date],
    *,
    n_sents: int = 1,
    keywords: Sequence[str] | None = None,
    lead_sents: int = 5,
    languages: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per date with candidates: ``date, sentences, doc_ids, n_candidates``.
    ``keywords`` (case-insensitive substrings), when given, keep only sentences naming one
    (falling back to all candidates of a date where none does)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from conflict_narratives.common.textnorm import normalize_for_analysis

    cands = date_candidates(df, dates, lead_sents=lead_sents, languages=languages)
    pool = [s for d in dates for s, _ in cands.get(d, [])]
    rows = []
    if not pool:
        return pd.DataFrame(columns=["date", "sentences", "doc_ids", "n_candidates"])
    vectorizer = TfidfVectorizer(preprocessor=normalize_for_analysis, sublinear_tf=True)
    vectorizer.fit(pool)
    kws = [k.casefold() for k in keywords or []]
    for d in sorted(dates):
        items = cands.get(d, [])
        if kws:
            on_topic = [x for x in items if any(k in x[0].casefold() for k in kws)]
            items = on_topic or items
        picked = centroid_summary([s for s, _ in items], vectorizer, n_sents)
        if picked:
            rows.append({"date": d, "sentences": [items[i][0] for i in picked],
                         "doc_ids": [items[i][1] for i in picked], "n_candidates": len(items)})
    return pd.DataFrame(rows, columns=["date", "sentences", "doc_ids", "n_candidates"])
