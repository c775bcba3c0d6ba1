"""Captured backward: record a loss function once, then replay its formulas as plain numpy.

    step = ag.capture_backward(loss_fn)
    loss = step(x, y)        # same as: loss = loss_fn(x, y); loss.backward(); loss.detach()

The first call with a given signature (the arguments' shapes, dtypes and requires_grad)
runs `loss_fn` eagerly, with backward, and keeps the sequence of ops it applied: a tape.
The tape is compiled into one straight-line Python function (`step.source()` shows it).
Later calls with that signature run it, skipping the per-op bookkeeping of an eager
graph (Tensors, nodes, version checks, ordering): each op's `forward` and then its `backward`
formula on bare arrays, and `.grad` written as `backward()` writes it. The results are
the eager results, to the last bit: the same formulas in the same order.

A replay sees only what the tape recorded, so capture refuses what a replay could get
silently wrong, with an error naming the op and what to do:

* tensors must reach the ops as arguments of the function, as results of earlier ops,
  or as tensors that existed before the call (parameters, frozen ones included, whose
  current values every replay reads); a tensor the function makes from data
  (`ag.tensor(...)`, a comparison mask, `detach()`) is refused;
* numpy arrays given to an op as constants are refused (pass them as arguments);
* a tensor's value leaving for Python (`item()`, `float()`, `bool()`, `tolist()`,
  `numpy()`, `np.asarray`) and in-place changes are refused: a branch or a number
  computed from a value, or a write, would not be replayed;
* only built-in ops (Primitives) are replayed; a parameter with hooks, anomaly mode and
  no_grad make the function run eagerly instead.

Not caught: a Python number computed from a tensor's `.data` inside the function is kept
as a constant, and Python state that decides which ops run (a flag in a closure) is read
only at capture. Keep the function a function of its arguments and parameters; code with
such a switch can call `autograd.refuse_under_capture(...)`, as `nn`'s dropout does (its
train/eval mode changes which ops run).
"""

from __future__ import annotations

import functools
import linecache
from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine
from .function import Function, Primitive
from .mode import Observer, notify_read, state
from .tensor import Tensor

__all__ = ["CaptureError", "capture_backward", "refuse_under_capture"]


class CaptureError(RuntimeError):
    """Something a captured tape could replay wrongly (see `autograd.capture_backward`)."""


def refuse_under_capture(what: str) -> None:
    """Raise CaptureError if `capture_backward` is capturing: call it in code whose effect a
    replay would miss (a value read into Python, a mode that changes which ops run)."""
    if state.observers:
        notify_read(what)


class _Entry:
    """One op on the tape: the slots of its inputs, its keyword arguments, its output slot."""

    __slots__ = ("op", "inputs", "kwargs", "needs", "output", "recorded")

    def __init__(self, op, inputs, kwargs, needs, output, recorded) -> None:
        self.op = op  # the Primitive class
        self.inputs = inputs  # slot of each input
        self.kwargs = kwargs
        self.needs = needs  # needs_input_grad, as eager computed it
        self.output = output  # slot of the result
        self.recorded = recorded  # eager recorded a node (some input needed a gradient)


class _ReplayContext:
    """The ctx a replayed forward and its backward share: saved arrays and attributes."""

    saved_tensors: tuple = ()

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays


class _Recorder(Observer):
    """Builds the tape from the applies of one eager run (an observer of the core).

    Every value gets a slot: first the arguments, then parameters, constants and op
    results in the order the ops meet them.
    """

    def __init__(self, arguments: list[Tensor]) -> None:
        self.slot_of: dict[int, int] = {id(t): i for i, t in enumerate(arguments)}
        self.held: list[Any] = list(arguments)  # keeps every id in slot_of valid
        self.leaves: dict[int, Tensor] = {}  # slot -> tensor from before the call
        self.made_ids: dict[int, Tensor] = {}  # tensors made during the call from data
        self.constants: dict[int, Any] = {}  # slot -> Python number or other constant
        self.entries: list[_Entry] = []

    def _new_slot(self, value: Any) -> int:
        self.held.append(value)
        return len(self.held) - 1

    def made(self, tensor: Tensor) -> None:
        """Called for every tensor made during the call other than by an op."""
        self.made_ids[id(tensor)] = tensor

    def _slot_of_input(self, op_name: str, a: Any) -> int:
        if isinstance(a, Tensor):
            slot = self.slot_of.get(id(a))
            if slot is not None:
                return slot
            if id(a) in self.made_ids:
                raise CaptureError(
                    f"capture_backward: {op_name} got a tensor of shape {a.shape} made inside "
                    "the function from data (a constructor, a comparison, detach()); a replay "
                    "would reuse its old values. Pass it to the function as an argument."
                )
            if a.grad_fn is not None:
                raise CaptureError(
                    f"capture_backward: {op_name} got a tensor of shape {a.shape} from a graph "
                    "built outside the function; a replay cannot backpropagate into it. "
                    "Compute it inside the function, or pass it detached as an argument."
                )
            # a tensor from before the call (a parameter, a frozen one, a constant
            # attribute): a container whose current values every replay reads
            slot = self.slot_of[id(a)] = self._new_slot(a)
            self.leaves[slot] = a
            return slot
        if isinstance(a, np.ndarray):
            raise CaptureError(
                f"capture_backward: {op_name} got a numpy array of shape {a.shape} as a "
                "constant; a replay would reuse its old values. Pass it to the function as "
                "an argument (a Tensor)."
            )
        slot = self._new_slot(a)
        self.constants[slot] = a
        return slot

    def read(self, what: str) -> None:
        """A value leaving for Python, or an in-place change: a replay would miss it."""
        raise CaptureError(
            f"capture_backward: {what} inside a captured function would not be replayed "
            "(a replay runs only the ops). Compute it outside the function, or pass the "
            "value in as an argument."
        )

    def op(self, op: type[Function], args: tuple, kwargs: dict, output: Tensor) -> None:
        """Called by `Function.apply` for every op on tensors while capturing."""
        if not issubclass(op, Primitive):
            raise CaptureError(
                f"capture_backward: {op.__name__} is a custom Function; only built-in ops "
                "are replayed. Call the function without capture_backward."
            )
        for name, value in kwargs.items():
            parts = value if isinstance(value, tuple) else (value,)
            if any(isinstance(part, (np.ndarray, Tensor)) for part in parts):
                raise CaptureError(
                    f"capture_backward: {op.__name__} got an array as its {name!r} argument "
                    "(e.g. an index computed from data); a replay would reuse it. Compute "
                    "it outside the function and pass it in, or call the function eagerly."
                )
        inputs = tuple(self._slot_of_input(op.__name__, a) for a in args)
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        slot = self.slot_of[id(output)] = self._new_slot(output)
        self.entries.append(_Entry(op, inputs, kwargs, needs, slot, output.grad_fn is not None))


class _Tape:
    """A captured loss function for one signature, compiled to straight-line Python.

    The replay is one generated function (`source`): each op's forward, then each op's
    backward newest first, every value and gradient a local variable. Compared with a
    loop over the tape it makes no per-op list, dict or tuple traffic (W1, W6 in
    benchmarks/), and it can be read: `step.source()` prints it.
    """

    def __init__(self, recorder: _Recorder, loss: Tensor, n_args: int) -> None:
        loss_slot = recorder.slot_of.get(id(loss))
        if loss_slot is None or loss_slot < n_args or loss_slot in recorder.leaves:
            raise CaptureError(
                "capture_backward: the function must return the result of an op on its "
                "arguments or parameters (a loss computed inside the function)"
            )
        self.leaves = recorder.leaves
        self.leaf_layout = [
            (t, t._data.shape, t._data.dtype, t.requires_grad) for t in self.leaves.values()
        ]
        held = recorder.held
        self.tensors = list(self.leaves.values())
        self.grad_arguments = [i for i, t in enumerate(held[:n_args]) if t.requires_grad]
        grad_slots = [slot for slot, t in self.leaves.items() if t.requires_grad]
        self.grad_leaves = [self.leaves[slot] for slot in grad_slots]
        receivers = self.grad_arguments + grad_slots
        self.source, namespace = _Compiler(recorder, loss_slot, n_args).compile(receivers)
        filename = f"<capture_backward replay {id(self):x}>"
        lines = self.source.splitlines(keepends=True)  # tracebacks show the replay's lines
        linecache.cache[filename] = (len(self.source), None, lines, filename)
        exec(compile(self.source, filename, "exec"), namespace)
        self.run = namespace["replay"]

    def valid(self) -> bool:
        """The tensors from before the call keep their shapes, dtypes and requires_grad, and
        have no hooks (else the function is captured again)."""
        for leaf, shape, dtype, requires_grad in self.leaf_layout:
            data = leaf._data
            if data.shape != shape or data.dtype != dtype or leaf.requires_grad != requires_grad:
                return False
            if leaf._hooks:
                return False
        return True

    def replay(self, arguments: list[Tensor]) -> np.ndarray:
        """Forward then backward; gradients land in `.grad` as with backward()."""
        loss, grads = self.run(*[a._data for a in arguments], *[t._data for t in self.tensors])
        receivers = self.grad_leaves
        if self.grad_arguments:
            receivers = [arguments[i] for i in self.grad_arguments] + receivers
        delivered: set[int] = set()  # .grad is written exactly as eager backward writes it
        for tensor, grad in zip(receivers, grads):
            if grad is not None:
                engine.deliver(tensor, grad, delivered)
        return loss


class _Compiler:
    """Writes a tape as the Python source of `replay(*arguments, *tensors)`.

    Values are `v<slot>`, gradients `g<slot>`, contexts `c<k>` for the k-th op. Each
    gradient an op returns is checked against its input's shape and dtype (fixed by the
    signature) and reduced or cast as the engine does when it differs.
    """

    def __init__(self, recorder: _Recorder, loss_slot: int, n_args: int) -> None:
        self.recorder, self.loss_slot, self.n_args = recorder, loss_slot, n_args
        self.parameters = [f"v{i}" for i in range(n_args)]
        self.parameters += [f"v{slot}" for slot in recorder.leaves]
        seed = np.ones(recorder.held[loss_slot].shape, recorder.held[loss_slot].dtype)
        seed.flags.writeable = False  # shared by every replay: a .grad it reaches is a copy
        self.namespace: dict[str, Any] = {
            "Context": _ReplayContext,
            "fitted": _fitted,
            "ndarray": np.ndarray,
            "seed": seed,
            "array": np.array,
            "asarray": np.asarray,
        }

    def name(self, value: Any, prefix: str) -> str:
        """A name in the generated code's namespace for `value` (an op, a constant...)."""
        for key, known in self.namespace.items():
            if known is value:
                return key
        if isinstance(value, np.dtype):
            key = value.name
        elif isinstance(value, type) and issubclass(value, np.generic):
            key = f"{value.__name__}_scalar"
        else:
            key = value.__name__ if isinstance(value, type) else prefix
        if key in self.namespace:
            key = f"{key}_{len(self.namespace)}"
        self.namespace[key] = value
        return key

    def literal(self, value: Any, prefix: str) -> str:
        """`value` written as Python when that reads back exactly, else a namespace name."""
        plain = (int, float, bool, str, type(None))
        if type(value) in plain and not (type(value) is float and not np.isfinite(value)):
            return repr(value)
        if type(value) is tuple and all(type(part) in (int, bool, type(None)) for part in value):
            return repr(value)
        return self.name(value, prefix)

    def compile(self, receivers: list[int]) -> tuple[str, dict[str, Any]]:
        recorder = self.recorder
        lines = [f"def replay({', '.join(self.parameters)}):"]
        for kind, slots in (
            ("arguments", range(self.n_args)),
            ("tensors from before the call", recorder.leaves),
        ):
            if slots:
                shapes = ", ".join(f"v{i} {recorder.held[i].shape}" for i in slots)
                lines.append(f"    # {kind}: {shapes}")
        scalars = [i for i in range(self.n_args) if recorder.held[i].ndim == 0]
        for i in scalars:  # numpy's scalar arithmetic: the 0-d ufuncs' bits, 10x faster (W1)
            lines.append(f"    v{i} = v{i}[()]  # a 0-d argument as a numpy scalar")
        lines += [
            "    # forward: each op's formula on values v<slot>; c<k>, op k's context, holds",
            "    # what its backward needs. A value is deleted after its last use here, a",
            "    # context after its backward (as eager backward releases a node), so",
            "    # activations are freed during the walk.",
        ]
        last_use: dict[int, int] = {}
        for k, entry in enumerate(recorder.entries):
            for slot in entry.inputs:
                last_use[slot] = k
        kept = {*range(self.n_args), *recorder.leaves, self.loss_slot, *recorder.constants}
        for k, entry in enumerate(recorder.entries):
            op = self.name(entry.op, "op")
            args = [f"c{k}"] + [
                self.literal(recorder.constants[slot], "constant")
                if slot in recorder.constants
                else f"v{slot}"
                for slot in entry.inputs
            ]
            args += [f"{key}={self.literal(v, 'argument')}" for key, v in entry.kwargs.items()]
            lines.append(f"    c{k} = Context({entry.needs!r})")
            lines.append(f"    v{entry.output} = {op}.forward({', '.join(args)})")
            dead = [s for s in dict.fromkeys(entry.inputs) if last_use[s] == k and s not in kept]
            if entry.output not in last_use and entry.output not in kept:
                dead.append(entry.output)  # a result no later op reads
            dead = [f"v{s}" for s in dead] + ([] if entry.recorded else [f"c{k}"])
            if dead:
                lines.append(f"    del {', '.join(dead)}")
        graded = {s for e in recorder.entries for s, n in zip(e.inputs, e.needs) if n}
        lines += [
            "    # backward, newest op first: gradients g<slot>, each share fitted to its",
            "    # input's shape and dtype (fixed by the signature) when it differs",
            f"    g{self.loss_slot} = seed",
        ]
        if graded - {self.loss_slot}:
            names = " = ".join(f"g{slot}" for slot in sorted(graded - {self.loss_slot}))
            lines.append(f"    {names} = None")
        for k in reversed(range(len(recorder.entries))):
            entry = recorder.entries[k]
            if entry.recorded:
                lines += self.backward_lines(k, entry)
        returned = "".join(  # 0-d gradients may be numpy scalars: .grad holds arrays
            f"g{slot}, "
            if recorder.held[slot].ndim
            else f"g{slot} if g{slot} is None else array(g{slot}), "
            for slot in receivers
        )
        loss = (
            f"v{self.loss_slot}"
            if recorder.held[self.loss_slot].ndim
            else f"asarray(v{self.loss_slot})"
        )
        lines.append(f"    return {loss}, ({returned})")
        return "\n".join(lines) + "\n", self.namespace

    def backward_lines(self, k: int, entry: _Entry) -> list[str]:
        """`op.backward` on the output's gradient; each input's share fitted and added."""
        out, op = entry.output, self.name(entry.op, "op")
        lines = [
            f"    if g{out} is not None:",
            f"        d = {op}.backward(c{k}, g{out})",
            f"        del c{k}",  # its saved values go, as eager backward releases the node
            f"        g{out} = None",  # used: freed, as eager backward frees it
            "        d = d if type(d) is tuple else (d,)",
        ]
        for position, (slot, needed) in enumerate(zip(entry.inputs, entry.needs)):
            if not needed:
                continue
            like = self.recorder.held[slot]._data
            shape, dtype = self.literal(like.shape, "shape"), self.name(like.dtype, "dtype")
            # the usual case, cheaply: an ndarray of the shape and numpy's own dtype object
            # (anything else, however it compares, goes through `fitted`)
            fits = f"type(di) is ndarray and di.shape == {shape} and di.dtype is {dtype}"
            if like.ndim == 0:  # a numpy scalar of the dtype, told by its type alone (W1)
                fits = f"type(di) is {self.name(like.dtype.type, 'scalar')} or {fits}"
            lines += [
                f"        if (di := d[{position}]) is not None:",
                f"            if not ({fits}):",
                f"                di = fitted(di, {shape}, {dtype}, {entry.op.__name__!r})",
                f"            g{slot} = di if g{slot} is None else g{slot} + di",
            ]
        return lines


def _fitted(grad: Any, shape: tuple, dtype: np.dtype, op_name: str) -> np.ndarray:
    """`grad` reduced and cast as the engine does; an array (numpy gives 0-d scalars)."""
    return np.asarray(engine.fit(np.asarray(grad), shape, dtype, op_name))


def capture_backward(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`fn(*args).backward()` returning the loss (detached), replayed after the first call.

    `fn` takes Tensors or arrays (a step's data, e.g. a batch) and returns a one-element
    loss Tensor; the parameters it uses (leaves that require grad), and arguments that
    require grad, receive `.grad` as with `backward()`. Each new signature (argument
    shapes, dtypes, requires_grad) is captured once by an eager run. `step.source()`
    returns the Python that replays the latest capture. See the module docstring for
    what capture refuses.
    """
    tapes: dict[tuple, _Tape] = {}

    @functools.wraps(fn)
    def step(*args: Any) -> Tensor:
        arguments = []
        signature = []
        for a in args:
            tensor = a if isinstance(a, Tensor) else Tensor(a)
            arguments.append(tensor)
            signature.append((tensor._data.shape, tensor._data.dtype, tensor.requires_grad))
        if not state.grad_enabled or state.observers:  # anomaly mode, a trace: eagerly
            return _eager(fn, arguments)
        tape = tapes.get(key := tuple(signature))
        if tape is not None and tape.valid():
            return Tensor._make(tape.replay(arguments), False, None)
        loss, tape = _capture(fn, arguments)
        if tape is not None:
            tapes[key] = tape
            latest[0] = tape
        return loss

    def source() -> str:
        """The Python a replay runs, for the most recently captured signature."""
        if latest[0] is None:
            raise RuntimeError(
                "capture_backward: nothing captured yet; call the step first (a step that "
                "runs eagerly, e.g. with hooks on a parameter or under no_grad, is not captured)"
            )
        return latest[0].source

    latest: list[_Tape | None] = [None]
    step.source = source  # type: ignore[attr-defined]
    return step


def _eager(fn: Callable[..., Tensor], arguments: list[Tensor]) -> Tensor:
    loss = fn(*arguments)
    loss.backward()
    return loss.detach()


def _capture(fn: Callable[..., Tensor], arguments: list[Tensor]) -> tuple[Tensor, _Tape | None]:
    """Run fn eagerly, with backward, while recording its ops; its tape if replayable."""
    recorder = _Recorder(arguments)
    previous, state.observers = state.observers, (*state.observers, recorder)
    try:
        loss = fn(*arguments)
    finally:
        state.observers = previous
    if not isinstance(loss, Tensor):
        raise CaptureError(
            f"capture_backward: the function returned {type(loss).__name__}, not a loss Tensor"
        )
    tape = _Tape(recorder, loss, len(arguments))
    loss.backward()
    return loss.detach(), (tape if tape.valid() else None)  # hooks: eager every time
