"""A figure book: figures saved with their captions, and a manifest the report reads.

>>> book = FigureBook(store.figures_dir("fa-kes"))
>>> book.publish(figures.topic_figures(result), section="topics")   # saves, shows in Jupyter
>>> book.entries("topics")   # [{"name", "caption", "section", "png_sha256", "files": {ext: file}}]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from matplotlib.figure import Figure

from conflict_narratives.figures.base import FORMATS, figure_title, save, slugify
from conflict_narratives.store import write_json

MANIFEST = "manifest.json"


class Panel(NamedTuple):
    """One figure of a stage, with the name it is saved under and its caption."""

    name: str
    figure: Figure
    caption: str


class FigureBook:
    """Saves figures (PNG, SVG, PDF) under one folder and keeps ``manifest.json``: per
    figure its caption, report section and files, in the order they were added."""

    def __init__(self, directory: str | Path, formats=FORMATS):
        self.directory = Path(directory)
        self.formats = tuple(formats)

    def _read(self) -> dict[str, dict[str, Any]]:
        path = self.directory / MANIFEST
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def add(self, name: str, fig: Figure, caption: str | None = None,
            section: str | None = None) -> dict[str, Path]:
        """Save ``fig`` as ``<name>.<ext>`` and record it; returns ``{ext: path}``.

        The PNG is drawn first; when it comes out byte for byte as the one recorded under
        ``name``, the figure is taken as unchanged and its other files (SVG and PDF: most of
        the cost) are kept. That is wrong only for a change the PNG cannot show (a shift
        under one of its pixels, text the same when rasterised) or a change to how
        :func:`base.save` writes vector files: unlikely, and the kept files then show the
        figure as last drawn."""
        stem = slugify(name)
        known = self._read().get(stem, {})
        paths = save(fig, self.directory, stem, formats=[f for f in self.formats if f == "png"])
        digest = _digest(paths["png"]) if paths else None
        if digest is not None and known.get("png_sha256") == digest:
            files = {f: self.directory / known["files"][f] for f in self.formats
                     if f not in paths and f in known["files"]}
            paths |= {f: path for f, path in files.items() if path.is_file()}
        paths |= save(fig, self.directory, stem,
                      formats=[f for f in self.formats if f not in paths])
        with self._locked():
            manifest = self._read()
            manifest[stem] = {"name": stem, "caption": caption or figure_title(fig) or stem,
                              "section": section, "png_sha256": digest,
                              "files": {ext: paths[ext].name for ext in self.formats}}
            write_json(self.directory / MANIFEST, manifest)
        return {ext: paths[ext] for ext in self.formats}

    def publish(self, panels: Iterable[Panel], section: str | None = None) -> list[str]:
        """Save every panel (and display it when running in Jupyter); the names saved. A
        ``section``'s earlier figures that are not among them are removed, so none outlives
        its data."""
        try:
            from IPython import get_ipython
            from IPython.display import Image, display
            shown = get_ipython() is not None
        except ImportError:  # pragma: no cover - IPython ships with jupyter
            shown = False
        names = []
        for panel in panels:
            paths = self.add(panel.name, panel.figure, panel.caption, section)
            names.append(slugify(panel.name))
            if shown:  # the saved PNG (drawn at twice screen resolution), not a new drawing
                display(Image(filename=str(paths["png"]), retina=True) if "png" in paths
                        else panel.figure)
        if section is not None:
            self.clear(section, keep=names)
        return names

    def clear(self, section: str, keep: Iterable[str] = ()) -> None:
        """Forget (and delete) a section's figures, but those named in ``keep``."""
        keep = set(keep)
        with self._locked():
            manifest = self._read()
            for stem, entry in list(manifest.items()):
                if entry.get("section") == section and stem not in keep:
                    for file in entry["files"].values():
                        (self.directory / file).unlink(missing_ok=True)
                    del manifest[stem]
            if manifest or (self.directory / MANIFEST).is_file():
                write_json(self.directory / MANIFEST, manifest)

    def archive(self, section: str, target: Path) -> None:
        """Copy a section's figures and their manifest entries into ``target``."""
        import shutil

        target.mkdir(parents=True, exist_ok=True)
        entries = [e for e in self._read().values() if e.get("section") == section]
        for entry in entries:
            for file in entry["files"].values():
                shutil.copy2(self.directory / file, target / file)
        write_json(target / MANIFEST, entries)

    def restore(self, section: str, source: Path) -> None:
        """Make a section's figures those :meth:`archive` kept in ``source``."""
        import shutil

        self.clear(section)
        entries = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        with self._locked():
            manifest = self._read()
            for entry in entries:
                for file in entry["files"].values():
                    shutil.copy2(source / file, self.directory / file)
                manifest[entry["name"]] = entry
            write_json(self.directory / MANIFEST, manifest)

    @contextlib.contextmanager
    def _locked(self):
        """The manifest to ourselves: notebooks of one report may run at once."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".manifest.lock", "w") as handle:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - not on POSIX
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def entries(self, section: str | None = None) -> list[dict[str, Any]]:
        """Recorded figures (of one ``section``), with their files as paths."""
        return [{**e, "files": {ext: self.directory / f for ext, f in e["files"].items()}}
                for e in self._read().values()
                if section is None or e.get("section") == section]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
