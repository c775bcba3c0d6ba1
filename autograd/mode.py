"""Thread-local modes: gradient recording and anomaly detection.

Both live in one `threading.local`, so a `no_grad()` in one thread never changes
what another thread records. Context managers restore the previous state on exit,
also when the block raises.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ModeState(threading.local):
    grad_enabled: bool = True
    anomaly_enabled: bool = False
    scope: tuple = ()  # the labels of the enclosing graph_scope blocks, outermost first
    recorder: Any = None  # capture_backward's recorder while it captures (see capture.py)


class CaptureError(RuntimeError):
    """Something a captured tape could replay wrongly (see `autograd.capture_backward`)."""


def refuse_under_capture(what: str) -> None:
    """Raise CaptureError if `capture_backward` is capturing: call it in code whose effect a
    replay would miss (a value read into Python, a mode that changes which ops run)."""
    if state.recorder is not None:
        raise CaptureError(
            f"capture_backward: {what} inside a captured function would not be replayed "
            "(a replay runs only the ops). Compute it outside the function, or pass the "
            "value in as an argument."
        )


state = _ModeState()


def is_grad_enabled() -> bool:
    """True when ops on tensors that require grad record a graph."""
    return state.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return state.anomaly_enabled


class _SetGradEnabled:
    """Context manager and decorator that sets grad mode for a block."""

    enabled: bool

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_SetGradEnabled):  # noqa: N801 - named like torch.no_grad
    """Record no graph inside the block: results have `requires_grad=False`."""

    enabled = False


class enable_grad(_SetGradEnabled):  # noqa: N801
    """Record the graph inside the block, even within `no_grad`."""

    enabled = True


class set_grad_enabled:  # noqa: N801
    """`with set_grad_enabled(flag):` records a graph only when `flag` is true."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = state.grad_enabled

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._previous


class detect_anomaly:  # noqa: N801
    """Check every forward result and every gradient for NaN/Inf.

    On the first non-finite value, raise `AnomalyError` (a `FloatingPointError`)
    naming the op, the phase (forward or backward) and the file and line of the
    user's code that created the op. Off by default; when off it costs nothing.
    Works as a context manager and as a decorator.
    """

    def __enter__(self) -> None:
        self._previous = state.anomaly_enabled
        state.anomaly_enabled = True

    def __exit__(self, *exc: object) -> None:
        state.anomaly_enabled = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class graph_scope:  # noqa: N801
    """Label the nodes recorded inside the block (recorded on `node.scope`).

    `nn.Module.__call__` opens one per module call, so a graph drawing can collapse
    each module call into one box. `label` can be any object (a module, a string).
    """

    def __init__(self, label: Any) -> None:
        self.label = label

    def __enter__(self) -> None:
        self._previous = state.scope
        state.scope = (*self._previous, self.label)

    def __exit__(self, *exc: object) -> None:
        state.scope = self._previous


def call_in_scope(label: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` inside `graph_scope(label)`, at a third of the cost of the
    `with` block (no scope object, no enter/exit calls): `nn.Module.__call__` runs every
    module call through it."""
    previous = state.scope
    state.scope = (*previous, label)
    try:
        return fn(*args, **kwargs)
    finally:
        state.scope = previous
