"""Anomaly mode: stop at the first NaN or Inf, naming the op and the line that made it.

An extra, not part of the core: it watches the core as an `Observer` (see mode.py),
so it costs nothing while it is off.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .mode import Observer, state


class AnomalyError(FloatingPointError):
    """A NaN or Inf appeared under `detect_anomaly()`."""


class detect_anomaly(Observer):  # noqa: N801 - torch's name
    """Check every forward result and every gradient for NaN/Inf.

    On the first non-finite value, raise `AnomalyError` (a `FloatingPointError`)
    naming the op, the phase (forward or backward) and the file and line of the
    user's code that created the op. Off by default; when off it costs nothing.
    Works as a context manager and as a decorator.
    """

    def __enter__(self) -> detect_anomaly:
        self._previous = state.observers
        state.observers = (*self._previous, self)
        return self

    def __exit__(self, *exc: object) -> None:
        state.observers = self._previous

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper

    def op(self, cls: type, args: tuple, kwargs: dict, result: Any) -> None:
        site = user_site()
        if result.grad_fn is not None:
            result.grad_fn.site = site
        check_finite(result._data, cls.__name__, "forward", site)

    def backward_step(self, node: Any, grad: Any, sent: tuple) -> None:
        for g in sent:
            if g is not None:
                check_finite(g._data, node.name, "backward", node.site)


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return any(isinstance(o, detect_anomaly) for o in state.observers)


def check_finite(array: Any, op_name: str, phase: str, site: str | None) -> None:
    if isinstance(array, np.ndarray) and array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        where = f", created at {site}" if site else ""
        raise AnomalyError(f"{op_name} produced {bad} in its {phase} pass{where}")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_site() -> str:
    """File and line of the innermost caller outside the autograd package."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"
