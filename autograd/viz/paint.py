"""`draw`: a graph that teaches, with names, shapes, values and gradients.

    draw(loss, params=model)                        # every op, every tensor
    draw(loss, params=model, collapse_modules=True) # one box per module call
    draw(loss, order=True)                          # op nodes numbered by backward step,
                                                    # edges labelled with the gradient sent back
    backward_frames(loss)                           # one drawing per backward step

Colours (also in each drawing's legend):
  green   parameter: a leaf that requires grad
  grey    input or constant: a leaf that does not (data, targets) or a Python number
  white   intermediate tensor: the output of an op
  orange  the output (the root of backward)
  blue    op (ellipse)
  purple  module call (with collapse_modules=True)
  red     NaN or Inf in a value or gradient; a red op is where one first appears
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..tensor import Tensor
from . import labels
from .graph import (
    CONSTANT,
    INPUT,
    MODULE,
    MORE,
    OP,
    OUTPUT,
    PARAM,
    TENSOR_KINDS,
    VALUE,
    Model,
    Vertex,
    build,
    collapse,
    graph_inputs,
    truncate,
)
from .trace import BackwardTrace, latest_trace, trace_backward

SHOW = ("name", "shape", "data", "grad")
RANKDIRS = ("LR", "RL", "TB", "BT")

FILL = {
    PARAM: "#b9e4b4",
    INPUT: "#e0e0e0",
    CONSTANT: "#e0e0e0",
    VALUE: "#ffffff",
    OUTPUT: "#ffd08a",
    OP: "#a9cdf5",
    MODULE: "#dcc6f0",
}
NONFINITE = "#f26b6b"
CURRENT = "#d81b60"  # the border of the op running in a backward frame
GRADIENT_TEXT = "#b0005a"  # edge labels: gradients sent back
SHAPE = {OP: "ellipse", MODULE: "box3d"}
PREFIX = {OP: "op", CONSTANT: "c", MODULE: "m", MORE: "more"}  # tensors: "t"
LEGEND = (
    (PARAM, "parameter (leaf, requires grad)"),
    (INPUT, "input (leaf, no grad)"),
    (CONSTANT, "constant (a number or array)"),
    (VALUE, "intermediate tensor"),
    (OUTPUT, "output"),
    (OP, "op (ellipse)"),
)
FREED_NOTE = (
    "backward() freed this graph as it ran: what remains is the output,\n"
    "the op that made it and the tensors named in params.\n"
    "To draw all of it: draw before backward(), or call backward(retain_graph=True),\n"
    "or use autograd.viz.trace_backward(loss), which records every step."
)


def draw(
    root: Tensor,
    params: Any = None,
    show: Sequence[str] = SHOW,
    rankdir: str = "LR",
    max_nodes: int | None = 200,
    order: bool = False,
    collapse_modules: bool = False,
    trace: BackwardTrace | None = None,
    legend: bool = True,
) -> Any:
    """The graph that computed `root`, as a `graphviz.Digraph` (Jupyter shows it inline).

    params: names for tensors: a dict {name: Tensor}, or a Module (its named_parameters()).
    show: which of "name", "shape" (with dtype), "data", "grad" tensor labels carry.
      Arrays of up to 4 elements are written out, larger ones summarised (min/mean/max).
    rankdir: "LR" (inputs left, output right), "TB", ...
    max_nodes: draw at most this many vertices; a "... N more nodes" vertex stands for
      the rest (None: no limit).
    order: number the ops by the step at which backward runs them and label each edge
      with the gradient sent back along it (for one-element gradients). Needs a trace:
      `trace`, else the latest `trace_backward` of `root`, else a dry run of backward
      that leaves every `.grad` untouched.
    collapse_modules: one box per module call (needs nn.Module's graph_scope).
    trace: a `BackwardTrace` of this graph: gradients of intermediate tensors, and the
      inputs of nodes that backward has freed.

    Leaves show their `.grad`; intermediate tensors show the gradient a trace recorded
    (or `.grad` after `retain_grad()`). After a plain `backward()`, which frees the
    graph, the drawing shows what remains and a note on how to keep the rest.
    """
    _check_arguments(root, show, rankdir)
    trace = _find_trace(root, trace, need=order)
    model = _model(root, params, trace, collapse_modules, max_nodes)
    painter = _Painter(tuple(show), trace if order else None, trace, labels.module_names(params))
    return painter.paint(model, rankdir, legend)


def backward_frames(
    root: Tensor,
    params: Any = None,
    trace: BackwardTrace | None = None,
    **options: Any,
) -> list:
    """Backward one step at a time: frame 0 is the forward graph, frame k the graph after
    step k, with that step's op highlighted and the gradients known so far (a leaf's
    gradient grows as contributions arrive). Options are those of `draw`."""
    _check_arguments(root, options.get("show", SHOW), options.get("rankdir", "LR"))
    trace = _find_trace(root, trace, need=True)
    if trace is None:
        raise RuntimeError(
            "backward_frames needs the graph: call it before backward(), or after "
            "backward(retain_graph=True), or pass trace=trace_backward(loss)."
        )
    collapse_modules = options.get("collapse_modules", False)
    model = _model(root, params, trace, collapse_modules, options.get("max_nodes", 200))
    painter = _Painter(tuple(options.get("show", SHOW)), trace, trace, labels.module_names(params))
    rankdir, legend = options.get("rankdir", "LR"), options.get("legend", True)
    return [painter.paint(model, rankdir, legend, upto=k) for k in range(len(trace) + 1)]


def show_backward(root: Tensor, params: Any = None, **options: Any) -> Any:
    """In a notebook with ipywidgets: a slider over `backward_frames`. Without
    ipywidgets: the list of frames (display them one by one)."""
    frames = backward_frames(root, params, **options)
    try:
        import ipywidgets
        from IPython.display import display
    except ImportError:
        return frames
    slider = ipywidgets.IntSlider(value=0, min=0, max=len(frames) - 1, description="step")
    return ipywidgets.interactive(lambda step: display(frames[step]), step=slider)


def _model(
    root: Tensor, params: Any, trace: Any, collapse_modules: bool, max_nodes: int | None
) -> Model:
    """What to draw: the walk from `root`, module boxes, the limit on vertices."""
    named = labels.named_tensors(params)
    names = {id(t): name for name, t in reversed(named)} or (trace.names if trace else {})
    limit = None if collapse_modules or max_nodes is None else max(max_nodes - 1, 1)
    model = build(root, names, trace, limit)
    if model.released:  # the named tensors are what remains of a freed graph: show them
        drawn = {id(v.tensor) for v in model.vertices if v.tensor is not None}
        for name, tensor in named:
            if id(tensor) not in drawn:
                drawn.add(id(tensor))
                kind = VALUE if tensor.grad_fn else PARAM if tensor.requires_grad else INPUT
                model.add(Vertex(kind, tensor=tensor, name=name))
    if collapse_modules:
        model = collapse(model)
    return truncate(model, max_nodes)


def _check_arguments(root: Any, show: Sequence[str], rankdir: str) -> None:
    if not isinstance(root, Tensor):
        raise TypeError(f"draw: root must be a Tensor, not {type(root).__name__}")
    unknown = [item for item in show if item not in SHOW]
    if isinstance(show, str) or unknown:
        raise ValueError(f"draw: show must be a tuple drawn from {SHOW}, got {show!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {RANKDIRS}, not {rankdir!r}")


def _find_trace(root: Tensor, trace: BackwardTrace | None, need: bool) -> BackwardTrace | None:
    """The trace to use: given, else the latest of `root`, else (if `need`) a dry run."""
    if trace is not None:
        return trace
    trace = latest_trace(root)
    if trace is None and need and root.grad_fn is not None and not root.grad_fn.released:
        trace = trace_backward(root, accumulate=False)
    return trace


class _Painter:
    """Turns a `Model` into a `Drawing`: labels, colours, the legend."""

    def __init__(
        self,
        show: tuple,
        order: BackwardTrace | None,
        trace: BackwardTrace | None,
        module_names: dict[int, str],
    ) -> None:
        self.show, self.order, self.trace, self.module_names = show, order, trace, module_names
        self.upto: int | None = None

    def paint(self, model: Model, rankdir: str, legend: bool, upto: int | None = None) -> Any:
        Drawing = _drawing_class()
        self.upto = upto
        graph = Drawing(
            name="autograd",
            graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "10"},
            node_attr={"fontname": "Helvetica", "fontsize": "10"},
            edge_attr={"fontname": "Helvetica", "fontsize": "9"},
        )
        keys = _keys(model)
        kinds = set()
        for vertex in model.vertices:
            attributes = self._attributes(vertex)
            kinds.add(vertex.kind)
            if attributes.get("fillcolor") == NONFINITE:
                kinds.add("nonfinite")
            graph.node(keys[vertex], **attributes)
        for edge in model.edges:
            graph.edge(keys[edge.source], keys[edge.target], **self._edge(edge))
        if model.released and self.trace is None:
            graph.node(
                "note",
                label=labels.escape(FREED_NOTE).replace("\n", "\\l") + "\\l",
                shape="note",
                style="filled",
                fillcolor="#fff8d6",
            )
        if legend:
            self._legend(graph, kinds, rankdir)
        return graph

    # vertices ---------------------------------------------------------------------------
    def _attributes(self, vertex: Vertex) -> dict[str, str]:
        lines = self._lines(vertex)
        attributes = {"label": "\\n".join(labels.escape(line) for line in lines)}
        if vertex.kind == MORE:
            attributes.update(shape="box", style="dashed")
            return attributes
        attributes["shape"] = SHAPE.get(vertex.kind, "box")
        styles = ["filled"] if vertex.kind in (OP, MODULE) else ["rounded", "filled"]
        if vertex.kind == CONSTANT:
            styles.append("dashed")
        attributes["style"] = ",".join(styles)
        attributes["fillcolor"] = NONFINITE if self._nonfinite(vertex) else FILL[vertex.kind]
        if vertex.kind == OUTPUT:
            attributes["penwidth"] = "2"
        if self.upto and vertex.kind == OP and self._step_number(vertex) == self.upto:
            attributes.update(color=CURRENT, penwidth="3")
        return attributes

    def _lines(self, vertex: Vertex) -> list[str]:
        if vertex.kind in TENSOR_KINDS:
            return self._tensor_lines(vertex)
        if vertex.kind == OP:
            lines = [vertex.node.name]
            arguments = labels.arguments(vertex.node.op, vertex.node.kwargs)
            if arguments:
                lines.append(arguments)
            number = self._step_number(vertex)
            if number is not None:
                lines.append(f"step {number}")
            if vertex.freed:
                lines.append("(inputs freed)")
            return lines
        if vertex.kind == CONSTANT:
            return labels.constant(vertex.constant)
        if vertex.kind == MODULE:
            return self._module_lines(vertex)
        return [f"... {vertex.hidden} more node" + ("s" if vertex.hidden != 1 else "")]

    def _tensor_lines(self, vertex: Vertex) -> list[str]:
        tensor, lines, head = vertex.tensor, [], []
        if "name" in self.show and vertex.name:
            head.append(vertex.name)
        if "shape" in self.show:
            head.append(labels.shape_and_dtype(tensor._data))
        if head:
            lines.append(" ".join(head))
        if "data" in self.show:
            lines.append("data " + labels.array(tensor._data))
        gradient, partial = self._gradient(vertex)
        if "grad" in self.show and gradient is not None:
            lines.append(("grad so far " if partial else "grad ") + labels.array(gradient))
        return lines

    def _module_lines(self, vertex: Vertex) -> list[str]:
        module = vertex.label
        description = labels.describe_module(module)
        dotted = self.module_names.get(id(module))
        lines = [f"({dotted}) {description}" if dotted else description]
        for member in _in_module_order(vertex.members, module):
            if member.kind == PARAM:
                name = member.name or "param"
                if dotted and name.startswith(dotted + "."):
                    name = name[len(dotted) + 1 :]
                lines.append(f"{name} {tuple(member.tensor.shape)}")
        return lines

    # what the trace knows -----------------------------------------------------------------
    def _step_number(self, vertex: Vertex) -> int | None:
        if self.order is None:
            return None
        step = self.order.step_of(vertex.node)
        if step is None or (self.upto is not None and step.number > self.upto):
            return None
        return step.number

    def _gradient(self, vertex: Vertex) -> tuple[Any, bool]:
        """(gradient to show, whether more contributions are still to come)."""
        tensor = vertex.tensor
        if self.upto is not None:  # a backward frame: what steps 1..upto computed
            return self.trace.progress(tensor, self.upto)
        if tensor.grad is not None:
            return tensor.grad._data, False
        if tensor.grad_fn is not None and self.trace is not None:
            return self.trace.gradient(tensor), False
        return None, False

    def _nonfinite(self, vertex: Vertex) -> bool:
        if vertex.kind in TENSOR_KINDS:
            return not (
                labels.is_finite(vertex.tensor._data)
                and labels.is_finite(self._gradient(vertex)[0])
            )
        if vertex.kind == CONSTANT:
            return not labels.is_finite(vertex.constant)
        if vertex.kind == MODULE:
            return any(self._nonfinite(member) for member in vertex.members)
        if vertex.kind == OP:
            return self._op_starts_nonfinite(vertex)
        return False

    def _op_starts_nonfinite(self, vertex: Vertex) -> bool:
        """True when this op turned finite numbers into NaN/Inf, forward or backward."""
        inputs = graph_inputs(vertex.node, self.trace)
        if inputs is None or not all(labels.is_finite(_data(item)) for item in inputs):
            return False
        if not labels.is_finite(vertex.tensor._data):
            return True  # forward: finite inputs, non-finite output
        step = self.trace.step_of(vertex.node) if self.trace is not None else None
        if step is None or (self.upto is not None and step.number > self.upto):
            return False
        sent_finite = all(labels.is_finite(g) for g in step.contributions)
        return labels.is_finite(step.upstream) and not sent_finite

    # edges and legend ---------------------------------------------------------------------
    def _edge(self, edge: Any) -> dict[str, str]:
        if edge.source.kind == MORE:
            return {"style": "dashed"}
        if self.order is None or edge.index is None or edge.target.kind != OP:
            return {}
        step = self.order.step_of(edge.target.node)
        if step is None or (self.upto is not None and step.number > self.upto):
            return {}
        sent = step.contributions[edge.index]
        attributes = {}
        if sent is not None and sent.size == 1:
            attributes.update(label=labels.array(sent), fontcolor=GRADIENT_TEXT)
        if self.upto is not None and step.number == self.upto:
            attributes.update(color=CURRENT, penwidth="2.5")
        return attributes

    def _legend(self, graph: Any, kinds: set, rankdir: str) -> None:
        """One table node: a column of colour swatches (a row when the graph runs top-down)."""
        entries = [(kind, text) for kind, text in LEGEND if kind in kinds or kind == OUTPUT]
        if MODULE in kinds:
            entries.append((MODULE, "module call"))
        if "nonfinite" in kinds:
            entries.append(("nonfinite", "NaN or Inf (a red op: where it starts)"))
        width = _legend_width([text for _, text in entries])
        cells = [
            f'<td bgcolor="{NONFINITE if kind == "nonfinite" else FILL[kind]}" border="1" '
            f'width="{width}">{_html(text)}</td>'
            for kind, text in entries
        ]
        if self.order is not None:
            cells.append(
                f'<td><font color="{GRADIENT_TEXT}">edge numbers: the gradient<br/>'
                "sent back to the input</font></td>"
            )
        if rankdir in ("LR", "RL"):
            rows = "".join(f"<tr>{cell}</tr>" for cell in cells)
        else:
            rows = "<tr>" + "".join(cells) + "</tr>"
        table = f'<<table border="0" cellspacing="3" cellpadding="4">{rows}</table>>'
        graph.node("legend", label=table, shape="plaintext", fontsize="9")


def _legend_width(texts: list[str], fontsize: float = 9) -> int:
    """A cell width (points) that holds the longest legend line in any sans-serif font.

    The layout program measures text in Helvetica; a viewer without Helvetica draws a
    wider font (DejaVu Sans is about 15 % wider), which overflowed the boxes. Room for
    0.62 em per character fits DejaVu Sans, Arial, Liberation Sans and Helvetica.
    """
    longest = max((len(line) for text in texts for line in text.split("\n")), default=0)
    return int(longest * fontsize * 0.62) + 12


def _drawing_class() -> type:
    try:
        from .drawing import Drawing
    except ModuleNotFoundError as error:
        if error.name != "graphviz":
            raise
        raise ModuleNotFoundError(
            "autograd.viz draws with the graphviz Python package, which is not installed: "
            "pip install graphviz graphviz-pure (or pip install 'chainrule[viz]')"
        ) from None
    return Drawing


def _in_module_order(members: list[Vertex], module: Any) -> list[Vertex]:
    """Members in the order of `module.parameters()` (weight before bias), when it has one."""
    parameters = getattr(module, "parameters", None)
    if not callable(parameters):
        return members
    rank = {id(p): i for i, p in enumerate(parameters())}
    return sorted(members, key=lambda m: rank.get(id(m.tensor), len(rank)))


def _html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<br/>")


def _data(item: Any) -> Any:
    return item._data if isinstance(item, Tensor) else item


def _keys(model: Model) -> dict[Vertex, str]:
    """Stable DOT ids: t0, t1... for tensors, op0... for ops, by discovery order."""
    counts: dict[str, int] = {}
    keys = {}
    for vertex in model.vertices:
        prefix = PREFIX.get(vertex.kind, "t")
        if vertex.kind == MORE:
            keys[vertex] = "more"
            continue
        keys[vertex] = f"{prefix}{counts.get(prefix, 0)}"
        counts[prefix] = counts.get(prefix, 0) + 1
    return keys
