"""Headless Chromium for the page's tests and benchmark: Playwright driving the system
browser (the Debian ``chromium`` package, ``make browser``), never a downloaded one."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str | None:
    """The system Chromium (``$CHROMIUM`` first), or None."""
    for path in (os.environ.get("CHROMIUM"), *CANDIDATES, shutil.which("chromium")):
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def missing() -> str | None:
    """Why no browser can be driven here (None: one can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no Chromium at /usr/bin/chromium (`make browser` installs the Debian package)"
    return None


@contextmanager
def chromium(width: int = 1360, height: int = 1000):
    """A fresh page in headless Chromium (``with chromium() as page:``), every network
    request it makes recorded in ``page.requests``."""
    from playwright.sync_api import sync_playwright

    reason = missing()
    if reason:
        raise RuntimeError(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.requests = []
            page.errors = []
            page.on("request", lambda r: page.requests.append(r.url))
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            yield page
        finally:
            browser.close()


# Where a data point lies on screen: the plot's view maps data to canvas pixels.
SCREEN_XY = """([name, xs, ys]) => {
  const doc = Bokeh.documents[0], view = Bokeh.index.find_one(doc.get_model_by_name(name))
  const box = view.canvas_view.el.getBoundingClientRect()
  return xs.map((x, i) => [box.x + view.frame.x_scale.compute(x),
                           box.y + view.frame.y_scale.compute(ys[i])])
}"""


def screen_xy(page, plot: str, xs, ys) -> list[tuple[float, float]]:
    """Screen positions of the data points (``xs``, ``ys``) on the plot named ``plot``."""
    return page.evaluate(SCREEN_XY, [plot, [float(x) for x in xs], [float(y) for y in ys]])


MARKS = """() => ["explore-drawn", "explore-ready"].map(
  (m) => performance.getEntriesByName(m)[0].startTime / 1000)"""


def open_page(page, path: Path, timeout_ms: int = 30_000) -> tuple[float, float]:
    """Open ``path`` from ``file://`` and wait until its texts are unpacked; the seconds from
    the navigation's start to the first render (the map and the count of documents shown
    on screen) and to the texts unpacked (hover, reader and search ready), as the page
    marks them."""
    page.goto(Path(path).resolve().as_uri())
    page.wait_for_selector("#n-shown", timeout=timeout_ms)
    page.wait_for_selector("#unpacking", state="detached", timeout=timeout_ms)
    page.wait_for_function("() => performance.getEntriesByName('explore-ready').length",
                           timeout=timeout_ms)
    return tuple(page.evaluate(MARKS))
