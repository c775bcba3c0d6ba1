"""The benchmark suite in smoke mode: tiny sizes, real gradient checks, no timing asserts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import run
from benchmarks.check import GradientMismatch
from benchmarks.engines import chainrule_engine
from benchmarks.workloads import DEFINITIONS

REPO = Path(__file__).resolve().parents[1]
# numpy-based engines start in milliseconds; peers that are not installed are skipped
FAST_ENGINES = "numpy-ref,chainrule,chainrule-raw,mygrad,micrograd"


def smoke(*extra: str) -> dict:
    return run.main(["--smoke", "--no-write", "--engines", FAST_ENGINES, *extra])


def test_smoke_checks_and_times_chainrule_on_every_workload():
    results = smoke()
    assert set(results["workloads"]) == {d.key for d in DEFINITIONS}
    for key, workload in results["workloads"].items():
        assert workload["errors"] == {}, key
        for engine in ("numpy-ref", "chainrule", "chainrule-raw"):
            assert workload["cells"][engine]["median_s"] > 0, (key, engine)
    memory = results["memory"]
    assert memory["chainrule"]["peak_bytes"] > 0
    assert len(memory["chainrule"]["step_peaks"]) == results["memory_steps"]


def test_smoke_fails_when_a_gradient_is_off(monkeypatch):
    def off_by_a_little(tensor):
        return np.array(tensor.grad.data, dtype=np.float64) * (1 + 1e-3)

    monkeypatch.setattr(chainrule_engine, "_grad_array", off_by_a_little)
    with pytest.raises(GradientMismatch, match="chainrule on W2-f32 \\(initial weights\\)"):
        smoke("--workloads", "W2")


def test_smoke_fails_when_the_update_is_off(monkeypatch):
    def step_twice(self):
        self._backward()
        self.optimizer.step()
        self.optimizer.step()

    monkeypatch.setattr(chainrule_engine.ChainruleNNMLP, "step", step_twice)
    with pytest.raises(GradientMismatch, match="chainrule on W2-f64 \\(after one step\\)"):
        smoke("--workloads", "W2-f64", "--engines", "numpy-ref,chainrule")


def test_smoke_cli_runs_as_a_script():
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--no-write"]
        + ["--engines", "numpy-ref,chainrule", "--workloads", "W1,W4"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "| W4 |" in done.stdout and "chainrule" in done.stdout
