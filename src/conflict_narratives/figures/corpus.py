"""Corpus figures: documents over time per outlet, text lengths, language mix.

Each takes the corpus table (``doc_id, text, date, source, lang, date_status``…) and returns
a :class:`~matplotlib.figure.Figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from conflict_narratives.figures.base import (
    GREY,
    HALF_WIDTH,
    TEXT_WIDTH,
    add_note,
    fmt_count,
    new_figure,
    palette,
    require_columns,
    shorten,
    styled,
)

LANGUAGE_NAMES = {
    "ar": "Arabic", "en": "English", "fr": "French", "es": "Spanish", "it": "Italian",
    "de": "German", "fa": "Persian", "tr": "Turkish", "ku": "Kurdish", "ru": "Russian",
    "he": "Hebrew", "ur": "Urdu", "zh": "Chinese", "pt": "Portuguese", "nl": "Dutch",
}
_FREQS = {"W": ("week", "W-SUN"), "M": ("month", "M"), "Q": ("quarter", "Q"), "Y": ("year", "Y")}
OTHER = "other"
_BY_NAMES = {"lang": "language", "source": "outlet"}


def _by_name(by: str | None) -> str:
    return _BY_NAMES.get(by or "", by or "")


def top_groups(values: pd.Series, top: int | None, other: str = OTHER) -> pd.Series:
    """``values`` (as str; missing → "unknown") with all but the ``top`` most frequent
    folded into ``other``."""
    values = values.astype("string").fillna("unknown").astype(str)
    if top is None or values.nunique() <= top:
        return values
    keep = values.value_counts().index[: top]
    return values.where(values.isin(keep), other)


def _group_order(groups: pd.Series) -> list[str]:
    order = list(groups.value_counts().index)
    if OTHER in order:  # "other" always last
        order.remove(OTHER)
        order.append(OTHER)
    return order


def auto_freq(dates: pd.Series) -> str:
    """``W`` for spans up to two years, ``M`` up to ten, else ``Y``."""
    span = (dates.max() - dates.min()).days if len(dates) else 0
    return "W" if span <= 2 * 366 else "M" if span <= 10 * 366 else "Y"


def dated_documents(corpus: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows usable on a time axis (``date`` set and ``date_status`` "ok" when present) and
    the counts left out: ``{"undated": n, "out_of_range": n}``."""
    require_columns(corpus, "date")
    status = corpus.get("date_status", pd.Series("ok", index=corpus.index))
    undated = corpus["date"].isna()
    out_of_range = ~undated & (status == "out_of_range")
    other = ~undated & ~out_of_range & status.notna() & (status != "ok")
    left_out = {"undated": int(undated.sum()), "out_of_range": int(out_of_range.sum()),
                "other": int(other.sum())}
    return corpus.loc[~(undated | out_of_range | other)], left_out


def left_out_note(left_out: dict[str, int]) -> str:
    parts = [f"{fmt_count(left_out['undated'])} undated",
             f"{fmt_count(left_out['out_of_range'])} dated outside the corpus's range"]
    if left_out.get("other"):
        parts.append(f"{fmt_count(left_out['other'])} with another date status")
    return "Left out: " + ", ".join(parts) + " (see the load report)."


@styled
def documents_over_time(corpus: pd.DataFrame, *, by: str = "source", freq: str = "auto",
                        top: int = 7, title: str | None = None,
                        width: float = TEXT_WIDTH, height: float = 2.8) -> Figure:
    """Documents per week (or ``freq`` = M/Q/Y; ``auto`` picks by span) as bars stacked by
    ``by`` group, the ``top`` largest groups named and the rest as "other". Undated and
    out-of-range documents are left out and counted in a note under the plot."""
    require_columns(corpus, "date", by)
    dated, left_out = dated_documents(corpus)
    if dated.empty:
        raise ValueError("no dated documents to plot")
    dates = dated["date"].dt.tz_convert("UTC").dt.tz_localize(None)
    freq = auto_freq(dates) if freq == "auto" else freq.upper()
    if freq not in _FREQS:
        raise ValueError(f"freq must be one of {list(_FREQS)} or 'auto', not {freq!r}")
    unit, pandas_freq = _FREQS[freq]
    periods = dates.dt.to_period(pandas_freq)
    groups = top_groups(dated[by], top)
    counts = pd.crosstab(periods, groups)
    full = pd.period_range(periods.min(), periods.max(), freq=pandas_freq)
    counts = counts.reindex(full, fill_value=0)
    x = counts.index.to_timestamp(how="start")
    bar_width = counts.index.to_timestamp(how="end") - x  # one period each

    fig, ax = new_figure(width, height)
    order = _group_order(groups)
    bottom = np.zeros(len(counts))
    for group, colour in zip(order, palette(len(order)), strict=True):
        values = counts[group].to_numpy()
        ax.bar(x, values, width=bar_width * 0.85, bottom=bottom, align="edge",
               color=GREY if group == OTHER else colour, linewidth=0,
               label=f"{shorten(group, 24)} ({fmt_count(values.sum())})")
        bottom += values
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    ax.set_ylabel(f"documents per {unit}")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], title=_by_name(by), loc="upper left",
              bbox_to_anchor=(1.0, 1.0), handlelength=1)
    ax.set_title(title or f"Documents per {unit} per {_by_name(by)}")
    add_note(fig, f"{fmt_count(len(dated))} dated documents; {unit}s start "
                  f"{'Monday' if freq == 'W' else 'on the 1st'} (UTC). {left_out_note(left_out)}")
    return fig


def _group_name(group: str, is_lang: bool) -> str:
    if is_lang and group in LANGUAGE_NAMES:
        return f"{LANGUAGE_NAMES[group]} ({group})"
    return shorten(group, 28)


def text_lengths(texts: pd.Series, unit: str = "words") -> pd.Series:
    """Length of each text in ``words`` (whitespace tokens) or ``chars``. Words are counted
    text by text: splitting the whole column at once held every word of the corpus (the
    report's memory peak on ant-multisource)."""
    texts = texts.fillna("").astype(str)
    if unit == "words":
        return pd.Series([len(t.split()) for t in texts], index=texts.index, dtype=int)
    if unit == "chars":
        return texts.str.len().astype(int)
    raise ValueError(f"unit must be 'words' or 'chars', not {unit!r}")


@styled
def length_distribution(corpus: pd.DataFrame, *, by: str = "source", unit: str = "words",
                        column: str = "text", top: int = 12, title: str | None = None,
                        width: float = TEXT_WIDTH) -> Figure:
    """Text length per ``by`` group (outlet or ``lang``) as horizontal box plots on a log
    axis: box = quartiles, whiskers = 5th–95th percentiles, groups sorted by median. A
    corpus table without ``column`` but with the lengths counted (``n_words`` /
    ``n_chars``: a cluster's, whose texts stay on disk) is drawn from those."""
    counted = f"n_{unit}"
    if column not in corpus and counted in corpus:
        require_columns(corpus, counted, by)
        lengths = corpus[counted].astype(int)
    else:
        require_columns(corpus, column, by)
        lengths = text_lengths(corpus[column], unit)
    groups = top_groups(corpus[by], top)
    medians = lengths.groupby(groups).median().sort_values()
    order = ([OTHER] if OTHER in medians.index else []) + [g for g in medians.index if g != OTHER]
    data = [lengths[groups == g].clip(lower=1).to_numpy() for g in order]
    n_empty = int((lengths == 0).sum())

    fig, ax = new_figure(width, 0.9 + 0.28 * len(order))
    ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.6,
               patch_artist=True, boxprops={"facecolor": "#CFE3F3", "edgecolor": "#0072B2"},
               medianprops={"color": "#D55E00", "linewidth": 1.6},
               whiskerprops={"color": "#0072B2"}, capprops={"color": "#0072B2"})
    names = [_group_name(g, by == "lang") for g in order]
    ax.set_yticks(range(1, len(order) + 1), names)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_count(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="x", which="major")
    for i, g in enumerate(order, start=1):
        ax.annotate(f"n={fmt_count(len(data[i - 1]))} · median {fmt_count(medians[g])}",
                    (1.0, i), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize="small", color="#444444")
    ax.set_xlabel(f"{unit} per document (log scale)")
    ax.set_title(title or f"Text length per {_by_name(by)}")
    if n_empty:
        add_note(fig, f"Empty texts ({fmt_count(n_empty)}) are drawn at 1 {unit[:-1]}.")
    return fig


@styled
def language_mix(corpus: pd.DataFrame, *, by: str | None = "source", lang: str = "lang",
                 top: int = 12, top_langs: int = 6, title: str | None = None,
                 width: float = TEXT_WIDTH) -> Figure:
    """Share of each language per ``by`` group (100 % stacked bars, the whole corpus on
    top), document counts at the right. ``by=None`` draws the corpus bar alone."""
    require_columns(corpus, lang, *([by] if by else []))
    langs = top_groups(corpus[lang].replace("", pd.NA), top_langs)
    lang_order = _group_order(langs)
    totals = langs.value_counts()
    rows = {"all documents": totals}
    if by is not None:
        groups = top_groups(corpus[by], top)
        for g in _group_order(groups):
            rows[g] = langs[groups == g].value_counts()
    table = pd.DataFrame(rows).T.reindex(columns=lang_order).fillna(0)
    table = table.iloc[::-1]  # top to bottom: all documents, largest group … "other"
    shares = table.div(table.sum(axis=1), axis=0)

    fig, ax = new_figure(width if by else HALF_WIDTH * 1.6, 1.1 + 0.3 * len(table))
    left = np.zeros(len(table))
    colours = palette(len(lang_order))
    for code, colour in zip(lang_order, colours, strict=True):
        name = LANGUAGE_NAMES.get(code, code)
        ax.barh(range(len(table)), shares[code], left=left, height=0.7,
                color=GREY if code in (OTHER, "unknown") else colour,
                label=f"{name} ({fmt_count(totals.get(code, 0))})")
        for i, (share, start) in enumerate(zip(shares[code], left, strict=True)):
            if share >= 0.08:
                ax.text(start + share / 2, i, f"{share:.0%}", ha="center", va="center",
                        fontsize="small", color="white" if colour != "#F0E442" else "black")
        left += shares[code].to_numpy()
    ax.set_yticks(range(len(table)), [_group_name(g, by == lang) for g in table.index])
    for i, total in enumerate(table.sum(axis=1)):
        ax.annotate(fmt_count(total), (1.0, i), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
    fig.legend(title="language (documents)", loc="outside lower center",
               ncols=min(len(lang_order), 4), handlelength=1)
    ax.set_title(title or "Language mix" + (f" per {_by_name(by)}" if by else ""))
    return fig
