# %% [markdown]
# # 8. Vanishing and exploding gradients
#
# Backpropagation multiplies: the gradient reaching layer 1 of a deep network is a
# product of one factor per layer above it (a weight matrix and an activation
# derivative). Products of many numbers tend to shrink to nothing or blow up. This
# notebook measures both effects with the engine, and the standard remedies:
# initialisation scaled to the layer width (Glorot, He), activations that do not
# saturate (ReLU), and gradient clipping. It ends with the ReLU's own failure mode, the
# dead unit.

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn

rng = np.random.default_rng(0)

# %% [markdown]
# ## Variance grows with width under $\mathcal N(0, 1)$ weights
#
# A unit sums $n$ inputs times weights: $z = \sum_{j=1}^n w_j x_j$. With independent
# $w_j \sim \mathcal N(0, 1)$ and $x_j$ of variance 1, each term has variance 1 and the
# sum has variance $n$. So the wider the layer, the larger its pre-activations: at $n =
# 512$ their standard deviation is about $\sqrt{512} \approx 23$, far into the flat tails
# of tanh or sigmoid.
#
# **Glorot (Xavier) initialisation** draws weights with variance $2 / (n_\text{in} +
# n_\text{out})$, which for a square layer is $1/n$: the variance of $z$ stays near 1 at
# every width. (`nn.init.xavier_normal_`; He initialisation, `kaiming_normal_`, uses
# $2/n_\text{in}$ to make up for ReLU zeroing half its inputs.)

# %%
ag.manual_seed(0)  # the weights below come from autograd's generator
widths = [16, 32, 64, 128, 256, 512]
x = ag.tensor(rng.normal(size=(2000, max(widths))))
variance = {"N(0, 1)": [], "Glorot": []}
for width in widths:
    layer = nn.Linear(width, width, bias=False)
    with ag.no_grad():
        for scheme, init in [("N(0, 1)", nn.init.normal_), ("Glorot", nn.init.xavier_normal_)]:
            init(layer.weight)
            variance[scheme].append(layer(x[:, :width]).numpy().var())

fig, ax = plt.subplots(figsize=(6, 3.8))
for scheme, values in variance.items():
    ax.loglog(widths, values, "o-", label=f"weights {scheme}")
ax.loglog(widths, widths, "k:", label="variance = width")
ax.set_xlabel("layer width n")
ax.set_ylabel("variance of z = W x")
ax.legend()
plt.show()
for width, plain, glorot in zip(widths, variance["N(0, 1)"], variance["Glorot"]):
    print(f"width {width:>3}: var(z) = {plain:7.1f} with N(0, 1),  {glorot:.3f} with Glorot")

# %% [markdown]
# ## Ten tanh layers of 512 units
#
# The effect compounds with depth. Push a batch through ten `Linear(512, 512)` + tanh
# layers and look at the activations of each layer. With $\mathcal N(0, 1)$ weights
# nearly every unit sits at $\pm 1$, where $\tanh' \approx 0$: no gradient will get
# through. With Glorot weights the activations stay spread out.

# %%
WIDTH, DEPTH = 512, 10


def tanh_stack(init):
    layers = [nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)]
    for layer in layers:
        init(layer.weight)
        nn.init.zeros_(layer.bias)
    return layers


def activations(layers, x):
    outputs = []
    with ag.no_grad():
        for layer in layers:
            x = ag.tanh(layer(x))
            outputs.append(x.numpy())
    return outputs


ag.manual_seed(0)
batch = ag.tensor(rng.normal(size=(500, WIDTH)))
stacks = {
    "N(0, 1)": activations(tanh_stack(nn.init.normal_), batch),
    "Glorot": activations(tanh_stack(nn.init.xavier_normal_), batch),
}
saturated = {
    scheme: [float((np.abs(a) > 0.99).mean()) for a in outputs]
    for scheme, outputs in stacks.items()
}

fig, axes = plt.subplots(1, 2, figsize=(12, 3.5), sharey=True)
for ax, (scheme, outputs) in zip(axes, stacks.items()):
    for depth in (0, 4, 9):
        ax.hist(outputs[depth].ravel(), bins=60, histtype="step", density=True)
    ax.legend([f"layer {d + 1}" for d in (0, 4, 9)], loc="upper center")
    ax.set_title(f"tanh activations, weights {scheme}")
    ax.set_xlabel("activation")
    ax.set_ylabel("density")
plt.show()
for scheme, fractions in saturated.items():
    print(f"{scheme:<8} fraction of units with |a| > 0.99, per layer:", np.round(fractions, 3))

# %% [markdown]
# ## Gradient norms layer by layer
#
# Now the gradients themselves. Three ten-layer networks of width 64 on the same random
# regression batch, one backward pass each:
#
# * sigmoid units with Glorot weights: $\sigma' \le 1/4$ (notebook 5), so the gradient
#   shrinks by a constant factor at every layer on its way down;
# * ReLU units with He weights: $\text{ReLU}' = 1$ on the active half, and He's variance
#   $2/n$ makes up for the inactive half;
# * tanh units with Glorot weights scaled by tanh's gain $5/3$.
#
# `nn.utils.grad_norms` gives the norm of each parameter's gradient and
# `nn.utils.plot_grad_flow` draws mean and max $|\text{grad}|$ per parameter.

# %%
X = rng.normal(size=(256, 32))
y = np.sin(2 * X[:, :1]) + 0.5 * X[:, 1:2]
inputs, targets = ag.tensor(X), ag.tensor(y)


def deep_net(activation, init, depth=10, width=64):
    model = nn.MLP(32, [width] * depth, 1, activation=activation)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            init(module.weight)
            nn.init.zeros_(module.bias)
    return model


def relu_he(weight):
    return nn.init.kaiming_normal_(weight, nonlinearity="relu")


def tanh_glorot(weight):
    return nn.init.xavier_normal_(weight, gain=nn.init.calculate_gain("tanh"))


ag.manual_seed(0)
nets = {
    "sigmoid, Glorot": deep_net("sigmoid", nn.init.xavier_normal_),
    "ReLU, He": deep_net("relu", relu_he),
    "tanh, Glorot (gain 5/3)": deep_net("tanh", tanh_glorot),
}
weight_grad_norms = {}
for name, model in nets.items():
    nn.MSELoss()(model(inputs), targets).backward()
    norms = nn.utils.grad_norms(model)
    weight_grad_norms[name] = np.array([v for k, v in norms.items() if k.endswith("weight")])

fig, axes = plt.subplots(1, 3, figsize=(16, 4))
for name, norms in weight_grad_norms.items():
    axes[0].semilogy(np.arange(1, len(norms) + 1), norms, "o-", label=name)
axes[0].set_xlabel("layer (1 = input side)")
axes[0].set_ylabel("‖∂L/∂W‖")
axes[0].legend()
axes[0].set_title("Weight-gradient norm per layer")
nn.utils.plot_grad_flow(nets["sigmoid, Glorot"], ax=axes[1])
axes[1].set_title("Gradient flow: sigmoid, Glorot")
nn.utils.plot_grad_flow(nets["ReLU, He"], ax=axes[2])
axes[2].set_title("Gradient flow: ReLU, He")
plt.tight_layout()
plt.show()
for name, norms in weight_grad_norms.items():
    print(
        f"{name:<24} first layer {norms[0]:.1e}, last layer {norms[-1]:.1e}, "
        f"ratio {norms[-1] / norms[0]:.1e}"
    )

# %% [markdown]
# In the sigmoid network the first layer gets a gradient several orders of magnitude
# smaller than the last: it barely learns. With ReLU and He initialisation, or with tanh
# and a gain-corrected Glorot initialisation, all layers get gradients of similar size.
#
# ## Exploding gradients and clipping
#
# The opposite failure: weights a little too large for the width. A six-layer ReLU
# network with weights drawn from $\mathcal N(0, 0.25^2)$ (He would use a standard
# deviation of $\sqrt{2/64} \approx 0.18$) amplifies its signal at every layer, and its
# gradients with it. Plain SGD takes one enormous step and the loss overflows to `nan`.
#
# **Gradient clipping** rescales the whole gradient whenever its norm exceeds a threshold:
# $g \leftarrow g \cdot \min(1, c / \lVert g \rVert)$ (`nn.utils.clip_grad_norm_`). The
# direction is kept, the step length is capped, and the same network trains.

# %%
STEPS, LR, MAX_NORM = 300, 0.01, 1.0


def train_exploding(clip):
    ag.manual_seed(1)
    model = deep_net("relu", lambda w: nn.init.normal_(w, 0.0, 0.25), depth=6)
    optimizer = nn.optim.SGD(model.parameters(), lr=LR)
    losses, norms = [], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(inputs), targets)
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM if clip else np.inf)
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm)
    return np.array(losses), np.array(norms)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow warnings: expected
    unclipped_losses, unclipped_norms = train_exploding(clip=False)
clipped_losses, clipped_norms = train_exploding(clip=True)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
left.semilogy(unclipped_losses, label="no clipping")
left.semilogy(clipped_losses, label=f"clip_grad_norm_({MAX_NORM})")
left.set_xlabel("step")
left.set_ylabel("loss")
left.legend()
right.semilogy(unclipped_norms, label="no clipping")
right.semilogy(clipped_norms, label="clipped (norm before clipping)")
right.set_xlabel("step")
right.set_ylabel("‖g‖")
right.legend()
plt.show()
first_nan = int(np.argmax(~np.isfinite(unclipped_losses)))
print(
    f"no clipping: loss {unclipped_losses[0]:.1f} -> {unclipped_losses[1]:.2e} after one "
    f"step, not finite from step {first_nan}"
)
print(f"clipping:    loss {clipped_losses[0]:.1f} -> {clipped_losses[-1]:.3f} after {STEPS} steps")

# %% [markdown]
# ## Dead ReLUs
#
# A ReLU unit whose pre-activation $w x + b$ is negative for *every* input outputs 0 and
# has derivative 0 everywhere: no gradient reaches its weights, so nothing ever changes
# them. The unit is dead, for good.
#
# With one input on $[-1, 1]$ and PyTorch's default initialisation (weights and biases
# uniform on $[-1, 1]$ for a single input), a unit is dead when $b \le -|w|$, which
# happens to about a quarter of them. We train `MLP(1, [32], 1)` on $y = \sin 3x$ and
# look at which units are dead before and after training, and whether their weights moved.

# %%
x_line = np.linspace(-1, 1, 200)[:, None]
y_line = np.sin(3 * x_line)


def dead_units(model):
    """Hidden units whose pre-activation is <= 0 on every training input."""
    with ag.no_grad():
        pre_activation = model[0](ag.tensor(x_line)).numpy()
    return np.flatnonzero((pre_activation <= 0).all(axis=0))


def train_line(activation, lr, steps=300):
    ag.manual_seed(0)
    model = nn.MLP(1, [32], 1, activation=activation)
    dead_before, weights_before = dead_units(model), model[0].weight.numpy().copy()
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(ag.tensor(x_line)), ag.tensor(y_line))
        loss.backward()
        optimizer.step()
    moved = np.abs(model[0].weight.numpy() - weights_before)[dead_before].max()
    return dead_before, dead_units(model), moved, loss.item()


relu_dead_before, relu_dead_after, relu_moved, relu_loss = train_line("relu", lr=0.1)
print(f"ReLU, lr 0.1: dead before training {relu_dead_before.tolist()}")
print(f"              dead after training  {relu_dead_after.tolist()}")
print(f"              largest change of a dead unit's weight: {relu_moved}")
print(f"              final loss {relu_loss:.4f}")

# %% [markdown]
# The units dead at the start received exactly zero gradient and never moved; training
# killed a few more. A learning rate that is too large can kill all of them at once: one
# huge step pushes every bias far negative, and the network is left outputting a
# constant.

# %%
for lr in (0.01, 0.1, 0.3, 1.0):
    dead_before, dead_after, _, final_loss = train_line("relu", lr=lr)
    print(
        f"lr {lr:<4}: {len(dead_before)} dead units before, {len(dead_after):>2} of 32 after, "
        f"loss {final_loss:.3g}"
    )
all_dead_loss = train_line("relu", lr=1.0)

# %% [markdown]
# **Leaky ReLU** keeps a small slope (0.01) for negative inputs, so a unit in the
# negative region still receives a (small) gradient and can move back:

# %%
leaky_dead_before, _, leaky_moved, _ = train_line("leaky_relu", lr=0.1)
print(
    f"leaky ReLU: the same {len(leaky_dead_before)} units start in the negative region; "
    f"their weights moved by up to {leaky_moved:.1e} (ReLU: {relu_moved})"
)

# %% [markdown]
# ## Exercise
#
# **He's standard deviation.** For a ReLU layer with fan-in 256, what standard deviation
# does He (Kaiming) initialisation give its weights? Set `answer_std`; the checks draw a
# large weight matrix with `nn.init.kaiming_normal_` and compare.
#

# %%
answer_std = np.sqrt(2 / 256)  # gain sqrt(2) for ReLU, divided by sqrt(fan_in)
print(f"{answer_std:.4f}")

# %% [markdown]
# ## Checks

# %%
assert 400 < variance["N(0, 1)"][-1] < 620, "var(z) is about the width, 512"
assert all(0.8 < v < 1.2 for v in variance["Glorot"]), "Glorot keeps var(z) near 1"
assert saturated["N(0, 1)"][-1] > 0.8 and saturated["Glorot"][-1] < 0.05
sigmoid_norms = weight_grad_norms["sigmoid, Glorot"]
assert sigmoid_norms[-1] / sigmoid_norms[0] > 1e4, "sigmoid gradients vanish towards the input"
assert weight_grad_norms["ReLU, He"][-1] / weight_grad_norms["ReLU, He"][0] < 100
assert not np.isfinite(unclipped_losses[-1]), "without clipping the loss overflows"
assert clipped_losses[-1] < 1.0, "with clipping the same network trains"
assert set(relu_dead_before) <= set(relu_dead_after) and relu_moved == 0.0, "dead stays dead"
assert len(all_dead_loss[1]) == 32, "a learning rate of 1 kills every unit"
assert leaky_moved > 0.0, "leaky ReLU units still get a gradient"
ag.manual_seed(0)
drawn = nn.init.kaiming_normal_(ag.zeros((4096, 256)), nonlinearity="relu").numpy()
assert abs(drawn.std() / answer_std - 1) < 0.01, "exercise"
print("all checks passed")
