"""The testing kit itself: gradcheck and gradgradcheck must pass right gradients and catch
planted bugs (first and second order); the strategies must draw what they promise."""

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import Domain
from autograd.ops import elementwise as E
from autograd.ops import reduce as R
from autograd.ops import shape as S
from autograd.testing import check_op, gradcheck, gradgradcheck, strategies
from autograd.testing.introspect import arity, domains, ties
from autograd.testing.strategies import MARGIN


class Cube(ag.Function):
    """x**3 -> 3 x**2 (right)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


class WrongCube(ag.Function):
    """x**3 with a planted bug: 2 x**2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x**2


class DetachedCube(ag.Function):
    """x**3 whose first derivative is right but built from raw numbers: no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.x = x.copy()
        return x**3

    @staticmethod
    def backward(ctx, g):
        return g * (3 * ctx.x**2)


class WrongSecondCube(ag.Function):
    """x**3 with a right first derivative whose own derivative is wrong (a planted bug)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * Square.apply(x)


class Square(ag.Function):
    """x**2 whose backward says 3x instead of 2x: used inside WrongSecondCube.backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x


class CumSum(ag.Function):
    """Running sum of a vector; the planted bug drops the cross terms of the Jacobian."""

    wrong = False

    @staticmethod
    def forward(ctx, x):
        return np.cumsum(x)

    @staticmethod
    def backward(ctx, g):
        if CumSum.wrong:
            return g
        upper = np.triu(np.ones((g.shape[0], g.shape[0])))  # (upper @ g)_i = sum_{j >= i} g_j
        return upper @ g


def x_of(*values):
    return ag.tensor(np.array(values, dtype=float), requires_grad=True)


# gradcheck --------------------------------------------------------------------------------


def test_gradcheck_passes_right_gradients():
    x = x_of(0.5, -1.0, 2.0)
    w = ag.tensor(np.arange(6.0).reshape(3, 2) / 5, requires_grad=True)
    assert gradcheck(Cube.apply, x) is True
    assert gradcheck(lambda x, w: ag.tanh(x @ w).log_softmax(), x, w) is True
    assert gradgradcheck(lambda x, w: ag.tanh(x @ w).log_softmax(), x, w) is True


def test_gradcheck_catches_a_wrong_backward_and_says_where():
    x = x_of(0.5, -1.0, 2.0)
    with pytest.raises(AssertionError) as caught:
        gradcheck(lambda a, b: WrongCube.apply(b) + a, x_of(1.0), x)
    message = str(caught.value)
    assert "input 1" in message  # the input index
    assert "element [2]" in message  # the worst element: 3*4=12 vs 2*4=8
    assert "analytic  8.0" in message
    numerical = float(message.split("numerical ")[1].split()[0])
    assert numerical == pytest.approx(12.0, rel=1e-6)


def test_gradcheck_checks_the_full_jacobian_of_a_vector_output():
    x = x_of(0.3, -0.2, 0.9, 1.5)
    assert gradcheck(CumSum.apply, x)
    CumSum.wrong = True  # only the diagonal is right now
    try:
        with pytest.raises(AssertionError, match=r"d output\[\d\] / d input 0"):
            gradcheck(CumSum.apply, x)
    finally:
        CumSum.wrong = False


def test_large_outputs_are_checked_along_random_directions():
    x = ag.tensor(np.linspace(-1, 1, 100), requires_grad=True)
    assert gradcheck(CumSum.apply, x)
    CumSum.wrong = True
    try:
        with pytest.raises(AssertionError, match="random direction"):
            gradcheck(CumSum.apply, x)
    finally:
        CumSum.wrong = False


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = x_of(0.5, -1.0, 2.0)
    assert gradcheck(WrongSecondCube.apply, x)  # first order is right
    with pytest.raises(AssertionError, match="wrong second derivative for input 0"):
        gradgradcheck(WrongSecondCube.apply, x)
    assert gradcheck(DetachedCube.apply, x)
    with pytest.raises(AssertionError, match="second derivative"):
        gradgradcheck(DetachedCube.apply, x)
    assert gradgradcheck(Cube.apply, x)


def test_second_order_of_several_inputs_and_outputs():
    a, b = x_of(0.5, 1.5), x_of(-0.7, 0.2)
    assert gradgradcheck(lambda a, b: (a * b.exp(), a.sin() / (b * b + 1)), a, b)


def test_tuple_outputs_and_constants_pass_through():
    x = x_of(0.5, 1.5)
    mask = np.array([True, False])
    constant = ag.tensor([2.0, 3.0])  # no requires_grad: a constant
    assert gradcheck(lambda x, m, c, k: (ag.where(m, x, 0.0) * c, x**k), x, mask, constant, 3)
    with pytest.raises(AssertionError, match="output 1"):
        gradcheck(lambda x: (x * 1.0, WrongCube.apply(x)), x)


def test_float_ndarrays_are_checked_like_tensors_that_require_grad():
    assert gradcheck(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
    with pytest.raises(AssertionError):
        gradcheck(WrongCube.apply, np.array([1.0, 2.0]))


def test_gradcheck_leaves_the_callers_tensors_alone():
    x = x_of(1.0, 2.0)
    gradcheck(Cube.apply, x)
    gradgradcheck(Cube.apply, x)
    assert x.grad is None and x.numpy().flags.writeable
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])


def test_float32_gets_loose_tolerances_and_keeps_its_dtype():
    x = ag.tensor([0.5, -1.0, 2.0], dtype=np.float32, requires_grad=True)
    assert gradcheck(lambda x: ag.sigmoid(x) * 3.0, x)
    assert gradgradcheck(lambda x: ag.sigmoid(x) * 3.0, x)
    with pytest.raises(AssertionError, match="float32"):
        gradcheck(WrongCube.apply, x)

    class UpcastingGrad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.astype(np.float64) * 2

    # the engine hands every input a gradient of its own dtype, whatever backward returned
    assert gradcheck(UpcastingGrad.apply, x)
    UpcastingGrad.apply(x).sum().backward()
    assert x.grad.dtype == np.float32


def test_tolerances_can_be_given():
    x = x_of(1.0)
    slightly_off = lambda x: Cube.apply(x) + 0.01 * WrongCube.apply(x)  # noqa: E731
    with pytest.raises(AssertionError):  # off by 0.01: more than 1e-5 + 1e-3 * 3.03
        gradcheck(slightly_off, x)
    assert gradcheck(slightly_off, x, atol=0.02)
    assert gradcheck(slightly_off, x, rtol=0.01)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_gradients_fail():
    with pytest.raises(AssertionError, match="nan"):
        gradcheck(lambda x: ag.sqrt(x) * 0 + x, x_of(0.0, 1.0))


def test_zero_size_outputs_pass():
    x = x_of(1.0, 2.0)
    assert gradcheck(lambda t: t[np.zeros(2, dtype=bool)], x)


def test_complex_step_for_analytic_functions():
    x = x_of(0.5, -1.0, 2.0)
    w = ag.tensor(np.arange(6.0).reshape(3, 2) / 5, requires_grad=True)
    f = lambda x, w: (ag.exp(ag.sin(x @ w)) * ag.tanh(x).sum()).log()  # noqa: E731
    assert gradcheck(f, x, w, mode="complex")
    assert gradgradcheck(lambda x: x.exp() * x.cos(), x, mode="complex")
    with pytest.raises(AssertionError, match="mode complex"):
        gradcheck(WrongCube.apply, x, mode="complex")
    with pytest.raises(TypeError, match="not complex-analytic"):
        gradcheck(lambda x: ag.abs(x), x, mode="complex")


def test_usage_errors_speak_to_the_user():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda x: x * 2, ag.tensor([1.0]))
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda x: 3.0, x_of(1.0))
    with pytest.raises(ValueError, match="mode must be"):
        gradcheck(Cube.apply, x_of(1.0), mode="forward")


# check_op ---------------------------------------------------------------------------------


class Hypot(ag.Function):
    """sqrt(a**2 + b**2), a user op with two inputs (arity and broadcasting inferred)."""

    domains = (Domain(avoid=(0.0,)), Domain(avoid=(0.0,)))

    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        return g * a / out, g * b / out


def test_check_op_passes_right_user_ops():
    check_op(Cube, max_examples=10)
    check_op(Hypot, max_examples=10)
    check_op(Hypot, shapes=((2, 1), (3,)), max_examples=5)
    check_op(lambda x, y: x * y.exp(), max_examples=10)


def test_check_op_catches_planted_bugs():
    with pytest.raises(AssertionError, match="wrong gradient"):
        check_op(WrongCube, max_examples=10)
    with pytest.raises(AssertionError, match="wrong second derivative"):
        check_op(WrongSecondCube, max_examples=10)
    check_op(WrongSecondCube, second_order=False, max_examples=5)


def test_check_op_catches_a_float32_op_that_returns_float64():
    class Upcast(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * np.float64(2.0)  # a numpy float64 scalar promotes float32

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(AssertionError, match="float32 inputs into a float64 output"):
        check_op(Upcast, dtype=np.float32, max_examples=5)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_check_op_uses_the_ops_domain():
    check_op(ag.log, max_examples=10)  # log's domain is read from Log
    with pytest.raises(AssertionError):  # told that log takes all reals, it meets nan
        check_op(ag.log, domains=(Domain(),), max_examples=20)


def test_metadata_is_read_off_the_op():
    assert arity(E.Add) == 2 and arity(E.LeakyRelu) == 1 and arity(ag.where) == 3
    assert arity(lambda x, y, scale=1.0: x) == 2
    with pytest.raises(TypeError, match="shapes="):
        arity(S.Concatenate)
    assert domains(ag.log, 1) == E.Log.domains
    assert domains(lambda x: x, 1) == (Domain(),)
    assert ties(R.max) and ties(E.Maximum) and not ties(ag.softmax)


# strategies ---------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(strategies.broadcastable_shapes(3))
def test_broadcastable_shapes_broadcast(shapes):
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


def test_broadcastable_shapes_include_0d_and_real_broadcasting():
    find(strategies.broadcastable_shapes(2), lambda s: s[0] == () or s[1] == ())
    find(strategies.broadcastable_shapes(2), lambda s: len(s[0]) != len(s[1]) and s[0] and s[1])
    find(strategies.broadcastable_shapes(2), lambda s: np.broadcast_shapes(*s) not in s)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_valid_axes_are_valid(data):
    shape = data.draw(strategies.array_shapes())
    axis = data.draw(strategies.valid_axes(len(shape)))
    np.sum(np.zeros(shape), axis=axis)


def test_valid_axes_cover_every_kind():
    find(strategies.valid_axes(3), lambda a: a is None)
    find(strategies.valid_axes(3), lambda a: isinstance(a, int) and a < 0)
    find(strategies.valid_axes(3), lambda a: isinstance(a, tuple) and len(a) > 1)


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_indices_are_valid(data):
    shape = data.draw(strategies.array_shapes())
    index = data.draw(strategies.indices(shape))
    np.zeros(shape)[index]


def test_indices_cover_every_kind():
    shape = (3, 2)
    find(strategies.indices(shape), lambda i: isinstance(i, (slice, tuple)) and not _arrays(i))
    find(
        strategies.indices(shape),
        lambda i: any(a.dtype.kind == "i" and len(np.unique(a)) < a.size for a in _arrays(i)),
    )
    find(strategies.indices(shape), lambda i: any(a.dtype == bool for a in _arrays(i)))


def _arrays(index):
    parts = index if isinstance(index, tuple) else (index,)
    return [p for p in parts if isinstance(p, np.ndarray)]


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_op_inputs_respect_domains_and_keep_a_margin(data):
    slack = MARGIN * (1 - 1e-9)
    (x,) = data.draw(strategies.op_inputs(E.Log))
    assert (x.numpy() >= slack).all() and x.requires_grad
    (x,) = data.draw(strategies.op_inputs(E.Relu))
    assert (np.abs(x.numpy()) >= slack).all()
    (x,) = data.draw(strategies.op_inputs(E.Clip, kwargs={"lo": -0.5, "hi": 1.0}))
    assert (np.abs(x.numpy() + 0.5) >= slack).all() and (np.abs(x.numpy() - 1.0) >= slack).all()
    a, b = data.draw(strategies.op_inputs(E.Div, dtype=np.float32))
    assert a.dtype == b.dtype == np.float32 and (np.abs(b.numpy()) >= slack * 0.999).all()
    np.broadcast_shapes(a.shape, b.shape)
    (x,) = data.draw(strategies.op_inputs(lambda x: x, domains=(Domain(low=1.0, high=2.0),)))
    assert ((x.numpy() >= 1 + slack) & (x.numpy() <= 2 - slack)).all()


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_op_inputs_for_ties_are_distinct(data):
    a, b = data.draw(strategies.op_inputs(E.Maximum))
    values = np.concatenate([a.numpy().reshape(-1), b.numpy().reshape(-1)])
    gaps = np.diff(np.sort(values))
    assert (gaps >= MARGIN * (1 - 1e-9)).all()
    (x,) = data.draw(strategies.op_inputs(R.max))  # the function borrows Max's ties
    assert len(np.unique(x.numpy())) == x.size


def test_op_inputs_requires_grad_options():
    find(strategies.op_inputs(E.Mul, requires_grad="some"), lambda xs: not xs[0].requires_grad)
    xs = find(strategies.op_inputs(E.Mul, requires_grad=[False, True]), lambda xs: True)
    assert [x.requires_grad for x in xs] == [False, True]


@settings(max_examples=20, deadline=None)
@given(strategies.tensors(shape=(2, 3), dtype=np.float32, requires_grad=False))
def test_tensors_strategy(t):
    assert t.shape == (2, 3) and t.dtype == np.float32 and not t.requires_grad
    assert (np.abs(t.numpy()) <= 3).all()
