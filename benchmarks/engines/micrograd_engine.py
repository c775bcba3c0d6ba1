"""Karpathy's micrograd (scalar Values): W1 and the tiny MLP W6 only.

micrograd's ``nn.MLP`` takes one sample at a time, so the batch loss is a Python sum over
samples, as in its demo notebook; its hidden layers are ReLU and its last layer linear,
which is exactly W6.
"""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import Workload


class MicrogradMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        from micrograd.nn import MLP

        spec = workload.spec
        if spec.activation != "relu" or spec.loss != "mse":
            raise ValueError(f"micrograd: {workload.key} needs ReLU + MSE, got {spec}")
        self.spec = spec
        self.model = MLP(spec.sizes[0], list(spec.sizes[1:]))
        for layer, w, b in zip(self.model.layers, workload.params[0::2], workload.params[1::2]):
            for j, neuron in enumerate(layer.neurons):
                for i, weight in enumerate(neuron.w):
                    weight.data = float(w[i, j])
                neuron.b.data = float(b[j])
        self.xs = workload.x.tolist()
        self.ys = workload.y[:, 0].tolist()

    def _backward(self) -> None:
        self.model.zero_grad()
        n = len(self.xs)
        loss = sum(((self.model(x) - y) ** 2 for x, y in zip(self.xs, self.ys)), 0) * (1 / n)
        loss.backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        grads = []
        for layer in self.model.layers:
            grads.append(np.array([[w.grad for w in n.w] for n in layer.neurons]).T)
            grads.append(np.array([n.b.grad for n in layer.neurons], dtype=float))
        return grads

    def step(self) -> None:
        self._backward()
        for p in self.model.parameters():
            p.data -= self.spec.lr * p.grad


class MicrogradScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        self.x0 = float(workload.params[0])

    def _grad(self) -> float:
        from micrograd.engine import Value

        x = Value(self.x0)
        (x**4 - 2 * x**2).backward()
        return x.grad

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(self._grad())]

    def step(self) -> None:
        self._grad()


def prepare(workload: Workload) -> MicrogradMLP | MicrogradScalar:
    return MicrogradScalar(workload) if workload.is_scalar else MicrogradMLP(workload)


ENGINE = Engine(
    "micrograd", "micrograd", "pip install micrograd", prepare, workloads=frozenset({"W1", "W6"})
)
