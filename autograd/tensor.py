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

from .mode import notify_read, state

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
    """numpy array for `data` under PyTorch's dtype rule.

    Python floats (and lists holding a float) become the default float dtype, Python
    ints int64, bools bool; numpy arrays and scalars keep their dtype unless `dtype` is
    given.
    """
    if type(data) is float and dtype is None:  # the common case first: one Python number
        return np.array(data, dtype=_default_dtype)
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (np.ndarray, np.generic)):
        array = (
            np.array(data, dtype=dtype, copy=copy or None) if copy or dtype is not None else data
        )
        return np.asarray(array)
    array = np.array(data, dtype=dtype)
    if dtype is None:
        kind = array.dtype.kind
        if kind == "f" and array.dtype != _default_dtype:
            array = array.astype(_default_dtype)
        elif kind in "iu" and array.dtype != np.int64:
            array = array.astype(np.int64)
    return array


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    `Tensor(data)` wraps an ndarray without copying (like `torch.as_tensor`);
    `autograd.tensor(data)` copies (like `torch.tensor`).
    """

    __slots__ = (
        "_data",
        "grad",
        "_requires_grad",
        "grad_fn",
        "_hooks",
        "_version",
        "_base",
        "__weakref__",
    )
    __array_ufunc__ = None  # numpy defers to us: np_array * t calls t.__rmul__
    __hash__ = object.__hash__  # == is elementwise, but tensors can still be dict keys

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._data = data if type(data) is np.ndarray and dtype is None else as_array(data, dtype)
        kind = self._data.dtype.kind
        if kind not in "biufc":
            raise TypeError(
                f"Tensor: cannot hold an array of dtype {self._data.dtype}; give numbers "
                "(bool, integer, float or complex)"
            )
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._hooks: dict | None = None
        self._version = [0]  # in-place changes so far, shared with views (see _write)
        self._base = None  # for a view: (the tensor it views, the ops that make the view)
        self._requires_grad = requires_grad is True and kind == "f"  # else requires_grad_ says
        if requires_grad and not self._requires_grad:
            self.requires_grad_(True)  # why it cannot, or what requires_grad=1 means
        if state.observers:  # capture_backward refuses tensors made from data
            for observer in state.observers:
                observer.made(self)

    @classmethod
    def _from_values(cls, data: np.ndarray) -> Tensor:
        """A new tensor computed from values outside any op (a comparison, an argmax):
        no gradient; observers hear of it as of a tensor made from data."""
        t = cls._make(data, False, None)
        if state.observers:
            for observer in state.observers:
                observer.made(t)
        return t

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """Fast constructor for op results (no dtype rule, no checks)."""
        t = object.__new__(cls)
        t._data, t._requires_grad, t.grad_fn, t.grad, t._hooks = (
            data,
            requires_grad,
            grad_fn,
            None,
            None,
        )
        t._version, t._base = [0], None
        return t

    # --- attributes -----------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's values as a tensor cut from the graph, sharing memory (as PyTorch's
        `.data`). Unlike PyTorch, writes through it count as in-place changes of this
        tensor, so a graph that saved the old values refuses to backpropagate."""
        t = Tensor._make(self._data, False, None)
        t._version = self._version
        return t

    @data.setter
    def data(self, value: Any) -> None:
        """Give the tensor new values (any shape). A 2-D tensor keeps its memory order: a
        column-major weight (nn.Linear's) given a row-major array is converted once here,
        not at every product and update."""
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array is not self._data:
            if array.dtype.kind not in "biufc":
                raise TypeError(f".data = ...: cannot hold an array of dtype {array.dtype}")
            old = self._data
            if (
                array.ndim == 2 == old.ndim
                and not old.flags.c_contiguous
                and old.flags.f_contiguous
            ):
                array = np.asfortranarray(array)
            self._data = array

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> _Size:
        """PyTorch's `size()` (the shape) and `size(d)` (one dim's length); without a call,
        numpy's element count, so numpy code reading `.size` keeps working."""
        return _Size(self._data)

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def dim(self) -> int:
        """The number of dims (numpy's ndim)."""
        return self._data.ndim

    ndimension = dim

    @property
    def device(self) -> types.device:
        """Always device('cpu'): chainrule computes with numpy."""
        return types.CPU

    @property
    def is_cuda(self) -> bool:
        return False

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
        if state.observers:
            notify_read("item() (a tensor's value as a Python number)")
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor can be converted to a Python number, "
                f"but this one has shape {self.shape}"
            )
        return self._data.item()

    def numpy(self) -> np.ndarray:
        """The underlying numpy array (shared, not copied). As in PyTorch, writes through
        it are not seen by autograd: change values through the tensor instead."""
        if state.observers:
            notify_read("numpy()")
        return self._data

    def tolist(self) -> Any:
        if state.observers:
            notify_read("tolist()")
        return self._data.tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor as an index: `data[i : i + 8]` for `i` in a tensor
        of positions, `range(n)[i]` (PyTorch's rule: floats are refused)."""
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(
                f"only a one-element integer tensor can be used as an index, not one of "
                f"dtype {self.dtype} and shape {self.shape}; use int(t) or t.long()"
            )
        return int(self.item())

    def __bool__(self) -> bool:
        if state.observers:
            notify_read("bool(tensor) (e.g. an `if` on a tensor)")
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if state.observers:
            notify_read("np.asarray(tensor)")
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
    @property
    def requires_grad(self) -> bool:
        """True when ops on this tensor are recorded for backward."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf as needing a gradient (in place); returns self."""
        if requires_grad and self._data.dtype.kind == "c":
            raise TypeError(
                f"complex tensors cannot require gradients (dtype {self._data.dtype}): "
                "chainrule differentiates real functions only. Split the value into real "
                "and imaginary float tensors (z = a + ib) and differentiate those."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(
                f"only floating tensors can require gradients, but this one has dtype "
                f"{self._data.dtype}; convert it first, e.g. tensor(x, dtype=np.float64)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                f"requires_grad_(False) on a non-leaf tensor (made by {self.grad_fn.name}); "
                "use .detach() to get a tensor cut from the graph"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's data (and version counter), cut from the graph."""
        t = Tensor._from_values(self._data)
        t._version = self._version
        return t

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
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
        trace: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is d(loss)/d(self); it defaults to 1 for a one-element tensor.
        `retain_graph=True` keeps the graph for another backward (or for drawing);
        `create_graph=True` records the backward pass, so `.grad` can be
        differentiated again. `inputs` limits accumulation to those tensors (as in
        PyTorch). `trace` is called as `trace(node, upstream_grad, grads_sent_to_inputs)`
        at each step (`autograd.viz.trace_backward` records them as a table).
        """
        engine.backward([self], [gradient], retain_graph, create_graph, tracer=trace, only=inputs)

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

    # --- in-place ops: PyTorch's rules, kept honest by version counters ---------------
    # On a tensor in a graph the change is recorded as an op (the tensor's grad_fn moves
    # to it); elsewhere it just writes. Either way the tensor's version counter, shared
    # with its views, goes up, and a node that saved the old values refuses to backward.
    def _in_place(self, symbol: str, op: Any, ufunc: np.ufunc, other: Any) -> Tensor:
        if state.observers:
            notify_read(f"the in-place {symbol}")
        if state.grad_enabled and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        ):
            old = self._check_recordable(symbol)
            self._write(op.apply(old, old if other is self else other), symbol, old)
        else:
            try:
                ufunc(self._data, _data(other), out=self._data)
            except (ValueError, TypeError) as error:
                raise _in_place_error(symbol, self, other, error) from None
            self._version[0] += 1
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("+=", ops.Add, np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("-=", ops.Sub, np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("*=", ops.Mul, np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("/=", ops.Div, np.true_divide, other)

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("add_", ops.Add, np.add, other if alpha == 1 else other * alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._in_place("sub_", ops.Sub, np.subtract, other if alpha == 1 else other * alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._in_place("mul_", ops.Mul, np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._in_place("div_", ops.Div, np.true_divide, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._put(ops.shape.normalize_index(index), value, "[...] =")

    def _put(self, index: Any, value: Any, symbol: str) -> Tensor:
        """self[index] = value, recorded as an IndexPut op when a gradient is needed."""
        if state.observers:
            notify_read(f"the in-place {symbol}")
        if state.grad_enabled and (
            self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
        ):
            old = self._check_recordable(symbol)
            value = old if value is self else value
            self._write(ops.IndexPut.apply(old, value, index=index), symbol, old)
        else:
            try:
                self._data[index] = _data(value)
            except (ValueError, TypeError) as error:
                raise _in_place_error(symbol, self, value, error) from None
            self._version[0] += 1
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """Set the elements where `mask` (broadcast to this shape) is True to `value`, in
        place (recorded on a non-leaf, as the other in-place ops)."""
        where = np.broadcast_to(np.asarray(_data(mask), dtype=bool), self.shape).copy()
        return self._put(where, value, "masked_fill_")

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of `size`, with this tensor's dtype unless `dtype` is given."""
        return creation.zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of `size`, with this tensor's dtype unless `dtype` is given."""
        return creation.ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:  # fmt: skip
        """`fill_value` everywhere, with this tensor's dtype unless `dtype` is given."""
        return creation.full(size, fill_value, dtype or self.dtype, requires_grad=requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor from `data` (copied), with this tensor's dtype unless given."""
        return creation.tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place."""
        return self._put(Ellipsis, 0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        """Set every element to `value` in place."""
        return self._put(Ellipsis, value, "fill_")

    def copy_(self, source: Any) -> Tensor:
        """Copy `source`'s values into this tensor in place (broadcasting)."""
        return self._put(Ellipsis, source, "copy_")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - torch's names
        """Limit the values to [min, max] in place."""
        if state.grad_enabled and self.requires_grad:
            old = self._check_recordable("clamp_")
            self._write(ops.clip(old, min, max), "clamp_", old)
            return self
        return self._put(Ellipsis, np.clip(self._data, min, max), "clamp_")

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        """Add `src` at `index` along `dim` in place (see `scatter_add`)."""
        if state.grad_enabled and (
            self.requires_grad or (isinstance(src, Tensor) and src.requires_grad)
        ):
            old = self._check_recordable("scatter_add_")
            src = old if src is self else src
            self._write(ops.scatter_add(old, dim, index, src), "scatter_add_", old)
            return self
        return self._put(Ellipsis, ops.scatter_add(self, dim, index, src), "scatter_add_")

    def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with draws from N(mean, std**2) in place (the global generator by default)."""
        rng = generator if generator is not None else creation.default_rng()
        return self._put(Ellipsis, rng.normal(mean, std, self.shape), "normal_")

    def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
        """Fill with draws from U[a, b) in place (the global generator by default)."""
        rng = generator if generator is not None else creation.default_rng()
        return self._put(Ellipsis, rng.uniform(a, b, self.shape), "uniform_")

    def _check_recordable(self, symbol: str) -> Tensor:
        """PyTorch's refusals; else a stand-in for this tensor's value before the change."""
        if self.requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"in-place {symbol}: a leaf Variable that requires grad is being used in an "
                f"in-place operation (shape {self.shape}). Wrap the update in `with "
                "autograd.no_grad():` (as an optimiser step does), or change a copy: "
                "y = x.clone()."
            )
        base = self._base[0] if self._base is not None else None
        if base is not None and base.requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"in-place {symbol}: a view of a leaf Variable that requires grad is being "
                f"used in an in-place operation (a view of shape {self.shape} of a leaf of "
                f"shape {base.shape}). Wrap it in `with autograd.no_grad():`, or change a "
                ".clone() of the leaf."
            )
        old = Tensor._make(self._data, self.requires_grad, self.grad_fn)
        old._version = self._version
        return old

    def _write(self, result: Tensor, symbol: str, old: Tensor) -> None:
        """Finish a recorded in-place op: `result` (computed out of place from `old`)
        becomes this tensor's value, in this tensor's memory, and its history."""
        if result.shape != self.shape:
            raise RuntimeError(
                f"in-place {symbol}: the result has shape {result.shape} but the tensor "
                f"changed in place has shape {self.shape}; an in-place op cannot change a "
                "shape. Write it out of place (y = y + x)."
            )
        node = result.grad_fn
        if node is not None and node._saved:
            node._unshare_saved(self._data, old)  # its saved copy of the old values
        try:
            np.copyto(self._data, result._data, casting="same_kind")
        except (ValueError, TypeError) as error:
            raise _in_place_error(symbol, self, result, error) from None
        self._version[0] += 1
        self.grad_fn, self._requires_grad = node, True
        if self._base is not None:  # a view: the tensor it views now has a new history
            base, chain = self._base
            stale = Tensor._make(base._data, base.requires_grad, base.grad_fn)
            stale._version = base._version
            base.grad_fn = ops.CopySlices.apply(stale, result, chain=chain).grad_fn
            base._requires_grad = True
        self._rebase_views()

    def _view_of(self, source: Tensor, op: Any, kwargs: dict) -> None:
        """Note that this op result is a view of `source`'s memory (see Function.view)."""
        base, chain = source._base if source._base is not None else (source, ())
        self._version = base._version
        self._base = (base, (*chain, (op, kwargs)))
        views = base._version
        views.append(weakref.ref(self))
        if len(views) > 64:  # forget views that are gone
            views[1:] = [ref for ref in views[1:] if ref() is not None]

    def _rebase_views(self) -> None:
        """Other live views of the same memory in a graph: remake them from the new base."""
        for ref in self._version[1:]:
            view = ref()
            if view is None or view is self or view._base is None:
                continue
            base, chain = view._base
            if base.requires_grad:
                fresh = base
                for op, kwargs in chain:
                    fresh = op.apply(fresh, **kwargs)
                view.grad_fn, view._requires_grad = fresh.grad_fn, True

    # --- methods: most (x.exp(), x.sum(axis), x.reshape(...)) are set by ops/__init__.py
    # from the ops files' declarations (ops.METHODS); these few are not ops
    def astype(self, dtype: Any) -> Tensor:
        """Cast to `dtype` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind not in "fc" or self.dtype.kind not in "fc":
            return Tensor._from_values(self._data.astype(dtype))
        return ops.Cast.apply(self, dtype=dtype)

    def where(self, condition: Any, other: Any) -> Tensor:
        """This tensor where `condition` holds, else `other` (torch's x.where(cond, y))."""
        return ops.where(condition, self, other)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        """True when the values are laid out row-major (C order) in memory."""
        return self._data.flags.c_contiguous

    def type_as(self, other: Tensor) -> Tensor:
        """Cast to `other`'s dtype."""
        return self.astype(other.dtype)

    def view_as(self, other: Tensor) -> Tensor:
        return ops.view(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return ops.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return ops.expand(self, other.shape)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:  # fmt: skip
        """PyTorch's `to`: to(dtype), to(device), to(device, dtype), to(other_tensor), or
        the keywords. The only device is the CPU; another device raises an error."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype if dtype is None else dtype
            elif types.is_dtype(arg) or (isinstance(arg, str) and arg in types.DTYPES):
                dtype = arg
            else:
                device = arg
        types.check_device(device, "to(device)")
        out = self if dtype is None else self.astype(types.as_dtype(dtype))
        return ops.clone(out) if copy and out is self else out

    def cpu(self) -> Tensor:
        """This tensor (it already lives on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Tensor:
        """Refused with a clear error: chainrule has no GPU backend."""
        types.check_device("cuda" if device is None else device, "cuda()")
        return self

    def float(self) -> Tensor:
        """Cast to float32 (as PyTorch; the default float dtype may be float64)."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.astype(np.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.astype(np.float16)

    def long(self) -> Tensor:
        """Cast to int64 (no gradient)."""
        return self.astype(np.int64)

    def int(self) -> Tensor:
        """Cast to int32 (no gradient)."""
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        """Cast to bool (no gradient)."""
        return self.astype(np.bool_)

    def type(self, dtype: Any = None) -> Any:
        """PyTorch's `type`: without an argument the type's name ("torch.FloatTensor", as
        PyTorch spells it); with a dtype (or such a name) the tensor cast to it."""
        if dtype is None:
            return f"torch.{_TYPE_OF_DTYPE.get(self.dtype, 'Tensor')}"
        if isinstance(dtype, str) and dtype.rpartition(".")[2] in _TYPE_NAMES:
            dtype = _TYPE_NAMES[dtype.rpartition(".")[2]]
        return self.astype(types.as_dtype(dtype))


_TYPE_NAMES = {  # PyTorch's legacy type names, for Tensor.type
    "FloatTensor": np.float32,
    "DoubleTensor": np.float64,
    "HalfTensor": np.float16,
    "LongTensor": np.int64,
    "IntTensor": np.int32,
    "ShortTensor": np.int16,
    "CharTensor": np.int8,
    "ByteTensor": np.uint8,
    "BoolTensor": np.bool_,
}
_TYPE_OF_DTYPE = {np.dtype(dtype): name for name, dtype in _TYPE_NAMES.items()}


class _Size(int):
    """The value of `tensor.size`: numpy's element count as an int, and callable as
    PyTorch's `size()` (the shape, a tuple) and `size(d)` (the length of dim d)."""

    def __new__(cls, array: np.ndarray) -> _Size:
        size = int.__new__(cls, array.size)
        size.shape = array.shape
        return size

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


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


def _in_place_error(symbol: str, target: Tensor, other: Any, error: Exception) -> RuntimeError:
    """numpy's refusal of an in-place write, reworded to name the op and the shapes."""
    return RuntimeError(
        f"in-place {symbol}: cannot write a value of shape {np.shape(_data(other))} and dtype "
        f"{np.result_type(_data(other))} into a tensor of shape {target.shape} and dtype "
        f"{target.dtype} ({error}). An in-place op keeps the tensor's shape and dtype, and a "
        "broadcast (expanded) view cannot be written; write it out of place instead."
    )


from . import creation, engine, ops, types  # noqa: E402  (ops and the engine build on Tensor)
