"""Layers and containers: Linear, Identity, Flatten, Dropout, Sequential, ModuleList,
ModuleDict, MLP."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.testing import gradcheck


def test_linear_computes_x_weight_transpose_plus_bias():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = np.random.default_rng(0).normal(size=(5, 3))
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(ag.Tensor(x)).numpy(), expected, rtol=1e-15)
    x3 = np.random.default_rng(1).normal(size=(4, 5, 3))  # extra leading axes broadcast
    np.testing.assert_allclose(
        layer(ag.Tensor(x3)).numpy(), x3 @ layer.weight.numpy().T + layer.bias.numpy()
    )


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((1, 3))
    np.testing.assert_allclose(layer(ag.Tensor(x)).numpy(), x @ layer.weight.numpy().T)


def test_linear_gradients_match_finite_differences():
    layer = nn.Linear(3, 2)
    x = ag.tensor(np.random.default_rng(2).normal(size=(4, 3)), requires_grad=True)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), x, layer.weight, layer.bias)


def test_linear_rejects_wrong_feature_count_with_shapes():
    with pytest.raises(ValueError, match=r"input has 4 features .*\(2, 3\)"):
        nn.Linear(3, 2)(ag.ones((5, 4)))


def test_linear_default_init_is_pytorch_uniform_bound():
    ag.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.99 * bound  # it uses the whole interval
    np.testing.assert_allclose(layer.weight.numpy().var(), bound**2 / 3, rtol=0.02)  # U(-b, b)
    assert abs(layer.weight.numpy().mean()) < 0.01 * bound


def test_construction_is_reproducible_with_manual_seed():
    ag.manual_seed(42)
    first = nn.MLP(4, [8], 2).state_dict()
    ag.manual_seed(42)
    second = nn.MLP(4, [8], 2).state_dict()
    third = nn.MLP(4, [8], 2).state_dict()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    assert not np.array_equal(first["0.weight"], third["0.weight"])


def test_linear_follows_the_default_dtype():
    layer = nn.Linear(2, 2, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer(ag.Tensor(np.ones((1, 2), np.float32))).dtype == np.float32


def test_identity_and_flatten():
    x = ag.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert nn.Identity()(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(start_dim=0)(x).shape == (24,)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 12))
    assert gradcheck(lambda t: nn.Flatten()(t) * 2.0, x)
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        nn.Flatten(2, 1)(x)


def test_dropout_statistics_and_scaling():
    ag.manual_seed(0)
    p, n = 0.3, 200_000
    out = nn.Dropout(p)(ag.ones(n)).numpy()
    dropped = np.mean(out == 0)
    assert abs(dropped - p) < 4 * math.sqrt(p * (1 - p) / n)  # binomial, 4 sigma
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p))  # inverted dropout
    assert abs(out.mean() - 1) < 0.01  # expectation preserved


def test_dropout_gradient_is_the_mask():
    ag.manual_seed(1)
    x = ag.tensor(np.ones(1000), requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())  # mask / (1 - p) where kept, 0 else


def test_dropout_is_identity_in_eval_mode_and_for_p_zero():
    x = ag.ones((10, 10))
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert np.all(nn.Dropout(1.0)(x).numpy() == 0)
    with pytest.raises(ValueError, match="p must be a probability"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_with_manual_seed():
    ag.manual_seed(5)
    a = nn.Dropout(0.5)(ag.ones(50)).numpy()
    ag.manual_seed(5)
    b = nn.Dropout(0.5)(ag.ones(50)).numpy()
    np.testing.assert_array_equal(a, b)


def test_sequential_behaves_like_a_list():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    model.append(nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    x = ag.Tensor(np.ones((4, 2)))
    expected = model[2](model[1](model[0](x)))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())
    assert "2.weight" in dict(model.named_parameters())


def test_module_list_registers_but_has_no_forward():
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.append(nn.Linear(1, 1)).extend([nn.Linear(1, 1)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers[0] = nn.Identity()
    assert isinstance(layers[0], nn.Identity) and len(list(layers.parameters())) == 4
    with pytest.raises(NotImplementedError, match="iterate over it"):
        layers(ag.ones(1))


def test_module_dict_registers_in_order_and_acts_as_a_dict():
    blocks = nn.ModuleDict({"encoder": nn.Linear(2, 3), "act": nn.Tanh()})
    blocks.update([("decoder", nn.Linear(3, 1))])
    assert list(blocks) == list(blocks.keys()) == ["encoder", "act", "decoder"]
    assert len(blocks) == 3 and "act" in blocks and "nothing" not in blocks
    assert blocks["encoder"] is blocks.encoder  # by key and as an attribute, as in PyTorch
    assert [type(m).__name__ for m in blocks.values()] == ["Linear", "Tanh", "Linear"]
    assert [k for k, _ in blocks.items()] == ["encoder", "act", "decoder"]
    assert list(dict(blocks.named_parameters())) == [
        "encoder.weight",
        "encoder.bias",
        "decoder.weight",
        "decoder.bias",
    ]
    assert "decoder.weight" in blocks.state_dict()
    blocks["encoder"] = nn.Linear(2, 3, bias=False)  # replaced: its bias is gone
    assert "encoder.bias" not in dict(blocks.named_parameters())
    assert isinstance(blocks.pop("act"), nn.Tanh) and "act" not in blocks
    assert not hasattr(blocks, "act")
    del blocks["decoder"]
    assert list(blocks) == ["encoder"] and len(list(blocks.parameters())) == 1
    blocks.clear()
    assert len(blocks) == 0 and list(blocks.parameters()) == []
    with pytest.raises(KeyError, match="attribute or method"):
        blocks["update"] = nn.Identity()  # would hide ModuleDict.update
    with pytest.raises(TypeError, match="keys are strings"):
        blocks[0] = nn.Identity()
    with pytest.raises(NotImplementedError, match="call its modules"):
        blocks(ag.ones(1))


def test_mlp_structure_and_names():
    model = nn.MLP(64, [128, 32], 10, activation="tanh", output_activation="sigmoid")
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert [(m.in_features, m.out_features) for m in model if isinstance(m, nn.Linear)] == [
        (64, 128),
        (128, 32),
        (32, 10),
    ]
    assert model(ag.ones((5, 64))).shape == (5, 10)
    assert [n for n, _ in model.named_parameters()][:2] == ["0.weight", "0.bias"]
    assert [type(m).__name__ for m in nn.MLP(3, [], 1)] == ["Linear"]
    assert type(nn.MLP(3, [4], 1, activation=nn.GELU)[1]).__name__ == "GELU"
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP(3, [4], 1, activation="swish")


def test_mlp_dtype_reaches_every_parameter_and_the_output():
    model = nn.MLP(4, [8, 8], 2, dtype=np.float32)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    out = model(ag.tensor(np.ones((3, 4), np.float32)))
    assert out.dtype == np.float32
    assert {p.dtype for p in nn.MLP(4, [8], 2).parameters()} == {np.dtype(np.float64)}
