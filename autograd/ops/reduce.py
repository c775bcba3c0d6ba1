"""Reductions along `axis` (None, an int or a tuple) with `keepdims`.

Primitives: sum, max, min. Derived from them (no gradient of their own): mean, var,
logsumexp, softmax, log_softmax. The derived ones that exponentiate subtract the
maximum first (as a constant: the result does not depend on it), so they stay
finite for logits of 1e4.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..function import Primitive
from .elementwise import Exp, Log
from .shape import Reshape, broadcast_to

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


# Derived reductions: compositions of primitives --------------------------------------


def sum(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001 - numpy's name
    """Sum over `axis`."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis: Axis = None, keepdims: bool = False):
    """Mean over `axis`: sum / count (derived)."""
    count = _count(x.shape, axis)
    return Sum.apply(x, axis=axis, keepdims=keepdims) / count


def var(x, axis: Axis = None, keepdims: bool = False, ddof: int = 0):
    """Variance over `axis`, numpy's definition: sum((x - mean)**2) / (count - ddof) (derived)."""
    centred = x - mean(x, axis=axis, keepdims=True)
    return Sum.apply(centred * centred, axis=axis, keepdims=keepdims) / (
        _count(x.shape, axis) - ddof
    )


def max(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Maximum over `axis`."""
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x, axis: Axis = None, keepdims: bool = False):  # noqa: A001
    """Minimum over `axis`."""
    return Min.apply(x, axis=axis, keepdims=keepdims)


def logsumexp(x, axis: Axis = None, keepdims: bool = False):
    """log(sum(exp(x))) over axis, stable: m + log(sum(exp(x - m))), m = max(x) held constant."""
    shift = _stable_shift(x, axis)
    if _count(x.shape, axis) == 0:  # log of an empty sum: -inf, as PyTorch (without log(0))
        out = Sum.apply(x, axis=axis, keepdims=True) + -np.inf
    else:
        out = Log.apply(Sum.apply(Exp.apply(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else Reshape.apply(out, shape=np.sum(shift, axis=axis).shape)


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along `axis`, stable (shifted by the max, held constant)."""
    e = Exp.apply(x - _stable_shift(x, axis))
    return e / Sum.apply(e, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x) along `axis`, stable."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def _stable_shift(x, axis: Axis) -> np.ndarray:
    """max(x) along axis as a constant array (0 where the max is not finite, and for an
    empty x: softmax over a zero-length axis is then empty and logsumexp -inf, as PyTorch)."""
    if 0 in x.shape:
        return np.zeros(kept_shape(x.shape, axis), x.dtype)
    m = np.max(getattr(x, "_data", x), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(m.dtype, copy=False)


def _count(shape: tuple, axis: Axis) -> int:
    return int(np.prod([shape[a] for a in normalize_axes(axis, len(shape))], dtype=np.int64))
