"""Module: registration, names, tree walking, modes, state dicts, hooks, repr."""

import numpy as np
import pytest

import autograd as ag
import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 2)])
        self.scale = nn.Parameter(np.ones(2))
        self.head = nn.Sequential(nn.Tanh(), nn.Linear(2, 1))
        self.note = "not a module"

    def forward(self, x):
        for layer in self.layers:
            x = nn.functional.relu(layer(x))
        return self.head(x * self.scale)


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros((2, 3)))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert nn.Parameter([1, 2]).dtype == ag.get_default_dtype()  # ints become floats
    array = np.zeros(3)
    assert nn.Parameter(array).numpy() is array  # wraps without copying
    assert not nn.Parameter(array, requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:")


def test_named_parameters_have_dotted_names_in_registration_order():
    names = [name for name, _ in Block().named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "head.1.weight",
        "head.1.bias",
    ]
    assert len(list(Block().parameters())) == 7
    assert [n for n, _ in Block().named_parameters(recurse=False)] == ["scale"]


def test_children_and_modules():
    block = Block()
    assert [type(c).__name__ for c in block.children()] == ["ModuleList", "Sequential"]
    names = [name for name, _ in block.named_modules()]
    assert names == ["", "layers", "layers.0", "layers.1", "head", "head.0", "head.1"]
    assert len(list(block.modules())) == 7


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3


def test_reassigning_an_attribute_replaces_the_registration():
    model = nn.Linear(2, 2)
    model.bias = None
    assert [n for n, _ in model.named_parameters()] == ["weight"]
    model.weight = nn.Parameter(np.ones((2, 2)))
    assert np.all(dict(model.named_parameters())["weight"].numpy() == 1)
    del model.weight
    assert list(model.parameters()) == []


def test_plain_tensors_are_not_registered():
    block = nn.Module()
    block.constant = ag.ones(3, requires_grad=True)
    assert list(block.parameters()) == []


def test_forgetting_super_init_gives_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_missing_attribute_error_names_the_module():
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        nn.Linear(1, 1).wieght  # noqa: B018


def test_call_runs_forward_and_hooks():
    block = Block()
    seen = []
    handle = block.register_forward_hook(lambda m, inputs, out: seen.append((m, out.shape)))
    out = block(ag.ones((4, 2)))
    assert out.shape == (4, 1) and seen == [(block, (4, 1))]
    handle.remove()
    block(ag.ones((4, 2)))
    assert len(seen) == 1


def test_module_call_labels_recorded_nodes_with_the_module():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    out = model(ag.ones((1, 2)))
    assert out.grad_fn.scope == (model, model[1])


def test_module_call_restores_the_scope_when_forward_raises():
    class Broken(nn.Module):
        def forward(self, x):
            ag.tanh(x)
            raise ValueError("broken forward")

    x = ag.ones((1, 2), requires_grad=True)
    with pytest.raises(ValueError, match="broken forward"):
        nn.Sequential(Broken())(x)
    assert ag.tanh(x).grad_fn.scope == ()


def test_base_forward_is_required():
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        nn.Module()(1)


def test_train_and_eval_set_the_flag_everywhere():
    block = Block()
    assert block.eval() is block
    assert not any(m.training for m in block.modules())
    block.train()
    assert all(m.training for m in block.modules())


def test_zero_grad_forgets_gradients():
    block = Block()
    block(ag.ones((3, 2))).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_requires_grad_freezes_parameters():
    model = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_then_self():
    visited = []
    Block().apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Block" and visited.count("Linear") == 3


def test_state_dict_is_a_copy_and_round_trips():
    source, target = Block(), Block()
    state = source.state_dict()
    assert list(state) == [name for name, _ in source.named_parameters()]
    state["scale"][:] = 7.0  # a copy: the model is untouched
    assert np.all(source.scale.numpy() == 1.0)
    report = target.load_state_dict(source.state_dict())
    assert report == ([], [], [])
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_load_state_dict_copies_in_place_and_accepts_tensors():
    model = nn.Linear(2, 2)
    weight_array = model.weight.numpy()
    model.load_state_dict({"weight": ag.ones((2, 2)), "bias": np.zeros(2)})
    assert model.weight.numpy() is weight_array and np.all(weight_array == 1)


def test_strict_load_names_every_offending_key_and_both_shapes():
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    state = model.state_dict()
    del state["1.bias"]
    state["0.weight"] = np.zeros((5, 4))
    state["extra.weight"] = np.zeros(1)
    before = model[0].bias.numpy().copy()
    state["0.bias"] = before + 1
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "'1.bias'" in message and "missing" in message
    assert "'extra.weight'" in message and "unexpected" in message
    assert "'0.weight'" in message and "(3, 4)" in message and "(5, 4)" in message
    np.testing.assert_array_equal(model[0].bias.numpy(), before)  # nothing was loaded


def test_non_strict_load_reports_and_loads_what_fits():
    model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
    state = {"0.bias": np.full(3, 5.0), "0.weight": np.zeros((1, 1)), "x": np.zeros(2)}
    report = model.load_state_dict(state, strict=False)
    assert report.missing_keys == ["1.weight", "1.bias"]
    assert report.unexpected_keys == ["x"]
    assert report.mismatched_keys == [("0.weight", (3, 4), (1, 1))]
    assert np.all(model[0].bias.numpy() == 5.0)


def test_loading_while_a_graph_holds_the_weights_is_an_in_place_change():
    model = nn.Linear(3, 1, bias=False)
    memory = model.weight.numpy()
    x = ag.tensor(np.ones((1, 3)), requires_grad=True)
    out = model(x)  # the graph saved the weight
    model.load_state_dict({"weight": np.full((1, 3), 9.0)})
    assert model.weight.numpy() is memory and np.all(memory == 9.0)  # in place, as PyTorch
    with pytest.raises(RuntimeError, match="Linear: one of the variables .* its input 1"):
        out.sum().backward()


def test_repr_shows_the_tree_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.25)\n"
        "  )\n"
        ")"
    )
