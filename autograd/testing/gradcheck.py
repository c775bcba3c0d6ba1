"""Finite-difference checks of gradients: `gradcheck` (first order) and `gradgradcheck` (second).

    gradcheck(fn, *inputs)        analytic Jacobian (from backward) == numerical Jacobian
    gradgradcheck(fn, *inputs)    the same for x -> (dfn/dx)^T u, through create_graph=True

The analytic side runs `fn` once, then backpropagates a basis vector per output
element (the full Jacobian, row by row) or, for outputs larger than
`FULL_JACOBIAN_MAX`, a few random output directions. The numerical side perturbs
each input element in turn, in float64:

    central:  dfn/dx_k = (fn(x + eps e_k) - fn(x - eps e_k)) / (2 eps)
    complex:  dfn/dx_k = Im fn(x + i h e_k) / h      (h = eps; exact to rounding)

Both compare with numpy's rule |analytic - numerical| <= atol + rtol |numerical|.
A finite difference needs one call of `fn` per perturbed element: keep inputs small
(tens of elements), and away from kinks and poles by more than eps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..creation import default_rng
from ..functional import gradients
from ..mode import no_grad
from ..tensor import Tensor

FULL_JACOBIAN_MAX = 64  # outputs with more elements are checked along random directions
RANDOM_DIRECTIONS = 3


@dataclass(frozen=True)
class Tolerance:
    eps: float
    atol: float
    rtol: float


# central differences in float64 for both; float32 analytic gradients are only ~1e-7 exact,
# and a float32 step inside fn needs a larger eps to rise above rounding
TOLERANCES = {
    np.dtype(np.float64): Tolerance(eps=1e-6, atol=1e-5, rtol=1e-3),
    np.dtype(np.float32): Tolerance(eps=1e-3, atol=1e-3, rtol=1e-2),
}
COMPLEX_STEP = 1e-20


def gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    mode: str = "central",
) -> bool:
    """Check the gradients of `fn` at `inputs` against finite differences; True or AssertionError.

    inputs: Tensors (those with requires_grad=True are checked; others are constants),
        float ndarrays (checked, as if they required grad), anything else (ints, masks,
        index tuples, Python numbers) is passed to `fn` unchanged.
    fn: returns a Tensor of any shape, or a tuple of Tensors; every output element is
        checked against every checked input element (the full Jacobian).
    Tolerances default by the least precise float dtype among the checked inputs and
        the outputs: float64 eps 1e-6, atol 1e-5, rtol 1e-3; float32 eps 1e-3, atol
        1e-3, rtol 1e-2. The numerical side always runs in float64 (float32 inputs are
        cast up), the analytic side in the inputs' own dtype.
    mode: "central" (central differences) or "complex" (complex step). The complex step
        is exact to rounding but needs `fn` to be complex-analytic as numpy computes
        it: exp, log, sqrt, sin, cos, tanh, + - * / **, matmul, sums, shape ops and
        indexing are; abs, relu, maximum/minimum, max/min, clip, where, sigmoid and
        softplus are not (they compare or take |x|, which drops the imaginary part, or
        numpy has no complex version). A non-analytic fn raises TypeError.

    The AssertionError names the input index, the input element, the output element,
    the analytic and the numerical value.
    """
    return _check(fn, inputs, eps, atol, rtol, mode, order="first")


def gradgradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    mode: str = "central",
) -> bool:
    """Check second derivatives of `fn`: gradcheck of x -> (dfn/dx)^T u for a random u.

    The first-order gradients (one per checked input) are computed by backward with
    `create_graph=True`; their gradients, by backpropagating through that recorded
    backward pass, are compared with finite differences of the first-order gradients.
    Arguments as in `gradcheck`. Returns True or raises AssertionError.
    """
    tensors = [_as_input(a) for a in inputs]
    checked = [i for i, t in enumerate(tensors) if _is_checked(t)]
    if not checked:
        raise ValueError("gradgradcheck: no input requires grad; nothing to check")
    _check_mode(mode, "gradgradcheck")
    with no_grad():  # only the outputs' shapes and dtypes are needed here
        first = _outputs(fn(*tensors), "gradgradcheck")
    rng = default_rng()
    cotangents = [rng.standard_normal(out.shape).astype(out.dtype) for out in first]

    def first_order_gradients(*args: Any) -> tuple[Tensor, ...]:
        args = list(args)
        leaves = []
        for i in checked:  # plain tensors (the numerical side) become leaves here
            if not args[i].requires_grad:
                args[i] = args[i].detach()
                # set directly: the complex step differentiates the formulas' complex-analytic
                # extension, a use only this kit makes (users' complex leaves are refused)
                args[i]._requires_grad = True
            leaves.append(args[i])
        outs = _outputs(fn(*args), "gradgradcheck")
        grads = _vjp(outs, leaves, cotangents, create_graph=True)
        return tuple(grads)

    return _check(first_order_gradients, tensors, eps, atol, rtol, mode, order="second")


# the check --------------------------------------------------------------------------


def _check(fn, inputs, eps, atol, rtol, mode, order) -> bool:
    name = "gradcheck" if order == "first" else "gradgradcheck"
    _check_mode(mode, name)
    tensors = [_as_input(a) for a in inputs]
    checked = [i for i, t in enumerate(tensors) if _is_checked(t)]
    if not checked:
        raise ValueError(
            f"{name}: no input requires grad; pass Tensors with requires_grad=True "
            "(or float ndarrays) for the inputs to check"
        )
    for i in checked:
        if tensors[i].dtype.kind != "f":
            raise TypeError(
                f"{name}: input {i} has dtype {tensors[i].dtype}; only real floating "
                "inputs can be checked"
            )

    leaves = [Tensor(np.array(tensors[i]._data, copy=True), requires_grad=True) for i in checked]
    args = list(tensors)
    for i, leaf in zip(checked, leaves):
        args[i] = leaf
    outs = _outputs(fn(*args), name)
    tol = _tolerance(
        [leaf.dtype for leaf in leaves] + [out.dtype for out in outs], mode, eps, atol, rtol
    )
    directions = _output_directions(outs)
    analytic = _analytic_rows(outs, leaves, directions)
    for n, (i, leaf) in enumerate(zip(checked, leaves)):
        _check_grad_dtypes(analytic[n], leaf, i, name)
        numerical = _numerical_columns(fn, tensors, checked, i, outs, directions, tol, mode)
        _compare(analytic[n], numerical, i, leaf, outs, directions, tol, mode, order, checked)
    return True


def _output_directions(outs: list[Tensor]) -> list[np.ndarray]:
    """The output cotangents to backpropagate: basis vectors, or random unit directions.

    Each direction is a flat vector over all outputs' elements, one after the other.
    """
    total = sum(out.size for out in outs)
    if total == 0:  # nothing to compare, but backward must still run and give zeros
        return [np.zeros(0)]
    if total <= FULL_JACOBIAN_MAX:
        return list(np.eye(total))
    draws = default_rng().standard_normal((RANDOM_DIRECTIONS, total))
    return list(draws / np.linalg.norm(draws, axis=1, keepdims=True))


def _analytic_rows(outs, leaves, directions) -> list[list[Tensor]]:
    """rows[n][d]: direction d pulled back to leaf n by backward."""
    rows: list[list[Tensor]] = [[] for _ in leaves]
    for direction in directions:
        cotangents = _split(direction, outs)
        grads = _vjp(outs, leaves, cotangents, create_graph=False)
        for n, g in enumerate(grads):
            rows[n].append(g)
    return rows


def _vjp(outs, leaves, cotangents, create_graph: bool) -> list[Tensor]:
    """sum over outputs of (d out / d leaf)^T cotangent, for each leaf (zeros if unused)."""
    totals: list[Tensor | None] = [None] * len(leaves)
    for out, u in zip(outs, cotangents):
        if not out.requires_grad or (u.size and not np.any(u)):
            continue
        found = gradients(
            out,
            leaves,
            grad_outputs=Tensor(np.asarray(u, dtype=out.dtype)),
            retain_graph=True,
            create_graph=create_graph,
            allow_unused=True,
        )
        for n, g in enumerate(found):
            if g is not None:
                totals[n] = g if totals[n] is None else totals[n] + g
    return [
        t if t is not None else Tensor(np.zeros(leaf.shape, dtype=leaf.dtype))
        for t, leaf in zip(totals, leaves)
    ]


def _numerical_columns(fn, tensors, checked, i, outs, directions, tol, mode) -> np.ndarray:
    """cols[d, k]: direction d times d(outputs)/d(input i)[k], by finite differences."""
    base = {j: np.array(tensors[j]._data, dtype=np.float64) for j in checked}
    x = base[i].astype(np.complex128) if mode == "complex" else base[i].copy()
    step = tol.eps * 1j if mode == "complex" else tol.eps
    matrix = np.stack(directions)  # (directions, total output elements)
    cols = np.empty((len(directions), x.size))
    flat = x.reshape(-1)
    for k in range(x.size):  # one perturbation per element: inherent to finite differences
        original = flat[k]
        flat[k] = original + step
        plus = _evaluate(fn, tensors, base, i, x, outs, mode)
        if mode == "complex":
            derivative = plus.imag / tol.eps
        else:
            flat[k] = original - step
            minus = _evaluate(fn, tensors, base, i, x, outs, mode)
            derivative = (plus - minus) / (2 * tol.eps)
        flat[k] = original
        cols[:, k] = matrix @ derivative
    return cols


def _evaluate(fn, tensors, base, i, x, outs, mode) -> np.ndarray:
    """fn at the perturbed point, all outputs flattened into one float64 (or complex) vector."""
    args = list(tensors)
    for j, value in base.items():
        args[j] = Tensor(x if j == i else value)
    results = _outputs(fn(*args), "gradcheck")
    if mode == "complex" and not all(r.dtype.kind == "c" for r in results):
        raise TypeError(
            "gradcheck(mode='complex'): fn returned a real result for a complex input, so "
            "it is not complex-analytic as computed (abs, relu, max, clip, sigmoid, ... "
            "drop the imaginary part); use mode='central'"
        )
    kind = np.complex128 if mode == "complex" else np.float64
    return np.concatenate([np.asarray(r._data, dtype=kind).reshape(-1) for r in results])


def _compare(rows, cols, i, leaf, outs, directions, tol, mode, order, checked) -> None:
    analytic = np.stack([np.asarray(r._data, dtype=np.float64).reshape(-1) for r in rows])
    excess = np.abs(analytic - cols) - (tol.atol + tol.rtol * np.abs(cols))
    failed = ~(excess <= 0)  # a NaN on either side is a failure too
    if not failed.any():
        return
    d, k = np.unravel_index(np.argmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape)
    element = np.unravel_index(k, leaf.shape) if leaf.shape else ()
    head = (
        f"gradcheck: wrong gradient for input {i}"
        if order == "first"
        else f"gradgradcheck: wrong second derivative for input {i}"
    )
    of = _output_name(int(d), outs, directions, order, checked)
    raise AssertionError(
        f"{head} (shape {leaf.shape}, {leaf.dtype}) at input element {_fmt(element)}:\n"
        f"  d {of} / d input {i}{_fmt(element)}\n"
        f"  analytic  {float(analytic[d, k])!r}\n"
        f"  numerical {float(cols[d, k])!r}\n"
        f"  |difference| {abs(analytic[d, k] - cols[d, k]):.3g} > atol {tol.atol:g} + rtol "
        f"{tol.rtol:g} * |numerical|   (mode {mode}, eps {tol.eps:g})"
    )


def _output_name(d: int, outs: list[Tensor], directions: list, order: str, checked: list) -> str:
    """What row d of the Jacobian differentiates: an output element or a random direction."""
    if len(directions) != sum(out.size for out in outs):
        return f"(output along random direction {d}; too large for the full Jacobian)"
    j, element = _locate(d, outs)
    if order == "second":
        return f"(first-order gradient of input {checked[j]}){_fmt(element)}"
    return f"output{_fmt(element)}" if len(outs) == 1 else f"output {j}{_fmt(element)}"


# helpers -------------------------------------------------------------------------------


def _as_input(a: Any) -> Any:
    """Float ndarrays become tensors to check; everything else passes through."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return Tensor(a, requires_grad=True)
    return a


def _is_checked(a: Any) -> bool:
    return isinstance(a, Tensor) and a.requires_grad


def _outputs(result: Any, name: str) -> list[Tensor]:
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    for out in outs:
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{name}: fn must return a Tensor or a tuple of Tensors, got {type(out).__name__}"
            )
        if out.dtype.kind not in "fc":
            raise TypeError(f"{name}: fn returned a {out.dtype} tensor, which has no gradient")
    return outs


def _tolerance(dtypes: Sequence[np.dtype], mode: str, eps, atol, rtol) -> Tolerance:
    least = min(
        (np.dtype(np.float32) if np.finfo(d).bits <= 32 else np.dtype(np.float64) for d in dtypes),
        key=lambda d: np.finfo(d).bits,
    )
    default = TOLERANCES[least]
    if mode == "complex":
        default = Tolerance(COMPLEX_STEP, default.atol, default.rtol)
    return Tolerance(
        eps if eps is not None else default.eps,
        atol if atol is not None else default.atol,
        rtol if rtol is not None else default.rtol,
    )


def _check_mode(mode: str, name: str) -> None:
    if mode not in ("central", "complex"):
        raise ValueError(f"{name}: mode must be 'central' or 'complex', not {mode!r}")


def _check_grad_dtypes(grads: list[Tensor], leaf: Tensor, i: int, name: str) -> None:
    wrong = {g.dtype for g in grads} - {leaf.dtype}
    if wrong:
        raise AssertionError(
            f"{name}: the gradient of input {i} has dtype {wrong.pop()}, but the input is "
            f"{leaf.dtype}; a gradient must keep its input's dtype"
        )


def _split(direction: np.ndarray, outs: list[Tensor]) -> list[np.ndarray]:
    bounds = np.cumsum([0] + [out.size for out in outs])
    return [
        direction[start:stop].reshape(out.shape)
        for start, stop, out in zip(bounds[:-1], bounds[1:], outs)
    ]


def _locate(flat_index: int, outs: list[Tensor]) -> tuple[int, tuple]:
    for j, out in enumerate(outs):
        if flat_index < out.size:
            return j, np.unravel_index(flat_index, out.shape) if out.shape else ()
        flat_index -= out.size
    raise IndexError(flat_index)


def _fmt(index: tuple) -> str:
    return "[" + ", ".join(str(int(k)) for k in index) + "]"
