"""HIPS autograd, run in its own venv (its import name ``autograd`` is also ours).

The parent process never imports it: ``benchmarks/hips_worker.py`` runs under
``benchmarks/.venv-hips/bin/python``, times HIPS against the numpy reference in that same
process and reports JSON. Create the venv with::

    python -m venv benchmarks/.venv-hips
    benchmarks/.venv-hips/bin/pip install autograd numpy threadpoolctl

Inside the worker, ``prepare`` builds the usual adapter: a pure loss of the parameter list,
``autograd.grad``, and a functional SGD update, as HIPS users write it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import WITHOUT_CNN, MLPSpec, Workload

NAME = "hips-autograd"
VENV = Path(__file__).resolve().parents[1] / ".venv-hips"
INSTALL = (
    "python -m venv benchmarks/.venv-hips && "
    "benchmarks/.venv-hips/bin/pip install autograd numpy threadpoolctl"
)


def venv_python() -> Path | None:
    """The venv's interpreter, or None if the venv was not created."""
    python = VENV / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    return python if python.exists() else None


def _mlp_loss(spec: MLPSpec):
    import autograd.numpy as anp  # HIPS: only ever imported inside the worker

    def activation(h):
        return anp.maximum(h, 0) if spec.activation == "relu" else anp.tanh(h)

    def loss(params, x, y):
        weights, biases = params[0::2], params[1::2]
        h = x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = activation(anp.dot(h, w) + b)
        out = anp.dot(h, weights[-1]) + biases[-1]
        if spec.loss == "cross_entropy":
            shifted = out - anp.max(out, axis=1, keepdims=True)
            log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
            return -anp.mean(log_probs[anp.arange(len(y)), y])
        return anp.mean((out - y) ** 2)

    return loss


class HipsMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        from autograd import grad

        self.spec = workload.spec
        self.grad = grad(_mlp_loss(self.spec))
        self.params = [p.copy() for p in workload.params]
        self.x, self.y = workload.x, workload.y

    def gradients(self) -> list[np.ndarray]:
        return list(self.grad(self.params, self.x, self.y))

    def step(self) -> None:
        grads = self.grad(self.params, self.x, self.y)
        self.params = [p - self.spec.lr * g for p, g in zip(self.params, grads)]


class HipsScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        from autograd import grad

        self.grad = grad(lambda x: x**4 - 2 * x**2)
        self.x0 = float(workload.params[0])

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(self.grad(self.x0))]

    def step(self) -> None:
        self.grad(self.x0)


def prepare(workload: Workload) -> HipsMLP | HipsScalar:
    return HipsScalar(workload) if workload.is_scalar else HipsMLP(workload)


ENGINE = Engine(NAME, "autograd", INSTALL, prepare, distribution="autograd", workloads=WITHOUT_CNN)
