"""Forward mode on the reverse tape: jvp, vjp and jacfwd against jacobian, finite
differences and (where installed) torch.autograd.functional."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag


def f(x):
    return ag.sin(x) * x.sum() + x**2


def finite_jvp(fun, x, v, eps=1e-6):
    return (fun(ag.Tensor(x + eps * v)).numpy() - fun(ag.Tensor(x - eps * v)).numpy()) / (2 * eps)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(*[st.floats(-2, 2)] * (2 * n))))
def test_jvp_vjp_and_jacfwd_agree_with_jacobian_and_finite_differences(values):
    n = len(values) // 2
    x, v = np.array(values[:n]), np.array(values[n:])
    jac = ag.jacobian(f)(x)
    out, jv = ag.jvp(f, x, v)
    np.testing.assert_allclose(out, f(ag.Tensor(x)).numpy())
    np.testing.assert_allclose(jv, jac @ v, atol=1e-12)
    np.testing.assert_allclose(jv, finite_jvp(f, x, v), atol=1e-6)
    _, vj = ag.vjp(f, x, v)
    np.testing.assert_allclose(vj, v @ jac, atol=1e-12)
    np.testing.assert_allclose(ag.jacfwd(f)(x), jac, atol=1e-12)


def test_several_inputs_and_returned_kinds():
    a, b = ag.tensor([1.0, 2.0]), ag.tensor([3.0, -1.0])
    out, (da, db) = ag.vjp(lambda a, b: a * b, (a, b), ag.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(da.numpy(), [3.0, -1.0])
    np.testing.assert_array_equal(db.numpy(), [1.0, 2.0])
    out, jv = ag.jvp(lambda a, b: a * b, (a, b), (ag.tensor([1.0, 0.0]), ag.tensor([0.0, 1.0])))
    np.testing.assert_array_equal(jv.numpy(), [3.0, 2.0])  # b0 * 1 + a1 * 1
    assert isinstance(jv, ag.Tensor) and not jv.requires_grad
    _, slope = ag.jvp(lambda x: x**3, 2.0)  # a float in, a float out; v omitted for one element
    assert slope == 12.0
    with pytest.raises(ValueError, match="give v"):
        ag.vjp(lambda x: x * 2, np.ones(3))


def test_jvp_of_jvp_is_a_second_directional_derivative():
    def directional(x):
        return ag.jvp(lambda y: (y**3).sum(), x, ag.tensor([1.0, 1.0]), create_graph=True)[1]

    _, second = ag.jvp(directional, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
    assert second.item() == pytest.approx(6 * 1.0 + 6 * 2.0)  # sum of 6 x_i v_i^2


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x, v = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    mine = ag.jvp(f, x, v)[1], ag.vjp(f, x, v)[1]

    def tf(t):
        return torch.sin(t) * t.sum() + t**2

    theirs = (
        torch.autograd.functional.jvp(tf, torch.tensor(x), torch.tensor(v))[1].numpy(),
        torch.autograd.functional.vjp(tf, torch.tensor(x), torch.tensor(v))[1].numpy(),
    )
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
