"""What happened: per-period topic words, and dated events — one per topic burst, with the
outlets that covered it and the headlines nearest the event's centre (embeddings when given,
else TF-IDF) — so an analyst reads what happened, not just that a curve went up."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from conflict_narratives.common.counts import DocTermCounts, restrict
from conflict_narratives.common.vectorize import documents, make_vectorizer, scaled_min_df
from conflict_narratives.timelines.terms import distinctive_terms, headline, headline_terms
from conflict_narratives.timelines.windows import bounded_window, calendar_days, context_features

EVENT_COLUMNS = [
    "date", "start", "end", "topic", "label", "words", "intensity", "evidence", "n_docs",
    "outlets", "headlines", "doc_ids", "summary", "level", "span_start", "span_end",
    "window_docs", "novelty", "recurrence",
]  # fmt: skip
EVENT_TYPES = {"topic": "int64", "intensity": "float64", "evidence": "float64",
               "n_docs": "int64", "window_docs": "int64", "novelty": "float64",
               "recurrence": "float64", **dict.fromkeys(
                   ["date", "start", "end", "span_start", "span_end"], "datetime64[ns]")}
LEVELS = ("topic", "story", "day")  # a topic's burst; a story dominating days inside
# its topic; a day the corpus names again (:mod:`.days`)


def topic_words_over_time(
    docs: pd.DataFrame,
    *,
    vectorizer=None,
    top_n: int = 10,
    max_chars: int | None = 600,
    global_tuning: bool = True,
    counts: DocTermCounts | None = None,
) -> pd.DataFrame:
    """Top c-TF-IDF words of each (topic, period): BERTopic's ``ClassTfidfTransformer`` on
    the period's documents of the topic, averaged with the topic's overall c-TF-IDF
    (``global_tuning``, as in ``BERTopic.topics_over_time``) so words stay on topic.

    The vectorizer defaults to the topics stage's Arabic-aware one (analysis normalisation,
    Arabic + English stop words), so Arabic words survive — BERTopic's English
    preprocessing is never applied. Documents are read as title + the first ``max_chars``
    characters of the body: the lead, where news states the event (and ~3× faster than
    full articles on ant-multisource). ``counts``: those texts of every corpus row counted
    already (:func:`common.counts.count_terms`; ``docs["row"]`` their rows): same words,
    summed instead of read.
    """
    docs = docs[docs["topic"] != -1]
    if docs.empty:
        return pd.DataFrame(columns=["topic", "period", "count", "words", "weights"])
    min_df = scaled_min_df(len(docs))
    if counts is not None and vectorizer is None and min_df >= 2:
        X, words = restrict(counts, docs["row"].to_numpy(), min_df)
    else:
        vectorizer = vectorizer or make_vectorizer(len(docs))
        X = vectorizer.fit_transform(lead_texts(docs, max_chars))
        words = vectorizer.get_feature_names_out()
    keys, per_class = class_counts(docs, X)
    return class_words(keys, per_class, words, top_n=top_n, global_tuning=global_tuning)


def lead_texts(docs: pd.DataFrame, max_chars: int | None) -> list[str]:
    """Title and the first ``max_chars`` characters of the body: the lead tells the event."""
    return documents(docs.assign(text=docs["text"].fillna("").astype(str).str[:max_chars]))


def class_counts(docs: pd.DataFrame, X) -> tuple[pd.Series, sparse.csr_matrix]:
    """``X``'s rows (one per row of ``docs``) summed per (topic, period): the documents per
    class (a Series on the sorted ``(topic, period)`` index) and the summed counts, a row
    per class; the sums of a corpus's parts add up."""
    classes = docs.groupby(["topic", "period"]).ngroup().to_numpy()
    onehot = sparse.csr_matrix((np.ones(len(docs)), (classes, np.arange(len(docs)))),
                               shape=(classes.max() + 1 if len(docs) else 0, len(docs)))
    return docs.groupby(["topic", "period"]).size(), sparse.csr_matrix(onehot @ X)


def class_words(keys: pd.Series, per_class, words, *, top_n: int = 10,
                global_tuning: bool = True) -> pd.DataFrame:
    """The top ``top_n`` c-TF-IDF ``words`` of each (topic, period) class from its summed
    counts (:func:`class_counts`), averaged with the topic's overall c-TF-IDF
    (``global_tuning``): ``topic, period, count, words, weights``."""
    from conflict_narratives.common.system import import_bertopic

    import_bertopic()
    from bertopic.vectorizers import ClassTfidfTransformer

    words = np.asarray(words, dtype=object)
    # sparse throughout, one dense row at a time: dense (topic, period) x vocabulary arrays
    # took ~1.5 GB on ant-multisource, and the topic's overall row repeated for each of its
    # periods grows with periods x the topic's vocabulary (years of weekly periods: GBs)
    ctfidf = sparse.csr_matrix(ClassTfidfTransformer().fit_transform(per_class))
    codes, uniques = pd.factorize(keys.index.get_level_values("topic"))
    if global_tuning:
        onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                                   shape=(len(uniques), len(codes)))
        overall = sparse.csr_matrix(ClassTfidfTransformer().fit_transform(onehot @ per_class))
    rows = []
    for i, ((topic, period), count) in enumerate(keys.items()):
        row = ctfidf[i].toarray().ravel()
        if global_tuning:
            row = (row + overall[codes[i]].toarray().ravel()) / 2
        order = np.argsort(-row)[:top_n]
        order = order[row[order] > 0]
        rows.append(
            {
                "topic": int(topic),
                "period": period,
                "count": int(count),
                "words": [str(w) for w in words[order]],
                "weights": [float(x) for x in row[order]],
            }
        )
    return pd.DataFrame(rows, columns=["topic", "period", "count", "words", "weights"])


def _central(ev: pd.DataFrame, vectors: np.ndarray, k: int) -> pd.DataFrame:
    """The ``k`` rows nearest (cosine) the centroid of ``vectors``, one per distinct headline
    (the same wire story republished by two outlets is shown once)."""
    centroid = vectors.mean(axis=0)
    norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(centroid) or 1.0)
    sims = vectors @ centroid / np.where(norms > 0, norms, 1.0)
    picked, seen = [], set()
    for i in np.argsort(-sims, kind="stable"):
        key = " ".join(headline(ev.iloc[i]).split()).casefold()
        if key not in seen:
            seen.add(key)
            picked.append(i)
            if len(picked) == k:
                break
    return ev.iloc[picked]


def _tfidf_vectors(docs: pd.DataFrame):
    """Sparse TF-IDF rows of ``docs``' titles and texts (one column when no word is left)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from conflict_narratives.common.textnorm import normalize_for_analysis

    text = (
        (docs["title"].fillna("") + " " + docs["text"].fillna(""))
        if "title" in docs
        else docs["text"].fillna("")
    )
    try:
        return TfidfVectorizer(preprocessor=normalize_for_analysis).fit_transform(text)
    except ValueError:  # empty vocabulary: every document is equally central
        return sparse.csr_matrix(np.ones((len(docs), 1)))


def _dense(vectors) -> np.ndarray:
    return np.asarray(vectors.toarray() if sparse.issparse(vectors) else vectors, float)


def event_table(
    docs: pd.DataFrame,
    bursts_table: pd.DataFrame,
    freq: str,
    *,
    embeddings: np.ndarray | None = None,
    labels: dict[int, str] | None = None,
    topic_words: pd.DataFrame | None = None,
    n_headlines: int = 3,
    max_days: int = 7,
    novelty_days: int = 14,
    terms: tuple[sparse.csr_matrix, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One dated event per burst: ``date`` (the burst's busiest day), ``start`` and ``end``
    (the days around it still carrying coverage, at most ``max_days``:
    :func:`windows.bounded_window`), ``span_start``/``span_end`` (the whole burst),
    ``topic``, ``label`` (from ``labels``: topic → label), ``words`` (what sets the window's
    headlines apart in the topic, :mod:`.terms`; none: the topic's words in the peak
    period), ``intensity``, ``evidence`` (the detector's score), ``n_docs`` (the
    burst's documents), ``window_docs``,
    ``outlets`` (most covering first), ``headlines`` and ``doc_ids`` (the ``n_headlines``
    window documents nearest its centroid: embeddings when given, else TF-IDF),
    ``summary`` (the most central headline), ``novelty`` and ``recurrence``
    (:func:`windows.context_features`) and ``level`` = ``"topic"``. ``terms``:
    :func:`terms.headline_terms` of ``docs`` (else read here)."""
    labels = labels or {}
    heads, words_of = terms if terms is not None else headline_terms(docs)
    words = (
        {}
        if topic_words is None
        else {(r.topic, r.period): list(r.words) for r in topic_words.itertuples()}
    )
    step = {"day": pd.Timedelta(days=1), "week": pd.Timedelta(days=7)}
    rows = []
    for topic, bursts in bursts_table.groupby("topic", sort=False):
        mine = (docs["topic"] == topic).to_numpy()
        own, own_heads = docs[mine], heads[np.flatnonzero(mine)]
        vectors = embeddings[own["row"].to_numpy()] if embeddings is not None \
            else _tfidf_vectors(own)
        days = calendar_days(own["date"])
        for b in bursts.itertuples():
            end = b.end + step[freq] if freq in step else b.end + pd.offsets.MonthBegin(1)
            in_burst = ((own["period"] >= b.start) & (own["period"] < end)).to_numpy()
            if not in_burst.any():
                continue
            peak, w_start, w_end = bounded_window(days[in_burst], max_days)
            member = in_burst & days.between(w_start, w_end).to_numpy()
            ev = own[member]
            near = _central(ev, _dense(vectors[np.flatnonzero(member)]), n_headlines)
            outlets = own[in_burst]["source"].fillna("").value_counts() if "source" in own \
                else pd.Series()
            rows.append({
                "date": peak, "start": w_start, "end": w_end, "topic": int(topic),
                "label": str(labels.get(topic, f"topic {topic}")),
                "words": distinctive_terms(own_heads, words_of, member)
                or words.get((topic, b.peak), []),
                "intensity": float(b.intensity), "evidence": float(b.score),
                "n_docs": int(in_burst.sum()),
                "outlets": [str(o) for o in outlets.index if o],
                "headlines": [headline(r) for _, r in near.iterrows()],
                "doc_ids": near["doc_id"].astype(str).tolist(),
                "summary": headline(near.iloc[0]), "level": "topic",
                "span_start": b.start, "span_end": end - pd.Timedelta(days=1),
                "window_docs": len(ev),
                **context_features(vectors, days.to_numpy(), member, w_start, w_end,
                                   novelty_days),
            })
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    # typed even when empty, so callers can sort/rank an empty table
    return events.astype(EVENT_TYPES).sort_values(["start", "topic"], ignore_index=True)


def add_story_events(
    events: pd.DataFrame, stories: pd.DataFrame, topic_words: pd.DataFrame | None,
    periods: pd.Series,
) -> pd.DataFrame:
    """Topic-burst events and story events in one table, sorted by date; a story without
    words of its own (:mod:`.terms`) gets its topic's words of its period (``periods``: the
    start of each story date's)."""
    if stories.empty:
        return events
    words = ({} if topic_words is None or topic_words.empty
             else {(r.topic, r.period): list(r.words) for r in topic_words.itertuples()})
    stories = stories.assign(words=[list(own) or words.get((t, p), []) for own, t, p in
                                    zip(stories["words"], stories["topic"], periods,
                                        strict=True)])
    out = pd.concat([events, stories[EVENT_COLUMNS]], ignore_index=True) if len(events) \
        else stories[EVENT_COLUMNS].reset_index(drop=True)
    out = out.sort_values(["date", "level", "topic"], ignore_index=True)
    return out.astype(EVENT_TYPES)
