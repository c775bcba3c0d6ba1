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
from dataclasses import dataclass
from typing import Any

import numpy as np

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


class _ForwardOnlyContext:
    """The ctx forward sees when nothing is recorded: attributes work, saving is a no-op."""

    needs_input_grad = (False,) * 8  # read only for inputs that need a gradient: none here

    def save_for_backward(self, *arrays: Any) -> None:
        pass


class Node:
    """One recorded application of an op: its inputs, what forward saved, its hooks.

    `name` is the op's name ("Mul"); `inputs` holds the Tensors (and constants) it
    was applied to, or None once backward has freed the node; `parents` the nodes that
    made them, as they were then (an in-place op later gives a tensor a new grad_fn, as
    in PyTorch, without changing the past); `versions` their version counters then;
    `kwargs` the keyword arguments it was applied with (Sum's axis, Reshape's shape).
    `order` numbers nodes in creation order: a node is always created after the nodes
    of its inputs, so sorting by it is a topological order (the engine relies on this).

    Backward refuses a saved value that was changed in place since forward (PyTorch's
    check): an input whose version moved on, or the output's, if forward saved it.
    """

    # Function.apply fills every field when it records the op (no __init__: one call less)
    __slots__ = (
        "op",  # the op (a Function subclass)
        "inputs",  # the Tensors and constants it was applied to; None once released
        "parents",  # each input's grad_fn when the op ran (None: a leaf or a constant)
        "needs_input_grad",  # each input's requires_grad then (a tuple, as in PyTorch)
        "versions",  # each input's version then (None: a constant)
        "kwargs",  # the keyword arguments (Sum's axis, Reshape's shape)
        "order",  # the creation number: a node is always created after its inputs' nodes
        "plain",  # set by the engine: backward gets bare arrays (see Primitive)
        "scope",  # the enclosing graph_scope labels (module calls)
        "released",  # True once backward freed it
        "_saved",  # the very arrays forward saved (inputs' or the output)
        "_arrays",  # the arrays forward got: what it may save
        "_out",  # (the output's version counter, its version then), if forward saved it
        "__dict__",  # what forward keeps as ctx attributes (masks, shapes)
        "__weakref__",
    )
    # rarely set, so kept out of the slots: an instance only pays when it sets them
    hooks: dict | None = None  # hooks registered on the output tensor (a non-leaf)
    retained = None  # weakref to a non-leaf output that asked for retain_grad()
    site: str | None = None  # where the user created the node (anomaly mode only)

    @property
    def name(self) -> str:
        return self.op.__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"

    # ctx API used inside forward/backward --------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep forward's input or output arrays for backward (see `saved_tensors`); None
        for one this backward will not need, so a later change of it is no error."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """The saved values, checked unchanged since forward, for use in backward.

        In a plain backward (a Primitive without create_graph) they are the arrays
        themselves. Otherwise an input comes back as the input Tensor itself, the output
        as a Tensor whose grad_fn is this node: so gradients of gradients flow through them.
        """
        if self.released:
            raise RuntimeError(
                f"{self.name}: its saved values were freed by an earlier backward(). "
                "Pass retain_graph=True to that backward() to use the graph again."
            )
        for tensor, version in zip(self.inputs, self.versions):
            if version is not None and tensor._version[0] != version:
                self._check_inputs()  # a changed input: refused if forward saved it
                break
        if self._out is not None and self._out[0][0] != self._out[1]:
            self._check_output()
        if self.plain:
            return self._saved
        return tuple(self._as_tensor(value) for value in self._saved)

    def _source(self, value: Any) -> int | None:
        """The index of the input whose array `value` is, or None (the output)."""
        for i, array in enumerate(self._arrays):
            if array is value:
                return i
        return None

    def _as_tensor(self, value: Any) -> Any:
        """A saved value for a backward that records: the input Tensor, or the output."""
        if value is None:
            return None
        index = self._source(value)
        if index is None:  # the output: a stand-in tensor made by this node
            return Tensor._make(np.asarray(value), True, self)
        tensor = self.inputs[index]
        if isinstance(tensor, Tensor) and tensor._data is not value:
            raise RuntimeError(
                f"{self.name}: input {index} had its .data replaced after the forward "
                "pass, so it no longer holds the values this graph was built with; "
                "recompute the forward pass before differentiating it again."
            )
        return tensor

    def _check_inputs(self) -> None:
        """An input changed in place since forward: an error if forward saved it."""
        for index, (tensor, version) in enumerate(zip(self.inputs, self.versions)):
            changed = version is not None and tensor._version[0] != version
            if changed and any(value is self._arrays[index] for value in self._saved):
                raise self._modified(f"its input {index}", tensor, version)

    def _check_output(self) -> None:
        """The output changed in place: an error if forward saved it."""
        for value in self._saved:
            if value is not None and self._source(value) is None:
                raise self._modified("its output", value, self._out[1], self._out[0][0])

    def _modified(self, which: str, value: Any, expected: int, found: int = -1) -> Exception:
        found = value._version[0] if found == -1 else found
        return RuntimeError(
            f"{self.name}: one of the variables needed for gradient computation has "
            f"been modified by an inplace operation: {which} (shape {np.shape(value)}) is at "
            f"version {found}; expected version {expected} instead, as {self.name} "
            "saved it. Compute a new tensor instead of changing this one in place "
            "(y = y + 1, not y += 1), or change a .clone() of it."
        )

    def _check_saved(self, raw: Any, output: np.ndarray) -> None:
        """A Function may save only its inputs or its output (gradients of gradients
        rely on it); checked at forward for your own Functions."""
        for value in self._saved:
            if (
                value is not None
                and value is not raw
                and value is not output
                and self._source(value) is None
            ):
                raise TypeError(
                    f"{self.name}.forward: save_for_backward() takes only forward's "
                    "inputs or its output, so that gradients of gradients stay right. "
                    "Store other values (masks, shapes) as ctx attributes, e.g. "
                    "ctx.mask = x > 0."
                )

    def _unshare_saved(self, memory: np.ndarray, snapshot: Tensor) -> None:
        """Copy the saved arrays that share `memory`: an in-place write is about to
        overwrite it (see Tensor._write). A private copy needs no version check."""
        saved = list(self._saved)
        for k, array in enumerate(saved):
            if isinstance(array, np.ndarray) and np.may_share_memory(array, memory):
                saved[k] = array.copy()
                index = self._source(array)
                if index is None:
                    self._out = None
                    continue
                self._arrays[index], self.versions[index] = saved[k], None
                if self.inputs[index] is snapshot:
                    snapshot._data = saved[k]  # the tensor's values before the write
        self._saved = tuple(saved)

    # engine API ---------------------------------------------------------------------
    def release(self) -> None:
        """Drop inputs and saved values so activations can be freed."""
        self.inputs = self.parents = self._arrays = None
        self._saved = ()
        self.released = True
        if self.__dict__:
            self.__dict__.clear()


_creation_counter = itertools.count()
_new = object.__new__


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

    view: bool = False  # forward may return a view of input 0 (reshape, slicing...)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on Tensors (and constants) and record it when a gradient is needed."""
        arrays, parents, needs, versions = [], [], [], []
        any_tensor = record = False
        for a in args:
            if isinstance(a, Tensor):
                any_tensor = True
                arrays.append(a._data)
                parents.append(a.grad_fn)
                needs.append(a._requires_grad)
                versions.append(a._version[0])
                if a._requires_grad:
                    record = True
            else:  # a constant: never a gradient
                arrays.append(a)
                parents.append(None)
                needs.append(False)
                versions.append(None)
        if record and state.grad_enabled:  # the node, built field by field (see Node)
            ctx = _new(Node)
            ctx.op, ctx.inputs, ctx.parents = cls, args, parents
            ctx.needs_input_grad = tuple(needs)
            ctx.versions, ctx.kwargs, ctx._arrays = versions, kwargs, arrays
            ctx.order, ctx.scope = next(_creation_counter), state.scope
            ctx.plain = ctx.released = False
            ctx._saved, ctx._out = (), None
        else:
            record, ctx = False, _ForwardOnlyContext()
        try:
            raw = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, IndexError) as error:
            raise _named(error, cls.__name__, arrays) from None
        if not any_tensor:  # plain numbers and arrays in, plain numpy out
            return raw
        output = raw if type(raw) is np.ndarray else np.asarray(raw)  # numpy gives 0-d scalars
        result = Tensor._make(output, record, ctx if record else None)
        if cls.view and np.may_share_memory(output, arrays[0]):
            result._view_of(args[0], cls, kwargs)  # shares the version counter of args[0]
        if record and ctx._saved:
            ctx._out = (result._version, result._version[0])
            if not cls.plain_backward:
                ctx._check_saved(raw, output)
        if state.observers:  # anomaly mode, capture_backward (see mode.Observer)
            for observer in state.observers:
                observer.op(cls, args, kwargs, result)
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
