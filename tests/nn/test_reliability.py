"""Issue 15 (reliability): each test below failed on the code before its fix.

Losses: all-ignored labels give PyTorch's nan loss with a zero gradient, weights that
would broadcast past the input's shape are refused, targets of the wrong type get a
TypeError. Optimisers refuse NaN/negative hyperparameters. load_state_dict is atomic.
nn.load names the file and what is wrong with it; nn.save gives umask permissions.
Zero-length softmax axes, Linear sizes and DataLoader batch sizes.
Comparisons with PyTorch run where it is installed (tests/nn/test_reliability_torch.py).
"""

import os

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(15)
LOGITS = RNG.normal(size=(3, 4))
IGNORED = np.array([-100, -100, -100])

# --- losses: every label ignored -----------------------------------------------------

CASES = {
    "plain": {},
    "weight": {"weight": np.array([0.5, 2.0, 1.0, 3.0])},
    "smoothing": {"label_smoothing": 0.2},
    "both": {"weight": np.array([0.5, 2.0, 1.0, 3.0]), "label_smoothing": 0.2},
}


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_cross_entropy_with_every_label_ignored_has_a_zero_gradient(options):
    x = ag.tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(x, IGNORED, **options)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(LOGITS))
    assert np.isnan(loss.item())  # a mean over no samples: nan, as PyTorch


@pytest.mark.parametrize("weight", [None, np.array([0.5, 2.0, 1.0, 3.0])])
def test_nll_loss_with_every_label_ignored_has_a_zero_gradient(weight):
    x = ag.tensor(LOGITS, requires_grad=True)
    loss = F.nll_loss(F.log_softmax(x, 1), IGNORED, weight=weight)
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(LOGITS))
    assert np.isnan(loss.item())


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_an_all_padding_batch_leaves_the_model_unchanged(options):
    ag.manual_seed(0)
    model = nn.Linear(5, 4)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss(**options)(model(ag.tensor(RNG.normal(size=(3, 5)))), IGNORED)
    loss.backward()
    optimizer.step()
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_all_ignored_gradient_of_the_gradient_is_zero_too():
    x = ag.tensor(LOGITS, requires_grad=True)
    for options in CASES.values():
        (grad,) = ag.gradients(F.cross_entropy(x, IGNORED, **options), x, create_graph=True)
        np.testing.assert_array_equal(grad.numpy(), np.zeros_like(LOGITS))


def test_all_ignored_loss_replays_under_capture():
    """The nan-or-mean decision is an op, so a captured step re-checks each batch's labels."""
    model = nn.Linear(4, 4)
    weight = ag.tensor([0.5, 2.0, 1.0, 3.0])
    step = ag.capture_backward(lambda x, y, w: F.cross_entropy(model(x), y, weight=w))
    x = ag.tensor(LOGITS)
    for labels in ([0, 1, 2], IGNORED, [3, -100, 0]):
        labels = ag.tensor(np.array(labels))
        model.zero_grad()
        loss = step(x, labels, weight)
        expected = F.cross_entropy(model(x), labels, weight=weight)
        np.testing.assert_array_equal(loss.numpy(), expected.numpy())
        assert np.isfinite(model.weight.grad.numpy()).all()


# --- losses: weight shapes and target types --------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [
        lambda p, y, w: F.binary_cross_entropy(p, y, weight=w),
        lambda p, y, w: F.binary_cross_entropy_with_logits(p, y, weight=w),
        lambda p, y, w: F.binary_cross_entropy_with_logits(p, y, pos_weight=w),
        lambda p, y, w: nn.BCELoss(weight=w, reduction="none")(p, y),
        lambda p, y, w: nn.BCEWithLogitsLoss(pos_weight=w, reduction="sum")(p, y),
    ],
)
def test_binary_losses_refuse_weights_that_broadcast_past_the_input(loss):
    p, y = ag.tensor(RNG.uniform(0.1, 0.9, size=4)), RNG.uniform(size=4)
    with pytest.raises(ValueError, match=r"shape \(4, 1\) must broadcast to the input's shape"):
        loss(p, y, RNG.uniform(size=(4, 1)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        loss(p, y, RNG.uniform(size=3))
    loss(p, y, RNG.uniform(size=4))  # these broadcast to (4,): accepted, as in PyTorch
    loss(p, y, RNG.uniform(size=1))
    loss(p, y, 2.0)


def test_classification_losses_take_lists_of_labels_and_refuse_other_objects():
    x = ag.tensor(LOGITS)
    expected = F.cross_entropy(x, np.array([0, 3, 1])).item()
    assert F.cross_entropy(x, [0, 3, 1]).item() == expected
    assert nn.CrossEntropyLoss()(x, [0, 3, 1]).item() == expected
    assert F.nll_loss(x, [0, 3, 1]).item() == F.nll_loss(x, np.array([0, 3, 1])).item()
    for loss in (F.cross_entropy, F.nll_loss, F.binary_cross_entropy, F.mse_loss):
        for bad in (None, "0 3 1", {"labels": [0, 3, 1]}):
            with pytest.raises(TypeError, match=r"target must be a Tensor, a numpy array"):
                loss(ag.tensor(np.full((3, 4), 0.5)), bad)
    with pytest.raises(TypeError, match="target must hold numbers, got dtype <U"):
        F.cross_entropy(x, ["a", "b", "c"])
    with pytest.raises(ValueError, match="cross_entropy: target is not a rectangular array"):
        F.cross_entropy(x, [[0], [1, 2], 3])


# --- optimisers: hyperparameters refused at construction ---------------------------------

NAN = float("nan")
BAD_HYPERPARAMETERS = [
    (nn.optim.SGD, {"lr": NAN}, "learning rate lr nan"),
    (nn.optim.SGD, {"lr": 0.1, "momentum": NAN}, "momentum nan"),
    (nn.optim.SGD, {"lr": 0.1, "weight_decay": NAN}, "weight_decay nan"),
    (nn.optim.SGD, {"lr": 0.1, "dampening": NAN}, "dampening nan"),
    (nn.optim.Adam, {"lr": NAN}, "learning rate lr nan"),
    (nn.optim.Adam, {"betas": (NAN, 0.9)}, r"beta1 \(betas\[0\]\) nan"),
    (nn.optim.Adam, {"eps": NAN}, "eps nan"),
    (nn.optim.Adam, {"weight_decay": NAN}, "weight_decay nan"),
    (nn.optim.AdamW, {"lr": NAN}, "learning rate lr nan"),
    (nn.optim.AdamW, {"weight_decay": NAN}, "weight_decay nan"),
    (nn.optim.RMSprop, {"lr": NAN}, "learning rate lr nan"),
    (nn.optim.RMSprop, {"alpha": NAN}, "alpha nan"),
    (nn.optim.RMSprop, {"eps": NAN}, "eps nan"),
    (nn.optim.RMSprop, {"momentum": NAN}, "momentum nan"),
    (nn.optim.RMSprop, {"weight_decay": NAN}, "weight_decay nan"),
    (nn.optim.Adagrad, {"lr": NAN}, "learning rate lr nan"),
    (nn.optim.Adagrad, {"lr_decay": NAN}, "lr_decay nan"),
    (nn.optim.Adagrad, {"weight_decay": NAN}, "weight_decay nan"),
    (nn.optim.Adagrad, {"initial_accumulator_value": NAN}, "initial_accumulator_value nan"),
    (nn.optim.Adagrad, {"eps": NAN}, "eps nan"),
]


@pytest.mark.parametrize(
    "optimizer, options, message",
    BAD_HYPERPARAMETERS,
    ids=[f"{o.__name__}-{list(k)[-1]}" for o, k, _ in BAD_HYPERPARAMETERS],
)
def test_optimisers_refuse_nan_hyperparameters(optimizer, options, message):
    param = ag.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match=f"{optimizer.__name__}: invalid {message}"):
        optimizer([param], **options)
    with pytest.raises(ValueError, match=f"{optimizer.__name__}: invalid {message}"):
        optimizer([{"params": [param], **options}])  # a group's own values are checked too


@pytest.mark.parametrize("optimizer", [nn.optim.SGD, nn.optim.RMSprop, nn.optim.Adagrad])
def test_optimisers_refuse_a_negative_learning_rate_in_a_group(optimizer):
    param = ag.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="invalid learning rate lr -0.5"):
        optimizer([{"params": [param], "lr": -0.5}], lr=0.1)


def test_optimisers_refuse_a_learning_rate_that_is_not_a_number():
    param = ag.tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="Adam: learning rate lr must be a real number, got str"):
        nn.optim.Adam([param], lr="1e-3")


# --- load_state_dict: all checks first, then every write --------------------------------


def _model_and_copy():
    ag.manual_seed(0)
    model = nn.MLP(3, [4], 2)
    return model, {k: v.copy() for k, v in model.state_dict().items()}


def _assert_unchanged(model, before):
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros(2, complex), "has dtype complex128, which cannot be cast"),
        (np.array(["a", "b"]), "has dtype <U1, which cannot be cast"),
        (np.array([object(), object()]), "has dtype object, which cannot be cast"),
        ([[1.0], [2.0, 3.0]], "is not an array"),
    ],
    ids=["complex", "str", "object", "ragged"],
)
@pytest.mark.parametrize("strict", [True, False])
def test_module_load_state_dict_names_the_bad_key_and_loads_nothing(bad, message, strict):
    model, before = _model_and_copy()
    state = {name: np.ones_like(value) for name, value in before.items()}
    state["2.bias"] = bad  # the last key: every earlier one would already have been written
    with pytest.raises(TypeError, match=f"MLP.load_state_dict: '2.bias' {message}"):
        model.load_state_dict(state, strict=strict)
    _assert_unchanged(model, before)


def test_module_load_state_dict_refuses_a_list():
    model, before = _model_and_copy()
    with pytest.raises(TypeError, match="MLP.load_state_dict: expected a dict-like state dict"):
        model.load_state_dict(list(before.items()))


def _trained_adam():
    param = ag.tensor(np.array([1.0, -2.0]), requires_grad=True)
    other = ag.tensor(np.array([[0.5]]), requires_grad=True)
    optimizer = nn.optim.Adam([param, other], lr=0.1)
    ((param * param).sum() + other.sum()).backward()
    optimizer.step()
    return optimizer


def _optimizer_snapshot(optimizer):
    state = optimizer.state_dict()
    return repr(state["param_groups"]), {
        k: {n: np.array(v, copy=True) for n, v in s.items()} for k, s in state["state"].items()
    }


@pytest.mark.parametrize(
    "corrupt, error, message",
    [
        (
            lambda s: s["state"][1].update(exp_avg=np.zeros((1, 1), complex)),
            TypeError,
            r"state\[1\]\['exp_avg'\] has dtype complex128",
        ),  # fmt: skip
        (
            lambda s: s["state"][1].update(exp_avg=np.zeros(3)),
            ValueError,
            r"state\[1\]\['exp_avg'\] has shape \(3,\) but its parameter has shape \(1, 1\)",
        ),  # fmt: skip
        (
            lambda s: s["state"].update({7: {"step": 1}}),
            ValueError,
            "state entry 7 names no parameter",
        ),  # fmt: skip
        (
            lambda s: s["param_groups"][0].update(lr=float("nan")),
            ValueError,
            "Adam.load_state_dict: invalid learning rate lr nan",
        ),  # fmt: skip
        (lambda s: s.pop("state"), ValueError, "the state dict has no 'state' entry"),
    ],
    ids=["dtype", "shape", "index", "lr", "missing"],
)
def test_optimiser_load_state_dict_checks_everything_before_changing_anything(
    corrupt, error, message
):
    optimizer = _trained_adam()
    before = _optimizer_snapshot(optimizer)
    state = optimizer.state_dict()
    state["state"][0]["exp_avg"] = np.full(2, 99.0)  # valid, and earlier than the bad entry
    state["param_groups"][0]["lr"] = 5.0
    corrupt(state)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state)
    after = _optimizer_snapshot(optimizer)
    assert after[0] == before[0]
    for key, values in before[1].items():
        for name, value in values.items():
            np.testing.assert_array_equal(after[1][key][name], value)


def test_optimiser_load_state_dict_refuses_a_list():
    optimizer = _trained_adam()
    with pytest.raises(TypeError, match="Adam.load_state_dict: expected a dict-like state dict"):
        optimizer.load_state_dict([optimizer.state_dict()])


# --- nn.load: the file and what is wrong with it ------------------------------------------


def test_load_of_a_missing_file_raises_file_not_found_naming_it(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match=f"load: no such file: '{path}'"):
        nn.load(path)


def test_load_of_an_empty_file_names_it(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.npz' is empty \(0 bytes\)"):
        nn.load(path)


def test_load_of_a_plain_np_save_array_names_it(tmp_path):
    path = tmp_path / "array.npz"
    with open(path, "wb") as file:
        np.save(file, np.arange(3.0))
    with pytest.raises(ValueError, match=r"array.npz' holds a single array in np.save's"):
        nn.load(path)


def test_load_of_a_truncated_archive_names_it(tmp_path):
    path = tmp_path / "cut.npz"
    nn.save(nn.Linear(30, 30), path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ValueError, match=r"cut.npz' is a damaged .npz file"):
        nn.load(path)


def _with_structure(path, text):
    """A file as nn.save writes nested state, with `text` as its structure entry."""
    nn.save({"state": {0: {"step": 1, "buf": np.ones(2)}}, "param_groups": []}, path)
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["__structure__"] = np.array(text)
    with open(path, "wb") as file:
        np.savez(file, **arrays)


@pytest.mark.parametrize(
    "text, problem",
    [
        ('{"dict": [["state", {"dict"', "not valid JSON"),
        ('{"dict": [["w", {"array": "missing"}]]}', "refers to an array 'missing'"),
        ('{"dict": [["w", {"array": 7}]]}', "refers to an array 7"),
        ('{"dict": [["w", {"code": "x"}]]}', "unknown node kind 'code'"),
        ('{"dict": [["w", {"value": [1, 2]}]]}', "a value must be a number"),
        ('{"dict": [["w"]]}', "a dict item must be"),
        ('{"dict": {"w": 1}}', "'dict' must hold a list"),
        ('{"list": []}', "the top level is a list"),
        ("[1, 2]", "expected a node like"),
        ('{"value": 1, "array": "x"}', "expected a node like"),
        ("[" * 100_000 + "]" * 100_000, "JSON|recursion"),
    ],
)
def test_load_of_a_tampered_structure_entry_names_the_file(tmp_path, text, problem):
    path = tmp_path / "tampered.npz"
    _with_structure(path, text)
    with pytest.raises(ValueError, match="tampered.npz' has a damaged '__structure__' entry"):
        nn.load(path)
    with pytest.raises(ValueError, match=problem):
        nn.load(path)


def test_save_gives_the_permissions_of_a_plain_open(tmp_path):
    old_umask = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.npz"
        nn.save(nn.Linear(2, 2), fresh)
        assert oct(os.stat(fresh).st_mode & 0o777) == oct(0o640)  # 0o666 & ~umask
        kept = tmp_path / "kept.npz"
        kept.write_bytes(b"")
        os.chmod(kept, 0o604)
        nn.save(nn.Linear(2, 2), kept)  # replacing a file keeps its permissions, as open()
        assert oct(os.stat(kept).st_mode & 0o777) == oct(0o604)
    finally:
        os.umask(old_umask)


# --- clear errors: zero-length softmax axes, layer sizes, batch sizes ---------------------


@pytest.mark.parametrize("shape", [(3, 0), (2, 0, 4)])
def test_softmax_family_over_a_zero_length_axis_returns_what_pytorch_returns(shape):
    x = ag.zeros(*shape, requires_grad=True)
    for function in (ag.softmax, ag.log_softmax, F.softmax, F.log_softmax):
        out = function(x, 1)
        assert out.shape == shape
        out.sum().backward()
        assert x.grad.shape == shape
    total = ag.logsumexp(x, axis=1)  # log of an empty sum
    np.testing.assert_array_equal(total.numpy(), np.full(shape[:1] + shape[2:], -np.inf))
    total.sum().backward()


@pytest.mark.parametrize("bad", [[3], "3", None, 3.0, True])
def test_linear_refuses_a_size_that_is_not_an_int(bad):
    with pytest.raises(TypeError, match="Linear: in_features must be an int"):
        nn.Linear(bad, 4)
    with pytest.raises(TypeError, match="Linear: out_features must be an int"):
        nn.Linear(4, bad)


def test_linear_refuses_a_negative_size_and_takes_numpy_ints():
    with pytest.raises(ValueError, match="Linear: out_features must be >= 0, got -1"):
        nn.Linear(3, -1)
    layer = nn.Linear(np.int64(3), np.int32(2))
    assert type(layer.in_features) is int and layer.weight.shape == (2, 3)


def test_data_loader_refuses_a_batch_size_that_is_not_a_positive_int():
    dataset = nn.data.TensorDataset(np.zeros((4, 2)))
    for bad in (2.5, "2", None, True, 0, -1):
        with pytest.raises(ValueError, match="DataLoader: batch_size must be a positive integer"):
            nn.data.DataLoader(dataset, batch_size=bad)
    assert len(nn.data.DataLoader(dataset, batch_size=np.int64(3))) == 2
