"""The benchmark suite in smoke mode: tiny sizes, real gradient checks, no timing asserts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import floor, overhead, run
from benchmarks.check import GradientMismatch
from benchmarks.engines import chainrule_engine
from benchmarks.workloads import DEFINITIONS

REPO = Path(__file__).resolve().parents[1]
# numpy-based engines start in milliseconds; peers that are not installed are skipped
FAST_ENGINES = "numpy-ref,chainrule,chainrule-captured,chainrule-raw,mygrad,micrograd"


def smoke(*extra: str) -> dict:
    return run.main(["--smoke", "--no-write", "--engines", FAST_ENGINES, *extra])


def test_smoke_checks_and_times_chainrule_on_every_workload():
    results = smoke()
    assert set(results["workloads"]) == {d.key for d in DEFINITIONS}
    for key, workload in results["workloads"].items():
        assert workload["errors"] == {}, key
        for engine in ("numpy-ref", "chainrule", "chainrule-captured", "chainrule-raw"):
            assert workload["cells"][engine]["median_s"] > 0, (key, engine)
    memory = results["memory"]
    assert memory["chainrule"]["peak_bytes"] > 0
    assert len(memory["chainrule"]["step_peaks"]) == results["memory_steps"]


def test_smoke_fails_when_a_gradient_is_off(monkeypatch):
    def off_by_a_little(tensor):
        return np.array(tensor.grad.numpy(), dtype=np.float64) * (1 + 1e-3)

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


def test_overhead_table_compares_like_with_like(capsys):
    rows = overhead.main(["--rounds", "1", "--target", "0.0002"])
    assert [r.name for r in rows][-1].startswith("W1")
    for row in rows:
        assert set(row.us) == {"numpy", "no_grad", "recorded", "+ backward"}
        assert all(t > 0 for t in row.us.values()), row
    assert "| linear(a, w, b) |" in capsys.readouterr().out


def test_floor_engine_gives_w1_gradient_and_refuses_an_input_changed_in_place(capsys):
    expected = 4 * floor.X0**3 - 4 * floor.X0
    assert float(floor.floor_gradient()) == pytest.approx(expected, rel=1e-15)
    result = floor.main(["--workloads", "W1", "--rounds", "1", "--calls", "3"])
    assert {floor.FLOOR, "chainrule eager"} <= set(result["W1"])
    assert "| chainrule eager |" in capsys.readouterr().out
    # the floor keeps chainrule's checks: a saved input changed after forward is refused
    x = floor.Tensor(np.array(floor.X0), requires_grad=True)
    y = x * x
    x.version[0] += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        floor.backward(y)


def test_floor_mlp_step_matches_numpy_ref_gradients_and_trains():
    steps = floor.mlp_steps("W6")  # checks the floor's gradients against numpy-ref's
    assert set(steps) == {"numpy-ref", floor.FLOOR, "chainrule eager"}
    result = floor.main(["--workloads", "W6", "--rounds", "1", "--calls", "20"])
    assert result["W6"]["numpy-ref"] > 0
    from benchmarks.workloads import build, definition

    workload = build(definition("W6"))
    mlp = floor.MLPStep(workload)
    before = mlp.params[0].data.copy()
    mlp.step()
    assert not np.array_equal(before, mlp.params[0].data)  # SGD moved the first weight
    with pytest.raises(ValueError, match="MSE only"):
        floor.mlp_steps("W2-f32")
    # W5 with row-major weights (float32): the floor's gradients checked against numpy-ref's
    assert set(floor.mlp_steps("W5-C")) == {"numpy-ref", floor.FLOOR, "chainrule eager"}


def test_overhead_refuses_a_case_that_computes_something_else():
    funcs = overhead.cases((2, 3))["a * b"]
    funcs["recorded"] = funcs["no_grad"].__call__  # still equal: passes
    overhead.check_same_values("a * b", funcs)
    funcs["no_grad"] = overhead.cases((2, 3))["a + b"]["no_grad"]
    with pytest.raises(AssertionError, match="no_grad differs"):
        overhead.check_same_values("a * b", funcs)


def test_kernel_comparison_times_the_same_numbers_in_numpy_and_torch():
    torch = pytest.importorskip("torch", reason="optional benchmark peer: pip install torch")
    from benchmarks import kernels

    found = kernels.cases(torch)
    assert len(found) == 2 * len(kernels.LAYERS) + 2
    for name, funcs in found.items():
        kernels.check_same_values(name, funcs)
    funcs = dict(found[next(iter(found))])
    funcs["torch"] = lambda: torch.zeros(1)
    with pytest.raises(AssertionError, match="torch and numpy disagree"):
        kernels.check_same_values("broken", funcs)


def test_kernel_comparison_says_what_to_install_without_torch(monkeypatch, capsys):
    from benchmarks import kernels, threads

    for name in threads.THREAD_ENV + ("XLA_FLAGS",):
        monkeypatch.setenv(name, "1")  # restored afterwards
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    assert kernels.main([]) == {}
    assert "pip install torch" in capsys.readouterr().out


def test_line_profile_of_a_step_covers_the_engine_and_the_ops_it_records(capsys):
    pytest.importorskip("line_profiler", reason="pip install line_profiler (in the test extra)")
    from benchmarks import profile

    profile.main(["W6", "--lines", "--steps", "2"])
    out = capsys.readouterr().out
    for name in ("Function.apply", "backward", "deliver", "Node.release", "Linear.backward"):
        assert f"Function: {name} at line" in out, name
