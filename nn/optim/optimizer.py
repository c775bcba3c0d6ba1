"""`Optimizer`: parameter groups, per-parameter state, zero_grad, state_dict.

A subclass defines `update(param, grad, state, group)`, the update rule for one
parameter written with numpy on arrays; `step()` calls it for every parameter that
has a gradient. Updates record no graph and modify `param._data` in place, counted as
an in-place change (the version goes up): a graph kept alive with
`backward(retain_graph=True)` that saved the old values then refuses to backpropagate,
as in PyTorch.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor


class Optimizer:
    """Base class. `params`: an iterable of Tensors, or of dicts ("parameter groups")
    each with a "params" list and optional hyperparameters overriding the defaults:

        Adam([{"params": model[0].parameters(), "lr": 1e-2},
              {"params": model[2].parameters()}], lr=1e-3)

    Every optimiser takes `maximize=False`; with True it ascends the objective, its rule
    applied to -g in place of g (as in PyTorch: before weight decay and momentum).
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (defaults fill the rest)."""
        name = type(self).__name__
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(f"{name}: can only optimise Tensors, got {type(param).__name__}")
            if not param.requires_grad:
                raise ValueError(
                    f"{name}: a parameter of shape {param.shape} has requires_grad=False; "
                    "leave frozen parameters out of the optimiser"
                )
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params) or len({id(p) for p in params}) < len(params):
            raise ValueError(f"{name}: a parameter appears in more than one parameter group")
        group = {**self.defaults, **group, "params": params}
        for label, value, low, high in self.bounds(group):
            check_hyperparameter(name, label, value, low, high)
        self.param_groups.append(group)

    def bounds(self, group: dict[str, Any]) -> list[tuple[str, Any, float, float | None]]:
        """(label, value, low, high) for each hyperparameter of `group` that must lie in
        [low, high) (high None: no upper bound); checked for every group as it is added,
        so a NaN or negative learning rate is refused at construction."""
        return []

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget all gradients (set `.grad` to None), ready for the next backward()."""
        for group in self.param_groups:
            for param in group["params"]:
                if set_to_none or param.grad is None:
                    param.grad = None
                else:
                    param.grad = ag.zeros_like(param)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. `closure` (optional) recomputes and
        returns the loss (with backward) before the update, as in PyTorch."""
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        with ag.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        """Apply `update` to each parameter of `group` that has a gradient."""
        for param in group["params"]:
            if param.grad is not None:
                state = self.state.get(param)
                if state is None:
                    state = self.state[param] = {}
                grad = param.grad._data
                if group.get("maximize", False):  # ascend: every rule sees -g
                    grad = -grad
                self.update(param, grad, state, group)

    def update(self, param: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update(...)")

    # saving and loading -----------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
        [indices]}]}, parameters numbered in group order as in PyTorch. Arrays are copies."""
        index = {}
        groups = []
        for group in self.param_groups:
            numbers = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": numbers})
        state = {
            index[id(param)]: {k: _copy(v) for k, v in values.items()}
            for param, values in self.state.items()
            if id(param) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and per-parameter state saved by `state_dict()` (or
        `nn.save`/`nn.load`); the optimiser must hold the same parameters in the same order.
        Everything is checked (structure, indices, shapes, dtypes, hyperparameter bounds)
        before anything is changed: an error names what is wrong and leaves the optimiser
        as it was."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{name}.load_state_dict: expected a dict-like state dict with 'state' and "
                f"'param_groups', got {type(state_dict).__name__}"
            )
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(f"{name}.load_state_dict: the state dict has no {key!r} entry")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, (list, tuple)) or not all(
            isinstance(group, Mapping) and "params" in group for group in saved_groups
        ):
            raise ValueError(
                f"{name}.load_state_dict: 'param_groups' must be a list of dicts, each with "
                "a 'params' list"
            )
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter groups, "
                f"this optimiser {len(self.param_groups)}"
            )
        by_index = {}
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: group {number} has {len(saved['params'])} "
                    f"parameters in the state but {len(group['params'])} here"
                )
            by_index.update(zip((int(i) for i in saved["params"]), group["params"], strict=True))
        if not isinstance(state_dict["state"], Mapping):
            raise ValueError(f"{name}.load_state_dict: 'state' must be a dict {{index: {{...}}}}")
        # everything is built aside first; the optimiser changes only once all of it is valid
        state = {}
        for key, values in state_dict["state"].items():
            param = by_index.get(_index(key))
            if param is None or not isinstance(values, Mapping):
                raise ValueError(
                    f"{name}.load_state_dict: state entry {key!r} names no parameter of the "
                    f"groups (indices {sorted(by_index)}) or is not a dict"
                )
            state[param] = {
                k: _restore(v, param, f"state[{key!r}][{k!r}]", name) for k, v in values.items()
            }
        groups = [
            {**group, **{k: v for k, v in saved.items() if k != "params"}}
            for saved, group in zip(saved_groups, self.param_groups, strict=True)
        ]
        for group in groups:
            for label, value, low, high in self.bounds(group):
                check_hyperparameter(f"{name}.load_state_dict", label, value, low, high)
        self.state = state
        for group, loaded in zip(self.param_groups, groups, strict=True):
            group.update(loaded)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def add_to_param(param: Tensor, delta: np.ndarray) -> None:
    """param += delta in place, counted as an in-place change (a graph that saved the old
    values then refuses to backpropagate, as in PyTorch)."""
    param._data += delta
    param._version[0] += 1


def scale_param(param: Tensor, factor: float) -> None:
    """param *= factor in place, counted as an in-place change."""
    param._data *= factor
    param._version[0] += 1


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _index(key: Any) -> int | None:
    """A state key as a parameter index (ints, and their decimal strings), else None."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _restore(value: Any, param: Tensor, key: str, name: str) -> Any:
    """A saved state value for `param`: a number, or an array of its shape and dtype."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        raise TypeError(f"{name}.load_state_dict: {key} is an object array; expected numbers")
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return value.item() if isinstance(value, np.ndarray) else value
    if value.shape != param.shape:
        raise ValueError(
            f"{name}.load_state_dict: {key} has shape {value.shape} but its parameter "
            f"has shape {param.shape}"
        )
    if not np.can_cast(value.dtype, param.dtype, casting="same_kind"):
        raise TypeError(
            f"{name}.load_state_dict: {key} has dtype {value.dtype}, which cannot be cast "
            f"to its parameter's dtype {param.dtype}"
        )
    return value.astype(param.dtype, copy=True)


def check_hyperparameter(
    name: str, label: str, value: Any, low: float = 0.0, high: float | None = None
) -> None:
    """Raise a ValueError naming the optimiser when `value` is NaN or outside [low, high)
    (a TypeError when it is not a real number)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name}: {label} must be a real number, got {type(value).__name__}")
    if not (low <= value and (high is None or value < high)):  # False for NaN
        interval = f"a number in [{low}, {high})" if high is not None else f"a number >= {low}"
        raise ValueError(f"{name}: invalid {label} {value!r}; it must be {interval}")
