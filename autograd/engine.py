"""Reverse-mode backward: one loop over the graph in reverse topological order.

1. Collect the nodes reachable from the roots with an explicit stack (no recursion,
   so a chain of 100,000 ops is fine) and sort them newest first by creation number:
   a node is created after the nodes of its inputs, so every node then comes after
   all the nodes that consume its output.
2. Walk that order once. Each node gets the sum of the gradients its consumers sent
   it, runs its hooks, calls its op's `backward`, reduces each input's gradient back
   to the input's shape (broadcasting is undone here, in one place, not in each op),
   and passes it on: to the input's own node, or, for a leaf, to a pending total that
   lands in `.grad` (after the leaf's hooks) once the walk is done.
3. Unless `retain_graph`, each node is released as soon as it is done: it drops its
   inputs and saved values, so activations can be freed during the walk.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .mode import Observer, notify_read, state
from .tensor import Tensor

if TYPE_CHECKING:
    from .function import Node

Tracer = Callable[["Node", Tensor, tuple], None]


def backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Any],
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | None = None,
    tracer: Tracer | Observer | None = None,
    only: Any = None,
) -> list[Tensor | None] | None:
    """Backpropagate from `roots`, seeded with `root_grads` (None: ones for one-element roots).

    Without `inputs`, gradients accumulate into the `.grad` of leaves that require
    grad (and of tensors that called `retain_grad()`). With `inputs`, nothing is
    written to `.grad`; the gradients with respect to `inputs` are returned instead
    (None for an input the roots do not depend on).

    Without `create_graph`, gradients travel as bare numpy arrays (see `Primitive`);
    with it, as Tensors whose own graph is recorded. `only` (Tensor.backward's
    `inputs`) limits which tensors' `.grad` receive the gradient.

    The observers of this thread (and `tracer`, for this walk only) hear of each step;
    the ops inside backward formulas are not reported to them as forward ops.
    """
    if state.observers:
        notify_read("backward() or grad()")
    if retain_graph is None:
        retain_graph = create_graph
    plain = not create_graph
    observers = state.observers
    if tracer is not None:
        observers = (*observers, tracer if isinstance(tracer, Observer) else _Tracer(tracer))
    walk = _Walk(plain, observers)
    for root, grad in zip(roots, root_grads):
        walk.seed(root, _seed_grad(root, grad, plain))
    wanted_leaves: dict[int, int] = {}  # id(leaf) -> position in `inputs`
    wanted_nodes: dict[int, int] = {}  # id(grad_fn) -> position in `inputs`
    found: list[Tensor | None] = []
    if inputs is not None:
        for i, t in enumerate(inputs):
            if t.grad_fn is None:
                wanted_leaves[id(t)] = i
            else:
                wanted_nodes[id(t.grad_fn)] = i
        found = [None] * len(inputs)

    previous_mode, previous_observers = state.grad_enabled, state.observers
    state.grad_enabled, state.observers = create_graph, ()
    try:
        for node in _reverse_topological_order(roots):
            entry = walk.pending.pop(node, None)
            if entry is not None:
                grad = entry[0]
                if node.hooks:
                    grad = walk.run_hooks(node.hooks, grad)
                if wanted_nodes and id(node) in wanted_nodes:
                    found[wanted_nodes[id(node)]] = walk.as_tensor(grad)
                elif inputs is None and node.retained is not None:
                    _retain(node, grad, walk)
                walk.propagate(node, grad)
            if not retain_graph:
                node.release()
    finally:
        state.grad_enabled, state.observers = previous_mode, previous_observers

    if inputs is not None:
        for key, (leaf, (grad, _)) in walk.leaf_totals.items():
            if key in wanted_leaves:
                found[wanted_leaves[key]] = walk.as_tensor(walk.run_hooks(leaf._hooks, grad))
        return found
    wanted = None if only is None else {id(t) for t in _as_list(only)}
    for leaf, (grad, _) in walk.leaf_totals.values():
        if leaf.requires_grad and (wanted is None or id(leaf) in wanted):
            if leaf._hooks:
                grad = walk.run_hooks(leaf._hooks, grad)
            accumulate_grad(leaf, grad, walk)
    return None


def _as_list(tensors: Any) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


class _Tracer(Observer):
    """A plain `tracer(node, upstream, sent)` callable as an observer of one walk."""

    def __init__(self, fn: Tracer) -> None:
        self.fn = fn

    def backward_step(self, node: Node, grad: Any, sent: tuple) -> None:
        self.fn(node, grad, sent)


class _Walk:
    """The state of one backward pass: pending gradient totals and how gradients travel."""

    def __init__(self, plain: bool, observers: tuple) -> None:
        self.plain = plain  # gradients are bare numpy arrays (no create_graph)
        self.observers = observers
        self.pending: dict[Node, list] = {}  # node -> [gradient total, owned]
        self.leaf_totals: dict[int, list] = {}  # id(leaf) -> [leaf, [gradient total, owned]]
        self.delivered: set[int] = set()  # ids of arrays already handed to a .grad

    def seed(self, root: Tensor, grad: Any) -> None:
        if root.grad_fn is not None:
            self.add_to_node(root.grad_fn, grad)
        else:
            self.add_to_leaf(root, grad)

    def as_tensor(self, grad: Any) -> Tensor:
        return grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None)

    def as_travelling(self, grad: Any) -> Any:
        """A gradient in this walk's currency: an ndarray (plain) or a Tensor."""
        if self.plain:
            grad = grad._data if isinstance(grad, Tensor) else grad
            return grad if type(grad) is np.ndarray else np.asarray(grad)
        return grad if isinstance(grad, Tensor) else Tensor._make(np.asarray(grad), False, None)

    def run_hooks(self, hooks: dict | None, grad: Any) -> Any:
        if hooks:
            for hook in list(hooks.values()):
                result = hook(self.as_tensor(grad))
                if result is not None:
                    grad = self.as_travelling(result)
        return grad

    def propagate(self, node: Node, grad: Any) -> None:
        """Call the op's backward and send each input its share, reduced to the input's shape."""
        op = node.op
        plain = self.plain
        if plain and not op.plain_backward:  # a user's Function: it gets Tensors
            input_grads = op.backward(node, Tensor._make(grad, False, None))
        else:
            node.plain = plain  # the currency, told to the node: arrays or Tensors
            input_grads = op.backward(node, grad)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        if len(input_grads) != len(node.inputs):
            raise RuntimeError(
                f"{node.name}.backward returned {len(input_grads)} gradients for "
                f"{len(node.inputs)} inputs; return one per input (None where there is none)."
            )
        sent = [] if self.observers else None
        for tensor, parent, needed, input_grad in zip(
            node.inputs, node.parents, node.needs_input_grad, input_grads
        ):
            if not needed or input_grad is None:
                if sent is not None:
                    sent.append(None)
                continue
            if not plain or type(input_grad) is not np.ndarray:
                input_grad = self.as_travelling(input_grad)
            data = tensor._data
            if input_grad.shape != data.shape or input_grad.dtype != data.dtype:
                input_grad = self.as_travelling(fit(input_grad, data.shape, data.dtype, node.name))
            if sent is not None:
                sent.append(input_grad)
            if parent is None:
                self.add_to_leaf(tensor, input_grad)
            else:
                self.add_to_node(parent, input_grad)
        if sent is not None:
            upstream = self.as_tensor(grad)
            sent = tuple(None if g is None else self.as_tensor(g) for g in sent)
            for observer in self.observers:
                observer.backward_step(node, upstream, sent)

    def add_to_node(self, node: Node, grad: Any) -> None:
        entry = self.pending.get(node)
        if entry is None:
            self.pending[node] = [grad, False]
        else:
            self.add_into(entry, grad)

    def add_to_leaf(self, leaf: Tensor, grad: Any) -> None:
        entry = self.leaf_totals.get(id(leaf))
        if entry is None:
            self.leaf_totals[id(leaf)] = [leaf, [grad, False]]
        else:
            self.add_into(entry[1], grad)

    def add_into(self, entry: list, grad: Any) -> None:
        """entry = [total, owned]: add in place only into a buffer this walk made itself."""
        total, owned = entry
        if owned and self.plain and total.dtype == grad.dtype:
            np.add(total, grad, out=total)
        else:
            entry[0] = self.as_travelling(total + grad)
            entry[1] = self.plain


def _seed_grad(root: Tensor, grad: Any, plain: bool) -> Any:
    """d root / d root in the walk's currency: ones by default, else a copy of `grad`."""
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: the tensor of shape {root.shape} does not require grad and has no "
            "grad_fn. Create the leaves you differentiate with requires_grad=True, and do "
            "not compute the result under no_grad()."
        )
    if grad is None:
        if root._data.size != 1:
            raise ValueError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"but this one has shape {root.shape}. Reduce it first (e.g. .sum()) or "
                "pass grad= of the same shape."
            )
        ones = np.ones(root.shape, root.dtype)
        return ones if plain else Tensor._make(ones, False, None)
    if not isinstance(grad, Tensor):
        grad = Tensor(np.asarray(grad, dtype=root.dtype))
    if grad.shape != root.shape:
        raise ValueError(
            f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}; "
            "they must match."
        )
    return np.array(grad._data) if plain else grad  # plain: a copy, never alias the caller's


def _reverse_topological_order(roots: Sequence[Tensor]) -> list[Node]:
    """Nodes reachable from the roots, each after every node that consumes its output.

    A node is always created after the nodes of its inputs, so the reachable nodes
    sorted newest first by their creation number (`node.order`) are in that order.
    """
    seen: dict[Node, None] = {}
    for root in roots:
        if root.grad_fn is not None:
            seen[root.grad_fn] = None
    stack = list(seen)
    while stack:
        node = stack.pop()
        if node.released:
            raise RuntimeError(
                f"backward through {node.name} a second time: its saved values were freed "
                "by the first backward(). Pass retain_graph=True to the first backward() to "
                "backpropagate through the same graph again."
            )
        for parent in node.parents:
            if parent is not None and parent not in seen:
                seen[parent] = None
                stack.append(parent)
    return sorted(seen, key=_CREATION_ORDER, reverse=True)


_CREATION_ORDER = operator.attrgetter("order")


def fit(grad: Any, shape: tuple, dtype: np.dtype, op_name: str) -> Any:
    """An input's gradient as the input is: summed over broadcast axes, in its dtype."""
    if grad.shape != shape:
        grad = ops.sum_to(grad, shape, op_name)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _retain(node: Node, grad: Any, walk: _Walk) -> None:
    tensor = node.retained()
    if tensor is not None:
        accumulate_grad(tensor, grad, walk)


def accumulate_grad(tensor: Tensor, grad: Any, walk: _Walk) -> None:
    """`.grad += grad` (grad in the walk's currency), never writing into a buffer someone
    else may hold."""
    if walk.plain:
        deliver(tensor, grad, walk.delivered)
    else:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def _order(array: np.ndarray) -> str:
    return "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"


def _other_order(grad: np.ndarray, like: np.ndarray) -> bool:
    """True when a 2-D gradient and its tensor lie in memory in different orders."""
    c, f = like.flags.c_contiguous, like.flags.f_contiguous
    return (c != f) and (grad.flags.c_contiguous != c or grad.flags.f_contiguous != f)


def deliver(tensor: Tensor, grad: np.ndarray, delivered: set[int]) -> None:
    """`.grad += grad` for a plain gradient array; the first gradient is kept as it is
    unless its buffer went to another `.grad` already (ids in `delivered`) or is
    read-only, so that no two `.grad`s share memory (in-place clipping stays local)."""
    if tensor.grad is not None:
        tensor.grad = Tensor._make(tensor.grad._data + grad, False, None)
        return
    owner = grad if grad.base is None else grad.base
    if grad.ndim == 2 and _other_order(grad, tensor._data):  # the parameter's own order:
        grad = owner = np.array(grad, order=_order(tensor._data))  # fast update
    elif id(owner) in delivered or not grad.flags.writeable:
        grad = owner = grad.copy()
    delivered.add(id(owner))
    tensor.grad = Tensor._make(grad, False, None)
