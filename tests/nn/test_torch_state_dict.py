"""A PyTorch state_dict() loads as it is (torch tensors, parameters that require grad
included), for every layer with a PyTorch twin, and the outputs then agree; and the
reverse: chainrule's state_dict() loads into the PyTorch twin."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch", reason="PyTorch interop tests need torch")


def _twins():
    """(name, chainrule model, torch model, example input) for every layer with a twin."""
    rng = np.random.default_rng(0)
    tnn = torch.nn
    return [
        ("Linear", nn.Linear(5, 3), tnn.Linear(5, 3), rng.standard_normal((4, 5))),
        ("Conv1d", nn.Conv1d(2, 3, 3, padding=1), tnn.Conv1d(2, 3, 3, padding=1),
         rng.standard_normal((2, 2, 7))),
        ("Conv2d", nn.Conv2d(2, 3, 3, stride=2), tnn.Conv2d(2, 3, 3, stride=2),
         rng.standard_normal((2, 2, 7, 7))),
        ("BatchNorm1d", nn.BatchNorm1d(3), tnn.BatchNorm1d(3), rng.standard_normal((4, 3))),
        ("BatchNorm2d", nn.BatchNorm2d(3), tnn.BatchNorm2d(3),
         rng.standard_normal((2, 3, 4, 4))),
        ("LayerNorm", nn.LayerNorm(6), tnn.LayerNorm(6), rng.standard_normal((3, 6))),
        ("Embedding", nn.Embedding(10, 4), tnn.Embedding(10, 4), rng.integers(0, 10, (2, 5))),
        ("MultiheadAttention", nn.MultiheadAttention(8, 2), tnn.MultiheadAttention(8, 2),
         (rng.standard_normal((5, 2, 8)),) * 3),
        ("Sequential CNN",
         nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Flatten(), nn.Linear(4 * 3 * 3, 5), nn.LayerNorm(5)),
         tnn.Sequential(tnn.Conv2d(1, 4, 3), tnn.BatchNorm2d(4), tnn.ReLU(), tnn.MaxPool2d(2),
                        tnn.Flatten(), tnn.Linear(4 * 3 * 3, 5), tnn.LayerNorm(5)),
         rng.standard_normal((3, 1, 8, 8))),
    ]  # fmt: skip


TWINS = _twins()


def _randomise(torch_model):
    """Give every float parameter and buffer (running statistics too) non-default values."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, tensor in torch_model.state_dict(keep_vars=True).items():
            if tensor.dtype.is_floating_point:
                values = torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype)
                tensor.copy_(values + 0.5 if "var" in name else values - 0.5)
            else:
                tensor.fill_(7)  # num_batches_tracked


def _outputs(chainrule_model, torch_model, x):
    chainrule_model.eval()
    torch_model.eval()
    inputs = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in _tuple(x)]
    got = chainrule_model(*[ag.tensor(a) for a in inputs])
    with torch.no_grad():
        expected = torch_model(*[torch.from_numpy(a) for a in inputs])
    if isinstance(expected, tuple):  # attention: (output, weights)
        got, expected = got[0], expected[0]
    return np.asarray(got), expected.numpy()


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("keep_vars", [False, True], ids=["state_dict", "keep_vars"])
@pytest.mark.parametrize(("name", "ours", "theirs", "x"), TWINS, ids=[t[0] for t in TWINS])
def test_a_pytorch_state_dict_loads_as_it_is(name, ours, theirs, x, keep_vars):
    _randomise(theirs)
    state = theirs.state_dict(keep_vars=keep_vars)
    assert all(isinstance(value, torch.Tensor) for value in state.values())
    if keep_vars:
        assert any(value.requires_grad for value in state.values())  # np.asarray would fail
    assert ours.load_state_dict(state) == ([], [], [])
    for key, value in state.items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.detach().numpy(), key)
    got, expected = _outputs(ours, theirs, x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "ours", "theirs", "x"), TWINS, ids=[t[0] for t in TWINS])
def test_chainrule_state_dict_loads_into_pytorch(name, ours, theirs, x):
    for param in ours.parameters():
        param._data[...] = np.random.default_rng(2).standard_normal(param.shape)
        param._version[0] += 1
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    got, expected = _outputs(ours, theirs, x)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_a_tensor_numpy_cannot_hold_is_refused_naming_the_key():
    layer = nn.Linear(2, 2)
    before = layer.state_dict()
    state = {
        "weight": torch.ones(2, 2, dtype=torch.bfloat16),
        "bias": torch.zeros(2),
    }
    with pytest.raises(TypeError, match=r"'weight'.*\.float\(\); nothing was loaded"):
        layer.load_state_dict(state)
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
