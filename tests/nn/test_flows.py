"""nn.flows.make_vortex_streets, the synthetic stand-in for load_reynolds: deterministic,
balanced, rougher as Re rises, and learnable but not linearly."""

import numpy as np
import pytest

from nn.flows import make_vortex_streets


def test_vortex_streets_shapes_labels_and_determinism():
    X, y = make_vortex_streets(40, seed=3)
    assert X.shape == (40, 4096) and X.dtype == np.float32 and np.isfinite(X).all()
    assert y.shape == (40,) and y.dtype == np.float64
    assert np.unique(y, return_counts=True)[1].tolist() == [10, 10, 10, 10]
    X_again, y_again = make_vortex_streets(40, seed=3)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = make_vortex_streets(40, seed=4)
    assert not np.allclose(X, X_other)
    X_small, y_small = make_vortex_streets(7, reynolds=(500, 1000), size=32, seed=0)
    assert X_small.shape == (7, 1024) and set(y_small) == {500.0, 1000.0}


def test_vortex_streets_check_their_arguments():
    with pytest.raises(ValueError, match="n"):
        make_vortex_streets(0)
    with pytest.raises(ValueError, match="size"):
        make_vortex_streets(4, size=4)
    with pytest.raises(ValueError, match="reynolds"):
        make_vortex_streets(4, reynolds=())
    with pytest.raises(ValueError, match="reynolds"):
        make_vortex_streets(4, reynolds=(300, -5))


def test_vortex_streets_grow_rougher_with_reynolds():
    X, y = make_vortex_streets(400, seed=0)
    images = X.reshape(-1, 64, 64).astype(np.float64)
    roughness = np.abs(np.diff(images, axis=2)).mean(axis=(1, 2))  # small-scale activity
    per_class = [roughness[y == re] for re in (300, 600, 900, 1200)]
    for low, high in zip(per_class, per_class[1:]):  # increases, neighbours well apart
        assert high.mean() - low.mean() > 2 * max(low.std(), high.std())


def ridge_r2(features: np.ndarray, y: np.ndarray, train: int, alpha: float) -> float:
    """Test R^2 of closed-form ridge regression (dual form) fit on the first `train` rows."""
    F = (features - features[:train].mean(axis=0)) / features[:train].std()
    F_train, y_mean = F[:train], y[:train].mean()
    dual = np.linalg.solve(F_train @ F_train.T + alpha * np.eye(train), y[:train] - y_mean)
    predicted = F[train:] @ (F_train.T @ dual) + y_mean
    return 1 - np.mean((y[train:] - predicted) ** 2) / y[train:].var()


def test_vortex_streets_are_learnable_but_not_linearly():
    X, y = make_vortex_streets(1200, seed=1)
    images = X.reshape(-1, 64, 64).astype(np.float64)
    linear = ridge_r2(images.reshape(1200, -1), y, 900, alpha=100.0)
    energy = np.c_[(images**2).mean(axis=1), (images**2).mean(axis=2)]  # per column and row
    nonlinear = ridge_r2(energy, y, 900, alpha=1.0)
    assert 0.3 < linear < 0.85  # a linear model gets part of the way
    assert nonlinear > 0.85 and nonlinear > linear + 0.2  # the rest is in the field's energy
