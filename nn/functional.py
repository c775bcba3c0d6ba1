"""nn.functional: activations, dropout, linear maps and losses as plain functions.

Every function takes and returns `autograd.Tensor`s; the modules in `layers`,
`activations` and `losses` are thin wrappers around these. Shapes follow PyTorch:
a batch is `(N, features)` for linear layers and `(N, C, ...)` (class axis 1) for
classification losses.

Four ops are written here as their own primitive rather than composed from smaller
ones, each for a stated reason: `Erf` (numpy has no erf), `BinaryCrossEntropy`
(PyTorch's clamped log and gradient guard), and `BinaryCrossEntropyWithLogits` /
`CrossEntropy` (stability and a one-step gradient, see their docstrings). They are
`autograd.Primitive`s: their backward formulas use only operators and autograd ops, so
the engine runs them on bare numpy arrays when no graph of the backward is wanted, and
on Tensors (differentiable again) under `create_graph=True`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.ops.losses import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    LabelCrossEntropy,
    LabelTargets,
    MeanOfNoLabels,
    SquaredError,
)
from autograd.ops.special import Erf

REDUCTIONS = ("mean", "sum", "none")

# ---------------------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------------------


relu = ag.relu  # autograd's own function: one call less per use


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise"""
    return ag.leaky_relu(x, negative_slope)


sigmoid = ag.sigmoid  # autograd's own function: one call less per use


tanh = ag.tanh  # autograd's own function: one call less per use


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (as in PyTorch)."""
    scaled = x * beta if beta != 1 else x
    smooth = ag.softplus(scaled) / beta if beta != 1 else ag.softplus(scaled)
    return ag.where(scaled._data > threshold, x, smooth)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF: exact `0.5 x (1 + erf(x / sqrt 2))`
    (PyTorch's default), or with `approximate="tanh"`
    `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`."""
    if approximate == "tanh":
        inner = (x + 0.044715 * x * x * x) * math.sqrt(2.0 / math.pi)
        return 0.5 * x * (1.0 + ag.tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))


def silu(x: Tensor) -> Tensor:
    """x sigmoid(x) (also called swish)."""
    return x * ag.sigmoid(x)


def mish(x: Tensor) -> Tensor:
    """x tanh(softplus(x))."""
    return x * ag.tanh(softplus(x))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise (exp never sees a positive x, so a
    large x gives no inf, and no NaN in the gradient)."""
    negative = ag.where(x._data > 0, 0.0, x)
    return ag.where(x._data > 0, x, alpha * (ag.exp(negative) - 1.0))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """scale elu(x, alpha) with PyTorch's (self-normalising) constants."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient passes strictly inside (PyTorch's)."""
    inside = (x._data > min_val) & (x._data < max_val)
    return ag.where(inside, x, np.clip(x._data, min_val, max_val))


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6), as hardtanh(x, 0, 6)."""
    return hardtanh(x, 0.0, 6.0)


def hardsigmoid(x: Tensor) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, x / 6 + 1/2 between."""
    return hardtanh(x / 6.0 + 0.5, 0.0, 1.0)


def hardswish(x: Tensor) -> Tensor:
    """x relu6(x + 3) / 6: 0 up to -3, x from 3 on (the gradient there: PyTorch's 0 and 1)."""
    middle = ag.where(x._data < 3, x * (x + 3.0) / 6.0, x)
    return ag.where(x._data <= -3, 0.0, middle)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    return -ag.softplus(-x)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return x / (1.0 + ag.abs(x))


def softmax(x: Tensor, dim: int = -1, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (computed stably; numpy's `axis=` accepted)."""
    return ag.softmax(x, dim if axis is None else axis, dtype=dtype)


def log_softmax(x: Tensor, dim: int = -1, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along `dim` (numpy's `axis=` accepted)."""
    return ag.log_softmax(x, dim if axis is None else axis, dtype=dtype)


def erf(x: Tensor) -> Tensor:
    """The error function, elementwise; differentiable to any order."""
    return Erf.apply(x)


# W. J. Cody, "Rational Chebyshev approximations for the error function",
# Math. Comp. 23 (1969) 631-638; coefficients as in netlib specfun/erf (CALERF),
# highest power first. Accurate to about 1 ulp in float64.


# ---------------------------------------------------------------------------------------
# layers as functions
# ---------------------------------------------------------------------------------------


linear = ag.linear  # x @ weight.T + bias, one fused autograd op (autograd/ops/linalg.py)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: Any = None) -> Tensor:
    """Inverted dropout: zero each entry with probability p and scale the rest by 1/(1-p),
    so the expectation is unchanged and evaluation needs no rescaling. Identity when
    not training. The mask is drawn from `generator` (an `autograd.Generator`), else
    the default generator."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    # train/eval changes which ops run, unseen by a replay (and the mask is fresh data)
    ag.refuse_under_capture("dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = ag.creation.numpy_rng(generator).random(x.shape) >= p
    return x * (keep.astype(x.dtype) / (1.0 - p))


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced."""
    target = _same_shape_target("mse_loss", input, target, reduction)
    if reduction == "none":
        diff = input - target
        return diff * diff
    return SquaredError.apply(input, target, mean=reduction == "mean")


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced."""
    target = _same_shape_target("l1_loss", input, target, reduction)
    return _reduce(ag.abs(input - target), reduction)


# ---------------------------------------------------------------------------------------
# binary classification losses
# ---------------------------------------------------------------------------------------


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) with each log clamped at -100 (as in PyTorch), so
    p = 0 or 1 gives a finite loss. `input` holds probabilities in [0, 1]; for logits use
    `binary_cross_entropy_with_logits`, which is more stable."""
    target = _same_shape_target("binary_cross_entropy", input, target, reduction)
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(_weighted("binary_cross_entropy", loss, weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(z) against y, computed from the logits z stably:
    (1 - y) z + softplus(-z); with pos_weight w: (1 - y) z + (1 + (w - 1) y) softplus(-z)."""
    name = "binary_cross_entropy_with_logits"
    target = _same_shape_target(name, input, target, reduction)
    if pos_weight is not None:
        pos_weight = _as_array(pos_weight).astype(input.dtype)
        _check_broadcasts_to(name, "pos_weight", pos_weight, input)
    loss = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return _reduce(_weighted(name, loss, weight, input), reduction)


# ---------------------------------------------------------------------------------------
# multi-class losses
# ---------------------------------------------------------------------------------------


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of the logits `input` (N, C) or (N, C, d1, ...) against `target`:

    * integer class labels (N,) or (N, d1, ...):  l_n = -w[y_n] log softmax(x_n)[y_n];
      "mean" divides by the sum of w[y_n] over samples whose label is not `ignore_index`;
    * class probabilities, same shape as input:   l_n = -sum_c w_c p_nc log softmax(x_n)_c;
      "mean" divides by the number of samples.

    `label_smoothing` = e mixes the target with the uniform distribution, as PyTorch does:
    labels give l_n = (1 - e) (-w[y_n] log p_n[y_n]) + (e / C) (-sum_c w_c log p_nc), with
    the same "mean" divisor as without smoothing; probabilities become (1 - e) p + e / C.
    Stable for any finite logits (1e4 included); the gradient is softmax minus the target.
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}"
        )
    x, squeeze = _batched("cross_entropy", input)
    target = _checked_target("cross_entropy", target)
    labels = _as_array(target).dtype.kind in "iu"
    if weight is None and not label_smoothing and labels:
        loss = LabelCrossEntropy.apply(
            x, target, ignore_index=ignore_index, reduction=reduction, squeeze=squeeze
        )
        return loss.reshape(()) if squeeze and reduction == "none" else loss
    # targets scaled for "mean" so that the sum of the losses is the mean: one node less
    weights = _class_weights(
        x, target, weight, ignore_index, "cross_entropy", squeeze, reduction, label_smoothing
    )
    loss = CrossEntropy.apply(x, weights)
    if squeeze and reduction == "none":
        return loss.reshape(())
    if reduction == "none":
        return loss
    if reduction == "mean" and labels:
        return MeanOfNoLabels.apply(loss.sum(), target, ignore_index=ignore_index)
    return loss.sum()


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities `input` (N, C, ...) at integer labels
    (N, ...): l_n = -w[y_n] input[n, y_n]; "mean" divides by the sum of w[y_n]. Together
    with `log_softmax` it equals `cross_entropy`."""
    _check_reduction("nll_loss", reduction)
    x, squeeze = _batched("nll_loss", input)
    target = _checked_target("nll_loss", target)
    labels = _as_array(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"nll_loss: target must hold integer class labels, got dtype {labels.dtype}"
        )
    weights = _class_weights(x, target, weight, ignore_index, "nll_loss", squeeze, reduction)
    loss = -(x * weights).sum(axis=1)  # picks -w[y_n] x[n, y_n]
    if squeeze and reduction == "none":
        return loss.reshape(())
    if reduction == "mean":
        return MeanOfNoLabels.apply(loss.sum(), target, ignore_index=ignore_index)
    return loss if reduction == "none" else loss.sum()


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _as_array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _checked_target(name: str, target: Any) -> Tensor | np.ndarray:
    """A Tensor or numeric numpy array as given; a number or (nested) list becomes an array.
    Anything else (None, a string, a dict) is refused with a TypeError saying what fits."""
    if isinstance(target, Tensor):
        return target
    if not isinstance(target, (np.ndarray, np.generic, list, tuple, int, float)):
        raise TypeError(
            f"{name}: target must be a Tensor, a numpy array or a list of numbers, "
            f"got {type(target).__name__}"
        )
    try:
        array = np.asarray(target)
    except ValueError as error:  # a ragged list
        raise ValueError(
            f"{name}: target is not a rectangular array of numbers ({error})"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name}: target must hold numbers, got dtype {array.dtype}")
    return array


def _check_broadcasts_to(name: str, label: str, value: Any, input: Tensor) -> None:
    """Refuse a weight whose broadcast against the input would change the input's shape
    (e.g. (N, 1) against (N,) gives (N, N)): PyTorch raises there too."""
    shape = np.shape(value)
    try:
        result = np.broadcast_shapes(shape, input.shape)
    except ValueError:
        result = None
    if result != input.shape:
        became = f", which would give {result}" if result is not None else ""
        raise ValueError(
            f"{name}: {label} of shape {shape} must broadcast to the input's shape "
            f"{input.shape}{became}; reshape it"
        )


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape_target(name: str, input: Tensor, target: Any, reduction: str) -> Tensor:
    """The target as a Tensor of input's dtype; refuses shapes that would silently broadcast."""
    _check_reduction(name, reduction)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(_checked_target(name, target), dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: input {input.shape} and target {target.shape} must have the same shape "
            "(broadcasting them is almost always a bug, e.g. (N, 1) against (N,) gives (N, N)); "
            "reshape one of them"
        )
    return target


def _weighted(name: str, loss: Tensor, weight: Any, input: Tensor) -> Tensor:
    if weight is None:
        return loss
    if not isinstance(weight, Tensor):
        weight = np.asarray(weight, dtype=input.dtype)
    _check_broadcasts_to(name, "weight", weight, input)
    return loss * weight


def _batched(name: str, input: Tensor) -> tuple[Tensor, bool]:
    """Logits (C,) become (1, C); returns whether to squeeze the batch axis again."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class axis, got a scalar")
    if input.ndim == 1:
        return input.reshape(1, input.shape[0]), True
    return input, False


def _class_weights(
    x: Tensor,
    target: Any,
    weight: Any,
    ignore_index: int,
    name: str,
    squeeze: bool,
    reduction: str,
    label_smoothing: float = 0.0,
) -> np.ndarray | Tensor:
    """The target as per-class weights q, shape of x (class axis 1), divided by what "mean"
    divides by when reduction is "mean": w * p for probabilities (a Tensor, may need grad;
    mean over samples), `LabelTargets` for integer labels. With `label_smoothing` e, q
    mixes in e / C of the uniform target (see `cross_entropy`)."""
    num_classes = x.shape[1]
    class_weight = None if weight is None else _as_array(weight).astype(x.dtype)
    if class_weight is not None and class_weight.shape != (num_classes,):
        raise ValueError(
            f"{name}: weight must have one entry per class, shape ({num_classes},), "
            f"got {class_weight.shape}"
        )
    if _as_array(target).dtype.kind != "f":  # class labels
        return LabelTargets.apply(
            target,
            weight if isinstance(weight, Tensor) else class_weight,  # a Tensor: capturable
            shape=x.shape,
            dtype=x.dtype,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            mean=reduction == "mean",
            squeeze=squeeze,
            name=name,
        )
    probs = target if isinstance(target, Tensor) else Tensor(_as_array(target).astype(x.dtype))
    if squeeze:
        probs = probs.reshape(*x.shape)
    if probs.shape != x.shape:
        raise ValueError(
            f"{name}: a float target holds class probabilities and must have the input's "
            f"shape {x.shape}, got {probs.shape}; class labels must be integers"
        )
    if label_smoothing:
        probs = probs * (1 - label_smoothing) + label_smoothing / num_classes
    if class_weight is not None:
        probs = probs * class_weight.reshape((num_classes,) + (1,) * (x.ndim - 2))
    return probs / (x.size // num_classes) if reduction == "mean" else probs


# ---------------------------------------------------------------------------------------
# convolution, pooling, normalisation, embedding, attention (nn/functional_layers.py)
# ---------------------------------------------------------------------------------------

from . import functional_layers as _layers  # noqa: E402

pad = _layers.pad
conv1d = _layers.conv1d
conv2d = _layers.conv2d
conv3d = _layers.conv3d
max_pool1d = _layers.max_pool1d
max_pool2d = _layers.max_pool2d
avg_pool1d = _layers.avg_pool1d
avg_pool2d = _layers.avg_pool2d
adaptive_avg_pool2d = _layers.adaptive_avg_pool2d
batch_norm = _layers.batch_norm
layer_norm = _layers.layer_norm
embedding = _layers.embedding
scaled_dot_product_attention = _layers.scaled_dot_product_attention
multi_head_attention_forward = _layers.multi_head_attention_forward
# PyTorch's one_hot (int64, num_classes=-1)
one_hot = _layers.one_hot
