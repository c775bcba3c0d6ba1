"""Weight initialisation, PyTorch's `torch.nn.init` schemes.

Each function fills a Tensor in place (without recording a graph) and returns it.
Randomness comes from `autograd.default_rng()`, so `autograd.manual_seed(n)` makes
model construction reproducible; as in PyTorch, each random scheme also takes
`generator=` (an `autograd.Generator`) to draw from instead.

For a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
fan_out = out * prod(kernel).

    xavier_uniform_   U(-b, b),   b = gain sqrt(6 / (fan_in + fan_out))
    xavier_normal_    N(0, s^2),  s = gain sqrt(2 / (fan_in + fan_out))
    kaiming_uniform_  U(-b, b),   b = gain sqrt(3 / fan)        fan = fan_in or fan_out
    kaiming_normal_   N(0, s^2),  s = gain / sqrt(fan)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

_LINEAR_LIKE = ("linear", "identity", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table):
    linear/identity/sigmoid 1, tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + a^2)),
    selu 3/4."""
    if nonlinearity in _LINEAR_LIKE or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); needs at least 2 axes."""
    if tensor.ndim < 2:
        raise ValueError(
            f"init: fan in and fan out need a tensor with at least 2 axes, got shape "
            f"{tensor.shape} (biases are initialised with uniform_ or zeros_)"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, ag.creation.numpy_rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2)."""
    return _fill(tensor, ag.creation.numpy_rng(generator).normal(mean, std, tensor.shape))


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1.0)


def constant_(tensor: Tensor, value: float) -> Tensor:
    return _fill(tensor, value)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-b, b) with b = gain sqrt(6 / (fan_in + fan_out)), so the
    variance is gain^2 * 2 / (fan_in + fan_out)."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, s^2) with s = gain sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: U(-b, b), b = gain sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).
    With a = sqrt(5) (Linear's default) b = 1 / sqrt(fan_in)."""
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: N(0, s^2), s = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)."""
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(_fan(tensor, mode)), generator)


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"init: cannot initialise a tensor of shape {tensor.shape} (fan is 0)")
    return fan


def _fill(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    """Write `values` into the tensor in place, counted as an in-place change."""
    tensor._data[...] = values
    tensor._version[0] += 1
    return tensor
