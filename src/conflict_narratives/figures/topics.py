"""Topic figures: the 2-D document map, the topic dendrogram, the top-words grid and a
network drawing (matplotlib only)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from scipy.cluster import hierarchy

from conflict_narratives.figures.base import (
    LIGHT_GREY,
    OKABE_ITO,
    TEXT_WIDTH,
    add_note,
    declutter,
    fmt_count,
    new_figure,
    palette,
    require_columns,
    shorten,
    styled,
    topic_colour,
    topic_label,
)
from conflict_narratives.figures.labels import label_clusters

_HALO = [pe.withStroke(linewidth=2.5, foreground="white")]


def _labels_of(topic_info: pd.DataFrame | None, max_chars: int) -> dict[int, str]:
    if topic_info is None:
        return {}
    return {int(r.topic): topic_label(r.topic, getattr(r, "label", None),
                                      getattr(r, "words", None), max_chars=max_chars)
            for r in topic_info.itertuples()}


@styled
def document_map(doc_topics: pd.DataFrame, topic_info: pd.DataFrame | None = None, *,
                 n_labels: int = 20, max_label_chars: int = 28, point_size: float | None = None,
                 title: str | None = None, width: float = TEXT_WIDTH,
                 height: float = 5.0) -> Figure:
    """Documents at their 2-D coordinates (``x``, ``y``) coloured by ``topic``, outliers
    (topic -1) in light grey beneath, and the labels of the ``n_labels`` largest topics
    beside their clusters, off the points and each other, with a leader line to the
    cluster's centre (median). Points are rasterised so SVG/PDF stay small."""
    require_columns(doc_topics, "x", "y", "topic")
    topics = doc_topics["topic"].astype(int)
    sizes = topics[topics != -1].value_counts()
    s = point_size or float(np.clip(3000 / max(len(doc_topics), 1), 0.5, 12))
    fig, ax = new_figure(width, height)
    outliers = topics == -1
    ax.scatter(doc_topics.loc[outliers, "x"], doc_topics.loc[outliers, "y"], s=s,
               color=LIGHT_GREY, linewidths=0, rasterized=True)
    inliers = doc_topics[~outliers]
    ax.scatter(inliers["x"], inliers["y"], s=s, linewidths=0, alpha=0.75, rasterized=True,
               c=[topic_colour(t) for t in inliers["topic"].astype(int)])
    names = _labels_of(topic_info, max_label_chars)
    centroids = inliers.groupby(inliers["topic"].astype(int))[["x", "y"]].median()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)
    labelled = sizes.index[:n_labels]
    label_clusters(ax, centroids.loc[labelled].to_numpy(),
                   [names.get(int(t), str(t)) for t in labelled],
                   doc_topics[["x", "y"]].to_numpy(dtype=float), fontsize="small",
                   path_effects=_HALO, zorder=5)
    add_note(fig, f"{fmt_count(len(doc_topics))} documents, {len(sizes)} topics; "
                  f"{fmt_count(int(outliers.sum()))} outliers in grey; labels on the "
                  f"{min(n_labels, len(sizes))} largest topics.")
    return fig


@styled
def dendrogram(linkage: np.ndarray, labels: Sequence[str], *, title: str | None = None,
               color_threshold: float | None = None, max_label_chars: int = 40,
               xlabel: str = "distance", width: float = TEXT_WIDTH) -> Figure:
    """A scipy linkage matrix as a left-to-right dendrogram with its leaf labels (Arabic or
    Latin) on the right-hand side."""
    linkage = np.asarray(linkage, dtype=float)
    if linkage.ndim != 2 or linkage.shape[1] != 4:
        raise ValueError(f"linkage must be an (n-1) x 4 matrix, not shape {linkage.shape}")
    if len(labels) != linkage.shape[0] + 1:
        raise ValueError(f"{len(labels)} labels for a linkage of {linkage.shape[0] + 1} leaves")
    fig, ax = new_figure(width, 0.8 + 0.2 * len(labels))
    hierarchy.set_link_color_palette(OKABE_ITO[:7])
    try:
        hierarchy.dendrogram(linkage, labels=[shorten(lb, max_label_chars) for lb in labels],
                             orientation="left", ax=ax, color_threshold=color_threshold,
                             above_threshold_color="#777777", leaf_font_size=None)
    finally:
        hierarchy.set_link_color_palette(None)
    ax.tick_params(axis="y", length=0, labelsize="small")
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig


@styled
def top_words_grid(topic_info: pd.DataFrame, *, n_topics: int = 12, n_words: int = 8,
                   ncols: int = 4, topics: Sequence[int] | None = None,
                   max_label_chars: int = 30, title: str | None = None,
                   width: float = TEXT_WIDTH) -> Figure:
    """One small bar chart of words × weights per topic (``topic_info``'s ``words`` — shown
    as ``display_words`` when present — and ``weights`` lists), the largest ``n_topics``
    (or the listed ``topics``), outliers left out."""
    require_columns(topic_info, "topic", "words", "weights")
    info = topic_info[topic_info["topic"] != -1]
    if topics is not None:
        info = info.set_index("topic").loc[list(topics)].reset_index()
    elif "size" in info.columns:
        info = info.sort_values("size", ascending=False).head(n_topics)
    else:
        info = info.head(n_topics)
    if info.empty:
        raise ValueError("no topics to draw")
    ncols = min(ncols, len(info))
    nrows = int(np.ceil(len(info) / ncols))
    fig, axes = new_figure(width, 0.3 + (0.45 + 0.17 * n_words) * nrows, nrows=nrows,
                           ncols=ncols, squeeze=False)
    for ax, row in zip(axes.flat, info.itertuples(), strict=False):
        colour = topic_colour(row.topic)
        m = min(n_words, len(row.words), len(row.weights))  # pairs of word and weight
        shown = getattr(row, "display_words", None)  # readable spellings, when the topics
        shown = row.words if shown is None or len(shown) < m else shown  # stage gave them
        words = [str(w) for w in list(shown)[:m]][::-1]
        weights = np.asarray(list(row.weights)[:m], dtype=float)[::-1]
        ax.barh(range(len(words)), weights, color=colour, height=0.7)
        ax.set_yticks(range(len(words)), [shorten(w, 18) for w in words])
        ax.tick_params(axis="y", length=0, labelsize="small")
        ax.tick_params(axis="x", labelsize="x-small")
        ax.set_title(topic_label(row.topic, getattr(row, "label", None), row.words,
                                 max_chars=max_label_chars),
                     fontsize="small", fontweight="bold")
        ax.set_xlim(0, weights.max() * 1.08 if weights.size and weights.max() > 0 else 1)
    for ax in list(axes.flat)[len(info):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig


@styled
def network(graph, *, weight: str = "weight", size: str | None = "size",
            label: str | None = "label", group: str | None = "group", top_labels: int = 30,
            layout: dict | None = None, seed: int = 42, title: str | None = None,
            max_label_chars: int = 24, width: float = TEXT_WIDTH, height: float = 5.0) -> Figure:
    """A networkx graph drawn with matplotlib: node area ∝ the node attribute ``size``
    (else weighted degree), edge width ∝ edge ``weight``, labels (node attribute ``label``,
    else the node itself) on the ``top_labels`` largest nodes, colour by node attribute
    ``group`` (e.g. actor type or outlet). ``layout`` maps node →
    (x, y); by default a seeded spring layout."""
    import networkx as nx

    if graph.number_of_nodes() == 0:
        raise ValueError("the graph has no nodes")
    pos = layout or nx.spring_layout(graph, weight=weight, seed=seed)
    nodes = list(graph.nodes)
    degree = dict(graph.degree(weight=weight))
    sizes = np.array([float(graph.nodes[n].get(size, degree[n]) if size else degree[n])
                      for n in nodes])
    area = 20 + 480 * (sizes / sizes.max() if sizes.max() > 0 else np.ones_like(sizes))
    fig, ax = new_figure(width, height)
    if graph.number_of_edges():
        edges = list(graph.edges(data=True))
        w = np.array([float(d.get(weight, 1.0)) for _, _, d in edges])
        segments = [(pos[u], pos[v]) for u, v, _ in edges]
        ax.add_collection(LineCollection(segments, linewidths=0.3 + 2.7 * w / w.max(),
                                         colors="#888888", alpha=0.5, zorder=1))
    groups = [graph.nodes[n].get(group) if group else None for n in nodes]
    colour_of = dict(zip(dict.fromkeys(groups), palette(len(set(groups))), strict=True))
    xy = np.array([pos[n] for n in nodes])
    ax.scatter(xy[:, 0], xy[:, 1], s=area, c=[colour_of[g] for g in groups],
               edgecolors="white", linewidths=0.6, zorder=2)
    texts = []
    for i in np.argsort(-sizes)[:top_labels]:
        text = graph.nodes[nodes[i]].get(label, nodes[i]) if label else nodes[i]
        texts.append(ax.annotate(shorten(text, max_label_chars), xy[i],
                                 xytext=(0, np.sqrt(area[i]) / 2 + 2), textcoords="offset points",
                                 ha="center", va="bottom", fontsize="small", path_effects=_HALO,
                                 zorder=3))
    ax.margins(0.08)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    if title:
        ax.set_title(title)
    declutter(fig, texts)
    return fig
