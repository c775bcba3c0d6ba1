"""grad, value_and_grad, jacobian, hessian, hvp and gradients: one tape, nested transforms."""

import numpy as np
import pytest

import autograd as ag

X0 = 0.12132987


def well(x):
    return x**4 - 2 * x**2


def test_grad_returns_the_kind_it_was_given():
    g = ag.grad(well)(X0)
    assert isinstance(g, float) and abs(g - (-0.4781751223381389)) < 1e-12
    arr = ag.grad(lambda x: (x**2).sum())(np.array([1.0, 2.0]))
    assert isinstance(arr, np.ndarray) and np.allclose(arr, [2.0, 4.0])
    t = ag.grad(lambda x: (x**2).sum())(ag.tensor([1.0, 2.0]))
    assert isinstance(t, ag.Tensor) and np.allclose(t.numpy(), [2.0, 4.0])


def test_nested_grad_gives_higher_derivatives():
    x = 0.7
    assert ag.grad(ag.grad(well))(x) == pytest.approx(12 * x**2 - 4, abs=1e-12)
    assert ag.grad(ag.grad(ag.grad(well)))(x) == pytest.approx(24 * x, abs=1e-12)


def test_argnums_and_value_and_grad():
    def f(a, b):
        return a * b**2

    da, db = ag.grad(f, argnums=(0, 1))(3.0, 2.0)
    assert (da, db) == (pytest.approx(4.0), pytest.approx(12.0))
    value, g = ag.value_and_grad(f, argnums=1)(3.0, 2.0)
    assert value == pytest.approx(12.0) and g == pytest.approx(12.0)


def test_grad_rejects_non_scalar_functions():
    with pytest.raises(TypeError, match="jacobian"):
        ag.grad(lambda x: x * 2)(np.ones(3))


def test_hessian_of_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((4, 4))
    H = ag.hessian(lambda x: x @ ag.Tensor(A) @ x)(rng.standard_normal(4))
    np.testing.assert_allclose(H, A + A.T, atol=1e-12)


def test_jacobian_of_elementwise_is_diagonal():
    x = np.array([0.1, -0.4, 0.9])
    J = ag.jacobian(ag.tanh)(x)
    np.testing.assert_allclose(J, np.diag(1 - np.tanh(x) ** 2), atol=1e-12)


def test_jacobian_of_matrix_function_has_stacked_shape():
    W = np.arange(6.0).reshape(2, 3)
    J = ag.jacobian(lambda x: ag.Tensor(W) @ x)(np.ones(3))
    np.testing.assert_allclose(J, W)


def test_hvp_matches_hessian_times_v():
    def f(x):
        return (x.sin() * x**2).sum() + (x[0] * x[1]) ** 2

    x = np.array([0.3, -1.2, 0.8])
    v = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(ag.hvp(f)(x, v), ag.hessian(f)(x) @ v, atol=1e-10)


def test_gradients_does_not_touch_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * x
    y = (h * 3).sum()
    gx, gh = ag.gradients(y, [x, h])
    np.testing.assert_allclose(gx.numpy(), 6 * x.numpy())
    np.testing.assert_allclose(gh.numpy(), [3.0, 3.0])
    assert x.grad is None


def test_gradients_with_grad_outputs_and_create_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x**3
    (g,) = ag.gradients(y, x, grad_outputs=ag.tensor([1.0, 1.0]), create_graph=True)
    (gg,) = ag.gradients(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy())


def test_gradients_unused_input():
    x = ag.tensor(1.0, requires_grad=True)
    z = ag.tensor(1.0, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="not used"):
        ag.gradients(y, [x, z], retain_graph=True)
    assert ag.gradients(y, [x, z], allow_unused=True)[1] is None
