"""Notebooks executed in this process: an IPython shell runs each code cell, no kernel.

A Jupyter kernel per notebook costs a process (several hundred MB), its imports and a
second reading of the corpus and results from the store: tens of seconds per section on
a large corpus, for a notebook whose cells only call the package and show what it returns.
:func:`execute_in_process` runs the same cells in the report's own process, in a fresh
namespace each time, and records what a kernel would: printed text, what ``display``
shows (figures the :class:`~conflict_narratives.figures.FigureBook` publishes, tables) and
the value of a cell's last expression. Parameters are injected as papermill does, so the
notebook written is the one a kernel would have written, and it opens in JupyterLab as any.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any


class CellError(RuntimeError):
    """A notebook cell raised: the notebook, the cell and the error."""


def available() -> bool:
    """Whether notebooks can run here: not inside another IPython shell (``report``
    called from a notebook), whose namespace they would share."""
    from IPython import get_ipython

    return get_ipython() is None or isinstance(get_ipython(), _shell_class())


@functools.cache
def _shell_class():
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        """A shell whose ``%matplotlib inline`` needs no event loop (as a kernel's)."""

        def enable_gui(self, gui=None):
            return None

    return Shell


def _shell():
    """This process's shell for notebooks, without a history file (the analyst's is left
    alone)."""
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return _shell_class().instance(config=config)


def _outputs(captured) -> list:
    """A cell's captured text and rich outputs as notebook outputs."""
    from nbformat.v4 import new_output

    out = [new_output("stream", name=name, text=text)
           for name, text in (("stdout", captured.stdout), ("stderr", captured.stderr)) if text]
    return out + [new_output("display_data", data=o.data, metadata=o.metadata or {})
                  for o in captured.outputs]


def execute_in_process(path: Path, out: Path, parameters: dict[str, Any]) -> Path:
    """Execute the notebook ``path`` with ``parameters`` (those it declares) into ``out``,
    cell by cell in this process; a cell that raises stops it with :class:`CellError`
    (the notebook is written up to that cell, with the traceback)."""
    import nbformat
    import papermill
    from IPython.utils.capture import capture_output

    declared = papermill.inspect_notebook(str(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = papermill.execute_notebook(  # parameters injected, nothing executed
        str(path), str(out), parameters={k: v for k, v in parameters.items() if k in declared},
        prepare_only=True, progress_bar=False, log_output=False)
    shell = _shell()
    shell.reset(new_session=False)
    try:
        for number, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            with capture_output() as captured:
                result = shell.run_cell(cell.source, store_history=False, silent=False)
            cell.outputs = _outputs(captured)
            error = result.error_before_exec or result.error_in_exec
            if error is not None:
                nbformat.write(nb, str(out))
                raise CellError(f"{path.name}, cell {number}: {type(error).__name__}: "
                                f"{error}") from error
    finally:
        shell.reset(new_session=False)  # the notebook's objects go with it
    nbformat.write(nb, str(out))
    return out
