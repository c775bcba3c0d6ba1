"""Text for drawings and tables: numbers, arrays, tensor names, module descriptions.

Small arrays (at most `SMALL` elements) are written out; larger ones as one line
`min a  mean b  max c`, counting NaN and Inf separately so they are never hidden.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from ..tensor import Tensor

SMALL = 4  # arrays with at most this many elements are written out in full
DIGITS = 4  # significant digits of every number shown


def number(value: Any) -> str:
    """`value` with DIGITS significant digits: -0.4782, 49, 1.2e-08, nan."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return f"{value:.{DIGITS}g}"


def array(values: Any) -> str:
    """A number, a short list `[1, 2, 3]`, or the summary of a large array."""
    values = np.asarray(values)
    if values.size == 1:
        return number(values.reshape(()).item())
    if values.size <= SMALL:
        text = np.array2string(values, separator=", ", formatter={"all": number})
        return " ".join(text.split())  # one line: [[1], [2]]
    return summary(values)


def summary(values: np.ndarray) -> str:
    """`min a  mean b  max c` over the finite entries, plus counts of NaN and Inf."""
    if values.size == 0:
        return "empty"
    if values.dtype.kind == "b":
        return f"{int(values.sum())} of {values.size} True"
    finite = values[np.isfinite(values)] if values.dtype.kind in "fc" else values
    parts = []
    if finite.size:
        parts.append(
            f"min {number(finite.min())}  mean {number(finite.mean())}  max {number(finite.max())}"
        )
    nans = int(np.isnan(values).sum()) if values.dtype.kind in "fc" else 0
    infs = int(np.isinf(values).sum()) if values.dtype.kind in "fc" else 0
    if nans:
        parts.append(f"{nans} NaN")
    if infs:
        parts.append(f"{infs} Inf")
    return "  ".join(parts)


def is_finite(values: Any) -> bool:
    """False when a float array holds a NaN or an Inf (non-float arrays are finite)."""
    if values is None:
        return True
    values = np.asarray(values)
    return values.dtype.kind not in "fc" or bool(np.isfinite(values).all())


def shape_and_dtype(values: np.ndarray) -> str:
    """`(2, 1024) float64`."""
    return f"{tuple(values.shape)} {values.dtype}"


def constant(value: Any) -> list[str]:
    """Lines for a non-tensor input of an op: `2`, or `ndarray (3,) int64` and its values."""
    if isinstance(value, np.ndarray):
        return [f"ndarray {shape_and_dtype(value)}", array(value)]
    if isinstance(value, (int, float, complex, np.number, np.bool_)):
        return [number(value)]
    text = repr(value)
    return [text if len(text) <= 30 else text[:27] + "..."]


def named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    """[(name, tensor)] from a dict of tensors or anything with `named_parameters()`."""
    if params is None:
        return []
    if hasattr(params, "named_parameters"):
        items = params.named_parameters()
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        raise TypeError(
            f"params must be a dict {{name: Tensor}} or an object with named_parameters() "
            f"(such as an nn.Module), not {type(params).__name__}"
        )
    named = []
    for name, tensor in items:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"params[{name!r}] is a {type(tensor).__name__}, not a Tensor")
        named.append((str(name), tensor))
    return named


def parameter_names(params: Any) -> dict[int, str]:
    """{id(tensor): name}; a tensor given twice keeps its first name."""
    return {id(tensor): name for name, tensor in reversed(named_tensors(params))}


def module_names(params: Any) -> dict[int, str]:
    """{id(module): dotted name} from `params.named_modules()` when it has one."""
    if params is None or not hasattr(params, "named_modules"):
        return {}
    return {id(module): name for name, module in params.named_modules()}


def describe_module(label: Any) -> str:
    """`Linear 1024->2`, `Conv2d 3->8`, `Tanh`, or str(label) for a string label."""
    if isinstance(label, str):
        return label
    kind = type(label).__name__
    for size_in, size_out in (("in_features", "out_features"), ("in_channels", "out_channels")):
        if hasattr(label, size_in) and hasattr(label, size_out):
            return f"{kind} {getattr(label, size_in)}->{getattr(label, size_out)}"
    return kind


def escape(text: str) -> str:
    """Make `text` safe inside a DOT label (backslashes would start escapes)."""
    return text.replace("\\", "\\\\")


def arguments(op: type, kwargs: Mapping[str, Any]) -> str:
    """The keyword arguments an op was applied with, leaving out those at their default:
    `axis=1, keepdims=True`, `shape=(2, 3)`, `index=[:, 0]` ("" when all are defaults)."""
    defaults = _forward_defaults(op)
    shown = [
        f"{name}={_argument(value)}"
        for name, value in kwargs.items()
        if not (name in defaults and _same(defaults[name], value))
    ]
    return ", ".join(shown)


@cache
def _forward_defaults(op: type) -> dict[str, Any]:
    try:
        parameters = inspect.signature(op.forward).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _same(default: Any, value: Any) -> bool:
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return False
    try:
        return bool(default == value) and type(default) is type(value)
    except (TypeError, ValueError):
        return False


def _argument(value: Any) -> str:
    """Short text for one argument: numbers, tuples, slices as in numpy's indexing syntax."""
    if isinstance(value, tuple) and any(
        isinstance(v, (slice, np.ndarray)) or v is ... for v in value
    ):
        return "[" + ", ".join(_index_part(v) for v in value) + "]"
    if isinstance(value, (slice, np.ndarray)) or value is ...:
        return "[" + _index_part(value) + "]"
    text = repr(value) if not isinstance(value, (float, np.floating)) else number(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _index_part(part: Any) -> str:
    if part is ...:
        return "..."
    if part is None:
        return "None"
    if isinstance(part, slice):
        text = ":".join("" if v is None else str(v) for v in (part.start, part.stop, part.step))
        return text[:-1] if text.endswith(":") and part.step is None else text
    if isinstance(part, np.ndarray):
        return f"array{part.shape}" if part.size > SMALL else array(part)
    return str(part)
