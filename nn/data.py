"""Datasets and mini-batches, numpy-based; batches come out as `autograd.Tensor`s.

A dataset is anything with `__len__` and `__getitem__(i)`. Array-backed datasets
(`TensorDataset`, and `Subset`s of them) also answer `__getitems__(indices)` with a
whole batch by fancy indexing, so `DataLoader` never loops over samples for them.

    data = TensorDataset(X, y)                       # X (N, 64), y (N,)
    train, test = random_split(data, [0.8, 0.2], seed=0)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True, seed=0):
        ...                                          # xb (32, 64), yb (32,) Tensors
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor


class TensorDataset:
    """Samples are rows of equally long arrays: `dataset[i] == (X[i], y[i])`, as tensors
    sharing the stored memory (PyTorch's); a DataLoader takes whole batches at once."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(a._data if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        lengths = [len(a) if a.ndim else None for a in self.arrays]
        if None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: all arrays need the same first axis, got {shapes}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(np.asarray(a[index])) for a in self.arrays)

    def __getitems__(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(a[indices] for a in self.arrays)


class Subset:
    """The samples of `dataset` at `indices` (what `random_split` returns)."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: np.ndarray) -> Any:
        return fetch(self.dataset, self.indices[indices])


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: Any = None,
    seed: int | None = None,
) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths, or of the given
    fractions (summing to 1; rounding leftovers go one each to the first subsets, as in
    PyTorch). Randomness: `generator`, else a new one from `seed`, else autograd's."""
    total = len(dataset)
    if any(isinstance(n, float) for n in lengths):  # fractions
        if not math.isclose(sum(lengths), 1.0):
            raise ValueError(f"random_split: fractions {list(lengths)} must sum to 1")
        counts = [math.floor(total * fraction) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(n) for n in lengths]
    if sum(counts) != total or any(n < 0 for n in counts):
        raise ValueError(
            f"random_split: lengths {list(lengths)} must be non-negative and sum to the "
            f"dataset's length {total} (or be fractions summing to 1)"
        )
    order = _rng(generator, seed).permutation(total)
    bounds = np.cumsum([0, *counts])
    return [
        Subset(dataset, order[start:stop])
        for start, stop in zip(bounds[:-1], bounds[1:], strict=True)
    ]


class DataLoader:
    """Iterate over mini-batches of a dataset; each batch is a Tensor or tuple of Tensors.

    `shuffle=True` draws a new order every epoch (each `iter`) from `generator` (an
    `autograd.Generator`, or a numpy Generator), else a generator made once from `seed`,
    else autograd's default generator. `drop_last=True`
    skips a final batch smaller than `batch_size`.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: Any = None,
        seed: int | None = None,
    ) -> None:
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool):
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got "
                f"{type(batch_size).__name__} {batch_size!r}"
            )
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size}")
        batch_size = int(batch_size)
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator = (
            generator if generator is not None or seed is None else np.random.default_rng(seed)
        )

    def __len__(self) -> int:
        count = len(self.dataset) / self.batch_size
        return math.floor(count) if self.drop_last else math.ceil(count)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = _rng(self.generator, None).permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield _to_tensors(fetch(self.dataset, order[start : start + self.batch_size]))


def fetch(dataset: Any, indices: np.ndarray) -> Any:
    """The samples at `indices` stacked into a batch: one fancy-indexing call for
    array-backed datasets, else one `__getitem__` per sample and a stack."""
    if hasattr(dataset, "__getitems__"):
        return dataset.__getitems__(indices)
    return collate([dataset[int(i)] for i in indices])


def collate(samples: list[Any]) -> Any:
    """Stack a list of samples (arrays, numbers, or tuples of them) into batch arrays."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(collate(list(field)) for field in zip(*samples, strict=True))
    return np.stack([s._data if isinstance(s, Tensor) else np.asarray(s) for s in samples])


def _to_tensors(batch: Any) -> Any:
    if isinstance(batch, tuple):
        return tuple(_to_tensors(item) for item in batch)
    return batch if isinstance(batch, Tensor) else Tensor(np.asarray(batch))


def _rng(generator: Any, seed: int | None) -> np.random.Generator:
    if generator is not None:  # an autograd.Generator or a numpy Generator
        return ag.creation.numpy_rng(generator)
    if seed is not None:
        return np.random.default_rng(seed)
    return ag.default_rng()
