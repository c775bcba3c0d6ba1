"""RMSprop (Hinton's lecture 6e), as PyTorch defines it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, add_to_param


class RMSprop(Optimizer):
    """PyTorch's RMSprop, for each parameter p with gradient g:

    g = g + weight_decay p
    v = alpha v + (1 - alpha) g^2
    a = v - gbar^2 with gbar = alpha gbar + (1 - alpha) g    (centered only), else a = v
    d = sqrt(a) + eps
    b = momentum b + g / d;  p = p - lr b                    (momentum > 0)
    p = p - lr g / d                                         (momentum = 0)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            momentum=momentum,
            centered=centered,
        )
        super().__init__(params, defaults)

    def bounds(self, group: dict) -> list:
        """PyTorch's checks: lr, alpha, eps, momentum, weight_decay >= 0; NaN refused."""
        names = ("alpha", "eps", "momentum", "weight_decay")
        return [("learning rate lr", group["lr"], 0.0, None)] + [
            (name, group[name], 0.0, None) for name in names
        ]

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param._data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param._data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param._data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param._data

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps

        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / avg
            add_to_param(param, -lr * buffer)
        else:
            add_to_param(param, -lr * grad / avg)
