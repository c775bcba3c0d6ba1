"""What one op costs on top of numpy: ``python -m benchmarks.overhead [--size 8x16]``.

For a handful of ops on small float64 arrays (where numpy's own work is tiny and the
engine's bookkeeping shows), time four ways of computing the same thing:

- ``numpy``: the bare numpy expression;
- ``no_grad``: the chainrule op on Tensors that need no gradient (no node is recorded);
- ``recorded``: the op on a leaf that requires grad (a node, saved values, input versions),
  including releasing the graph afterwards;
- ``+ backward``: recorded, then ``backward(grad)`` from the result (seed, the op's
  backward formula, the leaves' ``.grad``).

Every row is a median over interleaved repeats of the CPU clock, so the columns of a row
are comparable with each other; absolute microseconds depend on the machine. This is the
per-op price that decides the overhead-bound workloads (W1, W4, W6); see PROFILE.md.

A last line times one recorded op with its backward twice: in a warm loop, and right
after a W2-sized float32 matmul (256x784 @ 784x128) has swept the CPU caches, which is
how the bookkeeping of a BLAS-bound step runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import autograd as ag
from benchmarks import threads

Thunk = Callable[[], object]


@dataclass(frozen=True)
class Row:
    name: str
    us: dict[str, float]  # column -> median microseconds per call


def cases(shape: tuple[int, int]) -> dict[str, dict[str, Thunk]]:
    """Per op: column -> a function computing it once (arguments prepared outside)."""
    rng = np.random.default_rng(0)
    a_np, b_np = rng.standard_normal(shape), rng.standard_normal(shape)
    w_np, bias_np = rng.standard_normal((shape[1], shape[1])), rng.standard_normal(shape[1])
    x_np = np.array(1.5)
    a, b = ag.Tensor(a_np), ag.Tensor(b_np)
    w, bias = ag.Tensor(w_np), ag.Tensor(bias_np)
    a_leaf, w_leaf = ag.Tensor(a_np, requires_grad=True), ag.Tensor(w_np, requires_grad=True)
    bias_leaf = ag.Tensor(bias_np, requires_grad=True)
    ones = np.ones(shape)

    def three(numpy: Thunk, plain: Thunk, recorded: Callable[[], ag.Tensor]) -> dict[str, Thunk]:
        return {
            "numpy": numpy,
            "no_grad": plain,
            "recorded": recorded,
            "+ backward": lambda: recorded().backward(ones),
        }

    def double_well() -> ag.Tensor:
        x = ag.tensor(1.5, requires_grad=True)
        return x**4 - 2 * x**2

    return {
        "a + b": three(lambda: a_np + b_np, lambda: a + b, lambda: a_leaf + b),
        "a * b": three(lambda: a_np * b_np, lambda: a * b, lambda: a_leaf * b),
        "tanh(a)": three(lambda: np.tanh(a_np), lambda: ag.tanh(a), lambda: ag.tanh(a_leaf)),
        "relu(a)": three(lambda: np.maximum(a_np, 0), lambda: ag.relu(a), lambda: ag.relu(a_leaf)),
        "linear(a, w, b)": three(
            lambda: a_np @ w_np.T + bias_np,
            lambda: ag.linear(a, w, bias),
            lambda: ag.linear(a, w_leaf, bias_leaf),
        ),
        "W1: x**4 - 2*x**2": {
            "numpy": lambda: x_np**4 - 2 * x_np**2,
            "no_grad": lambda: ag.tensor(1.5) ** 4 - 2 * ag.tensor(1.5) ** 2,
            "recorded": double_well,
            "+ backward": lambda: double_well().backward(),
        },
    }


def check_same_values(name: str, funcs: dict[str, Thunk]) -> None:
    """The numpy, no_grad and recorded columns must compute the same numbers."""
    expected = np.asarray(funcs["numpy"]())
    for column in ("no_grad", "recorded"):
        got = funcs[column]()._data
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-12, atol=0):
            raise AssertionError(f"overhead: {name}: {column} differs from numpy")


def measure(funcs: dict[str, Thunk], rounds: int, target_s: float) -> dict[str, float]:
    """Median microseconds per call of each function, sampled round-robin."""
    inner = {}
    for name, f in funcs.items():
        f()
        start = time.process_time()
        f()
        inner[name] = max(1, int(target_s / max(time.process_time() - start, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, f in funcs.items():
            start = time.process_time()
            for _ in range(inner[name]):
                f()
            samples[name].append((time.process_time() - start) / inner[name] * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def cache_cold(shape: tuple[int, int], samples: int = 201) -> tuple[float, float]:
    """Median microseconds of `tanh(a).backward(ones)` warm, and right after a big matmul."""
    rng = np.random.default_rng(1)
    big_x = rng.standard_normal((256, 784)).astype(np.float32)
    big_w = rng.standard_normal((784, 128)).astype(np.float32)
    a = ag.Tensor(rng.standard_normal(shape), requires_grad=True)
    ones = np.ones(shape)

    def op() -> None:
        ag.tanh(a).backward(ones)

    warm, cold = [], []
    for _ in range(samples):
        op()
        start = time.perf_counter()
        op()
        warm.append(time.perf_counter() - start)
        big_x @ big_w
        start = time.perf_counter()
        op()
        cold.append(time.perf_counter() - start)
    return statistics.median(warm) * 1e6, statistics.median(cold) * 1e6


def table(rows: list[Row]) -> str:
    columns = list(rows[0].us)
    lines = [
        "| op | " + " | ".join(columns) + " | recorded - numpy |",
        "|---|" + "---:|" * (len(columns) + 1),
    ]
    for row in rows:
        cells = [f"{row.us[c]:.1f}" for c in columns]
        extra = row.us["recorded"] - row.us["numpy"]
        lines.append(f"| {row.name} | " + " | ".join(cells) + f" | {extra:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__)
    parser.add_argument("--size", default="8x16", help="array shape ROWSxCOLS (default 8x16)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--target", type=float, default=0.02, help="seconds per sample")
    args = parser.parse_args(argv)
    threads.limit_loaded(1)  # one BLAS thread, as in benchmarks.run
    rows_cols = tuple(int(n) for n in args.size.lower().split("x"))
    if len(rows_cols) != 2:
        parser.error(f"--size must look like 8x16, got {args.size!r}")
    rows = []
    for name, funcs in cases(rows_cols).items():
        check_same_values(name, funcs)
        rows.append(Row(name, measure(funcs, args.rounds, args.target)))
    print(f"microseconds per call, arrays of shape {rows_cols} (float64), median of {args.rounds}")
    print(table(rows))
    warm, cold = cache_cold(rows_cols, samples=max(3, 30 * args.rounds))
    print(
        f"tanh(a) recorded + backward: {warm:.1f} us in a warm loop, {cold:.1f} us right after "
        "a 256x784 @ 784x128 float32 matmul (wall clock, median)"
    )
    return rows


if __name__ == "__main__":
    main()
