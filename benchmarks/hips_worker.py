"""HIPS autograd vs numpy-ref, run inside benchmarks/.venv-hips (see engines/hips_engine.py).

Started by the runner as ``<venv python> benchmarks/hips_worker.py`` with a JSON request on
stdin; prints one JSON document on stdout. Being a script in benchmarks/, it starts with
benchmarks/ (not the repository root) on sys.path, so ``import autograd`` finds HIPS; only
then is the repository root appended to import the suite.
"""

import json
import sys
from pathlib import Path

import autograd  # HIPS autograd from the venv: must come before the repository root

REPO = Path(__file__).resolve().parents[1]
sys.path.append(str(REPO))

from benchmarks import environment, numpy_ref, threads  # noqa: E402
from benchmarks.engines import hips_engine  # noqa: E402
from benchmarks.memory import training_peak  # noqa: E402
from benchmarks.suite import run_workload  # noqa: E402
from benchmarks.timing import TimingSettings  # noqa: E402
from benchmarks.workloads import build, definition  # noqa: E402


def main() -> None:
    if Path(autograd.__file__).resolve().parent == REPO / "autograd":
        raise SystemExit(f"hips_worker: imported chainrule's autograd ({autograd.__file__})")
    request = json.load(sys.stdin)
    if not request["smoke"]:
        threads.limit_loaded(request["threads"])
    settings = TimingSettings(**request["settings"])
    smoke = request["smoke"]
    engines = [hips_engine.ENGINE]
    workloads = {}
    for key in request["workloads"]:
        result = run_workload(build(definition(key), smoke), engines, settings)
        workloads[key] = result.to_json()
    memory = {}
    if request.get("memory"):
        workload = build(definition(request["memory"]["source"]), smoke)
        for engine in (numpy_ref.ENGINE, hips_engine.ENGINE):
            steps = request["memory"]["steps"]
            memory[engine.name] = training_peak(engine, workload, steps).to_json()
    answer = {
        "version": hips_engine.ENGINE.version(),
        "environment": environment.describe(),
        "workloads": workloads,
        "memory": memory,
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
