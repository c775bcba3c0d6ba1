"""PyTorch's dtype and device names on chainrule's numpy arrays.

Dtypes are numpy dtypes under PyTorch's names (`autograd.float32 is np.dtype("float32")`,
`autograd.long` is int64), so `x.dtype == autograd.float32` and `x.to(autograd.long)`
read as in PyTorch and numpy code keeps working. Devices: chainrule computes on the CPU
with numpy, so `device("cpu")` is the only device a tensor can live on; `device("cuda")`
can be named (as in `device("cuda" if cuda.is_available() else "cpu")`), but putting a
tensor or a module there raises an error that says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

DTYPES = {
    "float16": float16, "half": half, "float32": float32, "float": float32,
    "float64": float64, "double": double, "complex64": complex64, "complex128": complex128,
    "cdouble": cdouble, "uint8": uint8, "int8": int8, "int16": int16, "short": short,
    "int32": int32, "int": int32, "int64": int64, "long": long, "bool": bool_,
}  # fmt: skip

DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "mtia", "ipu", "hpu")


class device:  # noqa: N801 - torch's name
    """A device name, `device("cpu")` or `device("cuda", 0)`; only "cpu" can hold tensors."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name not in DEVICE_TYPES:
            raise RuntimeError(
                f"device: expected one of {', '.join(DEVICE_TYPES)} device type at start of "
                f"device string: {type!r}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        self.type, self.index = name, index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def check_device(where: Any, name: str = "device") -> device:
    """The cpu device for `where` (None, "cpu", device("cpu")); a clear error for others."""
    if where is None:
        return CPU
    if isinstance(where, int) and not isinstance(where, bool):
        where = device("cuda", where)  # PyTorch reads a bare int as a CUDA ordinal
    wanted = device(where)
    if wanted.type != "cpu":
        raise RuntimeError(
            f"{name}={str(wanted)!r}: chainrule computes on the CPU with numpy and cannot put "
            f"tensors on {wanted.type}. Use device='cpu' (or pick it with "
            "autograd.device('cuda' if autograd.cuda.is_available() else 'cpu'))."
        )
    return CPU


def is_dtype(spec: Any) -> bool:
    """True for what names a dtype: a numpy dtype, a numpy scalar type, float/int/bool."""
    if isinstance(spec, np.dtype):
        return True
    return isinstance(spec, type) and (issubclass(spec, np.generic) or spec in (float, int, bool))


def as_dtype(spec: Any) -> np.dtype:
    """numpy dtype for a dtype spec (np.float32, autograd.long, float, "float32")."""
    if isinstance(spec, str) and spec in DTYPES:
        return DTYPES[spec]
    return np.dtype(spec)
