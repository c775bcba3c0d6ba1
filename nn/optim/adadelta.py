"""Adadelta (Zeiler 2012), as PyTorch defines it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, add_to_param, check_hyperparameter


class Adadelta(Optimizer):
    """PyTorch's Adadelta, for each parameter p with gradient g:

    g = g + weight_decay p
    v = rho v + (1 - rho) g^2                      (v and u start at 0)
    d = sqrt(u + eps) / sqrt(v + eps) g
    u = rho u + (1 - rho) d^2
    p = p - lr d
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def bounds(self, group: dict) -> list:
        """PyTorch's checks: lr, eps, weight_decay >= 0, rho in [0, 1]; NaN refused."""
        check_hyperparameter(type(self).__name__, "rho", group["rho"], 0.0, None)
        if group["rho"] > 1:
            raise ValueError(
                f"{type(self).__name__}: invalid rho {group['rho']!r}; it must be a number "
                "in [0, 1]"
            )
        return [
            ("learning rate lr", group["lr"], 0.0, None),
            ("eps", group["eps"], 0.0, None),
            ("weight_decay", group["weight_decay"], 0.0, None),
        ]

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param._data)
            state["acc_delta"] = np.zeros_like(param._data)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param._data
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        add_to_param(param, -group["lr"] * delta)
