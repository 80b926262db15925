"""The tutorial notebooks (notebooks/*.ipynb) run from top to bottom on a fresh kernel, and
show their results the way a reader expects: tables as DataFrames (HTML), charts inline."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_two_tutorials() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01-library-tour.ipynb",
                                           "02-your-own-spreadsheet.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_renders(path: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name}: commit notebooks without outputs (they are produced when run)")
    # Raises CellExecutionError, naming the cell, on the first error.
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    kinds = [key for c in nb.cells if c.cell_type == "code"
             for out in c.outputs for key in out.get("data", {})]
    assert kinds.count("text/html") >= 3, "DataFrames should render as tables"
    assert "image/png" in kinds, "charts should render inline"
