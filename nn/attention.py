"""MultiheadAttention with PyTorch's parameters: in_proj_weight (3E, E), in_proj_bias (3E,)
and out_proj (a Linear(E, E)), so a torch.nn.MultiheadAttention state_dict loads unchanged."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import functional as F
from . import init
from .layers import Linear
from .module import Module, Parameter


class MultiheadAttention(Module):
    """Attention of `num_heads` heads of size embed_dim // num_heads, as torch.nn's.

    Inputs are (L, N, E) (PyTorch's default) or (N, L, E) with `batch_first=True`, or
    unbatched (L, E). `forward` returns (output, weights): weights (N, L, S) averaged over
    the heads, (N, heads, L, S) with `average_attn_weights=False`, None when
    `need_weights=False`. Boolean masks are True where attention is *not* allowed."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        dtype: Any = None,
    ):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {embed_dim} must be divisible by num_heads "
                f"{num_heads}"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        dtype = dtype or ag.get_default_dtype()
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: xavier_uniform_ in-projection, zero biases, out_proj's weight as a
        Linear's."""
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        if query.ndim not in (2, 3):
            raise ValueError(
                f"MultiheadAttention: expected (L, N, E), (N, L, E) or (L, E) inputs, got "
                f"query of shape {query.shape}"
            )
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = (t.reshape(1, *t.shape) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask)[None]
        elif not self.batch_first:
            query, key, value = (t.swapaxes(0, 1) for t in (query, key, value))
        if self.dropout:
            ag.refuse_under_capture("MultiheadAttention dropout")
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.out_proj.weight, self.out_proj.bias, key_padding_mask=key_padding_mask,
            need_weights=need_weights, attn_mask=attn_mask,
            average_attn_weights=average_attn_weights, is_causal=is_causal,
            dropout_p=self.dropout, training=self.training,
        )  # fmt: skip
        if unbatched:
            out = out.reshape(*out.shape[1:])
            weights = None if weights is None else weights.reshape(*weights.shape[1:])
        elif not self.batch_first:
            out = out.swapaxes(0, 1)
        return out, weights

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
