"""Generic charts every stage draws: bars with labels and counts, annotated heatmaps,
stacked shares over time, small multiples with bursts, and an event timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from conflict_narratives.figures.base import (
    GREY,
    OKABE_ITO,
    SEQUENTIAL_CMAP,
    TEXT_WIDTH,
    add_note,
    direction,
    fmt_count,
    new_figure,
    palette,
    require_columns,
    shorten,
    styled,
    topic_colour,
    topic_label,
)
from conflict_narratives.figures.corpus import OTHER


def _date_axis(ax) -> None:
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _as_datetime(values: pd.Series) -> pd.Series:
    """Periods, strings or tz-aware datetimes as naive UTC timestamps (for date axes)."""
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    out = pd.to_datetime(values, utc=True)
    return out.dt.tz_localize(None)


@styled
def barh(values: pd.Series, *, title: str | None = None, xlabel: str = "documents",
         top: int | None = 25, max_label_chars: int = 45, color: str = OKABE_ITO[0],
         highlight: Sequence[object] = (), colours: Mapping[object, str] | None = None,
         width: float = TEXT_WIDTH) -> Figure:
    """Horizontal bars of ``values`` (index = labels, Arabic or Latin), largest on top,
    each count printed at its bar's end as its own text (never mixed into the label);
    labels in ``highlight`` are drawn in a second colour, others in ``colours[label]``
    (e.g. each topic's own colour) when given."""
    values = values.sort_values(ascending=False)
    if top is not None:
        values = values.head(top)
    values = values.iloc[::-1]
    fig, ax = new_figure(width, 0.7 + 0.22 * len(values))
    marked = set(highlight)
    fills = [OKABE_ITO[3] if idx in marked else (colours or {}).get(idx, color)
             for idx in values.index]
    ax.barh(range(len(values)), values.to_numpy(), color=fills, height=0.7)
    ax.set_yticks(range(len(values)), [shorten(v, max_label_chars) for v in values.index])
    for i, v in enumerate(values.to_numpy()):
        ax.annotate(fmt_count(v), (v, i), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize="small")
    ax.set_xlim(0, values.max() * 1.12 if len(values) and values.max() > 0 else 1)
    ax.set_ylim(-0.6, len(values) - 0.4)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_count(v)))
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return fig


def topic_sizes(topic_info: pd.DataFrame, *, top: int | None = 25,
                include_outliers: bool = False, title: str | None = "Topic sizes",
                max_label_chars: int = 45) -> Figure:
    """Documents per topic from a ``topic_info`` table (topic, size, label, words), each bar
    in its topic's colour."""
    require_columns(topic_info, "topic", "size")
    info = topic_info if include_outliers else topic_info[topic_info["topic"] != -1]
    labels = [topic_label(r.topic, getattr(r, "label", None), getattr(r, "words", None),
                          max_chars=max_label_chars) for r in info.itertuples()]
    series = pd.Series(info["size"].to_numpy(), index=labels)
    colours = {lab: topic_colour(t) for lab, t in zip(labels, info["topic"], strict=True)}
    return barh(series, title=title, top=top, max_label_chars=max_label_chars + 6,
                colours=colours)


def _ink(rgb: tuple[float, float, float]) -> str:
    """Black or white text, whichever reads better on ``rgb``."""
    r, g, b = rgb
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


@styled
def heatmap(table: pd.DataFrame, *, title: str | None = None, fmt: str | None = None,
            cmap: str = SEQUENTIAL_CMAP, xlabel: str | None = None, ylabel: str | None = None,
            colorbar_label: str | None = None, max_label_chars: int = 30,
            annotate: bool = True, width: float = TEXT_WIDTH) -> Figure:
    """An annotated heatmap of a rows × columns table (e.g. topic × outlet shares).
    ``fmt`` is a format spec for the cells (default: ``.0%`` when all values are within
    0–1, else thousands-separated counts); axis labels default to the table's index and
    column names."""
    data = table.astype(float).to_numpy()
    finite = data[np.isfinite(data)]
    if fmt is None:
        fmt = ".0%" if finite.size and finite.min() >= 0 and finite.max() <= 1 else ",.0f"
    n_rows, n_cols = data.shape
    col_labels = [shorten(c, max_label_chars) for c in table.columns]
    rotate = max((len(c) for c in col_labels), default=0) > 6 and n_cols > 3
    height = 0.9 + 0.26 * n_rows + (0.5 if rotate else 0)
    fig, ax = new_figure(min(width, 2.2 + 0.55 * n_cols), height)
    image = ax.imshow(data, cmap=cmap, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(n_rows), [shorten(r, max_label_chars) for r in table.index])
    ax.set_xticks(range(n_cols), col_labels)
    ax.tick_params(top=False, bottom=True, length=0)
    if rotate:
        ax.set_xticklabels(col_labels, rotation=40, ha="right", rotation_mode="anchor")
    ax.spines[:].set_visible(False)
    if annotate:
        size = "small" if n_cols <= 12 else "x-small"
        for (i, j), value in np.ndenumerate(data):
            if np.isfinite(value):
                ink = _ink(to_rgb(image.cmap(image.norm(value))))
                ax.text(j, i, format(value, fmt), ha="center", va="center", color=ink,
                        fontsize=size)
    bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02, aspect=30)
    bar.outline.set_visible(False)
    if colorbar_label:
        bar.set_label(colorbar_label)
    if fmt.endswith("%"):
        bar.formatter = FuncFormatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel(xlabel if xlabel is not None else (table.columns.name or ""))
    ax.set_ylabel(ylabel if ylabel is not None else (table.index.name or ""))
    if title:
        ax.set_title(title)
    return fig


def _wide(data: pd.DataFrame, x: str, series: str, value: str) -> pd.DataFrame:
    """A long table (x, series, value) pivoted to x × series (summing duplicates)."""
    require_columns(data, x, series, value)
    wide = data.pivot_table(index=x, columns=series, values=value, aggfunc="sum", fill_value=0)
    wide.index = pd.DatetimeIndex(_as_datetime(wide.index.to_series()).to_numpy())
    return wide.sort_index()


@styled
def stacked_shares(data: pd.DataFrame, *, x: str = "period", series: str = "series",
                   value: str = "value", top: int = 8, normalize: bool = True,
                   title: str | None = None, ylabel: str | None = None,
                   max_label_chars: int = 35, colours: Mapping[str, str] | None = None,
                   width: float = TEXT_WIDTH, height: float = 3.0) -> Figure:
    """Stacked areas of each series' share of a period (``normalize``) or of raw values,
    from a long table; the ``top`` series by total are drawn, the rest as "other";
    ``colours``: a colour per series (e.g. each topic's own), else the palette in order."""
    wide = _wide(data, x, series, value)
    order = list(wide.sum().sort_values(ascending=False).index)
    if len(order) > top:
        wide[OTHER] = wide[order[top:]].sum(axis=1)
        wide = wide[order[:top] + [OTHER]]
    else:
        wide = wide[order]
    totals = wide.sum(axis=1)
    shown = wide.div(totals.where(totals > 0), axis=0).fillna(0) if normalize else wide
    fig, ax = new_figure(width, height)
    fills = [GREY if s == OTHER else (colours or {}).get(s, c)
             for s, c in zip(shown.columns, palette(len(shown.columns)), strict=True)]
    ax.stackplot(shown.index, shown.T.to_numpy(), colors=fills, linewidth=0.3,
                 edgecolor="white", labels=[shorten(s, max_label_chars) for s in shown.columns])
    _date_axis(ax)
    ax.set_xlim(shown.index.min(), shown.index.max())
    if normalize:
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_ylabel(ylabel or ("share of documents" if normalize else value))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0),
              handlelength=1)
    if title:
        ax.set_title(title)
    if normalize and (totals == 0).any():
        add_note(fig, f"{int((totals == 0).sum())} periods without documents are drawn empty.")
    return fig


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs, inclusive, of the runs of True in ``flags``."""
    padded = np.concatenate([[False], flags.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@styled
def small_multiples(data: pd.DataFrame, *, x: str = "period", series: str = "series",
                    value: str = "value", burst: str | None = "burst",
                    bursts: pd.DataFrame | None = None, ncols: int = 2,
                    sharey: bool = False, title: str | None = None,
                    max_label_chars: int = 40, colours: Mapping[str, str] | None = None,
                    width: float = TEXT_WIDTH) -> Figure:
    """One small panel per series (in order of appearance) with bursts shaded: either a
    boolean ``burst`` column of the long table (runs of True periods) or ``bursts``, a table
    of intervals with columns ``series`` (named as in ``data``), ``start`` and ``end``;
    ``colours``: a line colour per series (e.g. each topic's own)."""
    require_columns(data, x, series, value)
    names = list(dict.fromkeys(data[series]))
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = new_figure(width, 0.4 + 1.25 * nrows, nrows=nrows, ncols=ncols, sharex=True,
                           sharey=sharey, squeeze=False)
    half_step = None
    for ax, name in zip(axes.flat, names, strict=False):
        part = data[data[series] == name].copy()
        part["_x"] = _as_datetime(part[x]).to_numpy()
        part = part.sort_values("_x")
        xs, ys = part["_x"].to_numpy(), part[value].to_numpy(dtype=float)
        if len(xs) > 1:
            half_step = np.median(np.diff(xs)) / 2
        ax.plot(xs, ys, color=(colours or {}).get(name, OKABE_ITO[0]), linewidth=1.1)
        pad = half_step if half_step is not None else np.timedelta64(0, "D")
        if burst and burst in part.columns:
            for a, b in _runs(part[burst].fillna(False).to_numpy()):
                ax.axvspan(xs[a] - pad, xs[b] + pad, color=OKABE_ITO[1], alpha=0.3, lw=0)
        if bursts is not None:
            for _, row in bursts[bursts[series] == name].iterrows():
                start, end = _as_datetime(pd.Series([row["start"], row["end"]]))
                ax.axvspan(start, end, color=OKABE_ITO[1], alpha=0.3, lw=0)
        rtl = direction(str(name)) == "rtl"
        ax.set_title(shorten(name, max_label_chars), fontsize="medium", fontweight="normal",
                     loc="right" if rtl else "left")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    for ax in axes.flat:
        _date_axis(ax)
    if title:
        fig.suptitle(title)
    add_note(fig, "Shaded: detected bursts.")
    return fig


def _lanes(starts: np.ndarray, ends: np.ndarray, gap: float) -> list[int]:
    """Greedy lane assignment: each interval (sorted by start) goes to the lowest lane whose
    last interval ended ``gap`` before it starts."""
    lane_end: list[float] = []
    lanes = []
    for start, end in zip(starts, ends, strict=True):
        for lane, last in enumerate(lane_end):
            if start >= last + gap:
                lane_end[lane] = end
                lanes.append(lane)
                break
        else:
            lane_end.append(end)
            lanes.append(len(lane_end) - 1)
    return lanes


_LEVEL_MARKERS = {"topic": "o", "story": "D", "day": "s"}


@styled
def event_timeline(events: pd.DataFrame, *, date: str = "date", label: str = "label",
                   group: str | None = None, title: str | None = None,
                   max_label_chars: int = 48, width: float = TEXT_WIDTH,
                   level: str | None = "level", colours: Mapping[str, str] | None = None
                   ) -> Figure:
    """Dated events on a time axis with their (Arabic or English) headlines in staggered
    lanes, so that no two labels overlap; each label starts at its date in its reading
    direction (Arabic leftwards), stems pass behind labels; ``group`` colours the markers.
    With a ``level`` column (the timeline's events table), topic bursts are drawn as
    circles, story-level events as diamonds and day events (:mod:`timelines.days`) as
    squares, named in the legend. ``colours``: a colour
    per group (e.g. each topic's own), else the palette in order."""
    require_columns(events, date, label)
    level = level if level and level in events else None
    ev = events.assign(_x=_as_datetime(events[date]).to_numpy()).dropna(subset=["_x"])
    ev = ev.sort_values("_x").reset_index(drop=True)
    if ev.empty:
        raise ValueError("no dated events to draw")
    groups = ev[group].astype(str) if group else pd.Series("", index=ev.index)
    entries = (groups.nunique() if group else 0) + (ev[level].nunique() if level else 0)
    # tall enough for the legend while text widths are measured: a collapsed layout would
    # leave the axes at a default width, and the lanes would be planned for the wrong one
    fig, ax = new_figure(width, max(2.0, 1.2 + 0.2 * entries))
    xs = date2num(ev["_x"].to_numpy())
    span = max(xs.max() - xs.min(), 1.0)
    ax.set_xlim(xs.min() - 0.02 * span, xs.max() + 0.02 * span)
    ax.yaxis.set_visible(False)
    ax.spines[["left"]].set_visible(False)
    _date_axis(ax)
    colour_of = {g: (colours or {}).get(g, c) for g, c in
                 zip(dict.fromkeys(groups), palette(groups.nunique()), strict=True)}
    marks = ev[level].map(lambda v: _LEVEL_MARKERS.get(v, "o")) if level else \
        pd.Series("o", index=ev.index)
    if group:
        for g, c in colour_of.items():
            ax.plot([], [], "o", ms=4, color=c, label=shorten(g, 24))
    if level:
        names = {"topic": "topic burst", "story": "story in a topic",
                 "day": "key day (date ranker)"}
        for v in dict.fromkeys(ev[level]):
            ax.plot([], [], _LEVEL_MARKERS.get(v, "o"), ms=4, color=GREY,
                    label=names.get(v, str(v)))
    if group or level:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=1)
    if title:
        ax.set_title(title)
    fig.draw_without_rendering()  # fixes the axes' width, so text widths map to days
    renderer = fig._get_renderer()
    to_data = ax.transData.inverted()
    lo, hi = ax.get_xlim()
    texts, starts, ends = [], [], []
    for xv, text in zip(xs, ev[label], strict=True):
        text = shorten(text, max_label_chars)
        t = ax.text(xv, 0, text, va="center", fontsize="small", zorder=4, in_layout=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        bbox = t.get_window_extent(renderer)
        days = to_data.transform((bbox.x1, 0))[0] - to_data.transform((bbox.x0, 0))[0]
        days += 8 / 72 * fig.dpi * (hi - lo) / ax.get_window_extent(renderer).width
        # a label reads away from its date: Arabic to the left, Latin to the right,
        # unless that would run past the axes' edge
        leftward = direction(text) == "rtl"
        if (leftward and xv - days < lo) or (not leftward and xv + days > hi):
            leftward = not leftward
        t.set_ha("right" if leftward else "left")
        starts.append(xv - days if leftward else xv)
        ends.append(xv if leftward else xv + days)
        texts.append(t)
    order = np.argsort(starts, kind="stable")
    lane_of = np.empty(len(texts), dtype=int)
    lane_of[order] = _lanes(np.asarray(starts)[order], np.asarray(ends)[order], 0.01 * span)
    n_lanes = int(lane_of.max()) + 1
    legend = ax.get_legend()
    legend_inches = legend.get_window_extent(renderer).height / fig.dpi if legend else 0.0
    fig.set_size_inches(width, max(0.9 + 0.26 * n_lanes, 0.9 + legend_inches))
    for t, xv, lane, g, mk in zip(texts, xs, lane_of, groups, marks, strict=True):
        y = lane + 1
        t.set_y(y)
        offset = -3 if t.get_ha() == "right" else 3
        t.set_x(xv)
        t.set_transform(ax.transData + ScaledTranslation(offset / 72, 0, fig.dpi_scale_trans))
        ax.plot([xv, xv], [0, y], color="#BBBBBB", lw=0.5, zorder=1)  # hidden behind labels
        ax.plot([xv], [y], mk, ms=3, color=colour_of[g], zorder=3)
    ax.scatter(xs, np.zeros_like(xs), s=8, color=[colour_of[g] for g in groups], zorder=3)
    ax.set_ylim(-0.5, n_lanes + 0.7)
    return fig
