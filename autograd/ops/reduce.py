"""Reductions along `dim` (None, an int or a tuple) with `keepdim`, PyTorch's names;
numpy's `axis=` and `keepdims=` are accepted as aliases.

Primitives: sum, max, min (amax, amin), cumsum, the 2-norm. Derived from them (no
gradient of their own): mean, var, std, norm, logsumexp, softmax, log_softmax, and
max(x, dim) / sort / topk, which pick values with an index (getitem: the gradient goes
to the picked element). The derived ones that exponentiate subtract the maximum first
(as a constant: the result does not depend on it), so they stay finite for logits of
1e4. argmax, argmin, all, any give tensors without a gradient.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..function import Primitive
from ..tensor import Tensor
from .elementwise import Abs, Exp, Log, Maximum, Minimum, Pow, Sqrt
from .public import method
from .shape import GetItem, Reshape, broadcast_to

Axis = Any  # None | int | tuple[int, ...]


def normalize_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; None means every axis."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(normalize_axis_tuple(axis, ndim)))


def kept_shape(shape: tuple, axis: Axis) -> tuple:
    """`shape` with the reduced axes set to 1: the shape of a keepdims=True result."""
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Primitive):
    """sum(x, axis)   ->   dx = g broadcast back over the summed axes"""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.kept = x.shape, kept_shape(x.shape, axis)
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return broadcast_to(g.reshape(ctx.kept), ctx.shape)


class Max(Primitive):
    """max(x, axis)   ->   dx = g at the maxima (ties share g equally, as torch.amax)"""

    ties = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return _extreme(ctx, x, np.max(x, axis=axis, keepdims=True), axis, keepdims)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.kept) * ctx.share


class Min(Primitive):
    """min(x, axis)   ->   dx = g at the minima (ties share g equally, as torch.amin)"""

    ties = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        return _extreme(ctx, x, np.min(x, axis=axis, keepdims=True), axis, keepdims)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.kept) * ctx.share


def _extreme(ctx, x: np.ndarray, best: np.ndarray, axis: Axis, keepdims: bool) -> np.ndarray:
    """Save each element's share of the gradient: 1/count where it equals the extreme."""
    hits = x == best
    ctx.share = hits / np.sum(hits, axis=axis, keepdims=True).astype(x.dtype)
    ctx.share = ctx.share.astype(x.dtype, copy=False)
    ctx.kept = best.shape
    return best if keepdims else best.reshape(np.sum(best, axis=axis).shape)


class Cumsum(Primitive):
    """cumsum(x, dim)   ->   dx = reversed cumsum of g along dim"""

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, g):
        flip = (slice(None),) * (ctx.dim % g.ndim) + (slice(None, None, -1),)
        return Cumsum.apply(g[flip], dim=ctx.dim)[flip]


class Norm2(Primitive):
    """sqrt(sum(x**2, dim))   ->   dx = g x / norm   (0 where the norm is 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        out = np.sqrt(np.sum(x * x, axis=dim, keepdims=True))
        ctx.kept = out.shape
        ctx.zero = out == 0  # a 0-norm: x is 0 there, so x / (norm + 1) = 0
        out = out if keepdim else out.reshape(np.sum(out, axis=dim).shape)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return g.reshape(ctx.kept) * x / (out.reshape(ctx.kept) + ctx.zero)


# Derived reductions: compositions of primitives --------------------------------------

_NOT_GIVEN = object()


def dims(name: str, dim: Any, axis: Any, keepdim: Any = False, keepdims: Any = None) -> tuple:
    """PyTorch's (dim, keepdim) from either spelling: numpy's axis= and keepdims= are aliases."""
    if axis is not None:
        if dim is not None and dim != axis:
            raise TypeError(f"{name}: got dim={dim!r} and axis={axis!r}; give one of them")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    return dim, bool(keepdim)


class ValuesIndices(NamedTuple):
    """What max(x, dim), min(x, dim), sort and topk return, as torch.return_types."""

    values: Any
    indices: Any


@method
def sum(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """Sum over `dim` (all dims when None)."""
    dim, keepdim = dims("sum", dim, axis, keepdim, keepdims)
    return Sum.apply(x, axis=dim, keepdims=keepdim)


@method
def mean(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """Mean over `dim`: sum / count (derived)."""
    dim, keepdim = dims("mean", dim, axis, keepdim, keepdims)
    return Sum.apply(x, axis=dim, keepdims=keepdim) / _count(np.shape(x), dim)


@method
def var(
    x,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis=None,
    keepdims=None,
    ddof: float | None = None,
):
    """Variance over `dim`: sum((x - mean)**2) / (count - correction), unbiased
    (correction=1) by default as in PyTorch; `unbiased=False`, `correction=0` or numpy's
    `ddof=0` give the population variance (derived)."""
    dim, keepdim = dims("var", dim, axis, keepdim, keepdims)
    correction = _correction("var", unbiased, correction, ddof)
    centred = x - mean(x, dim, keepdim=True)
    divisor = _count(np.shape(x), dim) - correction
    total = Sum.apply(centred * centred, axis=dim, keepdims=keepdim)
    if divisor <= 0:  # PyTorch's answer, quietly: nan (0 / 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return total / divisor
    return total / divisor


@method
def std(x, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, **kwargs):
    """Standard deviation: sqrt(var(x, ...)), unbiased by default as in PyTorch (derived)."""
    return Sqrt.apply(var(x, dim, unbiased, keepdim, **kwargs))


def _correction(name: str, unbiased: Any, correction: Any, ddof: Any) -> float:
    given = [v for v in (unbiased, correction, ddof) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{name}: give one of unbiased=, correction= and ddof=, not several")
    if unbiased is not None:
        return 1 if unbiased else 0
    return 1 if not given else given[0]


@method
def amax(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """Maximum over `dim` (ties share the gradient equally, as torch.amax)."""
    dim, keepdim = dims("amax", dim, axis, keepdim, keepdims)
    return Max.apply(x, axis=dim, keepdims=keepdim)


@method
def amin(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """Minimum over `dim` (ties share the gradient equally, as torch.amin)."""
    dim, keepdim = dims("amin", dim, axis, keepdim, keepdims)
    return Min.apply(x, axis=dim, keepdims=keepdim)


@method
def max(x, dim: Any = None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """PyTorch's max: max(x) the largest value; max(x, dim) the named tuple (values,
    indices) along one dim (the gradient goes to the index picked); max(x, other) the
    elementwise maximum. numpy's axis= (an int or a tuple) gives the values only, as amax."""
    return _max_or_min("max", x, dim, keepdim, axis, keepdims)


@method
def min(x, dim: Any = None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """PyTorch's min: min(x), min(x, dim) -> (values, indices), min(x, other); see max."""
    return _max_or_min("min", x, dim, keepdim, axis, keepdims)


def _max_or_min(name: str, x, dim, keepdim, axis, keepdims):
    if isinstance(dim, (Tensor, np.ndarray, float)):  # max(x, other): elementwise
        return (Maximum if name == "max" else Minimum).apply(x, dim)
    reduce = Max if name == "max" else Min
    if axis is not None or dim is None or isinstance(dim, (tuple, list)):
        dim, keepdim = dims(name, dim, axis, keepdim, keepdims)
        return reduce.apply(x, axis=dim, keepdims=keepdim)
    keepdim = keepdim if keepdims is None else keepdims
    find = np.argmax if name == "max" else np.argmin
    index = find(_array(x), axis=dim, keepdims=True)
    return _pick(x, index, dim, keepdim)


def _pick(x, index: np.ndarray, dim: int, keepdim: bool) -> ValuesIndices:
    """(x's values at `index` along `dim`, the indices as int64), keepdim or not."""
    values = GetItem.apply(x, index=along(index, dim, np.ndim(_array(x))))
    if not keepdim:
        values = Reshape.apply(values, shape=np.squeeze(index, dim).shape)
        index = np.squeeze(index, dim)
    return ValuesIndices(values, _wrap(x, index.astype(np.int64)))


def along(index: Any, dim: int, ndim: int) -> tuple:
    """The numpy index of the elements x[i_0, ..., index[i], ..., i_n] (`index` along `dim`
    at every other position): what gather reads and scatter_add writes. A private copy."""
    index = np.array(_array(index), copy=True)
    if index.dtype.kind not in "iu":
        raise TypeError(f"index: must hold integers, got dtype {index.dtype}")
    if index.ndim != ndim:
        raise ValueError(
            f"index: must have as many dims as the input ({ndim}), got shape {index.shape}"
        )
    parts = list(np.indices(index.shape, sparse=True))
    parts[dim % ndim] = index
    return tuple(parts)


@method
def argmax(x, dim: Any = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """Index of the maximum (of the flattened tensor when dim is None), int64, no gradient."""
    dim, keepdim = dims("argmax", dim, axis, keepdim, keepdims)
    found = np.argmax(_array(x), axis=dim, keepdims=keepdim and dim is not None)
    return _wrap(x, np.asarray(found, dtype=np.int64))


@method
def argmin(x, dim: Any = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """Index of the minimum, int64, no gradient."""
    dim, keepdim = dims("argmin", dim, axis, keepdim, keepdims)
    found = np.argmin(_array(x), axis=dim, keepdims=keepdim and dim is not None)
    return _wrap(x, np.asarray(found, dtype=np.int64))


@method
def all(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """True where every element along `dim` is nonzero (a bool tensor, no gradient)."""
    dim, keepdim = dims("all", dim, axis, keepdim, keepdims)
    return _wrap(x, np.asarray(np.all(_array(x), axis=dim, keepdims=keepdim)))


@method
def any(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):  # noqa: A001
    """True where some element along `dim` is nonzero (a bool tensor, no gradient)."""
    dim, keepdim = dims("any", dim, axis, keepdim, keepdims)
    return _wrap(x, np.asarray(np.any(_array(x), axis=dim, keepdims=keepdim)))


@method
def cumsum(x, dim: int | None = None, *, axis=None, dtype: Any = None):
    """Running sums along `dim` (required, as in PyTorch)."""
    dim, _ = dims("cumsum", dim, axis)
    if dim is None:
        raise TypeError("cumsum: give the dim to sum along, e.g. cumsum(x, dim=0)")
    if dtype is not None:
        x = x.to(dtype)
    return Cumsum.apply(x, dim=dim)


@method
def norm(x, p: Any = "fro", dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """The p-norm over `dim` (all elements when None): p = 2 or "fro" (default), 1, inf,
    -inf, 0 (the count of nonzeros) or any other number: sum(|x|**p)**(1/p). As in
    PyTorch the 2-norm's gradient at a zero vector is 0."""
    dim, keepdim = dims("norm", dim, axis, keepdim, keepdims)
    if p in ("fro", 2, 2.0):
        return Norm2.apply(x, dim=dim, keepdim=keepdim)
    if p == "nuc" or isinstance(p, str):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
    if p == np.inf:
        return Max.apply(Abs.apply(x), axis=dim, keepdims=keepdim)
    if p == -np.inf:
        return Min.apply(Abs.apply(x), axis=dim, keepdims=keepdim)
    if p == 0:
        count = np.sum(_array(x) != 0, axis=dim, keepdims=keepdim)
        return _wrap(x, np.asarray(count, dtype=_array(x).dtype))
    if p == 1:
        return Sum.apply(Abs.apply(x), axis=dim, keepdims=keepdim)
    total = Sum.apply(Pow.apply(Abs.apply(x), p), axis=dim, keepdims=keepdim)
    return Pow.apply(total, 1.0 / p)


@method
def sort(x, dim: int = -1, descending: bool = False, stable: bool = False, *, axis=None):
    """(values, indices) sorted along `dim`, ascending unless `descending`; the values'
    gradient flows back to the positions they came from. Ties keep their order."""
    dim, _ = dims("sort", dim, axis)
    array = _array(x)
    if np.ndim(array) == 0:
        return ValuesIndices(x, _wrap(x, np.zeros((), np.int64)))
    index = _order(array, dim, descending)
    return _pick(x, index, dim, keepdim=True)


@method
def argsort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort `dim` (sort's indices), int64, no gradient."""
    return sort(x, dim, descending, stable).indices


@method
def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along `dim`, largest first."""
    array = _array(x)
    if not 0 <= k <= array.shape[dim]:
        raise ValueError(
            f"topk: k={k} is out of range for dim {dim} of size {array.shape[dim]} (shape "
            f"{array.shape})"
        )
    index = np.take(_order(array, dim, largest), np.arange(k), axis=dim)
    return _pick(x, index, dim, keepdim=True)


def _order(array: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """argsort along dim, stable; descending keeps equal elements in their order."""
    if not descending:
        return np.argsort(array, axis=dim, kind="stable")
    n = array.shape[dim]
    flipped = np.flip(array, axis=dim)  # stable ascending of the reversed, then reverse back
    return n - 1 - np.flip(np.argsort(flipped, axis=dim, kind="stable"), axis=dim)


@method
def logsumexp(x, dim: Axis = None, keepdim: bool = False, *, axis=None, keepdims=None):
    """log(sum(exp(x))) over dim, stable: m + log(sum(exp(x - m))), m = max(x) held constant."""
    dim, keepdim = dims("logsumexp", dim, axis, keepdim, keepdims)
    shift = _stable_shift(x, dim)
    if _count(np.shape(x), dim) == 0:  # log of an empty sum: -inf, as PyTorch (without log(0))
        out = Sum.apply(x, axis=dim, keepdims=True) + -np.inf
    else:
        out = Log.apply(Sum.apply(Exp.apply(x - shift), axis=dim, keepdims=True)) + shift
    return out if keepdim else Reshape.apply(out, shape=np.sum(shift, axis=dim).shape)


@method
def softmax(x, dim: Any = -1, *, axis: Any = _NOT_GIVEN, dtype: Any = None):
    """exp(x) / sum(exp(x)) along `dim`, stable (shifted by the max, held constant)."""
    dim = dim if axis is _NOT_GIVEN else axis  # numpy's axis=None: over every element
    if dtype is not None:
        x = x.to(dtype)
    e = Exp.apply(x - _stable_shift(x, dim))
    return e / Sum.apply(e, axis=dim, keepdims=True)


@method
def log_softmax(x, dim: Any = -1, *, axis: Any = _NOT_GIVEN, dtype: Any = None):
    """x - logsumexp(x) along `dim`, stable."""
    dim = dim if axis is _NOT_GIVEN else axis  # numpy's axis=None: over every element
    if dtype is not None:
        x = x.to(dtype)
    return x - logsumexp(x, dim, keepdim=True)


def _stable_shift(x, axis: Axis) -> np.ndarray:
    """max(x) along axis as a constant array (0 where the max is not finite, and for an
    empty x: softmax over a zero-length axis is then empty and logsumexp -inf, as PyTorch)."""
    if 0 in x.shape:
        return np.zeros(kept_shape(x.shape, axis), x.dtype)
    m = np.max(getattr(x, "_data", x), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(m.dtype, copy=False)


def _count(shape: tuple, axis: Axis) -> int:
    return int(np.prod([shape[a] for a in normalize_axes(axis, len(shape))], dtype=np.int64))


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _wrap(x: Any, values: np.ndarray) -> Any:
    """A result without a gradient: a tensor for a tensor, an array for an array."""
    return Tensor._from_values(values) if isinstance(x, Tensor) else values
