"""Report notebooks executed in this process (``report.inprocess``): the notebook written
holds what a kernel would have written, an error names its notebook and cell, and nothing
a notebook does outlives it."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import pytest
from IPython import get_ipython
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conflict_narratives.report.inprocess import CellError, available, execute_in_process


def _notebook(path: Path, *cells: str) -> Path:
    """A notebook with a tagged parameters cell (``n``, ``name``) then ``cells``."""
    nb = new_notebook(cells=[new_markdown_cell("# test"),
                             new_code_cell("n = 1\nname = 'x'", metadata={"tags": ["parameters"]}),
                             *map(new_code_cell, cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _outputs(path: Path) -> list[list[dict]]:
    """The outputs of each code cell of the notebook written at ``path``."""
    cells = nbformat.read(str(path), as_version=4).cells
    return [c.outputs for c in cells if c.cell_type == "code"]


def _text(output: dict) -> str:
    return output.get("text", "")


def test_a_notebook_runs_in_process_with_its_parameters_and_outputs(tmp_path):
    source = _notebook(
        tmp_path / "nb.ipynb",
        "%matplotlib inline\nimport os\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
        "from conflict_narratives.report.inprocess import available\n"
        "print('n is', n, name)\nprint(os.getcwd())\nprint('inside, available:', available())",
        "display(pd.DataFrame({'a': [n, 2]}))\nprint('between')\ndisplay(pd.DataFrame({'b': [3]}))",
        "fig, ax = plt.subplots()\nax.plot([1, 2], [n, 3]);",
        "pd.DataFrame({'c': [n]})",
        "pd.DataFrame({'d': [n]});")
    backend = matplotlib.get_backend()
    out = execute_in_process(source, tmp_path / "out" / "nb.ipynb",
                             {"n": 7, "name": "y", "undeclared": 1})
    assert out == tmp_path / "out" / "nb.ipynb"
    _, injected, first, tables, figure, result, quiet = _outputs(out)
    assert injected == []
    printed = _text(first[0])
    assert "n is 7 y" in printed  # the parameters given, not the notebook's own
    assert str(tmp_path / "out") in printed  # cells run in the output folder
    assert "inside, available: False" in printed  # a report from a notebook uses kernels
    assert [o["output_type"] for o in tables] == ["display_data", "stream", "display_data"]
    assert "text/html" in tables[0]["data"] and _text(tables[1]) == "between\n"
    assert [o["output_type"] for o in figure] == ["display_data"]  # inline; ';' hides the line
    assert "image/png" in figure[0]["data"]
    assert [o["output_type"] for o in result] == ["execute_result"]
    assert "text/html" in result[0]["data"] and ">7<" in result[0]["data"]["text/html"]
    assert quiet == []
    nbformat.validate(nbformat.read(str(out), as_version=4))
    # nothing outlives the notebook: no shell, no open figure, the backend as it was
    assert get_ipython() is None and available()
    assert plt.get_fignums() == [] and matplotlib.get_backend() == backend


def test_a_raising_cell_names_its_notebook_and_cell(tmp_path):
    source = _notebook(tmp_path / "broken.ipynb", "x = 1", "print('before')\n1 / 0",
                       "print('never')")
    out = tmp_path / "out" / "broken.ipynb"
    with pytest.raises(CellError, match=r"broken\.ipynb, cell 4 of 5 .*ZeroDivisionError"):
        execute_in_process(source, out, {})
    outputs = _outputs(out)
    assert _text(outputs[2][0]) == "before\n"
    error = outputs[2][1]
    assert error["output_type"] == "error" and error["ename"] == "ZeroDivisionError"
    assert error["traceback"]
    assert outputs[3] == []  # not run


def test_a_syntax_error_is_a_cell_error_too(tmp_path):
    source = _notebook(tmp_path / "typo.ipynb", "def (")
    with pytest.raises(CellError, match=r"typo\.ipynb, cell 3 of 3 .*SyntaxError"):
        execute_in_process(source, tmp_path / "out" / "typo.ipynb", {})


def test_notebooks_share_no_names(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "left_behind = 1")
    execute_in_process(first, tmp_path / "out" / "a.ipynb", {})
    second = _notebook(tmp_path / "b.ipynb", "left_behind")
    with pytest.raises(CellError, match="NameError"):
        execute_in_process(second, tmp_path / "out" / "b.ipynb", {})


def test_every_notebook_shows_its_inline_figures(tmp_path):
    """matplotlib_inline remembers process-wide that it gave a shell its figure formats: the
    second notebook's new shell must get them too (its figures were text, not PNG)."""
    cell = "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, n]);"
    for name in ("a", "b", "c"):
        out = execute_in_process(_notebook(tmp_path / f"{name}.ipynb", cell),
                                 tmp_path / "out" / f"{name}.ipynb", {"n": 2})
        shown = _outputs(out)[-1]
        assert [o["output_type"] for o in shown] == ["display_data"], name
        assert "image/png" in shown[0]["data"], name
