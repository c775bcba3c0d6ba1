"""Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), as PyTorch defines them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .optimizer import Optimizer, add_to_param, scale_param


class Adam(Optimizer):
    """PyTorch's Adam, for each parameter p with gradient g at step t = 1, 2, ...:

    g = g + weight_decay p                         (L2 penalty in the gradient)
    m = beta1 m + (1 - beta1) g
    v = beta2 v + (1 - beta2) g^2
    v_max = max(v_max, v)                          (amsgrad only; then use v_max for v)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def bounds(self, group: dict) -> list:
        """PyTorch's checks: lr, eps, weight_decay >= 0; each beta in [0, 1); NaN refused."""
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        return [
            ("learning rate lr", group["lr"], 0.0, None),
            ("beta1 (betas[0])", betas[0], 0.0, 1.0),
            ("beta2 (betas[1])", betas[1], 0.0, 1.0),
            ("eps", group["eps"], 0.0, None),
            ("weight_decay", group["weight_decay"], 0.0, None),
        ]

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param._data)
            state["exp_avg_sq"] = np.zeros_like(param._data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param._data)
        state["step"] += 1
        step = state["step"]

        if weight_decay != 0:
            if self.decoupled_weight_decay:  # AdamW: shrink p itself
                scale_param(param, 1 - lr * weight_decay)
            else:  # Adam: L2 penalty added to the gradient
                grad = grad + weight_decay * param._data

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]

        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        denom = np.sqrt(exp_avg_sq)
        denom /= bias_correction2_sqrt
        denom += eps
        step_direction = np.divide(exp_avg, denom, out=denom)  # reuse the buffer
        step_direction *= -lr / bias_correction1
        add_to_param(param, step_direction)


class AdamW(Adam):
    """Adam with decoupled weight decay (PyTorch's AdamW): before the Adam step,

        p = p - lr weight_decay p

    instead of adding weight_decay p to the gradient. Default weight_decay is 0.01.
    """

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
