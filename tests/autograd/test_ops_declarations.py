"""Adding an op touches one file: each ops file declares its functions, aliases and Tensor
methods next to the code (autograd/ops/public.py), and autograd/ops/__init__.py collects
the declarations (ops._collect) into the functions users call and the Tensor methods."""

import importlib
import inspect
import pkgutil
import types

import numpy as np
import pytest

import autograd as ag
from autograd import ops
from autograd.testing import gradcheck

# an ops file of its own, as a contributor would write it
CUBE_FILE = '''
from autograd.function import Primitive
from autograd.ops.public import function, method


class Cube(Primitive):
    """scale x**3   ->   dx = 3 scale g x**2"""

    function = "cube"
    method = True
    aliases = ("third_power",)

    @staticmethod
    def forward(ctx, x, scale=1.0):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * ctx.scale * g * x * x


class CubeAgain(Cube):
    """a subclass inherits no declaration"""


@method
def sum_of_cubes(x):
    """sum(x**3) (derived)."""
    return Cube.apply(x).sum()


@function
def cube_of_sum(x):
    """sum(x)**3 (derived)."""
    return Cube.apply(x.sum())


def helper(x):
    return x
'''


def _ops_file(source: str, name: str = "cube_ops") -> types.ModuleType:
    module = types.ModuleType(name)
    exec(source, vars(module))
    return module


def test_the_declarations_of_an_ops_file_are_collected():
    module = _ops_file(CUBE_FILE)
    exports, functions, aliases, methods = ops._collect(module)
    assert functions == {"cube": module.Cube}
    assert aliases == {"third_power": "cube"}
    assert set(methods) == {"cube", "sum_of_cubes"}
    assert set(exports) == {
        *("Cube", "CubeAgain"),  # the primitives, as classes
        *("cube", "third_power", "sum_of_cubes", "cube_of_sum"),  # the functions
    }
    cube = exports["cube"]
    assert exports["third_power"] is cube and methods["cube"] is cube
    assert cube.op is module.Cube and cube.__name__ == "cube"
    assert cube.__doc__ == "scale x**3   ->   dx = 3 scale g x**2"
    assert str(inspect.signature(cube)) == "(x, scale=1.0)"
    assert methods["sum_of_cubes"] is exports["sum_of_cubes"] is module.sum_of_cubes
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    out = cube(x, scale=2.0)
    assert out.grad_fn.op is module.Cube
    np.testing.assert_allclose(out.numpy(), 2 * x.numpy() ** 3)
    assert gradcheck(lambda x: cube(x, scale=2.0), x)


# the real ops files --------------------------------------------------------------------

OPS_FILES = [
    importlib.import_module(f"{ops.__name__}.{info.name}")
    for info in pkgutil.iter_modules(ops.__path__)
]
DECLARATIONS = [  # the objects that declare a function, in every ops file
    value
    for module in OPS_FILES
    for value in vars(module).values()
    if getattr(value, "__module__", None) == module.__name__
    and "function" in getattr(value, "__dict__", {})
]
DECLARED = {value.__dict__["function"]: value for value in DECLARATIONS}


def test_every_ops_file_is_collected_and_nothing_else_is_exported():
    exports, functions, aliases, methods = ops._collect(*OPS_FILES)
    assert functions == ops.FUNCTIONS and aliases == ops.ALIASES
    assert set(methods) == set(ops.METHODS)
    assert sorted(name for name in exports if name.islower()) == sorted(ops.__all__)


def test_no_name_is_declared_twice():
    names = [
        name
        for value in DECLARATIONS
        for name in (value.__dict__["function"], *value.__dict__.get("aliases", ()))
    ]
    assert len(names) == len(set(names)), sorted(n for n in set(names) if names.count(n) > 1)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_each_declared_function_is_exported_as_declared(name):
    value = DECLARED[name]
    public = getattr(ag, name)
    assert public is getattr(ops, name)
    if isinstance(value, type):  # a primitive: its function applies it, with its math line
        assert public.op is value
        assert public.__doc__ == value.__doc__.strip().splitlines()[0] and "->" in public.__doc__
        forward = list(inspect.signature(value.forward).parameters)[1:]  # without ctx
        assert list(inspect.signature(public).parameters) == forward
    else:
        assert public is value
    for alias in value.__dict__.get("aliases", ()):
        assert getattr(ag, alias) is public
    is_method = bool(value.__dict__.get("method"))
    assert (getattr(ag.Tensor, name, None) is public) == is_method, f"x.{name}()"
