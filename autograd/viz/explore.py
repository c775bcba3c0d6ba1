"""`explore`: forward and backward, one step at a time, in the browser.

    page = viz.explore(loss, params=model, inputs={"x": x, "y": y}, path="backprop.html")
    page          # a Jupyter cell shows it inline

The page is one self-contained HTML file: the graph laid out by the same program as
`draw` (Graphviz's `dot` or graphviz-pure) as inline SVG, the numbers as inline JSON,
the player as inline JavaScript. It loads nothing from anywhere, so it works offline.

Every number on the page is computed here, in Python: forward values are the tensors'
own arrays, backward values come from the engine's trace (`trace_backward`), and the
running sum where paths meet adds the contributions in the order the engine received
them. The JavaScript only shows frames; it does no maths.

Frames: 0 shows the leaves; then one frame per op in creation order (forward); then
the seed (d root / d root = 1); then one frame per edge that carries a gradient, in the
order the engine ran the steps (backward); the last frame lists the leaf gradients.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import labels, page, render
from .graph import CONSTANT, INPUT, MODULE, OP, OUTPUT, PARAM, TENSOR_KINDS, VALUE, Model, Vertex
from .graph import build as build_model
from .graph import collapse as collapse_model
from .trace import BackwardTrace

TITLE_LIMIT = 64  # arrays up to this size carry their exact values in a tooltip (JSON)
KIND_TEXT = {
    PARAM: "parameter (leaf, requires grad)",
    INPUT: "input (leaf, no grad)",
    CONSTANT: "constant (a number or array)",
    VALUE: "intermediate tensor",
    OUTPUT: "output",
    OP: "op",
    MODULE: "module call",
}


class Explorer:
    """A self-contained HTML page (`.html`) that steps through forward and backward.

    In Jupyter it displays inline (in an iframe, so several explorers never clash);
    `save(path)` writes it; `frames` is the number of frames.
    """

    def __init__(self, html_text: str, frames: int, height: int) -> None:
        self.html = html_text
        self.frames = frames
        self.height = height

    def save(self, path: str | os.PathLike) -> str:
        """Write the page to `path` (creating its folder); returns the path."""
        path = os.fspath(path)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.html)
        return path

    def _repr_html_(self) -> str:
        source = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{source}" style="width: 100%; height: {self.height}px; '
            'border: 1px solid #ddd" sandbox="allow-scripts"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Explorer: {self.frames} frames; display it in Jupyter, or .save('page.html')>"


def explore(
    loss: Tensor,
    params: Any = None,
    inputs: Any = None,
    path: str | os.PathLike | None = None,
    *,
    trace: BackwardTrace | None = None,
    rankdir: str = "LR",
    max_nodes: int | None = 400,
    title: str | None = None,
) -> Explorer:
    """An HTML page that plays the forward and the backward pass of `loss`, step by step.

    params: names for parameters: a dict {name: Tensor} or a Module (named_parameters()).
    inputs: names for other tensors (data, targets): a dict {name: Tensor}.
    path: also write the page there (.html).
    trace: the `BackwardTrace` to show; else the latest `trace_backward(loss)`, else a
      dry run of backward that leaves every `.grad` as it is.
    max_nodes: refuse graphs with more vertices than this (the page shows every op).

    Returns an `Explorer`: Jupyter shows it inline; `.html` is the page's text.
    """
    from .paint import _check_arguments, _find_trace

    _check_arguments(loss, ("name",), rankdir)
    trace = _find_trace(loss, trace, need=True)
    if trace is None and loss.grad_fn is not None:
        raise RuntimeError(
            "explore needs the graph: call it before backward(), or after "
            "backward(retain_graph=True), or pass trace=viz.trace_backward(loss)."
        )
    names = {**labels.parameter_names(inputs), **labels.parameter_names(params)}
    model = build_model(loss, names, trace)
    if max_nodes is not None and len(model.vertices) > max_nodes:
        raise ValueError(
            f"explore: this graph has {len(model.vertices)} vertices, more than "
            f"max_nodes={max_nodes}. The page shows every op: explore a smaller batch or "
            "model, or pass max_nodes=None (a large page, slow to lay out)."
        )
    story = _Story(model, trace or BackwardTrace(), loss, labels.module_names(params))
    story.tell()
    views = [story.view("f", model, rankdir)]
    if any(v.kind == OP and v.node.scope for v in model.vertices):
        views.append(story.view("m", collapse_model(model), rankdir))
    data = story.data(views)
    text, height = page.build(
        title or "chainrule: forward and backward, step by step",
        [view.svg for view in views],
        data,
        [(kind, KIND_TEXT[kind], _fill(kind)) for kind in story.kinds()],
    )
    explorer = Explorer(text, len(story.frames), height)
    if path is not None:
        explorer.save(path)
    return explorer


# text for values ------------------------------------------------------------------------
def text(values: Any) -> str:
    """What the page shows for an array: written out when small, min/mean/max otherwise."""
    return labels.array(values)


def exact(values: Any) -> str:
    """The exact values as JSON (arrays up to TITLE_LIMIT elements), else shape and summary."""
    values = np.asarray(values)
    if values.size <= TITLE_LIMIT and values.dtype.kind in "biuf":
        return json.dumps(values.tolist())
    return f"{tuple(values.shape)} {values.dtype}: {labels.summary(values)}"


def formula(op: type) -> str:
    """The op's local derivative, from the first line of its docstring ("a * b -> ...")."""
    lines = (op.__doc__ or "").strip().splitlines()
    if not lines:
        return f"{op.__name__}: no formula (the op has no docstring)"
    return " ".join(lines[0].split())


def _fill(kind: str) -> str:
    from .paint import FILL, NONFINITE

    return NONFINITE if kind == "nonfinite" else FILL[kind]


# the story: frames and vertex states ---------------------------------------------------------
@dataclass
class State:
    """What a vertex shows at one frame (the JavaScript copies these strings into the SVG)."""

    data: str = ""
    data_exact: str = ""
    grad: str = ""
    grad_exact: str = ""
    pending: bool = False  # forward has not computed it yet
    red: bool = False  # NaN/Inf in its value or gradient (an op: where one starts)

    def row(self, frame: int) -> list:
        return [
            frame,
            self.data,
            self.data_exact,
            self.grad,
            self.grad_exact,
            int(self.pending) | 2 * int(self.red),
        ]


@dataclass
class View:
    prefix: str
    svg: str
    vertex_ids: dict = field(default_factory=dict)  # full-model vertex id -> id in this view
    edge_ids: dict = field(default_factory=dict)  # full-model edge id -> id in this view
    labels_from: dict = field(default_factory=dict)  # view edge id -> frame its label shows


class _Story:
    """Walks forward then backward once, recording each vertex's state frame by frame."""

    def __init__(self, model: Model, trace: BackwardTrace, root: Tensor, modules: dict) -> None:
        self.model, self.trace, self.root, self.modules = model, trace, root, modules
        self.ids = {vertex: f"v{i}" for i, vertex in enumerate(model.vertices)}
        self.edge_ids = {i: f"e{i}" for i in range(len(model.edges))}
        self.op_of = {v.node: v for v in model.vertices if v.kind == OP}
        self.value_of = {v.node: v for v in model.vertices if v.kind in (VALUE, OUTPUT)}
        self.edge_of: dict[tuple, int] = {}  # (op vertex, input index) -> edge number
        self.output_edge: dict[Vertex, int] = {}  # op vertex -> its edge to its output
        for number, edge in enumerate(model.edges):
            if edge.target.kind == OP and edge.index is not None:
                self.edge_of[(edge.target, edge.index)] = number
            elif edge.source.kind == OP:
                self.output_edge[edge.source] = number
        self.forward_order = sorted(self.op_of.values(), key=self._creation)
        self.forward_number = {v: k + 1 for k, v in enumerate(self.forward_order)}
        self.names = self._names()
        self.frames: list[dict] = []
        self.states: dict[Vertex, list[list]] = {v: [] for v in model.vertices}
        self.current: dict[Vertex, State] = {}
        self.edge_label_from: dict[int, int] = {}  # edge number -> first frame of its label
        self.backward_line: dict[Vertex, str] = {}  # op vertex -> "backward step k" text
        self.widest: dict[Vertex, tuple[str, str]] = {}  # widest data and grad line

    def _creation(self, vertex: Vertex) -> tuple:
        order = getattr(vertex.node, "order", None)  # the engine numbers nodes as made
        index = self.model.vertices.index(vertex)
        return (0, order) if order is not None else (1, -index)  # else: reverse discovery

    def _names(self) -> dict[Vertex, str]:
        names, leaves = {}, 0
        for vertex in self.model.vertices:
            if vertex.kind in (PARAM, INPUT):
                if vertex.name is None:
                    leaves += 1
                names[vertex] = vertex.name or f"leaf{leaves}"
            elif vertex.kind in (VALUE, OUTPUT):
                op = self.op_of.get(vertex.node)
                number = self.forward_number.get(op, "?")
                names[vertex] = vertex.name or f"{vertex.node.name} #{number} output"
            elif vertex.kind == OP:
                names[vertex] = f"{vertex.node.name} #{self.forward_number[vertex]}"
            elif vertex.kind == CONSTANT:
                names[vertex] = "constant " + labels.constant(vertex.constant)[-1]
        return names

    def name_of(self, item: Any, op: Vertex, index: int) -> str:
        number = self.edge_of.get((op, index))
        if number is None:
            return "constant" if not isinstance(item, Tensor) else "input"
        return self.names.get(self.model.edges[number].source, "?")

    # frames ---------------------------------------------------------------------------------
    def set(self, vertex: Vertex, **changes: Any) -> None:
        state = self.current.setdefault(vertex, State())
        for key, value in changes.items():
            setattr(state, key, value)

    def frame(self, phase: str, heading: str, rows: list, op=None, edges=(), direction="") -> None:
        number = len(self.frames)
        self.frames.append(
            {
                "phase": phase,
                "heading": heading,
                "rows": rows,
                "op": self.ids[op] if op is not None else None,
                "edges": [self.edge_ids[e] for e in edges],
                "dir": direction,
            }
        )
        for vertex in self.model.vertices:
            state = self.current.setdefault(vertex, State())
            history = self.states[vertex]
            row = state.row(number)
            if not history or history[-1][1:] != row[1:]:
                history.append(row)
            data, grad = self.widest.get(vertex, ("", ""))
            self.widest[vertex] = (max(data, state.data, key=len), max(grad, state.grad, key=len))

    def tell(self) -> None:
        self.start()
        for op in self.forward_order:
            self.forward(op)
        if len(self.trace):
            self.seed()
            sums: dict[Vertex, list] = {}  # source vertex -> contributions received so far
            expected: dict[Vertex, int] = {}
            for step in self.trace:
                op = self.op_of.get(step.node)
                for index, sent in enumerate(step.contributions):
                    if sent is not None and op is not None and (op, index) in self.edge_of:
                        source = self.model.edges[self.edge_of[(op, index)]].source
                        expected[source] = expected.get(source, 0) + 1
            for step in self.trace:
                self.backward(step, sums, expected)
        self.done()

    def start(self) -> None:
        for vertex in self.model.vertices:
            if vertex.kind in (PARAM, INPUT):
                values = vertex.tensor._data
                self.set(
                    vertex,
                    data="data " + text(values),
                    data_exact=exact(values),
                    red=not labels.is_finite(values),
                )
            elif vertex.kind in (VALUE, OUTPUT):
                self.set(vertex, data="data ?", pending=True)
            elif vertex.kind == OP:
                self.set(vertex, pending=True)
        count = len(self.forward_order)
        self.frame(
            "start",
            "Start: the leaves hold their values",
            [
                [
                    "what",
                    "What happens",
                    f"Forward runs {count} op" + "s" * (count != 1) + " in the order they "
                    "were created; then backward runs from the output to the leaves, one edge "
                    "at a time. Use the arrow keys, the buttons or the slider.",
                    "",
                ]
            ],
        )

    def forward(self, op: Vertex) -> None:
        node, output = op.node, self.value_of.get(op.node)
        values = op.tensor._data
        from .graph import graph_inputs

        inputs = graph_inputs(node, self.trace) or ()
        finite_in = all(
            labels.is_finite(item._data if isinstance(item, Tensor) else item) for item in inputs
        )
        nonfinite = not labels.is_finite(values)
        self.set(op, pending=False, red=finite_in and nonfinite)
        if output is not None:
            self.set(
                output,
                pending=False,
                data="data " + text(values),
                data_exact=exact(values),
                red=nonfinite,
            )
        rows = [["op", "Op", _op_text(node), ""]]
        for index, item in enumerate(inputs):
            value = item._data if isinstance(item, Tensor) else item
            rows.append(
                [
                    f"input{index}",
                    f"input {index}: {self.name_of(item, op, index)}",
                    _short(value),
                    _exact_any(value),
                ]
            )
        rows.append(["output", "output", text(values), exact(values)])
        rows.append(["formula", "formula", formula(node.op).split("->")[0].strip(), ""])
        edges = [self.edge_of[(op, i)] for i in range(len(inputs)) if (op, i) in self.edge_of]
        if op in self.output_edge:
            edges.append(self.output_edge[op])
        number = self.forward_number[op]
        self.frame(
            "forward",
            f"Forward step {number} of {len(self.forward_order)}: {node.name}",
            rows,
            op,
            edges,
            "f",
        )

    def seed(self) -> None:
        root = self.value_of.get(self.root.grad_fn)
        first = self.trace[0]
        if root is not None:
            self.set(
                root,
                grad="grad " + text(first.upstream),
                grad_exact=exact(first.upstream),
                red=not labels.is_finite(first.upstream) or self.current[root].red,
            )
        name = self.names.get(root, "output")
        self.frame(
            "seed",
            "Backward begins: the seed",
            [
                ["upstream", f"d {name} / d {name}", text(first.upstream), exact(first.upstream)],
                [
                    "what",
                    "What happens",
                    f"Backward runs {len(self.trace)} steps, each sends a "
                    "gradient along every edge into its op: upstream gradient times the local "
                    "derivative. Where paths meet, the contributions add up.",
                    "",
                ],
            ],
            op=None,
        )

    def backward(self, step: Any, sums: dict, expected: dict) -> None:
        op = self.op_of.get(step.node)
        output = self.value_of.get(step.node)
        root_name = self.names.get(self.value_of.get(self.root.grad_fn), "output")
        out_name = self.names.get(output, "output")
        upstream = step.upstream
        if output is not None:  # its gradient is complete: every consumer has sent its share
            self.set(output, grad="grad " + text(upstream), grad_exact=exact(upstream))
        if op is not None:
            self.backward_line[op] = f"backward step {step.number}"
            self.set(op, grad=self.backward_line[op])
        head = f"Backward step {step.number} of {len(self.trace)}: {step.node.name}"
        common = [
            ["step", "step", f"{step.number} of {len(self.trace)}", str(step.number)],
            ["op", "op", _op_text(step.node), ""],
            [
                "upstream",
                f"upstream g = d {root_name} / d {out_name}",
                text(upstream),
                exact(upstream),
            ],
            ["formula", "local derivative (the op's formula)", formula(step.node.op), ""],
        ]
        sent_any = False
        for index, sent in enumerate(step.contributions):
            if sent is None or op is None or (op, index) not in self.edge_of:
                continue
            sent_any = True
            number = self.edge_of[(op, index)]
            source = self.model.edges[number].source
            received = sums.setdefault(source, [])
            total = sent if not received else received[-1][1] + sent  # as the engine adds
            received.append((sent, total))
            done = len(received) == expected.get(source, 1)
            prefix = "grad " if done else "grad so far "
            bad = not labels.is_finite(total)
            if source.kind != CONSTANT:
                self.set(
                    source,
                    grad=prefix + text(total),
                    grad_exact=exact(total),
                    red=bad or not labels.is_finite(source.tensor._data),
                )
            starts = labels.is_finite(upstream) and not labels.is_finite(sent)
            self.set(op, red=self.current[op].red or starts)
            self.edge_label_from.setdefault(number, len(self.frames))
            input_name = self.names.get(source, "?")
            local = step.local[index] if step.local is not None else None
            rows = [
                *common,
                ["input", "to input", f"{index}: {input_name}", str(index)],
                [
                    "local",
                    f"local d {out_name} / d {input_name}",
                    text(local)
                    if local is not None
                    else "a Jacobian (not one number): the op's backward applies it to g",
                    exact(local) if local is not None else "",
                ],
                [
                    "sent",
                    f"sent to {input_name}" + (" = g x local" if local is not None else ""),
                    text(sent),
                    exact(sent),
                ],
                [
                    "sum",
                    f"sum at {input_name}",
                    _sum_text(received, expected.get(source, 1)),
                    exact(total),
                ],
            ]
            self.frame("backward", head, rows, op, [number], "b")
        if not sent_any:
            self.frame("backward", head, [*common, ["sent", "sent", "nothing", ""]], op, (), "b")

    def done(self) -> None:
        rows = []
        for vertex in self.model.vertices:
            if vertex.kind != PARAM:
                continue
            state = self.current[vertex]
            grad = vertex.tensor.grad
            rows.append(
                [
                    f"leaf:{self.ids[vertex]}",
                    self.names[vertex],
                    state.grad[len("grad ") :] if state.grad else "no gradient",
                    state.grad_exact,
                ]
            )
            if grad is not None:
                rows.append(
                    [
                        f"dotgrad:{self.ids[vertex]}",
                        f"{self.names[vertex]}.grad",
                        text(grad._data),
                        exact(grad._data),
                    ]
                )
        heading = "Done: each leaf's gradient is the sum of the contributions it received"
        self.frame("done", heading, rows)

    # views ----------------------------------------------------------------------------------
    def kinds(self) -> list[str]:
        present = {v.kind for v in self.model.vertices}
        if any(v.kind == OP and v.node.scope for v in self.model.vertices):
            present.add(MODULE)
        return [kind for kind in KIND_TEXT if kind in present]

    def lines(self, vertex: Vertex) -> list[str]:
        """The label's lines as laid out: the widest text each line will ever show."""
        if vertex.kind in TENSOR_KINDS:
            head = [vertex.name] if vertex.name else []
            head.append(labels.shape_and_dtype(vertex.tensor._data))
            data, grad = self.widest[vertex]
            return [" ".join(head), data] + ([grad] if grad else [])
        if vertex.kind == OP:
            node = vertex.node
            lines = [self.names[vertex]]
            arguments = labels.arguments(node.op, node.kwargs)
            if arguments:
                lines.append(arguments)
            if vertex in self.backward_line:
                lines.append(self.backward_line[vertex])
            return lines
        if vertex.kind == CONSTANT:
            return labels.constant(vertex.constant)
        if vertex.kind == MODULE:
            from .paint import _Painter

            return _Painter((), None, None, self.modules)._module_lines(vertex)
        return [f"... {vertex.hidden} more nodes"]

    def view(self, prefix: str, model: Model, rankdir: str) -> View:
        from .paint import FILL, SHAPE

        view = View(prefix, "")
        stand_in = {}
        for vertex in model.vertices:
            for member in vertex.members:
                stand_in[member] = vertex
        module_ids = {}
        for vertex in model.vertices:
            if vertex.kind == MODULE:
                module_ids[vertex] = f"m{len(module_ids)}"
        view_id = {v: self.ids.get(v) or module_ids[v] for v in model.vertices}
        for vertex in self.model.vertices:
            view.vertex_ids[self.ids[vertex]] = view_id[stand_in.get(vertex, vertex)]
        out = [
            "digraph autograd {",
            f'\tgraph [rankdir={rankdir} fontname=Helvetica fontsize=10 bgcolor="transparent"]',
            "\tnode [fontname=Helvetica fontsize=10]",
            "\tedge [fontname=Helvetica fontsize=9]",
        ]
        for vertex in model.vertices:
            key = view_id[vertex]
            label = "\\n".join(_dot_escape(line) for line in self.lines(vertex))
            shape = SHAPE.get(vertex.kind, "box")
            style = "filled" if vertex.kind in (OP, MODULE) else "rounded,filled"
            if vertex.kind == CONSTANT:
                style += ",dashed"
            extra = " penwidth=2" if vertex.kind == OUTPUT else ""
            out.append(
                f'\t{key} [id="{prefix}-{key}" label="{label}" shape={shape} style="{style}" '
                f'fillcolor="{FILL[vertex.kind]}"{extra}]'
            )
        pairs: dict[tuple, str] = {}
        for number, edge in enumerate(self.model.edges):
            source = stand_in.get(edge.source, edge.source)
            target = stand_in.get(edge.target, edge.target)
            if source is target:  # inside one module box: the box stands for the edge
                view.edge_ids[self.edge_ids[number]] = None
                continue
            kept = source is edge.source and target is edge.target
            key = self.edge_ids[number] if kept else pairs.get((source, target))
            if key is None:
                key = pairs[(source, target)] = f"c{len(pairs)}"
                out.append(f'\t{view_id[source]} -> {view_id[target]} [id="{prefix}-{key}"]')
            elif kept:
                attributes = f'id="{prefix}-{key}"'
                sent = self._sent(number)
                if sent is not None and number in self.edge_label_from:
                    attributes += f' label="{_dot_escape(text(sent))}" fontcolor="#b0005a"'
                    view.labels_from[key] = self.edge_label_from[number]
                out.append(f"\t{view_id[source]} -> {view_id[target]} [{attributes}]")
            view.edge_ids[self.edge_ids[number]] = key
        out.append("}")
        view.svg = _clean_svg(render.layout("\n".join(out), "svg").decode("utf-8"))
        return view

    def _sent(self, number: int) -> np.ndarray | None:
        """The one-number gradient sent along edge `number` (None for larger ones)."""
        edge = self.model.edges[number]
        if edge.target.kind != OP or edge.index is None:
            return None
        step = self.trace.step_of(edge.target.node)
        if step is None:
            return None
        sent = step.contributions[edge.index]
        return sent if sent is not None and sent.size == 1 else None

    def data(self, views: list[View]) -> dict:
        vertices = {}
        for vertex in self.model.vertices:
            lines = self.lines(vertex)
            if vertex.kind in TENSOR_KINDS:  # which label lines show the value, the gradient
                slots = [1, 2 if len(lines) > 2 else -1]
            elif vertex.kind == OP:
                slots = [-1, len(lines) - 1 if vertex in self.backward_line else -1]
            else:
                slots = [-1, -1]
            vertices[self.ids[vertex]] = {
                "kind": vertex.kind,
                "name": self.names.get(vertex, ""),
                "slots": slots,
                "states": self.states[vertex],
            }
        modules = {}
        for view in views:
            for full, shown in view.vertex_ids.items():
                if shown != full:
                    modules.setdefault(shown, []).append(full)
        return {
            "frames": self.frames,
            "vertices": vertices,
            "modules": modules,
            "views": [
                {
                    "prefix": v.prefix,
                    "vertex": v.vertex_ids,
                    "edge": v.edge_ids,
                    "labels": v.labels_from,
                }
                for v in views
            ],
            "leaves": [self.ids[v] for v in self.model.vertices if v.kind == PARAM],
            "forward": len(self.forward_order),
            "backward": len(self.trace),
        }


def _op_text(node: Any) -> str:
    arguments = labels.arguments(node.op, node.kwargs)
    return node.name + (f"({arguments})" if arguments else "")


def _short(value: Any) -> str:
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return text(value)
    return labels.constant(value)[-1]


def _exact_any(value: Any) -> str:
    try:
        return exact(value)
    except (TypeError, ValueError):
        return ""


def _sum_text(received: list, expected: int) -> str:
    """`a + b = total (2 of 3 contributions so far)` or `total (its only contribution)`."""
    total = received[-1][1]
    if expected == 1:
        return f"{text(total)} (its only contribution: the gradient is complete)"
    parts = " + ".join(text(sent) for sent, _ in received) if len(received) <= 4 else "..."
    state = "complete" if len(received) == expected else "so far"
    return f"{parts} = {text(total)} ({len(received)} of {expected} contributions, {state})"


def _dot_escape(line: str) -> str:
    return labels.escape(line).replace('"', '\\"')


def _clean_svg(svg: str) -> str:
    """The <svg> element alone: no XML prolog, DOCTYPE, comments or namespace URLs."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    return svg
