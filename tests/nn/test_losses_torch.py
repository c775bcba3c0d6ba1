"""Cross-entropy with class weights, ignore_index and label smoothing against PyTorch itself
(skipped without torch): values and input gradients, labels and probabilities, 2-d and 3-d."""

import itertools

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)


@pytest.mark.parametrize(
    "shape, probabilities, weighted, reduction, eps",
    list(
        itertools.product(
            [(5, 4), (3, 4, 2)], [False, True], [False, True], ["mean", "sum", "none"], [0, 0.1, 1]
        )
    ),
)
def test_cross_entropy_matches_torch(shape, probabilities, weighted, reduction, eps):
    x = rng.normal(size=shape)
    n, c = shape[:2]
    if probabilities:
        target = rng.uniform(size=shape)
        target /= target.sum(axis=1, keepdims=True)
    else:
        target = rng.integers(0, c, size=(n,) + shape[2:])
        target.flat[1] = -100  # ignored
    weight = rng.uniform(0.5, 2, size=c) if weighted else None
    if weighted:
        weight[0] = 0.0

    xt = torch.tensor(x, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(
        xt,
        torch.tensor(target),
        None if weight is None else torch.tensor(weight),
        reduction=reduction,
        label_smoothing=eps,
    )
    expected.sum().backward()

    xa = ag.tensor(x, requires_grad=True)
    loss = nn.functional.cross_entropy(xa, target, weight, reduction=reduction, label_smoothing=eps)
    loss.sum().backward()
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-13)
