"""Elementwise ops: every primitive property-tested with the public kit (first and second
order, broadcasting shapes incl. 0-d), plus closed forms, kink conventions and dtypes."""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import Domain
from autograd.ops import elementwise as E
from autograd.testing import check_op, gradcheck, strategies
from autograd.testing.introspect import primitive_of
from autograd.testing.strategies import Call

EXAMPLES = 25  # per op, first and second order: the whole op suite stays fast
FLOAT32_EXAMPLES = 10

# ops whose tensor inputs check_op draws from their metadata alone
PLAIN = [
    E.Add,
    E.Sub,
    E.Mul,
    E.Div,
    E.Neg,
    E.Pow,
    E.Exp,
    E.Log,
    E.Sqrt,
    E.Abs,
    E.Sin,
    E.Cos,
    E.Tanh,
    E.Sigmoid,
    E.Relu,
    E.LeakyRelu,
    E.Softplus,
    E.Maximum,
    E.Minimum,
    E.Clone,
    E.Log1p,
    E.Expm1,
    E.Log2,
    E.Log10,
    E.Sign,
    E.Floor,
    E.Ceil,
    E.Round,
]


@st.composite
def clip_calls(draw, dtype=np.float64):
    lo = draw(st.none() | st.floats(-2, 0.5))
    hi = draw(st.none() | st.floats(0.8, 2))
    kwargs = {"lo": lo, "hi": hi}
    (x,) = draw(strategies.op_inputs(E.Clip, dtype=dtype, kwargs=kwargs))
    return Call((x,), kwargs)


@st.composite
def where_calls(draw, dtype=np.float64):
    cond_shape, a_shape, b_shape = draw(strategies.broadcastable_shapes(3))
    cond = draw(hnp.arrays(np.bool_, cond_shape))
    needs = draw(st.sampled_from([(True, True), (True, False), (False, True)]))
    a = draw(strategies.tensors(a_shape, dtype=dtype, requires_grad=needs[0]))
    b = draw(strategies.tensors(b_shape, dtype=dtype, requires_grad=needs[1]))
    return Call((cond, a, b))


DRAWN = {E.Clip: clip_calls, E.Where: where_calls}


def test_every_elementwise_op_has_a_property_test():
    defined = {
        cls
        for _, cls in inspect.getmembers(E, inspect.isclass)
        if issubclass(cls, ag.Function) and cls.__module__ == E.__name__
    }
    assert defined == set(PLAIN) | set(DRAWN) | {E.Cast}


@pytest.mark.parametrize("op", PLAIN, ids=lambda op: op.__name__)
def test_op_matches_finite_differences(op):
    check_op(op, max_examples=EXAMPLES)


@pytest.mark.parametrize("op", list(DRAWN), ids=lambda op: op.__name__)
def test_op_with_options_matches_finite_differences(op):
    check_op(op, inputs=DRAWN[op](), max_examples=EXAMPLES)


def test_leaky_relu_with_another_slope():
    check_op(E.LeakyRelu, kwargs={"negative_slope": 0.3}, max_examples=EXAMPLES)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2.5, 0.5])
def test_power_by_a_python_number(exponent):
    positive = Domain(low=0.0) if exponent != int(exponent) or exponent < 0 else None
    domains = None if positive is None else (positive,)
    check_op(lambda x: x**exponent, domains=domains, max_examples=EXAMPLES)


def test_python_number_to_a_tensor_power():
    check_op(lambda x: 2.5**x, max_examples=EXAMPLES)


@pytest.mark.parametrize("target", [np.float32, np.float64])
def test_cast_between_float_dtypes(target):
    source = np.float64 if target == np.float32 else np.float32
    check_op(
        E.Cast, dtype=source, kwargs={"dtype": target}, keep_dtype=False, max_examples=EXAMPLES
    )


@pytest.mark.parametrize("op", PLAIN, ids=lambda op: op.__name__)
def test_float32_stays_float32(op):
    # check_op asserts float32 in, float32 out and float32 gradients (loose tolerances)
    check_op(op, dtype=np.float32, second_order=False, max_examples=FLOAT32_EXAMPLES)


@pytest.mark.parametrize("op", list(DRAWN), ids=lambda op: op.__name__)
def test_float32_stays_float32_with_options(op):
    inputs = DRAWN[op](dtype=np.float32)
    check_op(op, inputs=inputs, second_order=False, max_examples=FLOAT32_EXAMPLES)


SCALAR_EXPRESSIONS = {
    "x + 1.5": lambda x: x + 1.5,
    "2 - x": lambda x: 2 - x,
    "x * 3": lambda x: x * 3,
    "0.5 / x": lambda x: 0.5 / x,
    "x / 4": lambda x: x / 4,
    "x ** 2": lambda x: x**2,
    "x ** 0.5": lambda x: x**0.5,
    "2 ** x": lambda x: 2**x,
    "maximum(x, 0.25)": lambda x: ag.maximum(x, 0.25),
    "minimum(1, x)": lambda x: ag.minimum(1, x),
    "leaky_relu(x, 0.2)": lambda x: ag.leaky_relu(x, 0.2),
    "clip(x, 0.25, 0.75)": lambda x: ag.clip(x, 0.25, 0.75),
    "where(mask, x, 0.0)": lambda x: ag.where(x.numpy() > 0.5, x, 0.0),
}


@pytest.mark.parametrize("expression", list(SCALAR_EXPRESSIONS))
def test_float32_stays_float32_with_python_numbers(expression):
    x = ag.tensor([0.3, 0.6, 0.9], dtype=np.float32, requires_grad=True)
    y = SCALAR_EXPRESSIONS[expression](x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert gradcheck(SCALAR_EXPRESSIONS[expression], x)


# the functions users call ---------------------------------------------------------------

FUNCTIONS = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
    "negative", "pow", "power", "exp", "log", "sqrt", "abs", "absolute", "sin", "cos", "tanh",
    "sigmoid", "relu", "leaky_relu", "softplus", "maximum", "minimum", "clip", "clamp",
    "log1p", "expm1", "log2", "log10", "sign", "floor", "ceil", "round",
]  # fmt: skip


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_each_function_applies_its_primitive(name, data):
    function = getattr(ag, name)
    primitive = primitive_of(function)
    assert primitive is not None and primitive.__module__ == E.__name__, name
    args = data.draw(strategies.op_inputs(function))
    kwargs = {"lo": -1.0} if primitive is E.Clip else {}
    out = function(*args, *kwargs.values())
    assert out.grad_fn.op is primitive
    plain = primitive.apply(*args, **kwargs)
    np.testing.assert_array_equal(out.numpy(), plain.numpy())


def test_where_function_routes_gradients_by_the_condition():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor(10.0, requires_grad=True)
    out = ag.where(np.array([True, False, True]), a, b)
    assert out.grad_fn.op is E.Where
    out.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out.numpy(), [1.0, 10.0, 3.0])
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.0, 3.0])
    assert b.grad.item() == 2.0


# closed forms and conventions --------------------------------------------------------------


def _grad(f, x):
    x = ag.tensor(x, requires_grad=True)
    f(x).sum().backward()
    return x.grad.numpy()


X = np.linspace(-3, 3, 13)


def test_tanh_derivative_is_one_minus_tanh_squared():
    np.testing.assert_allclose(_grad(ag.tanh, X), 1 - np.tanh(X) ** 2, rtol=1e-14)


def test_sigmoid_derivative_is_s_times_one_minus_s():
    s = 1 / (1 + np.exp(-X))
    np.testing.assert_allclose(_grad(ag.sigmoid, X), s * (1 - s), rtol=1e-13)


def test_exp_log_sqrt_sin_cos_closed_forms():
    positive = np.linspace(0.1, 3, 7)
    np.testing.assert_allclose(_grad(ag.exp, X), np.exp(X), rtol=1e-15)
    np.testing.assert_allclose(_grad(ag.log, positive), 1 / positive, rtol=1e-15)
    np.testing.assert_allclose(_grad(ag.sqrt, positive), 0.5 / np.sqrt(positive), rtol=1e-15)
    np.testing.assert_allclose(_grad(ag.sin, X), np.cos(X), rtol=1e-15)
    np.testing.assert_allclose(_grad(ag.cos, X), -np.sin(X), rtol=1e-15)


def test_sigmoid_and_softplus_are_stable_for_large_inputs():
    big = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    x = ag.tensor(big, requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = ag.sigmoid(x)
        p = ag.softplus(x)
        (s.sum() + p.sum()).backward()
    np.testing.assert_allclose(s.numpy(), [0.0, 0.0, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(p.numpy(), [0.0, 0.0, np.log(2), 800.0, 1e4])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 0.75, 1.0, 1.0])  # s' + s


def test_kink_conventions():
    at_zero = np.array([0.0])
    assert _grad(ag.relu, at_zero)[0] == 0.0
    assert _grad(ag.abs, at_zero)[0] == 0.0
    assert _grad(lambda x: ag.leaky_relu(x, 0.1), at_zero)[0] == pytest.approx(0.1)
    # clip passes the gradient on the closed interval [lo, hi]
    np.testing.assert_array_equal(
        _grad(lambda x: ag.clip(x, -1.0, 1.0), [-1.5, -1.0, 0.0, 1.0, 1.5]), [0, 1, 1, 1, 0]
    )


def test_maximum_and_minimum_share_ties_equally():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([2.0, 2.0, 2.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    ag.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 0.5, 1.0])
    x = ag.tensor(3.0, requires_grad=True)
    ag.maximum(x, x).backward()  # both shares land on x
    assert x.grad.item() == 1.0


def test_power_closed_forms():
    np.testing.assert_allclose(_grad(lambda x: x**3, X), 3 * X**2, rtol=1e-15)
    # x ** 0 has derivative 0 everywhere, also at 0 (not 0 * 0**-1 = nan)
    np.testing.assert_array_equal(_grad(lambda x: x**0, [0.0, 2.0]), [0.0, 0.0])
    a = ag.tensor([0.5, 2.0], requires_grad=True)
    b = ag.tensor([3.0, -1.5], requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.numpy() * a.numpy() ** (b.numpy() - 1), rtol=1e-15)
    np.testing.assert_allclose(
        b.grad.numpy(), a.numpy() ** b.numpy() * np.log(a.numpy()), rtol=1e-15
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_power_of_single_numbers_is_numpys_scalar_pow_in_the_input_dtype(dtype):
    """0-d values take numpy's scalar pow (what a captured replay's numpy scalars take);
    arrays take the ufunc. Both keep a float32 input float32."""
    values = np.linspace(0.1, 3.0, 50, dtype=dtype)
    for v in values:
        x = ag.tensor(v, requires_grad=True)
        y = x**2.5
        y.backward()
        assert y.numpy().dtype == dtype and x.grad.dtype == dtype
        assert y.numpy() == v**2.5 and x.grad.numpy() == 2.5 * v**1.5
        assert (2.0**x).numpy() == 2.0**v and (2.0**x).numpy().dtype == dtype
    array = ag.tensor(values) ** 2.5
    np.testing.assert_array_equal(array.numpy(), np.power(values, 2.5))


def test_broadcast_gradients_are_summed_back_to_each_input():
    a = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = ag.tensor(2.0, requires_grad=True)
    (a * b / c).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.broadcast_to(b.numpy() / 2, (2, 3)))
    np.testing.assert_allclose(b.grad.numpy(), a.numpy().sum(axis=0) / 2)
    np.testing.assert_allclose(c.grad.numpy(), -(a.numpy() * b.numpy()).sum() / 4)
