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


class MygradCNN(EagerPrepared):
    """W7 with mygrad.nnet's conv_nd and max_pool, softmax_crossentropy, update on .data."""

    def __init__(self, workload: Workload):
        import mygrad as mg

        self.lr = workload.spec.lr
        self.params = [mg.tensor(p.copy()) for p in workload.params]
        self.x, self.y = workload.x, workload.y

    def _backward(self) -> None:
        from mygrad.nnet import conv_nd, max_pool, relu, softmax_crossentropy

        def pool(h):  # mygrad's windows must tile the input: drop an odd edge (floor)
            return max_pool(h[..., : h.shape[-2] // 2 * 2, : h.shape[-1] // 2 * 2], (2, 2), 2)

        w1, b1, w2, b2, w3, b3 = self.params
        h = pool(relu(conv_nd(self.x, w1, stride=1) + b1[:, None, None]))
        h = pool(relu(conv_nd(h, w2, stride=1) + b2[:, None, None]))
        softmax_crossentropy(h.reshape(h.shape[0], -1) @ w3 + b3, self.y).backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        return [p.grad.copy() for p in self.params]

    def step(self) -> None:
        self._backward()
        for p in self.params:
            p.data -= self.lr * p.grad


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


def prepare(workload: Workload) -> MygradMLP | MygradScalar | MygradCNN:
    if workload.is_cnn:
        return MygradCNN(workload)
    return MygradScalar(workload) if workload.is_scalar else MygradMLP(workload)


ENGINE = Engine("mygrad", "mygrad", "pip install mygrad", prepare)
