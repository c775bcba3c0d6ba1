"""`summary(model, input_shape)`: a torchinfo-like table of layers, shapes and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import autograd as ag
from autograd import Tensor

from .module import Module


@dataclass
class LayerRow:
    """One module: its dotted name, type, depth in the tree, output shape, own parameters."""

    name: str
    type: str
    depth: int
    output_shape: tuple[int, ...] | None
    num_params: int


@dataclass(repr=False)
class ModelSummary:
    """What `summary` measured; `str(summary)` (or `print`) gives the table."""

    rows: list[LayerRow]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...] | None
    total_params: int
    trainable_params: int
    param_bytes: int
    width: int = field(default=78, repr=False)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __repr__(self) -> str:
        return (
            f"ModelSummary(total_params={self.total_params:,}, trainable_params="
            f"{self.trainable_params:,}, output_shape={self.output_shape})"
        )

    def __str__(self) -> str:
        rule, thin = "=" * self.width, "-" * self.width
        lines = [rule, _columns("Layer (type)", "Output Shape", "Param #"), rule]
        for row in self.rows:
            label = "  " * row.depth + (f"({row.name}) {row.type}" if row.depth else row.type)
            shape = _shape_text(row.output_shape)
            params = f"{row.num_params:,}" if row.num_params else "--"
            lines.append(_columns(label, shape, params))
        lines += [
            rule,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            thin,
            f"Input shape: {_shape_text(self.input_shape)}",
            f"Output shape: {_shape_text(self.output_shape)}",
            f"Params size: {self.param_bytes / 2**20:.2f} MiB ({self.param_bytes:,} bytes)",
            rule,
        ]
        return "\n".join(lines)


def summary(
    model: Module, input_shape: tuple[int, ...], dtype: Any = None, verbose: bool = True
) -> ModelSummary:
    """Run `model` once on zeros of `input_shape` (batch axis included) and tabulate every
    module: type, output shape, parameter count; then totals and parameter memory.

    The pass runs under `no_grad` in eval mode (restored afterwards), so it changes
    neither the model nor the random state. Prints the table when `verbose`."""
    params = list(model.parameters())
    dtype = dtype or (params[0].dtype if params else ag.get_default_dtype())
    shapes: dict[int, tuple[int, ...] | None] = {}

    def record(module: Module, inputs: tuple, output: Any) -> None:
        shapes[id(module)] = tuple(output.shape) if isinstance(output, Tensor) else None

    named = list(model.named_modules())
    handles = [module.register_forward_hook(record) for _, module in named]
    modes = [(module, module.training) for _, module in named]
    try:
        model.eval()
        with ag.no_grad():
            output = model(ag.zeros(tuple(input_shape), dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            object.__setattr__(module, "training", training)

    rows = [
        LayerRow(
            name=name.rsplit(".", 1)[-1],
            type=type(module).__name__,
            depth=name.count(".") + 1 if name else 0,
            output_shape=shapes.get(id(module)),
            num_params=sum(p.size for p in module.parameters(recurse=False)),
        )
        for name, module in named
    ]
    result = ModelSummary(
        rows=rows,
        input_shape=tuple(input_shape),
        output_shape=tuple(output.shape) if isinstance(output, Tensor) else None,
        total_params=sum(p.size for p in params),
        trainable_params=sum(p.size for p in params if p.requires_grad),
        param_bytes=sum(p._data.nbytes for p in params),
    )
    if verbose:
        print(result)
    return result


def _columns(label: str, shape: str, params: str) -> str:
    return f"{label:<36}{shape:<26}{params:>16}"


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "--" if shape is None else str(tuple(int(n) for n in shape))
