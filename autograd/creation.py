"""Making tensors: from data, filled, ranges and random draws (one seedable generator)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, as_array, get_default_dtype

_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the generator behind every random draw (randn, init, Dropout, shuffling)."""
    global _rng
    _rng = np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The global numpy Generator that all of chainrule's randomness draws from."""
    return _rng


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new tensor holding a copy of `data` (numbers and lists become the default dtype)."""
    return Tensor(as_array(data, dtype, copy=True), requires_grad=requires_grad)


def _dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else np.dtype(dtype)


def _shape(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return Tensor(np.zeros(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return Tensor(np.ones(_shape(shape), _dtype(dtype)), requires_grad=requires_grad)


def full(shape: Any, value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `value`."""
    return Tensor(np.full(shape, value, _dtype(dtype)), requires_grad=requires_grad)


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of `t`."""
    array = as_array(t)
    return Tensor(np.zeros(array.shape, dtype or array.dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of `t`."""
    array = as_array(t)
    return Tensor(np.ones(array.shape, dtype or array.dtype), requires_grad=requires_grad)


def arange(*args: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values, as numpy.arange (default float dtype)."""
    return Tensor(np.arange(*args, dtype=_dtype(dtype)), requires_grad=requires_grad)


def linspace(
    start: float, stop: float, num: int = 50, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """`num` evenly spaced values from start to stop, as numpy.linspace."""
    return Tensor(np.linspace(start, stop, num, dtype=_dtype(dtype)), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    return Tensor(np.eye(n, m, dtype=_dtype(dtype)), requires_grad=requires_grad)


def randn(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws from the global generator (see manual_seed)."""
    values = _rng.standard_normal(_shape(shape)).astype(_dtype(dtype), copy=False)
    return Tensor(values, requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws on [0, 1) from the global generator."""
    values = _rng.random(_shape(shape)).astype(_dtype(dtype), copy=False)
    return Tensor(values, requires_grad=requires_grad)
