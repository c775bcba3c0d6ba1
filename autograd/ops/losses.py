"""Loss primitives: fused where stability or speed asks (nn.functional's losses use them).

SquaredError          (x - t)**2, reduced, with the plain backward reusing forward's diff
BinaryCrossEntropy    -(y log p + (1 - y) log(1 - p)), log clamped at -100 as PyTorch
BinaryCrossEntropyWithLogits   the same on logits, stable for any z (softplus form)
CrossEntropy          -sum_c q_c log_softmax(x)_c against dense per-class targets q
LabelCrossEntropy     -log_softmax(x)[y] at integer labels: softmax - one_hot
LabelTargets          integer labels -> the targets q (class weights, smoothing)
MeanOfNoLabels        the mean over no samples: nan, with a zero gradient (PyTorch's)

Labels are checked inside the forward passes, so a captured step checks each batch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..function import Primitive
from ..tensor import Tensor
from .elementwise import Log, Maximum, Sigmoid, Softplus
from .reduce import log_softmax, softmax
from .shape import expand_dims


class SquaredError(Primitive):
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


class BinaryCrossEntropy(Primitive):
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
            dp = g * (p - y) / Maximum.apply(p * (1 - p), 1e-12)
        if ctx.needs_input_grad[1]:
            tiny = math.exp(-100.0)  # log(max(p, e^-100)) = max(log p, -100)
            dy = g * (Log.apply(Maximum.apply(1 - p, tiny)) - Log.apply(Maximum.apply(p, tiny)))
        return dp, dy


class BinaryCrossEntropyWithLogits(Primitive):
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
                dz = g * (Sigmoid.apply(z) - y)
            else:
                dz = g * ((1 - y) - (1 + (w - 1) * y) * Sigmoid.apply(-z))
        if ctx.needs_input_grad[1]:
            dy = g * -z if w is None else g * ((w - 1) * Softplus.apply(-z) - z)
        return dz, dy, None


class CrossEntropy(Primitive):
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
        g = expand_dims(g, 1)  # back to the class axis: (N, 1, ...)
        if not isinstance(g, Tensor):  # plain backward: forward's log-probabilities, no recompute
            log_probs = ctx.log_probs
            probs = np.exp(log_probs)
        else:  # create_graph: recompute with recorded ops, so this gradient has a gradient
            log_probs = log_softmax(x, axis=1)
            probs = softmax(x, axis=1)
        dx = dq = None
        if ctx.needs_input_grad[0]:
            dx = g * (probs * q.sum(axis=1, keepdims=True) - q)
        if ctx.needs_input_grad[1]:
            dq = -g * log_probs
        return dx, dq


class LabelCrossEntropy(Primitive):
    """Cross-entropy of logits x (N, C, ...) at integer labels y (N, ...), reduced:

        l_n = -log_softmax(x)_n[y_n]                 (0 where y_n = ignore_index)
        dx  = g_n (softmax(x)_n - one_hot(y_n))      (0 for ignored samples)
        "mean": L = sum_n l_n / m, g_n = g / m  (m samples not ignored); "sum": g_n = g
        m = 0 (every label ignored): L = nan, dx = 0, as in PyTorch

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
            picked[ignored] = -0.0  # negated below: a loss of +0, as PyTorch's
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
            dx = softmax(x, axis=1) - one_hot
        if ctx.ignored is not None:
            dx = dx * np.expand_dims(~ctx.ignored, 1)
        if ctx.reduction == "none":
            return dx * expand_dims(g, 1), None
        if ctx.reduction == "mean" and ctx.count:  # count 0: dx is all zeros (as PyTorch)
            g = g / ctx.count
        return dx * g, None


class LabelTargets(Primitive):
    """Integer labels y (N, ...) -> targets q (N, C, ...): q = w[y] one_hot(y), rows of
    ignored labels zero; smoothed q = (1 - e) q + (e / C) w; divided by sum w[y] for "mean".
    No gradient: labels are integers and class weights constants.

    An op rather than Python around the loss so that a captured step
    (`autograd.capture_backward`) rebuilds the targets from each batch's labels."""

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
        counted = labels.size and (ignored is None or not ignored.all())
        if mean and counted:  # zero class weights: 0 / 0, nan as in PyTorch
            with np.errstate(invalid="ignore", divide="ignore"):
                q = q / label_weight.sum()
        # every label ignored: q stays 0 (zero gradient); MeanOfNoLabels makes the loss nan
        return q

    @staticmethod
    def backward(ctx, g):
        return None, None


class MeanOfNoLabels(Primitive):
    """L = l, or nan when no label counts (all are ignore_index, or there are none)
    -> dl = g (the gradient of the mean over no samples is zero, its value nan: PyTorch's
    convention, so one all-padding batch leaves the parameters unchanged)

    An op rather than a Python test so that a captured step (`autograd.capture_backward`)
    checks each batch's labels."""

    @staticmethod
    def forward(ctx, loss, labels, ignore_index=-100):
        if np.all(labels == ignore_index):  # True for no labels at all
            return np.full_like(loss, np.nan)
        return loss

    @staticmethod
    def backward(ctx, g):
        return g, None


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


def _label_index(labels: np.ndarray) -> tuple:
    """Index of the entries (n, labels[n, ...], ...) of an (N, C, ...) array; the labels
    are copied, so a caller's later change cannot alter a recorded gradient."""
    labels = np.array(labels, copy=True)
    if labels.ndim == 1:
        return np.arange(len(labels)), labels
    grids = np.indices(labels.shape, sparse=True)
    return (grids[0], labels, *grids[1:])


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


def _log_softmax_classes(x: np.ndarray) -> np.ndarray:
    """log softmax over the class axis 1, shifted by the max: finite for any finite x."""
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


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
