"""Learning-rate schedules against their closed forms."""

import math

import numpy as np
import pytest

import nn

optim = nn.optim


def make_optimizer(lr=0.1):
    return optim.SGD(
        [{"params": [nn.Parameter(np.ones(1))]}, {"params": [nn.Parameter(np.ones(1))], "lr": 1.0}],
        lr=lr,
    )


def lrs(optimizer, scheduler, epochs):
    seen = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    return np.array(seen)


def test_step_lr():
    optimizer = make_optimizer()
    got = lrs(optimizer, optim.StepLR(optimizer, step_size=3, gamma=0.5), 9)
    expected = [[0.1 * 0.5 ** (t // 3), 1.0 * 0.5 ** (t // 3)] for t in range(10)]
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_exponential_lr():
    optimizer = make_optimizer()
    got = lrs(optimizer, optim.ExponentialLR(optimizer, gamma=0.9), 6)
    np.testing.assert_allclose(got[:, 0], [0.1 * 0.9**t for t in range(7)], rtol=1e-15)


def test_cosine_annealing_lr():
    optimizer = make_optimizer()
    got = lrs(optimizer, optim.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.01), 10)
    expected = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-14)
    assert got[-1, 0] == pytest.approx(0.01) and got[0, 1] == 1.0


def test_scheduler_state_round_trips():
    optimizer = make_optimizer()
    scheduler = optim.StepLR(optimizer, step_size=2, gamma=0.1)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    assert state["last_epoch"] == 3 and "optimizer" not in state

    fresh_optimizer = make_optimizer()
    fresh_optimizer.load_state_dict(optimizer.state_dict())
    fresh = optim.StepLR(fresh_optimizer, step_size=2, gamma=0.1)
    fresh.load_state_dict(state)
    scheduler.step()
    fresh.step()
    assert fresh.get_last_lr() == scheduler.get_last_lr()


def test_scheduler_errors():
    optimizer = make_optimizer()
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        optim.StepLR(optimizer, step_size=0)
    with pytest.raises(KeyError, match="initial_lr"):
        optim.ExponentialLR(optimizer, gamma=0.5, last_epoch=4)
    with pytest.raises(TypeError, match="expected an Optimizer"):
        optim.StepLR(object(), step_size=1)
