"""nn.functional for convolutional, normalisation, embedding and attention layers.

Re-exported by `nn.functional` (import them from there): `one_hot`, `pad`, `conv1d`,
`conv2d`, `conv3d`, `max_pool1d`, `max_pool2d`, `avg_pool1d`, `avg_pool2d`,
`adaptive_avg_pool2d`, `batch_norm`, `layer_norm`, `embedding`,
`scaled_dot_product_attention`. Names, arguments and shapes are PyTorch's. Convolution
and pooling are primitives in `autograd/ops/conv.py` (adaptive pooling is composed);
normalisation and attention are compositions of autograd ops, so every gradient (and
gradient of a gradient) comes from the formula sheet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor
from autograd.ops import conv as _ops  # the module autograd/ops/conv.py


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Integer labels (...,) -> int64 Tensor (..., num_classes) with one 1 per row, as
    torch's F.one_hot; num_classes=-1 takes the largest label + 1."""
    labels = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise IndexError(
            f"one_hot: labels must lie in [0, {num_classes}), got values from "
            f"{labels.min()} to {labels.max()}; pass a larger num_classes"
        )
    return Tensor(np.eye(num_classes, dtype=np.int64)[labels])


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding as torch's F.pad: `pad` lists (before, after) amounts for the last
    axis first, then the one before it, and so on: (left, right, top, bottom) for 2-D."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is implemented, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(
            f"pad: needs an even number of values, at most 2 per axis of the input of shape "
            f"{input.shape}, got {tuple(pad)}"
        )
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding (cropping) is not supported, got {tuple(pad)}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return ag.ops.pad(input, widths, value=value)


# convolution and pooling -----------------------------------------------------------------


def _batched(x: Tensor, nd: int, name: str) -> tuple[Tensor, bool]:
    """(N, C, *spatial) as it is; an unbatched (C, *spatial) input gets a batch axis."""
    if x.ndim == nd + 1:
        return x.reshape(1, *x.shape), True
    if x.ndim != nd + 2:
        raise ValueError(
            f"{name}: expected a {nd + 2}-D input (N, C, {', '.join('L' * nd)}) or an "
            f"unbatched {nd + 1}-D one, got shape {x.shape}"
        )
    return x, False


def _padding(padding: Any, kernel: tuple, dilation: Any, stride: Any, name: str) -> Any:
    """PyTorch's padding='valid' / 'same' as explicit (before, after) pairs."""
    if not isinstance(padding, str):
        return padding
    nd = len(kernel)
    if padding == "valid":
        return 0
    if padding != "same":
        raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or 'same'")
    if any(s != 1 for s in _as_tuple(stride, nd)):
        raise ValueError(f"{name}: padding='same' needs stride 1, as in PyTorch")
    pairs = []
    for k, d in zip(kernel, _as_tuple(dilation, nd)):
        total = d * (k - 1)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def _as_tuple(value: Any, n: int) -> tuple:
    return (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)


def _conv(nd: int, name: str, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    if groups != 1:
        raise ValueError(f"{name}: groups={groups} is not supported (only groups=1)")
    if weight.ndim != nd + 2:
        raise ValueError(
            f"{name}: the weight must be (out_channels, in_channels, {nd} kernel sizes), "
            f"got shape {weight.shape}"
        )
    x, unbatched = _batched(input, nd, name)
    padding = _padding(padding, weight.shape[2:], dilation, stride, name)
    out = _ops.Conv.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
    return out.reshape(*out.shape[1:]) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-D convolution: input (N, C_in, L), weight (C_out, C_in, k) -> (N, C_out, L_out)."""
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution: (N, C_in, H, W) with weight (C_out, C_in, kH, kW) -> (N, C_out, H', W')."""
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-D convolution: input (N, C_in, D, H, W), weight (C_out, C_in, kD, kH, kW)."""
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _pool(nd, name, op, input, kernel_size, stride, padding, ceil_mode, **extra) -> Tensor:
    if ceil_mode:
        raise ValueError(f"{name}: ceil_mode=True is not supported")
    x, unbatched = _batched(input, nd, name)
    kernel = _as_tuple(kernel_size, nd)
    stride = kernel if stride is None or stride == () else _as_tuple(stride, nd)
    out = op.apply(x, kernel_size=kernel, stride=stride, padding=padding, **extra)
    return out.reshape(*out.shape[1:]) if unbatched else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over windows of (N, C, L); padding counts as -inf; stride defaults to kernel_size."""
    return _pool(
        1, "max_pool1d", _ops.MaxPool, input, kernel_size, stride, padding, ceil_mode,
        dilation=dilation,
    )  # fmt: skip


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max over windows of (N, C, H, W); ties send the gradient to the first maximum."""
    return _pool(
        2, "max_pool2d", _ops.MaxPool, input, kernel_size, stride, padding, ceil_mode,
        dilation=dilation,
    )  # fmt: skip


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Mean over windows of (N, C, L); zero padding counts (count_include_pad=True)."""
    return _pool(1, "avg_pool1d", _ops.AvgPool, input, kernel_size, stride, padding, ceil_mode)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Mean over windows of (N, C, H, W); zero padding counts (count_include_pad=True)."""
    return _pool(2, "avg_pool2d", _ops.AvgPool, input, kernel_size, stride, padding, ceil_mode)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over windows that tile (N, C, H, W) or (C, H, W) into `output_size` (an int, a
    pair, None keeping that size): window i covers rows floor(i H / h) to ceil((i + 1) H / h),
    as PyTorch; `output_size=1` is the global average."""
    size = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(size) != 2 or input.ndim not in (3, 4):
        raise ValueError(
            f"adaptive_avg_pool2d: takes (N, C, H, W) or (C, H, W) and an output size of one "
            f"or two numbers, got shape {input.shape} and {output_size!r}"
        )
    height, width = input.shape[-2:]
    out_h, out_w = (height if size[0] is None else size[0]), (width if size[1] is None else size[1])
    if height % out_h == 0 and width % out_w == 0:  # equal windows: one reshape and a mean
        lead = input.shape[:-2]
        tiles = input.reshape(*lead, out_h, height // out_h, out_w, width // out_w)
        return tiles.mean(axis=(-3, -1))
    rows = [(i * height // out_h, -(-(i + 1) * height // out_h)) for i in range(out_h)]
    cols = [(j * width // out_w, -(-(j + 1) * width // out_w)) for j in range(out_w)]
    means = [
        ag.stack([input[..., r0:r1, c0:c1].mean(axis=(-2, -1)) for c0, c1 in cols], dim=-1)
        for r0, r1 in rows
    ]
    return ag.stack(means, dim=-2)


# normalisation ---------------------------------------------------------------------------


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) of (N, C, ...) over the batch and the other axes.

    Training (or no running statistics): the batch's mean and biased variance, and the
    running statistics, when given, move in place: r = (1 - momentum) r + momentum s,
    with the unbiased variance, as in PyTorch. Evaluation: the running statistics."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected (N, C, ...) input, got shape {input.shape}")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        count = input.size // input.shape[1]
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got "
                f"input of shape {input.shape}"
            )
        mean = input.mean(axis=axes, keepdims=True)
        centred = input - mean
        var = (centred * centred).mean(axis=axes, keepdims=True)
        if training and running_mean is not None:
            # a replay would not see this update (it reads the batch's statistics here)
            ag.refuse_under_capture("batch_norm in training mode (running statistics)")
            with ag.no_grad():
                _move(running_mean, mean._data.reshape(-1), momentum)
                _move(running_var, var._data.reshape(-1) * (count / (count - 1)), momentum)
        out = centred / ag.sqrt(var + eps)
    else:
        mean = running_mean.astype(input.dtype).reshape(shape)
        var = running_var.astype(input.dtype).reshape(shape)
        out = (input - mean) / ag.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _move(buffer: Tensor, value: np.ndarray, momentum: float) -> None:
    """buffer <- (1 - momentum) buffer + momentum value, in place when the array allows."""
    new = (1 - momentum) * buffer._data + momentum * value.astype(buffer.dtype)
    if buffer._data.flags.writeable:
        buffer._data[...] = new
    else:  # saved by a live graph: leave it its values
        buffer._data = new.astype(buffer.dtype)


def layer_norm(
    input: Tensor,
    normalized_shape: Sequence[int] | int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing `normalized_shape` axes (mean and biased variance)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape:
        raise ValueError(
            f"layer_norm: the input's trailing axes {input.shape} do not end with "
            f"normalized_shape {shape}"
        )
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(axis=axes, keepdims=True)
    centred = input - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / ag.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


# embedding -------------------------------------------------------------------------------


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) at integer indices (...,) -> (..., dim).

    Repeated indices accumulate their gradients; the row at `padding_idx` gets none."""
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    count = weight.shape[0]
    if indices.size and (indices.min() < -count or indices.max() >= count):
        raise IndexError(
            f"embedding: indices must lie in [0, {count}) for a weight of shape "
            f"{weight.shape}, got values from {indices.min()} to {indices.max()}"
        )
    indices = np.array(indices, dtype=np.int64)  # a private copy: the gradient needs it intact
    rows = ag.getitem(weight, indices)
    if padding_idx is None:
        return rows
    padding_idx = padding_idx % count
    mask = (indices != padding_idx)[..., None]
    return ag.where(mask, rows, rows.detach())


# attention -------------------------------------------------------------------------------


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:
    """softmax(q k^T * scale + mask) v over the last two axes: q (..., L, E), k (..., S, E),
    v (..., S, Ev) -> (..., L, Ev); scale defaults to 1/sqrt(E).

    A boolean `attn_mask` is True where attention is allowed (PyTorch's convention); a
    float one is added to the scores. `is_causal` allows position i to see j <= i only."""
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


def _attention(query, key, value, attn_mask, dropout_p, is_causal, scale, training=True):
    """(output, attention weights) of scaled dot-product attention."""
    e = query.shape[-1]
    scale = 1.0 / math.sqrt(e) if scale is None else scale
    scores = ag.matmul(query, key.swapaxes(-1, -2)) * scale
    length, source = scores.shape[-2], scores.shape[-1]
    if is_causal:
        if attn_mask is not None:
            raise ValueError(
                "scaled_dot_product_attention: pass either attn_mask or is_causal=True"
            )
        attn_mask = np.tril(np.ones((length, source), dtype=bool))
    if attn_mask is not None:
        mask = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        if mask.dtype == bool:
            scores = ag.where(mask, scores, np.array(-np.inf, dtype=scores.dtype))
        else:
            scores = scores + attn_mask
    weights = ag.softmax(scores, axis=-1)
    if dropout_p > 0.0 and training:
        from .functional import dropout

        weights = dropout(weights, dropout_p, True)
    return ag.matmul(weights, value), weights


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    num_heads: int,
    in_proj_weight: Tensor,
    in_proj_bias: Tensor | None,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
    dropout_p: float = 0.0,
    training: bool = True,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on batch-first inputs (N, L, E), (N, S, E), (N, S, E).

    Masks follow nn.MultiheadAttention: boolean True means *not allowed*
    (`key_padding_mask` (N, S), `attn_mask` (L, S) or (N * heads, L, S)); float masks
    are added. Returns (output (N, L, E), weights (N, L, S) averaged over heads, or
    (N, heads, L, S), or None when not `need_weights`)."""
    n, length, embed = query.shape
    source = key.shape[1]
    if embed % num_heads:
        raise ValueError(
            f"multi_head_attention: embed_dim {embed} is not divisible by num_heads {num_heads}"
        )
    head = embed // num_heads
    w_q, w_k, w_v = (in_proj_weight[i * embed : (i + 1) * embed] for i in range(3))
    if in_proj_bias is None:
        b_q = b_k = b_v = None
    else:
        b_q, b_k, b_v = (in_proj_bias[i * embed : (i + 1) * embed] for i in range(3))

    def heads(x, w, b, steps):  # (N, T, E) -> (N, heads, T, head)
        return ag.linear(x, w, b).reshape(n, steps, num_heads, head).swapaxes(1, 2)

    q, k, v = (
        heads(query, w_q, b_q, length),
        heads(key, w_k, b_k, source),
        heads(value, w_v, b_v, source),
    )
    mask = _combined_mask(attn_mask, key_padding_mask, n, num_heads, length, source, query.dtype)
    if is_causal and mask is None:
        mask = np.where(np.tril(np.ones((length, source), dtype=bool)), 0.0, -np.inf)
        mask = mask.astype(query.dtype)
    out, weights = _attention(q, k, v, mask, dropout_p, False, None, training)
    out = ag.linear(out.swapaxes(1, 2).reshape(n, length, embed), out_proj_weight, out_proj_bias)
    if not need_weights:
        return out, None
    return out, (weights.mean(axis=1) if average_attn_weights else weights)


def _combined_mask(attn_mask, key_padding_mask, n, num_heads, length, source, dtype):
    """Both masks as one additive float mask broadcastable to (N, heads, L, S), or None."""
    total = None
    for mask, shape in (
        (attn_mask, None),
        (key_padding_mask, (n, 1, 1, source)),
    ):
        if mask is None:
            continue
        mask = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if mask.dtype == bool:
            mask = np.where(mask, -np.inf, 0.0)
        mask = mask.astype(dtype)
        if shape is not None:
            mask = mask.reshape(shape)
        elif mask.ndim == 3:  # (N * heads, L, S)
            mask = mask.reshape(n, num_heads, length, source)
        total = mask if total is None else total + mask
    return total
