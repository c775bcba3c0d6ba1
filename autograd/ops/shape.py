"""Shape and indexing ops. They move values around without changing them.

Reshape, transpose, broadcast_to and basic slicing return views: they share memory
and the version counter with their input, as in PyTorch (`view = True`).

Primitives: reshape, transpose, broadcast_to, concatenate, getitem, index_add
(getitem's gradient: a scatter-add, so repeated indices accumulate), and the two ops
that record in-place writes, index_put (x[i] = v) and copy_slices (a write through a
view). Derived: view, t, swapaxes, permute, expand, repeat, unsqueeze (expand_dims),
squeeze, flatten, cat, stack, tril, triu, masked_fill, gather, scatter_add.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..function import Primitive
from ..tensor import Tensor
from .elementwise import Where
from .public import function, method


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


@function
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


def _sizes(name: str, sizes: tuple) -> tuple:
    """f(x, 2, 3) and f(x, (2, 3)) alike: the sizes as one tuple of ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(int(n) for n in sizes)


@method
def reshape(x, *shape):
    """x with a new shape (one dimension may be -1): reshape(x, 2, 3) or reshape(x, (2, 3))."""
    return Reshape.apply(x, shape=_sizes("reshape", shape))


@method
def view(x, *shape):
    """PyTorch's view: reshape (a view of the same memory when numpy can make one, a copy
    otherwise; chainrule does not refuse non-contiguous tensors)."""
    return Reshape.apply(x, shape=_sizes("view", shape))


@method
def transpose(x, *dims):
    """PyTorch's transpose(x, dim0, dim1): swap two dims. numpy's forms are kept where
    they cannot be mistaken for it: no dims reverses them all (as .T), and a tuple or
    three or more dims is a permutation (as permute)."""
    if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
        return swapaxes(x, *dims)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return Transpose.apply(x, axes=tuple(dims[0]))
    if len(dims) == 1 and np.ndim(x) != 1:
        raise TypeError(
            f"transpose: got one dim ({dims[0]}); give two dims to swap, "
            "transpose(x, 0, 1), or a whole permutation, permute(x, ...)"
        )
    return Transpose.apply(x, axes=tuple(dims) if dims else None)


@method
def permute(x, *dims):
    """Reorder the dims (all must be given): permute(x, 2, 0, 1) or permute(x, (2, 0, 1))."""
    dims = _sizes("permute", dims)
    if len(dims) != np.ndim(x) or sorted(d % max(len(dims), 1) for d in dims) != list(
        range(len(dims))
    ):
        raise ValueError(
            f"permute: dims {dims} are not a permutation of the {np.ndim(x)} dims of a "
            f"tensor of shape {np.shape(x)}"
        )
    return Transpose.apply(x, axes=tuple(d % len(dims) for d in dims))


@method
def t(x):
    """The transpose of a matrix; 0-d and 1-d tensors are returned as they are (as torch.t)."""
    if np.ndim(x) > 2:
        raise ValueError(
            f"t: expects a tensor of at most 2 dims, got shape {np.shape(x)}; use "
            "transpose(x, dim0, dim1) or permute"
        )
    return Transpose.apply(x, axes=None)


@method
def swapaxes(x, axis1: int, axis2: int):
    """Swap two axes (derived from transpose)."""
    axes = list(range(np.ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return Transpose.apply(x, axes=tuple(axes))


@method
def broadcast_to(x, shape: tuple):
    """x broadcast to `shape` (a read-only view)."""
    return BroadcastTo.apply(x, shape=tuple(shape))


@method
def expand(x, *sizes):
    """PyTorch's expand: x broadcast to `sizes`, -1 keeping a dim's size; new dims lead."""
    sizes = _sizes("expand", sizes)
    shape = np.shape(x)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ValueError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the number of "
            f"dims of the tensor (shape {shape})"
        )
    full = tuple(shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(sizes))
    return BroadcastTo.apply(x, shape=full)


@method
def repeat(x, *sizes):
    """PyTorch's repeat (numpy's tile): x repeated sizes[i] times along dim i (derived:
    reshape, broadcast, reshape, so each copy sends its gradient back)."""
    sizes = _sizes("repeat", sizes)
    shape = np.shape(x)
    if len(sizes) < len(shape):
        raise ValueError(
            f"repeat: give at least one size per dim of the tensor (shape {shape}), got {sizes}"
        )
    shape = (1,) * (len(sizes) - len(shape)) + tuple(shape)
    spread = tuple(v for n in shape for v in (1, n))
    tiled = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    out = BroadcastTo.apply(Reshape.apply(x, shape=spread), shape=tiled)
    return Reshape.apply(out, shape=tuple(r * n for r, n in zip(sizes, shape)))


@method
def expand_dims(x, axis: int):
    """Insert an axis of length 1 (derived from reshape)."""
    shape = np.shape(x)  # works on Tensors and on the plain arrays of a plain backward
    out_ndim = len(shape) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    axes = normalize_axis_tuple(axis, out_ndim)
    rest = iter(shape)
    new_shape = tuple(1 if i in axes else next(rest) for i in range(out_ndim))
    return Reshape.apply(x, shape=new_shape)


@method
def unsqueeze(x, dim: int):
    """Insert a dim of length 1 at `dim` (PyTorch's name for expand_dims)."""
    return expand_dims(x, dim)


@method
def squeeze(x, dim: Any = None, *, axis: Any = None):
    """Remove dims of length 1 (all of them when dim is None). As in PyTorch, a given dim
    whose length is not 1 is left as it is (numpy's squeeze, np.squeeze, raises)."""
    shape = np.shape(x)
    dim = axis if axis is not None else dim
    axes = [i for i, n in enumerate(shape) if n == 1]
    if dim is not None:
        axes = [i for i in normalize_axis_tuple(dim, max(len(shape), 1)) if i < len(shape)]
        axes = [i for i in axes if shape[i] == 1]
    return Reshape.apply(x, shape=tuple(n for i, n in enumerate(shape) if i not in axes))


@method
def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge dims start_dim..end_dim into one (derived from reshape), as torch.flatten."""
    shape = np.shape(x)
    if not shape:
        return Reshape.apply(x, shape=(1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    merged = int(np.prod(shape[start : end + 1], dtype=np.int64))
    return Reshape.apply(x, shape=shape[:start] + (merged,) + shape[end + 1 :])


@function(aliases=("concat",))
def cat(tensors, dim: int = 0, *, axis: int | None = None):
    """Join a sequence of tensors along an existing dim (torch.cat; also concat, concatenate)."""
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    return Concatenate.apply(*tensors, axis=dim)


@function
def concatenate(tensors, axis: int = 0, *, dim: int | None = None):
    """numpy's name for cat."""
    return cat(tensors, axis if dim is None else dim)


@function
def stack(tensors, dim: int = 0, *, axis: int | None = None):
    """Join same-shape tensors along a new dim (derived: unsqueeze + cat)."""
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    new_axis = dim % (np.ndim(_data(tensors[0])) + 1)
    return Concatenate.apply(
        *(expand_dims(_as_tensor(t), new_axis) for t in tensors), axis=new_axis
    )


def _along(x, dim: int, index) -> tuple:
    """An index that applies `index` to dim `dim` of x and keeps every other dim."""
    return (*(slice(None),) * (dim % np.ndim(_data(x))), index)


@method
def split(x, split_size_or_sections, dim: int = 0):
    """Pieces along `dim` (views by slicing), as torch.split: an int gives pieces of that
    size (the last may be smaller), a list gives pieces of those sizes."""
    length = np.shape(_data(x))[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(
                f"split: the piece size must be positive, got {split_size_or_sections}"
            )
        sizes = [split_size_or_sections] * (length // split_size_or_sections)
        sizes += [length % split_size_or_sections] if length % split_size_or_sections else []
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if sum(sizes) != length or min(sizes, default=0) < 0:
            raise ValueError(
                f"split: sizes {sizes} must be non-negative and add up to {length}, the "
                f"length of dim {dim}"
            )
    starts = np.cumsum([0, *sizes])
    return tuple(getitem(x, _along(x, dim, slice(a, b))) for a, b in zip(starts[:-1], starts[1:]))


@method
def chunk(x, chunks: int, dim: int = 0):
    """`chunks` pieces of equal size along `dim` (the last may be smaller, and there may be
    fewer), as torch.chunk."""
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    length = np.shape(_data(x))[dim]
    return split(x, max(1, -(-length // chunks)), dim)


@method
def unbind(x, dim: int = 0):
    """The slices along `dim`, that dim removed, as a tuple (torch.unbind)."""
    return tuple(getitem(x, _along(x, dim, i)) for i in range(np.shape(_data(x))[dim]))


@method
def flip(x, dims):
    """The order of the elements along `dims` reversed (a view), as torch.flip."""
    for dim in (dims,) if isinstance(dims, int) else dims:
        x = getitem(x, _along(x, dim, slice(None, None, -1)))
    return x


@method
def roll(x, shifts, dims=None):
    """Elements moved `shifts` places along `dims`, those pushed off the end coming back
    at the start, as torch.roll; without dims, along the flattened tensor."""
    if dims is None:
        return reshape(roll(reshape(x, -1), shifts, 0), *np.shape(_data(x)))
    shifts, dims = np.atleast_1d(shifts), np.atleast_1d(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dims; give one each")
    for shift, dim in zip(shifts.tolist(), dims.tolist()):
        order = np.roll(np.arange(np.shape(_data(x))[dim]), shift)
        x = getitem(x, _along(x, dim, order))
    return x


@method
def index_select(x, dim: int, index):
    """The slices of `dim` at the positions in the 1-D integer `index`, as torch.index_select."""
    positions = np.asarray(_data(index))
    if positions.ndim != 1 or positions.dtype.kind not in "iu":
        raise ValueError(
            f"index_select: index must be a 1-D integer tensor, got {positions.dtype} of "
            f"shape {positions.shape}"
        )
    return getitem(x, _along(x, dim, positions))


@method
def tril(x, diagonal: int = 0):
    """The lower triangle of the last two dims (elements above `diagonal` set to 0)."""
    rows, cols = _matrix_shape("tril", x)
    keep = np.tri(rows, cols, k=diagonal, dtype=bool)
    return _keep(x, keep)


@method
def triu(x, diagonal: int = 0):
    """The upper triangle of the last two dims (elements below `diagonal` set to 0)."""
    rows, cols = _matrix_shape("triu", x)
    keep = ~np.tri(rows, cols, k=diagonal - 1, dtype=bool)
    return _keep(x, keep)


def _matrix_shape(name: str, x) -> tuple:
    shape = np.shape(x)
    if len(shape) < 2:
        raise ValueError(f"{name}: needs a tensor of at least 2 dims, got shape {shape}")
    return shape[-2:]


def _keep(x, keep: np.ndarray):
    """x where `keep`, 0 elsewhere (derived from where: the gradient is masked the same)."""
    return Where.apply(keep, x, np.zeros((), np.result_type(_data(x))))


@method
def masked_fill(x, mask, value):
    """x with `value` where `mask` is True (derived from where; mask broadcasts)."""
    mask = np.asarray(_data(mask))
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {mask.dtype}")
    if not isinstance(value, (Tensor, np.ndarray)):
        value = np.asarray(value, np.result_type(_data(x)))
    return Where.apply(mask, value, x)


@method
def gather(x, dim: int, index):
    """out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on): values picked along
    `dim` (derived from getitem; the gradient is scattered back, repeats adding up)."""
    from .reduce import along

    return GetItem.apply(x, index=along(index, dim, np.ndim(_data(x))))


@method
def scatter_add(x, dim: int, index, src):
    """x with src added at `index` along `dim`: out[index[i][j]][j] += src[i][j] for dim 0
    (derived: x + index_add, so both x and src get gradients)."""
    from .reduce import along

    at = along(index, dim, np.ndim(_data(x)))
    src_shape = np.shape(_data(src))
    index_shape = at[dim % len(at)].shape
    if src_shape != index_shape:
        if len(src_shape) != len(index_shape) or any(s < n for s, n in zip(src_shape, index_shape)):
            raise ValueError(
                f"scatter_add: src of shape {src_shape} must be at least as large as the index "
                f"{index_shape} in every dim"
            )
        src = src[tuple(slice(0, n) for n in index_shape)]
    return x + IndexAdd.apply(src, index=at, shape=np.shape(_data(x)))


@function
def getitem(x, index):
    """x[index]: basic slices, integer arrays and boolean masks."""
    return GetItem.apply(x, index=normalize_index(index))


def normalize_index(index: Any) -> Any:
    """Tensors, arrays, lists and ranges inside an index become private numpy arrays (a
    later change to the caller's index array cannot change a recorded gradient)."""

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
    return t if isinstance(t, Tensor) else Tensor(np.asarray(t))
