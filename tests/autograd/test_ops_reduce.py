"""Reductions (sum, max, min; derived mean, var, logsumexp, softmax, log_softmax): every one
property-tested with the public kit over drawn shapes (0-d included) and axes (None, int,
negative, tuple) with keepdims, first and second order; plus closed forms and stability."""

import inspect

import numpy as np
import pytest
from hypothesis import assume
from hypothesis import strategies as st

import autograd as ag
from autograd.ops import reduce as R
from autograd.testing import check_op, gradcheck, strategies
from autograd.testing.strategies import Call

EXAMPLES = 25
FLOAT32_EXAMPLES = 10


@st.composite
def reduction_calls(draw, op, dtype=np.float64, keepdims=True, tuple_axes=True, min_dims=0):
    """x valid for `op` (distinct values for max/min), an axis for it, keepdims."""
    shape = draw(strategies.array_shapes(min_dims=min_dims))
    (x,) = draw(strategies.op_inputs(op, shapes=(shape,), dtype=dtype))
    kwargs = {"axis": draw(strategies.valid_axes(len(shape), allow_tuple=tuple_axes))}
    if keepdims:
        kwargs["keepdims"] = draw(st.booleans())
    return Call((x,), kwargs)


@st.composite
def var_calls(draw, dtype=np.float64):
    call = draw(reduction_calls(R.var, dtype=dtype))
    (x,) = call.args
    axes = R.normalize_axes(call.kwargs["axis"], x.ndim)
    count = int(np.prod([x.shape[a] for a in axes]))
    call.kwargs["ddof"] = draw(st.sampled_from([0, 1] if count > 1 else [0]))
    return call


@st.composite
def dim_calls(draw, op, dtype=np.float64, **extra):
    """x with distinct values (for sort, topk, max along a dim) and one int dim."""
    shape = draw(strategies.array_shapes(min_dims=1))
    (x,) = draw(strategies.op_inputs(R.Max, shapes=(shape,), dtype=dtype))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    kwargs = {name: draw(strategy) for name, strategy in extra.items()}
    if op is R.topk:
        kwargs["k"] = draw(st.integers(0, shape[dim]))
    return Call((x, dim), kwargs)


@st.composite
def cumsum_calls(draw, op, dtype=np.float64):
    shape = draw(strategies.array_shapes(min_dims=1))
    (x,) = draw(strategies.op_inputs(R.Sum, shapes=(shape,), dtype=dtype))
    return Call((x,), {"dim": draw(st.integers(-len(shape), len(shape) - 1))})


@st.composite
def norm_calls(draw, dtype=np.float64):
    call = draw(reduction_calls(R.Norm2, dtype))
    p = draw(st.sampled_from(["fro", 2, 1, 3, 0.5, np.inf, -np.inf]))
    if p:  # kinks at 0 (|x|, a zero vector), ties (max): keep away from them
        (x,) = draw(strategies.op_inputs(R.Max, shapes=(call.args[0].shape,), dtype=dtype))
        values = x.numpy()
        rank = np.argsort(np.argsort(values.ravel())).reshape(values.shape)  # distinct |x|
        x = ag.tensor(np.where(values >= 0, 1, -1) * (0.5 + 0.25 * rank), dtype=dtype)
        call = Call((x.requires_grad_(),), call.kwargs)
    if call.args[0].ndim == 0 and call.kwargs["axis"] is not None:
        call.kwargs["axis"] = None
    return Call(call.args, {**call.kwargs, "p": p})


@st.composite
def std_calls(draw, dtype=np.float64):
    """As var_calls, over at least two distinct values (sqrt has no derivative at 0)."""
    call = draw(reduction_calls(R.Max, dtype=dtype))
    (x,) = call.args
    count = int(np.prod([x.shape[a] for a in R.normalize_axes(call.kwargs["axis"], x.ndim)]))
    assume(count >= 2)
    call.kwargs["ddof"] = draw(st.sampled_from([0, 1]))
    return call


def max_values(x, dim, keepdim=False):
    return R.max(x, dim, keepdim).values


def sort_values(x, dim, descending=False):
    return R.sort(x, dim, descending).values


def topk_values(x, dim, k=1, largest=True):
    return R.topk(x, k, dim, largest).values


# what to differentiate for the functions that return (values, indices)
VALUES = {R.sort: sort_values, R.topk: topk_values}

# op -> strategy of its calls; softmax and log_softmax take no keepdims
CASES = {
    R.Sum: lambda dtype=np.float64: reduction_calls(R.Sum, dtype),
    R.Max: lambda dtype=np.float64: reduction_calls(R.Max, dtype),
    R.Min: lambda dtype=np.float64: reduction_calls(R.Min, dtype),
    R.sum: lambda dtype=np.float64: reduction_calls(R.sum, dtype),
    R.max: lambda dtype=np.float64: reduction_calls(R.max, dtype),
    R.min: lambda dtype=np.float64: reduction_calls(R.min, dtype),
    R.mean: lambda dtype=np.float64: reduction_calls(R.mean, dtype),
    R.var: var_calls,
    R.logsumexp: lambda dtype=np.float64: reduction_calls(R.logsumexp, dtype),
    R.softmax: lambda dtype=np.float64: reduction_calls(R.softmax, dtype, keepdims=False),
    R.log_softmax: lambda dtype=np.float64: reduction_calls(R.log_softmax, dtype, keepdims=False),
    R.amax: lambda dtype=np.float64: reduction_calls(R.Max, dtype),  # distinct values
    R.amin: lambda dtype=np.float64: reduction_calls(R.Min, dtype),
    R.std: std_calls,
    R.Cumsum: lambda dtype=np.float64: cumsum_calls(R.Cumsum, dtype),
    R.cumsum: lambda dtype=np.float64: cumsum_calls(R.cumsum, dtype),
    R.Norm2: lambda dtype=np.float64: norm_calls(dtype).map(
        lambda c: Call(c.args, {"dim": c.kwargs["axis"], "keepdim": c.kwargs["keepdims"]})
    ),
    R.norm: norm_calls,
    R.sort: lambda dtype=np.float64: dim_calls(R.sort, dtype, descending=st.booleans()),
    R.topk: lambda dtype=np.float64: dim_calls(R.topk, dtype, largest=st.booleans()),
}
# no gradient (tested against PyTorch in tests/test_pytorch_names.py), and helpers
NOT_DIFFERENTIABLE = {R.argmax, R.argmin, R.argsort, R.all, R.any, R.dims, R.along}


def _name(op):
    return op.__name__


def test_every_reduction_has_a_property_test():
    defined = {
        value
        for _, value in inspect.getmembers(R)
        if (inspect.isclass(value) and issubclass(value, ag.Function)) or inspect.isfunction(value)
        if getattr(value, "__module__", None) == R.__name__ and not value.__name__.startswith("_")
    }
    helpers = {R.normalize_axes, R.kept_shape} | NOT_DIFFERENTIABLE
    assert defined - helpers == set(CASES)


@pytest.mark.parametrize("op", list(CASES), ids=_name)
def test_reduction_matches_finite_differences(op):
    check_op(VALUES.get(op, op), inputs=CASES[op](), max_examples=EXAMPLES)


@pytest.mark.parametrize("op", list(CASES), ids=_name)
def test_float32_stays_float32(op):
    check_op(
        VALUES.get(op, op),
        inputs=CASES[op](np.float32),
        second_order=False,
        max_examples=FLOAT32_EXAMPLES,
    )


def test_max_along_a_dim_sends_the_gradient_to_the_index_picked():
    check_op(max_values, inputs=dim_calls(R.max), max_examples=EXAMPLES)
    x = ag.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], requires_grad=True)
    values, indices = R.max(x, 1)
    values.sum().backward()
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # the first of tied maxima
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_reductions_agree_with_numpy():
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    t = ag.tensor(x)
    for axis in [None, 0, -1, (0, 2), ()]:
        for keepdims in [False, True]:
            for ours, theirs in [(ag.sum, np.sum), (ag.mean, np.mean), (ag.max, np.max)]:
                np.testing.assert_allclose(
                    ours(t, axis=axis, keepdims=keepdims).numpy(),
                    theirs(x, axis=axis, keepdims=keepdims),
                    rtol=1e-14,
                )
            np.testing.assert_allclose(
                ag.var(t, axis=axis, keepdims=keepdims, ddof=0).numpy(),
                np.var(x, axis=axis, keepdims=keepdims),
                rtol=1e-13,
                atol=1e-15,
            )


# every axis of a 3-d array, deterministically (hypothesis draws a sample of these) ----------

AXES = [None, 0, 1, 2, -1, -3, (), (0, 1), (0, 2), (1, 2), (2, -3), (0, 1, 2)]
X3 = np.random.default_rng(1).permutation(12).reshape(2, 3, 2) / 4 - 1.5  # distinct values


def _population_var(x, **kwargs):  # over one element the unbiased variance is nan
    return ag.var(x, unbiased=False, **kwargs)


@pytest.mark.parametrize(
    "op", [ag.sum, ag.max, ag.min, ag.mean, _population_var, ag.logsumexp], ids=_name
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_every_axis_and_keepdims(op, keepdims):
    for axis in AXES:
        x = ag.tensor(X3, requires_grad=True)
        out = op(x, axis=axis, keepdims=keepdims)
        assert out.shape == np.sum(X3, axis=axis, keepdims=keepdims).shape, axis
        assert gradcheck(lambda t, axis=axis: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("op", [ag.softmax, ag.log_softmax])
def test_every_axis_of_softmax(op):
    for axis in AXES:
        x = ag.tensor(X3, requires_grad=True)
        assert op(x, axis=axis).shape == X3.shape
        assert gradcheck(lambda t, axis=axis: op(t, axis=axis), x)


# closed forms ----------------------------------------------------------------------------


def test_max_and_min_share_ties_equally_as_torch_amax():
    x = ag.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.min(axis=1, keepdims=True).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
    x.grad = None
    x.max().backward()  # over everything: the two 3s share
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0, 0, 0]])


def test_mean_and_var_gradients_closed_form():
    x = np.array([[0.5, -1.0, 2.0, 0.25], [1.5, 3.0, -2.0, 0.0]])
    t = ag.tensor(x, requires_grad=True)
    t.mean(axis=1).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), np.full_like(x, 1 / 4))
    for ddof in (0, 1):
        t.grad = None
        t.var(axis=1, ddof=ddof).sum().backward()
        expected = 2 * (x - x.mean(axis=1, keepdims=True)) / (4 - ddof)
        np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-14)


def test_softmax_jacobian_is_diag_s_minus_s_s_transpose():
    z = np.array([0.3, -1.2, 2.0, 0.7])
    s = np.exp(z) / np.exp(z).sum()
    jac = ag.jacobian(lambda t: ag.softmax(t))(z)
    np.testing.assert_allclose(jac, np.diag(s) - np.outer(s, s), atol=1e-15)
    jac_log = ag.jacobian(lambda t: ag.log_softmax(t))(z)
    np.testing.assert_allclose(jac_log, np.eye(4) - s, atol=1e-15)
    np.testing.assert_allclose(ag.grad(lambda t: ag.logsumexp(t))(z), s, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_family_finite_for_logits_of_1e4(dtype):
    z = np.array([[1e4, 1e4, -1e4], [1e4, 0.0, 1e4 - 1.0]], dtype=dtype)
    weights = ag.tensor(np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=dtype))
    for f in (ag.softmax, ag.log_softmax, lambda t, axis: t.logsumexp(axis=axis, keepdims=True)):
        t = ag.tensor(z, requires_grad=True)
        out = f(t, axis=-1)
        assert out.dtype == dtype and np.isfinite(out.numpy()).all()
        (out * weights).sum().backward()
        assert t.grad.dtype == dtype and np.isfinite(t.grad.numpy()).all()
    np.testing.assert_allclose(
        ag.logsumexp(ag.tensor(z.astype(np.float64)), axis=1).numpy(),
        [1e4 + np.log(2), 1e4 + np.log(1 + np.exp(-1.0))],
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        ag.softmax(ag.tensor(z.astype(np.float64))).numpy()[0], [0.5, 0.5, 0.0], atol=1e-15
    )


def test_large_logits_pass_gradcheck():
    z = ag.tensor([[1e4, 1e4 - 0.5, 1e4 + 0.25]], requires_grad=True)
    assert gradcheck(lambda t: ag.log_softmax(t, axis=1), z)
    assert gradcheck(lambda t: ag.softmax(t, axis=1), z)
    assert gradcheck(lambda t: ag.logsumexp(t, axis=1), z)


def test_derived_reductions_on_plain_arrays_return_plain_numpy():
    a = np.array([[1.0, 2.0, 3.0], [1e4, 0.0, -1e4]])
    for fn in (ag.softmax, ag.log_softmax):
        out = fn(a)
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, fn(ag.tensor(a)).numpy())
    np.testing.assert_allclose(ag.logsumexp(a, axis=1), [np.log(np.exp([1, 2, 3]).sum()), 1e4])
