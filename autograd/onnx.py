"""ONNX export: `autograd.onnx.export(model, args, path)`, like `torch.onnx.export`.

    import autograd.onnx
    autograd.onnx.export(model, (x,), "model.onnx")          # x: an example batch

The model (any callable; an `nn.Module` is put in eval mode for the trace and restored
after) is called once on the example tensors while an observer (`autograd.mode.Observer`)
records every op applied. Each op becomes ONNX nodes; parameters and buffers become
initializers under their `state_dict` names; values computed from parameters alone
(a slice of a weight, a reshaped running mean) are folded into initializers. The model
is written with opset 17 in the example's dtypes, and its batch axis (axis 0 of every
input) is dynamic by default: a second trace with one more example and other values
finds which sizes in reshapes and outputs follow the batch, and refuses a constant that
changed with the input (a mask or a count computed from the batch) instead of baking it
in. Layers with an ONNX operator of their own are exported as it: BatchNorm in eval
mode as BatchNormalization, LayerNorm as LayerNormalization, Embedding as Gather,
Softmax and LogSoftmax modules as Softmax and LogSoftmax.

An op without an ONNX translation raises `ExportError` naming it and the module it ran
in. Needs the `onnx` package (the `onnx` extra), imported only when exporting.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .mode import Observer, no_grad, observing, state
from .ops.conv import pairs
from .tensor import Tensor

__all__ = ["ExportError", "export"]

OPSET = 17
_INT64_MAX = np.iinfo(np.int64).max


class ExportError(RuntimeError):
    """The model uses something `export` cannot write as ONNX (the message says what)."""


def export(
    model: Callable[..., Any],
    args: Any,
    f: str | os.PathLike | io.IOBase,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    opset_version: int = OPSET,
) -> Any:
    """Trace `model(*args)` once and write it as an ONNX model to `f` (a path or a binary
    file); returns the `onnx.ModelProto`.

    `args`: one example input or a tuple of them (Tensors or numpy arrays; integer arrays
    for embeddings). `dynamic_batch=True` makes axis 0 of every input and the axes of the
    outputs that follow it a symbolic "batch" dimension. Raises `ExportError` naming any op
    it cannot translate, and `ImportError` saying what to install without `onnx`."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise ImportError(
            "autograd.onnx.export needs the onnx package: pip install onnx  "
            "(or pip install 'chainrule[onnx]')"
        ) from None
    if opset_version < OPSET:
        raise ValueError(f"onnx.export: opset_version must be at least {OPSET}")
    examples = [_as_example(a) for a in (args if isinstance(args, tuple) else (args,))]
    if not examples:
        raise ValueError("onnx.export: args must hold at least one example input")
    if dynamic_batch and any(e.ndim == 0 for e in examples):
        raise ValueError(
            "onnx.export: dynamic_batch=True needs inputs with a batch axis 0; pass "
            "dynamic_batch=False for scalar inputs"
        )
    names = _names(input_names, len(examples), "input")
    first = _trace(model, examples)
    second = _trace(model, [_other_example(e, dynamic_batch) for e in examples])
    writer = _Writer(helper, numpy_helper, TensorProto, model, first, second, dynamic_batch)
    graph = writer.graph(names, output_names)
    proto = helper.make_model(
        graph,
        producer_name="chainrule",
        opset_imports=[helper.make_opsetid("", opset_version)],
    )
    proto.ir_version = min(proto.ir_version, 9)  # readable by onnxruntime releases of 2023 on
    onnx.checker.check_model(proto, full_check=True)
    content = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            file.write(content)
    else:
        f.write(content)
    return proto


# --- tracing ------------------------------------------------------------------------------


class _Op:
    __slots__ = ("cls", "args", "kwargs", "result", "scope")

    def __init__(self, cls, args, kwargs, result, scope):
        self.cls, self.args, self.kwargs, self.result, self.scope = (
            cls, args, kwargs, result, scope,
        )  # fmt: skip

    @property
    def key(self) -> str:
        return f"{self.cls.__module__}.{self.cls.__qualname__}"


class _Tracer(Observer):
    def __init__(self) -> None:
        self.ops: list[_Op] = []

    def op(self, cls: type, args: tuple, kwargs: dict, result: Any) -> None:
        self.ops.append(_Op(cls, args, kwargs, result, state.scope))


class _Trace:
    """What one call recorded: inputs, ops, module calls with an ONNX operator, outputs."""

    def __init__(self, inputs, ops, calls, outputs, params):
        self.inputs, self.ops, self.calls, self.outputs, self.params = (
            inputs, ops, calls, outputs, params,
        )  # fmt: skip


def _as_example(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"onnx.export: example inputs must be numeric, got dtype {array.dtype}")
    return Tensor(array)


def _other_example(example: Tensor, grow: bool) -> Tensor:
    """The second trace's input: one more example if the batch is dynamic, rows reversed,
    floats mixed with the reversed rows (inside the range of the original values)."""
    array = example._data
    if grow:
        array = np.concatenate([array, array[:1]])
    if array.ndim:
        flipped = array[::-1]
        if array.dtype.kind == "f":
            mixed = 0.7 * array + 0.3 * flipped
            array = mixed.astype(array.dtype) if len(array) > 1 else array
        else:
            array = flipped
    return Tensor(np.ascontiguousarray(array))


def _module_classes(module: Any) -> set[str]:
    return {f"{c.__module__}.{c.__qualname__}" for c in type(module).__mro__}


_RULE_CLASSES = {
    "nn.normalization._BatchNorm",
    "nn.normalization.LayerNorm",
    "nn.embedding.Embedding",
    "nn.activations.Softmax",
    "nn.activations.LogSoftmax",
    "nn.activations.Softplus",
}


def _rule_of(module: Any) -> str | None:
    found = _module_classes(module) & _RULE_CLASSES
    return next(iter(found)).rsplit(".", 1)[1] if found else None


def _trace(model: Any, examples: list[Tensor]) -> _Trace:
    """Call the model once under an observer; module calls that have an ONNX operator of
    their own are recorded with their first and last op."""
    tracer = _Tracer()
    calls: list[tuple[Any, tuple, Any, int, int]] = []
    patched: list[Any] = []
    modules = list(model.modules()) if callable(getattr(model, "modules", None)) else []
    was_training = [m.training for m in modules]

    def wrap(module, forward):
        def recording(*args, **kwargs):
            start = len(tracer.ops)
            output = forward(*args, **kwargs)
            calls.append((module, args, output, start, len(tracer.ops)))
            return output

        return recording

    try:
        for module in modules:
            object.__setattr__(module, "training", False)  # eval, as torch.onnx.export
            if _rule_of(module) is not None:
                object.__setattr__(module, "forward", wrap(module, module.forward))
                patched.append(module)
        with no_grad(), observing(tracer):
            output = model(*examples)
    finally:
        for module in patched:
            module.__dict__.pop("forward", None)
        for module, mode in zip(modules, was_training):
            object.__setattr__(module, "training", mode)
    params: dict[int, str] = {}
    if callable(getattr(model, "state_dict", None)) and hasattr(model, "_state_tensors"):
        params = {id(t): name for name, t in model._state_tensors().items()}
    return _Trace(examples, tracer.ops, calls, _flatten(output), params)


def _flatten(output: Any) -> list[Tensor]:
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, (tuple, list)):
        return [t for item in output for t in _flatten(item)]
    if output is None:
        return []
    raise ExportError(
        f"onnx.export: the model returned a {type(output).__name__}; return Tensors "
        "(or tuples or lists of them)"
    )


def _names(given: Sequence[str] | None, count: int, stem: str) -> list[str]:
    if given is None:
        return [stem] if count == 1 else [f"{stem}_{i}" for i in range(count)]
    given = list(given)
    if len(given) != count or len(set(given)) != count:
        raise ValueError(f"onnx.export: expected {count} distinct {stem} names, got {given}")
    return given


def _same(a: Any, b: Any) -> bool:
    """Equal constants (arrays: same dtype, shape and values, NaN equal to NaN)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return isinstance(a, Tensor) and isinstance(b, Tensor) and _same(a._data, b._data)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, slice) and isinstance(b, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    try:
        return bool(a == b) or (a != a and b != b)
    except (TypeError, ValueError):
        return False


# --- writing ------------------------------------------------------------------------------


class _Writer:
    """Turns a trace into ONNX nodes, initializers, inputs and outputs."""

    def __init__(self, helper, numpy_helper, tensor_proto, model, first, second, dynamic):
        self.helper, self.numpy_helper, self.TensorProto = helper, numpy_helper, tensor_proto
        self.model, self.first, self.second, self.dynamic = model, first, second, dynamic
        self.nodes: list[Any] = []
        self.initializers: dict[str, Any] = {}
        self.names: dict[int, str] = {}  # id(Tensor or array) -> ONNX value name
        self.dtypes: dict[str, np.dtype] = {}
        self.constant: dict[str, bool] = {}  # True: no graph input reaches the value
        self.used: set[str] = set()
        self.op: _Op | None = None  # the op being written (for error messages)
        self.index = -1

    # names and values --------------------------------------------------------------------
    def fresh(self, stem: str) -> str:
        stem = stem.replace("/", ".") or "value"
        name, k = stem, 0
        while name in self.used:
            k += 1
            name = f"{stem}_{k}"
        self.used.add(name)
        return name

    def add_constant(self, array: np.ndarray, stem: str = "const") -> str:
        array = np.asarray(array)
        if array.dtype.kind not in "fiub":
            raise self.error(f"a constant of dtype {array.dtype} has no ONNX type")
        name = self.fresh(stem)
        self.initializers[name] = self.numpy_helper.from_array(np.ascontiguousarray(array), name)
        self.dtypes[name] = array.dtype
        self.constant[name] = True
        return name

    def ints(self, values: Sequence[int], stem: str = "shape") -> str:
        return self.add_constant(np.asarray(values, dtype=np.int64), stem)

    def node(self, op_type: str, inputs: list[str], stem: str, dtype: Any, **attrs) -> str:
        output = self.fresh(stem)
        self.nodes.append(self.helper.make_node(op_type, inputs, [output], name=output, **attrs))
        self.dtypes[output] = np.dtype(dtype)
        self.constant[output] = False
        return output

    def value(self, arg: Any, position: int, dtype: Any = None) -> str:
        """The ONNX name of an op's argument, cast to `dtype` if given: a traced value, a
        fixed tensor (a parameter: the same object in both traces), or a constant, which
        must be the same in the second trace."""
        if isinstance(arg, (Tensor, np.ndarray)) and id(arg) in self.names:
            return self.cast(self.names[id(arg)], dtype)  # np.ndarray: a softmax's shift
        other = self.second_arg(position)
        if isinstance(arg, Tensor) and other is arg:
            return self.cast(self.fixed(arg), dtype)
        self.check_same(arg, other, position)
        data = arg._data if isinstance(arg, Tensor) else np.asarray(arg)
        if dtype is not None and data.dtype.kind != "b":
            data = data.astype(dtype)
        name = self.add_constant(data)
        if isinstance(arg, Tensor):
            self.names[id(arg)] = name
        return name

    def fixed(self, tensor: Tensor) -> str:
        """A parameter or buffer as an initializer under its state_dict name."""
        if id(tensor) not in self.names:
            stem = self.first.params.get(id(tensor), "param")
            self.names[id(tensor)] = self.add_constant(tensor._data, stem)
        return self.names[id(tensor)]

    def check_same(self, arg: Any, other: Any, position: int) -> None:
        if not _same(arg, other):
            raise self.error(
                f"its argument {position} is a constant that changed with the input "
                f"({_describe(arg)} in one trace, {_describe(other)} in another): it was "
                "computed from the input's values or batch size, so it cannot be baked in"
                + _batch_hint(self.dynamic)
            )

    def cast(self, name: str, dtype: Any) -> str:
        if dtype is None or self.dtypes[name] == np.dtype(dtype):
            return name
        if self.constant[name] and name in self.initializers:
            array = self.numpy_helper.to_array(self.initializers[name]).astype(dtype)
            return self.add_constant(array, name + ".cast")
        return self.node("Cast", [name], name + ".cast", dtype, to=self.onnx_type(dtype))

    def onnx_type(self, dtype: Any) -> int:
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    def second_arg(self, position: int) -> Any:
        other = self.second.ops[self.index]
        return other.args[position] if position < len(other.args) else None

    def error(self, what: str) -> ExportError:
        op = self.op
        where = _where(op.scope) if op is not None else ""
        name = op.cls.__name__ if op is not None else "?"
        return ExportError(f"onnx.export: op {name}{where}: {what}")

    def dynamic_dims(self, result: Tensor) -> list[int]:
        """Axes of the result whose size differs between the two traces."""
        other = self.second.ops[self.index].result
        if other.ndim != result.ndim:
            raise self.error(
                f"its result has rank {result.ndim} in one trace, {other.ndim} in another"
            )
        return [i for i, (a, b) in enumerate(zip(result.shape, other.shape)) if a != b]

    # the graph ---------------------------------------------------------------------------
    def graph(self, input_names: list[str], output_names: Sequence[str] | None):
        first, second = self.first, self.second
        if [o.key for o in first.ops] != [o.key for o in second.ops]:
            raise ExportError(
                "onnx.export: the model ran different ops on two example inputs (Python "
                "control flow that depends on the values or the batch size); only a "
                "fixed sequence of ops can be exported" + _batch_hint(self.dynamic)
            )
        inputs = []
        for name, example in zip(input_names, first.inputs):
            self.used.add(name)
            self.names[id(example)] = name
            self.dtypes[name] = example.dtype
            self.constant[name] = False
            shape = [("batch" if self.dynamic and axis == 0 else size)
                     for axis, size in enumerate(example.shape)]  # fmt: skip
            inputs.append(
                self.helper.make_tensor_value_info(name, self.onnx_type(example.dtype), shape)
            )
        spans = _outermost(first.calls)
        index = 0
        while index < len(first.ops):
            if index in spans:
                module, args, output, end = spans[index]
                self.index, self.op = index, first.ops[index]
                self.module_rule(module, args, output, first.ops[index:end])
                index = end
                continue
            self.index, self.op = index, first.ops[index]
            self.write(first.ops[index])
            index += 1
        return self.outputs(inputs, output_names)

    def outputs(self, inputs, output_names):
        first, second = self.first, self.second
        names = _names(output_names, len(first.outputs), "output")
        outputs = []
        for name, result, other in zip(names, first.outputs, second.outputs):
            source = self.names.get(id(result))
            if source is None:  # a parameter returned as it is, or a constant
                if not (result is other or _same(result, other)):
                    raise ExportError(
                        f"onnx.export: output {name!r} is a tensor made from the input's "
                        "values outside the recorded ops (detached or rebuilt from data)"
                    )
                source = self.add_constant(result._data, name + ".value")
            self.used.add(name)
            self.nodes.append(self.helper.make_node("Identity", [source], [name], name=name))
            shape = [("batch" if a != b else a) for a, b in zip(result.shape, other.shape)]
            outputs.append(
                self.helper.make_tensor_value_info(name, self.onnx_type(result.dtype), shape)
            )
        initializers = list(self.initializers.values())
        return self.helper.make_graph(self.nodes, "chainrule", inputs, outputs, initializers)

    def write(self, op: _Op) -> None:
        tensors = [a for a in op.args if isinstance(a, Tensor)]
        traced = [
            t for t in tensors if id(t) in self.names and not self.constant[self.names[id(t)]]
        ]
        if not traced and not self.refers_to_shift(op):
            # only parameters and constants in: the result is a constant too (folded)
            for position, arg in enumerate(op.args):  # constants made in forward must not
                other = self.second_arg(position)  # change with the input
                if id(arg) not in self.names and not (isinstance(arg, Tensor) and other is arg):
                    self.check_same(arg, other, position)
            stem = self.stem_of(op)
            self.names[id(op.result)] = self.add_constant(op.result._data, stem)
            return
        translate = _TRANSLATIONS.get(op.key)
        if translate is None:
            raise self.error(
                "has no ONNX translation; exportable ops: "
                + ", ".join(sorted(k.rsplit(".", 1)[1] for k in _TRANSLATIONS))
            )
        name = translate(self, op)
        self.names[id(op.result)] = name

    def refers_to_shift(self, op: _Op) -> bool:
        return any(isinstance(a, np.ndarray) and id(a) in self.names for a in op.args)

    def stem_of(self, op: _Op) -> str:
        for arg in op.args:
            if isinstance(arg, Tensor) and id(arg) in self.names:
                return self.names[id(arg)] + "." + op.cls.__name__.lower()
        return op.cls.__name__.lower()

    def module_rule(self, module, args, output, ops) -> None:
        rule = _rule_of(module)
        x = args[0] if args else None
        if not isinstance(x, Tensor) or not isinstance(output, Tensor):
            raise self.error(f"{type(module).__name__} must be called on one Tensor")
        if id(x) not in self.names:
            self.names[id(x)] = self.fixed(x)  # a layer applied to a parameter
        source = self.names[id(x)]
        dtype = output.dtype
        stem = self.first.params.get(id(getattr(module, "weight", None)), "")
        stem = (stem.rsplit(".", 1)[0] if stem else type(module).__name__.lower()) + ".out"
        if self.constant[source]:  # a layer applied to constants only: fold it
            self.names[id(output)] = self.add_constant(output._data, stem)
            return
        if rule == "_BatchNorm":
            if module.running_mean is None:
                raise self.error(
                    f"{type(module).__name__} without running statistics normalises with the "
                    "batch's own statistics; only eval mode with running statistics exports"
                )
            c = module.num_features
            inputs = [source] + [
                self.param_or(module, attr, fill, c, dtype)
                for attr, fill in _BATCH_NORM_INPUTS
            ]  # fmt: skip
            name = self.node("BatchNormalization", inputs, stem, dtype, epsilon=float(module.eps))
        elif rule == "LayerNorm":
            shape = module.normalized_shape
            scale = self.param_or(module, "weight", 1, shape, dtype)
            bias = self.param_or(module, "bias", 0, shape, dtype)
            name = self.node(
                "LayerNormalization", [source, scale, bias], stem, dtype,
                axis=-len(shape), epsilon=float(module.eps),
            )  # fmt: skip
        elif rule == "Embedding":
            weight = self.param_or(module, "weight", 0, None, None)
            indices = self.cast(source, np.int64)
            name = self.node("Gather", [weight, indices], stem, dtype, axis=0)
        elif rule in ("Softmax", "LogSoftmax"):
            axis = module.dim if module.dim is not None else -1
            name = self.node(rule, [source], stem, dtype, axis=int(axis))
        else:  # Softplus(beta, threshold): x where beta x > threshold, else softplus(beta x) / beta
            beta = self.add_constant(np.asarray(module.beta, dtype=dtype))
            scaled = self.node("Mul", [source, beta], stem + ".scaled", dtype)
            smooth = self.node("Div", [self.node("Softplus", [scaled], stem, dtype), beta],
                               stem, dtype)  # fmt: skip
            threshold = self.add_constant(np.asarray(module.threshold, dtype=dtype))
            above = self.node("Greater", [scaled, threshold], stem + ".above", np.bool_)
            name = self.node("Where", [above, source, smooth], stem, dtype)
        self.names[id(output)] = name

    def param_or(self, module, attr, fill, shape, dtype) -> str:
        tensor = getattr(module, attr, None)
        if tensor is None:
            return self.add_constant(np.full(shape, fill, dtype=dtype), f"{attr}.default")
        return self.cast(self.fixed(tensor), dtype)


_BATCH_NORM_INPUTS = (("weight", 1), ("bias", 0), ("running_mean", 0), ("running_var", 1))


def _outermost(calls) -> dict[int, tuple]:
    """{first op index: (module, args, output, end)} for module calls not inside another."""
    spans: dict[int, tuple] = {}
    covered_until = -1
    for module, args, output, start, end in sorted(calls, key=lambda c: (c[3], -c[4])):
        if start >= end or start < covered_until:
            continue
        spans[start] = (module, args, output, end)
        covered_until = end
    return spans


def _where(scope: tuple) -> str:
    modules = [type(label).__name__ for label in scope if not isinstance(label, str)]
    return f" (in {' > '.join(modules)})" if modules else ""


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return f"an array {value.dtype} {value.shape}"
    return repr(value)


def _batch_hint(dynamic: bool) -> str:
    return "; with dynamic_batch=False the batch size is fixed" if dynamic else ""


# --- the translations, op by op -----------------------------------------------------------


def _float_type(op: _Op) -> Any:
    return op.result.dtype


def _elementwise(onnx_op: str, **attrs) -> Callable[[_Writer, _Op], str]:
    def translate(w: _Writer, op: _Op) -> str:
        dtype = _float_type(op)
        inputs = [w.value(a, i, dtype) for i, a in enumerate(op.args)]
        extra = {k: (v(op) if callable(v) else v) for k, v in attrs.items()}
        return w.node(onnx_op, inputs, w.stem_of(op), dtype, **extra)

    return translate


def _linear(w: _Writer, op: _Op) -> str:
    dtype = op.result.dtype
    x, weight = op.args[0], op.args[1]
    bias = op.args[2] if len(op.args) > 2 else op.kwargs.get("b")
    xs, ws = w.value(x, 0, dtype), w.value(weight, 1, dtype)
    stem = w.stem_of(op)
    if x.ndim == 2:
        inputs = [xs, ws] + ([w.value(bias, 2, dtype)] if bias is not None else [])
        return w.node("Gemm", inputs, stem, dtype, transB=1)
    wt = w.node("Transpose", [ws], stem + ".wt", dtype, perm=[1, 0])
    out = w.node("MatMul", [xs, wt], stem, dtype)
    if bias is not None:
        out = w.node("Add", [out, w.value(bias, 2, dtype)], stem, dtype)
    return out


def _axes(axis: Any, ndim: int) -> list[int] | None:
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return [int(a) % ndim if ndim else int(a) for a in axes]


def _reduce_sum(w: _Writer, op: _Op) -> str:
    x = op.args[0]
    axes = _axes(op.kwargs.get("axis"), x.ndim)
    keep = int(bool(op.kwargs.get("keepdims", False)))
    inputs = [w.value(x, 0)] + ([w.ints(axes, "axes")] if axes is not None else [])
    return w.node("ReduceSum", inputs, w.stem_of(op), op.result.dtype, keepdims=keep)


def _reduce_extreme(onnx_op: str) -> Callable[[_Writer, _Op], str]:
    def translate(w: _Writer, op: _Op) -> str:
        x = op.args[0]
        axes = _axes(op.kwargs.get("axis"), x.ndim)
        attrs = {"keepdims": int(bool(op.kwargs.get("keepdims", False)))}
        if axes is not None:
            attrs["axes"] = axes
        return w.node(onnx_op, [w.value(x, 0)], w.stem_of(op), op.result.dtype, **attrs)

    return translate


def _sub(w: _Writer, op: _Op) -> str:
    """a - b; a softmax's constant shift b = max(a) becomes a ReduceMax of a."""
    a, b = op.args
    if isinstance(a, Tensor) and isinstance(b, np.ndarray) and id(b) not in w.names:
        axes = _shift_axes(a._data, b)
        if axes is not None:
            shift = w.node(
                "ReduceMax", [w.value(a, 0)], w.stem_of(op) + ".max", b.dtype,
                axes=axes, keepdims=1,
            )  # fmt: skip
            w.names[id(b)] = shift
    return _elementwise("Sub")(w, op)


def _shift_axes(x: np.ndarray, shift: np.ndarray) -> list[int] | None:
    """The axes if `shift` is softmax's stable shift of `x` (its max, kept dimensions)."""
    if shift.ndim != x.ndim or shift.dtype != x.dtype or 0 in x.shape:
        return None
    axes = [i for i, (a, b) in enumerate(zip(x.shape, shift.shape)) if a != b]
    if not axes or any(shift.shape[i] != 1 for i in axes):
        return None
    expected = np.max(x, axis=tuple(axes), keepdims=True)
    if not np.array_equal(np.where(np.isfinite(expected), expected, 0), shift):
        return None
    if not np.all(np.isfinite(expected)):
        return None  # the export's ReduceMax would not zero a non-finite max
    return axes


def _reshape(w: _Writer, op: _Op) -> str:
    shape = list(op.result.shape)
    dynamic = w.dynamic_dims(op.result)
    if len(dynamic) > 1:
        raise w.error(
            f"reshapes to {tuple(shape)}, where axes {dynamic} all follow the batch size; "
            "only one axis of a reshape may" + _batch_hint(True)
        )
    for axis in dynamic:
        shape[axis] = -1
    inputs = [w.value(op.args[0], 0), w.ints(shape)]
    return w.node("Reshape", inputs, w.stem_of(op), op.result.dtype)


def _broadcast_to(w: _Writer, op: _Op) -> str:
    x = op.args[0]
    shape = list(op.result.shape)
    for axis in w.dynamic_dims(op.result):
        lead = op.result.ndim - x.ndim
        if axis < lead or x.shape[axis - lead] != shape[axis]:
            raise w.error(f"broadcasts to {tuple(shape)} along the batch axis {axis}")
        shape[axis] = 1  # Expand keeps the input's size there
    inputs = [w.value(x, 0), w.ints(shape)]
    return w.node("Expand", inputs, w.stem_of(op), op.result.dtype)


def _transpose(w: _Writer, op: _Op) -> str:
    x = op.args[0]
    axes = op.kwargs.get("axes")
    perm = list(range(x.ndim))[::-1] if axes is None else [int(a) % x.ndim for a in axes]
    return w.node("Transpose", [w.value(x, 0)], w.stem_of(op), op.result.dtype, perm=perm)


def _concatenate(w: _Writer, op: _Op) -> str:
    dtype = op.result.dtype
    inputs = [w.value(a, i, dtype) for i, a in enumerate(op.args)]
    axis = int(op.kwargs.get("axis", 0)) % op.result.ndim
    return w.node("Concat", inputs, w.stem_of(op), dtype, axis=axis)


def _getitem(w: _Writer, op: _Op) -> str:
    """Basic indexing: slices, integers and an Ellipsis (Slice, then Gather per integer)."""
    x = op.args[0]
    index = op.kwargs.get("index", ())
    index = index if isinstance(index, tuple) else (index,)
    if any(i is None or isinstance(i, (np.ndarray, list, Tensor)) for i in index):
        raise w.error(
            f"indexes with {index!r}; only slices, integers and ... export (new axes and "
            "array indices do not)"
        )
    if sum(i is Ellipsis for i in index) > 1:
        raise w.error("indexes with more than one Ellipsis")
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + (slice(None),) * (x.ndim - len(index) + 1) + index[at + 1 :]
    index = index + (slice(None),) * (x.ndim - len(index))
    if not _same(op.kwargs.get("index"), w.second.ops[w.index].kwargs.get("index")):
        raise w.error("its index changed with the input" + _batch_hint(w.dynamic))
    dtype, stem = op.result.dtype, w.stem_of(op)
    out = w.value(x, 0)
    starts, ends, axes, steps = [], [], [], []
    for axis, item in enumerate(index):
        if isinstance(item, slice) and item != slice(None):
            step = 1 if item.step is None else int(item.step)
            start = item.start if item.start is not None else (0 if step > 0 else -1)
            end = item.stop if item.stop is not None else (_INT64_MAX if step > 0 else -_INT64_MAX)
            starts.append(int(start)), ends.append(int(end)), axes.append(axis), steps.append(step)
    if axes:
        inputs = [out, w.ints(starts, "starts"), w.ints(ends, "ends"), w.ints(axes, "axes"),
                  w.ints(steps, "steps")]  # fmt: skip
        out = w.node("Slice", inputs, stem, dtype)
    for axis in reversed(range(len(index))):  # from the last axis: positions stay valid
        if not isinstance(index[axis], slice):
            position = w.add_constant(np.asarray(int(index[axis]), dtype=np.int64), "index")
            out = w.node("Gather", [out, position], stem, dtype, axis=axis)
    return out


def _where_op(w: _Writer, op: _Op) -> str:
    cond, a, b = op.args
    shared = isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape == b.shape
    if shared and id(a) in w.names and np.shares_memory(a._data, b._data):
        return w.names[id(a)]  # where(mask, x, x.detach()) is x
    dtype = op.result.dtype
    inputs = [w.value(cond, 0, np.bool_), w.value(a, 1, dtype), w.value(b, 2, dtype)]
    return w.node("Where", inputs, w.stem_of(op), dtype)


def _clip(w: _Writer, op: _Op) -> str:
    dtype = op.result.dtype
    inputs = [w.value(op.args[0], 0, dtype)]
    for key in ("lo", "hi"):
        bound = op.kwargs.get(key)
        inputs.append("" if bound is None else w.add_constant(np.asarray(bound, dtype=dtype)))
    return w.node("Clip", inputs, w.stem_of(op), dtype)


def _cast(w: _Writer, op: _Op) -> str:
    dtype = op.result.dtype
    return w.node("Cast", [w.value(op.args[0], 0)], w.stem_of(op), dtype, to=w.onnx_type(dtype))


def _window_attrs(op: _Op, n: int, name: str) -> dict:
    from .ops.conv import _tuple

    padding = pairs(op.kwargs.get("padding", 0), n, name)
    attrs = {
        "pads": [p[0] for p in padding] + [p[1] for p in padding],
        "strides": list(_tuple(op.kwargs.get("stride") or 1, n, "stride", name)),
    }
    return attrs


def _conv(w: _Writer, op: _Op) -> str:
    from .ops.conv import _tuple

    dtype = op.result.dtype
    x, weight = op.args[0], op.args[1]
    bias = op.args[2] if len(op.args) > 2 else op.kwargs.get("b")
    n = weight.ndim - 2
    attrs = _window_attrs(op, n, "conv")
    attrs["dilations"] = list(_tuple(op.kwargs.get("dilation", 1), n, "dilation", "conv"))
    attrs["kernel_shape"] = list(weight.shape[2:])
    inputs = [w.value(x, 0, dtype), w.value(weight, 1, dtype)]
    if bias is not None:
        inputs.append(w.value(bias, 2, dtype))
    return w.node("Conv", inputs, w.stem_of(op), dtype, **attrs)


def _pool(onnx_op: str) -> Callable[[_Writer, _Op], str]:
    def translate(w: _Writer, op: _Op) -> str:
        from .ops.conv import _tuple

        x = op.args[0]
        kernel = list(op.kwargs["kernel_size"])
        n = len(kernel)
        if op.kwargs.get("stride") is None:
            op.kwargs = {**op.kwargs, "stride": tuple(kernel)}
        attrs = _window_attrs(op, n, onnx_op)
        attrs["kernel_shape"] = kernel
        if onnx_op == "MaxPool":
            attrs["dilations"] = list(_tuple(op.kwargs.get("dilation", 1), n, "dilation", "pool"))
        else:
            attrs["count_include_pad"] = 1
        return w.node(onnx_op, [w.value(x, 0)], w.stem_of(op), op.result.dtype, **attrs)

    return translate


def _pad(w: _Writer, op: _Op) -> str:
    dtype = op.result.dtype
    widths = op.kwargs.get("pad_width", ())
    pads = [int(a) for a, _ in widths] + [int(b) for _, b in widths]
    value = w.add_constant(np.asarray(op.kwargs.get("value", 0.0), dtype=dtype), "pad_value")
    inputs = [w.value(op.args[0], 0), w.ints(pads, "pads"), value]
    return w.node("Pad", inputs, w.stem_of(op), dtype, mode="constant")


def _identity(w: _Writer, op: _Op) -> str:
    return w.node("Identity", [w.value(op.args[0], 0)], w.stem_of(op), op.result.dtype)


_A = "autograd.ops.elementwise."
_TRANSLATIONS: dict[str, Callable[[_Writer, _Op], str]] = {
    _A + "Add": _elementwise("Add"),
    _A + "Sub": _sub,
    _A + "Mul": _elementwise("Mul"),
    _A + "Div": _elementwise("Div"),
    _A + "Neg": _elementwise("Neg"),
    _A + "Pow": _elementwise("Pow"),
    _A + "Exp": _elementwise("Exp"),
    _A + "Log": _elementwise("Log"),
    _A + "Sqrt": _elementwise("Sqrt"),
    _A + "Abs": _elementwise("Abs"),
    _A + "Sin": _elementwise("Sin"),
    _A + "Cos": _elementwise("Cos"),
    _A + "Tanh": _elementwise("Tanh"),
    _A + "Sigmoid": _elementwise("Sigmoid"),
    _A + "Relu": _elementwise("Relu"),
    _A + "LeakyRelu": lambda w, op: _elementwise(
        "LeakyRelu", alpha=float(op.kwargs.get("negative_slope", 0.01))
    )(w, op),
    _A + "Softplus": _elementwise("Softplus"),
    _A + "Maximum": _elementwise("Max"),
    _A + "Minimum": _elementwise("Min"),
    _A + "Clip": _clip,
    _A + "Where": _where_op,
    _A + "Clone": _identity,
    _A + "Cast": _cast,
    "autograd.ops.linalg.MatMul": _elementwise("MatMul"),
    "autograd.ops.linalg.Linear": _linear,
    "autograd.ops.reduce.Sum": _reduce_sum,
    "autograd.ops.reduce.Max": _reduce_extreme("ReduceMax"),
    "autograd.ops.reduce.Min": _reduce_extreme("ReduceMin"),
    "autograd.ops.shape.Reshape": _reshape,
    "autograd.ops.shape.Transpose": _transpose,
    "autograd.ops.shape.BroadcastTo": _broadcast_to,
    "autograd.ops.shape.Concatenate": _concatenate,
    "autograd.ops.shape.GetItem": _getitem,
    "autograd.ops.conv.Conv": _conv,
    "autograd.ops.conv.MaxPool": _pool("MaxPool"),
    "autograd.ops.conv.AvgPool": _pool("AveragePool"),
    "autograd.ops.conv.Pad": _pad,
    "autograd.ops.special.Erf": _elementwise("Erf"),
}
