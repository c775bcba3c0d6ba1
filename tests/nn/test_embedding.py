"""Embedding: against PyTorch, repeated indices accumulate, padding_idx gets no gradient."""

import numpy as np
import pytest
from torch_compare import compare_with_torch, load_from_torch

import autograd as ag
import nn
from autograd.testing import gradcheck
from nn import functional as F

rng = np.random.default_rng(16)


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx):
    torch = pytest.importorskip("torch")
    layer = nn.Embedding(7, 3, padding_idx=padding_idx)
    twin = torch.nn.Embedding(7, 3, padding_idx=padding_idx, dtype=torch.float64)
    with torch.no_grad():
        twin.weight[5] = 1.0  # loaded values, padding row included, come through
    load_from_torch(layer, twin)
    indices = np.array([[0, 2, 2, 5], [6, 5, 2, 1]])
    compare_with_torch(layer, twin, indices, torch)


def test_repeated_indices_accumulate():
    layer = nn.Embedding(4, 2)
    layer(np.array([1, 1, 3, 1])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[:, 0], [0.0, 3.0, 0.0, 1.0])


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    layer = nn.Embedding(4, 2, padding_idx=0)
    np.testing.assert_array_equal(layer.weight.numpy()[0], [0.0, 0.0])
    layer(ag.tensor(np.array([0, 1, 0]))).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[0], [0.0, 0.0])
    np.testing.assert_array_equal(layer.weight.grad.numpy()[1], [1.0, 1.0])


def test_embedding_gradcheck_and_index_errors():
    weight = ag.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    indices = np.array([[4, 0], [4, 4]])
    assert gradcheck(lambda w: F.embedding(indices, w) ** 2, weight)
    with pytest.raises(IndexError, match="indices must lie in \\[0, 5\\)"):
        F.embedding(np.array([5]), weight)
    with pytest.raises(TypeError, match="indices must be integers"):
        F.embedding(np.array([0.0]), weight)


def test_embedding_keeps_its_own_copy_of_the_indices():
    layer = nn.Embedding(4, 2)
    indices = np.array([1, 2])
    out = layer(indices)
    indices[:] = 3  # the caller reuses its array before backward
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[:, 0], [0.0, 1.0, 1.0, 0.0])
