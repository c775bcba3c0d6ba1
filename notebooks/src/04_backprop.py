# %% [markdown]
# # 4. Backpropagation by hand vs automatic differentiation
#
# Before automatic differentiation, every network came with a hand-derived backward pass.
# This notebook writes one for a two-layer sigmoid network, checks it against the engine,
# and then lets the engine take over: a ReLU network, mini-batches, and a real regression
# problem, predicting the Reynolds number of a flow from a snapshot of its vorticity.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn

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


loop_seconds, loop_grads = best_time(lambda: per_sample_gradient(relu_net, X, y))
batch_seconds, batch_grads = best_time(lambda: batch_gradient(relu_net, X, y))
loop_difference = max(np.abs(a - b).max() for a, b in zip(loop_grads, batch_grads))
speedup = loop_seconds / batch_seconds
print(f"{N} samples one at a time: {loop_seconds * 1e3:.1f} ms")
print(f"{N} samples as one batch:  {batch_seconds * 1e3:.2f} ms  ({speedup:.0f}x faster)")
print(f"largest difference between the two gradients: {loop_difference:.1e}")
