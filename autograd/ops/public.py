"""How an ops file declares what it makes public; ops/__init__.py collects the declarations.

A primitive declares its function in its class body, under its math line:

    class Exp(Primitive):
        ...
        function = "exp"  # autograd.exp(x) = Exp.apply(x), documented by the math line
        method = True     # and the Tensor method x.exp()
        aliases = ()      # numpy's names for the same function ("divide" for div)

A function written out in an ops file (derived: mean, softmax, reshape) is declared by
a decorator: `@function` (autograd.cat), `@function(aliases=("concat",))`, or `@method`
(autograd.mean and x.mean()).
"""

from __future__ import annotations


def function(f=None, *, aliases: tuple[str, ...] = ()):
    """Declare `f` a public function, autograd.<f's name>, with numpy's `aliases`."""

    def declare(f):
        f.function, f.aliases = f.__name__, aliases
        return f

    return declare if f is None else declare(f)


def method(f):
    """Declare `f` a public function and a Tensor method: x.name(...) is name(x, ...)."""
    f.method = True
    return function(f)
