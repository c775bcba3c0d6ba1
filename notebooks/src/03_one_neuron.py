# %% [markdown]
# # 3. One neuron, step by step
#
# The smallest network there is: one input $x$, one weight $w$, one bias $b$, a tanh
# activation and a squared-error loss against a target $y$:
#
# $$z = w x + b, \qquad a = \tanh z, \qquad L = (a - y)^2 .$$
#
# We take the lecture's numbers, $w = -0.5$, $b = 0.5$, $x = 1$, $y = 7$, compute the
# gradients $\partial L/\partial w$ and $\partial L/\partial b$ by hand, then let the
# engine do it and look at everything it records along the way: `grad_fn`, how
# `requires_grad` spreads, `detach`, gradient accumulation and `zero_grad`, a table of
# the backward pass, and a drawing of the graph.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
from autograd import viz

W0, B0, X_IN, Y_TARGET = -0.5, 0.5, 1.0, 7.0

# %% [markdown]
# ## By hand
#
# Forward: $z = -0.5 \cdot 1 + 0.5 = 0$, so $a = \tanh 0 = 0$ and $L = (0 - 7)^2$.
#
# Backward, by the chain rule, one factor per step:
#
# $$\frac{\partial L}{\partial w} = \underbrace{2(a - y)}_{\partial L/\partial a}
# \cdot \underbrace{(1 - a^2)}_{\partial a/\partial z}
# \cdot \underbrace{x}_{\partial z/\partial w}, \qquad
# \frac{\partial L}{\partial b} = 2(a - y)\,(1 - a^2) \cdot 1 .$$

# %%
z_hand = W0 * X_IN + B0
a_hand = np.tanh(z_hand)
loss_hand = (a_hand - Y_TARGET) ** 2
dL_da = 2 * (a_hand - Y_TARGET)
da_dz = 1 - a_hand**2
dL_dw_hand = dL_da * da_dz * X_IN
dL_db_hand = dL_da * da_dz * 1.0
print(f"z = {z_hand}, a = {a_hand}, L = {loss_hand}")
print(f"dL/da = {dL_da}, da/dz = {da_dz}")
print(f"dL/dw = {dL_dw_hand}, dL/db = {dL_db_hand}")

# %% [markdown]
# ## By the engine
#
# $w$ and $b$ are what we want gradients for, so they are created with
# `requires_grad=True`; $x$ and $y$ are data. The forward pass is ordinary Python.

# %%
w = ag.tensor(W0, requires_grad=True)
b = ag.tensor(B0, requires_grad=True)
x = ag.tensor(X_IN)
y = ag.tensor(Y_TARGET)

z = w * x + b
a = ag.tanh(z)
loss = (a - y) ** 2
print("loss =", loss)
loss.backward(retain_graph=True)  # keep the graph: we look at it below
print("w.grad =", w.grad, "  by hand:", dL_dw_hand)
print("b.grad =", b.grad, "  by hand:", dL_db_hand)
engine_grads = (w.grad.item(), b.grad.item())

# %% [markdown]
# ## What the engine recorded: `grad_fn`
#
# Every tensor computed from something that requires grad has a `grad_fn`: the node of
# the operation that made it. Tensors we created ourselves are *leaves* (`grad_fn` is
# None). A node's `inputs` lead back towards the leaves, so the whole graph hangs off
# `loss.grad_fn`.

# %%
for name, t in [("w", w), ("b", b), ("x", x), ("z", z), ("a", a), ("loss", loss)]:
    print(
        f"{name:<5} is_leaf={t.is_leaf!s:<5}  requires_grad={t.requires_grad!s:<5}  "
        f"grad_fn={t.grad_fn}"
    )

node = loss.grad_fn
chain = []
while node is not None:
    chain.append(node.name)
    tensors = [t for t in node.inputs if isinstance(t, ag.Tensor) and t.grad_fn is not None]
    node = tensors[0].grad_fn if tensors else None
print("from the loss down:", " <- ".join(chain))

# %% [markdown]
# ## How `requires_grad` spreads
#
# An operation's result requires grad if *any* input does (and recording is on). So
# `w * x` requires grad, `x * y` does not, and inside `with ag.no_grad():` nothing is
# recorded at all: that is how an optimiser updates weights, and how a model is
# evaluated without building a graph.

# %%
print("w * x  requires grad:", (w * x).requires_grad)
print("x * y  requires grad:", (x * y).requires_grad)
with ag.no_grad():
    evaluated = ag.tanh(w * x + b)
print("under no_grad: requires grad:", evaluated.requires_grad, " grad_fn:", evaluated.grad_fn)

# %% [markdown]
# ## `detach`: cutting the graph
#
# `a.detach()` is the same number with no history: gradients do not flow through it. Here
# we compute the loss with the activation detached in one place. The gradient reaching $w$
# then comes only through the other factor, so it differs from the full one.

# %%
w2 = ag.tensor(W0 + 0.3, requires_grad=True)  # a point where tanh is not at 0
a2 = ag.tanh(w2 * x + b)
full = ag.gradients((a2 * a2 - y) ** 2, w2, retain_graph=True)[0].item()
half = ag.gradients((a2.detach() * a2 - y) ** 2, w2)[0].item()
print(f"d/dw of (a² - y)² with both factors tracked: {full:.6f}")
print(f"... with one factor detached:               {half:.6f}  (half of it: {full / 2:.6f})")

# %% [markdown]
# Here both factors of $a \cdot a$ contribute equally, so detaching one halves the
# gradient. `detach` is used on purpose, e.g. for targets that must not be trained
# towards, and it is a classic bug when used by accident.
#
# ## Gradients accumulate: `zero_grad`
#
# `backward()` *adds* into `.grad`; it does not overwrite. Two backward passes without
# clearing give twice the gradient. That is useful (summing over several mini-batches)
# but means a training loop must clear the gradients each step: `optimizer.zero_grad()`,
# `model.zero_grad()` or, for a bare tensor, `w.grad = None`.


# %%
def neuron_loss(w, b):
    return (ag.tanh(w * x + b) - y) ** 2


w.grad = b.grad = None
neuron_loss(w, b).backward()
once = w.grad.item()
neuron_loss(w, b).backward()
twice = w.grad.item()
w.grad = b.grad = None  # what zero_grad does
neuron_loss(w, b).backward()
after_zeroing = w.grad.item()
print(f"after one backward: {once}, after two: {twice}")
print(f"after clearing and one more: {after_zeroing}")

# %% [markdown]
# ## The backward pass as a table
#
# `viz.trace_backward` runs backward and records each step: which node ran, the gradient
# it received from above (*upstream*), its local derivative with respect to each input,
# and the product it sent down (*contribution*). Read it against the chain rule above: the
# upstream gradients are $\partial L/\partial L = 1$, then $\partial L/\partial a$, then
# $\partial L/\partial z$.

# %%
w.grad = b.grad = None
loss = neuron_loss(w, b)
steps = viz.trace_backward(loss, params={"w": w, "b": b})
print(steps)

# %% [markdown]
# ## The graph, with values and gradients
#
# Green boxes are parameters (leaves that require grad), grey ones data and constants,
# white ones intermediate values, orange the loss. Ops are numbered by the backward
# step that ran them; each edge carries the gradient sent back along it.

# %%
viz.draw(loss, params={"w": w, "b": b, "x": x, "y": y}, order=True)

# %% [markdown]
# ## Step through it: the explorer
#
# `viz.explore` turns the same graph into a page that plays the forward pass op by op
# and then backward one edge at a time, with the upstream gradient, the op's local
# derivative (its formula), the product sent to the input, and the leaf gradients
# filling in. Use play, the arrows or the scrubber. Its numbers are the trace above.
# (GitHub does not run the page's script; run the notebook, or open a saved page with
# `page.save("neuron.html")`. The README shows a screenshot.)

# %%
page = viz.explore(loss, params={"w": w, "b": b}, inputs={"x": x, "y": y})
print(f"{page.frames} frames: the leaves, 5 ops forward, the seed, 6 backward edges, the sum")
page

# %% [markdown]
# ## Training the neuron, and why it cannot reach the target
#
# Gradient descent on $w$ and $b$. But $\tanh$ never leaves $(-1, 1)$, so the output can
# not reach $y = 7$, and the loss cannot fall below $(1 - 7)^2 = 36$. Worse, as $a$ nears
# 1 the factor $1 - a^2$ in both gradients goes to 0: the neuron *saturates* and learning
# slows to a crawl.

# %%
w = ag.tensor(W0, requires_grad=True)
b = ag.tensor(B0, requires_grad=True)
LR, STEPS = 0.01, 300
history = []
for _ in range(STEPS):
    a = ag.tanh(w * x + b)
    loss = (a - y) ** 2
    w.grad = b.grad = None
    loss.backward()
    history.append((loss.item(), a.item(), abs(w.grad.item())))
    with ag.no_grad():
        w -= LR * w.grad
        b -= LR * b.grad
losses, outputs, grad_sizes = map(np.array, zip(*history))

fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
axes[0].plot(losses)
axes[0].axhline((1 - Y_TARGET) ** 2, color="gray", ls=":", label="floor (1 - y)²")
axes[0].set_title("loss")
axes[0].set_ylabel("loss L = (a - y)²")
axes[0].legend()
axes[1].plot(outputs)
axes[1].set_title("output a = tanh(wx + b)")
axes[1].set_ylabel("a")
axes[2].semilogy(grad_sizes)
axes[2].set_title("|dL/dw|")
axes[2].set_ylabel("|dL/dw|")
for ax in axes:
    ax.set_xlabel("step")
plt.tight_layout()
plt.show()
print(f"loss: {losses[0]} at the start, {losses[-1]:.4f} after {STEPS} steps")
print(f"output after {STEPS} steps: {outputs[-1]:.6f}")
print(f"|dL/dw|: {grad_sizes[0]} at the start, {grad_sizes[-1]:.2e} after {STEPS} steps")

# %% [markdown]
# ## Exercise
#
# **One more gradient by hand.** With $w = 0.5$, $b = 0$, $x = 1$ and $y = 7$, what is
# $\partial L / \partial b$ for $L = (\tanh(wx + b) - y)^2$? Use the chain rule as above
# (the last factor, $\partial z / \partial b$, is 1) and set `answer_dL_db`.
#

# %%
a_exercise = np.tanh(0.5 * 1.0 + 0.0)
answer_dL_db = 2 * (a_exercise - 7.0) * (1 - a_exercise**2) * 1.0
print(answer_dL_db)

# %% [markdown]
# ## Checks

# %%
assert loss_hand == 49.0, "the lecture's loss"
assert dL_dw_hand == dL_db_hand == -14.0, "the lecture's gradients"
assert engine_grads == (dL_dw_hand, dL_db_hand), "engine gradients equal the hand-derived ones"
assert [step.name for step in steps] == ["Pow", "Sub", "Tanh", "Add", "Mul"], "one step per op"
assert abs(half - full / 2) < 1e-12, "detaching one of two equal factors halves the gradient"
assert twice == 2 * once and after_zeroing == once, "gradients accumulate until cleared"
assert 36 < losses[-1] < 36.5, "the loss approaches, never crosses, the floor of 36"
assert grad_sizes[-1] < grad_sizes[0] / 100, "the saturated neuron's gradient has vanished"
assert page.frames == 14 and "<svg" in page.html, "the explorer's frames"
w_exercise = ag.tensor(0.5, requires_grad=True)
b_exercise = ag.tensor(0.0, requires_grad=True)
((ag.tanh(w_exercise * 1.0 + b_exercise) - 7.0) ** 2).backward()
assert abs(b_exercise.grad.item() - answer_dL_db) < 1e-12, "exercise"
print("all checks passed")
