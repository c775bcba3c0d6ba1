"""Module.register_buffer: state that is saved and loaded but never trained."""

import numpy as np
import pytest

import autograd as ag
import nn


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.register_buffer("total", ag.zeros(2))
        self.register_buffer("scratch", np.ones(3), persistent=False)
        self.register_buffer("unset", None)

    def forward(self, x):
        return self.linear(x)


def test_buffers_are_state_but_not_parameters():
    model = nn.Sequential(Counter())
    assert [n for n, _ in model.named_parameters()] == ["0.linear.weight", "0.linear.bias"]
    assert [n for n, _ in model.named_buffers()] == ["0.total", "0.scratch"]
    assert len(list(model.buffers())) == 2
    # module by module: parameters of a module, then its persistent buffers (PyTorch's order)
    assert list(model.state_dict()) == ["0.total", "0.linear.weight", "0.linear.bias"]
    assert not model[0].total.requires_grad
    assert isinstance(model[0].scratch, ag.Tensor)  # an array becomes a Tensor
    assert model[0].unset is None


def test_buffers_load_in_place_and_are_checked():
    model = Counter()
    total = model.total
    state = model.state_dict()
    state["total"] = np.array([3.0, 4.0])
    model.load_state_dict(state)
    assert model.total is total  # loaded in place, as parameters are
    np.testing.assert_array_equal(total.numpy(), [3.0, 4.0])
    state["total"] = np.zeros(5)
    with pytest.raises(RuntimeError, match="shape mismatch for 'total'"):
        model.load_state_dict(state)
    del state["total"]
    with pytest.raises(RuntimeError, match="missing keys.*'total'"):
        model.load_state_dict(state)


def test_assigning_to_a_buffer_replaces_it_and_del_removes_it():
    model = Counter()
    model.total = ag.ones(2)
    np.testing.assert_array_equal(model.state_dict()["total"], [1.0, 1.0])
    with pytest.raises(TypeError, match="buffer 'total' must be a Tensor"):
        model.total = [1, 2]
    del model.total
    assert "total" not in model.state_dict()


def test_register_buffer_refuses_clashing_names():
    model = Counter()
    with pytest.raises(KeyError, match="already a parameter"):
        model.register_buffer("linear", ag.zeros(1))
    with pytest.raises(KeyError, match="without '.'"):
        model.register_buffer("a.b", ag.zeros(1))


def test_buffers_load_from_a_torch_state_dict():
    torch = pytest.importorskip("torch")

    class TorchCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)
            self.register_buffer("total", torch.tensor([5.0, 6.0], dtype=torch.float64))
            self.register_buffer("scratch", torch.ones(3), persistent=False)

    source = TorchCounter()
    model = Counter()
    assert list(model.state_dict()) == list(source.state_dict())
    model.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(model.total.numpy(), [5.0, 6.0])
    np.testing.assert_allclose(model.linear.weight.numpy(), source.linear.weight.detach().numpy())
