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

`CHAINRULE_DATA` is passed through to the kernel (the folder holding the lecture data;
a relative path is taken from the current directory).
A full build also redraws `docs/images/graph.svg` (notebook 03's neuron) and
`docs/images/explorer.png` (a headless-Chromium screenshot of `viz.explore` on that
neuron; skipped, with a message, where no Chromium is installed) for the README.

Builds are deterministic: the kernel runs with one BLAS thread (OpenBLAS, MKL, OpenMP),
a fixed hash seed and, on x86-64 with AVX2, OpenBLAS's Haswell kernels whatever the CPU,
so a rebuild reproduces every printed number. The notebook records which lecture data
files it was built with (`metadata.chainrule.data`); tests/notebooks re-executes each
notebook and compares its text outputs with the committed ones (`text_outputs`, timings
masked) when the same files are present.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent
SOURCE_DIR = NOTEBOOK_DIR / "src"
REPO_ROOT = NOTEBOOK_DIR.parent
README_GRAPH = REPO_ROOT / "docs" / "images" / "graph.svg"
README_EXPLORER = REPO_ROOT / "docs" / "images" / "explorer.png"
EXPLORER_STEP = 10  # the screenshot's frame: backward, Add sends its gradient on (of 14)
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
    markdown = "\n".join(_uncomment(line) for line in text.splitlines())
    return nbformat.v4.new_markdown_cell(markdown.strip("\n"))  # as jupytext: no blank ends


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
    the inline plotting backend; `CHAINRULE_DATA` passes through unchanged.

    Pinned for reproducible numbers: one BLAS thread (a sum split over threads is added
    in another order, and the notebooks' matrices are small anyway: spin-waiting threads
    are many times slower on a busy 2-core machine), a fixed hash seed, and on x86-64
    with AVX2 OpenBLAS's Haswell kernels, so another CPU model runs the same code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if env.get("CHAINRULE_DATA"):  # the kernel runs in notebooks/: resolve a relative folder
        env["CHAINRULE_DATA"] = str(Path(env["CHAINRULE_DATA"]).expanduser().absolute())
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[variable] = "1"
    env["PYTHONHASHSEED"] = "0"
    if _has_avx2():
        env["OPENBLAS_CORETYPE"] = "Haswell"
    return env


def _has_avx2() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as file:
            return any(line.startswith("flags") and " avx2" in line for line in file)
    except OSError:
        return False


# --- what a rebuild must reproduce -------------------------------------------------------

DATA_FILES = (
    "catData_w.mat",
    "dogData_w.mat",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "names.txt",
)
# a duration: "217.5 ms", "1.2s", "(304x faster)", "12.3 it/s"; masked before comparing
TIMING = re.compile(
    r"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:ms|us|µs|s|it/s|s/it|x faster|x slower)(?![\w])"
)


def data_files() -> list[str]:
    """Which lecture data files the data folder holds (they change what notebooks print)."""
    from nn.datasets import data_root

    return [name for name in DATA_FILES if (data_root() / name).is_file()]


def text_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """Per code cell, what it printed (stdout) and the text of its results and errors,
    with durations masked: what a rebuild must reproduce exactly. Progress bars and
    warnings (stderr) and images are left out."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                parts.append(output.get("data", {}).get("text/plain", ""))
            elif output.output_type == "error":
                parts.append(f"{output.ename}: {output.evalue}")
        cells.append(TIMING.sub("<time>", "".join(parts)))
    return cells


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


def missing_data(source: Path) -> list[str]:
    """Data files the committed notebook was built with that the data folder now lacks."""
    path = notebook_path(source)
    if not path.exists():
        return []
    built_with = nbformat.read(path, as_version=4).metadata.get("chainrule", {}).get("data", [])
    present = data_files()
    return [name for name in built_with if name not in present]


def build(source: Path, write: bool = True) -> float:
    """Convert, execute and (if `write`) save one notebook; returns seconds taken.

    A notebook built with lecture data is not rewritten without it: that would replace
    its lesson by the fallback's silently (a relative CHAINRULE_DATA that missed, say)."""
    if write and (lost := missing_data(source)):
        from nn.datasets import data_root

        raise SystemExit(
            f"{source.name}: the committed notebook was built with {', '.join(lost)}, which "
            f"the data folder {data_root()} lacks; set CHAINRULE_DATA to the folder that "
            "holds them (e.g. CHAINRULE_DATA=../shared/data), or run with --check"
        )
    start = time.perf_counter()
    notebook = read_source(source)
    notebook.metadata["chainrule"] = {"data": data_files()}
    execute(notebook)
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


def draw_readme_explorer(path: Path = README_EXPLORER, step: int = EXPLORER_STEP) -> str:
    """Screenshot `viz.explore` on notebook 03's neuron at a backward step with headless
    Chromium; returns what was done (the path, or why nothing was written)."""
    browser = next(
        (
            shutil.which(name)
            for name in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(name)
        ),
        None,
    )
    if browser is None:
        return f"skipped {path.name}: no chromium on PATH (apt-get install chromium)"
    sys.path.insert(0, str(REPO_ROOT))
    import autograd as ag
    from autograd import viz

    w = ag.tensor(-0.5, requires_grad=True)
    b = ag.tensor(0.5, requires_grad=True)
    x, y = ag.tensor(1.0), ag.tensor(7.0)
    loss = (ag.tanh(w * x + b) - y) ** 2
    explorer = viz.explore(loss, params={"w": w, "b": b}, inputs={"x": x, "y": y})
    if not 0 <= step < explorer.frames:
        raise ValueError(f"draw_readme_explorer: step {step} of {explorer.frames} frames")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(explorer.save(Path(folder) / "neuron.html"))
        shot = Path(folder) / "shot.png"
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--screenshot={shot}", "--window-size=1200,560", f"{page.as_uri()}#step={step}",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or not shot.is_file():
            return f"skipped {path.name}: chromium failed ({result.stderr.strip()[-300:]})"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, path)
    return f"drew {path.relative_to(REPO_ROOT)} (frame {step} of {explorer.frames})"


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
    parser.add_argument(
        "--images", action="store_true", help="only redraw the README's graph and screenshot"
    )
    args = parser.parse_args(argv)
    if args.images:
        print(f"drew {draw_readme_graph().relative_to(REPO_ROOT)}")
        print(draw_readme_explorer())
        return 0
    total = 0.0
    for source in sources(args.names):
        seconds = build(source, write=not args.check)
        total += seconds
        verb = "ran" if args.check else "built"
        print(f"{verb} {notebook_path(source).name:<32} {seconds:6.1f} s", flush=True)
    print(f"total {total:.1f} s")
    if not args.check and not args.names:
        print(f"drew {draw_readme_graph().relative_to(REPO_ROOT)}")
        print(draw_readme_explorer())
    return 0


if __name__ == "__main__":
    sys.exit(main())
