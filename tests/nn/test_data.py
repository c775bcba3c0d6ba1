"""TensorDataset, Subset, random_split and DataLoader."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import nn

data = nn.data
X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


class CountingDataset(data.TensorDataset):
    """A TensorDataset that counts how often single samples are fetched."""

    def __init__(self, *arrays):
        super().__init__(*arrays)
        self.single_fetches = 0

    def __getitem__(self, index):
        self.single_fetches += 1
        return super().__getitem__(index)


class ListDataset:
    """A generic dataset: only __len__ and __getitem__."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(3, float(i)), i % 2


def test_tensor_dataset_indexing():
    ds = data.TensorDataset(X, ag.Tensor(Y))
    assert len(ds) == 10
    x, y = ds[3]
    np.testing.assert_array_equal(x, [6.0, 7.0])
    assert y == 3
    # tensors sharing the stored memory, as PyTorch's TensorDataset gives
    assert isinstance(x, ag.Tensor) and isinstance(y, ag.Tensor) and y.shape == ()
    assert np.shares_memory(x.numpy(), ds.arrays[0]) and ds[2:4][0].shape == (2, 2)
    with pytest.raises(ValueError, match=r"same first axis, got \(10, 2\), \(9,\)"):
        data.TensorDataset(X, Y[:9])


def test_loader_without_shuffle_yields_consecutive_batches_as_tensors():
    batches = list(data.DataLoader(data.TensorDataset(X, Y), batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    xb, yb = batches[1]
    assert isinstance(xb, ag.Tensor) and isinstance(yb, ag.Tensor) and not xb.requires_grad
    np.testing.assert_array_equal(xb.numpy(), X[4:8])
    np.testing.assert_array_equal(yb.numpy(), Y[4:8])
    assert len(data.DataLoader(data.TensorDataset(X), batch_size=4)) == 3
    assert len(data.DataLoader(data.TensorDataset(X), batch_size=4, drop_last=True)) == 2
    assert [
        len(b[0]) for b in data.DataLoader(data.TensorDataset(X), batch_size=4, drop_last=True)
    ] == [4, 4]


def test_array_backed_batches_are_fetched_by_fancy_indexing():
    ds = CountingDataset(X, Y)
    for _ in data.DataLoader(ds, batch_size=3, shuffle=True, seed=0):
        pass
    for _ in data.DataLoader(data.random_split(ds, [0.5, 0.5], seed=0)[0], batch_size=2):
        pass
    assert ds.single_fetches == 0


def test_generic_datasets_are_collated():
    xb, yb = next(iter(data.DataLoader(ListDataset(5), batch_size=4)))
    assert xb.shape == (4, 3) and yb.shape == (4,)
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 0, 1])


def test_shuffle_is_seeded_and_new_each_epoch():
    loader = data.DataLoader(data.TensorDataset(Y), batch_size=10, shuffle=True, seed=3)
    first, second = (next(iter(loader))[0].numpy() for _ in range(2))
    assert sorted(first) == list(range(10)) and not np.array_equal(first, second)
    again = data.DataLoader(data.TensorDataset(Y), batch_size=10, shuffle=True, seed=3)
    np.testing.assert_array_equal(next(iter(again))[0].numpy(), first)

    ag.manual_seed(11)
    a = next(iter(data.DataLoader(data.TensorDataset(Y), batch_size=10, shuffle=True)))[0].numpy()
    ag.manual_seed(11)
    b = next(iter(data.DataLoader(data.TensorDataset(Y), batch_size=10, shuffle=True)))[0].numpy()
    np.testing.assert_array_equal(a, b)


@given(
    n=st.integers(1, 40),
    batch_size=st.integers(1, 12),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
)
def test_an_epoch_visits_every_sample_once(n, batch_size, drop_last, shuffle):
    loader = data.DataLoader(
        data.TensorDataset(np.arange(n)), batch_size, shuffle, drop_last, seed=0
    )
    seen = [b[0].numpy() for b in loader]
    assert len(seen) == len(loader)
    assert all(len(b) == batch_size for b in seen[: n // batch_size])
    visited = np.concatenate(seen) if seen else np.array([], int)
    expected_count = (n // batch_size) * batch_size if drop_last else n
    assert len(visited) == expected_count and len(set(visited.tolist())) == expected_count


def test_random_split_by_lengths_and_fractions():
    ds = data.TensorDataset(np.arange(10))
    parts = data.random_split(ds, [3, 7], seed=0)
    assert [len(p) for p in parts] == [3, 7]
    together = np.concatenate([p.__getitems__(np.arange(len(p)))[0] for p in parts])
    assert sorted(together.tolist()) == list(range(10))
    assert [len(p) for p in data.random_split(ds, [0.25, 0.25, 0.5], seed=0)] == [3, 2, 5]
    a = data.random_split(ds, [0.5, 0.5], seed=1)[0].indices
    b = data.random_split(ds, [0.5, 0.5], generator=np.random.default_rng(1))[0].indices
    np.testing.assert_array_equal(a, b)
    assert parts[0][0][0] == ds[int(parts[0].indices[0])][0]
    with pytest.raises(ValueError, match="sum to the dataset's length 10"):
        data.random_split(ds, [3, 3])
    with pytest.raises(ValueError, match="fractions .* must sum to 1"):
        data.random_split(ds, [0.5, 0.6])


def test_loader_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        data.DataLoader(data.TensorDataset(X), batch_size=0)
