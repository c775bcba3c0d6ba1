"""The formula sheet: every primitive op, and the functions users call.

(losses.py holds the fused loss primitives nn's losses use, special.py erf, conv.py
convolution and pooling.)

One table makes both: `FUNCTIONS` turns each primitive into a function (`exp(x)`, its
docstring the op's math line), and `METHODS` lists the functions that are also Tensor
methods (`x.exp()`). Adding an op is one class in a file below and one line here.

elementwise.py   add sub mul div neg pow exp log log1p log2 log10 expm1 sqrt abs sign
                 floor ceil round sin cos tanh sigmoid relu leaky_relu softplus maximum
                 minimum clip (clamp) where clone cast; isclose allclose (no gradient)
reduce.py        sum max min cumsum norm (primitives); mean var std amax amin logsumexp
                 softmax log_softmax, max/min along a dim, sort, topk (derived); argmax
                 argmin all any (no gradient)
linalg.py        matmul linear
shape.py         reshape transpose broadcast_to concatenate getitem index_add (primitives);
                 view t swapaxes permute expand repeat unsqueeze squeeze flatten cat stack
                 tril triu masked_fill gather scatter_add (derived)

PyTorch's names and arguments come first (dim=, keepdim=, transpose(x, 0, 1)); numpy's
(axis=, keepdims=, concatenate, clip) are kept as aliases where they do not conflict.
See docs/pytorch.md.
"""

from __future__ import annotations

import inspect
import warnings

from ..tensor import Tensor
from .elementwise import (
    Abs,
    Add,
    Cast,
    Ceil,
    Clip,
    Clone,
    Cos,
    Div,
    Exp,
    Expm1,
    Floor,
    LeakyRelu,
    Log,
    Log1p,
    Log2,
    Log10,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Round,
    Sigmoid,
    Sign,
    Sin,
    Softplus,
    Sqrt,
    Sub,
    Tanh,
    Where,
    allclose,
    clamp,
    clip,
    isclose,
    round,
)
from .linalg import Linear, MatMul, linear
from .reduce import (
    Cumsum,
    Max,
    Min,
    Norm2,
    Sum,
    ValuesIndices,
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    norm,
    softmax,
    sort,
    std,
    sum,
    topk,
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
    cat,
    concatenate,
    expand,
    expand_dims,
    flatten,
    gather,
    getitem,
    masked_fill,
    permute,
    repeat,
    reshape,
    scatter_add,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    t,
    transpose,
    tril,
    triu,
    unsqueeze,
    view,
)

# IEEE arithmetic defines every result these ops give at their edges (log(0) = -inf,
# x / 0 = inf, 0 / 0 = nan, sqrt(-1) = nan, overflow = inf), and PyTorch gives them
# silently: so do the ops, in forward and backward. Only warnings numpy raises inside
# these modules and in the engine's sums of gradients (inf + -inf) are silenced; the
# user's own numpy code still warns. No cost on the hot path: a filter is read only when
# a warning is raised. autograd.detect_anomaly() is the tool that finds nan and inf.
# (pytest restores the filters for each test: pyproject.toml repeats this one for it.)
SILENCED = r"autograd\.(ops|ops\..*|engine)$"
warnings.filterwarnings("ignore", category=RuntimeWarning, module=SILENCED)


def leaky_relu(x, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


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
    "log1p": Log1p,
    "log2": Log2,
    "log10": Log10,
    "expm1": Expm1,
    "sqrt": Sqrt,
    "abs": Abs,
    "sign": Sign,
    "floor": Floor,
    "ceil": Ceil,
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
    "concat": "cat",
}
globals().update({alias: globals()[name] for alias, name in ALIASES.items()})

# Tensor methods: x.name(...) is name(x, ...)
_METHOD_NAMES = [
    "exp",
    "log",
    "log1p",
    "log2",
    "log10",
    "expm1",
    "sqrt",
    "abs",
    "sign",
    "floor",
    "ceil",
    "round",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softplus",
    "clamp",
    "clip",
    "pow",
    "maximum",
    "minimum",
    "matmul",
    "clone",
    "isclose",
    "allclose",
    "sum",
    "mean",
    "var",
    "std",
    "norm",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "all",
    "any",
    "cumsum",
    "sort",
    "topk",
    "logsumexp",
    "softmax",
    "log_softmax",
    "reshape",
    "view",
    "transpose",
    "t",
    "permute",
    "swapaxes",
    "expand",
    "repeat",
    "expand_dims",
    "unsqueeze",
    "squeeze",
    "flatten",
    "broadcast_to",
    "tril",
    "triu",
    "masked_fill",
    "gather",
    "scatter_add",
]
METHODS = {name: globals()[name] for name in _METHOD_NAMES}
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
