"""A figure book keeps the SVG and PDF of a figure whose PNG is unchanged, redraws them when
it changed, and clears a section but the figures it keeps."""

from __future__ import annotations

import os

from matplotlib.figure import Figure

from conflict_narratives import figures

OLD = 1_000_000_000  # an mtime (2001) no file written now has


def _line(y: float) -> Figure:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1, 2], [0, y, 1])
    return fig


def _age(paths) -> dict[str, int]:
    """Set every file's mtime to ``OLD``; returns the ``ext -> mtime`` as they are then."""
    for path in paths.values():
        os.utime(path, (OLD, OLD))
    return _mtimes(paths)


def _mtimes(paths) -> dict[str, int]:
    return {ext: int(path.stat().st_mtime) for ext, path in paths.items()}


def test_an_unchanged_figure_keeps_its_vector_files_and_a_changed_one_redraws_them(tmp_path):
    book = figures.FigureBook(tmp_path)
    paths = book.add("line", _line(2), "A line", section="s")
    assert set(paths) == {"png", "svg", "pdf"} and all(p.is_file() for p in paths.values())
    _age(paths)
    again = book.add("line", _line(2), "A line, captioned anew", section="s")
    assert again == paths
    assert _mtimes(again)["svg"] == _mtimes(again)["pdf"] == OLD  # kept, not redrawn
    assert _mtimes(again)["png"] != OLD  # the PNG is drawn to compare
    assert book.entries("s")[0]["caption"] == "A line, captioned anew"
    svg = paths["svg"].read_bytes()
    changed = book.add("line", _line(3), "A line", section="s")
    assert all(t != OLD for t in _mtimes(changed).values())  # every file redrawn
    assert changed["svg"].read_bytes() != svg


def test_a_missing_vector_file_is_drawn_again(tmp_path):
    book = figures.FigureBook(tmp_path)
    paths = book.add("line", _line(2))
    paths["pdf"].unlink()
    book.add("line", _line(2))
    assert paths["pdf"].is_file()


def test_clear_keeps_what_it_is_told_and_publish_removes_only_stale_figures(tmp_path):
    book = figures.FigureBook(tmp_path, formats=("png", "svg"))
    book.publish([figures.Panel("a", _line(1), "A"), figures.Panel("b", _line(2), "B")], "s")
    book.add("other", _line(3), section="t")
    book.clear("s", keep=["b"])
    assert [e["name"] for e in book.entries()] == ["b", "other"]
    assert not (tmp_path / "a.png").exists() and (tmp_path / "b.svg").is_file()
    kept = _age({"svg": tmp_path / "b.svg"})
    assert book.publish([figures.Panel("b", _line(2), "B"), figures.Panel("c", _line(4), "C")],
                        "s") == ["b", "c"]
    assert _mtimes({"svg": tmp_path / "b.svg"}) == kept  # b unchanged: not redrawn
    book.publish([figures.Panel("c", _line(4), "C")], "s")  # b is gone from the section
    assert [e["name"] for e in book.entries()] == ["other", "c"]
    assert not (tmp_path / "b.png").exists() and not (tmp_path / "b.svg").exists()
