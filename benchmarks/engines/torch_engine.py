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


def prepare(workload: Workload) -> TorchMLP | TorchScalar:
    return TorchScalar(workload) if workload.is_scalar else TorchMLP(workload)


ENGINE = Engine("torch", "torch", "pip install torch==2.13.0", prepare)
