# %% [markdown]
# # 4. Backpropagation by hand vs automatic differentiation
#
# Before automatic differentiation, every network came with a hand-derived backward pass.
# This notebook writes one for a two-layer sigmoid network, checks it against the engine,
# and then lets the engine take over: a ReLU network, mini-batches, and a real regression
# problem, predicting the Reynolds number of a flow from a snapshot of its vorticity.

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
from autograd import viz
from nn import datasets

warnings.filterwarnings("ignore", message="IProgress not found")  # text bars without widgets
from tqdm.auto import tqdm  # noqa: E402

ag.manual_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## A small regression problem
#
# Two inputs, one output: $y = x_1^2 + x_2^2$ on the square $[-1.5, 1.5]^2$, so the
# targets run from 0 to 4.5.

# %%
N = 400
X = rng.uniform(-1.5, 1.5, size=(N, 2))
y = (X**2).sum(axis=1, keepdims=True)
print(f"X: {X.shape}, y: {y.shape}, y from {y.min():.2f} to {y.max():.2f}")

# %% [markdown]
# ## The two-layer sigmoid network, backward by hand
#
# With a column of ones appended to carry the biases ($\tilde X = [X, 1]$,
# $\tilde h = [h, 1]$):
#
# $$h = \sigma(\tilde X \theta_1), \qquad \hat y = \sigma(\tilde h\, \theta_2), \qquad
# L = \frac1N \sum_n (\hat y_n - y_n)^2 .$$
#
# The backward pass is the chain rule, layer by layer, from the loss down. With
# $\sigma' = \sigma(1 - \sigma)$ and $\odot$ for elementwise products:
#
# $$\delta_2 = \frac{\partial L}{\partial (\tilde h\theta_2)}
#   = \frac2N(\hat y - y) \odot \hat y \odot (1 - \hat y), \qquad
#   \frac{\partial L}{\partial \theta_2} = \tilde h^\top \delta_2,$$
#
# $$\delta_1 = \frac{\partial L}{\partial (\tilde X\theta_1)}
#   = (\delta_2\, \theta_2^{\top})_{\text{without the bias row}} \odot h \odot (1 - h), \qquad
#   \frac{\partial L}{\partial \theta_1} = \tilde X^\top \delta_1 .$$


# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def with_ones(a):
    return np.hstack([a, np.ones((len(a), 1))])


def forward(X, theta1, theta2):
    h = sigmoid(with_ones(X) @ theta1)
    return h, sigmoid(with_ones(h) @ theta2)


def backward_theta2(X, y, theta1, theta2):
    h, y_hat = forward(X, theta1, theta2)
    delta2 = 2 / len(X) * (y_hat - y) * y_hat * (1 - y_hat)
    return with_ones(h).T @ delta2


def backward_theta1(X, y, theta1, theta2):
    h, y_hat = forward(X, theta1, theta2)
    delta2 = 2 / len(X) * (y_hat - y) * y_hat * (1 - y_hat)
    delta1 = (delta2 @ theta2[:-1].T) * h * (1 - h)
    return with_ones(X).T @ delta1


HIDDEN = 16
theta1 = rng.normal(0, 1, size=(3, HIDDEN))
theta2 = rng.normal(0, 1, size=(HIDDEN + 1, 1))

# %% [markdown]
# ## The same network through the engine
#
# The forward pass written with tensors; `backward()` derives everything else.

# %%
t1 = ag.tensor(theta1, requires_grad=True)
t2 = ag.tensor(theta2, requires_grad=True)
ones = ag.ones((N, 1))
h = ag.sigmoid(ag.concatenate([ag.tensor(X), ones], axis=1) @ t1)
y_hat = ag.sigmoid(ag.concatenate([h, ones], axis=1) @ t2)
loss = ((y_hat - ag.tensor(y)) ** 2).mean()
loss.backward()

difference_1 = np.abs(t1.grad.numpy() - backward_theta1(X, y, theta1, theta2)).max()
difference_2 = np.abs(t2.grad.numpy() - backward_theta2(X, y, theta1, theta2)).max()
print(f"loss = {loss.item():.6f}")
print(f"max |engine - by hand| for theta1: {difference_1:.1e}, for theta2: {difference_2:.1e}")

# %% [markdown]
# Same gradients, to the last few bits. The engine needed no derivation: it recorded
# the forward pass and ran the local derivative of each of its primitives backwards.
#
# ## Where paths meet, step by step
#
# Backpropagation's one rule beyond the chain rule: where a value feeds several ops, its
# gradient is the **sum** of what comes back along each path. In
# $L = \tanh(ab + a)\,(ab)$, $a$ feeds two ops (the product $c = ab$ and the
# sum) and so does $c$: three paths lead from $a$ to $L$. The
# explorer below plays backward one edge at a time and shows the running sum at each
# meeting point (`a + b = total (2 of 3 contributions, so far)`), ending at `.grad`.

# %%
a_meet = ag.tensor(0.5, requires_grad=True)
b_meet = ag.tensor(-1.5, requires_grad=True)
c_meet = a_meet * b_meet
meet_loss = ag.tanh(c_meet + a_meet) * c_meet
meet_steps = viz.trace_backward(meet_loss, params={"a": a_meet, "b": b_meet})
contributions_to_a = [float(g) for g in meet_steps.contributions_to(a_meet)]
print(f"dL/da = {' + '.join(f'{g:.4f}' for g in contributions_to_a)} = {a_meet.grad.item():.4f}")
viz.explore(meet_loss, params={"a": a_meet, "b": b_meet})

# %% [markdown]
# And a small MLP, `nn.MLP(2, [3], 1)` on four samples with the squared error: each
# weight matrix is a node, the batch flows through as (4, ·) tensors, and "collapse
# modules" shows one box per layer.

# %%
ag.manual_seed(0)
tiny = nn.MLP(2, [3], 1)
tiny_loss = nn.MSELoss()(tiny(ag.tensor(X[:4])), ag.tensor(y[:4]))
viz.trace_backward(tiny_loss, params=tiny)
tiny_page = viz.explore(tiny_loss, params=tiny)
print(f"{tiny_page.frames} frames")
tiny_page

# ## Training it, and why the prediction stops at 1.0
#
# Gradient descent with the hand-written gradients. The loss falls and then stalls; the
# scatter of predictions against targets shows why: the output unit is a sigmoid, whose
# values lie in $(0, 1)$. Every target above 1 is predicted as (nearly) 1.0, and as
# $\hat y \to 1$ its derivative $\hat y(1 - \hat y)$ vanishes, so the gradient no longer
# pushes. For regression the output layer must be linear.

# %%
LR, EPOCHS = 2.0, 1500
sigmoid_losses = []
for _ in range(EPOCHS):
    theta1, theta2 = (
        theta1 - LR * backward_theta1(X, y, theta1, theta2),
        theta2 - LR * backward_theta2(X, y, theta1, theta2),
    )
    sigmoid_losses.append(float(((forward(X, theta1, theta2)[1] - y) ** 2).mean()))
sigmoid_prediction = forward(X, theta1, theta2)[1]
print(f"loss after {EPOCHS} steps: {sigmoid_losses[-1]:.4f}")
print(f"largest prediction: {sigmoid_prediction.max():.4f}; largest target: {y.max():.2f}")

# %% [markdown]
# ## The ReLU version, trained by the engine
#
# `nn.MLP(2, [16], 1)` is `Linear(2, 16), ReLU(), Linear(16, 1)`: ReLU hidden units and a
# linear output. Adam from `nn.optim`, full-batch, the same number of steps.

# %%
relu_net = nn.MLP(2, [HIDDEN], 1)
optimizer = nn.optim.Adam(relu_net.parameters(), lr=0.02)
loss_fn = nn.MSELoss()
inputs, targets = ag.tensor(X), ag.tensor(y)
relu_losses = []
for _ in range(EPOCHS):
    optimizer.zero_grad()
    loss = loss_fn(relu_net(inputs), targets)
    loss.backward()
    optimizer.step()
    relu_losses.append(loss.item())
with ag.no_grad():
    relu_prediction = relu_net(inputs).numpy()
print(f"ReLU network: loss after {EPOCHS} steps: {relu_losses[-1]:.4f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.semilogy(sigmoid_losses, label="sigmoid output (by hand)")
left.semilogy(relu_losses, label="ReLU + linear output (engine, Adam)")
left.set_xlabel("step")
left.set_ylabel("mean squared error")
left.legend()
right.plot(y, sigmoid_prediction, ".", ms=3, label="sigmoid output")
right.plot(y, relu_prediction, ".", ms=3, label="ReLU + linear output")
right.plot([0, 4.5], [0, 4.5], "k:", lw=1)
right.axhline(1.0, color="gray", lw=0.5)
right.set_xlabel("target y")
right.set_ylabel("prediction")
right.legend()
plt.show()

# %% [markdown]
# ## One sample at a time vs a mini-batch
#
# The gradient of a mean over a batch is the mean of per-sample gradients, so a loop
# over samples gives the same gradient as one batched pass. The loop pays Python's
# overhead once per sample per op; the batched pass hands numpy one matrix product per
# layer.


# %%
def batch_gradient(model, X, y):
    model.zero_grad()
    loss_fn(model(ag.tensor(X)), ag.tensor(y)).backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


def per_sample_gradient(model, X, y):
    model.zero_grad()
    for x_n, y_n in zip(X, y):
        (loss_fn(model(ag.tensor(x_n[None])), ag.tensor(y_n[None])) / len(X)).backward()
    return [p.grad.numpy().copy() for p in model.parameters()]


def best_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


loop_seconds, loop_grads = best_time(lambda: per_sample_gradient(relu_net, X, y), repeats=1)
batch_seconds, batch_grads = best_time(lambda: batch_gradient(relu_net, X, y))
loop_difference = max(np.abs(a - b).max() for a, b in zip(loop_grads, batch_grads))
speedup = loop_seconds / batch_seconds
print(f"{N} samples one at a time: {loop_seconds * 1e3:.1f} ms")
print(f"{N} samples as one batch:  {batch_seconds * 1e3:.2f} ms  ({speedup:.0f}x faster)")
print(f"largest difference between the two gradients: {loop_difference:.1e}")

# %% [markdown]
# ## A real regression: the Reynolds number from a vorticity snapshot
#
# Flow past a cylinder sheds vortices alternately from its two sides, a *von Kármán
# vortex street*. How the street looks depends on the Reynolds number $Re$: at low $Re$
# it is regular, with fat, smooth vortices; as $Re$ rises it becomes sharper and more
# disordered. The task: given one $64 \times 64$ snapshot of the vorticity (how much the
# fluid spins at each point), predict $Re \in \{300, 600, 900, 1200\}$, as a regression.
#
# The lecture's data set (W. Gilpin's *cphy* course, 2,400 simulated snapshots) is used
# when `nn.datasets.load_reynolds()` can find or download it. Otherwise the notebook uses
# `nn.datasets.make_vortex_streets`, a **synthetic stand-in** that draws vortex streets
# with the same shape of data and the same four Reynolds numbers, and says so below. The
# numbers printed in this section are for whichever of the two was used.

# %%
try:
    X_re, y_re = datasets.load_reynolds()
    source = "the lecture's simulated snapshots (load_reynolds)"
except datasets.DatasetNotAvailable:
    X_re, y_re = datasets.make_vortex_streets(2400, seed=0)
    source = "the SYNTHETIC stand-in make_vortex_streets (the real data is not available here)"
print(f"data: {source}")
values, counts = np.unique(y_re, return_counts=True)
print(f"X: {X_re.shape}, Re values {values} with counts {counts}")

fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
for ax, re in zip(axes, np.unique(y_re)):
    snapshot = X_re[np.flatnonzero(y_re == re)[0]].reshape(64, 64)
    limit = np.abs(snapshot).max()
    ax.imshow(snapshot, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"Re = {re:.0f}")
    ax.axis("off")
plt.show()

# %% [markdown]
# **Preparation.** Average each $2 \times 2$ block of pixels (a $32 \times 32$ image, 1,024
# features, four times less work), scale all pixels by one mean and one standard
# deviation taken from the training images (not per pixel: that would blow the
# sensor noise in quiet regions up to the size of the signal), and split 75% / 25% into
# training and test images at random. The targets are standardised for training; $R^2$ is
# computed on the original scale:
#
# $$R^2 = 1 - \frac{\sum_n (y_n - \hat y_n)^2}{\sum_n (y_n - \bar y)^2},$$
#
# 1 for perfect predictions, 0 for always predicting the mean.

# %%
pooled = X_re.reshape(len(X_re), 32, 2, 32, 2).mean(axis=(2, 4)).reshape(len(X_re), -1)
order = np.random.default_rng(0).permutation(len(X_re))
n_fit = int(0.75 * len(X_re))
fit_rows, test_rows = order[:n_fit], order[n_fit:]
pixel_mean, pixel_std = pooled[fit_rows].mean(), pooled[fit_rows].std()
features = ((pooled - pixel_mean) / pixel_std).astype(np.float32)
re_mean, re_std = y_re[fit_rows].mean(), y_re[fit_rows].std()
targets_re = ((y_re - re_mean) / re_std).astype(np.float32)[:, None]
F_fit, F_test, t_fit = features[fit_rows], features[test_rows], targets_re[fit_rows]
y_test_re = y_re[test_rows]


def r_squared(prediction, truth):
    return 1 - ((truth - prediction) ** 2).sum() / ((truth - truth.mean()) ** 2).sum()


print(
    f"{len(fit_rows)} training and {len(test_rows)} test snapshots of {features.shape[1]} features"
)

# %% [markdown]
# ### Baseline: ridge regression in closed form
#
# A linear model $\hat y = w^\top x + b$ fitted by least squares with a penalty
# $\lambda \lVert w \rVert^2$ has the closed-form solution (with centred $X$ and $y$)
#
# $$w = (X^\top X + \lambda I)^{-1} X^\top y .$$
#
# One eigendecomposition $X^\top X = V \operatorname{diag}(s) V^\top$ gives $w$ for every
# $\lambda$ at once: $w = V \operatorname{diag}\big(1/(s + \lambda)\big) V^\top X^\top y$. We
# pick $\lambda$ on the last fifth of the training images, refit on all of them, and
# score on the test images.


# %%
def ridge_fit(X, y, lambdas):
    """{lambda: (w, b)} for centred least squares with penalty lambda |w|^2."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    s, V = np.linalg.eigh(Xc.T @ Xc)
    projected = V.T @ (Xc.T @ (y - y_mean))
    fits = {}
    for lam in lambdas:
        w = V @ (projected / (s + lam))
        fits[lam] = (w, y_mean - x_mean @ w)
    return fits


lambdas = 10.0 ** np.arange(-2, 6)
F64, y_fit_re = F_fit.astype(np.float64), y_re[fit_rows]
n_inner = int(0.8 * len(F64))
inner = ridge_fit(F64[:n_inner], y_fit_re[:n_inner], lambdas)
validation_r2 = {
    lam: r_squared(F64[n_inner:] @ w + b, y_fit_re[n_inner:]) for lam, (w, b) in inner.items()
}
best_lambda = max(validation_r2, key=validation_r2.get)
w_ridge, b_ridge = ridge_fit(F64, y_fit_re, [best_lambda])[best_lambda]
ridge_r2 = r_squared(F_test.astype(np.float64) @ w_ridge + b_ridge, y_test_re)
for lam, value in validation_r2.items():
    print(f"lambda = {lam:>9.2f}: validation R^2 = {value: .3f}")
print(f"chosen lambda = {best_lambda:g}; ridge regression test R^2 = {ridge_r2:.3f}")

# %% [markdown]
# ### An MLP trained with Adam
#
# Two hidden ReLU layers (128 and 64 units), mean squared error on the standardised
# targets, Adam with learning rate $10^{-3}$, mini-batches of 32.

# %%
ag.set_default_dtype(np.float32)  # float32 from here on: the features are float32 too


@ag.no_grad()
def predict_re(model, F):
    return model(ag.Tensor(F)).numpy()[:, 0] * re_std + re_mean


def train_re(lr=1e-3, batch_size=32, epochs=12, seed=0, desc=None):
    """An MLP(1024, [128, 64], 1) trained on the Reynolds features; returns it with its
    per-epoch training loss and test R^2."""
    ag.manual_seed(seed)
    model = nn.MLP(features.shape[1], [128, 64], 1)
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    loader = nn.data.DataLoader(
        nn.data.TensorDataset(F_fit, t_fit), batch_size=batch_size, shuffle=True, seed=seed
    )
    curve = []
    for _ in tqdm(range(epochs), desc=desc, mininterval=2, disable=desc is None):
        losses = []
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        curve.append((np.mean(losses), r_squared(predict_re(model, F_test), y_test_re)))
    return model, np.array(curve)


re_model, re_curve = train_re(desc="MLP on Re")
mlp_r2 = re_curve[-1, 1]
print(f"ridge regression test R^2 = {ridge_r2:.3f}")
print(f"MLP              test R^2 = {mlp_r2:.3f}")
print(
    f"unexplained variance: ridge {1 - ridge_r2:.3f}, MLP {1 - mlp_r2:.3f} "
    f"({(1 - mlp_r2) / (1 - ridge_r2):.0%} of ridge's)"
)

predicted_re = predict_re(re_model, F_test)
ridge_predicted = F_test.astype(np.float64) @ w_ridge + b_ridge
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, prediction, name, value in [
    (axes[0], ridge_predicted, "ridge", ridge_r2),
    (axes[1], predicted_re, "MLP", mlp_r2),
]:
    jitter = np.random.default_rng(0).uniform(-40, 40, len(y_test_re))
    ax.plot(y_test_re + jitter, prediction, ".", ms=3, alpha=0.5)
    ax.plot([200, 1300], [200, 1300], "k:", lw=1)
    ax.set_xlabel("true Re (jittered)")
    ax.set_title(f"{name}: test R² = {value:.3f}")
axes[0].set_ylabel("predicted Re")
plt.show()

# %% [markdown]
# The linear model reads part of the answer straight off the pixels (where the vortices
# sit and how wide they are); the MLP, whose ReLU units can respond to combinations and
# magnitudes of pixels, can also pick up how peaked and how rough the field is, and leaves
# a smaller share of the variance unexplained (printed above).
#
# ### Batch size and learning rate
#
# The same MLP trained with other batch sizes and learning rates, for the same number of
# epochs. Smaller batches make more (noisier) updates per epoch; larger ones fewer. A
# learning rate that is too small crawls; one that is too large is noisy or unstable.

# %%
SWEEP_EPOCHS = 8
batch_sweep, lr_sweep, sweep_seconds = {}, {}, {}
for batch_size in (16, 64, 256):
    start = time.perf_counter()
    batch_sweep[batch_size] = train_re(batch_size=batch_size, epochs=SWEEP_EPOCHS)[1]
    sweep_seconds[batch_size] = time.perf_counter() - start
for lr in (1e-4, 1e-3, 1e-2):
    lr_sweep[lr] = train_re(lr=lr, epochs=SWEEP_EPOCHS)[1]

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
epochs_axis = np.arange(1, SWEEP_EPOCHS + 1)
for batch_size, curve in batch_sweep.items():
    label = f"batch {batch_size} ({sweep_seconds[batch_size]:.1f} s)"
    axes[0].semilogy(epochs_axis, curve[:, 0], "o-", ms=3, label=label)
for lr, curve in lr_sweep.items():
    axes[1].semilogy(epochs_axis, curve[:, 0], "o-", ms=3, label=f"lr {lr:g}")
for ax, title in zip(axes, ["batch size (lr 1e-3)", "learning rate (batch 32)"]):
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (standardised)")
    ax.set_title(title)
    ax.legend()
plt.show()
for batch_size, curve in batch_sweep.items():
    print(f"batch {batch_size:>3}: test R^2 after {SWEEP_EPOCHS} epochs {curve[-1, 1]:.3f}")
for lr, curve in lr_sweep.items():
    print(f"lr {lr:<6g}: test R^2 after {SWEEP_EPOCHS} epochs {curve[-1, 1]:.3f}")
test_mse = float(((predict_re(re_model, F_test) - y_test_re) ** 2).mean() / re_std**2)
print(f"MLP above: training loss {re_curve[-1, 0]:.4f}, test loss {test_mse:.4f} (standardised)")

# %% [markdown]
# All of these reach a training loss well below the loss on the test images (the last
# line above): the network fits its training snapshots far more closely than new ones,
# the usual gap that regularisation and more data narrow.

# %% [markdown]
# ## Exercise
#
# **How much can a sigmoid pass back?** Backward through a sigmoid multiplies the gradient
# by $\sigma'(z) = \sigma(z)(1 - \sigma(z))$. What is its largest value, and where? Set
# `answer_max_slope`. (Through ten sigmoid layers a gradient shrinks by at least that
# factor to the tenth power: notebook 8.)
#

# %%
answer_max_slope = 0.5 * (1 - 0.5)  # at z = 0, where sigma = 1/2
print(answer_max_slope, answer_max_slope**10)

# %% [markdown]
# ## Checks

# %%
assert difference_1 < 1e-12 and difference_2 < 1e-12, "hand-written backward equals the engine"
assert sigmoid_prediction.max() < 1.0 < y.max(), "a sigmoid output cannot exceed 1"
assert sigmoid_losses[-1] > 10 * relu_losses[-1], "a linear output fits far better"
assert loop_difference < 1e-12, "per-sample and batched gradients agree"
assert speedup > 10, "the batched pass is much faster"
assert 0.3 < ridge_r2 < mlp_r2, "the MLP beats the linear baseline"
assert (1 - mlp_r2) < 0.75 * (1 - ridge_r2), "...by a clear margin"
assert mlp_r2 > 0.85
assert test_mse > 3 * re_curve[-1, 0], "the test loss is well above the training loss"
assert batch_sweep[256][-1, 0] > batch_sweep[16][-1, 0], "fewer updates, higher loss"
assert lr_sweep[1e-4][-1, 0] > lr_sweep[1e-3][-1, 0], "too small a learning rate crawls"
z_grid = ag.tensor(np.linspace(-6, 6, 1201), requires_grad=True)
ag.sigmoid(z_grid).sum().backward()
assert abs(z_grid.grad.numpy().max() - answer_max_slope) < 1e-12, "exercise"
assert abs(sum(contributions_to_a) - a_meet.grad.item()) < 1e-12 and len(contributions_to_a) == 2
assert tiny_page.frames == 1 + 4 + 1 + 7 + 1, "leaves, 4 ops, seed, 7 edges with a gradient, sum"
print("all checks passed")
