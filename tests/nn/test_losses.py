"""Losses against numpy references written here, finite differences, and stability cases."""

from functools import partial

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd.testing import gradcheck, gradgradcheck

F = nn.functional
rng = np.random.default_rng(0)
PRED = rng.normal(size=(4, 3))
TARGET = rng.normal(size=(4, 3))
PROBS = rng.uniform(0.05, 0.95, size=(4, 3))
SOFT = rng.uniform(size=(4, 3))


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](loss)


def log_softmax(x, axis=1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def t(a, grad=False):
    return ag.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_numpy(reduction):
    mse = nn.MSELoss(reduction=reduction)(t(PRED), TARGET)
    np.testing.assert_allclose(mse.numpy(), reduce((PRED - TARGET) ** 2, reduction), rtol=1e-14)
    l1 = nn.L1Loss(reduction=reduction)(t(PRED), t(TARGET))
    np.testing.assert_allclose(l1.numpy(), reduce(np.abs(PRED - TARGET), reduction), rtol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_match_numpy(reduction):
    bce = -(SOFT * np.log(PROBS) + (1 - SOFT) * np.log(1 - PROBS))
    out = nn.BCELoss(reduction=reduction)(t(PROBS), SOFT)
    np.testing.assert_allclose(out.numpy(), reduce(bce, reduction), rtol=1e-13)

    weight = np.array([1.0, 2.0, 0.5])
    out = nn.BCELoss(weight=weight, reduction=reduction)(t(PROBS), SOFT)
    np.testing.assert_allclose(out.numpy(), reduce(bce * weight, reduction), rtol=1e-13)

    p = sigmoid(PRED)
    out = nn.BCEWithLogitsLoss(reduction=reduction)(t(PRED), SOFT)
    expected = -(SOFT * np.log(p) + (1 - SOFT) * np.log(1 - p))
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), rtol=1e-13)

    pos_weight = np.array([3.0, 1.0, 0.25])
    out = nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pos_weight)(t(PRED), SOFT)
    expected = -(pos_weight * SOFT * np.log(p) + (1 - SOFT) * np.log(1 - p))
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), rtol=1e-13)


def test_loss_gradients_match_finite_differences():
    pos_weight = np.array([3.0, 1.0, 0.25])
    checks = [
        (F.mse_loss, PRED, TARGET),
        (F.l1_loss, PRED, TARGET),
        (F.binary_cross_entropy, PROBS, SOFT),
        (F.binary_cross_entropy_with_logits, PRED, SOFT),
        (partial(F.binary_cross_entropy_with_logits, pos_weight=pos_weight), PRED, SOFT),
        (partial(F.cross_entropy, weight=np.array([1.0, 2.0, 3.0])), PRED, SOFT),
    ]
    for fn, a, b in checks:
        for reduction in ["mean", "none"]:
            assert gradcheck(
                lambda x, y, fn=fn, r=reduction: fn(x, y, reduction=r), t(a, True), t(b, True)
            )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll_with_labels_weights_and_ignore_index(reduction):
    labels = np.array([2, 0, -100, 1])
    weight = np.array([0.5, 2.0, 1.5])
    kept = labels != -100
    picked = -log_softmax(PRED)[np.arange(4), np.where(kept, labels, 0)]
    w = np.where(kept, weight[np.where(kept, labels, 0)], 0.0)
    expected = {"mean": (w * picked).sum() / w.sum(), "sum": (w * picked).sum(), "none": w * picked}
    ce = nn.CrossEntropyLoss(weight=weight, reduction=reduction)(t(PRED), labels)
    np.testing.assert_allclose(ce.numpy(), expected[reduction], rtol=1e-13)
    nll = nn.NLLLoss(weight=weight, reduction=reduction)(F.log_softmax(t(PRED), 1), labels)
    np.testing.assert_allclose(nll.numpy(), expected[reduction], rtol=1e-13)
    x = t(PRED, True)
    assert gradcheck(lambda x: F.cross_entropy(x, labels, weight, reduction=reduction), x)
    assert gradcheck(lambda x: F.nll_loss(x, labels, weight, reduction=reduction), x)


def test_cross_entropy_with_probabilities_and_extra_axes():
    target = SOFT / SOFT.sum(axis=1, keepdims=True)
    out = F.cross_entropy(t(PRED), target)
    np.testing.assert_allclose(
        out.numpy(), -(target * log_softmax(PRED)).sum(axis=1).mean(), rtol=1e-13
    )

    logits = rng.normal(size=(2, 3, 4, 5))  # (N, C, d1, d2)
    labels = rng.integers(0, 3, size=(2, 4, 5))
    expected = -np.take_along_axis(log_softmax(logits), labels[:, None], axis=1)[:, 0]
    np.testing.assert_allclose(
        F.cross_entropy(t(logits), labels, reduction="none").numpy(), expected
    )
    np.testing.assert_allclose(F.cross_entropy(t(logits), labels).numpy(), expected.mean())
    assert gradcheck(
        lambda x: F.cross_entropy(x, labels[:1, :2, :2]), t(logits[:1, :, :2, :2], True)
    )


def test_cross_entropy_of_one_unbatched_sample():
    out = F.cross_entropy(t(PRED[0]), np.array(1), reduction="none")
    assert out.shape == ()
    np.testing.assert_allclose(out.numpy(), -log_softmax(PRED[:1])[0, 1])


@given(
    n=st.integers(1, 6),
    c=st.integers(2, 5),
    seed=st.integers(0, 2**31),
    scale=st.sampled_from([1.0, 30.0, 1e4]),
)
def test_cross_entropy_gradient_is_softmax_minus_one_hot(n, c, seed, scale):
    generator = np.random.default_rng(seed)
    logits = generator.normal(size=(n, c)) * scale
    labels = generator.integers(0, c, size=n)
    x = t(logits, True)
    loss = F.cross_entropy(x, labels)
    loss.backward()
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    one_hot = np.eye(c)[labels]
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(
        loss.item(), -log_softmax(logits)[np.arange(n), labels].mean(), rtol=1e-12
    )
    np.testing.assert_allclose(x.grad.numpy(), (softmax - one_hot) / n, rtol=1e-12, atol=1e-15)


def test_losses_are_stable_for_huge_logits():
    logits = t(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]]), True)
    loss = F.cross_entropy(logits, np.array([1, 2]), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1e4 + np.log(2))
    np.testing.assert_allclose(logits.grad.numpy(), [[1, -1, 0], [0, 0.5, -0.5]])

    z = t(np.array([1e4, -1e4, 1e4, -1e4]), True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [0, 0, 1e4, 1e4])
    np.testing.assert_array_equal(z.grad.numpy(), [0, 0, 1, -1])  # sigmoid(z) - y


def test_bce_clamps_log_at_minus_100_like_pytorch():
    p = t(np.array([0.0, 1.0, 0.0]), True)
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss.numpy(), [100.0, 100.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.numpy()))
    np.testing.assert_allclose(p.grad.numpy(), [-1e12, 1e12, 0.0])  # (p - y) / max(p(1-p), 1e-12)


def test_losses_refuse_mistakes_with_clear_messages():
    with pytest.raises(ValueError, match=r"mse_loss: input \(4, 1\) and target \(4,\)"):
        F.mse_loss(t(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        F.binary_cross_entropy(t(np.array([1.5])), np.array([1.0]))
    with pytest.raises(IndexError, match=r"lie in \[0, 3\); found \[3\]"):
        F.cross_entropy(t(PRED), np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match="looks like|class labels must be integers"):
        F.cross_entropy(t(PRED), np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"needs class labels of shape \(4,\)"):
        F.cross_entropy(t(PRED), np.array([0, 1]))
    with pytest.raises(TypeError, match="integer class labels"):
        F.nll_loss(t(PRED), np.zeros(4))
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(t(PRED), np.array([0, 1, 2, 1]), weight=np.ones(2))


def test_one_hot():
    out = F.one_hot(np.array([2, 0]), 3)
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(IndexError):
        F.one_hot(np.array([3]), 3)


def test_loss_module_reprs():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


def test_second_derivatives_of_the_fused_losses():
    labels = np.array([2, 0, -100, 1])
    target = SOFT / SOFT.sum(axis=1, keepdims=True)
    checks = [
        (lambda x: F.cross_entropy(x, labels, weight=np.array([0.5, 2.0, 1.5])), PRED),
        (lambda x: F.cross_entropy(x, target), PRED),
        (lambda x: F.cross_entropy(x, labels, reduction="none"), PRED),
        (lambda x: F.cross_entropy(x, labels), PRED),  # LabelCrossEntropy, one ignored
        (lambda x: F.cross_entropy(x, labels, reduction="sum"), PRED),
        (lambda x: F.binary_cross_entropy_with_logits(x, SOFT, pos_weight=np.ones(3) * 2), PRED),
        (lambda x: F.binary_cross_entropy(x, SOFT), PROBS),
    ]
    for fn, a in checks:
        assert gradgradcheck(fn, t(a, True))
    # gradients with respect to soft targets, to second order as well
    assert gradgradcheck(lambda x, p: F.cross_entropy(x, p), t(PRED, True), t(target, True))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    "shape, labels",
    [
        ((4, 3), [2, 0, 1, 1]),
        ((4, 3), [2, -100, 1, -100]),  # two ignored
        ((3,), 1),  # one sample without a batch axis
        ((2, 3, 2), [[0, 2], [-100, 1]]),  # (N, C, d1)
    ],
)
def test_plain_labels_path_agrees_with_the_weighted_targets_path(shape, labels, reduction):
    """cross_entropy at plain labels runs LabelCrossEntropy; with class weights of one it
    runs LabelTargets + CrossEntropy, which must give the same loss and gradient."""
    logits = np.random.default_rng(3).standard_normal(shape) * 3
    labels = np.array(labels)
    results = []
    for weight in (None, np.ones(3)):
        x = t(logits, True)
        loss = F.cross_entropy(x, labels, weight=weight, reduction=reduction)
        loss.sum().backward()
        results.append((loss.numpy(), x.grad.numpy()))
    (plain_loss, plain_grad), (weighted_loss, weighted_grad) = results
    assert plain_loss.shape == weighted_loss.shape
    np.testing.assert_allclose(plain_loss, weighted_loss, rtol=1e-13)
    np.testing.assert_allclose(plain_grad, weighted_grad, rtol=1e-13, atol=1e-16)
    assert gradcheck(lambda a: F.cross_entropy(a, labels, reduction=reduction), t(logits, True))


def test_plain_labels_cross_entropy_keeps_float32():
    x = t(np.zeros((4, 3), np.float32), True)
    loss = F.cross_entropy(x, np.array([0, 1, 2, -100]))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), np.log(3), rtol=1e-6)


def test_plain_and_recorded_backward_agree():
    labels = np.array([2, 0, 1, 1])
    grads = []
    for create_graph in (False, True):
        x = t(PRED, True)
        F.cross_entropy(x, labels).backward(create_graph=create_graph)
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14, atol=1e-17)


def test_mean_over_only_ignored_labels_is_nan_like_pytorch():
    with np.errstate(all="raise"):  # and no floating-point warning on the way
        out = F.cross_entropy(t(PRED[:2]), np.array([-100, -100]))
    assert np.isnan(out.item())


def smoothed_cross_entropy_reference(logits, labels, eps, weight, ignore_index, reduction):
    """PyTorch's documented label smoothing, written out with numpy loops over samples."""
    n, c = logits.shape
    w = np.ones(c) if weight is None else weight
    logp = log_softmax(logits)
    losses, divisor = np.zeros(n), 0.0
    for i, y in enumerate(labels):
        if y == ignore_index:
            continue
        losses[i] = (1 - eps) * -w[y] * logp[i, y] + eps / c * -(w * logp[i]).sum()
        divisor += w[y]
    if reduction == "mean":
        return losses.sum() / divisor
    return losses.sum() if reduction == "sum" else losses


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("eps", [0.0, 0.1, 1.0])
def test_label_smoothing_matches_the_documented_formula(reduction, weighted, eps):
    logits = rng.normal(size=(5, 4))
    labels = np.array([0, 3, -100, 2, 0])  # one ignored sample
    weight = np.array([0.0, 0.5, 2.0, 1.5]) if weighted else None  # class 0 weighs nothing
    loss = nn.CrossEntropyLoss(weight=weight, reduction=reduction, label_smoothing=eps)
    expected = smoothed_cross_entropy_reference(logits, labels, eps, weight, -100, reduction)
    np.testing.assert_allclose(loss(t(logits), labels).numpy(), expected, rtol=1e-12)
    assert gradcheck(lambda x: loss(x, labels), t(logits, True))


def test_label_smoothing_of_probabilities_mixes_in_the_uniform_target():
    target = SOFT / SOFT.sum(axis=1, keepdims=True)
    smoothed = 0.8 * target + 0.2 / 3
    out = F.cross_entropy(t(PRED), target, label_smoothing=0.2)
    np.testing.assert_allclose(out.numpy(), F.cross_entropy(t(PRED), smoothed).numpy(), rtol=1e-13)
    p = t(target, True)  # the gradient reaches the target through the mixing
    assert gradcheck(lambda q: F.cross_entropy(t(PRED), q, label_smoothing=0.2), p)
    with pytest.raises(ValueError, match="label_smoothing must lie in \\[0, 1\\]"):
        F.cross_entropy(t(PRED), target, label_smoothing=1.5)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_squared_error_equals_its_composition_bit_for_bit(reduction):
    x, y = t(PRED, True), t(TARGET, True)
    fused = F.mse_loss(x, y, reduction=reduction)
    fused.backward()
    fused_grads = x.grad.numpy().copy(), y.grad.numpy().copy()
    x.grad = y.grad = None
    diff = x - y
    composed = (diff * diff).mean() if reduction == "mean" else (diff * diff).sum()
    composed.backward()
    assert fused.item() == composed.item()
    np.testing.assert_array_equal(fused_grads[0], x.grad.numpy())
    np.testing.assert_array_equal(fused_grads[1], y.grad.numpy())
    assert gradgradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, y)
    assert fused.grad_fn.name == "SquaredError"  # one node, not four
