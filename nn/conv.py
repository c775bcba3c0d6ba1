"""Convolution and pooling layers: Conv1d, Conv2d, Conv3d, MaxPool1d/2d, AvgPool1d/2d.

Arguments, parameter names and shapes are PyTorch's, so a PyTorch state_dict loads
unchanged: weight (out_channels, in_channels, *kernel_size), bias (out_channels,).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter


def _ntuple(value: Any, n: int, name: str, layer: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"{layer}: {name} needs 1 or {n} values, got {value}")
    return value


class _ConvNd(Module):
    _nd = 0
    _function = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ):
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if groups != 1:
            raise ValueError(f"{name}: groups={groups} is not supported (only groups=1)")
        if padding_mode != "zeros":
            raise ValueError(f"{name}: padding_mode={padding_mode!r} is not supported ('zeros')")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = _ntuple(stride, nd, "stride", name)
        self.dilation = _ntuple(dilation, nd, "dilation", name)
        self.padding = (
            padding if isinstance(padding, str) else _ntuple(padding, nd, "padding", name)
        )
        self.groups, self.padding_mode = groups, padding_mode
        dtype = dtype or ag.get_default_dtype()
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight by kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) with fan_in = in_channels * prod(kernel_size); bias the same."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_channels * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._function(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation
        )

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """1-D convolution: (N, in_channels, L) -> (N, out_channels, L_out), as torch.nn.Conv1d."""

    _nd = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution: (N, in_channels, H, W) -> (N, out_channels, H_out, W_out), with
    H_out = (H + 2 padding - dilation (kernel - 1) - 1) // stride + 1, as torch.nn.Conv2d."""

    _nd = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_ConvNd):
    """3-D convolution: (N, in_channels, D, H, W) -> (N, out_channels, D', H', W')."""

    _nd = 3
    _function = staticmethod(F.conv3d)


class _MaxPoolNd(Module):
    _function = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False):  # fmt: skip
        super().__init__()
        if return_indices:
            raise ValueError(f"{type(self).__name__}: return_indices=True is not supported")
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation, self.ceil_mode = padding, dilation, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._function(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over windows of (N, C, L); stride defaults to kernel_size; padding is -inf."""

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over windows of (N, C, H, W); stride defaults to kernel_size; padding is -inf;
    on ties the gradient goes to the first maximum (row-major), as in PyTorch."""

    _function = staticmethod(F.max_pool2d)


class _AvgPoolNd(Module):
    _function = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True):  # fmt: skip
        super().__init__()
        if not count_include_pad:
            raise ValueError(f"{type(self).__name__}: count_include_pad=False is not supported")
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode

    def forward(self, x: Tensor) -> Tensor:
        return type(self)._function(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of (N, C, L); stride defaults to kernel_size."""

    _function = staticmethod(F.avg_pool1d)


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of (N, C, H, W); stride defaults to kernel_size; zero padding
    counts in the mean (count_include_pad=True)."""

    _function = staticmethod(F.avg_pool2d)


class AdaptiveAvgPool2d(Module):
    """Mean over the windows that tile (N, C, H, W) into `output_size` (1: global average)."""

    def __init__(self, output_size: Any):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
