"""Peak memory of training, measured with tracemalloc (numpy reports its buffers to it).

Only engines whose arrays live in numpy memory are measurable this way: numpy-ref,
chainrule (eager, captured, raw), MyGrad, HIPS autograd. PyTorch and JAX allocate outside
Python's tracer. A captured step's first step is its capture (an eager run that also
records the tape); its replays are the steps after.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass

from benchmarks.engines.base import Engine
from benchmarks.workloads import Workload

MEASURABLE = (
    "numpy-ref",
    "chainrule",
    "chainrule-captured",
    "chainrule-raw",
    "mygrad",
    "hips-autograd",
)


@dataclass(frozen=True)
class MemoryResult:
    """Bytes traced while training; the data ``x, y`` exist before tracing starts."""

    peak_bytes: int  # the highest peak over all steps, parameters included
    step_peaks: tuple[int, ...]  # peak during each step
    retained_bytes: tuple[int, ...]  # traced memory still held after each step

    @property
    def growth(self) -> float:
        """Peak of the last step over the peak of step 2 (1.0 = flat)."""
        return self.step_peaks[-1] / self.step_peaks[1]

    def to_json(self) -> dict:
        return {
            "peak_bytes": self.peak_bytes,
            "step_peaks": list(self.step_peaks),
            "retained_bytes": list(self.retained_bytes),
            "growth_step2_to_last": self.growth,
        }


def training_peak(engine: Engine, workload: Workload, steps: int) -> MemoryResult:
    """Trace ``steps`` training steps of ``engine`` on ``workload`` (setup included)."""
    if steps < 2:
        raise ValueError(f"training_peak: need at least 2 steps to judge flatness, got {steps}")
    gc.collect()
    tracemalloc.start()
    try:
        runner = engine.prepare(workload)
        peaks, retained = [], []
        for _ in range(steps):
            tracemalloc.reset_peak()
            runner.step()
            current, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            retained.append(current)
    finally:
        tracemalloc.stop()
    return MemoryResult(max(peaks), tuple(peaks), tuple(retained))
