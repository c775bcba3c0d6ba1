"""The formula sheet: every primitive op, and the functions users call.

(losses.py holds the fused loss primitives nn's losses use, special.py erf, conv.py
convolution and pooling.)

Each file declares what it makes public next to the code (see public.py): a primitive
in its class body (`function = "exp"` makes the function `exp(x)`, documented by the
op's math line; `method = True` the Tensor method `x.exp()` too; `aliases` numpy's
names), a function written out with `@function` or `@method`. This file only collects
the declarations into `FUNCTIONS`, `ALIASES` and `METHODS`. Adding an op touches one
file: a class (or a function) in a file below, with its declaration.

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

from ..function import Primitive
from ..mode import state
from ..tensor import Tensor
from . import conv, elementwise, linalg, losses, reduce, shape, special

# IEEE arithmetic defines every result these ops give at their edges (log(0) = -inf,
# x / 0 = inf, 0 / 0 = nan, sqrt(-1) = nan, overflow = inf), and PyTorch gives them
# silently: so do the ops, in forward and backward. Only warnings numpy raises inside
# these modules and in the engine's sums of gradients (inf + -inf) are silenced; the
# user's own numpy code still warns. No cost on the hot path: a filter is read only when
# a warning is raised. autograd.detect_anomaly() is the tool that finds nan and inf.
# (pytest restores the filters for each test: pyproject.toml repeats this one for it.)
SILENCED = r"autograd\.(ops|ops\..*|engine)$"
warnings.filterwarnings("ignore", category=RuntimeWarning, module=SILENCED)


def _function(op, name: str):
    """`name(*args)` = `op.apply(*args)`, documented by the op's math line; `out=` as in
    PyTorch (see `_into`)."""

    def function(*args, out=None, **kwargs):
        if out is None:
            return op.apply(*args, **kwargs)
        return _into(out, op.apply(*args, **kwargs), name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = op.__doc__.strip().splitlines()[0]
    forward = inspect.signature(op.forward)  # forward's arguments, without ctx
    function.__signature__ = forward.replace(parameters=list(forward.parameters.values())[1:])
    function.op = op
    return function


def _into(out, result: Tensor, name: str):
    """PyTorch's `out=`: the result written into the tensor `out` (resized if its shape
    differs), which is returned. Like PyTorch, refused where a gradient would be recorded."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out= takes a tensor, not {type(out).__name__}")
    if result.requires_grad or (out.requires_grad and state.grad_enabled):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad. Drop out= (y = "
            f"{name}(...)) or compute under autograd.no_grad()."
        )
    if out.shape != result.shape:
        out.data = result._data.astype(out.dtype, copy=False)
    else:
        out.copy_(result)
    return out


def _collect(*modules) -> tuple[dict, dict, dict, dict]:
    """What the ops files declare: (the names to export, FUNCTIONS, ALIASES, METHODS)."""
    exports, functions, aliases, methods = {}, {}, {}, {}
    for module in modules:
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__ or name[0] == "_":
                continue  # imported from elsewhere, or private
            if isinstance(value, type) and issubclass(value, (Primitive, tuple)):
                exports[name] = value  # the primitives (and ValuesIndices): ops.Exp
            declared = getattr(value, "__dict__", {})  # its own: a subclass inherits none
            if "function" not in declared:
                continue
            name, public = declared["function"], value
            if isinstance(value, type):  # a primitive: its function is op.apply
                functions[name], public = value, _function(value, name)
            aliases.update(dict.fromkeys(declared.get("aliases", ()), name))
            exports.update(dict.fromkeys((name, *declared.get("aliases", ())), public))
            if declared.get("method"):
                methods[name] = public
    return exports, functions, aliases, methods


# FUNCTIONS: name -> primitive, each made a function of that name; ALIASES: numpy's
# names for the same functions (alias -> name); METHODS: x.name(...) is name(x, ...)
_exports, FUNCTIONS, ALIASES, METHODS = _collect(
    elementwise, reduce, linalg, shape, conv, losses, special
)
globals().update(_exports)
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)

# what `from autograd.ops import *` (and so `autograd`) exports: the functions
__all__ = [
    name
    for name, value in globals().items()
    if callable(value) and not isinstance(value, type) and name.islower() and name[0] != "_"
]
