"""chainrule (this project), used as a user would use it.

Three adapters:
- ``chainrule``: the MLP workloads through ``nn`` (layers, loss module, ``nn.optim.SGD``)
  when ``nn`` provides them, else the raw-tensor version below;
- ``chainrule-raw``: parameters as plain ``autograd`` Tensors, ``@``, ``relu``/``tanh``,
  ``log_softmax`` + indexing or a squared mean, and an SGD update under ``no_grad``.
- ``chainrule-captured``: the nn step with forward and backward under
  ``autograd.capture_backward`` (captured on the first step, replayed after), then
  ``nn.optim.SGD``.
W1 is the same in all: a fresh leaf, ``x**4 - 2*x**2``, ``backward()``, read ``x.grad``.
W7 (the CNN): ``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``, ``nn.Flatten``, ``nn.Linear`` in
``nn.Sequential`` (raw: ``autograd.ops.convolution`` and ``max_pool`` on plain Tensors).
"""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import Workload


def _grad_array(tensor) -> np.ndarray:
    return np.array(tensor.grad._data, copy=True)


class ChainruleRawMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        import autograd as ag

        spec = workload.spec
        self.ag, self.spec = ag, spec
        self.params = [ag.Tensor(p.copy(), requires_grad=True) for p in workload.params]
        self.x = ag.Tensor(workload.x)
        self.y = workload.y if spec.loss == "cross_entropy" else ag.Tensor(workload.y)
        self.rows = np.arange(spec.batch)
        self.activation = {"relu": ag.relu, "tanh": ag.tanh}[spec.activation]

    def _loss(self):
        weights, biases = self.params[0::2], self.params[1::2]
        h = self.x
        for w, b in zip(weights[:-1], biases[:-1]):
            h = self.activation(h @ w + b)
        out = h @ weights[-1] + biases[-1]
        if self.spec.loss == "cross_entropy":
            return -self.ag.log_softmax(out, axis=1)[self.rows, self.y].mean()
        return ((out - self.y) ** 2).mean()

    def _backward(self) -> None:
        for p in self.params:
            p.grad = None
        self._loss().backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        return [_grad_array(p) for p in self.params]

    def step(self) -> None:
        self._backward()
        with self.ag.no_grad():
            for p in self.params:
                p -= self.spec.lr * p.grad


class _NNStep(EagerPrepared):
    """An nn model, loss and optimiser: backward, then the optimiser's step."""

    def _backward(self) -> None:
        self.optimizer.zero_grad()
        self.loss_fn(self.model(self.x), self.y).backward()

    def step(self) -> None:
        self._backward()
        self.optimizer.step()


class ChainruleNNMLP(_NNStep):
    """nn.Linear layers in nn.Sequential, nn.CrossEntropyLoss / nn.MSELoss, nn.optim.SGD.

    nn.Linear stores its weight as (out_features, in_features), PyTorch's layout: the
    workload's (fan_in, fan_out) weights go in transposed and gradients come out transposed.
    """

    def __init__(self, workload: Workload):
        import autograd as ag
        import nn

        spec = workload.spec
        activation = {"relu": nn.ReLU, "tanh": nn.Tanh}[spec.activation]
        layers = []
        for w, b in zip(workload.params[0::2], workload.params[1::2]):
            linear = nn.Linear(*w.shape, dtype=w.dtype)
            with ag.no_grad():
                if spec.weight_layout == "c":  # a row-major array, as from a torch state_dict
                    linear.weight.data = np.ascontiguousarray(w.T)
                else:
                    linear.weight.copy_(w.T)
                linear.bias.copy_(b)
            layers += [linear, activation()]
        self.linears = layers[0::2]
        self.model = nn.Sequential(*layers[:-1])
        self.loss_fn = nn.CrossEntropyLoss() if spec.loss == "cross_entropy" else nn.MSELoss()
        self.optimizer = nn.optim.SGD(self.model.parameters(), lr=spec.lr)
        self.x, self.y = ag.Tensor(workload.x), ag.Tensor(workload.y)

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        grads = []
        for linear in self.linears:
            grads += [_grad_array(linear.weight).T, _grad_array(linear.bias)]
        return grads


class ChainruleScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        import autograd as ag

        self.ag = ag
        self.x0 = float(workload.params[0])

    def _grad(self):
        x = self.ag.tensor(self.x0, requires_grad=True)
        (x**4 - 2 * x**2).backward()
        return x.grad

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(self._grad()._data)]

    def step(self) -> None:
        self._grad()


class _Captured:
    """An nn adapter's step, with the loss and its backward replayed from a tape."""

    def __init__(self, workload: Workload):
        import autograd as ag

        super().__init__(workload)
        self.loss_and_backward = ag.capture_backward(lambda x, y: self.loss_fn(self.model(x), y))

    def _backward(self) -> None:
        self.optimizer.zero_grad()
        self.loss_and_backward(self.x, self.y)

    def gradients(self) -> list[np.ndarray]:
        self._backward()  # the first call captures (an eager run): check a replay
        return super().gradients()


class ChainruleCapturedMLP(_Captured, ChainruleNNMLP):
    """The nn MLP step, captured."""


class ChainruleCapturedScalar(ChainruleScalar):
    def __init__(self, workload: Workload):
        super().__init__(workload)
        self.loss_and_backward = self.ag.capture_backward(lambda x: x**4 - 2 * x**2)

    def _grad(self):
        x = self.ag.tensor(self.x0, requires_grad=True)
        self.loss_and_backward(x)
        return x.grad

    def gradients(self) -> list[np.ndarray]:
        self._grad()  # the first call captures (an eager run): check a replay
        return super().gradients()


class ChainruleNNCNN(_NNStep):
    """W7 through nn: Conv2d-ReLU-MaxPool2d twice, Flatten, Linear; CrossEntropyLoss; SGD."""

    def __init__(self, workload: Workload):
        import autograd as ag
        import nn

        spec, (w1, b1, w2, b2, w3, b3) = workload.spec, workload.params
        dtype = w1.dtype
        conv1 = nn.Conv2d(1, spec.channels[0], 3, dtype=dtype)
        conv2 = nn.Conv2d(*spec.channels, 3, dtype=dtype)
        linear = nn.Linear(spec.flat, spec.classes, dtype=dtype)
        with ag.no_grad():
            for param, value in zip(
                (conv1.weight, conv1.bias, conv2.weight, conv2.bias, linear.weight, linear.bias),
                (w1, b1, w2, b2, w3.T, b3),
            ):
                param.copy_(value)
        self.params = [
            conv1.weight,
            conv1.bias,
            conv2.weight,
            conv2.bias,
            linear.weight,
            linear.bias,
        ]
        self.model = nn.Sequential(
            conv1,
            nn.ReLU(),
            nn.MaxPool2d(2),
            conv2,
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            linear,
        )
        self.loss_fn = nn.CrossEntropyLoss()
        self.optimizer = nn.optim.SGD(self.model.parameters(), lr=spec.lr)
        self.x, self.y = ag.Tensor(workload.x), ag.Tensor(workload.y)

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        grads = [_grad_array(p) for p in self.params]
        grads[4] = grads[4].T  # Linear's (out, in) weight -> the workload's (in, out)
        return grads


class ChainruleCapturedCNN(_Captured, ChainruleNNCNN):
    """The nn CNN step, captured."""


class ChainruleRawCNN(EagerPrepared):
    """W7 on plain Tensors: autograd.ops.convolution, relu, max_pool, @, log_softmax."""

    def __init__(self, workload: Workload):
        import autograd as ag

        self.ag, self.lr = ag, workload.spec.lr
        self.params = [ag.Tensor(p.copy(), requires_grad=True) for p in workload.params]
        self.x, self.y = ag.Tensor(workload.x), workload.y
        self.rows = np.arange(len(workload.y))

    def _backward(self) -> None:
        ops = self.ag.ops
        w1, b1, w2, b2, w3, b3 = self.params
        for p in self.params:
            p.grad = None
        h = ops.max_pool(self.ag.relu(ops.convolution(self.x, w1, b1)), (2, 2))
        h = ops.max_pool(self.ag.relu(ops.convolution(h, w2, b2)), (2, 2))
        out = h.reshape(h.shape[0], -1) @ w3 + b3
        (-self.ag.log_softmax(out, axis=1)[self.rows, self.y].mean()).backward()

    def gradients(self) -> list[np.ndarray]:
        self._backward()
        return [_grad_array(p) for p in self.params]

    def step(self) -> None:
        self._backward()
        with self.ag.no_grad():
            for p in self.params:
                p -= self.lr * p.grad


def prepare_captured(workload: Workload):
    if workload.is_cnn:
        return ChainruleCapturedCNN(workload)
    if workload.is_scalar:
        return ChainruleCapturedScalar(workload)
    return ChainruleCapturedMLP(workload)


def nn_available() -> bool:
    """True once ``nn`` has the pieces the nn adapter uses."""
    try:
        import nn
    except ImportError:
        return False
    needed = ("Linear", "Sequential", "ReLU", "Tanh", "CrossEntropyLoss", "MSELoss", "optim")
    return all(hasattr(nn, name) for name in needed) and hasattr(nn.optim, "SGD")


def prepare(workload: Workload):
    if workload.is_cnn:
        return ChainruleNNCNN(workload)
    if workload.is_scalar:
        return ChainruleScalar(workload)
    return ChainruleNNMLP(workload) if nn_available() else ChainruleRawMLP(workload)


def prepare_raw(workload: Workload):
    if workload.is_cnn:
        return ChainruleRawCNN(workload)
    return ChainruleScalar(workload) if workload.is_scalar else ChainruleRawMLP(workload)


INSTALL = "pip install -e .  (from the repository root)"
REQUIRED = ("Tensor", "tensor", "no_grad", "relu", "tanh", "log_softmax")
ENGINE = Engine("chainrule", "autograd", INSTALL, prepare, "chainrule", required=REQUIRED)
RAW = Engine("chainrule-raw", "autograd", INSTALL, prepare_raw, "chainrule", required=REQUIRED)
CAPTURED = Engine(
    "chainrule-captured",
    "autograd",
    INSTALL,
    prepare_captured,
    "chainrule",
    required=(*REQUIRED, "capture_backward"),
)
