"""The formula sheet: every primitive op, and the functions users call.

elementwise.py   add sub mul div neg pow exp log sqrt abs sin cos tanh sigmoid relu
                 leaky_relu softplus maximum minimum clip where clone cast
reduce.py        sum max min (primitives); mean var logsumexp softmax log_softmax (derived)
linalg.py        matmul
shape.py         reshape transpose broadcast_to concatenate getitem index_add (primitives);
                 swapaxes permute expand_dims squeeze flatten stack (derived)
"""

from __future__ import annotations

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
    GetItem,
    IndexAdd,
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
    swapaxes,
    transpose,
)


def add(a, b):
    """a + b (broadcasting)."""
    return Add.apply(a, b)


def sub(a, b):
    """a - b (broadcasting)."""
    return Sub.apply(a, b)


def mul(a, b):
    """a * b (broadcasting)."""
    return Mul.apply(a, b)


def div(a, b):
    """a / b (broadcasting)."""
    return Div.apply(a, b)


def neg(x):
    """-x."""
    return Neg.apply(x)


def pow(a, b):  # noqa: A001 - numpy/torch name
    """a ** b (broadcasting)."""
    return Pow.apply(a, b)


def exp(x):
    """e ** x."""
    return Exp.apply(x)


def log(x):
    """Natural logarithm (x > 0)."""
    return Log.apply(x)


def sqrt(x):
    """Square root (x > 0 for a finite gradient)."""
    return Sqrt.apply(x)


def abs(x):  # noqa: A001
    """|x| (gradient 0 at 0)."""
    return Abs.apply(x)


def sin(x):
    """Sine."""
    return Sin.apply(x)


def cos(x):
    """Cosine."""
    return Cos.apply(x)


def tanh(x):
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), stable for large |x|."""
    return Sigmoid.apply(x)


def relu(x):
    """max(x, 0) (gradient 0 at 0)."""
    return Relu.apply(x)


def leaky_relu(x, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return Softplus.apply(x)


def maximum(a, b):
    """Elementwise max (ties share the gradient)."""
    return Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise min (ties share the gradient)."""
    return Minimum.apply(a, b)


def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi] (the gradient passes on the closed interval)."""
    return Clip.apply(x, lo=lo, hi=hi)


def where(cond, a, b):
    """a where cond is true, else b (cond gets no gradient)."""
    return Where.apply(cond, a, b)


def matmul(a, b):
    """Matrix product with numpy's rules for 1-D and batched operands."""
    return MatMul.apply(a, b)


divide = true_divide = div
power = pow
absolute = abs
subtract = sub
multiply = mul
negative = neg

__all__ = [name for name in dir() if not name.startswith("_")]

# convolution and pooling (autograd/ops/conv.py)
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

__all__ = [name for name in dir() if not name.startswith("_")]
