"""The hand-written numpy reference: forward, manual backward and SGD update.

This is the yardstick (ratio 1.00) and the ground truth for every gradient check. It is
written the way a careful person writes it by hand: no gradient for the input, float32
stays float32, the update is in place.
"""

from __future__ import annotations

import numpy as np

from benchmarks.engines.base import EagerPrepared, Engine
from benchmarks.workloads import MLPSpec, Workload


def double_well(x: np.ndarray) -> np.ndarray:
    """f(x) = x**4 - 2 x**2."""
    return x**4 - 2 * x**2


def double_well_grad(x: np.ndarray) -> np.ndarray:
    """f'(x) = 4 x**3 - 4 x."""
    return 4 * x**3 - 4 * x


def _activate(h: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(h, 0)
    if activation == "tanh":
        return np.tanh(h)
    raise ValueError(f"numpy_ref: unknown activation {activation!r} (relu, tanh)")


def _activation_backward(grad: np.ndarray, a: np.ndarray, activation: str) -> np.ndarray:
    """dL/dh from dL/da and the activation's output a: relu' = [a > 0], tanh' = 1 - a**2."""
    if activation == "relu":
        return grad * (a > 0)
    return grad * (1 - a * a)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean softmax cross-entropy of (N, C) logits and (N,) labels, and dL/dlogits."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_probs[rows, labels].mean()
    grad = np.exp(log_probs)
    grad[rows, labels] -= 1
    grad /= n
    return float(loss), grad


def mse(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all elements, and dL/dpred = 2 (pred - target) / size."""
    diff = pred - target
    return float((diff * diff).mean()), diff * (2 / diff.size)


LOSSES = {"cross_entropy": cross_entropy, "mse": mse}


def mlp_loss_and_grads(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray, spec: MLPSpec
) -> tuple[float, list[np.ndarray]]:
    """Loss and ``[dW1, db1, ...]`` of the MLP ``params`` on the batch ``(x, y)``."""
    weights, biases = params[0::2], params[1::2]
    activations = [x]  # the input of every layer
    for w, b in zip(weights[:-1], biases[:-1]):
        activations.append(_activate(activations[-1] @ w + b, spec.activation))
    out = activations[-1] @ weights[-1] + biases[-1]
    loss, grad = LOSSES[spec.loss](out, y)

    grads: list[np.ndarray] = []
    for layer in reversed(range(len(weights))):
        a_in = activations[layer]
        grads += [grad.sum(axis=0), a_in.T @ grad]  # reversed below: db, dW -> dW, db
        if layer > 0:  # the input x needs no gradient
            grad = _activation_backward(grad @ weights[layer].T, a_in, spec.activation)
    return loss, grads[::-1]


def sgd_update(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    """p <- p - lr * g, in place."""
    for p, g in zip(params, grads):
        p -= lr * g


class NumpyMLP(EagerPrepared):
    def __init__(self, workload: Workload):
        self.spec = workload.spec
        self.params = [p.copy() for p in workload.params]
        self.x, self.y = workload.x, workload.y

    def gradients(self) -> list[np.ndarray]:
        return mlp_loss_and_grads(self.params, self.x, self.y, self.spec)[1]

    def step(self) -> None:
        _, grads = mlp_loss_and_grads(self.params, self.x, self.y, self.spec)
        sgd_update(self.params, grads, self.spec.lr)


class NumpyScalar(EagerPrepared):
    def __init__(self, workload: Workload):
        self.x = workload.params[0][()]  # a numpy float64 scalar

    def gradients(self) -> list[np.ndarray]:
        return [np.asarray(double_well_grad(self.x))]

    def step(self) -> None:
        double_well(self.x)
        double_well_grad(self.x)


def prepare(workload: Workload) -> NumpyMLP | NumpyScalar:
    return NumpyScalar(workload) if workload.is_scalar else NumpyMLP(workload)


NAME = "numpy-ref"
ENGINE = Engine(NAME, "numpy", "(always installed)", prepare, distribution="numpy")
