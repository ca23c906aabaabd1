"""A figure book: figures saved with their captions, and a manifest the report reads.

>>> book = FigureBook(store.figures_dir("fa-kes"))
>>> book.publish(figures.topic_figures(result), section="topics")   # saves, shows in Jupyter
>>> book.entries("topics")   # [{"name", "caption", "section", "files": {ext: file}}]
"""

from __future__ import annotations

import contextlib
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
        """Save ``fig`` as ``<name>.<ext>`` and record it; returns ``{ext: path}``."""
        stem = slugify(name)
        paths = save(fig, self.directory, stem, formats=self.formats)
        with self._locked():
            manifest = self._read()
            manifest[stem] = {"name": stem, "caption": caption or figure_title(fig) or stem,
                              "section": section,
                              "files": {ext: p.name for ext, p in paths.items()}}
            write_json(self.directory / MANIFEST, manifest)
        return paths

    def publish(self, panels: Iterable[Panel], section: str | None = None) -> list[str]:
        """Save every panel (and display it when running in Jupyter); the names saved. A
        ``section``'s earlier figures are removed first, so none outlives its data."""
        if section is not None:
            self.clear(section)
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
        return names

    def clear(self, section: str) -> None:
        """Forget (and delete) a section's figures, before it is drawn again."""
        with self._locked():
            manifest = self._read()
            for stem, entry in list(manifest.items()):
                if entry.get("section") == section:
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
