"""Shape and indexing ops. They move values around without changing them.

Results that are views of their input are read-only: writing through a view would
change the input behind the graph's back. Call `.clone()` for a tensor of your own.

Primitives: reshape, transpose, broadcast_to, concatenate, getitem, and index_add
(getitem's gradient: a scatter-add, so repeated indices accumulate). Derived:
swapaxes, permute, expand_dims, squeeze, flatten, stack.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..function import Primitive


def _read_only(array: np.ndarray) -> np.ndarray:
    if array.flags.writeable:
        array.flags.writeable = False
    return array


class Reshape(Primitive):
    """x viewed with a new shape   ->   dx = g reshaped back"""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return _read_only(np.reshape(x, shape))

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Primitive):
    """x with its axes permuted   ->   dx = g with the inverse permutation"""

    @staticmethod
    def forward(ctx, x, axes=None):
        axes = tuple(range(np.ndim(x)))[::-1] if axes is None else axes
        ctx.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return _read_only(np.transpose(x, axes))

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse)


class BroadcastTo(Primitive):
    """x repeated to `shape` as numpy broadcasts   ->   dx = g summed back to x's shape"""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = np.shape(x)
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        from ..engine import sum_to

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

    @staticmethod
    def forward(ctx, x, index=()):
        ctx.shape, ctx.index = x.shape, index
        return _read_only(np.asarray(x[index]))

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
    """Tensors and lists inside an index become numpy arrays."""
    from ..tensor import Tensor

    def one(part: Any) -> Any:
        if isinstance(part, Tensor):
            return part._data
        if isinstance(part, list):
            return np.asarray(part)
        return part

    if isinstance(index, tuple):
        return tuple(one(p) for p in index)
    return one(index)


def _data(t: Any) -> Any:
    return getattr(t, "data", t)


def _as_tensor(t: Any) -> Any:
    from ..tensor import Tensor

    return t if isinstance(t, Tensor) else Tensor(np.asarray(t))
