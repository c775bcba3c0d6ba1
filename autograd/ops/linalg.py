"""Linear algebra: matmul for 1-D, 2-D and batched (broadcast) N-D operands."""

from __future__ import annotations

import numpy as np

from ..function import Primitive


class MatMul(Primitive):
    """a @ b   ->   da = g @ b^T,  db = a^T @ g   (1-D operands promoted as numpy does)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_aligned(a, b)
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # inner product: a scalar
            return (g * b if need_a else None), (g * a if need_b else None)
        if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
            grad_a = (
                (b @ g.reshape(*g.shape, 1)).reshape(*g.shape[:-1], b.shape[-2]) if need_a else None
            )
            grad_b = a.reshape(-1, 1) * g.reshape(*g.shape[:-1], 1, g.shape[-1]) if need_b else None
            return grad_a, grad_b
        if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
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
    a_shape, b_shape = np.shape(a), np.shape(b)
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
