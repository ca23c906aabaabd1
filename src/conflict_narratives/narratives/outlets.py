"""Outlets: what each outlet covers, how far apart outlets are, and in whose words.

- :func:`topic_distribution` / :func:`outlet_divergence`: each outlet's topic distribution
  and the Jensen–Shannon divergence (base 2, so 0 = identical, 1 = disjoint) between every
  pair of outlets and between each outlet and all the others pooled, overall or per period.
- :func:`distinctive_words`: per topic, the words each outlet uses that the others don't —
  class-based TF-IDF (BERTopic's ``ClassTfidfTransformer``) with the outlets as classes,
  over counts from the topics stage's Arabic-aware vectorizer (``topic_text``: analysis
  normalisation, Arabic/news/English stop words), never BERTopic's English preprocessing.
- :func:`first_and_most`: per story chain (see :mod:`storylines`), which outlet covered it
  first and which most, and per outlet how often it was first / most.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial.distance import jensenshannon

from conflict_narratives.common.counts import DocTermCounts, restrict
from conflict_narratives.common.periods import periods
from conflict_narratives.common.vectorize import documents, make_vectorizer


def js_divergence(p, q) -> float:
    """Jensen–Shannon divergence (base 2) between two count or probability vectors."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape or p.sum() <= 0 or q.sum() <= 0 or (p < 0).any() or (q < 0).any():
        raise ValueError("need two non-negative vectors of the same length, each with mass")
    return float(jensenshannon(p, q, base=2) ** 2)


def _docs(corpus: pd.DataFrame, doc_topics: pd.DataFrame, freq: str | None,
          include_outliers: bool) -> pd.DataFrame:
    docs = corpus[["doc_id", "source"]].assign(period=periods(corpus, freq) if freq else None)
    docs = docs.merge(doc_topics[["doc_id", "topic"]], on="doc_id", how="inner")
    docs = docs[docs["source"].notna()]
    if not include_outliers:
        docs = docs[docs["topic"] != -1]
    return docs.dropna(subset=["period"]) if freq else docs


def topic_distribution(
    corpus: pd.DataFrame,
    doc_topics: pd.DataFrame,
    *,
    freq: str | None = None,
    include_outliers: bool = False,
) -> pd.DataFrame:
    """``[period], source, topic, count, n_docs, share`` — share of the outlet's documents
    (in that period) that fall in each topic."""
    docs = _docs(corpus, doc_topics, freq, include_outliers)
    keys = ["period", "source"] if freq else ["source"]
    out = docs.groupby([*keys, "topic"]).size().rename("count").reset_index()
    out["n_docs"] = out.groupby(keys)["count"].transform("sum")
    out["share"] = out["count"] / out["n_docs"]
    return out.sort_values([*keys, "topic"], ignore_index=True)


def outlet_divergence(
    corpus: pd.DataFrame,
    doc_topics: pd.DataFrame,
    *,
    freq: str | None = None,
    min_docs: int = 20,
    include_outliers: bool = False,
) -> pd.DataFrame:
    """Jensen–Shannon divergence of topic distributions: every outlet pair, and each outlet
    against all others pooled (``source_b == "(others)"``). Columns ``[period], source_a,
    source_b, js_divergence, n_a, n_b``; outlets with fewer than ``min_docs`` documents (in
    a period) are left out."""
    docs = _docs(corpus, doc_topics, freq, include_outliers)
    topics = np.sort(docs["topic"].unique())
    groups = docs.groupby("period") if freq else [(None, docs)]
    rows = []
    for period, part in groups:
        table = pd.crosstab(part["source"], part["topic"]).reindex(columns=topics, fill_value=0)
        table = table[table.sum(axis=1) >= min_docs]
        total = table.sum(axis=0)
        for a, b in itertools.combinations(table.index, 2):
            rows.append((period, a, b, js_divergence(table.loc[a], table.loc[b]),
                         int(table.loc[a].sum()), int(table.loc[b].sum())))
        for a in table.index if len(table) > 1 else []:
            rest = total - table.loc[a]
            rows.append((period, a, "(others)", js_divergence(table.loc[a], rest),
                         int(table.loc[a].sum()), int(rest.sum())))
    out = pd.DataFrame(rows, columns=["period", "source_a", "source_b", "js_divergence",
                                      "n_a", "n_b"])
    return out if freq else out.drop(columns="period")


def divergence_matrix(divergence: pd.DataFrame) -> pd.DataFrame:
    """Symmetric outlet × outlet matrix from the pairwise rows of :func:`outlet_divergence`
    (one period's rows, or the overall table)."""
    pairs = divergence[divergence["source_b"] != "(others)"]
    names = sorted(set(pairs["source_a"]) | set(pairs["source_b"]))
    mat = pd.DataFrame(0.0, index=names, columns=names)
    for row in pairs.itertuples(index=False):
        mat.loc[row.source_a, row.source_b] = row.js_divergence
        mat.loc[row.source_b, row.source_a] = row.js_divergence
    return mat


def distinctive_words(
    corpus: pd.DataFrame,
    doc_topics: pd.DataFrame,
    *,
    top_n: int = 10,
    min_docs: int = 5,
    min_lift: float = 2.0,
    counts: DocTermCounts | None = None,
) -> pd.DataFrame:
    """Per topic and outlet, the words that outlet uses that the other outlets (in the same
    topic) don't: ranked by c-TF-IDF with outlets as classes, kept only where the outlet's
    relative frequency is at least ``min_lift`` times the others'. Columns ``topic, source,
    rank, word, score, count, count_others, lift, n_docs``. Outlets with fewer than
    ``min_docs`` documents in a topic, and topics with fewer than two such outlets, are
    skipped; the outlier topic -1 is never described. ``counts``: every word of each
    corpus row counted already (:func:`common.counts.count_words`): same result, no
    reading of the texts."""
    from conflict_narratives.common.system import import_bertopic

    import_bertopic()
    from bertopic.vectorizers import ClassTfidfTransformer

    docs = corpus.assign(row=np.arange(len(corpus)))[["doc_id", "source", "row"]].merge(
        doc_topics[["doc_id", "topic"]], on="doc_id"
    )
    docs = docs[(docs["topic"] != -1) & docs["source"].notna()]
    n_group = docs.groupby(["topic", "source"])["doc_id"].transform("size")
    docs = docs[n_group >= min_docs]
    docs = docs[docs.groupby("topic")["source"].transform("nunique") >= 2].reset_index(drop=True)
    columns = ["topic", "source", "rank", "word", "score", "count", "count_others", "lift",
               "n_docs"]
    if docs.empty:
        return pd.DataFrame(columns=columns)
    if counts is None:
        vec = make_vectorizer(len(docs), min_df=2, ngram_range=(1, 1))
        counts = vec.fit_transform(documents(corpus.iloc[docs["row"].to_numpy()]))
        vocab = vec.get_feature_names_out()
    else:
        counts, vocab = restrict(counts, docs["row"].to_numpy(), min_df=2)
    keys = docs.groupby(["topic", "source"]).ngroup().to_numpy()
    index = docs.groupby(["topic", "source"]).size()
    member = sparse.csr_matrix((np.ones(len(docs)), (keys, np.arange(len(docs)))))
    grouped = (member @ counts).tocsr()  # (topic, source) × vocab
    rows = []
    starts = np.r_[0, np.cumsum(index.groupby(level=0).size().to_numpy())]
    for (lo, hi), topic in zip(itertools.pairwise(starts), index.index.unique(0), strict=True):
        block = grouped[lo:hi]
        used = np.flatnonzero(block.getnnz(axis=0))  # this topic's words only
        block = block[:, used]
        dense = block.toarray().astype(float)
        # ClassTfidfTransformer L1-normalises its input in place: give it a copy.
        scores = ClassTfidfTransformer().fit_transform(block.copy()).toarray()
        totals = dense.sum(axis=1, keepdims=True)
        others = dense.sum(axis=0, keepdims=True) - dense
        other_totals = totals.sum() - totals
        lift = (dense / np.maximum(totals, 1)) / ((others + 1) / np.maximum(other_totals, 1))
        for i, source in enumerate(index.loc[topic].index):
            ok = np.flatnonzero((lift[i] >= min_lift) & (dense[i] >= 2))
            best = ok[np.argsort(-scores[i, ok], kind="stable")][:top_n]
            rows += [
                (topic, source, r + 1, vocab[used[j]], float(scores[i, j]), int(dense[i, j]),
                 int(others[i, j]), float(lift[i, j]), int(index.loc[(topic, source)]))
                for r, j in enumerate(best)
            ]
    return pd.DataFrame(rows, columns=columns)


def first_and_most(stories: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who covered each multi-outlet story first and most.

    ``stories``: one row per document with ``chain_id, doc_id, date, source`` (as written by
    :func:`storylines.link_storylines`). Returns ``(per_chain, per_outlet)``: per chain
    ``chain_id, first_source, first_date, most_source, most_count, n_docs, n_outlets``; per
    outlet ``source, n_chains, n_first, n_most, share_first, share_most`` over chains covered
    by two or more outlets (ties for "most" go to the outlet that was earlier)."""
    s = stories.dropna(subset=["date", "source"])
    s = s[s.groupby("chain_id")["source"].transform("nunique") >= 2]
    s = s.sort_values(["chain_id", "date", "doc_id"])
    first = s.groupby("chain_id").first()[["source", "date"]]
    count = s.groupby(["chain_id", "source"], sort=False).size().rename("n").reset_index()
    most = count.sort_values("n", ascending=False, kind="stable").groupby("chain_id").first()
    per_chain = pd.DataFrame({
        "first_source": first["source"], "first_date": first["date"],
        "most_source": most["source"], "most_count": most["n"],
        "n_docs": s.groupby("chain_id").size(),
        "n_outlets": s.groupby("chain_id")["source"].nunique(),
    }).reset_index()
    covered = count.groupby("source")["chain_id"].nunique().rename("n_chains")
    per_outlet = pd.concat(
        [covered, per_chain["first_source"].value_counts().rename("n_first"),
         per_chain["most_source"].value_counts().rename("n_most")], axis=1,
    ).fillna(0).astype(int).rename_axis("source").reset_index()
    per_outlet["share_first"] = per_outlet["n_first"] / per_outlet["n_chains"]
    per_outlet["share_most"] = per_outlet["n_most"] / per_outlet["n_chains"]
    return per_chain, per_outlet.sort_values("n_first", ascending=False, ignore_index=True)
