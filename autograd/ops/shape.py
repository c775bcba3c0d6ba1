"""Shape and indexing ops. They move values around without changing them.

Reshape, transpose, broadcast_to and basic slicing return views: they share memory
and the version counter with their input, as in PyTorch (`view = True`).

Primitives: reshape, transpose, broadcast_to, concatenate, getitem, index_add
(getitem's gradient: a scatter-add, so repeated indices accumulate), and the two ops
that record in-place writes, index_put (x[i] = v) and copy_slices (a write through a
view). Derived: swapaxes, permute, expand_dims, squeeze, flatten, stack.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..function import Primitive


class Reshape(Primitive):
    """x viewed with a new shape   ->   dx = g reshaped back"""

    view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return np.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Primitive):
    """x with its axes permuted   ->   dx = g with the inverse permutation"""

    view = True

    @staticmethod
    def forward(ctx, x, axes=None):
        axes = tuple(range(np.ndim(x)))[::-1] if axes is None else axes
        ctx.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse)


class BroadcastTo(Primitive):
    """x repeated to `shape` as numpy broadcasts   ->   dx = g summed back to x's shape"""

    view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = np.shape(x)
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape, "broadcast_to")


class Concatenate(Primitive):
    """join tensors along `axis`   ->   each input gets its slice of g"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        out = np.concatenate(xs, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.bounds = np.cumsum([0] + [np.shape(x)[ctx.axis] for x in xs])
        return out

    @staticmethod
    def backward(ctx, g):
        before = (slice(None),) * ctx.axis
        return tuple(
            g[before + (slice(start, stop),)] if needed else None
            for start, stop, needed in zip(ctx.bounds[:-1], ctx.bounds[1:], ctx.needs_input_grad)
        )


class GetItem(Primitive):
    """x[index]   ->   dx = zeros with g added at index (repeated indices accumulate)"""

    view = True

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.shape, ctx.index = x.shape, index
        return np.asarray(x[index])

    @staticmethod
    def backward(ctx, g):
        return IndexAdd.apply(g, index=ctx.index, shape=ctx.shape)


class IndexAdd(Primitive):
    """zeros(shape) with g added at index   ->   dg = (upstream)[index]"""

    @staticmethod
    def forward(ctx, g, index=(), shape=()):
        ctx.index = index
        out = np.zeros(shape, dtype=np.result_type(g))
        if is_basic_index(index):
            out[index] = g  # basic indices never repeat: plain assignment is enough
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx, g):
        return GetItem.apply(g, index=ctx.index)


class IndexPut(Primitive):
    """x with x[index] = v   ->   dx = g with g[index] = 0,  dv = g[index]"""

    @staticmethod
    def forward(ctx, x, v, index=()):
        ctx.index = index
        out = np.array(x, copy=True)
        out[index] = v
        return out

    @staticmethod
    def backward(ctx, g):
        need_x, need_v = ctx.needs_input_grad
        return (g * _kept(g.shape, ctx.index) if need_x else None), (
            GetItem.apply(g, index=ctx.index) if need_v else None
        )


class CopySlices(Primitive):
    """base with its view replaced by v   ->   dbase = g with the view zeroed,  dv = view(g)

    Records a write through a view (`v = b[0]; v += 1`): the values are already in
    base's memory, so forward returns base as it is. `chain` is the view's recipe:
    the (op, kwargs) pairs that make it from base.
    """

    @staticmethod
    def forward(ctx, base, v, chain=()):
        ctx.chain = chain
        return base

    @staticmethod
    def backward(ctx, g):
        keep = np.ones(np.shape(g), dtype=bool)
        _view(keep, ctx.chain)[...] = False
        need_base, need_v = ctx.needs_input_grad
        return (g * keep if need_base else None), (_view(g, ctx.chain) if need_v else None)


def _view(x, chain):
    for op, kwargs in chain:
        x = op.apply(x, **kwargs)
    return x


def _kept(shape: tuple, index: Any) -> np.ndarray:
    """True everywhere but at `index`."""
    keep = np.ones(shape, dtype=bool)
    keep[index] = False
    return keep


def sum_to(grad, shape: tuple, op_name: str = "backward"):
    """Sum a broadcast gradient back down to `shape` (the inverse of numpy broadcasting)."""
    lead = grad.ndim - len(shape)
    if lead > 0 and grad.shape[lead:] == shape:  # the common case: only leading axes
        return grad.sum(axis=tuple(range(lead)))
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


def is_basic_index(index: Any) -> bool:
    """True for ints, slices, None and Ellipsis (numpy basic indexing: a view, no repeats)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


# functions -----------------------------------------------------------------------------


def reshape(x, *shape):
    """x with a new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return Reshape.apply(x, shape=shape)


def transpose(x, *axes):
    """Permute the axes (reverse them when none are given)."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return Transpose.apply(x, axes=tuple(axes) if axes else None)


def permute(x, *axes):
    """Permute the axes (all must be given), as torch.permute."""
    return transpose(x, *axes)


def swapaxes(x, axis1: int, axis2: int):
    """Swap two axes (derived from transpose)."""
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose.apply(x, axes=tuple(axes))


def broadcast_to(x, shape: tuple):
    """x broadcast to `shape` (a read-only view)."""
    return BroadcastTo.apply(x, shape=tuple(shape))


def expand_dims(x, axis: int):
    """Insert an axis of length 1 (derived from reshape)."""
    shape = np.shape(x)  # works on Tensors and on the plain arrays of a plain backward
    out_ndim = len(shape) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    axes = normalize_axis_tuple(axis, out_ndim)
    rest = iter(shape)
    new_shape = tuple(1 if i in axes else next(rest) for i in range(out_ndim))
    return Reshape.apply(x, shape=new_shape)


def squeeze(x, axis: Any = None):
    """Remove axes of length 1 (derived from reshape)."""
    shape = np.shape(x)
    axes = [i for i, n in enumerate(shape) if n == 1]
    if axis is not None:
        axes = normalize_axis_tuple(axis, len(shape))
        if any(shape[i] != 1 for i in axes):
            raise ValueError(
                f"squeeze: axis {axis} of shape {shape} has length other than 1; "
                "only axes of length 1 can be removed"
            )
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge dims start_dim..end_dim into one (derived from reshape), as torch.flatten."""
    shape = x.shape
    if not shape:
        return Reshape.apply(x, shape=(1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = int(np.prod(shape[start : end + 1], dtype=np.int64))
    return Reshape.apply(x, shape=shape[:start] + (merged,) + shape[end + 1 :])


def concatenate(tensors, axis: int = 0):
    """Join a sequence of tensors along an existing axis."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis: int = 0):
    """Join same-shape tensors along a new axis (derived: expand_dims + concatenate)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    new_axis = axis % (np.ndim(_data(tensors[0])) + 1)
    return Concatenate.apply(
        *(expand_dims(_as_tensor(t), new_axis) for t in tensors), axis=new_axis
    )


def getitem(x, index):
    """x[index]: basic slices, integer arrays and boolean masks."""
    return GetItem.apply(x, index=normalize_index(index))


def normalize_index(index: Any) -> Any:
    """Tensors, arrays, lists and ranges inside an index become private numpy arrays (a
    later change to the caller's index array cannot change a recorded gradient)."""
    from ..tensor import Tensor

    def one(part: Any) -> Any:
        if isinstance(part, Tensor):
            return np.array(part._data, copy=True)
        if isinstance(part, (list, range, np.ndarray)):
            return np.array(part, copy=True)
        return part

    if isinstance(index, tuple):
        return tuple(one(p) for p in index)
    return one(index)


def _data(t: Any) -> Any:
    return getattr(t, "_data", t)


def _as_tensor(t: Any) -> Any:
    from ..tensor import Tensor

    return t if isinstance(t, Tensor) else Tensor(np.asarray(t))
