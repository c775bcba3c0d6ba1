"""Embedding: a lookup table of learnable rows, as torch.nn.Embedding."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """Integer indices (...,) -> rows of weight (num_embeddings, embedding_dim): (..., dim).

    weight starts N(0, 1) (PyTorch's default), its `padding_idx` row zero; that row gets
    no gradient. Repeated indices accumulate their gradients."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = None,
    ):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must lie in [-{num_embeddings}, "
                    f"{num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        dtype = dtype or ag.get_default_dtype()
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(indices, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
