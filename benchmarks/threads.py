"""One thread count for every engine's math libraries (default 1).

On a shared 2-core machine a multi-threaded BLAS waits for a core that someone else holds:
with one core busy elsewhere, numpy's W5 step measured 4 ms on 1 thread and 40-90 ms on 2.
Single-threaded kernels make the ratios stable and compare the engines' own overhead.
"""

from __future__ import annotations

import os
import sys

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def limit_before_imports(threads: int) -> None:
    """Environment for libraries not loaded yet (PyTorch's OpenMP/MKL, JAX's XLA)."""
    for name in THREAD_ENV:
        os.environ[name] = str(threads)
    if threads == 1:
        single = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {single}".strip()


def limit_loaded(threads: int) -> bool:
    """Limit the thread pools of libraries already loaded (numpy's BLAS); False if
    threadpoolctl is missing and they keep their default."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(limits=threads)
    torch = sys.modules.get("torch")  # only if an engine imported it
    if torch is not None:
        torch.set_num_threads(threads)
    return True
