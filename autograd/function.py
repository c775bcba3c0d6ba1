"""`Function`: the one mechanism every op uses, built-in or your own.

An op is a formula-sheet entry: `forward` computes the value on numpy arrays and
saves what the gradient needs; `backward` turns the upstream gradient into one
gradient per input, written with Tensor operations (so the same code gives
higher-order gradients under `create_graph=True`, and records nothing otherwise).

    class Cube(Function):
        '''x**3   ->   dx = g * 3 x**2'''

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    y = Cube.apply(t)

Applying an op to inputs of which none requires grad (or under `no_grad()`) runs
`forward` and returns a plain tensor: no node, no saved values. Otherwise the result
gets a `Node` as its `grad_fn`; the node is also the `ctx` that `forward` and
`backward` see. Applying an op to plain numbers and arrays only (no Tensor at all)
returns forward's plain numpy result.
"""

from __future__ import annotations

import itertools
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import saved
from .mode import state
from .tensor import Tensor


@dataclass(frozen=True)
class Domain:
    """Where an op's input is valid and smooth: the open interval (low, high) minus `avoid`.

    `avoid` lists kinks and poles (relu at 0, 1/x at 0). A string names a keyword
    argument of the op (clip's `"lo"`). The testing kit draws inputs from here.
    """

    low: float = -math.inf
    high: float = math.inf
    avoid: tuple[float | str, ...] = ()


REALS = Domain()


class AnomalyError(FloatingPointError):
    """A NaN or Inf appeared under `detect_anomaly()`."""


class _NoGradient:
    """needs_input_grad when nothing is recorded: False for every input."""

    def __getitem__(self, index: int) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __repr__(self) -> str:
        return "(False, ...)"


class _ForwardOnlyContext:
    """The ctx forward sees when nothing is recorded: attributes work, saving is a no-op."""

    needs_input_grad = _NoGradient()

    def save_for_backward(self, *arrays: Any) -> None:
        pass


class Node:
    """One recorded application of an op: its inputs, what forward saved, its hooks.

    `name` is the op's name ("Mul"); `inputs` holds the Tensors (and constants) it
    was applied to, or None once backward has freed the node; `kwargs` the keyword
    arguments it was applied with (Sum's axis, Reshape's shape). `order` numbers nodes
    in creation order: a node is always created after the nodes of its inputs, so
    sorting by it is a topological order (the engine relies on this).
    """

    __slots__ = (
        "op",
        "inputs",
        "needs_input_grad",
        "kwargs",
        "order",
        "_saved",
        "_saved_from",
        "_frozen",
        "scope",
        "released",
        "__dict__",
        "__weakref__",
    )
    # rarely set, so kept out of the slots: an instance only pays when it sets them
    hooks: dict | None = None  # hooks registered on the output tensor (a non-leaf)
    retained = None  # weakref to a non-leaf output that asked for retain_grad()
    site: str | None = None  # where the user created the node (anomaly mode only)

    def __init__(
        self, op: type[Function], inputs: tuple, needs_input_grad: tuple, kwargs: dict
    ) -> None:
        self.op = op
        self.inputs = inputs
        self.needs_input_grad = needs_input_grad
        self.kwargs = kwargs
        self.order = next(_creation_counter)
        self._saved: tuple = ()  # the very arrays forward saved (inputs' or the output)
        self._saved_from: tuple = ()  # for each: the input's index, or None for the output
        self._frozen: list[np.ndarray] | None = None  # arrays this node made read-only
        self.scope: tuple = state.scope  # enclosing graph_scope labels (module calls)
        self.released = False

    @property
    def name(self) -> str:
        return self.op.__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"

    # ctx API used inside forward/backward --------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep forward's input or output arrays for backward (see `saved_tensors`)."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """The saved values as Tensors connected to the graph, for use in backward.

        An input comes back as the input Tensor itself, the output as a Tensor whose
        grad_fn is this node: so gradients of gradients flow through them.
        """
        if self.released:
            raise RuntimeError(
                f"{self.name}: its saved values were freed by an earlier backward(). "
                "Pass retain_graph=True to that backward() to use the graph again."
            )
        if not state.grad_enabled and self.op.plain_backward:
            return self._saved  # a plain backward (no create_graph) of a Primitive: the arrays
        values = []
        for index, value in zip(self._saved_from, self._saved):
            if index is None:  # the output: a stand-in tensor made by this node
                values.append(Tensor._make(value, True, self))
                continue
            tensor = self.inputs[index]
            if isinstance(tensor, Tensor) and tensor._data is not value:
                raise RuntimeError(
                    f"{self.name}: input {index} had its .data replaced after the forward "
                    "pass, so it no longer holds the values this graph was built with; "
                    "recompute the forward pass before differentiating it again."
                )
            values.append(tensor)
        return tuple(values)

    def _resolve_saved(self, arrays: list, raw_output: Any, output: np.ndarray) -> None:
        """Note each saved array's input index (or that it is the output); freeze them."""
        values, sources = [], []
        for array in self._saved:
            for i, candidate in enumerate(arrays):
                if candidate is array:
                    sources.append(i)
                    break
            else:
                if array is not raw_output and array is not output:
                    raise TypeError(
                        f"{self.name}.forward: save_for_backward() takes only forward's "
                        "inputs or its output, so that gradients of gradients stay right. "
                        "Store other values (masks, shapes) as ctx attributes, e.g. "
                        "ctx.mask = x > 0."
                    )
                sources.append(None)
                array = output
            values.append(array)
            if array is output and output.base is None:
                continue  # a fresh result: read-only from birth and owns its memory
            if type(array) is np.ndarray:
                if self._frozen is None:
                    self._frozen = []
                saved.freeze(array, self.op.__name__, self._frozen)
        self._saved, self._saved_from = tuple(values), tuple(sources)

    # engine API ---------------------------------------------------------------------
    def release(self) -> None:
        """Drop inputs and saved values so activations can be freed; thaw frozen arrays."""
        if self._frozen:
            saved.thaw(self._frozen)
        self.inputs = None
        self._saved = self._saved_from = ()
        self.released = True
        if self.__dict__:
            self.__dict__.clear()

    def __del__(self) -> None:
        if self._frozen:
            saved.thaw(self._frozen)


_creation_counter = itertools.count()


class Function:
    """Base class of every op. Subclass with static `forward` and `backward`, then `.apply`.

    Class attributes used by the testing kit and the docs:
    `domains`: one `Domain` per tensor input (empty: every input may be any real);
    `ties`: True when equal inputs are a kink (max, min, maximum, minimum).
    """

    domains: tuple[Domain, ...] = ()
    ties: bool = False
    plain_backward: bool = False  # see Primitive

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError("a Function subclass defines forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise NotImplementedError("a Function subclass defines backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on Tensors (and constants) and record it when a gradient is needed."""
        arrays = []
        needs = []
        any_tensor = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                needs.append(a.requires_grad)
                any_tensor = True
            else:
                arrays.append(a)
                needs.append(False)  # a constant: never a gradient
        record = any_tensor and True in needs and state.grad_enabled
        ctx = Node(cls, args, tuple(needs), kwargs) if record else _ForwardOnlyContext()
        try:
            raw = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError) as error:
            raise _named(error, cls.__name__, arrays) from None
        if not any_tensor:  # plain numbers and arrays in, plain numpy out
            return raw
        output = raw if type(raw) is np.ndarray else np.asarray(raw)  # numpy gives 0-d scalars
        if not record:
            if state.anomaly_enabled:
                _check_finite(output, cls.__name__, "forward", _user_site())
            result = Tensor._make(output, False, None)
            if state.recorder is not None:  # capture_backward is watching (capture.py)
                state.recorder.add(cls, args, kwargs, result)
            return result
        if output.flags.writeable:  # a recorded result is read-only (see saved.py) ...
            for a in arrays:
                if a is output:
                    break  # ... unless forward handed back an input unchanged
            else:
                output.setflags(write=False)
        if ctx._saved:
            ctx._resolve_saved(arrays, raw, output)
        if state.anomaly_enabled:
            ctx.site = _user_site()
            _check_finite(output, cls.__name__, "forward", ctx.site)
        result = Tensor._make(output, True, ctx)
        if state.recorder is not None:  # capture_backward is watching (capture.py)
            state.recorder.add(cls, args, kwargs, result)
        return result


class Primitive(Function):
    """A built-in op: its backward formula works on bare numpy arrays as well as on Tensors.

    Every op in `autograd/ops` is one. When no graph of the backward pass is wanted
    (`create_graph=False`), the engine calls such a backward with numpy arrays for the
    gradient and the saved values, so the formula runs at numpy speed. That is why the
    formulas use operators, numpy-named methods (`.sum`, `.reshape`, `.transpose`) and
    ops' `.apply` (which on plain arrays just computes), never Tensor-only methods.
    Your own `Function`s always get Tensors.
    """

    plain_backward = True


def _named(error: Exception, op_name: str, arrays: list) -> Exception:
    """A ValueError/IndexError from forward, reworded to name the op and input shapes."""
    if getattr(error, "_chainrule_named", False):
        return error
    shapes = ", ".join(str(np.shape(a)) for a in arrays)
    message = str(error)
    if not message.startswith(op_name.lower()):
        message = f"{op_name.lower()}: inputs of shapes {shapes}: {message}"
    named = type(error)(message)
    named._chainrule_named = True
    return named


def _check_finite(array: Any, op_name: str, phase: str, site: str | None) -> None:
    if isinstance(array, np.ndarray) and array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        where = f", created at {site}" if site else ""
        raise AnomalyError(f"{op_name} produced {bad} in its {phase} pass{where}")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_site() -> str:
    """File and line of the innermost caller outside the autograd package."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
