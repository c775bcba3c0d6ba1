"""The engines the runner knows, in table order. Importing this imports no engine."""

from __future__ import annotations

from benchmarks import numpy_ref
from benchmarks.engines import (
    chainrule_engine,
    hips_engine,
    jax_engine,
    micrograd_engine,
    mygrad_engine,
    torch_engine,
)
from benchmarks.engines.base import Engine

# The in-process engines, in table order; numpy-ref is always first and always runs.
IN_PROCESS: dict[str, Engine] = {
    e.name: e
    for e in (
        numpy_ref.ENGINE,
        chainrule_engine.ENGINE,
        chainrule_engine.CAPTURED,
        torch_engine.ENGINE,
        mygrad_engine.ENGINE,
        jax_engine.JIT,
        jax_engine.EAGER,
        micrograd_engine.ENGINE,
    )
}
# Run only when asked for with --engines (nn-free chainrule, for comparison with nn).
OPTIONAL: dict[str, Engine] = {chainrule_engine.RAW.name: chainrule_engine.RAW}
SUBPROCESS = hips_engine.NAME  # timed by benchmarks/hips_worker.py in its own venv

DEFAULT_ORDER = [*IN_PROCESS, SUBPROCESS]
# JAX compiles every op (eager) or step (jit) for every new shape: 2-8 s per workload.
# --quick leaves out eager JAX, --smoke all of JAX, unless asked for with --engines.
DEFAULTS = {
    "full": DEFAULT_ORDER,
    "quick": [name for name in DEFAULT_ORDER if name != "jax"],
    "smoke": [name for name in DEFAULT_ORDER if not name.startswith("jax")],
}
ALL_NAMES = [*DEFAULT_ORDER, *OPTIONAL]
