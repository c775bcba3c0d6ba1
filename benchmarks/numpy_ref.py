"""The hand-written numpy reference: forward, manual backward and SGD update.

This is the yardstick (ratio 1.00) and the ground truth for every gradient check. It is
written the way a careful person writes it by hand: no gradient for the input, float32
stays float32, the update is in place.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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


# W7: the LeNet-style CNN --------------------------------------------------------------


def _conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """3x3 'valid' convolution by im2col: columns (N, C*9, H'*W'), one batched matmul."""
    n, c, h, width = x.shape
    out_h, out_w = h - 2, width - 2
    windows = sliding_window_view(x, (3, 3), axis=(2, 3))  # (N, C, H', W', 3, 3)
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, out_h * out_w)
    out = w.reshape(w.shape[0], -1) @ cols + b[:, None]
    return out.reshape(n, w.shape[0], out_h, out_w), (cols, w, x.shape)


def _conv_backward(g: np.ndarray, cache: tuple, need_input: bool) -> tuple:
    """dw, db and (if asked) dx: the columns' gradient added back, one kernel offset at a time."""
    cols, w, x_shape = cache
    n, o, out_h, out_w = g.shape
    g = g.reshape(n, o, out_h * out_w)
    dw = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = g.sum(axis=(0, 2))
    if not need_input:
        return dw, db, None
    dcols = (w.reshape(o, -1).T @ g).reshape(n, x_shape[1], 3, 3, out_h, out_w)
    dx = np.zeros(x_shape, dtype=g.dtype)
    for i in range(3):
        for j in range(3):
            dx[:, :, i : i + out_h, j : j + out_w] += dcols[:, :, i, j]
    return dw, db, dx


def _pool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max-pool, stride 2 (odd edges dropped); the first maximum of each window."""
    n, c, h, w = x.shape
    windows = x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)
    windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    arg = windows.argmax(axis=-1)[..., None]
    return np.take_along_axis(windows, arg, axis=-1)[..., 0], arg


def _pool_backward(g: np.ndarray, arg: np.ndarray, shape: tuple) -> np.ndarray:
    n, c, h2, w2 = g.shape
    spread = np.zeros((n, c, h2, w2, 4), dtype=g.dtype)
    np.put_along_axis(spread, arg, g[..., None], axis=-1)
    dx = np.zeros(shape, dtype=g.dtype)
    dx[:, :, : 2 * h2, : 2 * w2] = (
        spread.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h2, 2 * w2)
    )
    return dx


def cnn_loss_and_grads(
    params: list[np.ndarray], x: np.ndarray, y: np.ndarray
) -> tuple[float, list[np.ndarray]]:
    """Loss and gradients of W7's CNN: conv-ReLU-pool twice, then a linear layer."""
    w1, b1, w2, b2, w3, b3 = params
    c1, cache1 = _conv_forward(x, w1, b1)
    r1 = np.maximum(c1, 0)
    p1, arg1 = _pool_forward(r1)
    c2, cache2 = _conv_forward(p1, w2, b2)
    r2 = np.maximum(c2, 0)
    p2, arg2 = _pool_forward(r2)
    flat = p2.reshape(p2.shape[0], -1)
    loss, g = cross_entropy(flat @ w3 + b3, y)
    dw3, db3 = flat.T @ g, g.sum(axis=0)
    dr2 = _pool_backward((g @ w3.T).reshape(p2.shape), arg2, r2.shape) * (r2 > 0)
    dw2, db2, dp1 = _conv_backward(dr2, cache2, need_input=True)
    dr1 = _pool_backward(dp1, arg1, r1.shape) * (r1 > 0)
    dw1, db1, _ = _conv_backward(dr1, cache1, need_input=False)  # x needs no gradient
    return loss, [dw1, db1, dw2, db2, dw3, db3]


class NumpyCNN(EagerPrepared):
    def __init__(self, workload: Workload):
        self.lr = workload.spec.lr
        self.params = [p.copy() for p in workload.params]
        self.x, self.y = workload.x, workload.y

    def gradients(self) -> list[np.ndarray]:
        return cnn_loss_and_grads(self.params, self.x, self.y)[1]

    def step(self) -> None:
        _, grads = cnn_loss_and_grads(self.params, self.x, self.y)
        sgd_update(self.params, grads, self.lr)


def prepare(workload: Workload) -> NumpyMLP | NumpyScalar | NumpyCNN:
    if workload.is_cnn:
        return NumpyCNN(workload)
    return NumpyScalar(workload) if workload.is_scalar else NumpyMLP(workload)


NAME = "numpy-ref"
ENGINE = Engine(NAME, "numpy", "(always installed)", prepare, distribution="numpy")
