"""End to end: nn.MLP(64, [128], 10) + Adam on scikit-learn's bundled digits."""

import contextlib
import time

import numpy as np
import pytest

import autograd as ag
import nn


def single_threaded_blas():
    """Small matmuls gain nothing from BLAS threads; on a busy machine they lose 10x."""
    try:
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def test_mlp_learns_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    with single_threaded_blas():
        accuracy, losses, elapsed = train_on_digits(datasets)
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f} after 30 epochs"
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) / 5
    assert elapsed < 30, f"training took {elapsed:.1f} s"


def train_on_digits(datasets):
    X, y = datasets.load_digits(return_X_y=True)
    X = X / 16.0
    ag.manual_seed(0)
    train, test = nn.data.random_split(nn.data.TensorDataset(X, y), [0.8, 0.2], seed=0)
    X_test, y_test = test.__getitems__(np.arange(len(test)))

    model = nn.MLP(64, [128], 10)
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    loader = nn.data.DataLoader(train, batch_size=64, shuffle=True, seed=0)
    start = time.perf_counter()
    accuracy, losses = 0.0, []
    for _epoch in range(30):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with ag.no_grad():
            accuracy = (model(ag.Tensor(X_test)).argmax(axis=1).numpy() == y_test).mean()
        if accuracy >= 0.95:
            break
    return accuracy, losses, time.perf_counter() - start
