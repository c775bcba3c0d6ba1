# %% [markdown]
# # 1. Computation graphs and the double well
#
# A derivative can be had four ways: by hand with calculus, by splitting the formula into
# primitive steps and applying the chain rule step by step, by *reverse-mode automatic
# differentiation* (what `backward()` does), and approximately by finite differences.
# This notebook does all four on one small function, the **double well**
#
# $$V(x) = x^4 - 2x^2, \qquad V'(x) = 4x^3 - 4x, \qquad V''(x) = 12x^2 - 4,$$
#
# and checks that they agree. Then it uses the second derivative, also computed by the
# engine, to compare Newton's method with gradient descent.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag

X0 = 0.12132987  # the point the lecture differentiates at


def well(x):
    """The double well; works on floats, numpy arrays and Tensors alike."""
    return x**4 - 2 * x**2


def well_prime(x):
    return 4 * x**3 - 4 * x


def well_second(x):
    return 12 * x**2 - 4


# %% [markdown]
# ## The function
#
# Two minima at $x = \pm 1$ (where $V = -1$), a local maximum at $x = 0$. The slope at our
# point $x_0$ is small and negative: we sit just right of the hump, on the way down into
# the right-hand well.

# %%
xs = np.linspace(-1.7, 1.7, 400)
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(xs, well(xs), label="$V(x) = x^4 - 2x^2$")
ax.plot(xs, well_prime(xs), "--", label="$V'(x) = 4x^3 - 4x$")
ax.axhline(0, color="gray", lw=0.5)
tangent = well(X0) + well_prime(X0) * (xs - X0)
ax.plot(xs, tangent, ":", color="k", label="tangent at $x_0$")
ax.plot([X0], [well(X0)], "ko")
ax.set_ylim(-2, 3)
ax.set_xlabel("x")
ax.set_ylabel("V(x) and V'(x)")
ax.legend()
plt.show()

# %% [markdown]
# ## 1. By hand
#
# Calculus gives $V'(x) = 4x^3 - 4x$; evaluate it at $x_0$.

# %%
by_hand = well_prime(X0)
print(f"V(x0)  = {well(X0)!r}")
print(f"V'(x0) = 4 x0^3 - 4 x0 = {by_hand!r}")

# %% [markdown]
# ## 2. As a chain of primitives
#
# The engine never sees the formula, only the primitive operations Python runs one after
# the other. Written out, with a name for every intermediate value:
#
# | step | primitive | local derivative |
# |---|---|---|
# | $a = x^4$ | power | $\partial a/\partial x = 4x^3$ |
# | $b = x^2$ | power | $\partial b/\partial x = 2x$ |
# | $c = 2b$ | multiply by a constant | $\partial c/\partial b = 2$ |
# | $v = a - c$ | subtract | $\partial v/\partial a = 1$, $\partial v/\partial c = -1$ |
#
# **Reverse mode** starts at the output with $\bar v = \partial v / \partial v = 1$ and
# walks the steps backwards. Each step multiplies the gradient arriving from above (the
# *upstream* gradient, or *adjoint*, written with a bar) by its local derivative and passes
# the product down. Where a value feeds two steps ($x$ feeds $a$ and $b$), the two
# contributions add up.

# %%
# forward pass: one primitive at a time
x = X0
a = x**4
b = x**2
c = 2 * b
v = a - c

# backward pass: adjoints from the output down
v_bar = 1.0
a_bar = v_bar * 1.0  # dv/da = 1
c_bar = v_bar * -1.0  # dv/dc = -1
b_bar = c_bar * 2.0  # dc/db = 2
x_bar = a_bar * 4 * x**3 + b_bar * 2 * x  # x feeds a and b: the contributions add

by_primitives = x_bar
for name, value, adjoint in [
    ("x", x, x_bar),
    ("a", a, a_bar),
    ("b", b, b_bar),
    ("c", c, c_bar),
    ("v", v, v_bar),
]:
    print(f"{name} = {value: .10f}    d v / d {name} = {adjoint: .10f}")

# %% [markdown]
# ## 3. By the engine
#
# Mark $x$ as a tensor that `requires_grad`, compute $V$ with ordinary Python operators,
# and call `backward()`. Every operator recorded a node in a graph; `backward()` runs
# exactly the adjoint recipe above over that graph. `retain_graph=True` keeps the graph
# alive after backward so we can look at it afterwards.

# %%
x = ag.tensor(X0, requires_grad=True)
v = x**4 - 2 * x**2
v.backward(retain_graph=True)
by_engine = x.grad.item()
print("v      =", v)
print("x.grad =", x.grad)

# %% [markdown]
# ### The recorded graph
#
# `v.grad_fn` is the node of the last operation; its `.inputs` are the tensors (and plain
# Python constants) that went in. Walking the inputs from the output down prints the
# whole graph. Leaves are the tensors we created ourselves.


# %%
def show_graph(tensor, indent=""):
    """Print the graph below `tensor`, one node per line."""
    node = tensor.grad_fn
    if node is None:
        kind = "leaf, requires_grad" if tensor.requires_grad else "leaf"
        print(f"{indent}{tensor.item():.8f}  ({kind})")
        return
    print(f"{indent}{node.name}  ->  {tensor.item():.8f}")
    for item in node.inputs:
        if isinstance(item, ag.Tensor):
            show_graph(item, indent + "    ")
        else:
            print(f"{indent}    {item}  (constant)")


show_graph(v)

# %% [markdown]
# Drawn by `autograd.viz`, with each value and, after backward, each gradient. With
# `order=True` each op is numbered by the step at which backward ran it, and each edge
# carries the gradient sent back along it: $x$ receives one contribution through
# $x^4$ and one through $x^2$, and its `grad` is their sum, as in the hand computation.

# %%
from autograd import viz

viz.draw(v, params={"x": x}, order=True)

# %%
steps = viz.trace_backward(v, params={"x": x}, accumulate=False)
contributions = [float(c) for c in steps.contributions_to(x)]
print("contributions to x.grad:", contributions, " sum:", sum(contributions))

# %% [markdown]
# ## 4. By finite differences
#
# The central difference $\big(V(x+h) - V(x-h)\big) / 2h$ has a truncation error of order
# $h^2$, but for tiny $h$ the subtraction of two nearly equal numbers loses digits to
# round-off, an error of order $\varepsilon_{\text{machine}}/h$. So there is a best $h$
# in between, and even there the estimate loses several digits, whereas the engine's
# answer is exact up to round-off in the last digit.

# %%
steps = np.logspace(-14, -1, 60)
central = (well(X0 + steps) - well(X0 - steps)) / (2 * steps)
errors = np.abs(central - by_hand)


def central_difference_error(h):
    return abs((well(X0 + h) - well(X0 - h)) / (2 * h) - by_hand)


fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(steps, np.maximum(errors, 1e-18), ".-")
ax.set_xlabel("step h")
ax.set_ylabel("|central difference - V'(x0)|")
ax.set_title("Finite differences: truncation vs round-off")
plt.show()
for h in (1e-2, 1e-6, 1e-12):
    print(f"h = {h:.0e}: error {central_difference_error(h):.1e}")
by_finite_difference = (well(X0 + 1e-6) - well(X0 - 1e-6)) / 2e-6

# %% [markdown]
# ## 5. With `autograd.grad`
#
# The functional view: `ag.grad(f)` is a new function that returns $f'$. Given a Python
# float it returns a float.

# %%
by_grad_transform = ag.grad(well)(X0)
print(by_grad_transform)

# %% [markdown]
# ## All five, side by side

# %%
results = {
    "by hand, 4x^3 - 4x": by_hand,
    "chain of primitives": by_primitives,
    "engine, backward()": by_engine,
    "autograd.grad": by_grad_transform,
    "central difference, h=1e-6": by_finite_difference,
}
for method, value in results.items():
    print(f"{method:<28} {value: .16f}   difference from by hand: {value - by_hand: .1e}")

# %% [markdown]
# ## The second derivative
#
# `backward(create_graph=True)` records the backward pass itself as a graph, so the
# gradient is a tensor that can be differentiated again. Here
# $V''(x_0) = 12x_0^2 - 4$: negative, because $x_0$ sits on the hump, where $V$ curves
# downwards. Nesting `ag.grad` does the same.

# %%
x = ag.tensor(X0, requires_grad=True)
(x**4 - 2 * x**2).backward(create_graph=True)
first = x.grad  # a tensor with its own graph
x.grad = None
first.backward()
second_by_engine = x.grad.item()
second_by_transform = ag.grad(ag.grad(well))(X0)
print(f"V''(x0) by hand            {well_second(X0): .16f}")
print(f"V''(x0) by create_graph    {second_by_engine: .16f}")
print(f"V''(x0) by grad(grad(V))   {second_by_transform: .16f}")
print(f"V'''(x0) = 24 x0 by grad^3 {ag.grad(ag.grad(ag.grad(well)))(X0): .16f}")

# %% [markdown]
# ## Newton's method vs gradient descent
#
# Both are iterations that use derivatives from the engine:
#
# * gradient descent: $x \leftarrow x - \eta\, V'(x)$ with a learning rate $\eta$;
# * Newton's method: $x \leftarrow x - V'(x) / V''(x)$: jump to the stationary point of the
#   local quadratic model.
#
# Near a minimum Newton converges *quadratically* (the number of correct digits doubles
# each step), gradient descent only *linearly*. But Newton looks for any point with
# $V' = 0$: started on the hump, where $V'' < 0$, it walks uphill to the maximum at 0.

# %%
derivative = ag.grad(well)
curvature = ag.grad(derivative)


def newton(x, steps):
    path = [x]
    for _ in range(steps):
        x = x - derivative(x) / curvature(x)
        path.append(x)
    return np.array(path)


def gradient_descent(x, steps, lr):
    path = [x]
    for _ in range(steps):
        x = x - lr * derivative(x)
        path.append(x)
    return np.array(path)


START, STEPS, LR = 1.6, 12, 0.05
newton_path = newton(START, STEPS)
descent_path = gradient_descent(START, STEPS, LR)
newton_from_hump = newton(X0, STEPS)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
left.semilogy(np.abs(newton_path - 1) + 1e-17, "o-", label="Newton")
left.semilogy(np.abs(descent_path - 1) + 1e-17, "s-", label=f"gradient descent, lr={LR}")
left.set_xlabel("iteration")
left.set_ylabel("|x - 1|")
left.set_title(f"Started at x = {START}")
left.legend()
right.plot(xs, well(xs), color="gray")
right.plot(newton_path, well(newton_path), "o-", label="Newton from 1.6")
right.plot(newton_from_hump, well(newton_from_hump), "x-", ms=10, label="Newton from x0")
right.plot(descent_path, well(descent_path), "s-", ms=4, label="gradient descent from 1.6")
right.set_ylim(-1.3, 2.5)
right.set_xlabel("x")
right.set_ylabel("V(x)")
right.legend()
plt.show()

for k in range(6):
    print(
        f"iteration {k}:  Newton |x - 1| = {abs(newton_path[k] - 1):.1e}   "
        f"gradient descent |x - 1| = {abs(descent_path[k] - 1):.1e}"
    )
print(f"Newton started at x0 = {X0} ends at x = {newton_from_hump[-1]:.2e} (the maximum)")
print(f"Gradient descent after {STEPS} steps: x = {descent_path[-1]:.6f}")

# %% [markdown]
# Newton reaches the minimum to machine precision in a handful of steps, while gradient
# descent with this learning rate still has several digits to go. For a network with
# millions of parameters, though, $V''$ is a millions-by-millions Hessian matrix, which is
# why deep learning lives on gradient descent and its variants.
#
# ## Exercises
#
# 1. **The other well.** Gradient descent with learning rate 0.1 started at $x = -0.5$:
#    where does it end? Reason with the sign of $V'$ on $(-1, 0)$ and set `answer_end`;
#    the checks run the descent with the engine.
# 2. **The curvature at the bottom.** What is $V''(1)$? Set `answer_curvature`; the
#    checks compute it with `ag.grad` twice.
#

# %%
answer_end = -1.0  # V' < 0 on (-1, 0)... so x moves left until V'(x) = 0 at x = -1
answer_curvature = 12 * 1.0**2 - 4  # V''(x) = 12 x^2 - 4
print(answer_end, answer_curvature)

# %% [markdown]
# ## Checks
#
# This cell fails, and with it the notebook's test, if any lesson above stops holding.

# %%
assert by_engine == ag.grad(well)(X0)
assert len(contributions) == 2 and abs(sum(contributions) - by_engine) < 1e-15
assert abs(by_engine - (-0.4781751223381389)) < 1e-15, "the lecture's value"
for method, value in results.items():
    tolerance = 1e-8 if "difference" in method else 1e-15
    assert abs(value - by_hand) < tolerance, method
assert abs(second_by_engine - well_second(X0)) < 1e-14
assert abs(second_by_transform - well_second(X0)) < 1e-14
assert abs(newton_path[6] - 1) < 1e-12, "Newton converges quadratically"
assert abs(descent_path[6] - 1) > 1e-4, "gradient descent is slower"
assert abs(newton_from_hump[-1]) < 1e-12, "Newton from the hump finds the maximum"
h_errors = [central_difference_error(h) for h in (1e-2, 1e-6, 1e-12)]
assert h_errors[1] < h_errors[0] and h_errors[1] < h_errors[2], "a middle step h is best"
x_exercise = -0.5
for _ in range(200):
    x_exercise -= 0.1 * ag.grad(well)(x_exercise)
assert abs(x_exercise - answer_end) < 1e-9, "exercise 1"
assert abs(ag.grad(ag.grad(well))(1.0) - answer_curvature) < 1e-12, "exercise 2"
print("all checks passed")
