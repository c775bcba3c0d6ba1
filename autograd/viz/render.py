"""From DOT text to SVG or PNG: find a layout program, run it, save the result.

The layout program is, in this order:
1. the program named by the environment variable `CHAINRULE_DOT` (a name or a path);
2. Graphviz's `dot` on the PATH (`apt-get install graphviz`, `brew install graphviz`,
   `conda install -c conda-forge graphviz`);
3. `graphviz-pure` (`pip install graphviz-pure`, in the `viz` extra): a self-contained
   port of `dot` with the same flags, found on the PATH or next to the running Python
   (so a Jupyter kernel started without activating its virtualenv finds it too).
   It writes SVG and PNG, not PDF.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from typing import Any

INSTALL_HINT = (
    "Install a layout program: `pip install graphviz-pure` (a self-contained port of "
    "Graphviz's dot, part of `pip install 'chainrule[viz]'`), or Graphviz itself "
    "(`apt-get install graphviz`, `brew install graphviz`, `conda install -c conda-forge "
    "graphviz`). Or set CHAINRULE_DOT to the path of a dot program. The DOT text "
    "(graph.source) needs none of these."
)

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg"}
SOURCE_SUFFIXES = (".dot", ".gv")


class LayoutProgramNotFound(RuntimeError):
    """No Graphviz layout program (dot or graphviz-pure) could be found."""


def find_layout_program() -> str:
    """Path of the program that lays out and renders DOT text (see the module docstring)."""
    chosen = os.environ.get("CHAINRULE_DOT")
    if chosen:
        path = shutil.which(chosen)
        if path is None:
            raise LayoutProgramNotFound(
                f"CHAINRULE_DOT={chosen!r} is not an executable program. Point it at Graphviz's "
                "dot or at graphviz-pure, or unset it to search the PATH."
            )
        return path
    for name in ("dot", "graphviz-pure"):
        path = shutil.which(name)
        if path is not None:
            return path
    executable = "graphviz-pure.exe" if sys.platform == "win32" else "graphviz-pure"
    beside_python = os.path.join(sysconfig.get_path("scripts"), executable)
    if os.path.isfile(beside_python) and os.access(beside_python, os.X_OK):
        return beside_python
    raise LayoutProgramNotFound(
        "Rendering a graph needs a Graphviz layout program, and neither `dot` nor "
        f"`graphviz-pure` was found. {INSTALL_HINT}"
    )


def layout(source: str, format: str, engine: str = "dot") -> bytes:  # noqa: A002 - graphviz's name
    """Run the layout program on DOT `source`; the rendered bytes in `format` (svg, png...)."""
    program = find_layout_program()
    command = [program, f"-K{engine}", f"-T{format}"]
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip()
        name = os.path.basename(program)
        if "not recognized" in message:
            raise ValueError(
                f"{name} cannot write {format!r} ({message.splitlines()[0]}). Save as .svg or "
                ".png instead, or install Graphviz itself (apt-get install graphviz), whose dot "
                "writes PDF too."
            )
        raise RuntimeError(
            f"{name} failed on this graph (exit code {result.returncode}):\n{message}"
        )
    return result.stdout


def save(graph: Any, path: str | os.PathLike, engine: str | None = None) -> str:
    """Write `graph` (a Digraph or DOT text) to `path`: SVG, PNG or PDF by the extension,
    or the DOT text itself for .dot / .gv. Creates the folder; returns the path."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    source = graph.source if hasattr(graph, "source") else str(graph)
    if suffix not in FORMATS and suffix not in SOURCE_SUFFIXES:
        known = ", ".join(sorted([*FORMATS, *SOURCE_SUFFIXES]))
        raise ValueError(f"save: cannot tell the format of {path!r}; use one of {known}")
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    if suffix in SOURCE_SUFFIXES:
        with open(path, "w", encoding="utf-8") as file:
            file.write(source)
        return path
    data = layout(source, FORMATS[suffix], engine or getattr(graph, "engine", "dot"))
    with open(path, "wb") as file:
        file.write(data)
    return path
