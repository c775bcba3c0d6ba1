"""Gradient equality against the numpy reference: real assertions, run before any timing."""

from __future__ import annotations

import numpy as np

# Relative tolerance per dtype; the absolute floor scales with the largest reference entry,
# so near-zero entries of a large gradient are compared at the gradient's own scale.
RTOL = {np.dtype("float64"): 1e-6, np.dtype("float32"): 1e-4}


class GradientMismatch(AssertionError):
    """An engine's gradients differ from the hand-written numpy reference."""


def assert_gradients_match(
    engine: str, workload_key: str, dtype: np.dtype, got: list, want: list[np.ndarray], when: str
) -> None:
    """Raise GradientMismatch unless every ``got[i]`` equals ``want[i]`` within RTOL[dtype]."""
    where = f"{engine} on {workload_key} ({when})"
    if len(got) != len(want):
        raise GradientMismatch(f"{where}: {len(got)} gradients, the reference has {len(want)}")
    rtol = RTOL[np.dtype(dtype)]
    for index, (g, w) in enumerate(zip(got, want)):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if g.shape != w.shape:
            raise GradientMismatch(
                f"{where}: gradient {index} has shape {g.shape}, the reference {w.shape}"
            )
        atol = rtol * max(float(np.abs(w).max(initial=0.0)), 1e-30)
        # entrywise, or in norm: a float32 sum over 10,000 samples (W3) rounds entries near
        # zero by more than atol in another summation order (PyTorch's), and after one step
        # the weights differ in their last bits, so ReLUs at the kink flip (W3 with torch:
        # 1.5e-3 in norm); a wrong derivative is off by order 1
        in_norm = rtol / 10 if when == "initial weights" else 50 * rtol
        relative = float(np.linalg.norm(g - w)) / max(float(np.linalg.norm(w)), 1e-30)
        if not np.allclose(g, w, rtol=rtol, atol=atol) and not relative <= in_norm:
            worst = float(np.abs(g - w).max())
            raise GradientMismatch(
                f"{where}: gradient {index} (shape {w.shape}) differs from numpy-ref by up to "
                f"{worst:.3g}, {relative:.2g} in norm (allowed rtol={rtol:g}, atol={atol:.3g}, "
                f"{in_norm:.2g} in norm); the engine or its adapter in benchmarks/engines/ "
                "computes a different derivative"
            )
