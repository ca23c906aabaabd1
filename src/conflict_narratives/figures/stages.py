"""Each stage's report figures, made from its result: the notebooks and the report call these
and only show or save what they return (no data shaping anywhere else).

Every function yields :class:`~conflict_narratives.figures.book.Panel` items (name, figure,
caption), skipping a figure its data cannot support (e.g. a hierarchy of two topics, a
time axis for an undated corpus, outlet comparisons for a single-source one). Topics are
named with their ids ("12 · Hezbollah · …", so two topics with the same words stay apart)
and drawn in their own colour (:func:`~conflict_narratives.figures.base.topic_colour`)
in every figure.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from conflict_narratives.common.scope import n_dated, one_source
from conflict_narratives.figures.base import compose_label, topic_colour, topic_label
from conflict_narratives.figures.book import Panel
from conflict_narratives.figures.charts import (
    barh,
    event_timeline,
    heatmap,
    small_multiples,
    stacked_shares,
    topic_sizes,
)
from conflict_narratives.figures.corpus import (
    documents_over_time,
    language_mix,
    length_distribution,
)
from conflict_narratives.figures.topics import dendrogram, document_map, network, top_words_grid


def corpus_figures(corpus: pd.DataFrame) -> Iterator[Panel]:
    """Documents over time (when any is dated), text lengths per outlet and language, the
    language mix; per outlet only when there are several (else per language, or whole)."""
    many = "source" in corpus and not one_source(corpus["source"])
    if n_dated(corpus):
        yield Panel("documents_over_time",
                    documents_over_time(corpus, by="source" if many else "lang"),
                    f"Documents per period and {'outlet' if many else 'language'} (only "
                    "usable dates).")
    if many:
        yield Panel("length_per_source", length_distribution(corpus, by="source"),
                    "Text length per outlet.")
    yield Panel("length_per_language", length_distribution(corpus, by="lang"),
                "Text length per detected language.")
    yield Panel("language_mix", language_mix(corpus, by="source" if many else None),
                "Detected languages" + (" per outlet." if many else "."))


def _topics(info: pd.DataFrame) -> pd.DataFrame:
    """Topics to show: no outliers, none the analyst hid (``hidden``, from curation)."""
    shown = info["topic"] != -1
    return info[shown & ~info["hidden"].astype(bool)] if "hidden" in info else info[shown]


def topic_figures(result) -> Iterator[Panel]:
    """Topic sizes, the document map, the hierarchy, topics × outlets, top words
    (``result``: a ``topics.TopicResult``; topics the curation hides are left out)."""
    shown = _topics(result.topic_info)
    docs = result.doc_topics[result.doc_topics["topic"].isin({*shown["topic"], -1})]
    yield Panel("topic_sizes", topic_sizes(shown, top=25),
                "Documents per topic (after outlier reduction), labelled by top words.")
    if docs[["x", "y"]].notna().all(axis=1).any():  # none with topics.doc_map disabled
        yield Panel("topic_document_map",
                    document_map(docs.dropna(subset=["x", "y"]), shown,
                                 title="Documents by topic"),
                    "Each document at its 2-D UMAP position, coloured by topic.")
    if len(result.leaf_labels) >= 3:
        from conflict_narratives.topics.curation import leaf_topics

        leaves = [topic_label(t, lab) for t, lab in zip(leaf_topics(result), result.leaf_labels,
                                                        strict=True)]
        yield Panel("topic_hierarchy",
                    dendrogram(result.linkage, leaves, title="Topic hierarchy"),
                    "Ward linkage of the topics' c-TF-IDF vectors: neighbours share words.")
    top = shown.nlargest(15, "size")
    tps = result.topics_per_source
    if not one_source(tps["source"]):  # one outlet: nothing to compare
        table = tps[tps["topic"].isin(top["topic"])].pivot_table(
            index="topic", columns="source", values="share", aggfunc="sum", fill_value=0)
        names = dict(zip(top["topic"], map(topic_label, top["topic"], top["label"]),
                         strict=True))
        yield Panel("topics_by_outlet",
                    heatmap(table.reindex(top["topic"]).dropna(how="all").rename(index=names),
                            title="Share of each outlet's documents per topic", fmt=".0%",
                            xlabel="outlet", ylabel="topic",
                            colorbar_label="share of outlet's documents"),
                    "Share of each outlet's documents in each of the 15 largest topics.")
    yield Panel("topic_top_words",
                top_words_grid(shown, n_topics=12, title="Top words per topic"),
                "The ten words of each of the twelve largest topics, with their weights.")


def _month_columns(table: pd.DataFrame) -> pd.DataFrame:
    """One tick label per month (its first period), so long spans stay legible."""
    months = [c.strftime("%b %Y") for c in table.columns]
    table = table.copy()
    table.columns = [m if i == 0 or m != months[i - 1] else " " * i
                     for i, m in enumerate(months)]
    return table


def timeline_figures(result, hide=()) -> Iterator[Panel]:
    """Topic shares over time, their heatmap, bursts, and the strongest events
    (``result``: a ``timelines.TimelineResult``; ``hide``: topic ids left out)."""
    freq = result.summary.get("freq", "period")
    prev = _named(result.prevalence[~result.prevalence["topic"].isin({-1, *hide})])
    if prev.empty:
        return
    colours = dict(zip(prev["name"], map(topic_colour, prev["topic"]), strict=True))
    totals = prev.groupby("name")["count"].sum()
    yield Panel("timeline_topic_shares",
                stacked_shares(prev, series="name", value="count", top=8, colours=colours,
                               title=f"Topic shares per {freq}"),
                f"Share of each period's documents in the eight largest topics, per {freq}.")
    top12 = totals.nlargest(12).index
    table = prev[prev["name"].isin(top12)].pivot_table(index="name", columns="period",
                                                      values="share", aggfunc="sum")
    yield Panel("timeline_heatmap",
                heatmap(_month_columns(table.loc[top12]), annotate=table.shape[1] <= 16,
                        fmt=".0%", title=f"Share of documents per {freq}", ylabel="topic",
                        colorbar_label="share of the period's documents"),
                f"Share of each {freq}'s documents per topic (twelve largest topics).")
    yield Panel("timeline_bursts",
                small_multiples(prev[prev["name"].isin(totals.nlargest(8).index)],
                                series="name", value="share", burst="burst", colours=colours,
                                title="Topic shares with detected bursts"),
                "Topic shares with the detected bursts shaded.")
    events = result.events[~result.events["topic"].isin(set(hide))]
    if len(events):
        top = _named(events.nsmallest(15, "rank")).assign(
            headline=lambda d: d["headlines"].str[0])
        yield Panel("timeline_events",
                    event_timeline(top, label="headline", group="name",
                                   colours=dict(zip(top["name"], map(topic_colour, top["topic"]),
                                                    strict=True)),
                                   title="What happened: the top of the ranking"),
                    "The fifteen highest-ranked events (novelty, outlet spread, later "
                    "mentions, volume; routine stories ranked down), each with its most "
                    "central headline.")
    periods = result.periods
    if len(periods):
        periods = periods[~periods["topic"].isin(set(hide)) & (periods["kind"] != "series")]
    if len(periods):
        shown = _named(periods.nlargest(15, "n_docs"))
        yield Panel("timeline_periods",
                    event_timeline(shown, date="peak", label="summary", group="name",
                                   level=None, colours=dict(zip(
                                       shown["name"], map(topic_colour, shown["topic"]),
                                       strict=True)),
                                   title="Periods of heightened coverage"),
                    "Bursts and stories lasting longer than an event's window (the fifteen "
                    "largest), at their peak day, with the most central headline of the "
                    "top-ranked event inside each.")


def _named(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (``topic``, ``label``) with each topic's display name, its id first."""
    return table.assign(name=list(map(topic_label, table["topic"], table["label"])))


def _outlets_with_counts(table: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``table`` (one row per outlet) with each row named "outlet (documents)"."""
    n_docs = counts.groupby("source")["n_docs"].first()
    return table.set_axis([compose_label(s, n_docs[s]) for s in table.index], axis=0)


def narrative_figures(result, traced: dict | None = None, hide=()) -> Iterator[Panel]:
    """Outlet × topic, outlet divergence, outlet × frame, frames over time, the actor
    network, a multi-outlet storyline and (given ``traced``, a ``Pipeline.trace`` result
    that found matches) where a traced story appears; ``hide``: topic ids left out. A
    single-source corpus gets its frames as a whole, and no outlet comparison."""
    from conflict_narratives.narratives.actors import actor_graph
    from conflict_narratives.narratives.outlets import divergence_matrix
    from conflict_narratives.narratives.storylines import chain_headlines

    dist = result["topic_distribution"] if "topic_distribution" in result.tables else None
    if dist is not None:
        dist = dist[~dist["topic"].isin(set(hide))]
    shares = result["frame_shares"]
    single = result.summary.get("n_outlets", 2) <= 1  # one outlet, or none named
    if dist is not None and len(dist) and not single:
        top = dist.groupby("topic")["count"].sum().nlargest(12).index
        label = dist.drop_duplicates("topic").set_index("topic").get("label", pd.Series())
        table = dist[dist["topic"].isin(top)].pivot_table(
            index="source", columns="topic", values="share", fill_value=0)[list(top)]
        table.columns = [topic_label(t, label.get(t)) for t in table.columns]
        yield Panel("narratives_outlet_topic",
                    heatmap(_outlets_with_counts(table, dist), fmt=".0%",
                            title="Outlet × topic: share of each outlet's documents"),
                    "Share of each outlet's documents in the twelve largest topics.")
    if "outlet_divergence" in result.tables and len(result["outlet_divergence"]):
        yield Panel("narratives_outlet_divergence",
                    heatmap(divergence_matrix(result["outlet_divergence"]), fmt=".2f",
                            title="Jensen–Shannon divergence of topic mixes between outlets"),
                    "How differently outlets divide their coverage among topics (0 = same).")
    order = [*result.summary["frames"]["names"], "none"]
    if single and len(result["doc_frames"]):
        share = result["doc_frames"]["frame"].value_counts(normalize=True)
        yield Panel("narratives_frames",
                    barh((100 * share.reindex(order, fill_value=0)).round(1), top=None,
                         xlabel="% of the documents",
                         title=f"Frames of the {len(result['doc_frames']):,} documents"),
                    "Share of the documents told in each frame.")
    elif len(shares):
        table = shares.pivot(index="source", columns="frame", values="share")
        yield Panel("narratives_outlet_frame",
                    heatmap(_outlets_with_counts(table[[c for c in order if c in table]],
                                                 shares), fmt=".0%",
                            title="Outlet × frame: share of each outlet's documents"),
                    "Share of each outlet's documents told in each frame.")
    over_time = result["frame_shares_time"]
    for source in over_time.groupby("source")["n_docs"].sum().nlargest(4).index:
        part = over_time[over_time["source"] == source]
        if part["period"].nunique() >= 2:
            whose = "the documents" if single else source
            yield Panel("narratives_frames_over_time" + ("" if single else f"_{source}"),
                        stacked_shares(part, series="frame", value="n_docs_frame",
                                       title=f"Frames in {whose}, period by period "
                                             f"({part['n_docs'].drop_duplicates().sum():,} "
                                             "documents)"),
                        f"Frames in {whose} over time.")
    edges = result["actor_network"]
    pairs = edges.groupby(["actor_a", "actor_b"])["weight"].sum()
    if len(pairs):
        min_weight = int(max(2, pairs.nlargest(60).min()))
        graph = actor_graph(edges, min_weight=min_weight, mentions=result["actor_mentions"])
        if graph.number_of_edges():
            yield Panel("narratives_actor_network",
                        network(graph, title="Actor co-occurrence "
                                             f"(pairs in ≥ {min_weight} documents)"),
                        f"Actors named together in at least {min_weight} documents.")
    multi = result["story_chains"].query("n_outlets > 1")
    if len(multi):
        chain = multi.iloc[0]
        heads = chain_headlines(result["storylines"], int(chain["chain_id"]))
        yield Panel("narratives_storyline",
                    event_timeline(heads.head(25), label="title", group="source",
                                   title=f"Storyline {chain['chain_id']}: {chain['n_docs']} "
                                         f"articles, {chain['n_outlets']} outlets"),
                    "The largest story told by more than one outlet, article by article.")
    if traced and traced.get("status") == "found":
        yield Panel("narratives_trace_seed",
                    event_timeline(pd.DataFrame(traced["matches"]).head(20), label="title",
                                   group="source", title="Where the traced story appears"),
                    "Articles telling the traced document's story, by outlet and date.")


def update_figures(record: dict, history: pd.DataFrame | None = None, hide=()
                   ) -> Iterator[Panel]:
    """What changed in the last update (``record``: ``monitor.record``): new documents per
    topic (the fastest-growing highlighted), the emerging-story candidates, their growth,
    and (``history``: ``monitor.history``) what every update added."""
    n = record["meta"].get("update", "")
    added = record["added"]
    part = added[(added["added"] > 0) & (added["topic"] != -1)
                 & ~added["topic"].isin(set(hide))]
    if len(part):
        labels = [topic_label(t, lab) for t, lab in zip(part["topic"], part["label"],
                                                        strict=True)]
        fastest = [lab for lab, f in zip(labels, part["fastest"], strict=True) if f]
        yield Panel("update_added_per_topic",
                    barh(pd.Series(part["added"].to_numpy(), index=labels), top=20,
                         highlight=fastest, title=f"New documents per topic (update {n})"),
                    "Documents the update placed in each topic; the fastest-growing topics "
                    "(new documents over their share of the corpus) in the second colour.")
    cands = record["candidates"]
    live = cands[cands["status"] != "quiet"]
    if len(live):
        names = [compose_label(f"{lab} ({status})", c) for c, lab, status in
                 zip(live["candidate"], live["label"], live["status"], strict=True)]
        yield Panel("update_candidates",
                    barh(pd.Series(live["n_docs"].to_numpy(), index=names), top=15,
                         highlight=[x for x, s in zip(names, live["status"], strict=True)
                                    if s == "emerging"],
                         title="Stories outside the topics: candidates"),
                    "Groups of new documents far from every topic, by size; emerging ones "
                    "(still growing over several updates) in the second colour.")
        grown = live[live["history"].map(len) >= 2]
        if len(grown):
            width = int(grown["history"].map(len).max())
            table = pd.DataFrame([[np.nan] * (width - len(h)) + list(h)
                                  for h in grown["history"]],
                                 index=[compose_label(lab, c) for c, lab in
                                        zip(grown["candidate"], grown["label"], strict=True)],
                                 columns=[f"update {int(n) - width + 1 + i}"
                                          for i in range(width)])
            yield Panel("update_candidate_growth",
                        heatmap(table, fmt=",.0f", title="Candidates' documents, update by "
                                                         "update"),
                        "Documents in each candidate at each update it was seen in.")
    if history is not None and len(history) >= 2:
        table = history.set_index("update")[["added", "duplicates", "outside_topics",
                                              "emerging"]].T
        table.columns = [f"update {c}" for c in table.columns]
        yield Panel("update_history",
                    heatmap(table.iloc[:, -16:], fmt=",.0f", title="Every update"),
                    "Per update (the last 16): documents added, rows skipped as duplicates, "
                    "documents outside every topic, emerging candidates.")
