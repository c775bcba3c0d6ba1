"""`check_op`: a one-line hypothesis property test of an op, first and second order.

    check_op(Cube)                                   a Function subclass
    check_op(autograd.log)                           an op function (domain read from Log)
    check_op(autograd.matmul, shapes=((2, 3), (3,)))
    check_op(autograd.sum, inputs=my_strategy)       draw your own Call(args, kwargs)

For each drawn example it checks: the op runs with and without recording and gives
the same values; float inputs of one dtype give an output of that dtype; gradcheck;
and (second_order=True) gradgradcheck.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ..function import Domain
from ..mode import no_grad
from ..tensor import Tensor
from . import introspect, strategies
from .gradcheck import gradcheck, gradgradcheck
from .strategies import Call

Shape = tuple[int, ...]


def check_op(
    op: Any,
    *,
    inputs: st.SearchStrategy | None = None,
    shapes: Sequence[Shape] | st.SearchStrategy | None = None,
    kwargs: dict | None = None,
    dtype: Any = np.float64,
    second_order: bool = True,
    keep_dtype: bool = True,
    domains: Sequence[Domain] | None = None,
    ties: bool | None = None,
    max_examples: int | None = None,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    mode: str = "central",
) -> None:
    """Property-test `op` (a Function subclass or a function of Tensors) with hypothesis.

    Inputs are drawn by `strategies.op_inputs`: one tensor per positional parameter of
    forward (or of the function) without a default, with broadcastable shapes (0-d
    included) unless `shapes` is given, values inside the op's `domains` and apart for
    its `ties` (override both here). Which inputs require grad is drawn too (at least
    one does), so the `needs_input_grad` paths are exercised. `kwargs` are passed to
    every call. `inputs` replaces all of that: a strategy drawing a `Call(args, kwargs)`
    or a tuple of positional arguments.

    Raises hypothesis' report of the smallest failing example (with gradcheck's
    message) if any check fails; returns None when all pass. `max_examples` defaults
    to the active hypothesis profile's.
    """
    name = introspect.op_name(op)
    call = introspect.caller(op)
    if inputs is None:
        inputs = _drawn_inputs(op, shapes, dtype, kwargs, domains, ties)
    inputs = inputs.map(lambda drawn: drawn if isinstance(drawn, Call) else Call(tuple(drawn)))
    fixed = kwargs or {}
    tolerances = {"eps": eps, "atol": atol, "rtol": rtol, "mode": mode}

    @settings(
        settings.default,
        max_examples=max_examples or settings.default.max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        phases=[p for p in settings.default.phases if p is not Phase.explain],  # slow, terse
    )
    @given(inputs)
    def property_test(drawn: Call) -> None:
        options = {**fixed, **drawn.kwargs}

        def fn(*args: Any) -> Any:
            return call(*args, **options)

        out = fn(*drawn.args)
        _check_plain_run(name, fn, drawn.args, out)
        if keep_dtype:
            _check_dtype(name, drawn.args, out)
        gradcheck(fn, *drawn.args, **tolerances)
        if second_order:
            gradgradcheck(fn, *drawn.args, **tolerances)

    property_test()


def _drawn_inputs(op, shapes, dtype, kwargs, domains, ties) -> st.SearchStrategy:
    return strategies.op_inputs(
        op,
        shapes=shapes,
        dtype=dtype,
        kwargs=kwargs,
        requires_grad="some",
        domains=domains,
        ties=ties,
    )


def _check_plain_run(name: str, fn, args: tuple, out: Tensor) -> None:
    """The unrecorded fast path (no_grad) must compute the same values as the recorded one."""
    with no_grad():
        plain = fn(*args)
    if plain.grad_fn is not None or plain.requires_grad:
        raise AssertionError(f"check_op: {name} recorded a graph under no_grad()")
    if plain.shape != out.shape or not np.array_equal(plain._data, out._data, equal_nan=True):
        raise AssertionError(
            f"check_op: {name} gives different values with and without recording "
            f"(shapes {plain.shape} and {out.shape})"
        )


def _check_dtype(name: str, args: tuple, out: Tensor) -> None:
    """Float inputs all of one dtype (float32 say) must give an output of that dtype."""
    float_dtypes = {
        a.dtype for a in args if isinstance(a, Tensor | np.ndarray) and a.dtype.kind == "f"
    }
    if len(float_dtypes) == 1 and out.dtype != (expected := float_dtypes.pop()):
        raise AssertionError(
            f"check_op: {name} turned {expected} inputs into a {out.dtype} output; "
            "an op must keep its inputs' float dtype (cast Python scalars to it)"
        )
