"""Special functions: erf, for the exact GELU."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Primitive
from ..tensor import Tensor
from .elementwise import Exp


class Erf(Primitive):
    """erf(x) = 2/sqrt(pi) int_0^x exp(-t^2) dt   ->   dx = g * 2/sqrt(pi) * exp(-x^2)"""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return erf_array(x)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * (2.0 / math.sqrt(math.pi)) * Exp.apply(-(x * x))


_ERF_SMALL_NUM = (
    1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
    3.77485237685302021e02, 3.20937758913846947e03,
)  # fmt: skip


_ERF_SMALL_DEN = (
    1.0, 2.36012909523441209e01, 2.44024637934444173e02,
    1.28261652607737228e03, 2.84423683343917062e03,
)  # fmt: skip


_ERFC_MID_NUM = (
    2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
    6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
    1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
)  # fmt: skip


_ERFC_MID_DEN = (
    1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
    1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
    3.43936767414372164e03, 1.23033935480374942e03,
)  # fmt: skip


_ERFC_LARGE_NUM = (
    1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
    1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4,
)  # fmt: skip


_ERFC_LARGE_DEN = (
    1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
    6.05183413124413191e-2, 2.33520497626869185e-3,
)  # fmt: skip


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf on a numpy array, vectorised (Cody's three intervals); keeps x's float dtype."""
    x = np.asarray(x)
    x64 = x.astype(np.float64)
    y = np.abs(x64)
    result = np.empty_like(x64)

    small = y <= 0.46875  # erf(x) = x R(x^2)
    ys = y[small] ** 2
    result[small] = x64[small] * np.polyval(_ERF_SMALL_NUM, ys) / np.polyval(_ERF_SMALL_DEN, ys)

    mid = ~small & (y <= 4.0)  # erfc(y) = Exp.apply(-y^2) R(y)
    ym = y[mid]
    erfc_mid = _exp_minus_square(ym) * np.polyval(_ERFC_MID_NUM, ym) / np.polyval(_ERFC_MID_DEN, ym)

    large = (
        ~small & ~mid
    )  # erfc(y) = Exp.apply(-y^2) / y (1/sqrt(pi) - z R(z)), z = 1/y^2 (also NaN)
    yl = y[large]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 1.0 / (yl * yl)
        tail = z * np.polyval(_ERFC_LARGE_NUM, z) / np.polyval(_ERFC_LARGE_DEN, z)
        erfc_large = _exp_minus_square(yl) * (1.0 / math.sqrt(math.pi) - tail) / yl
    erfc_large[np.isinf(yl)] = 0.0

    result[mid] = np.copysign(1.0 - erfc_mid, x64[mid])
    result[large] = np.copysign(1.0 - erfc_large, x64[large])
    return result.astype(x.dtype, copy=False) if x.dtype.kind == "f" else result


def _exp_minus_square(y: np.ndarray) -> np.ndarray:
    """exp(-y^2) without the rounding error of squaring y: split y = y16 + d, y16 = y to 1/16."""
    y16 = np.trunc(y * 16.0) / 16.0
    return np.exp(-y16 * y16) * np.exp(-(y - y16) * (y + y16))
