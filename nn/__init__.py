"""chainrule.nn: a small PyTorch-like neural-network layer on top of `autograd`.

    import autograd as ag
    import nn

    ag.manual_seed(0)
    model = nn.MLP(64, [128], 10)                  # Linear(64, 128), ReLU(), Linear(128, 10)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for xb, yb in nn.data.DataLoader(nn.data.TensorDataset(X, y), batch_size=32, shuffle=True):
        optimizer.zero_grad()
        loss_fn(model(xb), yb).backward()
        optimizer.step()
    nn.save(model, "digits.npz")

See docs/nn.md for a guide.
"""

from . import data, datasets, functional, init, optim, utils
from .activations import (
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
)
from .attention import MultiheadAttention
from .conv import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    Conv1d,
    Conv2d,
    Conv3d,
    MaxPool1d,
    MaxPool2d,
)
from .embedding import Embedding
from .layers import MLP, Dropout, Flatten, Identity, Linear, ModuleDict, ModuleList, Sequential
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .serialize import load, save
from .summary import summary

__all__ = [
    "MultiheadAttention",
    "MaxPool2d",
    "MaxPool1d",
    "LayerNorm",
    "Embedding",
    "Conv3d",
    "Conv2d",
    "Conv1d",
    "BatchNorm2d",
    "BatchNorm1d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "AvgPool1d",
    "ELU",
    "GELU",
    "SELU",
    "SiLU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LogSigmoid",
    "Mish",
    "ReLU6",
    "Softsign",
    "MLP",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "L1Loss",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "data",
    "datasets",
    "functional",
    "init",
    "load",
    "optim",
    "save",
    "summary",
    "utils",
]
