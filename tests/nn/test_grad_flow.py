"""Gradient-flow diagnostics for the lesson on vanishing gradients.

`nn.utils.grad_norms` gives each parameter's gradient norm by name; `plot_grad_flow`
draws mean and max |grad| per parameter. Through eight sigmoid layers with the default
initialisation the first layer's gradient is orders of magnitude smaller than the
last one's; ReLU with He initialisation keeps them within an order of magnitude or so.
"""

import numpy as np
import pytest

import autograd as ag
import nn
from nn import init, utils

DEPTH, WIDTH = 8, 32


def deep_net(activation, he=False, seed=0):
    ag.manual_seed(seed)
    model = nn.MLP(WIDTH, [WIDTH] * DEPTH, 1, activation=activation)
    if he:
        for layer in model:
            if isinstance(layer, nn.Linear):
                init.kaiming_normal_(layer.weight, nonlinearity="relu")
                init.zeros_(layer.bias)
    loss = (model(ag.randn(64, WIDTH)) ** 2).mean()
    loss.backward()
    return model


def weight_norms(model):
    norms = utils.grad_norms(model)
    return [norms[name] for name, _ in model.named_parameters() if name.endswith("weight")]


def test_grad_norms_are_the_norms_of_every_grad():
    model = deep_net("tanh")
    norms = utils.grad_norms(model)
    named = list(model.named_parameters())
    assert list(norms) == [name for name, _ in named]
    for name, param in named:
        assert norms[name] == pytest.approx(np.linalg.norm(param.grad.numpy()), rel=1e-12)


def test_grad_norms_skip_parameters_without_a_gradient():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    assert utils.grad_norms(model) == {}
    model[1](ag.ones((1, 2))).sum().backward()  # the first layer takes no part
    assert list(utils.grad_norms(model)) == ["1.weight", "1.bias"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_vanish_through_sigmoids_and_recover_with_relu_and_he(seed):
    sigmoid = weight_norms(deep_net("sigmoid", seed=seed))
    relu_he = weight_norms(deep_net("relu", he=True, seed=seed))
    assert sigmoid[0] / sigmoid[-1] < 1e-4  # vanished: each sigmoid' <= 1/4
    assert all(a < b for a, b in zip(sigmoid, sigmoid[1:]))  # shrinking towards the input
    assert relu_he[0] / relu_he[-1] > 1e-2


def test_plot_grad_flow_draws_mean_and_max_of_each_gradient():
    matplotlib = pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = deep_net("sigmoid")
    ax = utils.plot_grad_flow(model)
    heights = [patch.get_height() for patch in ax.patches]
    grads = [np.abs(param.grad.numpy()) for _, param in model.named_parameters()]
    count = len(grads)
    np.testing.assert_allclose(heights[:count], [g.max() for g in grads], rtol=1e-12)
    np.testing.assert_allclose(heights[count:], [g.mean() for g in grads], rtol=1e-12)
    assert ax.get_yscale() == "log"
    plt.close("all")
