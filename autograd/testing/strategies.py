"""Hypothesis strategies for property-testing gradients (needs `pip install chainrule[testing]`).

    tensors(shape=(2, 3))           Tensors of float64 values in [-3, 3] that require grad
    broadcastable_shapes(2)         shapes that broadcast together, 0-d included
    valid_axes(ndim)                None, an int, a negative int or a tuple of axes
    indices(shape)                  basic slices, integer arrays (with repeats), boolean masks
    op_inputs(Log)                  Tensors valid for an op: inside its domains, a margin away
                                    from kinks, poles and interval ends, distinct for ties

Shapes are small by default (at most 3 dimensions of at most 3 elements): a
finite-difference check calls the function twice per input element.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..function import Domain
from ..tensor import Tensor
from . import introspect

BOUND = 3.0  # drawn values lie in [-BOUND, BOUND] before they are moved into a domain
MARGIN = 0.1  # distance kept from kinks, poles, interval ends, and between tied inputs
MAX_DIMS = 3
MAX_SIDE = 3

Shape = tuple[int, ...]


@dataclass
class Call:
    """Positional and keyword arguments for one call of an op (what `check_op` draws)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Call({', '.join(parts)})"


# shapes and values ----------------------------------------------------------------


def array_shapes(
    min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1, max_side: int = MAX_SIDE
) -> st.SearchStrategy[Shape]:
    """Array shapes, 0-d included by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


@functools.cache
def finite_floats(bound: float = BOUND, dtype: Any = np.float64) -> st.SearchStrategy[float]:
    """Finite floats in [-bound, bound], exactly representable in `dtype`."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


@functools.lru_cache(maxsize=4096)
def _float_arrays(shape: Shape, bound: float) -> st.SearchStrategy[np.ndarray]:
    # strategies are built once per shape: building and validating them per draw is slow
    return hnp.arrays(np.float64, shape, elements=finite_floats(bound))


@functools.cache
def _some_true(n: int) -> st.SearchStrategy[list[bool]]:
    return st.lists(st.booleans(), min_size=n, max_size=n).filter(any)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[float] | None = None,
    requires_grad: bool = True,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    max_side: int = MAX_SIDE,
) -> Tensor:
    """A Tensor of `shape` (drawn when None or a strategy) with `elements` (default [-3, 3])."""
    if shape is None:
        shape = array_shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side)
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    elements = finite_floats(dtype=dtype) if elements is None else elements
    array = draw(hnp.arrays(np.dtype(dtype), tuple(shape), elements=elements))
    return Tensor(array, requires_grad=requires_grad)


@functools.cache
def broadcastable_shapes(
    n: int,
    min_dims: int = 0,
    max_dims: int = MAX_DIMS,
    min_side: int = 1,
    max_side: int = MAX_SIDE,
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """n shapes that broadcast together (numpy's rules), 0-d shapes included."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda drawn: tuple(drawn.input_shapes))


@st.composite
def valid_axes(
    draw: st.DrawFn, ndim: int, allow_none: bool = True, allow_tuple: bool = True
) -> None | int | tuple[int, ...]:
    """An `axis` argument for an array of `ndim` dimensions: None, an int (maybe negative),
    or a tuple of distinct axes (some maybe negative, the empty tuple included)."""
    choices = []
    if allow_none:
        choices.append("none")
    if ndim > 0:
        choices.append("int")
    if allow_tuple:
        choices.append("tuple")
    if not choices:
        raise ValueError(f"valid_axes: a {ndim}-d array has no int axis; allow None or tuples")
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return draw(hnp.valid_tuple_axes(ndim))  # negative axes included


@st.composite
def indices(
    draw: st.DrawFn, shape: Shape, kinds: Sequence[str] = ("basic", "integer", "boolean")
) -> Any:
    """An index into an array of `shape`: basic (ints, slices, Ellipsis), integer arrays
    (negative entries and repeats included) or a boolean mask over the leading axes."""
    shape = tuple(shape)
    usable = [k for k in kinds if k == "basic" or (shape and 0 not in shape)]
    kind = draw(st.sampled_from(usable))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, allow_ellipsis=True))
    leading = draw(st.integers(1, len(shape)))
    if kind == "boolean":
        return draw(hnp.arrays(np.bool_, shape[:leading]))
    index_shape = draw(array_shapes(min_dims=0, max_dims=2, max_side=4))
    arrays = tuple(
        draw(hnp.arrays(np.intp, index_shape, elements=st.integers(-n, n - 1)))
        for n in shape[:leading]
    )
    return arrays[0] if leading == 1 and draw(st.booleans()) else arrays


# inputs for an op, from its metadata --------------------------------------------------


@st.composite
def op_inputs(
    draw: st.DrawFn,
    op: Any,
    shapes: Sequence[Shape] | st.SearchStrategy[Sequence[Shape]] | None = None,
    dtype: Any = np.float64,
    kwargs: dict | None = None,
    requires_grad: bool | Sequence[bool] | str = True,
    domains: Sequence[Domain] | None = None,
    ties: bool | None = None,
    bound: float = BOUND,
    margin: float = MARGIN,
) -> tuple[Tensor, ...]:
    """Tensors valid for `op` (a Function subclass or an op function), one per tensor input.

    shapes: one shape per input (fixed, or a strategy); default: as many broadcastable
        shapes as `op` has tensor inputs (its forward's positional parameters).
    domains, ties: override the op's declared `domains` / `ties`.
    requires_grad: for every input, one flag per input, or "some" (drawn, at least one).
    kwargs: the op's keyword arguments, needed where a domain avoids one by name
        (clip avoids "lo" and "hi").
    Values are drawn in [-bound, bound], moved into each input's domain at least
    `margin` inside its ends and `margin` away from every `avoid` point; for an op
    with `ties`, all values are spread so that any two differ by at least `margin`.
    """
    if shapes is None:
        shapes = broadcastable_shapes(introspect.arity(op))
    if isinstance(shapes, st.SearchStrategy):
        shapes = draw(shapes)
    shapes = [tuple(s) for s in shapes]
    n = len(shapes)
    domains = tuple(domains) if domains is not None else introspect.domains(op, n)
    ties = introspect.ties(op) if ties is None else ties
    kwargs = kwargs or {}
    values = [
        into_domain(draw(_float_arrays(s, bound)), d, kwargs, bound, margin)
        for s, d in zip(shapes, domains)
    ]
    if ties:
        values = spread_apart(values, margin)
    for value, domain in zip(values, domains):
        assume(is_well_inside(value, domain, kwargs, margin))
    if requires_grad == "some":
        needs = draw(_some_true(n))
    elif isinstance(requires_grad, bool):
        needs = [requires_grad] * n
    else:
        needs = list(requires_grad)
    return tuple(
        Tensor(np.asarray(v, dtype=dtype), requires_grad=need) for v, need in zip(values, needs)
    )


def into_domain(
    x: np.ndarray, domain: Domain, kwargs: dict, bound: float = BOUND, margin: float = MARGIN
) -> np.ndarray:
    """Move values drawn in [-bound, bound] inside `domain`, `margin` from its ends and kinks.

    A half-line (low, inf) gets low + margin + |x|; an interval is mapped onto linearly.
    """
    low, high = domain.low, domain.high
    if np.isfinite(low) and np.isfinite(high):
        x = low + margin + (x / bound + 1) / 2 * (high - low - 2 * margin)
    elif np.isfinite(low):
        x = low + margin + np.abs(x)
    elif np.isfinite(high):
        x = high - margin - np.abs(x)
    for point in avoid_points(domain, kwargs):
        side = np.where(x >= point, 1.0, -1.0)
        x = np.where(np.abs(x - point) < margin, point + side * margin, x)
    return x


def spread_apart(values: list[np.ndarray], margin: float) -> list[np.ndarray]:
    """Shift values (jointly over all inputs) so that any two differ by at least `margin`.

    Sorted, the k-th value moves up by k * margin (then all shift back to stay centred):
    the order is kept and every gap grows by `margin`.
    """
    flat = np.concatenate([v.reshape(-1) for v in values])
    order = np.argsort(flat, kind="stable")
    shift = np.empty_like(flat)
    shift[order] = margin * (np.arange(flat.size) - (flat.size - 1) / 2)
    spread = flat + shift
    bounds = np.cumsum([0] + [v.size for v in values])
    return [spread[a:b].reshape(v.shape) for a, b, v in zip(bounds[:-1], bounds[1:], values)]


def is_well_inside(x: np.ndarray, domain: Domain, kwargs: dict, margin: float) -> bool:
    """True when every value is `margin` inside the domain and `margin` from each kink."""
    slack = margin * (1 - 1e-6)
    if (x < domain.low + slack).any() or (x > domain.high - slack).any():
        return False
    return all((np.abs(x - p) >= slack).all() for p in avoid_points(domain, kwargs))


def avoid_points(domain: Domain, kwargs: dict) -> list[Any]:
    """The domain's avoid points, names resolved from the op's keyword arguments."""
    points = []
    for point in domain.avoid:
        if isinstance(point, str):
            point = kwargs.get(point)
            if point is None:  # e.g. clip without hi: no kink there
                continue
            point = np.asarray(point._data if isinstance(point, Tensor) else point, dtype=float)
        points.append(point)
    return points
