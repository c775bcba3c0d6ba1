"""Optimiser and scheduler trajectories against PyTorch itself (skipped without torch)."""

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.01, momentum=0.5, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.3, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05, maximize=True)),
]

SCHEDULERS = [
    (None, {}),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=1e-3)),
]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 3))
    y = np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]
    return X, y


def _our_trajectory(name, kwargs, scheduler, scheduler_kwargs, steps):
    ag.manual_seed(1)
    model = nn.MLP(3, [5], 1, activation="tanh")
    start = {k: v.copy() for k, v in model.state_dict().items()}
    optimizer = getattr(nn.optim, name)(model.parameters(), **kwargs)
    sched = getattr(nn.optim, scheduler)(optimizer, **scheduler_kwargs) if scheduler else None
    X, y = _problem()
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(ag.Tensor(X)), y).backward()
        optimizer.step()
        if sched:
            sched.step()
        trajectory.append([p.numpy().copy() for p in model.parameters()])
    return start, trajectory


def _torch_trajectory(start, name, kwargs, scheduler, scheduler_kwargs, steps):
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1)
    ).double()
    model.load_state_dict({k: torch.tensor(v) for k, v in start.items()})
    optimizer = getattr(torch.optim, name)(model.parameters(), **kwargs)
    sched = None
    if scheduler:
        sched = getattr(torch.optim.lr_scheduler, scheduler)(optimizer, **scheduler_kwargs)
    X, y = (torch.tensor(a) for a in _problem())
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
        if sched:
            sched.step()
        trajectory.append([p.detach().numpy().copy() for p in model.parameters()])
    return trajectory


@pytest.mark.parametrize("name, kwargs", CONFIGS)
@pytest.mark.parametrize("scheduler, scheduler_kwargs", SCHEDULERS)
def test_trajectory_matches_torch(name, kwargs, scheduler, scheduler_kwargs):
    steps = 25
    start, ours = _our_trajectory(name, kwargs, scheduler, scheduler_kwargs, steps)
    theirs = _torch_trajectory(start, name, kwargs, scheduler, scheduler_kwargs, steps)
    for step, (mine, ref) in enumerate(zip(ours, theirs, strict=True)):
        for a, b in zip(mine, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10, err_msg=f"step {step + 1}")
    assert not np.allclose(ours[-1][0], start["0.weight"])  # the optimiser did move
