"""matmul: property-tested with the public kit for 1-D, 2-D and batched/broadcast operands
(first and second order), and checked against numpy's closed-form gradients."""

import numpy as np
import pytest
from hypothesis import strategies as st

import autograd as ag
from autograd.ops import linalg as L
from autograd.testing import check_op, strategies
from autograd.testing.strategies import Call

EXAMPLES = 40  # one op, many layouts
FLOAT32_EXAMPLES = 15


@st.composite
def matmul_shapes(draw):
    """Operand shapes of every kind numpy's matmul accepts: (k,)@(k,), (k,)@(..,k,m),
    (..,n,k)@(k,), (..,n,k)@(..,k,m) with broadcasting batch dimensions."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = draw(strategies.broadcastable_shapes(2, max_dims=2))
    left = draw(st.sampled_from(["vector", "matrix"]))
    right = draw(st.sampled_from(["vector", "matrix"]))
    a = (k,) if left == "vector" else batch_a + (n, k)
    b = (k,) if right == "vector" else batch_b + (k, m)
    return a, b


@st.composite
def matmul_calls(draw, dtype=np.float64):
    shapes = draw(matmul_shapes())
    return Call(draw(strategies.op_inputs(L.MatMul, shapes, dtype=dtype, requires_grad="some")))


@pytest.mark.parametrize("op", [L.MatMul, ag.matmul], ids=["MatMul", "matmul"])
def test_matmul_matches_finite_differences(op):
    check_op(op, inputs=matmul_calls(), max_examples=EXAMPLES)


def test_matmul_float32_stays_float32():
    check_op(
        L.MatMul,
        inputs=matmul_calls(np.float32),
        second_order=False,
        max_examples=FLOAT32_EXAMPLES,
    )


def test_the_operator_is_matmul():
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    assert (a @ np.ones(3)).grad_fn.op is L.MatMul
    assert (np.ones(2) @ a).grad_fn.op is L.MatMul


# closed forms: da = g b^T, db = a^T g, with numpy's promotion of 1-D operands --------------

RNG = np.random.default_rng(0)


def _grads(a, b, g):
    ta, tb = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
    out = ta @ tb
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-14)
    out.backward(g)
    return ta.grad.numpy(), tb.grad.numpy()


def test_matrix_times_matrix():
    a, b, g = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(2, 4))
    da, db = _grads(a, b, g)
    np.testing.assert_allclose(da, g @ b.T, rtol=1e-13)
    np.testing.assert_allclose(db, a.T @ g, rtol=1e-13)


def test_vector_operands():
    a, b = RNG.normal(size=3), RNG.normal(size=3)
    da, db = _grads(a, b, np.array(2.0))
    np.testing.assert_allclose(da, 2 * b)
    np.testing.assert_allclose(db, 2 * a)
    v, m, g = RNG.normal(size=3), RNG.normal(size=(3, 4)), RNG.normal(size=4)
    dv, dm = _grads(v, m, g)
    np.testing.assert_allclose(dv, m @ g, rtol=1e-13)
    np.testing.assert_allclose(dm, np.outer(v, g), rtol=1e-13)
    m, v, g = RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=4)
    dm, dv = _grads(m, v, g)
    np.testing.assert_allclose(dm, np.outer(g, v), rtol=1e-13)
    np.testing.assert_allclose(dv, m.T @ g, rtol=1e-13)


def test_batched_broadcast_operands():
    a, b = RNG.normal(size=(2, 1, 3, 4)), RNG.normal(size=(5, 4, 2))
    g = RNG.normal(size=(2, 5, 3, 2))
    da, db = _grads(a, b, g)
    np.testing.assert_allclose(da, (g @ b.swapaxes(-1, -2)).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(db, (a.swapaxes(-1, -2) @ g).sum(axis=0), rtol=1e-13)
    v, g = RNG.normal(size=4), RNG.normal(size=(2, 1, 3))  # batched matrix times a vector
    dm, dv = _grads(a, v, g)
    np.testing.assert_allclose(dm, g[..., None] * v, rtol=1e-13)
    np.testing.assert_allclose(dv, np.einsum("bxnk,bxn->k", a, g), rtol=1e-13)


def test_tanh_of_a_row_times_x():
    # the example: d tanh(a @ x) / d a = (1 - tanh(a @ x)**2) x
    a, x = ag.tensor(RNG.normal(size=3), requires_grad=True), RNG.normal(size=3)
    y = ag.tanh(a @ x)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), (1 - np.tanh(a.numpy() @ x) ** 2) * x, rtol=1e-14)


# linear: the fused x @ w.T + b of a dense layer ---------------------------------------------


@st.composite
def linear_calls(draw, dtype=np.float64):
    """x of shape (in,), (n, in) or (b, n, in); w (out, in); with or without a bias (out,)."""
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.sampled_from([(), (3,), (2, 3)]))
    shapes = [batch + (n_in,), (n_out, n_in)]
    if draw(st.booleans()):
        shapes.append((n_out,))
    return Call(draw(strategies.op_inputs(L.Linear, shapes, dtype=dtype, requires_grad="some")))


@pytest.mark.parametrize("op", [L.Linear, ag.linear], ids=["Linear", "linear"])
def test_linear_matches_finite_differences(op):
    check_op(op, inputs=linear_calls(), max_examples=EXAMPLES)


def test_linear_float32_stays_float32():
    check_op(L.Linear, inputs=linear_calls(np.float32), second_order=False, max_examples=15)


def test_linear_equals_its_composition():
    x = ag.tensor(RNG.standard_normal((5, 3)), requires_grad=True)
    w = ag.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    b = ag.tensor(RNG.standard_normal(4), requires_grad=True)
    fused = ag.linear(x, w, b)
    composed = x @ w.T + b
    np.testing.assert_allclose(fused.numpy(), composed.numpy(), rtol=1e-14)
    grads_fused = ag.gradients((fused * fused).sum(), [x, w, b])
    grads_composed = ag.gradients((composed * composed).sum(), [x, w, b])
    for f, c in zip(grads_fused, grads_composed):
        np.testing.assert_allclose(f.numpy(), c.numpy(), rtol=1e-12)


def test_linear_shape_error_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"linear: input has 3 features \(shape \(5, 3\)\).*\(4, 2\)"
    ):
        ag.linear(ag.tensor(np.ones((5, 3))), ag.tensor(np.ones((4, 2))))
