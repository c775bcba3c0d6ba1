"""The gradient-testing kit: check any function or op against finite differences.

    from autograd.testing import gradcheck, gradgradcheck, check_op
    gradcheck(fn, x, w)            first derivatives (full Jacobian) vs finite differences
    gradgradcheck(fn, x, w)        second derivatives, through create_graph=True
    check_op(MyOp)                 a hypothesis property test of an op, first and second order

`autograd.testing.strategies` (and `check_op`) need hypothesis, the optional extra
`pip install chainrule[testing]`; gradcheck and gradgradcheck need numpy only.
See docs/testing.md.
"""

from .gradcheck import gradcheck, gradgradcheck


def __getattr__(name: str):
    # check_op and strategies import hypothesis: load them only when asked for
    if name == "check_op":
        from .op_check import check_op

        return check_op
    if name == "strategies":
        import importlib

        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")


__all__ = ["check_op", "gradcheck", "gradgradcheck", "strategies"]
