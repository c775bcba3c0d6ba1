"""Adagrad (Duchi, Hazan & Singer 2011), as PyTorch defines it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, add_to_param


class Adagrad(Optimizer):
    """PyTorch's Adagrad, for each parameter p with gradient g at step t = 1, 2, ...:

    g = g + weight_decay p
    lr_t = lr / (1 + (t - 1) lr_decay)
    s = s + g^2                          (s starts at initial_accumulator_value)
    p = p - lr_t g / (sqrt(s) + eps)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            maximize=maximize,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
        )
        super().__init__(params, defaults)

    def bounds(self, group: dict) -> list:
        """PyTorch's checks: lr, lr_decay, weight_decay, initial_accumulator_value, eps >= 0;
        NaN refused."""
        names = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        return [("learning rate lr", group["lr"], 0.0, None)] + [
            (name, group[name], 0.0, None) for name in names
        ]

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param._data, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param._data
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"])
        std += group["eps"]
        add_to_param(param, -lr_t * grad / std)
