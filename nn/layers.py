"""Layers and containers: Linear, Sequential, ModuleList, Identity, Flatten, Dropout, MLP."""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import functional as F
from . import init
from .activations import GELU, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .module import Module, Parameter


class Linear(Module):
    """y = x @ weight.T + bias;  x (..., in_features) -> y (..., out_features).

    weight has shape (out_features, in_features) as in PyTorch. Default init, also as
    in PyTorch: weight by `kaiming_uniform_(a=sqrt(5))`, which is U(-1/sqrt(in), 1/sqrt(in)),
    and bias U(-1/sqrt(in), 1/sqrt(in)); both drawn from `autograd.default_rng()`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None):
        super().__init__()
        in_features = _feature_count("Linear", "in_features", in_features)
        out_features = _feature_count("Linear", "out_features", out_features)
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or ag.get_default_dtype()
        # column-major storage: weight.T is then a contiguous (in, out) matrix, so the
        # forward x @ weight.T and the gradient (x^T g)^T both use BLAS's fastest kernels
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype, order="F"))
        self.bias = Parameter(np.empty(out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights with PyTorch's default scheme (see the class docstring)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        dtype = getattr(x, "dtype", None)
        if dtype is not None and dtype != self.weight._data.dtype:
            x = match_dtype(self, x)
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


_warned: set = set()  # (input dtype, parameter dtype) pairs already warned about


def match_dtype(module: Module, x: Any) -> Tensor:
    """The input cast to the module's parameter dtype, as the layer computes in it.

    PyTorch raises for a float32 model given float64 data; chainrule casts instead, so a
    float32 model stays float32 (numpy would silently promote it to float64), and warns
    once per pair of dtypes when the cast loses precision (float64 data, float32 model).
    """
    x = x if isinstance(x, Tensor) else ag.as_tensor(x)
    wanted = module.weight._data.dtype
    if (
        x.dtype.kind == "f"
        and x.dtype.itemsize > wanted.itemsize
        and (x.dtype, wanted) not in _warned
    ):
        _warned.add((x.dtype, wanted))
        warnings.warn(
            f"{type(module).__name__}: input of dtype {x.dtype} given to parameters of dtype "
            f"{wanted}; the input is cast to {wanted} (PyTorch raises here). Convert the data "
            f"once (x.float() / x.to(autograd.{wanted})) or the model (model.double()). "
            "This warning is shown once.",
            stacklevel=_caller_level(),
        )
    return x.to(wanted)


def _caller_level() -> int:
    """warnings' stacklevel of the first frame outside nn and autograd (the user's call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in (
        "nn",
        "autograd",
    ):
        frame, level = frame.f_back, level + 1
    return level


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for an optional layer)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, 1, 8, 8) -> (N, 64) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        start = self.start_dim % x.ndim
        end = self.end_dim % x.ndim
        if start > end:
            raise ValueError(
                f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                f"for an input of shape {x.shape}"
            )
        merged = math.prod(x.shape[start : end + 1])
        return x.reshape(*x.shape[:start], merged, *x.shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout: in training mode zero each entry with probability p and scale
    the survivors by 1/(1-p); in eval mode the identity. Masks come from `generator` (an
    `autograd.Generator`) if given, else the default generator, so `autograd.manual_seed(n)`
    makes them reproducible."""

    def __init__(self, p: float = 0.5, generator: Any = None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children "0", "1", ... used like a list."""

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self._modules.values())
        return self._of(modules[index]) if isinstance(index, slice) else modules[index]

    def _of(self, modules: list[Module]) -> Any:
        raise NotImplementedError


class Sequential(_ModuleSequence):
    """Apply modules in order: Sequential(Linear(2, 8), Tanh(), Linear(8, 1)).

    Children are named "0", "1", ...; index, slice, iterate and `append` like a list.
    """

    def __init__(self, *modules: Module):
        super().__init__()
        for module in modules:
            self.append(module)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def _of(self, modules: list[Module]) -> Sequential:
        return Sequential(*modules)


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self.extend(modules)

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def _of(self, modules: list[Module]) -> ModuleList:
        return ModuleList(modules)

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self.add_module(name, module)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward: iterate over it in your module's forward, "
            "or use Sequential to chain the modules"
        )


class ModuleDict(Module):
    """A dict of modules whose parameters are registered, in insertion order (PyTorch's
    ModuleDict): `d["encoder"]`, `d.encoder`, `in`, `len`, iteration over the keys,
    `keys()`, `values()`, `items()`, `update()`, `pop()`, `clear()`."""

    def __init__(self, modules: Any = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys are strings, got {type(key).__name__}")
        if key not in self._modules and hasattr(self, key):
            raise KeyError(
                f"ModuleDict: {key!r} is the name of a ModuleDict attribute or method; "
                "pick another key"
            )
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]
        object.__delattr__(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def update(self, modules: Any) -> None:
        """Add (or replace) modules from a mapping or from (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key: str) -> Module:
        module = self._modules[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(
            "ModuleDict has no forward: call its modules in your module's forward"
        )


class MLP(Sequential):
    """Multi-layer perceptron: Linear -> activation for each hidden size, then a last
    Linear (and `output_activation` if given).

        MLP(64, [128], 10)   # Linear(64, 128), ReLU(), Linear(128, 10)

    `activation` / `output_activation`: a name ("relu", "tanh", "sigmoid", "leaky_relu",
    "gelu", "softplus", "identity"), a Module class, or a zero-argument factory.
    Parameter names are Sequential's: "0.weight", "0.bias", "2.weight", ...
    `dtype`: of every weight and bias (default: autograd's default dtype, float64);
    pass np.float32 to train in float32 on float32 data.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Iterable[int],
        out_features: int,
        activation: str | Callable[[], Module] = "relu",
        output_activation: str | Callable[[], Module] | None = None,
        dtype: Any = None,
    ):
        sizes = [in_features, *hidden_sizes, out_features]
        layers: list[Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(Linear(fan_in, fan_out, dtype=dtype))
            if index < len(sizes) - 2:
                layers.append(_make_activation(activation))
        if output_activation is not None:
            layers.append(_make_activation(output_activation))
        super().__init__(*layers)


# names accepted by MLP(activation=...)
ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "gelu": GELU,
    "identity": Identity,
}


def _make_activation(spec: str | Callable[[], Module]) -> Module:
    if isinstance(spec, str):
        key = spec.lower()
        if key not in ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {spec!r}; choose one of {sorted(ACTIVATIONS)} "
                "or pass a Module class"
            )
        return ACTIVATIONS[key]()
    module = spec()
    if not isinstance(module, Module):
        raise TypeError(f"MLP: activation factory {spec!r} returned {type(module).__name__}")
    return module


def _feature_count(layer: str, label: str, value: Any) -> int:
    """A layer size as an int, or an error saying what was expected."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(
            f"{layer}: {label} must be an int (a number of features), "
            f"got {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise ValueError(f"{layer}: {label} must be >= 0, got {value}")
    return int(value)
