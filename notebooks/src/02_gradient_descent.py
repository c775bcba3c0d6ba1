# %% [markdown]
# # 2. Gradient vectors and gradient descent
#
# For a function of several variables the derivative becomes the **gradient**, the vector
# of partial derivatives. For the surface
#
# $$z = f(x, y) = \sin(x^2 + y^2), \qquad
# \nabla f = \begin{pmatrix} \partial f/\partial x \\ \partial f/\partial y \end{pmatrix}
# = 2\cos(x^2 + y^2) \begin{pmatrix} x \\ y \end{pmatrix}$$
#
# the gradient points in the direction of steepest ascent and is perpendicular to the
# contour lines. Gradient descent walks the other way: $p \leftarrow p - \eta \nabla f(p)$.
# This notebook computes $\nabla f$ with the engine over a whole grid in one backward
# pass, draws it, and runs gradient descent with several learning rates $\eta$.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag


def surface(x, y):
    return ag.sin(x**2 + y**2)


def analytic_gradient(x, y):
    common = 2 * np.cos(x**2 + y**2)
    return common * x, common * y


# %% [markdown]
# ## The gradient over a grid in one backward pass
#
# Put the grid coordinates into two tensors that require grad and evaluate $f$ everywhere
# at once. Each $z_{ij}$ depends only on its own $x_{ij}, y_{ij}$, so the gradient of the
# *sum* $\sum_{ij} z_{ij}$ with respect to $x_{ij}$ is exactly $\partial z_{ij}/\partial
# x_{ij}$: a single `backward()` gives the gradient at every grid point.

# %%
grid = np.linspace(-2.5, 2.5, 41)
X_grid, Y_grid = np.meshgrid(grid, grid)
x = ag.tensor(X_grid, requires_grad=True)
y = ag.tensor(Y_grid, requires_grad=True)
z = surface(x, y)
z.sum().backward()

dz_dx, dz_dy = x.grad.numpy(), y.grad.numpy()
exact_dx, exact_dy = analytic_gradient(X_grid, Y_grid)
grid_error = max(np.abs(dz_dx - exact_dx).max(), np.abs(dz_dy - exact_dy).max())
print(f"grid of {X_grid.size} points; largest difference from the formula: {grid_error:.1e}")

# %% [markdown]
# Contours of $f$ with the gradient as arrows (every second grid point). The arrows point
# uphill, across the contour lines; they vanish on the rings where $\cos(x^2 + y^2) = 0$,
# the ridge $x^2 + y^2 = \pi/2$ (maximum, $f = 1$) and the valley $x^2 + y^2 = 3\pi/2$
# (minimum, $f = -1$), and at the origin.

# %%
fig, ax = plt.subplots(figsize=(6.5, 5.5))
contours = ax.contourf(X_grid, Y_grid, z.numpy(), levels=20, cmap="viridis")
fig.colorbar(contours, ax=ax, label="z = sin(x² + y²)")
every = slice(None, None, 2)
ax.quiver(
    X_grid[every, every],
    Y_grid[every, every],
    dz_dx[every, every],
    dz_dy[every, every],
    color="white",
    scale=60,
)
ax.set_aspect("equal")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("∇f from one backward pass")
plt.show()

# %% [markdown]
# ## The gradient at one point, the functional way
#
# For a single point it is more natural to write $f$ as a function of a vector $p$ and ask
# `ag.grad` for its gradient; given a numpy array it returns one.

# %%


def f(p):
    return ag.sin((p**2).sum())


gradient = ag.grad(f)
start = np.array([1.0, 0.8])
print("p       =", start)
print("∇f(p)   =", gradient(start))
print("formula =", np.array(analytic_gradient(*start)))

# %% [markdown]
# ## Gradient descent follows the arrows
#
# From a ring of starting points, 40 steps of $p \leftarrow p - \eta\,\nabla f(p)$ with
# $\eta = 0.05$. Every path crosses the contour lines at right angles, downhill: into the
# valley ring if it starts outside the ridge, into the dip at the origin if it starts
# inside. Because $f$ depends only on the radius $r = \sqrt{x^2 + y^2}$, the gradient always
# points along the radius, and so do the paths.


# %%
def descend(p, lr, steps=40):
    path = [p]
    for _ in range(steps):
        p = p - lr * gradient(p)
        path.append(p)
    return np.array(path)


angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
radii = np.where(np.arange(8) % 2 == 0, 1.1, 1.45)  # alternately inside and outside the ridge
starts = np.stack([radii * np.cos(angles + 0.3), radii * np.sin(angles + 0.3)], axis=1)
ring_paths = [descend(p, lr=0.05) for p in starts]

fig, ax = plt.subplots(figsize=(5.5, 5.5))
ax.contourf(X_grid, Y_grid, z.numpy(), levels=15, cmap="viridis", alpha=0.6)
for path in ring_paths:
    ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", ms=3)
    ax.plot(*path[0], "ko", ms=4)
ax.set_aspect("equal")
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("Gradient descent, η = 0.05, from 8 starts")
plt.show()
ends = np.array([path[-1] @ path[-1] for path in ring_paths])
print("x² + y² at the end of each path:", np.round(ends, 6))

# %% [markdown]
# ## Four learning rates from one start
#
# Now one start, $p = (1, 0.8)$, just outside the ridge, and four learning rates. Since
# every path runs along the radius, the clearest picture is the profile $f = \sin(r^2)$
# with the iterates marked on it:
#
# * too small an $\eta$ crawls;
# * a moderate $\eta$ slides into the valley;
# * a larger $\eta$ overshoots and bounces from one side of the valley to the other;
# * a still larger one is thrown back over the ridge and lands in another basin (here the
#   dip at the origin, where $f = 0$).

# %%
learning_rates = [0.01, 0.05, 0.15, 0.3]
paths = {lr: descend(start, lr) for lr in learning_rates}
valley = 3 * np.pi / 2  # the minimum ring: x² + y² = 3π/2
profile_r = np.linspace(0, 2.6, 300)

fig, axes = plt.subplots(1, 5, figsize=(16, 3.2))
for ax, (lr, path) in zip(axes, paths.items()):
    r = np.sqrt((path**2).sum(axis=1))
    ax.plot(profile_r, np.sin(profile_r**2), color="gray")
    ax.plot(r, np.sin(r**2), ".-", color="tab:red", lw=0.7)
    ax.plot(r[0], np.sin(r[0] ** 2), "k*", ms=10)
    ax.set_title(f"η = {lr}")
    ax.set_xlabel("r = |p|")
    ax.set_ylabel("f = sin(r²)")
for lr, path in paths.items():
    axes[-1].plot(np.sin((path**2).sum(axis=1)), ".-", ms=3, label=f"η = {lr}")
axes[-1].set_xlabel("step")
axes[-1].set_ylabel("f(p)")
axes[-1].set_title("f(p) per step")
axes[-1].legend(fontsize=8)
plt.tight_layout()
plt.show()

for lr, path in paths.items():
    end = path[-1]
    print(
        f"η = {lr:<5} end p = ({end[0]: .4f}, {end[1]: .4f})   f = {np.sin(end @ end): .6f}   "
        f"x² + y² = {end @ end:.4f}   (valley at {valley:.4f})"
    )

# %% [markdown]
# The learning rate is the one knob of gradient descent, and this picture is the whole
# story of tuning it: small is safe but slow, and past a point larger is not faster but
# unstable. Where the descent ends up can depend on it too.
#
# ## Exercise
#
# **The gradient by hand.** For $f(x, y) = \sin(x^2 + y^2)$, write $\nabla f(1, 1)$ with
# the chain rule and set `answer_gradient` (a pair of numbers). In which direction does a
# gradient-descent step from $(1, 1)$ move, and why, given that $x^2 + y^2 = 2$ lies beyond
# the first ridge of $\sin$ at $\pi/2$?
#

# %%
answer_gradient = (2 * np.cos(2.0) * 1.0, 2 * np.cos(2.0) * 1.0)  # 2 cos(x² + y²) (x, y)
print(np.round(answer_gradient, 6), "-> a descent step moves outward, away from the ridge")

# %% [markdown]
# ## Checks

# %%
assert np.all((np.abs(ends - valley) < 1e-6) | (ends < 1e-2)), "into the valley or the dip"
assert grid_error < 1e-12, "engine gradient over the grid equals 2 cos(x²+y²) (x, y)"
assert np.allclose(gradient(start), analytic_gradient(*start), atol=1e-14)
slow, good, bouncy, jumpy = (paths[lr][-1] for lr in learning_rates)
assert abs(good @ good - valley) < 1e-6, "a moderate learning rate reaches the valley"
assert slow @ slow < valley - 1, "a small learning rate is still on its way"
bouncy_radii = (paths[0.15] ** 2).sum(axis=1)[-6:]
assert np.any(bouncy_radii > valley) and np.any(bouncy_radii < valley), "overshoots both ways"
assert jumpy @ jumpy < 1e-6, "a large learning rate lands in the basin at the origin"
p_exercise = ag.tensor([1.0, 1.0], requires_grad=True)
ag.sin((p_exercise**2).sum()).backward()
assert np.allclose(p_exercise.grad.numpy(), answer_gradient, atol=1e-12), "exercise"
print("all checks passed")
