"""The backward story: what each node received and what it sent to each input.

    steps = trace_backward(loss, params={"w": w, "b": b})
    print(steps)        # one row per (step, input), in the order the engine ran them

Step k of backward takes the node's upstream gradient g = d(loss)/d(output), the
local gradient d(output)/d(input_i) and sends the contribution g * local_i (for a
scalar step; a Jacobian-vector product in general) to input i. A leaf's `.grad` is
the sum of the contributions it received. The engine calls the tracer after each
step (`Tensor.backward(trace=...)`), so a `BackwardTrace` is itself a tracer:

    steps = BackwardTrace(params)
    loss.backward(trace=steps)
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import engine
from ..mode import no_grad
from ..tensor import Tensor
from . import labels

if TYPE_CHECKING:
    from ..function import Node  # the graph's node type (annotations only)

# the latest trace of each root node, so draw(loss) finds it: weak references, except
# for the very latest trace, kept alive so `trace_backward(loss); draw(loss)` works
_TRACES: weakref.WeakKeyDictionary[Node, weakref.ref] = weakref.WeakKeyDictionary()
_LATEST: list = []


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node's turn in backward.

    `inputs` are the node's inputs as they were (Tensors and constants), so the record
    outlives the graph. `upstream` is d(root)/d(node's output), after the node's hooks.
    `contributions[i]` is the gradient sent to input i (None where none was needed),
    already reduced to the input's shape. `local[i]` is d(output)/d(input i), kept for
    scalar steps only (None otherwise: in general it is a Jacobian).
    """

    number: int
    node: Node
    inputs: tuple
    upstream: np.ndarray
    local: tuple | None
    contributions: tuple

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_scalar(self) -> bool:
        """True when the output and every tensor input hold one number."""
        return self.upstream.size == 1 and all(
            t.size == 1 for t in self.inputs if isinstance(t, Tensor)
        )


class BackwardTrace(list):
    """The steps of one backward pass, in the engine's order; prints as a table.

    Pass it as the tracer of a backward (`loss.backward(trace=steps)`), or get one from
    `trace_backward`. `params` (a dict or a Module) names tensors in the table.
    """

    def __init__(self, params: Any = None) -> None:
        super().__init__()
        self.names = labels.parameter_names(params)
        self._by_node: dict[Node, BackwardStep] = {}
        # what each tensor received, as (step number, gradient): keyed by its node, or id(leaf)
        self._received: dict[Any, list[tuple[int, np.ndarray]]] = {}

    # the tracer protocol: engine.backward calls this after each node ---------------------
    def __call__(self, node: Node, upstream: Any, sent: tuple) -> None:
        contributions = tuple(None if g is None else _copy(g) for g in sent)
        step = BackwardStep(
            number=len(self) + 1,
            node=node,
            inputs=tuple(node.inputs),
            upstream=_copy(upstream),
            local=_local_gradients(node, upstream, contributions),
            contributions=contributions,
        )
        self.append(step)
        self._by_node[node] = step
        for tensor, gradient in zip(step.inputs, contributions):
            if gradient is not None:
                self._received.setdefault(_key(tensor), []).append((step.number, gradient))
        if step.number == 1:
            _TRACES[node] = weakref.ref(self)
            _LATEST[:] = [self]

    # questions a drawing asks ---------------------------------------------------------
    def step_of(self, node: Node) -> BackwardStep | None:
        """The step that ran `node`, or None if backward did not reach it."""
        return self._by_node.get(node)

    def gradient(self, tensor: Tensor, upto: int | None = None) -> np.ndarray | None:
        """d(root)/d(tensor) as far as steps 1..upto (all steps if None) have computed it."""
        return self.progress(tensor, upto)[0]

    def progress(self, tensor: Tensor, upto: int | None = None) -> tuple[np.ndarray | None, bool]:
        """(gradient of `tensor` after steps 1..upto, whether more contributions are to come).

        A tensor's gradient is the sum of the contributions its consumers sent it. For a
        tensor made by a node, that sum (after the node's hooks) is complete when the
        node's own step runs: it is that step's upstream gradient.
        """
        upto = len(self) if upto is None else upto
        step = self._by_node.get(tensor.grad_fn) if tensor.grad_fn is not None else None
        if step is not None and step.number <= upto:
            return step.upstream, False
        received = self._received.get(_key(tensor), ())
        arrived = [g for n, g in received if n <= upto]
        if not arrived:
            return None, False
        total = arrived[0] if len(arrived) == 1 else np.sum(arrived, axis=0)
        return total, len(arrived) < len(received)

    def contributions_to(self, tensor: Tensor) -> list[np.ndarray]:
        """Every gradient `tensor` received, in step order (their sum is its gradient)."""
        return [g for _, g in self._received.get(_key(tensor), ())]

    # the table -------------------------------------------------------------------------
    def table(self) -> str:
        """One row per (step, input that needs a gradient), then each leaf's total."""
        if not self:
            return "BackwardTrace: no steps (backward has not run, or the root is a leaf)"
        namer = _Namer(self)
        rows = [("step", "op", "upstream", "-> input", "local", "contribution")]
        for step in self:
            first = True
            for i, (tensor, gradient) in enumerate(zip(step.inputs, step.contributions)):
                if gradient is None:
                    continue
                local = step.local[i] if step.local is not None else None
                rows.append(
                    (
                        str(step.number) if first else "",
                        step.name if first else "",
                        labels.array(step.upstream) if first else "",
                        "-> " + namer.name(tensor),
                        "-" if local is None else labels.array(local),
                        labels.array(gradient),
                    )
                )
                first = False
        widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
        lines += ["", "leaf gradients (the sum of the contributions each received):"]
        for tensor in namer.leaves:
            received = self.contributions_to(tensor)
            count = f"{len(received)} contribution" + ("s" if len(received) != 1 else "")
            total = labels.array(self.gradient(tensor))
            lines.append(f"  {namer.name(tensor)} = {total}  ({count})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    __repr__ = __str__


def trace_backward(
    root: Tensor,
    grad: Any = None,
    retain_graph: bool = True,
    accumulate: bool = True,
    params: Any = None,
) -> BackwardTrace:
    """Run backward from `root` and record every step (see `BackwardTrace`).

    `retain_graph=True` (the default here) keeps the graph so it can be drawn or run
    again; the trace itself keeps each node's inputs either way, so `draw(root)` can
    draw a traced graph even after it was freed. `accumulate=True` adds the gradients
    into `.grad` like `root.backward()`; `accumulate=False` leaves every `.grad` as it
    is (a dry run: only the trace records the gradients).
    """
    trace = BackwardTrace(params)
    if accumulate:
        root.backward(grad, retain_graph=retain_graph, trace=trace)
    else:
        engine.backward([root], [grad], retain_graph=retain_graph, inputs=[], tracer=trace)
    return trace


def _key(tensor: Tensor) -> Any:
    return tensor.grad_fn if tensor.grad_fn is not None else id(tensor)


def latest_trace(root: Tensor) -> BackwardTrace | None:
    """The most recent live trace of a backward from `root`, if there is one."""
    if root.grad_fn is None:
        return None
    ref = _TRACES.get(root.grad_fn)
    return ref() if ref is not None else None


def _copy(gradient: Any) -> np.ndarray:
    """A private copy of a gradient (a Tensor or, in a plain backward, an ndarray)."""
    return np.array(gradient._data if isinstance(gradient, Tensor) else gradient)


def _local_gradients(node: Node, upstream: Any, contributions: tuple) -> tuple | None:
    """d(output)/d(input i) for a scalar step: the op's backward applied to a gradient of 1."""
    inputs = node.inputs
    if upstream.size != 1 or any(isinstance(t, Tensor) and t.size != 1 for t in inputs):
        return None
    with no_grad(), np.errstate(all="ignore"):  # the real backward already warned
        ones = np.ones_like(_copy(upstream))  # a gradient of 1, in the type the engine uses
        grads = node.op.backward(node, Tensor(ones) if isinstance(upstream, Tensor) else ones)
    if not isinstance(grads, tuple):
        grads = (grads,)
    local = []
    for tensor, gradient, sent in zip(inputs, grads, contributions):
        if sent is None or gradient is None:
            local.append(None)
        else:
            value = gradient._data if isinstance(gradient, Tensor) else gradient
            local.append(np.array(value, dtype=sent.dtype).reshape(tensor.shape))
    return tuple(local)


class _Namer:
    """Names for tensors in a table: given names, `Op #k` for outputs, `leaf1`, `leaf2`..."""

    def __init__(self, trace: BackwardTrace) -> None:
        self.trace = trace
        self.leaves: list[Tensor] = []
        self._leaf_numbers: dict[int, int] = {}
        for step in trace:  # number the leaves in order of first contribution
            for tensor, gradient in zip(step.inputs, step.contributions):
                new = id(tensor) not in self._leaf_numbers
                if gradient is not None and tensor.grad_fn is None and new:
                    self._leaf_numbers[id(tensor)] = len(self.leaves) + 1
                    self.leaves.append(tensor)

    def name(self, tensor: Tensor) -> str:
        given = self.trace.names.get(id(tensor))
        if given is not None:
            return given
        if tensor.grad_fn is not None:
            step = self.trace.step_of(tensor.grad_fn)
            return tensor.grad_fn.name + (f" #{step.number}" if step is not None else "")
        return f"leaf{self._leaf_numbers.get(id(tensor), '?')}"
