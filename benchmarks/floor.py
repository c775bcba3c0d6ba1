"""How fast can an eager engine with chainrule's checks be? ``python -m benchmarks.floor``.

A yardstick for issue 13's W1 target (within 1.5x micrograd's time), not a second engine:
below is the smallest reverse-mode engine that still does, per op and per node, what
chainrule's core does on W1's path (the double well, ``x**4 - 2*x**2``, then backward):

- forward: one node per recorded op holding its inputs, the nodes that made them (as they
  were then), whether each needs a gradient, each input's version and a creation number;
  a thread-local grad mode and graph-scope label read per op; 0-d results as arrays;
- backward: the seed and root checks, the reachable nodes in reverse creation order, each
  saved input's version compared with the one recorded, each gradient's shape and dtype
  compared with its input's, the hook and retain_grad checks, grad mode off during the
  walk, every node released as soon as it is done, a fresh tensor for each leaf's `.grad`.

It knows only the three ops W1 uses (``**`` by a number, ``*``, ``-``) and none of the
error messages, so it is a floor for chainrule's design, not something to use. The table
times one W1 gradient in it, in chainrule and in micrograd (when installed), interleaved,
on the CPU clock.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import threading
import time

import numpy as np

X0 = 1.3  # the workload's point (benchmarks.workloads.ScalarSpec)
FLOOR = "floor (chainrule's checks, nothing else)"


class _Mode(threading.local):
    grad_enabled = True
    scope = ()


_mode = _Mode()
_order = itertools.count()


class Tensor:
    __slots__ = ("data", "grad", "grad_fn", "requires_grad", "version", "hooks")

    def __init__(self, data: np.ndarray, requires_grad: bool = False) -> None:
        self.data, self.grad, self.grad_fn = data, None, None
        self.requires_grad, self.version, self.hooks = requires_grad, [0], None

    def __pow__(self, other):
        return Pow.apply(self, other)

    def __mul__(self, other):
        return Mul.apply(self, other)

    def __rmul__(self, other):
        return Mul.apply(other, self)

    def __sub__(self, other):
        return Sub.apply(self, other)


class Node:
    __slots__ = ("op", "inputs", "parents", "needs", "versions", "order", "scope", "saved")
    __slots__ += ("released", "hooks", "retained", "__dict__")


class Op:
    @classmethod
    def apply(cls, *args):
        arrays, parents, needs, versions, record = [], [], [], [], False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                parents.append(a.grad_fn)
                needs.append(a.requires_grad)
                versions.append(a.version[0])
                record = record or a.requires_grad
            else:
                arrays.append(a)
                parents.append(None)
                needs.append(False)
                versions.append(None)
        node = None
        if record and _mode.grad_enabled:
            node = Node()
            node.op, node.inputs, node.parents, node.needs = cls, args, parents, needs
            node.versions, node.order, node.scope = versions, next(_order), _mode.scope
            node.saved, node.released, node.hooks, node.retained = (), False, None, None
        out = cls.forward(node, *arrays)
        result = Tensor(out if type(out) is np.ndarray else np.asarray(out), record)
        result.grad_fn = node
        return result


def _saved(node: Node) -> tuple:
    for tensor, version in zip(node.inputs, node.versions):
        if version is not None and tensor.version[0] != version:
            raise RuntimeError(f"{node.op.__name__}: an input was modified in place")
    return node.saved


class Pow(Op):
    @staticmethod
    def forward(node, a, b):
        if node is not None:
            node.saved = (a, b)
        return a[()] ** b  # numpy's scalar pow, as chainrule's power() on 0-d arrays

    @staticmethod
    def backward(node, g):
        a, b = _saved(node)
        return g * b * a[()] ** (b - 1), None


class Mul(Op):
    @staticmethod
    def forward(node, a, b):
        if node is not None:
            node.saved = (a, b)
        return a * b

    @staticmethod
    def backward(node, g):
        a, b = _saved(node)
        return g * b, g * a


class Sub(Op):
    @staticmethod
    def forward(node, a, b):
        return a - b

    @staticmethod
    def backward(node, g):
        return g, -g


class Linear(Op):
    @staticmethod
    def forward(node, x, w, b):
        if node is not None:
            node.saved = (x, w)
        out = x @ w.T
        out += b
        return out

    @staticmethod
    def backward(node, g):
        x, w = _saved(node)
        needs = node.needs
        return (g @ w if needs[0] else None), (x.T @ g).T, g.sum(axis=0)


class Relu(Op):
    @staticmethod
    def forward(node, x):
        if node is not None:
            node.mask = x > 0  # a private array, as chainrule's relu keeps
        return np.maximum(x, 0)

    @staticmethod
    def backward(node, g):
        return (g * node.mask,)


class Tanh(Op):
    @staticmethod
    def forward(node, x):
        out = np.tanh(x)
        if node is not None:
            node.saved = (out,)  # the output (chainrule checks its version too)
        return out

    @staticmethod
    def backward(node, g):
        (out,) = _saved(node)
        return (g * (1 - out * out),)


class MeanSquaredError(Op):
    @staticmethod
    def forward(node, x, t):
        diff = x - t
        if node is not None:
            node.diff = diff
        return np.asarray((diff * diff).mean())

    @staticmethod
    def backward(node, g):
        return g * (2 / node.diff.size) * node.diff, None


def backward(root: Tensor) -> None:
    if not root.requires_grad or root.data.size != 1:
        raise RuntimeError("backward: a one-element root that requires grad")
    seen, stack = {root.grad_fn}, [root.grad_fn]
    while stack:
        node = stack.pop()
        if node.released:
            raise RuntimeError("backward through a released graph")
        for parent in node.parents:
            if parent is not None and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    totals = {root.grad_fn: root.data.dtype.type(1)}
    previous, _mode.grad_enabled = _mode.grad_enabled, False
    try:
        for node in sorted(seen, key=lambda n: n.order, reverse=True):
            grad = totals.pop(node, None)
            if grad is not None:
                if node.hooks or node.retained is not None:
                    raise NotImplementedError("hooks: not in this floor engine")
                grads = node.op.backward(node, grad)
                if len(grads) != len(node.inputs):
                    raise RuntimeError("one gradient per input")
                for tensor, parent, needed, g in zip(node.inputs, node.parents, node.needs, grads):
                    if g is None or not needed:
                        continue
                    if g.shape != tensor.data.shape or g.dtype != tensor.data.dtype:
                        raise NotImplementedError("unbroadcasting: not in this floor engine")
                    key = tensor if parent is None else parent
                    totals[key] = totals[key] + g if key in totals else g
            node.inputs = node.parents = None
            node.saved, node.released = (), True
            node.__dict__.clear()
    finally:
        _mode.grad_enabled = previous
    for leaf, grad in totals.items():
        if leaf.requires_grad:
            if leaf.hooks:
                raise NotImplementedError("hooks: not in this floor engine")
            grad = Tensor(np.asarray(grad))
            leaf.grad = grad if leaf.grad is None else Tensor(leaf.grad.data + grad.data)


def floor_gradient() -> np.ndarray:
    """One W1 gradient in the floor engine."""
    x = Tensor(np.array(X0), requires_grad=True)
    backward(x**4 - 2 * x**2)
    return x.grad.data


class Module:
    """What an nn module call does on the hot path: the input check and the graph scope."""

    def __call__(self, *args):
        if args and (args[0] is None or type(args[0]) in (list, str)):
            raise TypeError("a module takes tensors")
        previous = _mode.scope
        _mode.scope = (*previous, self)
        try:
            return self.forward(*args)
        finally:
            _mode.scope = previous


class LinearLayer(Module):
    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:  # w (in, out), as the workload
        self.weight = Tensor(np.asfortranarray(w.T), requires_grad=True)  # (out, in), F-order
        self.bias = Tensor(b.copy(), requires_grad=True)

    def forward(self, x):
        return Linear.apply(x, self.weight, self.bias)


class Activation(Module):
    def __init__(self, op) -> None:
        self.op = op

    def forward(self, x):
        return self.op.apply(x)


class Sequential(Module):
    def __init__(self, *modules) -> None:
        self.modules = modules

    def forward(self, x):
        for module in self.modules:
            x = module(x)
        return x


class MSELoss(Module):
    def forward(self, x, t):
        return MeanSquaredError.apply(x, t)


class MLPStep:
    """One training step of an MLP workload (MSE loss): zero_grad, loss, backward, SGD."""

    def __init__(self, workload) -> None:
        spec = workload.spec
        activation = {"relu": Relu, "tanh": Tanh}[spec.activation]
        params = workload.params
        layers = []
        for w, b in zip(params[0::2], params[1::2]):
            layers += [LinearLayer(w, b), Activation(activation)]
        self.linears = layers[0::2]
        self.model = Sequential(*layers[:-1])
        self.params = [p for layer in self.linears for p in (layer.weight, layer.bias)]
        self.loss_fn, self.lr = MSELoss(), spec.lr
        self.x, self.y = Tensor(workload.x), Tensor(workload.y)

    def gradients(self) -> list[np.ndarray]:
        """Gradients in the workload's layout ([dW1 (in, out), db1, ...])."""
        self.backward()
        return [
            g for layer in self.linears for g in (layer.weight.grad.data.T, layer.bias.grad.data)
        ]

    def backward(self) -> None:
        for p in self.params:
            p.grad = None
        backward(self.loss_fn(self.model(self.x), self.y))

    def step(self) -> None:
        self.backward()
        previous, _mode.grad_enabled = _mode.grad_enabled, False
        try:
            for p in self.params:
                if p.grad is not None:
                    p.data += -self.lr * p.grad.data
                    p.version[0] += 1
        finally:
            _mode.grad_enabled = previous


def chainrule_gradient() -> np.ndarray:
    """One W1 gradient in chainrule, as benchmarks/engines/chainrule_engine.py takes it."""
    import autograd as ag

    x = ag.tensor(X0, requires_grad=True)
    (x**4 - 2 * x**2).backward()
    return x.grad._data


def micrograd_gradient() -> float:
    from micrograd.engine import Value

    x = Value(X0)
    (x**4 - 2 * x**2).backward()
    return x.grad


def engines() -> dict:
    """The W1 gradients to time, by name; micrograd when it is installed."""
    found = {FLOOR: floor_gradient}
    found["chainrule eager"] = chainrule_gradient
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        pass
    else:
        found["micrograd"] = micrograd_gradient
    return found


def mlp_steps(key: str) -> dict:
    """One training step of the MLP workload `key` (W4 or W6) in numpy-ref, the floor and
    chainrule's nn, by name; the floor's gradients are checked against numpy-ref's first."""
    from benchmarks import numpy_ref
    from benchmarks.engines import chainrule_engine
    from benchmarks.workloads import build, definition

    workload = build(definition(key))
    if workload.spec.loss != "mse":
        raise ValueError(f"floor: {key} has a {workload.spec.loss} loss; the floor has MSE only")
    reference, floor = numpy_ref.prepare(workload), MLPStep(workload)
    for got, want in zip(floor.gradients(), reference.gradients()):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"floor {key}")
    chainrule = chainrule_engine.prepare(workload)
    return {"numpy-ref": reference.step, FLOOR: floor.step, "chainrule eager": chainrule.step}


def measure(runs: dict, rounds: int = 15, calls: int = 2000) -> dict[str, float]:
    """Median CPU microseconds per call of each function in `runs`, rounds interleaved."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.process_time()
            for _ in range(calls):
                run()
            times[name].append((time.process_time() - start) / calls * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__)
    parser.add_argument(
        "--workloads", default="W1,W4,W5,W6", help="W1 and the MSE workloads W4, W5, W5-C, W6"
    )
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000, help="W1 calls per round")
    parser.add_argument(
        "--threads", type=int, default=1, help="math-library threads (default 1, as the suite)"
    )
    args = parser.parse_args(argv)
    with _threads_limited(args.threads):
        return _run(args)


@contextlib.contextmanager
def _threads_limited(threads: int):
    """numpy's BLAS on `threads` threads for the block, as `benchmarks.run` times it (the CPU
    clock counts every thread, so a second BLAS thread waiting between calls would count)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("floor: threadpoolctl is missing, so BLAS keeps its default threads")
        yield
        return
    with threadpool_limits(limits=threads):
        yield


def _run(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    results = {}
    for key in args.workloads.split(","):
        if key == "W1":
            expected = 4 * X0**3 - 4 * X0
            for name, gradient in engines().items():
                if abs(float(gradient()) - expected) > 1e-12:
                    raise AssertionError(f"{name}: wrong W1 gradient {gradient()}")
            result = measure(engines(), args.rounds, args.calls)
            base, unit = result.get("micrograd"), "vs micrograd"
        else:
            calls = max(1, args.calls // (200 if key.startswith("W5") else 20))
            result = measure(mlp_steps(key), args.rounds, calls)
            base, unit = result["numpy-ref"], "vs numpy-ref"
        print(f"\n| {key}, one {'gradient' if key == 'W1' else 'step'} | us | {unit} |")
        print("|---|---:|---:|")
        for name, us in result.items():
            ratio = f"{us / base:.2f}" if base else "-"
            print(f"| {name} | {us:.1f} | {ratio} |")
        results[key] = result
    return results


if __name__ == "__main__":
    main()
