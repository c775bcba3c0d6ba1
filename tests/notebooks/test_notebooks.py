"""Every committed notebook executes top to bottom, within its time budget.

Each notebook ends in a cell of assertions on the facts it teaches (engine gradient
equals the analytic one, accuracy above a floor, ...), so a lesson that breaks fails
here. `CHAINRULE_DATA` is passed through to the kernel: with the lecture data the
notebooks use it, without it they fall back or skip those cells and say so.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((NOTEBOOK_DIR / "src").glob("[0-9][0-9]_*.py"))
TIMEOUT_SECONDS = 90


def kernel_environment() -> dict[str, str]:
    env = dict(os.environ)  # CHAINRULE_DATA passes through
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # the notebooks' matrices are small: one BLAS thread avoids spin-waiting threads
    # (many times slower on a busy 2-core machine); set these variables to override
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def test_every_source_has_a_committed_notebook():
    assert len(SOURCES) == 8, [s.name for s in SOURCES]
    assert [p.stem for p in NOTEBOOKS] == [s.stem for s in SOURCES]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert any("assert" in cell.source for cell in notebook.cells[-1:]), "ends in checks"
    deadline = time.monotonic() + TIMEOUT_SECONDS
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=TIMEOUT_SECONDS,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute(env=kernel_environment())  # raises CellExecutionError on a failing cell
    last = notebook.cells[-1].outputs
    assert any("all checks passed" in output.get("text", "") for output in last)
