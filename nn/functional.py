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

REDUCTIONS = ("mean", "sum", "none")

# ---------------------------------------------------------------------------------------
# activations
# ---------------------------------------------------------------------------------------


def relu(x: Tensor) -> Tensor:
    """max(x, 0)"""
    return ag.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise"""
    return ag.leaky_relu(x, negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x))"""
    return ag.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    return ag.tanh(x)


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


def softmax(x: Tensor, dim: int = -1, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim` (computed stably; numpy's `axis=` accepted)."""
    return ag.softmax(x, dim if axis is None else axis, dtype=dtype)


def log_softmax(x: Tensor, dim: int = -1, *, axis: int | None = None, dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along `dim` (numpy's `axis=` accepted)."""
    return ag.log_softmax(x, dim if axis is None else axis, dtype=dtype)


def erf(x: Tensor) -> Tensor:
    """The error function, elementwise; differentiable to any order."""
    return Erf.apply(x)


class Erf(ag.Primitive):
    """erf(x) = 2/sqrt(pi) int_0^x exp(-t^2) dt   ->   dx = g * 2/sqrt(pi) * exp(-x^2)"""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return erf_array(x)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * (2.0 / math.sqrt(math.pi)) * ag.exp(-(x * x))


# W. J. Cody, "Rational Chebyshev approximations for the error function",
# Math. Comp. 23 (1969) 631-638; coefficients as in netlib specfun/erf (CALERF),
# highest power first. Accurate to about 1 ulp in float64.
_ERF_SMALL_NUM = (
    1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
    3.77485237685302021e02, 3.20937758913846947e03,
)  # fmt: skip
_ERF_SMALL_DEN = (
    1.0, 2.36012909523441209e01, 2.44024637934444173e02,
    1.28261652607737228e03, 2.84423683343917062e03,
)  # fmt: skip
_ERFC_MID_NUM = (
    2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
    6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
    1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
)  # fmt: skip
_ERFC_MID_DEN = (
    1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
    1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
    3.43936767414372164e03, 1.23033935480374942e03,
)  # fmt: skip
_ERFC_LARGE_NUM = (
    1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
    1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4,
)  # fmt: skip
_ERFC_LARGE_DEN = (
    1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
    6.05183413124413191e-2, 2.33520497626869185e-3,
)  # fmt: skip


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf on a numpy array, vectorised (Cody's three intervals); keeps x's float dtype."""
    x = np.asarray(x)
    x64 = x.astype(np.float64)
    y = np.abs(x64)
    result = np.empty_like(x64)

    small = y <= 0.46875  # erf(x) = x R(x^2)
    ys = y[small] ** 2
    result[small] = x64[small] * np.polyval(_ERF_SMALL_NUM, ys) / np.polyval(_ERF_SMALL_DEN, ys)

    mid = ~small & (y <= 4.0)  # erfc(y) = exp(-y^2) R(y)
    ym = y[mid]
    erfc_mid = _exp_minus_square(ym) * np.polyval(_ERFC_MID_NUM, ym) / np.polyval(_ERFC_MID_DEN, ym)

    large = ~small & ~mid  # erfc(y) = exp(-y^2) / y (1/sqrt(pi) - z R(z)), z = 1/y^2 (also NaN)
    yl = y[large]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 1.0 / (yl * yl)
        tail = z * np.polyval(_ERFC_LARGE_NUM, z) / np.polyval(_ERFC_LARGE_DEN, z)
        erfc_large = _exp_minus_square(yl) * (1.0 / math.sqrt(math.pi) - tail) / yl
    erfc_large[np.isinf(yl)] = 0.0

    result[mid] = np.copysign(1.0 - erfc_mid, x64[mid])
    result[large] = np.copysign(1.0 - erfc_large, x64[large])
    return result.astype(x.dtype, copy=False) if x.dtype.kind == "f" else result


def _exp_minus_square(y: np.ndarray) -> np.ndarray:
    """exp(-y^2) without the rounding error of squaring y: split y = y16 + d, y16 = y to 1/16."""
    y16 = np.trunc(y * 16.0) / 16.0
    return np.exp(-y16 * y16) * np.exp(-(y - y16) * (y + y16))


# ---------------------------------------------------------------------------------------
# layers as functions
# ---------------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias;  x (..., in), weight (out, in), bias (out,) -> (..., out)"""
    return ag.linear(x, weight, bias)  # one fused autograd op (see autograd/ops/linalg.py)


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


def one_hot(labels: Any, num_classes: int, dtype: Any = None) -> Tensor:
    """Integer labels (...,) -> Tensor (..., num_classes) of zeros with one 1 per row."""
    labels = _as_array(labels)
    _check_labels("one_hot", labels, num_classes, ignore_index=None)
    dtype = dtype or ag.get_default_dtype()
    return Tensor(np.eye(num_classes, dtype=dtype)[labels])


# ---------------------------------------------------------------------------------------
# regression losses
# ---------------------------------------------------------------------------------------


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced."""
    target = _same_shape_target("mse_loss", input, target, reduction)
    if reduction == "none":
        diff = input - target
        return diff * diff
    return SquaredError.apply(input, target, mean=reduction == "mean")


class SquaredError(ag.Primitive):
    """L = sum (x - t)^2 (/ n for the mean)   ->   dx = 2 (x - t) g (/ n),  dt = -dx

    The composition (a difference, a product, a sum, a division) would record four nodes
    and, in backward, broadcast the upstream gradient and add two halves of the product's
    gradient; fused, regression steps (W4-W6 in benchmarks/) spend a quarter of the
    bookkeeping on their loss. Same floating-point results as the composition."""

    @staticmethod
    def forward(ctx, x, t, mean=True):
        ctx.save_for_backward(x, t)
        ctx.diff = diff = x - t  # reused by the plain backward
        ctx.count = diff.size if mean else None
        total = (diff * diff).sum()
        return total / diff.size if mean else total

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        # plain backward: forward's difference; create_graph: recomputed with recorded ops,
        # so that this gradient has a gradient
        diff = ctx.diff if not isinstance(g, Tensor) else x - t
        per_element = g / ctx.count if ctx.count is not None else g
        grad = diff * (2 * per_element)
        need_x, need_t = ctx.needs_input_grad
        return (grad if need_x else None), (-grad if need_t else None)


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
    return _reduce(_weighted(loss, weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy of sigmoid(z) against y, computed from the logits z stably:
    (1 - y) z + softplus(-z); with pos_weight w: (1 - y) z + (1 + (w - 1) y) softplus(-z)."""
    target = _same_shape_target("binary_cross_entropy_with_logits", input, target, reduction)
    pos_weight = None if pos_weight is None else _as_array(pos_weight).astype(input.dtype)
    loss = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return _reduce(_weighted(loss, weight, input), reduction)


class BinaryCrossEntropy(ag.Primitive):
    """l = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100))
    dp = g (p - y) / max(p (1 - p), 1e-12)      (PyTorch's guard against p = 0 or 1)
    dy = g (max(log(1 - p), -100) - max(log p, -100))"""

    @staticmethod
    def forward(ctx: Any, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        if np.any((p < 0) | (p > 1)):
            raise ValueError(
                "binary_cross_entropy: input must hold probabilities in [0, 1] (found values "
                f"in [{p.min():.4g}, {p.max():.4g}]); for raw scores use "
                "binary_cross_entropy_with_logits / BCEWithLogitsLoss"
            )
        ctx.save_for_backward(p, y)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100.0)
            log_not_p = np.maximum(np.log1p(-p), -100.0)
        return -(y * log_p + (1 - y) * log_not_p)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        p, y = ctx.saved_tensors
        dp = dy = None
        if ctx.needs_input_grad[0]:
            dp = g * (p - y) / ag.maximum(p * (1 - p), 1e-12)
        if ctx.needs_input_grad[1]:
            tiny = math.exp(-100.0)  # log(max(p, e^-100)) = max(log p, -100)
            dy = g * (ag.log(ag.maximum(1 - p, tiny)) - ag.log(ag.maximum(p, tiny)))
        return dp, dy


class BinaryCrossEntropyWithLogits(ag.Primitive):
    """l = (1 - y) z + c softplus(-z),  c = 1 + (w - 1) y  (c = 1 without pos_weight w)
    dz = g ((1 - y) - c sigmoid(-z))   (= g (sigmoid(z) - y) without pos_weight)
    dy = g (-z + (w - 1) softplus(-z))

    Fused because composing log(sigmoid(z)) overflows for large |z|, and because the
    gradient has this simple closed form; softplus(-z) = logaddexp(0, -z) never overflows."""

    @staticmethod
    def forward(
        ctx: Any, z: np.ndarray, y: np.ndarray, pos_weight: np.ndarray | None
    ) -> np.ndarray:
        ctx.save_for_backward(z, y)
        ctx.pos_weight = pos_weight
        softplus_minus_z = np.logaddexp(0, -z)
        if pos_weight is None:
            return (1 - y) * z + softplus_minus_z
        return (1 - y) * z + (1 + (pos_weight - 1) * y) * softplus_minus_z

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple:
        z, y = ctx.saved_tensors
        w = ctx.pos_weight
        dz = dy = None
        if ctx.needs_input_grad[0]:
            if w is None:
                dz = g * (ag.sigmoid(z) - y)
            else:
                dz = g * ((1 - y) - (1 + (w - 1) * y) * ag.sigmoid(-z))
        if ctx.needs_input_grad[1]:
            dy = g * -z if w is None else g * ((w - 1) * ag.softplus(-z) - z)
        return dz, dy, None


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
    if weight is None and not label_smoothing and _as_array(target).dtype.kind in "iu":
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
    return loss if reduction == "none" else loss.sum()


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
    labels = _as_array(target)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"nll_loss: target must hold integer class labels, got dtype {labels.dtype}"
        )
    weights = _class_weights(x, target, weight, ignore_index, "nll_loss", squeeze, reduction)
    loss = -(x * weights).sum(axis=1)  # picks -w[y_n] x[n, y_n]
    if squeeze and reduction == "none":
        return loss.reshape(())
    return loss if reduction == "none" else loss.sum()


class CrossEntropy(ag.Primitive):
    """Per-sample cross-entropy of logits x (N, C, ...) against target weights q (same shape;
    q = w[y] * one_hot(y) for class labels, w * p for probabilities):

        l_n = -sum_c q_nc log_softmax(x)_nc
        dx  = g_n (softmax(x)_nc sum_c' q_nc' - q_nc)      (= softmax - one_hot for w = 1)
        dq  = -g_n log_softmax(x)_nc

    Why fused rather than composed from log_softmax, a product and a sum: the backward
    is then the textbook formula softmax - one_hot, computed directly in one step,
    instead of a chain of three backward formulas (fewer nodes and temporaries per
    step, and the gradient students derive is the one that runs). The forward is
    stable by the max shift: finite for any finite logits, 1e4 included."""

    @staticmethod
    def forward(ctx: Any, x: np.ndarray, q: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x, q)
        ctx.log_probs = log_probs = _log_softmax_classes(x)  # reused by the plain backward
        return -(q * log_probs).sum(axis=1)

    @staticmethod
    def backward(ctx: Any, g: Any) -> tuple:
        x, q = ctx.saved_tensors
        g = ag.expand_dims(g, 1)  # back to the class axis: (N, 1, ...)
        if not isinstance(g, Tensor):  # plain backward: forward's log-probabilities, no recompute
            log_probs = ctx.log_probs
            probs = np.exp(log_probs)
        else:  # create_graph: recompute with recorded ops, so this gradient has a gradient
            log_probs = ag.log_softmax(x, axis=1)
            probs = ag.softmax(x, axis=1)
        dx = dq = None
        if ctx.needs_input_grad[0]:
            dx = g * (probs * q.sum(axis=1, keepdims=True) - q)
        if ctx.needs_input_grad[1]:
            dq = -g * log_probs
        return dx, dq


class LabelCrossEntropy(ag.Primitive):
    """Cross-entropy of logits x (N, C, ...) at integer labels y (N, ...), reduced:

        l_n = -log_softmax(x)_n[y_n]                 (0 where y_n = ignore_index)
        dx  = g_n (softmax(x)_n - one_hot(y_n))      (0 for ignored samples)
        "mean": L = sum_n l_n / m, g_n = g / m  (m samples not ignored); "sum": g_n = g

    CrossEntropy with unweighted one-hot targets, as an op of its own for speed: it picks
    N log-probabilities and subtracts 1 at N places where CrossEntropy multiplies and
    sums dense (N, C) targets built by LabelTargets, and it reduces inside (one node
    instead of three). A classification step's loss (W2 in benchmarks/) takes half
    the time, and the backward is the textbook softmax - one_hot."""

    @staticmethod
    def forward(ctx, x, labels, ignore_index=-100, reduction="mean", squeeze=False):
        labels, ignored = _prepared_labels("cross_entropy", labels, x.shape, squeeze, ignore_index)
        ctx.ignored = ignored
        ctx.save_for_backward(x)
        ctx.log_probs = log_probs = _log_softmax_classes(x)
        ctx.at_labels = _label_index(labels)
        picked = log_probs[ctx.at_labels]  # log p_n[y_n], a new array
        if ignored is not None:
            picked[ignored] = 0
        ctx.reduction, ctx.count = reduction, picked.size
        if reduction == "none":
            return -picked
        if reduction == "sum":
            return -picked.sum()
        if ignored is not None:
            ctx.count -= int(ignored.sum())
        with np.errstate(invalid="ignore"):  # every label ignored: 0 / 0 = nan, as PyTorch
            return -picked.sum() / ctx.count

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not isinstance(g, Tensor):  # plain backward: forward's log-probabilities
            dx = np.exp(ctx.log_probs)
            dx[ctx.at_labels] -= 1
        else:  # create_graph: softmax recorded, so that this gradient has a gradient
            one_hot = np.zeros(x.shape, x.dtype)
            one_hot[ctx.at_labels] = 1
            dx = ag.softmax(x, axis=1) - one_hot
        if ctx.ignored is not None:
            dx = dx * np.expand_dims(~ctx.ignored, 1)
        if ctx.reduction == "none":
            return dx * ag.expand_dims(g, 1), None
        if ctx.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                g = g / ctx.count
        return dx * g, None


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _as_array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


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
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ValueError(
            f"{name}: input {input.shape} and target {target.shape} must have the same shape "
            "(broadcasting them is almost always a bug, e.g. (N, 1) against (N,) gives (N, N)); "
            "reshape one of them"
        )
    return target


def _weighted(loss: Tensor, weight: Any, input: Tensor) -> Tensor:
    if weight is None:
        return loss
    return loss * (weight if isinstance(weight, Tensor) else np.asarray(weight, dtype=input.dtype))


def _batched(name: str, input: Tensor) -> tuple[Tensor, bool]:
    """Logits (C,) become (1, C); returns whether to squeeze the batch axis again."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class axis, got a scalar")
    if input.ndim == 1:
        return input.reshape(1, input.shape[0]), True
    return input, False


def _check_labels(
    name: str, labels: np.ndarray, num_classes: int, ignore_index: int | None
) -> np.ndarray | None:
    """Refuses labels that are not integers in [0, num_classes) (or ignore_index); returns
    the mask of labels equal to ignore_index, or None when there are none."""
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: class labels must be integers, got dtype {labels.dtype} "
            "(convert with labels.astype(int))"
        )
    # one pass for both bounds: as unsigned integers, negative labels are huge
    unsigned = labels.view(f"u{labels.itemsize}")
    if labels.size == 0 or unsigned.max() < num_classes:
        if ignore_index is None or not 0 <= ignore_index < num_classes:
            return None  # no label can equal ignore_index: no need to look
    else:
        valid = (labels >= 0) & (labels < num_classes)
        if ignore_index is not None:
            valid |= labels == ignore_index
        if not valid.all():
            bad = np.unique(labels[~valid])[:5].tolist()
            error = IndexError(f"{name}: class labels must lie in [0, {num_classes}); found {bad}")
            error._chainrule_named = True  # already names the loss: ops must not reword it
            raise error
    ignored = labels == ignore_index
    return ignored if ignored.any() else None


def _label_shaped(name: str, labels: np.ndarray, shape: tuple, squeeze: bool) -> np.ndarray:
    """Labels for logits of `shape` (N, C, d1, ...): shape (N, d1, ...) or an error."""
    if squeeze:  # one sample without a batch axis: logits (C,), a label ()
        labels = labels.reshape(1)
    expected = (shape[0],) + shape[2:]
    if labels.shape != expected:
        error = ValueError(
            f"{name}: input {shape} needs class labels of shape {expected}, got {labels.shape}"
        )
        error._chainrule_named = True
        raise error
    return labels


def _prepared_labels(
    name: str, labels: np.ndarray, shape: tuple, squeeze: bool, ignore_index: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels for logits of `shape`, checked, with ignored ones set to class 0 (a valid
    index; their losses and gradients are zeroed by the caller), and the ignored mask."""
    labels = _label_shaped(name, labels, shape, squeeze)
    ignored = _check_labels(name, labels, shape[1], ignore_index)
    if ignored is not None:
        labels = np.where(ignored, 0, labels)
    return labels, ignored


def _log_softmax_classes(x: np.ndarray) -> np.ndarray:
    """log softmax over the class axis 1, shifted by the max: finite for any finite x."""
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _label_index(labels: np.ndarray) -> tuple:
    """Index of the entries (n, labels[n, ...], ...) of an (N, C, ...) array; the labels
    are copied, so a caller's later change cannot alter a recorded gradient."""
    labels = np.array(labels, copy=True)
    if labels.ndim == 1:
        return np.arange(len(labels)), labels
    grids = np.indices(labels.shape, sparse=True)
    return (grids[0], labels, *grids[1:])


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


class LabelTargets(ag.Primitive):
    """Integer labels y (N, ...) -> targets q (N, C, ...): q = w[y] one_hot(y), rows of
    ignored labels zero; smoothed q = (1 - e) q + (e / C) w; divided by sum w[y] for "mean".
    No gradient: labels are integers and class weights constants.

    An op rather than Python around the loss so that a captured step
    (`ag.capture_backward`) rebuilds the targets from each batch's labels."""

    @staticmethod
    def forward(
        ctx, labels, class_weight, shape=(), dtype=None, ignore_index=-100,
        label_smoothing=0.0, mean=False, squeeze=False, name="cross_entropy",
    ):  # fmt: skip
        num_classes = shape[1]
        if class_weight is not None:
            class_weight = class_weight.astype(dtype, copy=False)
        labels, ignored = _prepared_labels(name, labels, shape, squeeze, ignore_index)
        ones = class_weight is None
        label_weight = np.ones(labels.shape, dtype) if ones else class_weight[labels]
        if ignored is not None:
            label_weight[ignored] = 0
        q = np.zeros(shape, dtype=dtype)
        q[_label_index(labels)] = label_weight
        if label_smoothing:
            uniform = np.ones(num_classes, dtype) if ones else class_weight
            uniform = (label_smoothing / num_classes) * uniform.reshape(
                (num_classes,) + (1,) * (len(shape) - 2)
            )
            # ignored samples get no uniform part either
            kept = True if ignored is None else np.expand_dims(~ignored, 1)
            q = (1 - label_smoothing) * q + np.where(kept, uniform, 0).astype(dtype)
        if mean:  # every label ignored: 0 / 0, so the mean is nan, as in PyTorch
            with np.errstate(invalid="ignore", divide="ignore"):
                q = q / label_weight.sum()
        return q

    @staticmethod
    def backward(ctx, g):
        return None, None
