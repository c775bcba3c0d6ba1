"""What the testing kit reads off an op: how many tensor inputs, their domains, its ties.

An op is a `Function` subclass (its `forward` signature, `domains` and `ties` say it
all) or a plain function. A function from `autograd.ops` borrows the metadata of the
primitive it applies (`autograd.log` -> `Log`, `autograd.leaky_relu` -> `LeakyRelu`);
derived functions (mean, softmax, ...) and user functions are smooth on all reals
unless told otherwise.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .. import ops
from ..function import REALS, Domain, Function


def is_function_class(op: Any) -> bool:
    return isinstance(op, type) and issubclass(op, Function)


def op_name(op: Any) -> str:
    return getattr(op, "__name__", type(op).__name__)


def caller(op: Any) -> Callable[..., Any]:
    """What to call: `op.apply` for a Function subclass, the op itself otherwise."""
    return op.apply if is_function_class(op) else op


def arity(op: Any) -> int:
    """The number of tensor inputs: the positional parameters without defaults.

    (For a Function subclass, those of `forward` after `ctx`.) Parameters with
    defaults are options (axis, negative_slope) passed as keyword arguments.
    """
    target = op.forward if is_function_class(op) else op
    params = list(inspect.signature(target).parameters.values())
    if is_function_class(op):
        params = params[1:]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        raise TypeError(
            f"{op_name(op)} takes a variable number of inputs (*args); say how many by "
            "giving shapes=(shape, shape, ...) or draw them yourself with inputs="
        )
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional and p.default is p.empty)


def primitive_of(op: Any) -> type[Function] | None:
    """The Function subclass behind `op`: itself, or the primitive an ops function applies."""
    if is_function_class(op):
        return op
    if is_function_class(getattr(op, "op", None)):  # a function made from the ops table
        return op.op
    if not (getattr(op, "__module__", None) or "").startswith(ops.__name__):
        return None
    wanted = op_name(op).replace("_", "").lower()
    for value in vars(ops).values():
        if is_function_class(value) and value.__name__.lower() == wanted:
            return value
    return None


def domains(op: Any, n: int) -> tuple[Domain, ...]:
    """One Domain per tensor input (all reals where the op declares none)."""
    declared = getattr(op, "domains", None)
    if declared is None:
        primitive = primitive_of(op)
        declared = primitive.domains if primitive is not None else ()
    declared = tuple(declared)
    if len(declared) > n:
        raise ValueError(
            f"{op_name(op)} declares {len(declared)} domains for {n} tensor inputs; "
            "give one Domain per tensor input"
        )
    return declared + (REALS,) * (n - len(declared))


def ties(op: Any) -> bool:
    """True when equal inputs sit on a kink of `op` (max, min, maximum, minimum)."""
    declared = getattr(op, "ties", None)
    if declared is None:
        primitive = primitive_of(op)
        declared = primitive.ties if primitive is not None else False
    return bool(declared)
