"""Reverse-mode backward: one loop over the graph in reverse topological order.

1. Collect the nodes reachable from the roots with an explicit stack (no recursion,
   so a chain of 100,000 ops is fine) and order them so that every node comes after
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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import function
from .mode import state
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
    tracer: Tracer | None = None,
) -> list[Tensor | None] | None:
    """Backpropagate from `roots`, seeded with `root_grads` (None: ones for one-element roots).

    Without `inputs`, gradients accumulate into the `.grad` of leaves that require
    grad (and of tensors that called `retain_grad()`). With `inputs`, nothing is
    written to `.grad`; the gradients with respect to `inputs` are returned instead
    (None for an input the roots do not depend on).
    """
    if retain_graph is None:
        retain_graph = create_graph
    grads = [_seed_grad(root, grad) for root, grad in zip(roots, root_grads)]
    wanted = {id(t): i for i, t in enumerate(inputs)} if inputs is not None else None
    wanted_nodes = {}
    if inputs is not None:
        wanted_nodes = {id(t.grad_fn): i for i, t in enumerate(inputs) if t.grad_fn is not None}
    found: list[Tensor | None] = [None] * len(inputs) if inputs is not None else []

    pending: dict[Node, list] = {}  # node -> [gradient total, owned: may add into in place]
    leaf_totals: dict[int, list] = {}  # id(leaf) -> [leaf, [gradient total, owned]]
    for root, grad in zip(roots, grads):
        if root.grad_fn is not None:
            _add_to(pending, root.grad_fn, grad, create_graph)
        else:
            _add_to_leaf(leaf_totals, root, grad, create_graph)

    previous_mode, check_finite = state.grad_enabled, state.anomaly_enabled
    state.grad_enabled = create_graph
    state.anomaly_enabled = False  # the ops inside a backward formula are checked as that node's
    try:
        for node in _reverse_topological_order([r.grad_fn for r in roots if r.grad_fn]):
            entry = pending.pop(node, None)
            if entry is not None:
                grad = _run_node_hooks(node, entry[0])
                if id(node) in wanted_nodes:
                    found[wanted_nodes[id(node)]] = grad
                elif wanted is None and node.retained is not None:
                    _retain(node, grad, create_graph)
                _propagate(node, grad, pending, leaf_totals, create_graph, tracer, check_finite)
            if not retain_graph:
                node.release()
    finally:
        state.grad_enabled, state.anomaly_enabled = previous_mode, check_finite

    if wanted is not None:
        for key, (leaf, (grad, _)) in leaf_totals.items():
            if key in wanted:
                found[wanted[key]] = _run_tensor_hooks(leaf, grad)
        return found
    for leaf, (grad, _) in leaf_totals.values():
        if leaf.requires_grad:
            _accumulate_grad(leaf, _run_tensor_hooks(leaf, grad), create_graph)
    return None


def _seed_grad(root: Tensor, grad: Any) -> Tensor:
    if not root.requires_grad:
        raise RuntimeError(
            f"backward: the tensor of shape {root.shape} does not require grad and has no "
            "grad_fn. Create the leaves you differentiate with requires_grad=True, and do "
            "not compute the result under no_grad()."
        )
    if grad is None:
        if root.size != 1:
            raise ValueError(
                f"backward: grad can be implicitly created only for a one-element tensor, "
                f"but this one has shape {root.shape}. Reduce it first (e.g. .sum()) or "
                "pass grad= of the same shape."
            )
        return Tensor._make(np.ones_like(root.data), False, None)
    grad = grad if isinstance(grad, Tensor) else Tensor(np.asarray(grad, dtype=root.dtype))
    if grad.shape != root.shape:
        raise ValueError(
            f"backward: grad has shape {grad.shape} but the tensor has shape {root.shape}; "
            "they must match."
        )
    return grad


def _reverse_topological_order(root_nodes: list[Node]) -> list[Node]:
    """Nodes reachable from the roots, each after every node that consumes its output."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(node, False) for node in root_nodes]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if node in seen:
            continue
        if node.released:
            raise RuntimeError(
                f"backward through {node.name} a second time: its saved values were freed "
                "by the first backward(). Pass retain_graph=True to the first backward() to "
                "backpropagate through the same graph again."
            )
        seen.add(node)
        stack.append((node, True))
        for tensor, needed in zip(node.inputs, node.needs_input_grad):
            if needed and tensor.grad_fn is not None and tensor.grad_fn not in seen:
                stack.append((tensor.grad_fn, False))
    order.reverse()
    return order


def _propagate(node, grad, pending, leaf_totals, create_graph, tracer, check_finite) -> None:
    """Call the op's backward and send each input its share, reduced to the input's shape."""
    input_grads = node.op.backward(node, grad)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if len(input_grads) != len(node.inputs):
        raise RuntimeError(
            f"{node.name}.backward returned {len(input_grads)} gradients for "
            f"{len(node.inputs)} inputs; return one per input (None where there is none)."
        )
    sent = []
    for tensor, needed, input_grad in zip(node.inputs, node.needs_input_grad, input_grads):
        if not needed or input_grad is None:
            sent.append(None)
            continue
        if not isinstance(input_grad, Tensor):
            input_grad = Tensor._make(np.asarray(input_grad), False, None)
        if input_grad.shape != tensor.shape:
            input_grad = sum_to(input_grad, tensor.shape, node.name)
        if check_finite:
            function._check_finite(input_grad.data, node.name, "backward", node.site)
        sent.append(input_grad)
        if tensor.grad_fn is not None:
            _add_to(pending, tensor.grad_fn, input_grad, create_graph)
        else:
            _add_to_leaf(leaf_totals, tensor, input_grad, create_graph)
    if tracer is not None:
        tracer(node, grad, tuple(sent))


def sum_to(grad: Tensor, shape: tuple, op_name: str = "backward") -> Tensor:
    """Sum a broadcast gradient back down to `shape` (the inverse of numpy broadcasting)."""
    lead = grad.ndim - len(shape)
    if lead < 0 or any(s not in (1, g) for s, g in zip(shape, grad.shape[lead:])):
        raise ValueError(
            f"{op_name}: a gradient of shape {grad.shape} cannot be reduced to the input "
            f"shape {shape}; the op's backward must return one gradient per input, shaped "
            "like the input or broadcastable to it."
        )
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes)
    return grad.reshape(shape) if grad.shape != shape else grad


def _add_to(totals: dict, key: Any, grad: Tensor, create_graph: bool) -> None:
    entry = totals.get(key)
    if entry is None:
        totals[key] = [grad, False]
    else:
        _add_into(entry, grad, create_graph)


def _add_to_leaf(totals: dict, leaf: Tensor, grad: Tensor, create_graph: bool) -> None:
    entry = totals.get(id(leaf))
    if entry is None:
        totals[id(leaf)] = [leaf, [grad, False]]
    else:
        _add_into(entry[1], grad, create_graph)


def _add_into(entry: list, grad: Tensor, create_graph: bool) -> None:
    """entry = [total, owned]: add in place only into a buffer this backward made itself."""
    total, owned = entry
    if owned and not create_graph and total.data.dtype == grad.data.dtype:
        np.add(total.data, grad.data, out=total.data)
    else:
        entry[0] = total + grad
        entry[1] = not create_graph


def _run_node_hooks(node: Node, grad: Tensor) -> Tensor:
    if node.hooks:
        for hook in list(node.hooks.values()):
            result = hook(grad)
            if result is not None:
                grad = result if isinstance(result, Tensor) else Tensor(np.asarray(result))
    return grad


def _run_tensor_hooks(tensor: Tensor, grad: Tensor) -> Tensor:
    hooks = tensor._hooks
    if hooks:
        for hook in list(hooks.values()):
            result = hook(grad)
            if result is not None:
                grad = result if isinstance(result, Tensor) else Tensor(np.asarray(result))
    return grad


def _retain(node: Node, grad: Tensor, create_graph: bool) -> None:
    tensor = node.retained()
    if tensor is not None:
        _accumulate_grad(tensor, grad, create_graph)


def _accumulate_grad(tensor: Tensor, grad: Tensor, create_graph: bool) -> None:
    """`.grad += grad`, never writing into a buffer someone else may hold."""
    if not create_graph and grad.grad_fn is not None:
        grad = grad.detach()
    if tensor.grad is None:
        tensor.grad = grad
    elif create_graph:
        tensor.grad = tensor.grad + grad
    else:
        tensor.grad = Tensor._make(tensor.grad.data + grad.data, False, None)
