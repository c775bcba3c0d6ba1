"""Reverse-mode backward: one loop over the graph in reverse topological order.

1. A node is always created after the nodes of its inputs, so its creation number
   (`node.order`) is larger than theirs. The walk keeps the nodes that have received a
   gradient in a heap and always takes the newest: by then every node that consumes
   its output, being newer, is done. No separate pass collects or sorts the graph, and
   no recursion: a chain of 100,000 ops is fine.
2. Each node gets the sum of the gradients its consumers sent it, runs its hooks, calls
   its op's `backward`, reduces each input's gradient back to the input's shape
   (broadcasting is undone here, in one place, not in each op), and passes it on: to
   the input's own node, or, for a leaf, to a pending total that lands in `.grad`
   (after the leaf's hooks) once the walk is done.
3. Unless `retain_graph`, each node is released as soon as it is done: it drops its
   inputs and saved values, so activations can be freed during the walk.

Without `create_graph` gradients travel as bare numpy values (an ndarray, or a numpy
scalar for a one-number gradient) and each built-in op's backward computes on them at
numpy speed; with it they travel as Tensors, so the backward pass is itself recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .mode import Observer, notify_read, state
from .tensor import Tensor

if TYPE_CHECKING:
    from .function import Node

Tracer = Callable[["Node", Tensor, tuple], None]
_make = Tensor._make
_NOTHING: dict = {}  # never written: the `wanted` of a walk without `inputs`
_ndarray, _generic = np.ndarray, np.generic
_numpy = (_ndarray, _generic)  # a plain gradient: an array or a numpy scalar


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
    (None for an input the roots do not depend on). `only` (Tensor.backward's
    `inputs`) limits which tensors' `.grad` receive the gradient.

    The observers of this thread (and `tracer`, for this walk only) hear of each step;
    the ops inside backward formulas are not reported to them as forward ops.
    """
    observers = state.observers
    if observers:
        notify_read("backward() or grad()")
    if tracer is not None:
        observers = (*observers, tracer if isinstance(tracer, Observer) else _Tracer(tracer))
    if retain_graph is None:
        retain_graph = create_graph
    plain = not create_graph
    # pending gradient totals: a node's (its output's) or a leaf tensor's -> [total, owned]
    totals: dict[Any, list] = {}
    pending: list = []  # (-node.order, node) of the nodes with a total: newest first
    for root, grad in zip(roots, root_grads):
        key = root.grad_fn or root
        if key not in totals and root.grad_fn is not None:
            heappush(pending, (-key.order, key))
        _add(totals, key, _seed_grad(root, grad, plain), plain)
    wanted: dict[Any, int] = _NOTHING  # node or leaf -> position in `inputs`
    found: list[Tensor | None] = []
    if inputs is not None:
        wanted = {t.grad_fn or t: i for i, t in enumerate(inputs)}
        found = [None] * len(inputs)

    delivered: set[int] = set()  # ids of arrays handed to a .grad by this walk
    previous = state.grad_enabled, state.observers
    state.grad_enabled, state.observers = create_graph, ()
    try:
        while pending:
            node = heappop(pending)[1]
            if node.released:
                raise _released_error(node)
            grad = totals.pop(node)[0]
            if node.hooks or node.retained is not None or wanted:  # rare: see _watched
                grad = _watched(node, grad, plain, wanted, found, inputs, delivered)
            # the op's backward; each input's share, reduced to the input's shape, goes
            # to the total of the node that made the input (or of the leaf)
            op = node.op
            if plain and not op.plain_backward:  # a user's Function: it gets Tensors
                grads = op.backward(node, _as_tensor(grad))
            else:
                node.plain = plain  # the currency, told to the node: arrays or Tensors
                grads = op.backward(node, grad)
            if type(grads) is not tuple:
                grads = (grads,)
            if len(grads) != len(node.inputs):
                raise _count_error(node, grads)
            for tensor, parent, needed, g in zip(
                node.inputs, node.parents, node.needs_input_grad, grads
            ):
                if g is None or not needed:
                    continue
                if not plain or not isinstance(g, _numpy):
                    g = _currency(g, plain)
                data = tensor._data
                if g.shape != data.shape or g.dtype != data.dtype:
                    g = _currency(fit(g, data.shape, data.dtype, node.name), plain)
                key = tensor if parent is None else parent
                total = totals.get(key)
                if total is None:
                    totals[key] = [g, False]
                    if parent is not None:  # its first gradient: the walk will reach it
                        heappush(pending, (-parent.order, parent))
                else:
                    _add_into(total, g, plain)
            if observers:
                _report(node, grad, grads, observers)
            # let go of this step's inputs and gradients: once the node is released,
            # nothing keeps them alive into the next step (W3's peak memory)
            grads = g = total = tensor = data = None
            if not retain_graph:
                node.release()
    finally:
        state.grad_enabled, state.observers = previous

    if inputs is not None:  # what is left in `totals` is the leaves'
        for leaf, (grad, _) in totals.items():
            if leaf in wanted:
                found[wanted[leaf]] = _as_tensor(_run_hooks(leaf._hooks, grad, plain))
        return found
    chosen = None if only is None else {id(t) for t in _as_list(only)}
    for leaf, (grad, _) in totals.items():
        if leaf._requires_grad and (chosen is None or id(leaf) in chosen):
            if leaf._hooks:
                grad = _run_hooks(leaf._hooks, grad, plain)
            accumulate_grad(leaf, grad, plain, delivered)
    return None


def _watched(
    node: Node, grad: Any, plain: bool, wanted: dict, found: list, inputs: Any, delivered: set
) -> Any:
    """A node with hooks, a retain_grad() output or a place in `inputs`: run the hooks
    (which may replace the gradient), then note the gradient where it is wanted."""
    if node.hooks:
        grad = _run_hooks(node.hooks, grad, plain)
    if node in wanted:
        found[wanted[node]] = _as_tensor(grad)
    elif node.retained is not None and inputs is None:
        retained = node.retained()
        if retained is not None:
            accumulate_grad(retained, grad, plain, delivered)
    return grad


def _count_error(node: Node, grads: tuple) -> RuntimeError:
    return RuntimeError(
        f"{node.name}.backward returned {len(grads)} gradients for "
        f"{len(node.inputs)} inputs; return one per input (None where there is none)."
    )


def _report(node: Node, grad: Any, grads: tuple, observers: tuple) -> None:
    """Tell the observers what the node received and what each input got (None: nothing)."""
    sent = tuple(
        None if g is None or not needed else _as_tensor(_fitted(g, tensor, node.name))
        for tensor, needed, g in zip(node.inputs, node.needs_input_grad, grads)
    )
    for observer in observers:
        observer.backward_step(node, _as_tensor(grad), sent)


def _add(totals: dict, key: Any, grad: Any, plain: bool) -> None:
    """totals[key] += grad."""
    entry = totals.get(key)
    if entry is None:
        totals[key] = [grad, False]
    else:
        _add_into(entry, grad, plain)


def _add_into(entry: list, grad: Any, plain: bool) -> None:
    """entry = [total, owned]: add in place only into a buffer this walk made itself."""
    if entry[1] and grad.dtype == entry[0].dtype:
        np.add(entry[0], grad, out=entry[0])
    else:
        total = entry[0] + grad
        entry[0] = total if plain else _currency(total, plain)
        entry[1] = type(total) is _ndarray


def _currency(grad: Any, plain: bool) -> Any:
    """A gradient in the walk's currency: a numpy value (plain) or a Tensor."""
    if plain:
        if isinstance(grad, Tensor):
            grad = grad._data
        return grad if isinstance(grad, (_ndarray, _generic)) else np.asarray(grad)
    return grad if isinstance(grad, Tensor) else _make(np.asarray(grad), False, None)


def _as_tensor(grad: Any) -> Tensor:
    return grad if isinstance(grad, Tensor) else _make(np.asarray(grad), False, None)


def _run_hooks(hooks: dict | None, grad: Any, plain: bool) -> Any:
    if hooks:
        for hook in list(hooks.values()):
            result = hook(_as_tensor(grad))
            if result is not None:
                grad = _currency(result, plain)
    return grad


def _as_list(tensors: Any) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


class _Tracer(Observer):
    """A plain `tracer(node, upstream, sent)` callable as an observer of one walk."""

    def __init__(self, fn: Tracer) -> None:
        self.fn = fn

    def backward_step(self, node: Node, grad: Any, sent: tuple) -> None:
        self.fn(node, grad, sent)


def _seed_grad(root: Tensor, grad: Any, plain: bool) -> Any:
    """d root / d root in the walk's currency: ones by default, else a copy of `grad`."""
    if not root._requires_grad:
        raise RuntimeError(
            f"backward: the tensor of shape {root.shape} does not require grad and has no "
            "grad_fn. Create the leaves you differentiate with requires_grad=True, and do "
            "not compute the result under no_grad()."
        )
    if grad is None:
        data = root._data
        if data.size != 1:
            raise ValueError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"but this one has shape {root.shape}. Reduce it first (e.g. .sum()) or "
                "pass grad= of the same shape."
            )
        if plain:  # a one: a numpy scalar computes fastest
            return data.dtype.type(1) if data.ndim == 0 else np.ones(data.shape, data.dtype)
        return _make(np.ones(data.shape, data.dtype), False, None)
    if not isinstance(grad, Tensor):
        grad = Tensor(np.asarray(grad, dtype=root.dtype))
    if grad.shape != root.shape:
        raise ValueError(
            f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}; "
            "they must match."
        )
    return np.array(grad._data) if plain else grad  # plain: a copy, never alias the caller's


def _released_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"backward through {node.name} a second time: its saved values were freed by the "
        "first backward(). Pass retain_graph=True to the first backward() to "
        "backpropagate through the same graph again."
    )


def fit(grad: Any, shape: tuple, dtype: np.dtype, op_name: str) -> Any:
    """An input's gradient as the input is: summed over broadcast axes, in its dtype."""
    if grad.shape != shape:
        grad = ops.sum_to(grad, shape, op_name)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _fitted(grad: Any, tensor: Tensor, op_name: str) -> Any:
    """`grad` as a numpy value fitted to `tensor` (what the walk sent it)."""
    return fit(_currency(grad, True), tensor._data.shape, tensor._data.dtype, op_name)


def accumulate_grad(tensor: Tensor, grad: Any, plain: bool, delivered: set[int]) -> None:
    """`.grad += grad` (grad in the walk's currency), never writing into a buffer someone
    else may hold."""
    if plain:
        deliver(tensor, grad, delivered)
    else:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad


def _column_major(array: np.ndarray) -> bool:
    """True for a 2-D array laid out column by column (nn.Linear's weight)."""
    s0, s1 = array.strides
    return s0 < s1 and array.shape[0] > 1 and array.shape[1] > 1


def deliver(tensor: Tensor, grad: Any, delivered: set[int]) -> None:
    """`.grad += grad` for a plain gradient; the first gradient is kept as it is (a numpy
    scalar becomes a 0-d array) unless its buffer went to another `.grad` already (ids
    in `delivered`) or is read-only, so that no two `.grad`s share memory (in-place
    clipping stays local); a 2-D one is laid out in its parameter's memory order."""
    if tensor.grad is not None:
        tensor.grad = _make(np.asarray(tensor.grad._data + grad), False, None)
        return
    if type(grad) is not _ndarray:  # a numpy scalar
        tensor.grad = _make(np.array(grad), False, None)
        return
    owner = grad if grad.base is None else grad.base
    data = tensor._data
    if (
        grad.ndim == 2
        and grad.strides != data.strides  # equal strides: the same layout already
        and _column_major(grad) != _column_major(data)
    ):  # the parameter's memory order
        grad = owner = np.array(grad, order="F" if _column_major(data) else "C")
    elif id(owner) in delivered or not grad.flags.writeable:
        grad = owner = grad.copy()
    delivered.add(id(owner))
    tensor.grad = _make(grad, False, None)
