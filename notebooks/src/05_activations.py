# %% [markdown]
# # 5. Activation functions and their derivatives
#
# A neuron computes a weighted sum and passes it through an **activation function**
# $\sigma$. Without one, stacked layers collapse into a single linear map; with one, a
# network can bend. For training, what matters as much as $\sigma$ itself is its
# derivative $\sigma'$: backpropagation multiplies the gradient by $\sigma'$ at every
# layer, so where $\sigma'$ is zero nothing is learned, and where it is small, little.
#
# Here the engine computes every derivative: evaluate $\sigma$ on a whole grid of inputs
# that require grad, call `backward()` on the sum, and read `x.grad` (each output depends
# only on its own input, so the gradient of the sum is the elementwise derivative).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
from autograd.testing import gradcheck


def derivative(activation, xs):
    """sigma(xs) and sigma'(xs) by the engine, elementwise, as numpy arrays."""
    x = ag.tensor(xs, requires_grad=True)
    y = activation(x)
    y.sum().backward()
    return y.numpy(), x.grad.numpy()


# %% [markdown]
# ## The step function: a custom op whose derivative is zero
#
# The original perceptron fired 1 when its input was positive and 0 otherwise. The engine
# has no step op, so we write one: a `Function` with a `forward` on numpy arrays and a
# `backward` giving the local gradient. The step is flat on both sides, so its derivative
# is 0 everywhere except at 0, where it does not exist (we return 0 there too). A zero
# gradient tells gradient descent nothing, which is why the step was replaced by smooth
# functions once networks were trained by gradient descent.


# %%
class Step(ag.Function):
    """1 if x > 0 else 0   ->   dx = 0 (undefined at 0; 0 by convention)"""

    @staticmethod
    def forward(ctx, x):
        return (x > 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return g * 0


# %% [markdown]
# ## Eight activations
#
# | name | $\sigma(x)$ | $\sigma'(x)$ |
# |---|---|---|
# | linear | $x$ | $1$ |
# | step | $[x > 0]$ | $0$ |
# | logistic (sigmoid) | $1/(1 + e^{-x})$ | $\sigma(x)\,(1 - \sigma(x))$ |
# | tanh | $\tanh x$ | $1 - \tanh^2 x$ |
# | ReLU | $\max(x, 0)$ | $[x > 0]$ |
# | leaky ReLU | $x$ if $x > 0$ else $0.1x$ | $1$ if $x > 0$ else $0.1$ |
# | softplus | $\log(1 + e^x)$ | $1/(1 + e^{-x})$ |
# | GELU | $x\,\Phi(x)$ | $\Phi(x) + x\,\varphi(x)$ |
#
# ($\Phi$ and $\varphi$ are the standard normal CDF and density.) The right-hand column is
# what we check the engine against.

# %%
SLOPE = 0.1  # leaky ReLU's slope for x < 0 (large enough to see in a plot)


def logistic(x):
    return 1 / (1 + np.exp(-x))


def normal_cdf(x):
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def normal_pdf(x):
    return np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)


activations = {
    "linear": (lambda x: x * 1.0, lambda x: np.ones_like(x)),
    "step": (Step.apply, lambda x: np.zeros_like(x)),
    "logistic": (ag.sigmoid, lambda x: logistic(x) * (1 - logistic(x))),
    "tanh": (ag.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "ReLU": (ag.relu, lambda x: (x > 0).astype(float)),
    "leaky ReLU": (
        lambda x: ag.leaky_relu(x, SLOPE),
        lambda x: np.where(x > 0, 1.0, SLOPE),
    ),
    "softplus": (ag.softplus, logistic),
    "GELU": (nn.functional.gelu, lambda x: normal_cdf(x) + x * normal_pdf(x)),
}

xs = np.linspace(-4, 4, 801)  # includes x = 0, where ReLU-like functions have a kink
errors = {}
fig, axes = plt.subplots(2, 4, figsize=(14, 6), sharex=True)
for ax, (name, (activation, closed_form)) in zip(axes.flat, activations.items()):
    values, slopes = derivative(activation, xs)
    errors[name] = np.abs(slopes - closed_form(xs)).max()
    ax.plot(xs, values, label="σ(x)")
    ax.plot(xs, slopes, "--", label="σ'(x), engine")
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_ylim(-1.3, 2.0)
    ax.set_title(name)
    ax.set_xlabel("x")
    ax.set_ylabel("σ(x), σ'(x)")
axes[0, 0].legend(loc="upper left")
plt.tight_layout()
plt.show()

for name, error in errors.items():
    print(f"{name:<11} max |engine - closed form| = {error:.1e}")

# %% [markdown]
# Every derivative from the engine matches its closed form on all 801 points (the printed
# differences are at the level of floating-point round-off). At the kink $x = 0$ the
# engine uses the conventions listed in `autograd/ops/elementwise.py`: $\text{ReLU}'(0) =
# 0$ and $\text{leaky ReLU}'(0) = $ slope, as PyTorch does.
#
# ## The same derivatives by finite differences
#
# `autograd.testing.gradcheck` compares the engine's gradient with central differences at
# a few points. We keep the points away from 0, where the kinked functions have no
# derivative for a finite difference to approximate (the step's gradient check is also
# meaningless there, so it is left out).

# %%
points = ag.tensor([-2.5, -1.2, -0.3, 0.4, 1.1, 2.7], requires_grad=True)
checked = [name for name in activations if name != "step"]
for name in checked:
    gradcheck(activations[name][0], points)
print("gradcheck passed for:", ", ".join(checked))

# %% [markdown]
# ## Saturation: how much gradient gets through
#
# Logistic and tanh *saturate*: for large $|x|$ they flatten and their derivative tends to
# 0. The logistic derivative is never larger than its value at 0, and a gradient passing
# back through $n$ logistic layers is multiplied by at most that number $n$ times. ReLU
# passes a gradient of exactly 1 for every positive input. This is the seed of the
# vanishing-gradient problem of notebook 8.

# %%
peaks = {}
for name in ["logistic", "tanh", "ReLU", "GELU"]:
    _, slopes = derivative(activations[name][0], xs)
    peaks[name] = slopes.max()
    print(f"{name:<9} largest derivative {slopes.max():.4f}")
for layers in (5, 10, 20):
    factor = peaks["logistic"] ** layers
    print(f"logistic: gradient factor through {layers} layers at most {factor:.1e}")

# %% [markdown]
# ## Second derivatives
#
# Because the engine writes every backward formula with tensor operations, it can
# differentiate its own derivatives (`create_graph=True`, or `ag.grad` twice). For the
# logistic function $\sigma'' = \sigma'(1 - 2\sigma)$, which is zero at the origin, where
# $\sigma'$ peaks, and for tanh $\tanh'' = -2\tanh x\,(1 - \tanh^2 x)$.

# %%
x = ag.tensor(xs, requires_grad=True)
(first,) = ag.gradients(ag.sigmoid(x).sum(), x, create_graph=True)
(second,) = ag.gradients(first.sum(), x)
logistic_second = logistic(xs) * (1 - logistic(xs)) * (1 - 2 * logistic(xs))
tanh_second = ag.grad(lambda t: ag.grad(lambda u: ag.tanh(u).sum())(t).sum())(xs)
second_errors = {
    "logistic": np.abs(second.numpy() - logistic_second).max(),
    "tanh": np.abs(tanh_second - (-2 * np.tanh(xs) * (1 - np.tanh(xs) ** 2))).max(),
}

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(xs, logistic(xs), label="σ")
ax.plot(xs, first.numpy(), "--", label="σ'")
ax.plot(xs, second.numpy(), ":", label="σ''")
ax.axhline(0, color="gray", lw=0.5)
ax.set_title("The logistic function and its first two derivatives (engine)")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.legend()
plt.show()
for name, error in second_errors.items():
    print(f"{name:<9} second derivative: max |engine - closed form| = {error:.1e}")

# %% [markdown]
# ## Exercises
#
# 1. **Softplus and the logistic.** $\text{softplus}(x) = \ln(1 + e^x)$. What is its
#    derivative at 0? (Its derivative is a function met above.) Set `answer_softplus_slope`.
# 2. **GELU at zero.** $\text{GELU}(x) = x\,\Phi(x)$ with $\Phi$ the standard normal
#    CDF. What is $\text{GELU}'(0)$? Set `answer_gelu_slope`.
#

# %%
answer_softplus_slope = 1 / (1 + np.exp(-0.0))  # softplus' = logistic: 0.5
answer_gelu_slope = 0.5  # Phi(0) + 0 * phi(0)
print(answer_softplus_slope, answer_gelu_slope)

# %% [markdown]
# ## Checks

# %%
for name, error in errors.items():
    assert error < 1e-12, f"{name}: engine derivative differs from the closed form"
for name, error in second_errors.items():
    assert error < 1e-12, f"{name}: second derivative"
assert abs(peaks["logistic"] - 0.25) < 1e-12, "the logistic derivative peaks at 1/4"
assert abs(peaks["tanh"] - 1.0) < 1e-12 and abs(peaks["ReLU"] - 1.0) < 1e-12
_, step_slopes = derivative(Step.apply, xs)
assert not step_slopes.any(), "the step function has zero gradient everywhere"
zero = ag.tensor(0.0, requires_grad=True)
nn.functional.softplus(zero).backward()
assert abs(zero.grad.item() - answer_softplus_slope) < 1e-12, "exercise 1"
zero.grad = None
nn.functional.gelu(zero).backward()
assert abs(zero.grad.item() - answer_gelu_slope) < 1e-12, "exercise 2"
print("all checks passed")
