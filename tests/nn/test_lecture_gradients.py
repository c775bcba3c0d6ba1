"""The engine's gradients for the lecture's small networks equal the hand-derived ones.

Two-layer network of the lecture notes, one sample x (n,), target y:
    h1 = sigmoid(theta1 @ x),  yhat = sigmoid(theta2 @ h1),  L = (yhat - y)^2
    dL/dtheta2 = 2 (yhat - y) yhat (1 - yhat) h1^T
    dL/dtheta1 = outer(2 (yhat - y) yhat (1 - yhat) theta2 * h1 (1 - h1), x)
"""

import numpy as np
import pytest

import autograd as ag
import nn


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def hand_gradients(theta1, theta2, X, y, hidden="sigmoid"):
    """Batch-averaged hand-derived gradients of mean_i (yhat_i - y_i)^2; X (m, n), y (m,)."""
    z1 = X @ theta1.T  # (m, h)
    h1 = sigmoid(z1) if hidden == "sigmoid" else np.maximum(z1, 0)
    dh1_dz1 = h1 * (1 - h1) if hidden == "sigmoid" else (z1 > 0).astype(float)
    yhat = sigmoid(h1 @ theta2.T)[:, 0]  # (m,)
    delta2 = 2 * (yhat - y) * yhat * (1 - yhat)  # (m,)
    d_theta2 = (delta2[:, None] * h1).mean(axis=0)[None, :]  # mean of delta2 h1^T
    delta1 = delta2[:, None] * theta2[0] * dh1_dz1  # (m, h)
    d_theta1 = np.einsum("mh,mn->hn", delta1, X) / len(X)  # mean of outer(delta1, x)
    return d_theta1, d_theta2


def setup(m, n=4, h=3, seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(h, n)),
        rng.normal(size=(1, h)),
        rng.normal(size=(m, n)),
        rng.uniform(size=m),
    )


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
def test_one_sample_with_raw_tensors(hidden):
    theta1, theta2, X, y = setup(1)
    x = X[0]
    t1, t2 = ag.tensor(theta1, requires_grad=True), ag.tensor(theta2, requires_grad=True)
    z1 = t1 @ ag.tensor(x)
    h1 = ag.sigmoid(z1) if hidden == "sigmoid" else ag.relu(z1)
    yhat = ag.sigmoid(t2 @ h1)
    loss = ((yhat - y[0]) ** 2).sum()
    loss.backward()

    # the formulas of the lecture notes, literally, for one sample
    h1_np = sigmoid(theta1 @ x) if hidden == "sigmoid" else np.maximum(theta1 @ x, 0)
    dh1 = h1_np * (1 - h1_np) if hidden == "sigmoid" else (theta1 @ x > 0).astype(float)
    yhat_np = sigmoid(theta2 @ h1_np)
    delta = 2 * (yhat_np - y[0]) * yhat_np * (1 - yhat_np)
    np.testing.assert_allclose(t2.grad.numpy(), delta * h1_np[None, :], rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        t1.grad.numpy(), np.outer(delta * theta2[0] * dh1, x), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("hidden", ["sigmoid", "relu"])
@pytest.mark.parametrize("m", [1, 16])
def test_nn_modules_give_hand_gradients(hidden, m):
    theta1, theta2, X, y = setup(m, seed=m)
    activation = nn.Sigmoid() if hidden == "sigmoid" else nn.ReLU()
    model = nn.Sequential(
        nn.Linear(4, 3, bias=False), activation, nn.Linear(3, 1, bias=False), nn.Sigmoid()
    )
    model.load_state_dict({"0.weight": theta1, "2.weight": theta2})
    loss = nn.MSELoss()(model(ag.Tensor(X)), y[:, None])
    loss.backward()
    d_theta1, d_theta2 = hand_gradients(theta1, theta2, X, y, hidden)
    np.testing.assert_allclose(model[0].weight.grad.numpy(), d_theta1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model[2].weight.grad.numpy(), d_theta2, rtol=0, atol=1e-12)
    assert np.abs(d_theta1).max() > 1e-4  # the check is not vacuous


def test_logistic_regression_bce_gradient():
    """d/dw mean BCE(sigmoid(X w + b), y) = mean((sigmoid(z) - y) x); d/db = mean(sigmoid(z) - y)"""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(50, 3)), (rng.uniform(size=50) > 0.5).astype(float)
    w0, b0 = rng.normal(size=(1, 3)), rng.normal(size=1)
    z = X @ w0[0] + b0[0]
    expected_w = ((sigmoid(z) - y)[:, None] * X).mean(axis=0)
    expected_b = (sigmoid(z) - y).mean()

    for loss_fn, output_activation in [(nn.BCEWithLogitsLoss(), None), (nn.BCELoss(), "sigmoid")]:
        model = nn.MLP(3, [], 1, output_activation=output_activation)
        model.load_state_dict({"0.weight": w0, "0.bias": b0})
        loss_fn(model(ag.Tensor(X)), y[:, None]).backward()
        np.testing.assert_allclose(model[0].weight.grad.numpy()[0], expected_w, rtol=0, atol=1e-12)
        np.testing.assert_allclose(model[0].bias.grad.numpy()[0], expected_b, rtol=0, atol=1e-12)
