"""Every committed notebook executes top to bottom within its time budget, ends in
checked assertions, and prints what it printed when it was built.

Each notebook ends in a cell of assertions on the facts it teaches (engine gradient
equals the analytic one, accuracy above a floor, exercise answers, ...), so a lesson
that breaks fails here. The kernel environment is the build's (`notebooks.build`): one
BLAS thread and the other pins that make numbers reproducible, so a notebook whose
committed outputs differ from a fresh run is stale and fails (timings masked), whenever
the data folder holds the same lecture files as the build did (`CHAINRULE_DATA`; with
other files the notebooks fall back or skip cells, and only the run is checked).
"""

from __future__ import annotations

import copy
import difflib
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from notebooks import build  # noqa: E402  (after the skips: it imports nbformat)

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted((NOTEBOOK_DIR / "src").glob("[0-9][0-9]_*.py"))
TIMEOUT_SECONDS = 90
NEEDS_NAMES = ("10_", "11_")  # the character-level language models: no stand-in data


def names_or_skip() -> None:
    """Skip, saying why, when names.txt is neither in the data folder nor downloadable."""
    from nn import datasets

    try:
        datasets.load_names()
    except datasets.DatasetNotAvailable as error:
        pytest.skip(f"notebooks 10 and 11 need names.txt: {error}")


def test_every_source_has_a_committed_notebook():
    assert len(SOURCES) == 12, [s.name for s in SOURCES]
    assert [p.stem for p in NOTEBOOKS] == [s.stem for s in SOURCES]


def test_committed_notebooks_are_built_from_their_sources():
    for source, path in zip(SOURCES, NOTEBOOKS):
        committed = [cell.source for cell in nbformat.read(path, as_version=4).cells]
        fresh = [cell.source for cell in build.read_source(source).cells]
        assert committed == fresh, f"{path.name} is stale: python -m notebooks.build {path.stem}"


def test_timings_are_masked_and_nothing_else():
    line = "400 samples: 217.5 ms, 0.72 ms (304x faster); MLP 1,234 5.20%    4.3s 3 steps"
    assert build.TIMING.sub("<t>", line) == (
        "400 samples: <t>, <t> (<t>); MLP 1,234 5.20%    <t> 3 steps"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_reproduces_its_outputs(path: Path):
    committed = nbformat.read(path, as_version=4)
    assert any("assert" in cell.source for cell in committed.cells[-1:]), "ends in checks"
    assert any("exercise" in cell.source.lower() for cell in committed.cells), "has exercises"
    if path.name.startswith(NEEDS_NAMES):
        names_or_skip()
    notebook = copy.deepcopy(committed)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=TIMEOUT_SECONDS,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        coalesce_streams=True,
    )
    client.execute(env=build.kernel_environment())  # raises CellExecutionError on a failure
    last = notebook.cells[-1].outputs
    assert any("all checks passed" in output.get("text", "") for output in last)
    built_with = committed.metadata.get("chainrule", {}).get("data")
    if built_with != build.data_files():
        pytest.skip(
            f"{path.name} ran and passed its checks; its outputs were not compared: it was "
            f"built with data files {built_with}, this data folder has {build.data_files()}"
        )
    for number, (old, new) in enumerate(
        zip(build.text_outputs(committed), build.text_outputs(notebook))
    ):
        if old != new:
            diff = "\n".join(
                difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "now")
            )
            pytest.fail(
                f"{path.name}, code cell {number}: the output differs from the committed "
                f"one (a stale notebook: python -m notebooks.build {path.stem[:2]}):\n{diff}"
            )
