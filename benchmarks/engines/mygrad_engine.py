"""MyGrad, as its docs write a model: Tensors for parameters, mygrad.nnet activations and
losses, and an SGD update on ``.data``."""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import Workload


class MygradMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        import mygrad as mg
        from mygrad import nnet

        spec = workload.spec
        self.spec = spec
        self.params = [mg.tensor(p.copy()) for p in workload.params]
        self.x, self.y = workload.x, workload.y
        self.activation = {"relu": nnet.relu, "tanh": mg.tanh}[spec.activation]
        self.loss_fn = nnet.softmax_crossentropy if spec.loss == "cross_entropy" else self._mse

    @staticmethod
    def _mse(pred, target):
        import mygrad as mg

        return mg.mean((pred - target) ** 2)

    def _backward(self) -> None:
        weights, biases = self.params[0::2], self.params[1::2]
        h = self.x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = self.activation(h @ w + b)
        self.loss_fn(h @ weights[-1] + biases[-1], self.y).backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        return [p.grad.copy() for p in self.params]

    def step(self) -> None:
        self._backward()
        for p in self.params:
            p.data -= self.spec.lr * p.grad


class MygradScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        self.x0 = float(workload.params[0])

    def _grad(self) -> np.ndarray:
        import mygrad as mg

        x = mg.tensor(self.x0)
        (x**4 - 2 * x**2).backward()
        return x.grad

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(self._grad())]

    def step(self) -> None:
        self._grad()


def prepare(workload: Workload) -> MygradMLP | MygradScalar:
    return MygradScalar(workload) if workload.is_scalar else MygradMLP(workload)


ENGINE = Engine("mygrad", "mygrad", "pip install mygrad", prepare)
