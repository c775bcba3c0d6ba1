"""`Module` and `Parameter`: the building blocks every layer and model is made of.

A `Module` owns `Parameter`s and other `Module`s. Assigning one as an attribute
registers it, so `named_parameters()` can walk the tree and give each parameter a
dotted name (`"layers.1.bias"`), exactly as in PyTorch:

    class TwoLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)       # registered as child "hidden"
            self.out = nn.Linear(8, 1)          # registered as child "out"

        def forward(self, x):
            return self.out(nn.functional.tanh(self.hidden(x)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autograd as ag
from autograd.mode import state as _mode


class Parameter(ag.Tensor):
    """A Tensor that a `Module` registers as learnable; `requires_grad=True` by default.

    `Parameter(array)` wraps a float ndarray without copying it; lists, numbers and
    integer arrays are converted to the default float dtype; a Tensor's data is shared.
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, ag.Tensor):
            data = data._data
        if not (isinstance(data, np.ndarray) and data.dtype.kind == "f"):
            data = np.array(data, dtype=ag.get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not load."""

    missing_keys: list[str]
    unexpected_keys: list[str]
    mismatched_keys: list[tuple[str, tuple[int, ...], tuple[int, ...]]]  # (key, model, given)


class RemovableHandle:
    """Returned by `register_forward_hook`; `handle.remove()` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks, self._key = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self._key, None)


class Module:
    """Base class of layers and models: subclass it, assign sub-modules and parameters
    in `__init__`, and compute the output in `forward`. Call the module, not `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "training", True)

    # registration -----------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__ "
                f"before assigning attributes (here: {name!r})"
            )
        if name in self.__dict__.get("_buffers", ()):  # assigning to a buffer replaces it
            value = self._buffers[name] = _as_buffer(type(self).__name__, name, value)
            object.__setattr__(self, name, value)
            return
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)  # also a plain attribute: fast to read

    # Registered parameters, buffers and sub-modules are also kept as plain attributes,
    # so reading `self.weight` costs a dict lookup (PyTorch finds them in __getattr__).
    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._modules:
            del self._modules[name]
        elif name in self.__dict__.get("_buffers", ()):
            del self._buffers[name]
            self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name` (None removes it, as for `bias=False`)."""
        if param is None:
            self._parameters.pop(name, None)
            self.__dict__[name] = None
        else:
            setattr(self, name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Register a Tensor that is state but not learnable (BatchNorm's running mean).

        Buffers are in `state_dict()` (unless `persistent=False`) and `named_buffers()`,
        never in `parameters()`; an array becomes a Tensor without a gradient; None
        registers the name with no value (skipped by `state_dict()`). Assigning to the
        attribute later replaces the buffer, as in PyTorch.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(
                f"{type(self).__name__}.register_buffer: the name must be a non-empty string "
                f"without '.', got {name!r}"
            )
        if name in self._parameters or name in self._modules:
            raise KeyError(
                f"{type(self).__name__}.register_buffer: {name!r} is already a parameter or "
                "a sub-module; pick another name"
            )
        buffer = self._buffers[name] = _as_buffer(type(self).__name__, name, tensor)
        object.__setattr__(self, name, buffer)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module) -> None:
        """Register `module` as a child under `name` (any string, e.g. "0")."""
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}.add_module: {name!r} must be a Module, "
                f"got {type(module).__name__}"
            )
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # calling ----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and (args[0] is None or type(args[0]) in (list, str)):
            raise _input_error(self, args[0])
        # nodes recorded in forward carry this module in node.scope (as in ag.graph_scope)
        previous = _mode.scope
        _mode.scope = (*previous, self)
        try:
            output = self.forward(*args, **kwargs)
        finally:
            _mode.scope = previous
        if self._forward_hooks:
            for hook in tuple(self._forward_hooks.values()):
                hook(self, args, output)
        return output

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], None]) -> RemovableHandle:
        """Call `hook(module, inputs, output)` after every forward; returns a removable handle."""
        key = max(self._forward_hooks, default=-1) + 1
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    # walking the tree -------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (name `prefix`) and all below it, depth first, each once."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            below = [
                (_join(name, child_name), child) for child_name, child in module._modules.items()
            ]
            stack.extend(reversed(below))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two modules appears once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield _join(module_name, name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """(dotted name, buffer) pairs, as `named_parameters()` (buffers set to None skipped)."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, buffer in module._buffers.items():
                if buffer is not None and id(buffer) not in seen:
                    seen.add(id(buffer))
                    yield _join(module_name, name), buffer

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _state_tensors(self) -> dict[str, Any]:
        """What `state_dict()` holds, by name: each module's parameters, then its
        persistent buffers, module by module (PyTorch's order)."""
        state: dict[str, Any] = {}
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            entries = list(module._parameters.items()) + [
                (name, buffer)
                for name, buffer in module._buffers.items()
                if buffer is not None and name not in module._non_persistent
            ]
            for name, tensor in entries:
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    state[_join(module_name, name)] = tensor
        return state

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every sub-module and then on self (e.g. a custom init); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # modes and gradients ----------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode here and below (Dropout is active only in training mode)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Set evaluation mode: same as `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of all parameters (set `.grad` to None, or to zeros)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = ag.zeros_like(param)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze (True) every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    # dtype and device ---------------------------------------------------------------------
    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """PyTorch's `to`: to(dtype) casts every floating parameter (and its gradient) in
        place; to(device) accepts only the CPU, the one device chainrule has. Returns self."""
        for arg in args:
            if isinstance(arg, ag.Tensor):
                dtype = arg.dtype
            elif ag.types.is_dtype(arg) or (isinstance(arg, str) and arg in ag.types.DTYPES):
                dtype = arg
            else:
                device = arg
        ag.types.check_device(device, f"{type(self).__name__}.to(device)")
        if dtype is not None:
            dtype = ag.types.as_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(
                    f"{type(self).__name__}.to: parameters can only be cast to a floating "
                    f"dtype, got {dtype}"
                )
            for param in self.parameters():
                if param.dtype != dtype:
                    param._data = param._data.astype(dtype)
                    param._version[0] += 1
                    if param.grad is not None:
                        param.grad = param.grad.astype(dtype)
        return self

    def float(self) -> Module:
        """Cast every parameter to float32 in place (as PyTorch's Module.float)."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast every parameter to float64 in place."""
        return self.to(np.float64)

    def half(self) -> Module:
        """Cast every parameter to float16 in place."""
        return self.to(np.float16)

    def cpu(self) -> Module:
        """This module (its parameters already live on the CPU)."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused with a clear error: chainrule has no GPU backend."""
        ag.types.check_device("cuda" if device is None else device, f"{type(self).__name__}.cuda()")
        return self

    # state ------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: copy of the array} of every parameter and persistent buffer, in
        registration order (module by module: parameters, then buffers)."""
        return {name: tensor._data.copy() for name, tensor in self._state_tensors().items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy arrays (or Tensors) from `state_dict` into the parameters with the same names.

        A PyTorch `state_dict()` loads as it is: its tensors (parameters that require grad
        from `state_dict(keep_vars=True)`, tensors on a GPU) are read with
        `.detach().cpu().numpy()`, found by those methods, without importing torch.

        With `strict=True` any missing key, unexpected key or shape mismatch raises a
        `RuntimeError` (as PyTorch does) naming every offending key and both shapes, and
        nothing is loaded. With `strict=False` the keys that fit are loaded and the rest reported.
        A value that is not an array of numbers castable to its parameter's dtype (numpy's
        "same_kind": complex, strings, objects are not) raises a `TypeError` naming the key,
        whatever `strict` says. Every check runs before the first parameter is written:
        an error leaves the model as it was.
        """
        module_name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{module_name}.load_state_dict: expected a dict-like state dict "
                f"{{name: array}}, got {type(state_dict).__name__}"
            )
        own = self._state_tensors()  # parameters and persistent buffers
        given = {
            name: _checked_array(module_name, name, value, own.get(name))
            for name, value in state_dict.items()
        }
        report = IncompatibleKeys(
            missing_keys=[name for name in own if name not in given],
            unexpected_keys=[name for name in given if name not in own],
            mismatched_keys=[
                (name, own[name].shape, given[name].shape)
                for name in own
                if name in given and own[name].shape != given[name].shape
            ],
        )
        if strict and any(report):
            raise _load_error(type(self).__name__, report)
        mismatched = {name for name, _, _ in report.mismatched_keys}
        with ag.no_grad():
            for name, param in own.items():
                if name in given and name not in mismatched:
                    _copy_into(param, given[name])
        return report

    # printing ---------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (e.g. layer sizes)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): {_indent(repr(child))}" for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        if extra:
            lines.insert(0, extra)
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _input_error(module: Module, value: Any) -> TypeError:
    kind = "None" if value is None else f"a Python {type(value).__name__}"
    return TypeError(
        f"{type(module).__name__}: called on {kind}; a module's input is a tensor. Make one "
        "with autograd.tensor(data) (a list of numbers), or pass the tensor you meant."
    )


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _checked_array(module_name: str, name: str, value: Any, param: Parameter | None) -> np.ndarray:
    """`value` as an array, or a TypeError naming the key when it is not an array of numbers
    that can be copied into `param` (numpy's same_kind casting: float64 into float32 is,
    complex into float, strings and objects are not)."""
    if isinstance(value, ag.Tensor):
        array = value._data
    elif _is_foreign_tensor(value):
        array = _foreign_array(module_name, name, value)
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as error:  # e.g. a ragged list
            raise TypeError(
                f"{module_name}.load_state_dict: {name!r} is not an array ({error}); "
                "nothing was loaded"
            ) from None
    if param is not None and not np.can_cast(array.dtype, param.dtype, casting="same_kind"):
        raise TypeError(
            f"{module_name}.load_state_dict: {name!r} has dtype {array.dtype}, which cannot "
            f"be cast to the parameter's dtype {param.dtype}; nothing was loaded"
        )
    return array


def _is_foreign_tensor(value: Any) -> bool:
    """A tensor of another library (PyTorch's): it has `.detach()` and `.numpy()`, and
    torch is never imported here."""
    return not isinstance(value, np.ndarray) and all(
        callable(getattr(value, method, None)) for method in ("detach", "numpy")
    )


def _foreign_array(module_name: str, name: str, value: Any) -> np.ndarray:
    """A PyTorch tensor (a parameter that requires grad, on any device) as a numpy array:
    `value.detach().cpu().numpy()` (load_state_dict copies it into the parameter)."""
    try:
        value = value.detach()
        if callable(getattr(value, "cpu", None)):
            value = value.cpu()
        return np.asarray(value.numpy())
    except (TypeError, RuntimeError) as error:  # e.g. bfloat16, which numpy has no type for
        raise TypeError(
            f"{module_name}.load_state_dict: {name!r} could not be converted to a numpy array "
            f"({error}); convert it first, e.g. with .float(); nothing was loaded"
        ) from None


def _as_buffer(module_name: str, name: str, value: Any) -> Any:
    """A buffer's value: None, a Tensor as it is, or an array wrapped in a Tensor."""
    if value is None or isinstance(value, ag.Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        return ag.Tensor(np.asarray(value))
    raise TypeError(
        f"{module_name}: buffer {name!r} must be a Tensor, a numpy array or None, "
        f"got {type(value).__name__}"
    )


def _copy_into(param: Parameter, value: np.ndarray) -> None:
    """Write `value` into the parameter in place, counted as an in-place change."""
    np.copyto(param._data, value, casting="same_kind")
    param._version[0] += 1


def _load_error(module_name: str, report: IncompatibleKeys) -> RuntimeError:
    lines = [f"{module_name}.load_state_dict: the state dict does not fit the model:"]
    if report.missing_keys:
        keys = ", ".join(repr(k) for k in report.missing_keys)
        lines.append(f"  missing keys (in the model, not in the state dict): {keys}")
    if report.unexpected_keys:
        keys = ", ".join(repr(k) for k in report.unexpected_keys)
        lines.append(f"  unexpected keys (in the state dict, not in the model): {keys}")
    for name, model_shape, given_shape in report.mismatched_keys:
        lines.append(
            f"  shape mismatch for {name!r}: {tuple(model_shape)} in the model, "
            f"{tuple(given_shape)} in the state dict"
        )
    lines.append("Pass strict=False to load the keys that fit and get this report back.")
    return RuntimeError("\n".join(lines))
