"""Notebooks executed in this process: an IPython shell runs each code cell, no kernel.

A Jupyter kernel per notebook costs a process (several hundred MB), its imports and a
second reading of the corpus and results from the store: tens of seconds per section on
a large corpus, for a notebook whose cells only call the package and show what it returns.
:func:`execute_in_process` runs the same cells in the report's own process and records what
a kernel would, in order: printed text, what ``display`` shows (the figures a
:class:`~conflict_narratives.figures.FigureBook` publishes, tables, inline matplotlib
figures), the value of a cell's last expression (unless it ends in ``;``) and an error's
traceback. Parameters are injected as papermill does and the cells run in the output
folder, so the notebook written is the one a kernel would have written.

Each notebook gets a fresh shell, gone after it with its namespace, its open figures and
the matplotlib backend and style it set, so nothing leaks into the next notebook or the
rest of the process (``__main__`` is left as it was). What a notebook changes elsewhere in
the process (pandas display options, imported modules) stays, as in a long-lived kernel.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from pathlib import Path
from typing import Any


class CellError(RuntimeError):
    """A notebook cell raised: the notebook, the cell and the error."""


def available() -> bool:
    """Whether notebooks can run here: not inside an IPython shell or Jupyter kernel
    (``report`` called from a notebook), whose namespace and display they would share."""
    from IPython import get_ipython

    return get_ipython() is None


class _Stream(io.TextIOBase):
    """A cell's ``stdout`` or ``stderr``: what is written joins the cell's outputs in order."""

    def __init__(self, outputs: list, name: str):
        self.outputs, self.name = outputs, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from nbformat.v4 import new_output

        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == self.name:
            last.text += text
        elif text:
            self.outputs.append(new_output("stream", name=self.name, text=text))
        return len(text)


@functools.cache
def _shell_class():
    """The shell class (built on first use: IPython is imported only when needed)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from nbformat.v4 import new_output
    from traitlets import Type

    class Result(DisplayHook):
        """A cell's last value, as the cell's ``execute_result``."""

        def write_output_prompt(self):
            return None

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.outputs.append(new_output(
                "execute_result", data=format_dict, metadata=md_dict or {},
                execution_count=self.shell.execution_count))

    class Publisher(DisplayPublisher):
        """What ``display`` shows, as ``display_data``."""

        def publish(self, data, metadata=None, *args, **kwargs):
            self.shell.outputs.append(new_output("display_data", data=data,
                                                 metadata=metadata or {}))

        def clear_output(self, wait=False):
            self.shell.outputs.clear()

    class Shell(InteractiveShell):
        """Writes what a cell shows into ``outputs``; ``%matplotlib inline`` needs no event
        loop (as in a kernel)."""

        displayhook_class = Type(Result)
        display_pub_class = Type(Publisher)
        outputs: list = []

        def enable_gui(self, gui=None):
            return None

        def _showtraceback(self, etype, evalue, stb):
            self.outputs.append(new_output("error", ename=etype.__name__,
                                           evalue=str(evalue), traceback=list(stb)))

    return Shell


@contextlib.contextmanager
def _notebook_shell():
    """A fresh shell for one notebook (no history file: the analyst's is left alone);
    afterwards its namespace is cleared, its figures closed, matplotlib's settings and
    backend restored and ``get_ipython()`` is None again."""
    import atexit

    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from traitlets.config import Config

    shell_class = _shell_class()
    config = Config()
    config.HistoryManager.enabled = False
    backend, main = mpl.get_backend(), sys.modules.get("__main__")
    _forget_inline_formats()
    with mpl.rc_context():
        shell = shell_class.instance(config=config)
        if main is not None:  # the shell puts its namespace there
            sys.modules["__main__"] = main
        try:
            yield shell
        finally:
            shell.reset(new_session=False)
            atexit.unregister(shell.atexit_operations)
            shell_class.clear_instance()
            plt.close("all")
            plt.switch_backend(backend)
            _forget_inline_formats()


def _forget_inline_formats() -> None:
    """matplotlib_inline gives a shell its figure formats (PNG) only when the backend
    changes, remembered for the whole process: forgotten, so every notebook's new shell gets
    them (else a second notebook's figures came out as text)."""
    inline = sys.modules.get("matplotlib_inline.backend_inline")
    if inline is not None:
        vars(inline.configure_inline_support).pop("current_backend", None)


def execute_in_process(path: Path, out: Path, parameters: dict[str, Any]) -> Path:
    """Execute the notebook ``path`` with ``parameters`` (those it declares) into ``out``,
    cell by cell in this process, in ``out``'s folder. A cell that raises stops it with
    :class:`CellError` naming the notebook and the cell (its place among the executed
    notebook's cells, from 1); the notebook is written up to that cell, with the traceback."""
    import nbformat
    import papermill

    declared = papermill.inspect_notebook(str(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = papermill.execute_notebook(  # parameters injected, nothing executed
        str(path), str(out), parameters={k: v for k, v in parameters.items() if k in declared},
        prepare_only=True, progress_bar=False, log_output=False)
    with _notebook_shell() as shell, contextlib.chdir(out.parent):
        for number, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs = shell.outputs = []
            with contextlib.redirect_stdout(_Stream(cell.outputs, "stdout")), \
                    contextlib.redirect_stderr(_Stream(cell.outputs, "stderr")):
                result = shell.run_cell(cell.source, store_history=True)
            cell.execution_count = result.execution_count
            if not result.success:
                nbformat.write(nb, str(out))
                error = result.error_before_exec or result.error_in_exec
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                raise CellError(f"{path.name}, cell {number + 1} of {len(nb.cells)} "
                                f"({first!r}): {type(error).__name__}: {error} (written "
                                f"with its traceback: {out})") from error
    nbformat.write(nb, str(out))
    return out
