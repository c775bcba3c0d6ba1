"""Gradient clipping, gradient norms and the gradient-flow plot."""

import numpy as np
import pytest

import autograd as ag
import nn
from nn import utils


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(np.zeros_like(g))
        p.grad = ag.tensor(g)
        params.append(p)
    return params


def test_clip_grad_norm_rescales_to_max_norm_and_returns_the_total_norm():
    params = params_with_grads(np.array([3.0, 0.0]), np.array([[4.0]]))  # joint norm 5
    total = utils.clip_grad_norm_(params, max_norm=1.0)
    assert total == pytest.approx(5.0)
    factor = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.numpy(), [3 * factor, 0.0])
    np.testing.assert_allclose(params[1].grad.numpy(), [[4 * factor]])


def test_clip_grad_norm_leaves_small_gradients_alone():
    params = params_with_grads(np.array([0.3, 0.4]))
    assert utils.clip_grad_norm_(iter(params), max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.numpy(), [0.3, 0.4])


def test_clip_grad_norm_other_norms_and_missing_grads():
    params = params_with_grads(np.array([1.0, -3.0]), np.array([2.0]))
    params.append(nn.Parameter(np.ones(2)))  # no grad: ignored
    assert utils.clip_grad_norm_(params, 10.0, norm_type=float("inf")) == 3.0
    assert utils.clip_grad_norm_(params, 10.0, norm_type=1) == pytest.approx(6.0)
    assert utils.clip_grad_norm_(nn.Parameter(np.ones(1)), 1.0) == 0.0


def test_clip_grad_value():
    (p,) = params_with_grads(np.array([-5.0, 0.2, 3.0]))
    utils.clip_grad_value_(p, 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.2, 1.0])


def test_grad_norms_by_name():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model(ag.ones((3, 2))).sum().backward()
    norms = utils.grad_norms(model)
    assert list(norms) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert norms["1.bias"] == pytest.approx(3.0)  # d sum / d bias = batch size
    np.testing.assert_allclose(norms["0.weight"], np.linalg.norm(model[0].weight.grad.numpy()))


def test_plot_grad_flow():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = nn.MLP(3, [4, 4], 1, activation="sigmoid")
    with pytest.raises(ValueError, match="call backward\\(\\) first"):
        utils.plot_grad_flow(model)
    model(ag.ones((2, 3))).sum().backward()
    ax = utils.plot_grad_flow(model)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == [n for n, _ in model.named_parameters()]
    assert len(ax.patches) == 2 * 6  # a max bar and a mean bar per parameter
    plt.close("all")
