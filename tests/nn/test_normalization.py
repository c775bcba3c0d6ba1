"""BatchNorm1d/2d and LayerNorm: against PyTorch (values, gradients, running statistics
over several training steps, eval mode, state_dict) and finite differences."""

import numpy as np
import pytest
from torch_compare import compare_with_torch, load_from_torch

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck
from nn import functional as F

rng = np.random.default_rng(16)

BATCHNORMS = [  # (layer, input shape, keyword arguments)
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": 0.3}),
    ("BatchNorm2d", (4, 3, 5, 2), {}),
    ("BatchNorm2d", (3, 2, 4, 4), {"affine": False}),
    ("BatchNorm2d", (3, 2, 4, 4), {"momentum": None}),  # cumulative average
    ("BatchNorm1d", (5, 4), {"track_running_stats": False}),
]


@pytest.mark.parametrize("name, shape, kwargs", BATCHNORMS)
def test_batchnorm_matches_torch_over_training_steps_and_in_eval(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    layer = getattr(nn, name)(shape[1], **kwargs)
    twin = getattr(torch.nn, name)(shape[1], dtype=torch.float64, **kwargs)
    if layer.weight is not None:  # make the affine parameters matter
        with torch.no_grad():
            twin.weight.uniform_(0.5, 1.5)
            twin.bias.uniform_(-0.5, 0.5)
    load_from_torch(layer, twin)
    for step in range(3):  # each step moves the running statistics
        x = rng.standard_normal(shape) * (step + 1) + step
        twin.zero_grad()
        layer.zero_grad()
        compare_with_torch(layer, twin, x, torch)
        for key, value in twin.state_dict().items():
            np.testing.assert_allclose(layer.state_dict()[key], value.numpy(), rtol=1e-12)
    layer.eval()
    twin.eval()
    compare_with_torch(layer, twin, rng.standard_normal(shape), torch)


def test_batchnorm_buffers_and_state_dict_keys_are_torchs():
    layer = nn.BatchNorm2d(3)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert list(layer.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked",
    ]  # fmt: skip
    assert layer.state_dict()["num_batches_tracked"].dtype == np.int64
    layer(ag.tensor(rng.standard_normal((4, 3, 2, 2))))
    layer(ag.tensor(rng.standard_normal((4, 3, 2, 2))))
    assert int(layer.num_batches_tracked.item()) == 2


def test_batchnorm_running_variance_is_unbiased():
    layer = nn.BatchNorm1d(1, momentum=1.0)
    x = np.array([[1.0], [2.0], [4.0]])
    layer(ag.tensor(x))
    np.testing.assert_allclose(layer.running_mean.numpy(), [x.mean()])
    np.testing.assert_allclose(layer.running_var.numpy(), [x.var(ddof=1)])


def test_batchnorm_eval_uses_running_statistics():
    layer = nn.BatchNorm1d(2).eval()
    layer.running_mean._data[...] = [1.0, -1.0]
    layer.running_var._data[...] = [4.0, 0.25]
    out = layer(ag.tensor(np.array([[3.0, 0.0]])))
    np.testing.assert_allclose(out.numpy(), [[2 / np.sqrt(4 + 1e-5), 1 / np.sqrt(0.25 + 1e-5)]])


def test_batchnorm_refuses_wrong_shapes():
    with pytest.raises(ValueError, match="BatchNorm2d: expected a 4-D input"):
        nn.BatchNorm2d(3)(ag.zeros((2, 3)))
    with pytest.raises(ValueError, match="expected 3 channels on axis 1"):
        nn.BatchNorm1d(3)(ag.zeros((2, 4)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.zeros((1, 3)))


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 2, 3, 3)])
def test_batch_norm_gradients_match_finite_differences(shape):
    x = ag.tensor(rng.standard_normal(shape), requires_grad=True)
    w = ag.tensor(rng.uniform(0.5, 1.5, shape[1]), requires_grad=True)
    b = ag.tensor(rng.standard_normal(shape[1]), requires_grad=True)

    def f(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert gradcheck(f, x, w, b)
    assert gradgradcheck(f, x, w, b)


@pytest.mark.parametrize("shape, normalized", [((4, 6), 6), ((2, 3, 4), (3, 4)), ((3, 5), [5])])
def test_layernorm_matches_torch(shape, normalized):
    torch = pytest.importorskip("torch")
    layer = nn.LayerNorm(normalized)
    twin = torch.nn.LayerNorm(normalized, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.uniform_(0.5, 1.5)
        twin.bias.uniform_(-0.5, 0.5)
    load_from_torch(layer, twin)
    compare_with_torch(layer, twin, rng.standard_normal(shape) * 3 + 1, torch)


def test_layernorm_without_affine_and_gradcheck():
    layer = nn.LayerNorm(4, elementwise_affine=False)
    assert list(layer.parameters()) == []
    x = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    out = layer(x).numpy()
    np.testing.assert_allclose(out.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=-1), 1, rtol=1e-4)
    w = ag.tensor(rng.standard_normal(4), requires_grad=True)
    assert gradcheck(lambda x, w: F.layer_norm(x, (4,), w, w * 0.5), x, w)
    assert gradgradcheck(lambda x, w: F.layer_norm(x, (4,), w), x, w)
    with pytest.raises(ValueError, match="do not end with normalized_shape"):
        F.layer_norm(x, (3,))
