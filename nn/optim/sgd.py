"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, add_to_param


class SGD(Optimizer):
    """PyTorch's SGD, for each parameter p with gradient g:

    g = g + weight_decay p
    b = g                                  (first step)
    b = momentum b + (1 - dampening) g     (later steps)      if momentum != 0
    g = g + momentum b   if nesterov  else  g = b
    p = p - lr g
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def bounds(self, group: dict) -> list:
        """lr, momentum, weight_decay >= 0 (PyTorch's checks; NaN refused too, which
        PyTorch's SGD lets through); dampening: any number."""
        return [
            ("learning rate lr", group["lr"], 0.0, None),
            ("momentum", group["momentum"], 0.0, None),
            ("dampening", group["dampening"], -math.inf, None),
            ("weight_decay", group["weight_decay"], 0.0, None),
        ]

    def _step_group(self, group: dict[str, Any]) -> None:
        """Plain SGD (no momentum, weight decay or maximize) is the loop a person writes
        by hand, `p -= lr * g`; every other setting goes through `update`."""
        if group["momentum"] != 0 or group["weight_decay"] != 0 or group["maximize"]:
            super()._step_group(group)
            return
        lr = group["lr"]  # no state: PyTorch's SGD keeps none without momentum either
        for param in group["params"]:
            if param.grad is not None:
                add_to_param(param, -lr * param.grad._data)

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * param._data
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        add_to_param(param, -lr * grad)
