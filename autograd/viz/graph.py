"""The graph to draw, as plain data: vertices in discovery order and the edges between them.

`build` walks from the root breadth-first with an explicit queue (never recursion, so
a chain of 100,000 ops is fine). What it finds:

* an OP vertex per recorded node, and a tensor vertex for the node's output (VALUE,
  or OUTPUT for the root). The graph keeps nodes, and each node keeps its input
  Tensors, so an intermediate value is known through the node that consumes it (or
  through a `BackwardTrace`, which keeps the inputs after backward frees them);
* a PARAM vertex per leaf that requires grad, an INPUT vertex per leaf that does not,
  a CONSTANT vertex per non-tensor input of an op (a Python number, an ndarray).

Edges point the way the forward pass went: input -> op -> output. `collapse` merges
each module call (`node.scope`) into one MODULE vertex; `truncate` keeps the first
`max_nodes - 1` vertices and stands the rest in for one MORE vertex. Since vertices
are numbered in discovery order, the same graph always gives the same drawing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ..tensor import Tensor

if TYPE_CHECKING:
    from ..function import Node  # the graph's node type (annotations only)

PARAM, INPUT, CONSTANT, VALUE, OUTPUT = "param", "input", "constant", "value", "output"
OP, MODULE, MORE = "op", "module", "more"
TENSOR_KINDS = (PARAM, INPUT, VALUE, OUTPUT)


@dataclass(eq=False, slots=True)
class Vertex:
    """One thing to draw. Which fields are set depends on `kind`."""

    kind: str
    tensor: Tensor | None = None  # a tensor holding the value (tensor kinds; OP: its output)
    node: Node | None = None  # OP: its node; VALUE/OUTPUT: the node that made it
    constant: Any = None  # CONSTANT: the value
    name: str | None = None  # from params
    freed: bool = False  # OP: backward released the node and nothing recorded its inputs
    label: Any = None  # MODULE: the graph_scope label (the module object)
    members: list[Vertex] = field(default_factory=list)  # MODULE: the vertices it stands for
    hidden: int = 0  # MORE: how many vertices are not drawn


class Edge(NamedTuple):
    source: Vertex
    target: Vertex
    index: int | None = None  # which input of the target op (for gradient labels)


@dataclass
class Model:
    vertices: list[Vertex] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    released: bool = False  # some node was freed by backward and its inputs are unknown
    hidden: int = 0  # vertices found but not made (beyond the limit)
    frontier: list[Vertex] = field(default_factory=list)  # made vertices with hidden inputs

    def add(self, vertex: Vertex) -> Vertex:
        self.vertices.append(vertex)
        return vertex

    def connect(self, source: Vertex, target: Vertex, index: int | None = None) -> None:
        self.edges.append(Edge(source, target, index))


def build(
    root: Tensor, names: dict[int, str], trace: Any = None, limit: int | None = None
) -> Model:
    """Walk the graph from `root`, making at most `limit` vertices (the rest are counted).

    `names` maps id(tensor) to a name; `trace` may hold the inputs of nodes that
    backward has already freed.
    """
    model = Model()
    if root.grad_fn is None:
        model.add(Vertex(OUTPUT, tensor=root, name=names.get(id(root))))
        return model
    walk = _Walk(model, names, limit)
    walk.discover(root.grad_fn, root, OUTPUT)
    while walk.queue:
        node = walk.queue.popleft()
        op = walk.op_of.get(node)
        inputs = graph_inputs(node, trace)
        if inputs is None:
            model.released = True
            if op is not None:
                op.freed = True
            continue
        for index, item in enumerate(inputs):
            if item is not None:
                source = walk.source(item)
                if op is None:
                    continue
                if source is None:
                    if not model.frontier or model.frontier[-1] is not op:
                        model.frontier.append(op)
                else:
                    model.connect(source, op, index)
    return model


class _Walk:
    """The state of `build`'s breadth-first walk: what was found, what was made."""

    def __init__(self, model: Model, names: dict[int, str], limit: int | None) -> None:
        self.model, self.names, self.limit = model, names, limit
        self.queue: deque[Node] = deque()
        self.found: set[Node] = set()
        self.value_of: dict[Node, Vertex] = {}
        self.op_of: dict[Node, Vertex] = {}
        self.leaves: dict[int, Vertex | None] = {}

    def room(self, count: int) -> bool:
        """Make `count` more vertices? If not, count them as hidden."""
        if self.limit is None or len(self.model.vertices) + count <= self.limit:
            return True
        self.model.hidden += count
        return False

    def discover(self, node: Node, tensor: Tensor, kind: str) -> Vertex | None:
        """A new node: its output and its op (both made, or both hidden)."""
        self.found.add(node)
        self.queue.append(node)
        if not self.room(2):
            return None
        name = self.names.get(id(tensor))
        value = self.model.add(Vertex(kind, tensor=tensor, node=node, name=name))
        op = self.model.add(Vertex(OP, tensor=tensor, node=node))
        self.model.connect(op, value)
        self.value_of[node], self.op_of[node] = value, op
        return value

    def source(self, item: Any) -> Vertex | None:
        """The vertex of an op's input (None when hidden)."""
        if not isinstance(item, Tensor):
            return self.model.add(Vertex(CONSTANT, constant=item)) if self.room(1) else None
        node = item.grad_fn
        if node is not None:
            if node in self.found:
                return self.value_of.get(node)
            return self.discover(node, item, VALUE)
        if id(item) in self.leaves:
            return self.leaves[id(item)]
        leaf = None
        if self.room(1):
            kind = PARAM if item.requires_grad else INPUT
            leaf = self.model.add(Vertex(kind, tensor=item, name=self.names.get(id(item))))
        self.leaves[id(item)] = leaf
        return leaf


def graph_inputs(node: Node, trace: Any) -> tuple | None:
    """The node's inputs, from the node or, once backward freed it, from a trace."""
    if node.inputs is not None:
        return node.inputs
    step = trace.step_of(node) if trace is not None else None
    return step.inputs if step is not None else None


def collapse(model: Model) -> Model:
    """Merge the ops of each module call, with the values and constants used only inside
    it and the module's own parameters, into one MODULE vertex per call.

    A call is identified by its `node.scope` tuple: `graph_scope` makes a new one per
    call, so two calls of one module (weight sharing) stay two boxes.
    """
    consumers: dict[Vertex, list[Vertex]] = {}
    maker: dict[Vertex, Vertex] = {}  # VALUE vertex -> the OP vertex that made it
    for edge in model.edges:
        consumers.setdefault(edge.source, []).append(edge.target)
        if edge.source.kind == OP:
            maker[edge.target] = edge.source
    boxes: dict[int, Vertex] = {}  # id(scope tuple) -> its MODULE vertex
    stand_in: dict[Vertex, Vertex] = {}

    for vertex in model.vertices:  # ops first: the rest follows where their consumers went
        if vertex.kind == OP and vertex.node.scope:
            scope = vertex.node.scope
            box = boxes.get(id(scope))
            if box is None:
                box = boxes[id(scope)] = Vertex(MODULE, label=scope[-1])
            stand_in[vertex] = box
    for vertex in model.vertices:
        if vertex.kind == OP:
            continue
        targets = {id(stand_in.get(t, t)): stand_in.get(t, t) for t in consumers.get(vertex, ())}
        only = next(iter(targets.values())) if len(targets) == 1 else None
        if only is None or only.kind != MODULE:
            continue
        if (
            vertex.kind == CONSTANT
            or (vertex.kind == VALUE and stand_in.get(maker.get(vertex)) is only)
            or vertex.kind == PARAM
            and _owns(only.label, vertex.tensor)
        ):
            stand_in[vertex] = only

    collapsed = Model(released=model.released)
    added: set[Vertex] = set()
    for vertex in model.vertices:
        target = stand_in.get(vertex, vertex)
        if target is not vertex:
            target.members.append(vertex)
        if target not in added:
            added.add(target)
            collapsed.add(target)
    seen: set[tuple[int, int]] = set()
    for edge in model.edges:
        source, target = (
            stand_in.get(edge.source, edge.source),
            stand_in.get(edge.target, edge.target),
        )
        if source is target or (id(source), id(target)) in seen:
            continue
        seen.add((id(source), id(target)))
        kept = source is edge.source and target is edge.target
        collapsed.connect(source, target, edge.index if kept else None)
    return collapsed


def _owns(module: Any, tensor: Tensor) -> bool:
    """True when `tensor` is one of `module.parameters()` (duck typed: any object)."""
    parameters = getattr(module, "parameters", None)
    return callable(parameters) and any(p is tensor for p in parameters())


def truncate(model: Model, max_nodes: int | None) -> Model:
    """At most `max_nodes` vertices: the first ones, and one MORE vertex for the rest."""
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"draw: max_nodes must be at least 2 (or None: no limit), not {max_nodes}")
    short = model
    if max_nodes is not None and len(model.vertices) + (model.hidden > 0) > max_nodes:
        kept = model.vertices[: max_nodes - 1]
        inside = set(kept)
        short = Model(vertices=kept, released=model.released)
        short.hidden = model.hidden + len(model.vertices) - len(kept)
        short.frontier = [v for v in model.frontier if v in inside]
        for edge in model.edges:
            if edge.source in inside and edge.target in inside:
                short.edges.append(edge)
            elif edge.target in inside:
                short.frontier.append(edge.target)
    if short.hidden:
        more = short.add(Vertex(MORE, hidden=short.hidden))
        linked: set[int] = set()
        for vertex in short.frontier:
            if id(vertex) not in linked:
                linked.add(id(vertex))
                short.connect(more, vertex)
    return short
