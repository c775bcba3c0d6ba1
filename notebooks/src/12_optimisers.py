# %% [markdown]
# # 12. Optimisers and regularisation
#
# Two questions about training that every network meets:
#
# 1. **How to step.** Plain gradient descent, momentum, Nesterov momentum, RMSprop and
#    Adam, run by `nn.optim` on a two-parameter loss surface where their paths can be
#    drawn; and learning-rate schedules.
# 2. **How not to memorise.** A network with far more parameters than training points
#    fits their noise and does worse on new points. Weight decay, dropout and early
#    stopping are tried, the setting is **chosen on a validation split**, and the test
#    split is used **once**, for the chosen model.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F

# %% [markdown]
# ## Five optimisers on a curved valley
#
# The loss surface is Rosenbrock's valley (with a milder wall), $L(x, y) = (1 - x)^2 +
# 10\,(y - x^2)^2$: a curved, narrow valley whose floor slopes gently to the minimum at
# $(1, 1)$. Steep across the valley, flat along it: plain gradient descent must take small
# steps (or it bounces between the walls) and then crawls along the floor. Every optimiser
# starts at $(-1.5, 2)$ and takes 300 steps, with its best learning rate from a grid
# (the one with the lowest final loss; a diverging run counts as infinitely bad).


# %%
def valley(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 10 * (y - x**2) ** 2


START, STEPS = (-1.5, 2.0), 300
optimisers = {
    "SGD": lambda ps, lr: nn.optim.SGD(ps, lr=lr),
    "momentum 0.9": lambda ps, lr: nn.optim.SGD(ps, lr=lr, momentum=0.9),
    "Nesterov 0.9": lambda ps, lr: nn.optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
    "RMSprop": lambda ps, lr: nn.optim.RMSprop(ps, lr=lr),
    "Adam": lambda ps, lr: nn.optim.Adam(ps, lr=lr),
}
GRID = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)


def run(make_optimizer, lr, steps=STEPS, scheduler=None, noise=0.0):
    """Minimise the valley from START; `noise`: std of Gaussian noise added to gradients."""
    p = ag.tensor(START, requires_grad=True, dtype=np.float64)
    optimizer = make_optimizer([p], lr)
    schedule = scheduler(optimizer) if scheduler else None
    rng = np.random.default_rng(0)
    path, losses = [p.numpy().copy()], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = valley(p)
        (loss + (ag.tensor(noise * rng.standard_normal(2)) * p).sum()).backward()
        optimizer.step()
        if schedule:
            schedule.step()
        path.append(p.numpy().copy())
        losses.append(loss.item())
    return np.array(path), np.array(losses)


best_lr, paths = {}, {}
with np.errstate(all="ignore"):  # the diverging runs overflow
    for name, make in optimisers.items():
        finals = {lr: run(make, lr)[1][-1] for lr in GRID}
        best_lr[name] = min(GRID, key=lambda lr: np.nan_to_num(finals[lr], nan=np.inf))
        paths[f"{name}, lr {best_lr[name]:g}"] = run(make, best_lr[name])

xs, ys = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-0.5, 3, 300))
surface = (1 - xs) ** 2 + 10 * (ys - xs**2) ** 2
fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5))
left.contour(xs, ys, np.log10(surface + 1e-3), levels=25, cmap="Greys", linewidths=0.7)
for name, (path, _) in paths.items():
    left.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, label=name)
left.plot(*START, "ko")
left.plot(1, 1, "r*", ms=14, label="minimum (1, 1)")
left.set_xlabel("x")
left.set_ylabel("y")
left.set_title("paths on log L(x, y)")
left.legend(fontsize=8)
for name, (_, losses) in paths.items():
    right.semilogy(losses, label=name)
right.set_xlabel("step")
right.set_ylabel("loss L(x, y)")
right.legend(fontsize=8)
plt.show()
distance = {
    name.split(",")[0]: float(np.hypot(*(path[-1] - 1))) for name, (path, _) in paths.items()
}
for name, d in distance.items():
    print(f"{name:<14} best lr {best_lr[name]:<6g} distance to (1, 1) after {STEPS} steps: "
          f"{d:.2e}")  # fmt: skip

# %% [markdown]
# Plain SGD needs a small learning rate (0.05 already diverges: the walls are steep) and
# then crawls along the floor. Momentum accumulates the consistent part of the gradient, along the
# floor, and its oscillations across the valley cancel; Nesterov evaluates the gradient
# where momentum is about to carry it, so it overshoots less. RMSprop and Adam divide each
# coordinate's step by a running root-mean-square of its gradients, so the steep and the
# flat direction move at similar speeds; Adam adds momentum on top. RMSprop's steps stay
# about the learning rate in size even near the minimum, so it jitters there: that is
# what a decaying learning rate is for.
#
# ## Learning-rate schedules
#
# A schedule changes the learning rate as training goes on, `scheduler.step()` once per
# epoch (here: per step). Large steps first to travel, small steps at the end to settle.
# Settling matters when gradients are noisy, as mini-batch gradients are: here each
# gradient gets Gaussian noise of standard deviation 1, and SGD with momentum (learning
# rate 0.01) runs with each schedule.

# %%
schedules = {
    "constant": None,
    "StepLR(step_size=100, gamma=0.3)": lambda o: nn.optim.StepLR(o, step_size=100, gamma=0.3),
    "ExponentialLR(gamma=0.99)": lambda o: nn.optim.ExponentialLR(o, gamma=0.99),
    "CosineAnnealingLR(T_max=300)": lambda o: nn.optim.CosineAnnealingLR(o, T_max=STEPS),
}
fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4))
scheduled = {}
for name, make_schedule in schedules.items():
    probe = nn.optim.SGD([ag.tensor([0.0], requires_grad=True)], lr=0.01, momentum=0.9)
    schedule = make_schedule(probe) if make_schedule else None
    rates = []
    for _ in range(STEPS):
        rates.append(probe.param_groups[0]["lr"])
        if schedule:
            schedule.step()
    left.plot(rates, label=name)
    _, losses = run(optimisers["momentum 0.9"], 0.01, scheduler=make_schedule, noise=1.0)
    scheduled[name] = losses[-20:].mean()
    right.semilogy(losses, label=name)
left.set_xlabel("step")
left.set_ylabel("learning rate")
left.legend(fontsize=8)
right.set_xlabel("step")
right.set_ylabel("loss L(x, y), noisy gradients")
right.legend(fontsize=8)
plt.show()
for name, loss in scheduled.items():
    print(f"{name:<34} mean loss over the last 20 steps {loss:.1e}")

# %% [markdown]
# ## Over-fitting, and three cures
#
# A regression with few points: $y = \sin x + \varepsilon$, $\varepsilon \sim
# \mathcal N(0, 0.3^2)$, $x$ uniform in $[-3, 3]$. **20 training points**, 100 for
# validation, 1,000 for the test, all drawn once from one seeded generator. The network,
# two hidden layers of 128 tanh units (16,897 parameters for 20 points), is trained
# full-batch with Adam (learning rate 0.01) for 1,000 epochs on the mean squared error.
# The best any model can do is the noise's variance, 0.09.

# %%
rng = np.random.default_rng(0)


def draw(n):
    x = rng.uniform(-3, 3, (n, 1))
    return x, np.sin(x) + 0.3 * rng.standard_normal((n, 1))


(x_train, y_train), (x_val, y_val), (x_test, y_test) = draw(20), draw(100), draw(1000)
EPOCHS = 1000


def make_model(dropout=0.0):
    ag.manual_seed(0)
    return nn.Sequential(
        nn.Linear(1, 128), nn.Tanh(), nn.Dropout(dropout),
        nn.Linear(128, 128), nn.Tanh(), nn.Dropout(dropout), nn.Linear(128, 1),
    )  # fmt: skip


@ag.no_grad()
def mse(model, x, y):
    model.eval()
    error = F.mse_loss(model(ag.tensor(x)), ag.tensor(y)).item()
    model.train()
    return error


def train(dropout=0.0, weight_decay=0.0):
    """Returns the model with the weights of its best validation epoch (early stopping),
    its history (training MSE, validation MSE) and that epoch."""
    model = make_model(dropout)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01, weight_decay=weight_decay)
    inputs, targets = ag.tensor(x_train), ag.tensor(y_train)
    history, best = [], (np.inf, None, -1)
    for epoch in range(EPOCHS):
        optimizer.zero_grad()
        loss = F.mse_loss(model(inputs), targets)
        loss.backward()
        optimizer.step()
        history.append((loss.item(), mse(model, x_val, y_val)))
        if history[-1][1] < best[0]:
            best = (history[-1][1], {k: v.copy() for k, v in model.state_dict().items()}, epoch)
    final = {k: v.copy() for k, v in model.state_dict().items()}
    model.load_state_dict(best[1])
    return model, np.array(history), best[2], final


baseline, base_history, best_epoch, base_final = train()
grid_x = np.linspace(-3, 3, 200)[:, None]
overfit = make_model()
overfit.load_state_dict(base_final)
with ag.no_grad():
    overfit_curve = overfit(ag.tensor(grid_x)).numpy()
    stopped_curve = baseline(ag.tensor(grid_x)).numpy()
fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4))
left.semilogy(base_history[:, 0], label="training MSE")
left.semilogy(base_history[:, 1], label="validation MSE")
left.axhline(0.09, color="k", ls=":", lw=1, label="noise variance 0.09")
left.axvline(best_epoch, color="C2", lw=1, label=f"lowest validation (epoch {best_epoch + 1})")
left.set_xlabel("epoch")
left.set_ylabel("mean squared error")
left.legend(fontsize=8)
right.plot(x_train, y_train, "ko", label="20 training points")
right.plot(x_val, y_val, ".", color="0.7", label="validation points")
right.plot(grid_x, np.sin(grid_x), "k:", label="sin x")
right.plot(grid_x, overfit_curve, label=f"after {EPOCHS} epochs")
right.plot(grid_x, stopped_curve, label=f"stopped early (epoch {best_epoch + 1})")
right.set_xlabel("x")
right.set_ylabel("y")
right.legend(fontsize=8)
plt.show()
print(f"after {EPOCHS} epochs: training MSE {base_history[-1, 0]:.3f}, validation MSE "
      f"{base_history[-1, 1]:.3f}")  # fmt: skip
print(f"lowest validation MSE {base_history[best_epoch, 1]:.3f} at epoch {best_epoch + 1}")

# %% [markdown]
# The training error falls far below the noise: the network threads its curve through
# the noise of the 20 points, and the validation error, after its low point, rises again.
# Three cures:
#
# * **Early stopping**: keep the weights of the epoch with the lowest validation error.
# * **Weight decay** (`weight_decay=λ`): adds $\lambda w$ to every gradient, the gradient
#   of $\frac{\lambda}{2}\lVert w\rVert^2$, pulling weights toward 0: smoother functions.
# * **Dropout** (`nn.Dropout(p)`): in training, each hidden unit is zeroed with
#   probability $p$ (and the rest scaled by $1/(1-p)$), so no unit can rely on a few
#   others; `model.eval()` turns it off.
#
# Each setting is judged by its lowest validation error over the epochs (so each also
# stops early); the test points are not looked at.

# %%
candidates = {
    "no regularisation": {},
    "weight decay 0.001": {"weight_decay": 1e-3},
    "weight decay 0.01": {"weight_decay": 1e-2},
    "dropout 0.1": {"dropout": 0.1},
    "dropout 0.3": {"dropout": 0.3},
}
runs = {"no regularisation": (baseline, base_history, best_epoch, base_final)}
for name, settings in candidates.items():
    if name not in runs:
        runs[name] = train(**settings)

fig, ax = plt.subplots(figsize=(9, 4))
print(f"{'':<22}{'best epoch':>11}{'val MSE':>9}{'final val MSE':>15}")
for name, (_, history, epoch, _) in runs.items():
    ax.semilogy(history[:, 1], label=name)
    print(f"{name:<22}{epoch + 1:>11}{history[epoch, 1]:>9.3f}{history[-1, 1]:>15.3f}")
ax.axhline(0.09, color="k", ls=":", lw=1, label="noise variance")
ax.set_xlabel("epoch")
ax.set_ylabel("validation MSE")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The test split, once
#
# The candidate with the lowest validation error, at its best epoch, is the model; it
# alone is evaluated on the test points.

# %%
validation = {name: run_[1][run_[2], 1] for name, run_ in runs.items()}
chosen = min(validation, key=validation.get)
test_mse = mse(runs[chosen][0], x_test, y_test)
print(f"chosen on validation: {chosen} (validation MSE {validation[chosen]:.3f})")
print(f"test MSE {test_mse:.3f} on {len(x_test)} points (the noise alone: 0.09)")

# %% [markdown]
# The test number is an honest estimate only because nothing was chosen with it: had we
# picked the setting with the best *test* score among five, that score would be biased
# low (notebook 7 makes the same point).
#
# ## Exercises
#
# 1. **Momentum's effective step.** With momentum $\mu$, a constant gradient $g$ gives
#    steps that approach $\text{lr}\cdot g / (1 - \mu)$. What is the factor $1/(1-\mu)$
#    for $\mu = 0.9$? Set `answer_factor`, then check it by running `nn.optim.SGD` on
#    $L(w) = w$ (gradient 1) for many steps.
# 2. **Dropout's scale.** In training mode, `nn.Dropout(0.2)` keeps each entry with
#    probability 0.8. By what factor are the kept entries multiplied, so the expected
#    output equals the input? Set `answer_scale`.

# %%
answer_factor = 1 / (1 - 0.9)  # 10
answer_scale = 1 / (1 - 0.2)  # 1.25
w = ag.tensor([0.0], requires_grad=True, dtype=np.float64)
sgd = nn.optim.SGD([w], lr=1.0, momentum=0.9)
before = 0.0
for _ in range(200):
    sgd.zero_grad()
    w.sum().backward()
    sgd.step()
    last_step, before = before - w.item(), w.item()
print(f"factor {answer_factor:g}, last step of SGD on L(w) = w: {last_step:.6f}; "
      f"dropout scale {answer_scale:g}")  # fmt: skip

# %% [markdown]
# ## Checks

# %%
assert best_lr["SGD"] <= 0.02 and distance["SGD"] > 10 * distance["momentum 0.9"]
assert distance["Adam"] < 1e-3 and distance["Nesterov 0.9"] < 1e-3
assert all(scheduled[n] < scheduled["constant"] / 5 for n in schedules if n != "constant")
assert base_history[-1, 0] < 0.05 < 0.09, "the network fits the noise of the training points"
assert base_history[-1, 1] > 1.05 * base_history[best_epoch, 1], "validation error rises again"
assert chosen != "no regularisation", "a cure wins on validation"
assert validation[chosen] < 0.85 * validation["no regularisation"]
assert 0.09 < test_mse < 0.2, "an honest test error, above the noise"
assert abs(last_step - answer_factor) < 1e-6, "exercise 1"
drop = nn.Dropout(0.2)
kept = drop(ag.ones((1000,))).numpy()
assert np.allclose(kept[kept > 0], answer_scale), "exercise 2"
print("all checks passed")
