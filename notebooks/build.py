"""Build the teaching notebooks: readable sources -> executed `.ipynb` files.

Each notebook is written as a Python file in `notebooks/src/` in the "percent" format
(`# %%` starts a code cell, `# %% [markdown]` a markdown cell whose lines are
comments), read by jupytext (`pip install jupytext`; without it a small reader here
gives the same cells). This script turns each source into a notebook, executes it top
to bottom with nbclient (kernel `python3`, at most 90 s per notebook) and writes the executed
notebook, outputs and figures included, to `notebooks/NN_name.ipynb`.

    python -m notebooks.build                  # build and write all notebooks
    python -m notebooks.build 03 06            # only those whose names start with 03 or 06
    python -m notebooks.build --check          # execute without writing anything

`CHAINRULE_DATA` is passed through to the kernel (the folder holding the lecture data).
A build also redraws `docs/images/graph.svg` (notebook 03's neuron) for the README.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent
SOURCE_DIR = NOTEBOOK_DIR / "src"
REPO_ROOT = NOTEBOOK_DIR.parent
README_GRAPH = REPO_ROOT / "docs" / "images" / "graph.svg"
TIMEOUT_SECONDS = 90
CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


# --- source -> notebook ------------------------------------------------------------------


def read_source(path: Path) -> nbformat.NotebookNode:
    """A notebook (not executed) from a percent-format source file: read by jupytext when
    it is installed (`pip install jupytext`), else by `read_percent` (the same cells)."""
    try:
        import jupytext
    except ImportError:
        return read_percent(path)
    cells = []
    for cell in jupytext.read(path, fmt="py:percent").cells:
        text = cell.source.strip("\n")
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(text))
        else:
            cells.append(nbformat.v4.new_markdown_cell(text))
    return _notebook(cells)


def read_percent(path: Path) -> nbformat.NotebookNode:
    """A notebook (not executed) from a percent-format source file, without jupytext."""
    cells: list[nbformat.NotebookNode] = []
    kind, lines = None, []
    for line in path.read_text().splitlines() + ["# %%"]:
        marker = CELL_MARKER.match(line)
        if marker is None:
            lines.append(line)
            continue
        if kind is not None:
            cells.append(_make_cell(kind, lines))
        kind = "markdown" if "[markdown]" in marker.group("rest") else "code"
        lines = []
    return _notebook(cells)


def _notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """The notebook of the non-empty cells, with stable ids and the python3 kernel."""
    cells = [cell for cell in cells if cell.source.strip()]
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number:02d}"  # stable ids: a rebuild changes only what changed
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
    )


def _make_cell(kind: str, lines: list[str]) -> nbformat.NotebookNode:
    text = "\n".join(lines).strip("\n")
    if kind == "code":
        return nbformat.v4.new_code_cell(text)
    return nbformat.v4.new_markdown_cell("\n".join(_uncomment(line) for line in text.splitlines()))


def _uncomment(line: str) -> str:
    if line.startswith("# "):
        return line[2:]
    return line[1:] if line.startswith("#") else line


def notebook_path(source: Path) -> Path:
    """notebooks/src/01_double_well.py -> notebooks/01_double_well.ipynb"""
    return NOTEBOOK_DIR / (source.stem + ".ipynb")


# --- execution --------------------------------------------------------------------------


def kernel_environment() -> dict[str, str]:
    """The kernel's environment: this one, plus the repository on the import path and
    the inline plotting backend; `CHAINRULE_DATA` passes through unchanged."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # the notebooks' matrices are small: one BLAS thread avoids spin-waiting threads
    # (many times slower on a busy 2-core machine); set these variables to override
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def execute(
    notebook: nbformat.NotebookNode, timeout: float = TIMEOUT_SECONDS
) -> nbformat.NotebookNode:
    """Run every cell in order in a fresh `python3` kernel started in `notebooks/`.

    Raises `nbclient.exceptions.CellExecutionError` on the first failing cell (an
    assertion cell included) and `CellTimeoutError` once the whole notebook has taken
    longer than `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=int(timeout),
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
        coalesce_streams=True,
        record_timing=False,
    )
    client.execute(env=kernel_environment())
    return notebook


def build(source: Path, write: bool = True) -> float:
    """Convert, execute and (if `write`) save one notebook; returns seconds taken."""
    start = time.perf_counter()
    notebook = execute(read_source(source))
    seconds = time.perf_counter() - start
    if write:
        nbformat.validate(notebook)
        nbformat.write(notebook, notebook_path(source))
    return seconds


def draw_readme_graph(path: Path = README_GRAPH) -> Path:
    """Draw notebook 03's neuron, loss = (tanh(w x + b) - y)^2, with values and gradients."""
    sys.path.insert(0, str(REPO_ROOT))
    import autograd as ag
    from autograd import viz

    w = ag.tensor(-0.5, requires_grad=True)
    b = ag.tensor(0.5, requires_grad=True)
    x, y = ag.tensor(1.0), ag.tensor(7.0)
    loss = (ag.tanh(w * x + b) - y) ** 2
    params = {"w": w, "b": b, "x": x, "y": y}
    viz.trace_backward(loss, params=params)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Path(viz.save(viz.draw(loss, params=params, order=True), str(path)))


def sources(prefixes: list[str]) -> list[Path]:
    found = sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py"))
    if prefixes:
        found = [path for path in found if any(path.stem.startswith(p) for p in prefixes)]
    if not found:
        raise SystemExit(f"no notebook sources in {SOURCE_DIR} match {prefixes}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="name prefixes, e.g. 03 (default: all)")
    parser.add_argument("--check", action="store_true", help="execute without writing")
    args = parser.parse_args(argv)
    total = 0.0
    for source in sources(args.names):
        seconds = build(source, write=not args.check)
        total += seconds
        verb = "ran" if args.check else "built"
        print(f"{verb} {notebook_path(source).name:<32} {seconds:6.1f} s", flush=True)
    print(f"total {total:.1f} s")
    if not args.check and not args.names:
        print(f"drew {draw_readme_graph().relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
