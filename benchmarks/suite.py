"""One workload against a set of engines: prepare, check gradients, time interleaved."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from benchmarks import numpy_ref
from benchmarks.check import GradientMismatch, assert_gradients_match
from benchmarks.engines.base import Engine, Prepared
from benchmarks.timing import Timing, TimingSettings, interleaved
from benchmarks.workloads import Workload


@dataclass
class Cell:
    """One engine on one workload: median seconds per step and the ratio to numpy-ref
    measured in the same process and run."""

    median_s: float
    ratio: float
    timing: Timing

    def to_json(self) -> dict:
        return {"median_s": self.median_s, "ratio": self.ratio, **self.timing.to_json()}


@dataclass
class WorkloadResult:
    key: str
    title: str
    unit: str
    cells: dict[str, Cell] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # engine -> what went wrong

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "unit": self.unit,
            "cells": {name: cell.to_json() for name, cell in self.cells.items()},
            "errors": self.errors,
        }


def check_gradients(name: str, runner: Prepared, reference: Prepared, workload: Workload) -> None:
    """Gradients equal at the initial weights, and again after one SGD step each."""
    dtype = workload.dtype
    for when in ("initial weights", "after one step"):
        want = reference.gradients()
        assert_gradients_match(name, workload.key, dtype, runner.gradients(), want, when)
        if workload.is_scalar:
            return
        reference.step()
        runner.step()


def run_workload(
    workload: Workload,
    engines: list[Engine],
    settings: TimingSettings,
    keep_going: bool = False,
) -> WorkloadResult:
    """Time ``engines`` (numpy-ref is added first) on ``workload`` after checking gradients.

    A gradient mismatch always raises GradientMismatch. Any other exception in an engine
    raises too, unless ``keep_going``: then it is recorded in ``errors`` and the engine
    is left out of the timing.
    """
    result = WorkloadResult(workload.key, workload.title, workload.unit)
    runners: dict[str, Prepared] = {numpy_ref.NAME: numpy_ref.prepare(workload)}
    for engine in engines:
        if engine.name == numpy_ref.NAME:
            continue
        try:
            runner = engine.prepare(workload)
            check_gradients(engine.name, runner, numpy_ref.prepare(workload), workload)
        except GradientMismatch:
            raise
        except Exception as error:
            if not keep_going:
                raise
            result.errors[engine.name] = f"{type(error).__name__}: {error}"
            traceback.print_exc()
            continue
        runners[engine.name] = engine.prepare(workload)  # fresh weights for timing

    timings = interleaved(runners, settings)
    reference_s = timings[numpy_ref.NAME].median_s
    for name, timing in timings.items():
        result.cells[name] = Cell(timing.median_s, timing.median_s / reference_s, timing)
    return result
