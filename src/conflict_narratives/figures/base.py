"""House style, fonts, bidi-safe labels and saving for :mod:`conflict_narratives.figures`.

Figures are built on :class:`matplotlib.figure.Figure` directly (never pyplot), so they are
not registered with a GUI/inline figure manager: nothing leaks, and a notebook shows a
figure exactly once, when it is the cell's value or passed to ``display``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

log = logging.getLogger(__name__)

TEXT_WIDTH = 6.5  # inches: an A4 page's text width with 2.5 cm margins
HALF_WIDTH = 3.2
FORMATS = ("png", "svg", "pdf")
DPI = 200

# Okabe & Ito (2008), reordered so that the first colours contrast most on white;
# Tol's "muted" scheme extends it for more categories. Both are colour-blind safe.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
             "#000000"]
TOL_MUTED = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
             "#882255", "#AA4499"]
GREY = "#9E9E9E"
LIGHT_GREY = "#D9D9D9"
SEQUENTIAL_CMAP = "Blues"

# Unicode bidi isolates (UAX #9): zero-width in matplotlib's layout (libraqm + FriBidi).
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
ELLIPSIS = "\u2026"
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


COLOURS = OKABE_ITO[:7] + TOL_MUTED


def palette(n: int) -> list[str]:
    """``n`` distinct colour-blind-safe colours (Okabe–Ito, then Tol muted; cycles past 16)."""
    return [COLOURS[i % len(COLOURS)] for i in range(n)]


def topic_colour(topic: int) -> str:
    """A topic's colour in every figure, from its id (outliers, -1: light grey): a topic
    keeps its colour from one figure to the next, and through refits that keep its id."""
    return LIGHT_GREY if int(topic) == -1 else COLOURS[int(topic) % len(COLOURS)]


def topic_colours(topics) -> dict[int, str]:
    """``{topic: colour}`` for a result's topic ids (``topic_info["topic"]``)."""
    return {int(t): topic_colour(t) for t in topics}


@functools.lru_cache(maxsize=1)
def _amiri_family() -> str | None:
    """Register the Amiri font files of ``fontpkg-amiri`` with matplotlib; its family name,
    or None when the package is not installed."""
    try:
        import fontpkg

        family = fontpkg.family("amiri")
    except Exception as exc:  # ImportError, fontpkg.FamilyNotInstalled
        log.info("Amiri not available (%s); using DejaVu Sans", exc)
        return None
    for font_file in family.files:
        font_manager.fontManager.addfont(str(font_file.path))
    return family.name


def font_families(font: str = "auto") -> list[str]:
    """The font family list: ``auto`` = Amiri (Arabic and Latin) when installed, with DejaVu
    Sans as per-glyph fallback; ``dejavu`` = DejaVu Sans only."""
    if font not in {"auto", "amiri", "dejavu"}:
        raise ValueError(f"font must be 'auto', 'amiri' or 'dejavu', not {font!r}")
    if font == "dejavu":
        return ["DejaVu Sans"]
    amiri = _amiri_family()
    if amiri is None and font == "amiri":
        raise RuntimeError("font='amiri' needs the fontpkg-amiri package")
    return [amiri, "DejaVu Sans"] if amiri else ["DejaVu Sans"]


def rc_params(font: str = "auto", base_size: float = 9.0) -> dict[str, Any]:
    """The house style as matplotlib rcParams (sizes in points for a 6.5 in text width)."""
    return {
        "font.family": font_families(font),
        "font.size": base_size,
        "axes.titlesize": base_size + 1,
        "axes.titleweight": "bold",
        "axes.labelsize": base_size,
        "xtick.labelsize": base_size - 0.5,
        "ytick.labelsize": base_size - 0.5,
        "legend.fontsize": base_size - 0.5,
        "legend.title_fontsize": base_size,
        "legend.frameon": False,
        "figure.titlesize": base_size + 2,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "axes.prop_cycle": mpl.cycler(color=palette(16)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.linewidth": 0.6,
        "axes.grid": False,
        "grid.color": "#E5E5E5",
        "grid.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": 1.4,
        "image.cmap": "viridis",
        "savefig.dpi": DPI,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.05,
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
    }


_ACTIVE: dict[str, Any] = {"font": "auto", "base_size": 9.0}


def use_style(font: str = "auto", base_size: float = 9.0) -> None:
    """Apply the house style globally (e.g. at the top of a notebook); plot functions then
    draw with these settings too."""
    params = rc_params(font, base_size)
    _ACTIVE.update(font=font, base_size=base_size)
    mpl.rcParams.update(params)


@contextlib.contextmanager
def style(font: str | None = None, base_size: float | None = None) -> Iterator[None]:
    """The house style for the duration of a ``with`` block (defaults: as last set by
    :func:`use_style`)."""
    font = _ACTIVE["font"] if font is None else font
    base_size = _ACTIVE["base_size"] if base_size is None else base_size
    with mpl.rc_context(rc_params(font, base_size)):
        yield


def styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Make a plot function draw in the house style whatever the global rcParams are."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with style():
            fig = func(*args, **kwargs)
            # lay out once here, so ticks made lazily at draw time inherit the house style
            fig.draw_without_rendering()
        return fig

    return wrapper


def require_columns(table: Any, *columns: str) -> None:
    """Raise a KeyError naming the missing columns and the ones the table has."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise KeyError(f"table lacks column(s) {missing}; it has {list(table.columns)}")


def new_figure(width: float = TEXT_WIDTH, height: float = 3.0, **subplots: Any):
    """A constrained-layout figure and its axes (``subplots`` as for ``Figure.subplots``)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots(**subplots)


# ---------------------------------------------------------------- bidi-safe labels


def direction(text: str) -> str:
    """``'rtl'`` or ``'ltr'``: the direction of the first strong character (UAX #9 P2,
    skipping isolates), ``'ltr'`` when there is none."""
    depth = 0
    for ch in str(text):
        if ch in (LRI, RLI, FSI):
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(ch)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return "ltr"


def shorten(text: object, max_chars: int | None = 40) -> str:
    """One-line display text: whitespace collapsed, stray bidi controls dropped, cut at a
    word boundary to ``max_chars`` with an ellipsis (which lands at the visual end for
    either direction)."""
    out = " ".join(_BIDI_CONTROLS.sub("", str(text)).split())
    if max_chars is None or len(out) <= max_chars:
        return out
    cut = out[: max_chars - 1]
    if " " in cut[max_chars // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" _·,;:-") + ELLIPSIS


def isolate(value: object) -> str:
    """A number, date or Latin snippet wrapped in a left-to-right isolate, so that inside
    Arabic text it keeps its inner order and signs (``-1`` never turns into ``1-``)."""
    return f"{LRI}{value}{PDI}"


def fmt_count(value: float) -> str:
    """``1,234`` for whole numbers and anything from 100 up, else three significant digits."""
    if float(value).is_integer() or abs(value) >= 100:
        return f"{round(value):,}"
    return f"{value:.3g}"


def compose_label(text: object, number: object = None, *, max_chars: int | None = 40,
                  sep: str = " · ") -> str:
    """A label of text plus an optional number (topic id, count, date) that reads right in
    both directions: the number sits where reading starts — left of Latin text, right of
    Arabic text — inside an LTR isolate so signs and separators stay attached."""
    body = shorten(text, max_chars)
    if number is None or number == "":
        return body
    return f"{isolate(number)}{sep}{body}"


def topic_label(topic: int, label: object = None, words: Sequence[str] | None = None, *,
                max_chars: int | None = 40, n_words: int = 4) -> str:
    """Display label of a topic: its ``label`` (BERTopic's ``"3_word_word"`` form is
    tidied) or its first words, led by the topic id; topic -1 reads "outliers"."""
    if int(topic) == -1:
        return compose_label("outliers", -1, max_chars=max_chars)
    text = "" if label is None else str(label)
    text = re.sub(rf"^{int(topic)}_", "", text).replace("_", " ").strip()
    if not text and words is not None and len(words):
        text = " ".join(str(w) for w in list(words)[:n_words])
    return compose_label(text or f"topic {int(topic)}", int(topic), max_chars=max_chars)


def add_note(fig: Figure, text: str) -> None:
    """A small grey caption under the figure (kept by ``bbox_inches='tight'``)."""
    fig.text(0.0, -0.01, text, ha="left", va="top", fontsize=mpl.rcParams["font.size"] - 1.5,
             color="#555555", wrap=True)


def declutter(fig: Figure, texts: Sequence[Any], *, rounds: int = 60, pad: float = 2.0) -> None:
    """Nudge overlapping text labels apart vertically (in display space) until none overlap
    or ``rounds`` passes are done; labels keep their x position."""
    if len(texts) < 2:
        return
    fig.draw_without_rendering()
    renderer = fig._get_renderer()
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer).expanded(1.0, 1.0) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0) + pad
                if a.x0 < b.x1 and b.x0 < a.x1 and overlap_y > pad:
                    shift = overlap_y / 2 * (1 if a.y0 + a.y1 >= b.y0 + b.y1 else -1)
                    for k, sign in ((i, 1), (j, -1)):
                        _shift_points(fig, texts[k], sign * shift)
                        boxes[k] = boxes[k].translated(0, sign * shift)
                    moved = True
        if not moved:
            return


def _shift_points(fig: Figure, text: Any, dy_pixels: float) -> None:
    """Move ``text`` by ``dy_pixels`` on screen, as a points offset (survives resizing)."""
    dy = dy_pixels / fig.dpi
    text.set_transform(text.get_transform() + ScaledTranslation(0, dy, fig.dpi_scale_trans))


# ---------------------------------------------------------------- saving


def slugify(name: str) -> str:
    """A stable file name: NFKC, lower-case, runs of anything but letters/digits/``.-`` to
    ``_`` (Arabic letters are kept)."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("._-")
    if not text:
        raise ValueError(f"cannot make a file name from {name!r}")
    return text


def save(fig: Figure, directory: str | Path, name: str, *, formats: Sequence[str] = FORMATS,
         dpi: int = DPI) -> dict[str, Path]:
    """Write ``fig`` as PNG (``dpi``), SVG (text as paths) and PDF (TrueType embedded) to
    ``<directory>/<name>.<ext>``; return ``{ext: path}``. (A :class:`figures.FigureBook`
    also records each figure's caption for the report.)

    The figure is left open and unchanged, so the caller can still show or edit it; figures
    made here are not registered with pyplot, so there is nothing to close."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unsupported formats {sorted(unknown)}; use {list(FORMATS)}")
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = slugify(name)
    paths: dict[str, Path] = {}
    with mpl.rc_context({"svg.fonttype": "path", "pdf.fonttype": 42, "svg.hashsalt": stem}):
        for ext in formats:
            path = out_dir / f"{stem}.{ext}"
            with _embedded_fonts_without_layout() if ext == "pdf" else contextlib.nullcontext():
                fig.savefig(path, format=ext, dpi=dpi, bbox_inches="tight", pad_inches=0.05,
                            metadata=_metadata(ext, name))
            paths[ext] = path
    return paths


@contextlib.contextmanager
def _embedded_fonts_without_layout():
    """PDF fonts embedded without their OpenType layout tables (GSUB, GPOS, GDEF, …):
    matplotlib has shaped the text already and places glyphs by id, so a PDF reader never
    uses them. They are taken out of the font as soon as it is loaded: left for the
    subsetter to drop, they were still read (fontTools checks their lookup formats before
    subsetting, 5 of a report's 10 s of PDF). The glyphs drawn and the files are the same."""
    from fontTools import subset

    load_font = subset.load_font

    def without_layout(*args, **kwargs):
        font = load_font(*args, **kwargs)
        for tag in _LAYOUT_TABLES:
            if tag in font:
                del font[tag]
        return font

    subset.load_font = without_layout
    try:
        yield
    finally:
        subset.load_font = load_font


_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "kern", "morx", "kerx")


def figure_title(fig: Figure) -> str:
    """The figure's suptitle, else its first axes title ('' when it has none)."""
    if fig._suptitle is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text()
    return next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def _metadata(ext: str, title: str) -> dict[str, Any]:
    """Reproducible files: no creation dates (so unchanged figures give identical bytes)."""
    if ext == "pdf":
        return {"Title": title, "CreationDate": None, "ModDate": None}
    if ext == "svg":
        return {"Title": title, "Date": None}
    return {"Title": title}
