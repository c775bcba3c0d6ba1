"""Thread-local modes: gradient recording, and the one hook the extras observe through.

Both live in one `threading.local`, so a `no_grad()` in one thread never changes
what another thread records. Context managers restore the previous state on exit,
also when the block raises.

Observers: anomaly mode, `capture_backward` and graph drawings' tracers are not part
of the core. They watch it through `state.observers`, a tuple that is empty in the
common case, so the hot path pays one falsy check. An observer subclasses `Observer`
and overrides what it needs:

    op(cls, args, kwargs, result)   after each op on tensors (result.grad_fn: the node)
    made(tensor)                    a tensor made from data (a constructor, a comparison)
    read(what)                      a value leaves for Python or is changed in place
    backward_step(node, grad, sent) after each node of a backward pass
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ModeState(threading.local):
    grad_enabled: bool = True
    observers: tuple = ()  # the extras watching this thread (see Observer)
    scope: tuple = ()  # the labels of the enclosing graph_scope blocks, outermost first


state = _ModeState()


class Observer:
    """Base of the extras that watch the core; every method does nothing by default."""

    def op(self, cls: type, args: tuple, kwargs: dict, result: Any) -> None:
        pass

    def made(self, tensor: Any) -> None:
        pass

    def read(self, what: str) -> None:
        pass

    def backward_step(self, node: Any, grad: Any, sent: tuple) -> None:
        pass


class observing:  # noqa: N801 - a context manager, named like no_grad
    """`with observing(observer):` adds an observer to this thread for the block."""

    def __init__(self, observer: Observer) -> None:
        self.observer = observer

    def __enter__(self) -> Observer:
        self._previous = state.observers
        state.observers = (*self._previous, self.observer)
        return self.observer

    def __exit__(self, *exc: object) -> None:
        state.observers = self._previous


def notify_read(what: str) -> None:
    """Tell the observers that a value leaves for Python (or changes in place)."""
    for observer in state.observers:
        observer.read(what)


def is_grad_enabled() -> bool:
    """True when ops on tensors that require grad record a graph."""
    return state.grad_enabled


class set_grad_enabled:  # noqa: N801 - torch's name
    """Set grad mode: as a function call (`set_grad_enabled(False)`), as a context
    manager (`with set_grad_enabled(flag):`, restored on exit) and as a decorator."""

    enabled: bool | None = None

    def __init__(self, mode: bool | None = None) -> None:
        self.mode = self.enabled if mode is None else bool(mode)
        self._previous = state.grad_enabled
        if type(self) is set_grad_enabled:  # the plain call takes effect at once, as torch's
            state.grad_enabled = self.mode

    def __enter__(self) -> None:
        if type(self) is not set_grad_enabled:  # no_grad(), enable_grad(): from here
            self._previous = state.grad_enabled
        state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        mode = self.mode
        if type(self) is set_grad_enabled:  # used as a decorator: undo the call's effect
            state.grad_enabled = self._previous

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = state.grad_enabled
            state.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.grad_enabled = previous

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):  # noqa: N801 - named like torch.no_grad
    """Record no graph inside the block: results have `requires_grad=False`. Also a
    decorator, with or without parentheses (`@no_grad` and `@no_grad()`)."""

    enabled = False

    def __new__(cls, fn: Any = None) -> Any:
        if callable(fn):  # @no_grad without parentheses
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self, fn: Any = None) -> None:
        super().__init__()


class enable_grad(no_grad):  # noqa: N801
    """Record the graph inside the block, even within `no_grad`."""

    enabled = True


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
    `with` block (`nn.Module.__call__` sets `state.scope` the same way, inline)."""
    previous = state.scope
    state.scope = (*previous, label)
    try:
        return fn(*args, **kwargs)
    finally:
        state.scope = previous
