"""numpy's kernels against PyTorch's: ``python -m benchmarks.kernels [--rounds 9]``.

Where PyTorch beats the hand-written numpy reference (W2-f64, W3 in results/LATEST.md),
no engine built on numpy can follow it: the time goes to a few matrix products and
elementwise passes, and those are numpy's own (OpenBLAS) against PyTorch's (MKL and its
C++ kernels). This script times exactly those operations, one thread each, interleaved,
in one process, with each library's layout as its engine uses it:

- numpy: weights (in, out), ``x @ W + b`` and ``dW = x.T @ g`` as numpy-ref writes them
  (chainrule's column-major ``nn.Linear`` runs the same BLAS calls: ``weight.T`` is a
  C-contiguous (in, out) matrix);
- torch: weights (out, in), ``F.linear(x, w, b)`` and ``dW = g.T @ x`` as its autograd does.

The last column is torch's time over numpy's: below 1, that step of PyTorch is faster
than numpy itself, and with it PyTorch is ahead of any numpy-based engine.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks import threads
from benchmarks.overhead import Thunk, measure

# (workload, rows of x, in features, out features, dtype): the step's dominant layer
LAYERS = [
    ("W2-f64", 256, 784, 128, np.float64),
    ("W3", 10_000, 784, 128, np.float32),
    ("W5", 32, 4096, 100, np.float32),
]


def cases(torch) -> dict[str, dict[str, Thunk]]:
    """Per operation: {"numpy": thunk, "torch": thunk}, inputs made outside the thunks."""
    rng = np.random.default_rng(0)
    linear = torch.nn.functional.linear
    found: dict[str, dict[str, Thunk]] = {}
    for name, rows, n_in, n_out, dtype in LAYERS:
        x = rng.standard_normal((rows, n_in)).astype(dtype)
        w = (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(dtype)
        b = rng.standard_normal(n_out).astype(dtype)
        g = rng.standard_normal((rows, n_out)).astype(dtype)
        tx, tb, tg = torch.from_numpy(x), torch.from_numpy(b), torch.from_numpy(g)
        tw = torch.from_numpy(np.ascontiguousarray(w.T))  # (out, in), as torch.nn.Linear
        found[f"{name} forward x @ W + b {x.shape}x{w.shape}"] = {
            "numpy": lambda x=x, w=w, b=b: x @ w + b,
            "torch": lambda tx=tx, tw=tw, tb=tb: linear(tx, tw, tb),
        }
        found[f"{name} weight gradient {x.T.shape}x{g.shape}"] = {
            "numpy": lambda x=x, g=g: x.T @ g,
            "torch": lambda tx=tx, tg=tg: (tg.T @ tx).T,  # (out, in) product; .T is a view
        }
    h = rng.standard_normal((10_000, 128)).astype(np.float32)
    g = rng.standard_normal(h.shape).astype(np.float32)
    a = np.maximum(h, 0)
    th, tg, ta = torch.from_numpy(h), torch.from_numpy(g), torch.from_numpy(a)
    found[f"W3 ReLU forward {h.shape}"] = {
        "numpy": lambda: np.maximum(h, 0),
        "torch": lambda: torch.relu(th),
    }
    found[f"W3 ReLU backward {h.shape}"] = {
        "numpy": lambda: g * (a > 0),
        "torch": lambda: torch.ops.aten.threshold_backward(tg, ta, 0),
    }
    return found


def check_same_values(name: str, funcs: dict[str, Thunk]) -> None:
    """Both columns must compute the same numbers (up to float32 rounding of long sums)."""
    expected, got = funcs["numpy"](), funcs["torch"]().numpy()
    scale = np.abs(expected).max()
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=0, atol=1e-4 * scale):
        raise AssertionError(f"kernels: {name}: torch and numpy disagree")


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.kernels", description=__doc__)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--target", type=float, default=0.05, help="seconds per sample")
    args = parser.parse_args(argv)
    threads.limit_before_imports(1)
    try:
        import torch
    except ImportError:
        print("kernels: PyTorch is not installed (pip install torch==2.13.0); nothing to compare")
        return {}
    threads.limit_loaded(1)
    torch.set_num_threads(1)
    results = {}
    print(f"microseconds per call, one thread, median of {args.rounds} interleaved rounds")
    print("| operation | numpy | torch | torch / numpy |\n|---|---:|---:|---:|")
    for name, funcs in cases(torch).items():
        check_same_values(name, funcs)
        us = results[name] = measure(funcs, args.rounds, args.target)
        print(
            f"| {name} | {us['numpy']:.0f} | {us['torch']:.0f} | {us['torch'] / us['numpy']:.2f} |"
        )
    return results


if __name__ == "__main__":
    main()
