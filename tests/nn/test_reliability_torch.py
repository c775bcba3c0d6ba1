"""Issue 15 against PyTorch: all-ignored losses (value and gradient), weight shapes that
PyTorch refuses, optimiser hyperparameters PyTorch refuses, zero-length softmax axes."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(151)
LOGITS = RNG.normal(size=(3, 4))
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


@pytest.mark.parametrize("labels", [[-100, -100, -100], [2, -100, 0], []])
@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_ignored_labels_matches_pytorch(labels, weight, smoothing, reduction):
    logits = LOGITS[: len(labels)]
    labels = np.array(labels, dtype=np.int64)
    x = ag.tensor(logits, requires_grad=True)
    ours = F.cross_entropy(x, labels, weight, reduction=reduction, label_smoothing=smoothing)
    ours.sum().backward()
    xt = torch.tensor(logits, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight)
    theirs = TF.cross_entropy(
        xt, torch.tensor(labels), wt, reduction=reduction, label_smoothing=smoothing
    )
    theirs.sum().backward()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("weight", [None, WEIGHT])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_nll_loss_with_every_label_ignored_matches_pytorch(weight, reduction):
    labels = np.array([-100, -100, -100])
    x = ag.tensor(LOGITS, requires_grad=True)
    ours = F.nll_loss(F.log_softmax(x, 1), labels, weight, reduction=reduction)
    ours.backward()
    xt = torch.tensor(LOGITS, requires_grad=True)
    wt = None if weight is None else torch.tensor(weight)
    theirs = TF.nll_loss(TF.log_softmax(xt, 1), torch.tensor(labels), wt, reduction=reduction)
    theirs.backward()
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


@pytest.mark.parametrize("weight_shape", [(4, 1), (3,), (1, 4), (2, 4)])
@pytest.mark.parametrize("which", ["bce", "weight", "pos_weight"])
def test_binary_loss_weight_shapes_refused_where_pytorch_refuses(weight_shape, which):
    p, y, w = RNG.uniform(0.1, 0.9, size=4), RNG.uniform(size=4), RNG.uniform(size=weight_shape)
    ours_loss = F.binary_cross_entropy if which == "bce" else F.binary_cross_entropy_with_logits
    theirs_loss = TF.binary_cross_entropy if which == "bce" else TF.binary_cross_entropy_with_logits
    key = "weight" if which == "bce" else which

    def ours():
        return ours_loss(ag.tensor(p), y, **{key: w})

    def theirs():
        return theirs_loss(torch.tensor(p), torch.tensor(y), **{key: torch.tensor(w)})

    with pytest.raises(RuntimeError):
        theirs()
    with pytest.raises(ValueError, match="must broadcast to the input's shape"):
        ours()


HYPERPARAMETERS = {
    "SGD": ["lr", "momentum", "weight_decay"],
    "Adam": ["lr", "eps", "weight_decay", "betas0", "betas1"],
    "AdamW": ["lr", "eps", "weight_decay", "betas0", "betas1"],
    "RMSprop": ["lr", "alpha", "eps", "momentum", "weight_decay"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
}
CASES = [(name, key) for name, keys in HYPERPARAMETERS.items() for key in keys]


def _options(key, value):
    if key.startswith("betas"):
        return {"betas": (value, 0.999) if key == "betas0" else (0.9, value)}
    return {"lr": 0.1, key: value}


def _accepts(make) -> bool:
    try:
        make()
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("name, key", CASES, ids=[f"{n}-{k}" for n, k in CASES])
@pytest.mark.parametrize("value", [-1.0, -1e-12, 0.0, 0.5, 1.0, 2.0, math.inf, math.nan])
def test_optimiser_hyperparameters_are_refused_where_pytorch_refuses(name, key, value):
    """Same verdict as PyTorch, except that a NaN is refused everywhere (PyTorch's SGD
    takes a NaN lr, momentum or weight_decay and then turns the parameters into NaN)."""
    options = _options(key, value)

    def ours():
        return getattr(nn.optim, name)([ag.tensor(np.zeros(2), requires_grad=True)], **options)

    def theirs():
        return getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)

    if math.isnan(value):
        assert not _accepts(ours)
    else:
        assert _accepts(ours) == _accepts(theirs)


@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((2, 0, 4), 1), ((0,), 0)])
def test_softmax_family_over_a_zero_length_axis_matches_pytorch(shape, dim):
    x, xt = ag.zeros(*shape, requires_grad=True), torch.zeros(shape, requires_grad=True)
    pairs = [
        (F.softmax(x, dim), torch.softmax(xt, dim)),
        (F.log_softmax(x, dim), torch.log_softmax(xt, dim)),
        (ag.logsumexp(x, axis=dim), torch.logsumexp(xt, dim)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
