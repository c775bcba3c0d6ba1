"""JAX on the CPU, jitted (the whole step compiled) and eager (op-by-op dispatch).

The loss is a pure function of the parameter list; the step is ``jax.grad`` plus a
functional SGD update. float64 workloads need ``jax_enable_x64``, switched on at prepare.
"""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import Engine
from benchmarks.workloads import WITHOUT_CNN, MLPSpec, Workload


def _enable_x64():
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def _mlp_loss(spec: MLPSpec):
    import jax
    import jax.numpy as jnp

    activation = {"relu": jax.nn.relu, "tanh": jnp.tanh}[spec.activation]

    def loss(params, x, y):
        weights, biases = params[0::2], params[1::2]
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = activation(h @ w + b)
        out = h @ weights[-1] + biases[-1]
        if spec.loss == "cross_entropy":
            log_probs = jax.nn.log_softmax(out, axis=1)
            return -jnp.take_along_axis(log_probs, y[:, None], axis=1).mean()
        return jnp.mean((out - y) ** 2)

    return loss


def _double_well(x):
    return x**4 - 2 * x**2


class JaxMLP:
    def __init__(self, workload: Workload, jit: bool):
        jax = _enable_x64()
        spec = workload.spec
        grad = jax.grad(_mlp_loss(spec))

        def step(params, x, y):
            return [p - spec.lr * g for p, g in zip(params, grad(params, x, y))]

        self.grad = jax.jit(grad) if jit else grad
        self.update = jax.jit(step) if jit else step
        self.params = [jax.numpy.asarray(p) for p in workload.params]
        self.x, self.y = jax.numpy.asarray(workload.x), jax.numpy.asarray(workload.y)

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(g) for g in self.grad(self.params, self.x, self.y)]

    def step(self) -> None:
        self.params = self.update(self.params, self.x, self.y)

    def sync(self) -> None:
        for p in self.params:
            p.block_until_ready()


class JaxScalar:
    def __init__(self, workload: Workload, jit: bool):
        jax = _enable_x64()
        self.grad = jax.jit(jax.grad(_double_well)) if jit else jax.grad(_double_well)
        self.x0 = float(workload.params[0])

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(self.grad(self.x0))]

    def step(self) -> None:
        float(self.grad(self.x0))  # a user wants the number: wait for it

    def sync(self) -> None:
        return None


def _prepare(jit: bool):
    def prepare(workload: Workload) -> JaxMLP | JaxScalar:
        kind = JaxScalar if workload.is_scalar else JaxMLP
        return kind(workload, jit)

    return prepare


INSTALL = "pip install jax jaxlib"
JIT = Engine("jax-jit", "jax", INSTALL, _prepare(jit=True), workloads=WITHOUT_CNN)
EAGER = Engine("jax", "jax", INSTALL, _prepare(jit=False), workloads=WITHOUT_CNN)
