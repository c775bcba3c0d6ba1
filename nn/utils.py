"""Gradient utilities: clipping, per-parameter gradient norms, a gradient-flow plot."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd import Tensor

from .module import Module


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0
) -> float:
    """Rescale all gradients together so their joint norm is at most `max_norm`:

        g <- g * min(1, max_norm / (||g|| + 1e-6))       (PyTorch's formula)

    ||g|| is the `norm_type`-norm of all gradients concatenated (2 by default, `inf` for
    the largest entry). Modifies `.grad` in place and returns ||g|| before clipping."""
    grads = _grads(parameters)
    if not grads:
        return 0.0
    if math.isinf(norm_type):
        total = max(float(np.abs(g._data).max(initial=0.0)) for g in grads)
    else:
        per_param = [np.sum(np.abs(g._data) ** norm_type) for g in grads]
        total = float(np.sum(per_param) ** (1.0 / norm_type))
    factor = min(1.0, max_norm / (total + 1e-6))
    if factor < 1.0:
        for grad in grads:
            _scale(grad, factor)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clip every gradient entry into [-clip_value, clip_value], in place."""
    for grad in _grads(parameters):
        if grad._data.flags.writeable:
            np.clip(grad._data, -clip_value, clip_value, out=grad._data)
        else:
            grad._data = np.clip(grad._data, -clip_value, clip_value)


def grad_norms(model: Module) -> dict[str, float]:
    """{parameter name: 2-norm of its gradient} for every parameter that has one."""
    return {
        name: float(np.linalg.norm(param.grad._data.ravel()))
        for name, param in model.named_parameters()
        if param.grad is not None
    }


def plot_grad_flow(model: Module, ax: Any = None) -> Any:
    """Plot mean and max |gradient| per parameter, in layer order, on a log scale.

    Call after `backward()`: vanishing gradients show as values falling by orders of
    magnitude towards the first layers. Needs matplotlib (extra "plot"); returns the axes.
    """
    import matplotlib.pyplot as plt

    names, means, maxima = [], [], []
    for name, param in model.named_parameters():
        if param.grad is not None:
            magnitude = np.abs(param.grad._data)
            names.append(name)
            means.append(float(magnitude.mean()) if magnitude.size else 0.0)
            maxima.append(float(magnitude.max(initial=0.0)))
    if not names:
        raise ValueError("plot_grad_flow: no parameter has a gradient yet; call backward() first")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.5 * len(names) + 2), 3.5))
    positions = np.arange(len(names))
    tiny = np.finfo(np.float64).tiny  # zeros cannot be drawn on a log scale
    ax.bar(positions, np.maximum(maxima, tiny), alpha=0.4, color="tab:cyan", label="max |grad|")
    ax.bar(positions, np.maximum(means, tiny), alpha=0.8, color="tab:blue", label="mean |grad|")
    ax.set_yscale("log")
    ax.set_xticks(positions)
    ax.set_xticklabels(names, rotation=60, ha="right")
    ax.set_ylabel("gradient magnitude")
    ax.set_title("Gradient flow")
    ax.legend()
    return ax


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def _scale(grad: Tensor, factor: float) -> None:
    if grad._data.flags.writeable:
        grad._data *= factor
    else:
        grad._data = grad._data * factor
