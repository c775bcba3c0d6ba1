"""Elementwise ops: the formula sheet. Each op is forward (numpy) next to its local gradient.

`g` is the upstream gradient (a Tensor); backward returns one gradient per input,
written with Tensor operations so that gradients of gradients work. Binary ops
broadcast like numpy; the engine sums each gradient back to its input's shape.

Conventions at non-differentiable points (kinks): relu'(0) = 0, leaky_relu'(0) = slope,
abs'(0) = 0, clip passes the gradient on the closed interval [lo, hi], and
maximum/minimum split the gradient equally between tied inputs.
"""

from __future__ import annotations

import numpy as np

from ..function import REALS, Domain, Primitive
from ..tensor import Tensor
from .public import function, method

POSITIVE = Domain(low=0.0)
NONZERO = Domain(avoid=(0.0,))


class Add(Primitive):
    """a + b   ->   da = g,  db = g"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Primitive):
    """a - b   ->   da = g,  db = -g"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g if ctx.needs_input_grad[1] else None


@method
def add(input, other, *, alpha=1):
    """input + alpha other, as torch.add (alpha scales `other` first)."""
    return Add.apply(input, other if alpha == 1 else other * alpha)


@function(aliases=("subtract",))
def sub(input, other, *, alpha=1):
    """input - alpha other, as torch.sub."""
    return Sub.apply(input, other if alpha == 1 else other * alpha)


sub.method = True


class Mul(Primitive):
    """a * b   ->   da = g b,  db = g a"""

    function = "mul"
    aliases = ("multiply",)
    method = True

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad[:2]
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Primitive):
    """a / b   ->   da = g / b,  db = -g a / b**2"""

    function = "div"
    aliases = ("divide", "true_divide")
    method = True
    domains = (REALS, NONZERO)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


class Neg(Primitive):
    """-x   ->   dx = -g"""

    function = "neg"
    aliases = ("negative",)
    method = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


def power(a, b):
    """numpy's a ** b; where both are single numbers, numpy's scalar pow on them.

    Speed, and one result for both engines: the scalar pow costs a tenth of the ufunc on
    0-d arrays, and it differs from the ufunc in the last bit for some arguments, so 0-d
    arrays (eager) and numpy scalars (a captured replay) must both take it.
    """
    if type(a) is np.ndarray:
        if a.shape:
            return np.power(a, b)
        a = a[()]
    if type(b) is np.ndarray:
        if b.shape:
            return np.power(a, b)
        b = b[()]
    return a**b


class Pow(Primitive):
    """a ** b   ->   da = g b a**(b-1),  db = g a**b log(a)   (b = 0 gives da = 0)"""

    function = "pow"
    aliases = ("power",)
    method = True
    domains = (POSITIVE, REALS)

    @staticmethod
    def forward(ctx, a, b):
        out = power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            a_pow = a ** (b - 1) if isinstance(a, Tensor) else power(a, b - 1)
            grad_a = g * 0 if type(b) in (int, float) and b == 0 else g * b * a_pow
        if need_b:
            if isinstance(a, (int, float)):  # a Python-number base: log in out's dtype
                a = np.asarray(a, dtype=out.dtype)
            grad_b = g * out * Log.apply(a)
        return grad_a, grad_b


class Exp(Primitive):
    """exp(x)   ->   dx = g exp(x)"""

    function = "exp"
    method = True

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Primitive):
    """log(x)   ->   dx = g / x"""

    function = "log"
    method = True
    domains = (POSITIVE,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Sqrt(Primitive):
    """sqrt(x)   ->   dx = g / (2 sqrt(x))"""

    function = "sqrt"
    method = True
    domains = (POSITIVE,)

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)


class Abs(Primitive):
    """|x|   ->   dx = g sign(x)   (kink at 0: abs'(0) = 0)"""

    function = "abs"
    aliases = ("absolute",)
    method = True
    domains = (NONZERO,)

    @staticmethod
    def forward(ctx, x):
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.sign


class Sin(Primitive):
    """sin(x)   ->   dx = g cos(x)"""

    function = "sin"
    method = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * Cos.apply(x)


class Cos(Primitive):
    """cos(x)   ->   dx = -g sin(x)"""

    function = "cos"
    method = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * Sin.apply(x)


class Tanh(Primitive):
    """tanh(x)   ->   dx = g (1 - tanh(x)**2)"""

    function = "tanh"
    method = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Primitive):
    """sigmoid(x) = 1 / (1 + exp(-x))   ->   dx = g s (1 - s)

    A primitive rather than a composition for stability: exp is only ever taken of
    -|x|, so it is finite for any x.
    """

    function = "sigmoid"
    method = True

    @staticmethod
    def forward(ctx, x):
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Primitive):
    """max(x, 0)   ->   dx = g [x > 0]   (kink at 0: relu'(0) = 0)"""

    function = "relu"
    method = True
    domains = (NONZERO,)

    @staticmethod
    def forward(ctx, x):
        if ctx.needs_input_grad[0]:
            ctx.mask = x > 0  # a bool array: a quarter of float32 x, kept in its place
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


class LeakyRelu(Primitive):
    """x if x > 0 else slope x   ->   dx = g (1 if x > 0 else slope)   (kink at 0)"""

    domains = (NONZERO,)

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.scale = np.where(x > 0, x.dtype.type(1), x.dtype.type(negative_slope))
        return x * ctx.scale

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale


class Softplus(Primitive):
    """log(1 + exp(x))   ->   dx = g sigmoid(x)   (computed as logaddexp(0, x): no overflow)"""

    function = "softplus"
    method = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * Sigmoid.apply(x)


class Maximum(Primitive):
    """max(a, b)   ->   da = g [a > b],  db = g [b > a]   (ties share g equally)"""

    function = "maximum"
    method = True
    ties = True

    @staticmethod
    def forward(ctx, a, b):
        out = np.maximum(a, b)
        ctx.share_a = _share(a > b, a == b, out.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.share_a, g * (1 - ctx.share_a)


class Minimum(Primitive):
    """min(a, b)   ->   da = g [a < b],  db = g [b < a]   (ties share g equally)"""

    function = "minimum"
    method = True
    ties = True

    @staticmethod
    def forward(ctx, a, b):
        out = np.minimum(a, b)
        ctx.share_a = _share(a < b, a == b, out.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        return g * ctx.share_a, g * (1 - ctx.share_a)


def _share(wins: np.ndarray, ties: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """1 where the first input wins, 0.5 at ties, 0 elsewhere."""
    return wins.astype(dtype) + ties.astype(dtype) * dtype.type(0.5)


class Clip(Primitive):
    """min(max(x, lo), hi)   ->   dx = g [lo <= x <= hi]   (kinks at lo and hi)"""

    domains = (Domain(avoid=("lo", "hi")),)

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        inside = np.ones(np.shape(x), dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.inside = inside
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.inside


class Where(Primitive):
    """cond ? a : b   ->   da = g [cond],  db = g [not cond]   (cond gets no gradient)"""

    function = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:  # private: the caller may
            cond = ctx.cond = np.array(cond, dtype=bool, copy=True)  # change cond later
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        return None, g * ctx.cond, g * ~ctx.cond


class Clone(Primitive):
    """copy of x   ->   dx = g   (a tensor with a buffer of its own)"""

    function = "clone"
    method = True

    @staticmethod
    def forward(ctx, x, order="K"):
        return np.array(x, copy=True, order=order)

    @staticmethod
    def backward(ctx, g):
        return g


class Cast(Primitive):
    """x as another float dtype   ->   dx = g cast back to x's dtype"""

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.dtype)


class Log1p(Primitive):
    """log(1 + x)   ->   dx = g / (1 + x)   (accurate for tiny x)"""

    function = "log1p"
    method = True
    domains = (Domain(low=-1.0),)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x)


class Expm1(Primitive):
    """exp(x) - 1   ->   dx = g (out + 1)   (accurate for tiny x)"""

    function = "expm1"
    method = True

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1)


class Log2(Primitive):
    """log2(x)   ->   dx = g / (x ln 2)"""

    function = "log2"
    method = True
    domains = (POSITIVE,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN2)


class Log10(Primitive):
    """log10(x)   ->   dx = g / (x ln 10)"""

    function = "log10"
    method = True
    domains = (POSITIVE,)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x * _LN10)


# the jumps of the piecewise-constant ops (the testing kit draws inputs away from them)
_INTEGERS = tuple(float(k) for k in range(-16, 17))
_HALVES = tuple(k + 0.5 for k in range(-16, 16))

_LN2 = float(np.log(2.0))  # Python floats: they keep a float32 gradient float32
_LN10 = float(np.log(10.0))


class Sign(Primitive):
    """sign(x)   ->   dx = 0   (piecewise constant, as PyTorch)"""

    function = "sign"
    method = True
    domains = (NONZERO,)

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Floor(Primitive):
    """floor(x)   ->   dx = 0   (piecewise constant, as PyTorch)"""

    function = "floor"
    method = True
    domains = (Domain(avoid=_INTEGERS),)

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Ceil(Primitive):
    """ceil(x)   ->   dx = 0   (piecewise constant, as PyTorch)"""

    function = "ceil"
    method = True
    domains = (Domain(avoid=_INTEGERS),)

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Round(Primitive):
    """round(x, decimals) half to even   ->   dx = 0   (piecewise constant, as PyTorch)"""

    domains = (Domain(avoid=_HALVES),)

    @staticmethod
    def forward(ctx, x, decimals=0):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, g):
        return g * 0


# functions ---------------------------------------------------------------------------


@method
def leaky_relu(x, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x."""
    return LeakyRelu.apply(x, negative_slope=negative_slope)


@method
def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's names
    """Limit values to [min, max] (either may be None); the gradient passes on the closed
    interval. Tensor bounds are compared elementwise (maximum/minimum)."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x if min is None else Maximum.apply(x, min)
        return out if max is None else Minimum.apply(out, max)
    return Clip.apply(x, lo=min, hi=max)


@method
def clip(x, lo=None, hi=None, *, min=None, max=None):  # noqa: A002
    """numpy's name for clamp: clip(x, lo, hi), or clip(x, min=..., max=...)."""
    return clamp(x, lo if min is None else min, hi if max is None else max)


@method
def round(x, decimals: int = 0):  # noqa: A001 - PyTorch's name
    """Round half to even to `decimals` places; gradient 0."""
    return Round.apply(x, decimals=decimals)


@method
def isclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|a - b| <= atol + rtol |b| elementwise, a bool tensor (no gradient)."""
    close = np.isclose(_values(a), _values(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    return Tensor._from_values(np.asarray(close))


@method
def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when isclose holds everywhere (a Python bool, as torch.allclose)."""
    return bool(np.allclose(_values(a), _values(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def _comparison(name: str, ufunc: np.ufunc, symbol: str, aliases: tuple[str, ...]):
    """The function `name(input, other)` (and method `x.name(other)`): input `symbol` other
    elementwise, a bool tensor without gradient, as the operator gives."""

    def compare(input, other):
        return Tensor._from_values(np.asarray(ufunc(_values(input), _values(other))))

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"input {symbol} other elementwise, a bool tensor (no gradient)."
    compare.function, compare.aliases, compare.method = name, aliases, True
    return compare


eq = _comparison("eq", np.equal, "==", ())  # numpy's `equal` is torch.equal below
ne = _comparison("ne", np.not_equal, "!=", ("not_equal",))
lt = _comparison("lt", np.less, "<", ("less",))
le = _comparison("le", np.less_equal, "<=", ("less_equal",))
gt = _comparison("gt", np.greater, ">", ("greater",))
ge = _comparison("ge", np.greater_equal, ">=", ("greater_equal",))


@method
def equal(a, b) -> bool:
    """True when a and b have the same shape and the same values (a Python bool, as
    torch.equal; numpy's elementwise `equal` is `eq`)."""
    a, b = np.asarray(_values(a)), np.asarray(_values(b))
    return a.shape == b.shape and bool(np.array_equal(a, b))


@method
def square(x):
    """x * x, as torch.square."""
    return Mul.apply(x, x)


@method
def reciprocal(x):
    """1 / x, as torch.reciprocal."""
    return Div.apply(1.0, x)


@method
def rsqrt(x):
    """1 / sqrt(x), as torch.rsqrt."""
    return Pow.apply(x, -0.5)


clamp.op = clip.op = Clip  # the primitive behind them (for the testing kit)
add.op, sub.op = Add, Sub
round.op = Round


def _values(x):
    return x._data if isinstance(x, Tensor) else x


@method
def contiguous(x):
    """x itself if its memory is row-major (C order), else a row-major copy (torch's
    `.contiguous()`, e.g. before `.view` after a transpose)."""
    if isinstance(x, Tensor) and x._data.flags.c_contiguous:
        return x
    return Clone.apply(x, order="C")
