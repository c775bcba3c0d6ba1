"""PyTorch CPU eager, written as its users write it: nn.Sequential, nn losses, optim.SGD."""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import MLPSpec, Workload


def _model(spec: MLPSpec, params: list[np.ndarray]):
    import torch

    activation = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[spec.activation]
    layers = []
    for w, b in zip(params[0::2], params[1::2]):
        linear = torch.nn.Linear(*w.shape, dtype=torch.from_numpy(w).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w.T))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, activation()]
    return torch.nn.Sequential(*layers[:-1])


class TorchMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        import torch

        spec = workload.spec
        self.model = _model(spec, workload.params)
        losses = {"cross_entropy": torch.nn.CrossEntropyLoss, "mse": torch.nn.MSELoss}
        self.loss_fn = losses[spec.loss]()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=spec.lr)
        self.x = torch.from_numpy(workload.x)
        self.y = torch.from_numpy(workload.y)

    def _backward(self) -> None:
        self.optimizer.zero_grad()
        self.loss_fn(self.model(self.x), self.y).backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        grads = []
        for layer in self.model[::2]:
            grads += [layer.weight.grad.numpy().T.copy(), layer.bias.grad.numpy().copy()]
        return grads

    def step(self) -> None:
        self._backward()
        self.optimizer.step()


class TorchCNN(EagerPrepared):
    """W7: Conv2d-ReLU-MaxPool2d twice, Flatten, Linear in nn.Sequential, CrossEntropyLoss."""

    def __init__(self, workload: Workload):
        import torch

        spec, (w1, b1, w2, b2, w3, b3) = workload.spec, workload.params
        nn = torch.nn
        self.model = nn.Sequential(
            nn.Conv2d(1, spec.channels[0], 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(*spec.channels, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(spec.flat, spec.classes),
        )  # fmt: skip
        self.params = [p for i in (0, 3, 7) for p in (self.model[i].weight, self.model[i].bias)]
        with torch.no_grad():
            for param, value in zip(self.params, (w1, b1, w2, b2, w3.T, b3)):
                param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=spec.lr)
        self.x, self.y = torch.from_numpy(workload.x), torch.from_numpy(workload.y)

    def _backward(self) -> None:
        self.optimizer.zero_grad()
        self.loss_fn(self.model(self.x), self.y).backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        grads = [p.grad.numpy().copy() for p in self.params]
        grads[4] = grads[4].T.copy()
        return grads

    def step(self) -> None:
        self._backward()
        self.optimizer.step()


class TorchScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        self.x0 = float(workload.params[0])

    def _grad(self):
        import torch

        x = torch.tensor(self.x0, dtype=torch.float64, requires_grad=True)
        (x**4 - 2 * x**2).backward()
        return x.grad

    def gradients(self) -> list[np.ndarray]:
        return [self._grad().numpy()]

    def step(self) -> None:
        self._grad()


def prepare(workload: Workload) -> TorchMLP | TorchScalar | TorchCNN:
    if workload.is_cnn:
        return TorchCNN(workload)
    return TorchScalar(workload) if workload.is_scalar else TorchMLP(workload)


ENGINE = Engine("torch", "torch", "pip install torch==2.13.0", prepare)
