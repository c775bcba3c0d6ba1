"""`Tensor`: a numpy array that remembers how it was computed.

A tensor holds `._data` (its numpy ndarray), `.requires_grad`, `.grad_fn` (the node
of the op that made it, None for leaves) and, after backward, `.grad`. Every operator
and method below is a thin call into an op of `autograd.ops`: the ops hold the math.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import saved
from .mode import refuse_under_capture, state

_default_dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """The dtype Python numbers and lists become (float64 unless changed)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes can be the default, not {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype Python numbers and lists become."""
    return _default_dtype


def as_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """numpy array for `data` under the dtype rule.

    Python numbers and lists become the default float dtype (bools stay bool); numpy
    arrays and scalars keep their dtype unless `dtype` is given.
    """
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, dtype=dtype, copy=copy) if copy or dtype is not None else data
        return np.asarray(array)
    array = np.array(data, dtype=dtype)
    if dtype is None and array.dtype != _default_dtype and array.dtype.kind in "iuf":
        array = array.astype(_default_dtype)
    return array


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    `Tensor(data)` wraps an ndarray without copying (like `torch.as_tensor`);
    `autograd.tensor(data)` copies (like `torch.tensor`).
    """

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_hooks", "__weakref__")
    __array_ufunc__ = None  # numpy defers to us: np_array * t calls t.__rmul__
    __hash__ = object.__hash__  # == is elementwise, but tensors can still be dict keys

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._data = data if type(data) is np.ndarray and dtype is None else as_array(data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._hooks: dict | None = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)
        if state.recorder is not None:  # capture_backward refuses tensors made from data
            state.recorder.made(self)

    @classmethod
    def _from_values(cls, data: np.ndarray) -> Tensor:
        """A new tensor computed from values outside any op (a comparison, an argmax, a
        detached view): no gradient; a running capture notes it (see capture.py)."""
        t = cls._make(data, False, None)
        if state.recorder is not None:
            state.recorder.made(t)
        return t

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Fast constructor for op results (no dtype rule, no checks)."""
        t = object.__new__(cls)
        t._data, t.requires_grad, t.grad_fn, t.grad, t._hooks = (
            data,
            requires_grad,
            grad_fn,
            None,
            None,
        )
        return t

    # --- attributes -----------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True unless the tensor was made by a recorded op."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The tensor with its axes reversed."""
        return ops.transpose(self)

    def __len__(self) -> int:
        return len(self._data)

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        refuse_under_capture("item() (a tensor's value as a Python number)")
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor can be converted to a Python number, "
                f"but this one has shape {self.shape}"
            )
        return self._data.item()

    def numpy(self) -> np.ndarray:
        """The underlying numpy array (shared, not copied)."""
        refuse_under_capture("numpy()")
        return self._data

    def tolist(self) -> Any:
        refuse_under_capture("tolist()")
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        refuse_under_capture("bool(tensor) (e.g. an `if` on a tensor)")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        refuse_under_capture("np.asarray(tensor)")
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self._data.dtype != _default_dtype and self._data.dtype.kind == "f":
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    # --- autograd -------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as needing a gradient (in place); returns self."""
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"only floating tensors can require gradients, but this one has dtype "
                f"{self._data.dtype}; convert it first, e.g. tensor(x, dtype=np.float64)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                f"requires_grad_(False) on a non-leaf tensor (made by {self.grad_fn.name}); "
                "use .detach() to get a tensor cut from the graph"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's data, cut from the graph (no grad_fn, no grad)."""
        return Tensor._from_values(self._data)

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose `.remove()` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook() on a tensor that does not require grad")
        if self.grad_fn is not None:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = {}
            hooks = self.grad_fn.hooks
        else:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        return RemovableHandle(hooks, hook)

    def backward(
        self,
        grad: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        trace: Any = None,
    ) -> Any:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `grad` is d(loss)/d(self); it defaults to 1 for a one-element tensor.
        `retain_graph=True` keeps the graph for another backward (or for drawing);
        `create_graph=True` records the backward pass, so `.grad` can be
        differentiated again. `trace=True` records every step and returns them as an
        `autograd.viz.BackwardTrace` (printable as a table); a callable `trace` is
        called as `trace(node, upstream_grad, grads_sent_to_inputs)` at each step.
        """
        if trace is True:
            from .viz.trace import BackwardTrace

            trace = BackwardTrace()
            engine.backward([self], [grad], retain_graph, create_graph, tracer=trace)
            return trace
        engine.backward([self], [grad], retain_graph, create_graph, tracer=trace)
        return None

    # --- arithmetic -----------------------------------------------------------------
    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.Pow.apply(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.MatMul.apply(other, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.Abs.apply(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    # --- comparisons: boolean results that carry no gradient -------------------------
    def _compare(self, other: Any, ufunc: np.ufunc) -> Tensor:
        return Tensor._from_values(np.asarray(ufunc(self._data, _data(other))))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # --- in-place ops: never recorded; refused on values a live graph has saved -------
    def _in_place(self, symbol: str, ufunc: np.ufunc, other: Any) -> Tensor:
        self._check_writable(symbol, other)
        ufunc(self._data, _data(other), out=self._data)
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("+=", np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("-=", np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("*=", np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("/=", np.true_divide, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_writable("[...] =", value)
        self._data[ops.shape.normalize_index(index)] = _data(value)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place."""
        return self.fill_(0)

    def fill_(self, value: float) -> Tensor:
        """Set every element to `value` in place."""
        self._check_writable("fill_", value)
        self._data[...] = value
        return self

    def copy_(self, source: Any) -> Tensor:
        """Copy `source`'s values into this tensor in place (broadcasting)."""
        self._check_writable("copy_", source)
        np.copyto(self._data, _data(source))
        return self

    def _check_writable(self, symbol: str, other: Any) -> None:
        refuse_under_capture(f"the in-place {symbol}")
        other_needs_grad = isinstance(other, Tensor) and other.requires_grad
        if state.grad_enabled and (self.requires_grad or other_needs_grad):
            raise RuntimeError(
                f"in-place {symbol} on a tensor that requires grad is not recorded in the "
                "graph. Write it out of place (x = x - y), or, to change values without "
                "tracking (an optimiser step), wrap it in `with autograd.no_grad():`."
            )
        if not self._data.flags.writeable:
            owner = saved.frozen_by(self._data)
            if owner is not None:
                raise RuntimeError(
                    f"in-place {symbol}: this tensor's values (shape {self.shape}) are saved "
                    f"for the backward of {owner}, whose graph is still alive; changing them "
                    "would make that gradient wrong. Call backward() first (it frees the "
                    "graph), drop the graph, or build a new tensor (x = x - y)."
                )
            raise RuntimeError(
                f"in-place {symbol}: this tensor's data is read-only: it is the result of "
                "a recorded op, or a view made by reshape, transpose, slicing or "
                "broadcasting. Use .clone() (or .detach().clone()) for a tensor with a "
                "buffer of its own."
            )

    # --- methods (numpy's names) -------------------------------------------------------
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def sin(self) -> Tensor:
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return ops.Cos.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.Relu.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return ops.leaky_relu(self, negative_slope)

    def softplus(self) -> Tensor:
        return ops.Softplus.apply(self)

    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        return ops.clip(self, lo, hi)

    def pow(self, exponent: Any) -> Tensor:
        return ops.Pow.apply(self, exponent)

    def maximum(self, other: Any) -> Tensor:
        return ops.Maximum.apply(self, other)

    def minimum(self, other: Any) -> Tensor:
        return ops.Minimum.apply(self, other)

    def matmul(self, other: Any) -> Tensor:
        return ops.MatMul.apply(self, other)

    def clone(self) -> Tensor:
        """A copy with its own buffer, still connected to the graph."""
        return ops.Clone.apply(self)

    def astype(self, dtype: Any) -> Tensor:
        """Cast to `dtype` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind not in "fc" or self.dtype.kind not in "fc":
            return Tensor._from_values(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def float(self) -> Tensor:
        """Cast to the default float dtype."""
        return self.astype(_default_dtype)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.mean(self, axis, keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return ops.var(self, axis, keepdims, ddof)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.min(self, axis, keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return ops.log_softmax(self, axis)

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Indices of the maxima (no gradient)."""
        return Tensor._from_values(np.asarray(np.argmax(self._data, axis=axis, keepdims=keepdims)))

    def argmin(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Indices of the minima (no gradient)."""
        return Tensor._from_values(np.asarray(np.argmin(self._data, axis=axis, keepdims=keepdims)))

    def all(self, axis: Any = None) -> Tensor:
        return Tensor._from_values(np.asarray(np.all(self._data, axis=axis)))

    def any(self, axis: Any = None) -> Tensor:
        return Tensor._from_values(np.asarray(np.any(self._data, axis=axis)))

    def reshape(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return ops.reshape(self, *shape)

    def transpose(self, *axes: Any) -> Tensor:
        return ops.transpose(self, *axes)

    def permute(self, *axes: Any) -> Tensor:
        return ops.permute(self, *axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return ops.swapaxes(self, axis1, axis2)

    def expand_dims(self, axis: int) -> Tensor:
        return ops.expand_dims(self, axis)

    unsqueeze = expand_dims

    def squeeze(self, axis: Any = None) -> Tensor:
        return ops.squeeze(self, axis)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return ops.flatten(self, start_dim, end_dim)

    def broadcast_to(self, shape: tuple) -> Tensor:
        return ops.broadcast_to(self, shape)


class RemovableHandle:
    """Returned by `register_hook`; `.remove()` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict, hook: Callable) -> None:
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self._hooks = hooks
        hooks[self.id] = hook

    def remove(self) -> None:
        self._hooks.pop(self.id, None)


def _data(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


from . import engine, ops  # noqa: E402  (ops and the engine build on Tensor)
