"""Interleaved-repeats median timing.

Every engine warms up, then gets an inner loop count so one sample lasts about
``target_s``; then the samples are taken round-robin (A, B, C, A, B, C, ...) so that slow
drifts of a shared, noisy machine hit every engine alike. The reported time per step is
the median over rounds of (sample time / inner count).

The default clock is the process's CPU time (all threads): on a shared machine another
process's load stretches wall time (here by 2-3x) but hardly CPU time. With one math
thread per engine (the runner's default) the two agree on an idle machine.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass

from benchmarks.engines.base import Prepared

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass(frozen=True)
class TimingSettings:
    rounds: int  # samples per engine
    target_s: float  # duration of one sample
    warmup_s: float  # minimum warm-up per engine (at least 2 steps)
    clock: str = "cpu"  # a key of CLOCKS


QUICK = TimingSettings(rounds=5, target_s=0.03, warmup_s=0.1)
FULL = TimingSettings(rounds=25, target_s=0.1, warmup_s=0.3)
SMOKE = TimingSettings(rounds=2, target_s=0.002, warmup_s=0.0)


@dataclass(frozen=True)
class Timing:
    """Seconds per step: the median, and every sample (each already divided by ``inner``)."""

    median_s: float
    samples_s: tuple[float, ...]
    inner: int

    def to_json(self) -> dict:
        return {"median_s": self.median_s, "samples_s": list(self.samples_s), "inner": self.inner}


def _run(runner: Prepared, steps: int, clock: str) -> float:
    """Seconds for ``steps`` steps, including waiting for asynchronous results."""
    now = CLOCKS[clock]
    start = now()
    for _ in range(steps):
        runner.step()
    runner.sync()
    return now() - start


def warm_up_and_calibrate(runner: Prepared, settings: TimingSettings) -> int:
    """Run at least ``warmup_s`` (and 2 steps); return the inner count for one sample."""
    steps, elapsed = 0, 0.0
    while steps < 2 or elapsed < settings.warmup_s:
        elapsed += _run(runner, 1, settings.clock)
        steps += 1
    probe = max(1, steps // 2)  # re-measure warm: the first steps may include compilation
    per_step = max(_run(runner, probe, settings.clock), 1e-9) / probe
    return max(1, round(settings.target_s / per_step))


def interleaved(runners: dict[str, Prepared], settings: TimingSettings) -> dict[str, Timing]:
    """Median seconds per step of every runner, sampled round-robin."""
    inner = {name: warm_up_and_calibrate(r, settings) for name, r in runners.items()}
    gc.freeze()  # what exists now (modules, runners) leaves the collector's view: cheap collects
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(settings.rounds):
        for name, runner in runners.items():
            gc.collect()  # do not bill one engine for another's garbage
            samples[name].append(_run(runner, inner[name], settings.clock) / inner[name])
    gc.unfreeze()
    return {
        name: Timing(statistics.median(s), tuple(s), inner[name]) for name, s in samples.items()
    }
