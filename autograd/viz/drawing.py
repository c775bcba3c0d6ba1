"""`Drawing`: a `graphviz.Digraph` that renders through `render.find_layout_program()`.

graphviz runs a program literally named `dot`. A `Drawing` runs whatever
`find_layout_program` finds instead (`dot`, or `graphviz-pure`), for `pipe`, for
`render`/`view`, and so for Jupyter's inline SVG (`_repr_mimebundle_` calls `pipe`).
Everything else is graphviz's. This module imports graphviz; the rest of
`autograd.viz` imports it only when drawing.
"""

from __future__ import annotations

import os
from typing import Any

import graphviz

from . import render


class Drawing(graphviz.Digraph):
    """A graph drawing: `.source` is DOT text; display it in Jupyter or `viz.save` it."""

    def __repr__(self) -> str:  # stable (no memory address), so stored notebook outputs are too
        return '<Drawing: display it in Jupyter, or viz.save(drawing, "graph.svg")>'

    def pipe(
        self,
        format: str | None = None,  # noqa: A002 - graphviz's argument names
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered graph as bytes (or text, given `encoding`), e.g. `pipe("svg")`."""
        if neato_no_op:
            raise ValueError("Drawing.pipe: neato_no_op is not supported")
        output = ":".join(part for part in (format or self.format, renderer, formatter) if part)
        data = render.layout(self.source, output, engine or self.engine)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # noqa: A002
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """Save the DOT source (as graphviz does), render it next to it, return the path.

        `outfile` picks the rendered file's path (its extension gives the format).
        `autograd.viz.save(graph, path)` is the simpler way.
        """
        if outfile is not None and format is None:
            format = os.path.splitext(os.fspath(outfile))[1].lstrip(".") or None  # noqa: A001
        format = format or self.format  # noqa: A001
        source_path = self.save(filename, directory)
        target = os.fspath(outfile) if outfile is not None else f"{source_path}.{format}"
        if raise_if_result_exists and os.path.exists(target):
            raise FileExistsError(f"render: {target} exists (raise_if_result_exists=True)")
        data = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
        with open(target, "wb") as file:
            file.write(data)
        if cleanup:
            os.remove(source_path)
        if view:
            graphviz.view(target, quiet=quiet_view)
        return target
