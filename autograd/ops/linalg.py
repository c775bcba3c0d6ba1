"""Linear algebra: matmul for 1-D, 2-D and batched (broadcast) N-D operands."""

from __future__ import annotations

import numpy as np

from ..function import Primitive
from .public import function, method
from .shape import Reshape


class MatMul(Primitive):
    """a @ b   ->   da = g @ b^T,  db = a^T @ g   (1-D operands promoted as numpy does)"""

    function = "matmul"
    method = True

    @staticmethod
    def forward(ctx, a, b):
        _check_aligned(a, b)
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = (np.ndim(a), np.ndim(b))
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors  # b is None when a needs no gradient, and a when b needs none
        need_a, need_b = ctx.needs_input_grad
        a_ndim, b_ndim = ctx.ndims
        if a_ndim == 1 and b_ndim == 1:  # inner product: a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        if a_ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            grad_a = (
                (b @ g.reshape(*g.shape, 1)).reshape(*g.shape[:-1], b.shape[-2]) if need_a else None
            )
            grad_b = a.reshape(-1, 1) * g.reshape(*g.shape[:-1], 1, g.shape[-1]) if need_b else None
            return grad_a, grad_b
        if b_ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
            grad_a = g.reshape(*g.shape, 1) * b if need_a else None
            grad_b = (
                (a.swapaxes(-1, -2) @ g.reshape(*g.shape, 1)).reshape(*g.shape[:-1], a.shape[-1])
                if need_b
                else None
            )
            return grad_a, grad_b
        grad_a = g @ b.swapaxes(-1, -2) if need_a else None
        grad_b = a.swapaxes(-1, -2) @ g if need_b else None
        return grad_a, grad_b


def _check_aligned(a: np.ndarray, b: np.ndarray) -> None:
    a_shape = a.shape if type(a) is np.ndarray else np.shape(a)
    b_shape = b.shape if type(b) is np.ndarray else np.shape(b)
    if not a_shape or not b_shape:
        raise ValueError(
            f"matmul: both operands need at least one dimension, got shapes {a_shape} and "
            f"{b_shape}; use * to multiply by a scalar."
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[-2] if len(b_shape) > 1 else b_shape[0]
    if inner_a != inner_b:
        error = ValueError(
            f"matmul: shapes {a_shape} and {b_shape} are not aligned ({inner_a} != {inner_b}): "
            "the last dimension of the first operand must equal the "
            f"{'second-to-last' if len(b_shape) > 1 else 'only'} dimension of the second."
        )
        error._chainrule_named = True
        raise error


class Linear(Primitive):
    """x @ w^T + b   ->   dx = g @ w,  dw = g^T @ x,  db = sum of g over the batch axes

    The affine map of a dense layer, w of shape (out, in) as in PyTorch. It is the
    composition matmul(x, transpose(w)) + b, but fused into one primitive for speed:
    one node instead of three, no transposed view to copy for w's gradient, and the
    matmul result is not kept alive by the addition.
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.shape[-1] != w.shape[-1] or w.ndim != 2:
            error = ValueError(
                f"linear: input has {x.shape[-1]} features (shape {x.shape}) but the weight "
                f"of shape {w.shape} expects {w.shape[-1]} (its second dimension)"
            )
            error._chainrule_named = True
            raise error
        ctx.save_for_backward(x, w)
        out = x @ w.T
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = g @ w if needs[0] else None
        if g.ndim != 2:  # batch axes merged: (batch, out) and (batch, in)
            g, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        # dw = (x^T g)^T rather than g^T x: BLAS is faster with the long axis leading
        grad_w = (x.T @ g).T if needs[1] else None
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, (g.sum(axis=0) if needs[2] else None)


@function
def linear(x, weight, bias=None):
    """x @ weight.T + bias, one fused op (weight (out, in), bias (out,)), as torch's F.linear."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def _ranks(name: str, dims: tuple[int, int], a, b) -> None:
    """torch's fixed-rank products (mm: 2-D and 2-D, bmm: 3-D and 3-D, ...) refuse others."""
    shapes = (np.shape(getattr(a, "_data", a)), np.shape(getattr(b, "_data", b)))
    if (len(shapes[0]), len(shapes[1])) != dims:
        raise ValueError(
            f"{name}: takes operands of {dims[0]} and {dims[1]} dims, got shapes {shapes[0]} "
            f"and {shapes[1]}; matmul (@) takes any"
        )


def _fixed_rank(name: str, dims: tuple[int, int], doc: str):
    """The function (and method) `name(input, other)`: matmul of operands of these dims."""

    def product(input, other):
        _ranks(name, dims, input, other)
        return MatMul.apply(input, other)

    product.__name__ = product.__qualname__ = name
    product.__doc__ = doc
    product.function, product.aliases, product.method = name, (), True
    return product


mm = _fixed_rank("mm", (2, 2), "Matrix product of two 2-D tensors, as torch.mm.")
bmm = _fixed_rank("bmm", (3, 3), "Batched matrix product (b, n, m) @ (b, m, p), as torch.bmm.")
mv = _fixed_rank("mv", (2, 1), "Matrix-vector product (n, m) @ (m,), as torch.mv.")
dot = _fixed_rank("dot", (1, 1), "Inner product of two 1-D tensors, as torch.dot.")


@method
def outer(input, vec2):
    """Outer product of two 1-D tensors: (n,) and (m,) give (n, m), as torch.outer."""
    _ranks("outer", (1, 1), input, vec2)
    return Reshape.apply(input, shape=(-1, 1)) * Reshape.apply(vec2, shape=(1, -1))
