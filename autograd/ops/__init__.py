"""The formula sheet: every primitive op, and the functions users call.

(losses.py holds the fused loss primitives nn's losses use, special.py erf, conv.py
convolution and pooling.)

One table makes both: `FUNCTIONS` turns each primitive into a function (`exp(x)`, its
docstring the op's math line), and `METHODS` lists the functions that are also Tensor
methods (`x.exp()`). Adding an op is one class in a file below and one line here.

elementwise.py   add sub mul div neg pow exp log sqrt abs sin cos tanh sigmoid relu
                 leaky_relu softplus maximum minimum clip where clone cast
reduce.py        sum max min (primitives); mean var logsumexp softmax log_softmax (derived)
linalg.py        matmul
shape.py         reshape transpose broadcast_to concatenate getitem index_add (primitives);
                 swapaxes permute expand_dims squeeze flatten stack (derived)
"""

from __future__ import annotations

import inspect

from ..tensor import Tensor
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Clone,
    Cos,
    Div,
    Exp,
    LeakyRelu,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sin,
    Softplus,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .linalg import Linear, MatMul, linear
from .reduce import (
    Max,
    Min,
    Sum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    softmax,
    sum,
    var,
)
from .shape import (
    BroadcastTo,
    Concatenate,
    CopySlices,
    GetItem,
    IndexAdd,
    IndexPut,
    Reshape,
    Transpose,
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    permute,
    reshape,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
)


def leaky_relu(x, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi] (the gradient passes on the closed interval)."""
    return Clip.apply(x, lo=lo, hi=hi)


def _function(op, name: str):
    """`name(*args)` = `op.apply(*args)`, documented by the op's math line."""

    def function(*args, **kwargs):
        return op.apply(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = op.__doc__.strip().splitlines()[0]
    forward = inspect.signature(op.forward)  # forward's arguments, without ctx
    function.__signature__ = forward.replace(parameters=list(forward.parameters.values())[1:])
    function.op = op
    return function


# name -> primitive: each becomes a function of that name
FUNCTIONS = {
    "add": Add,
    "sub": Sub,
    "mul": Mul,
    "div": Div,
    "neg": Neg,
    "pow": Pow,
    "exp": Exp,
    "log": Log,
    "sqrt": Sqrt,
    "abs": Abs,
    "sin": Sin,
    "cos": Cos,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "relu": Relu,
    "softplus": Softplus,
    "maximum": Maximum,
    "minimum": Minimum,
    "where": Where,
    "matmul": MatMul,
    "clone": Clone,
}
globals().update({name: _function(op, name) for name, op in FUNCTIONS.items()})

# numpy's names for the same functions
ALIASES = {
    "divide": "div",
    "true_divide": "div",
    "power": "pow",
    "absolute": "abs",
    "subtract": "sub",
    "multiply": "mul",
    "negative": "neg",
}
globals().update({alias: globals()[name] for alias, name in ALIASES.items()})

# Tensor methods: x.name(...) is name(x, ...); view and unsqueeze are PyTorch's names
_METHOD_NAMES = [
    "exp",
    "log",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softplus",
    "clip",
    "pow",
    "maximum",
    "minimum",
    "matmul",
    "clone",
    "sum",
    "mean",
    "var",
    "max",
    "min",
    "logsumexp",
    "softmax",
    "log_softmax",
    "reshape",
    "transpose",
    "permute",
    "swapaxes",
    "expand_dims",
    "squeeze",
    "flatten",
    "broadcast_to",
]
METHODS = {name: globals()[name] for name in _METHOD_NAMES}
METHODS.update(view=reshape, unsqueeze=expand_dims)
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)

from .conv import (  # noqa: E402
    AvgPool,
    AvgPoolGrad,
    Conv,
    ConvGradInput,
    ConvGradWeight,
    MaxPool,
    MaxPoolGather,
    MaxPoolGrad,
    Pad,
    avg_pool,
    convolution,
    max_pool,
    pad,
)

# what `from autograd.ops import *` (and so `autograd`) exports: the functions
__all__ = [
    name
    for name, value in globals().items()
    if callable(value) and not isinstance(value, type) and name.islower() and name[0] != "_"
]
