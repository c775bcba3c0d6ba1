"""The benchmark runner: ``python -m benchmarks.run [--quick | --smoke] [--workloads ...]``.

Checks every engine's gradients against the numpy reference, times the workloads with
interleaved repeats, measures W3's training memory, prints the table and writes
results/<date>-<host>.json and .md (and results/LATEST.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks import environment, numpy_ref, report
from benchmarks.engines import hips_engine
from benchmarks.engines.base import Engine
from benchmarks.memory import MEASURABLE, training_peak
from benchmarks.registry import (
    ALL_NAMES,
    DEFAULT_ORDER,
    IN_PROCESS,
    OPTIONAL,
    SMOKE_DEFAULT,
    SUBPROCESS,
)
from benchmarks.suite import run_workload
from benchmarks.timing import FULL, QUICK, SMOKE, TimingSettings
from benchmarks.workloads import MEMORY_KEY, MEMORY_SOURCE, MEMORY_STEPS, build, definition, select

SMOKE_MEMORY_STEPS = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer, shorter repeats (~1 min)")
    mode.add_argument(
        "--smoke", action="store_true", help="tiny sizes, seconds; checks gradients (CI)"
    )
    parser.add_argument("--workloads", help="comma list, e.g. W1,W2,MEM (default: all)")
    parser.add_argument(
        "--engines",
        help=f"comma list from {ALL_NAMES} (default: {DEFAULT_ORDER}; --smoke: no JAX)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="record an engine that raises (other than a gradient mismatch) and go on",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    parser.add_argument("--out", type=Path, default=report.RESULTS, help="results directory")
    return parser.parse_args(argv)


def _requested_engines(spec: str | None, smoke: bool) -> list[str]:
    default = SMOKE_DEFAULT if smoke else DEFAULT_ORDER
    names = [n.strip() for n in spec.split(",")] if spec else list(default)
    unknown = [n for n in names if n not in ALL_NAMES]
    if unknown:
        raise SystemExit(f"unknown engine(s) {unknown}; choose from {ALL_NAMES}")
    return names


def available_engines(names: list[str]) -> tuple[list[Engine], bool, dict[str, str], dict]:
    """(in-process engines that import, whether HIPS runs, skipped name -> why, versions)."""
    engines, skipped, versions = [], {}, {}
    for name in names:
        if name == SUBPROCESS:
            continue
        engine = IN_PROCESS.get(name) or OPTIONAL[name]
        reason = engine.unavailable_reason()
        if reason is None:
            engines.append(engine)
            versions[name] = _version(engine)
        else:
            skipped[name] = f"not importable ({reason}); install: {engine.install}"
    hips = SUBPROCESS in names and hips_engine.venv_python() is not None
    if SUBPROCESS in names and not hips:
        skipped[SUBPROCESS] = f"no venv at {hips_engine.VENV}; install: {hips_engine.INSTALL}"
    return engines, hips, skipped, versions


def _version(engine: Engine) -> str:
    if engine.name.startswith("chainrule"):
        return f"commit {environment.git_revision()}"
    return engine.version()


def run_hips(keys: list[str], smoke: bool, settings: TimingSettings, memory: bool) -> dict:
    """Run benchmarks/hips_worker.py in the HIPS venv and return its JSON answer."""
    request = {"workloads": keys, "smoke": smoke, "settings": asdict(settings)}
    if memory:
        steps = SMOKE_MEMORY_STEPS if smoke else MEMORY_STEPS
        request["memory"] = {"source": MEMORY_SOURCE, "steps": steps}
    worker = Path(__file__).resolve().parent / "hips_worker.py"
    done = subprocess.run(
        [str(hips_engine.venv_python()), str(worker)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=environment.REPO,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hips_worker failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def measure_memory(engines: list[Engine], smoke: bool) -> dict:
    """Peak traced memory of MEMORY_SOURCE training, per measurable engine."""
    workload = build(definition(MEMORY_SOURCE), smoke)
    steps = SMOKE_MEMORY_STEPS if smoke else MEMORY_STEPS
    reference = training_peak(numpy_ref.ENGINE, workload, steps)
    memory = {numpy_ref.NAME: reference.to_json()}
    for engine in engines:
        if engine.name in MEASURABLE and engine.name != numpy_ref.NAME:
            memory[engine.name] = training_peak(engine, workload, steps).to_json()
    for entry in memory.values():
        entry["reference_peak_bytes"] = reference.peak_bytes
    return memory


def _merge_hips(results: dict, answer: dict) -> None:
    """Add the worker's HIPS cells (ratios are to the worker's own numpy-ref run)."""
    results["versions"][SUBPROCESS] = answer["version"]
    results["hips_environment"] = answer["environment"]
    for key, workload in answer["workloads"].items():
        cell = workload["cells"][SUBPROCESS]
        cell["reference_median_s"] = workload["cells"][numpy_ref.NAME]["median_s"]
        results["workloads"][key]["cells"][SUBPROCESS] = cell
    if answer["memory"]:
        hips = answer["memory"][SUBPROCESS]
        hips["reference_peak_bytes"] = answer["memory"][numpy_ref.NAME]["peak_bytes"]
        results["memory"][SUBPROCESS] = hips


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    settings = SMOKE if args.smoke else QUICK if args.quick else FULL
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    patterns = [p.strip() for p in args.workloads.split(",")] if args.workloads else None
    definitions = select(patterns)
    with_memory = patterns is None or any(MEMORY_KEY.startswith(p.upper()) for p in patterns)

    engines, with_hips, skipped, versions = available_engines(
        _requested_engines(args.engines, args.smoke)
    )
    results = {
        "environment": environment.describe(),
        "mode": mode,
        "settings": asdict(settings),
        "versions": versions,
        "skipped": skipped,
        "workloads": {},
        "memory": {},
        "memory_steps": SMOKE_MEMORY_STEPS if args.smoke else MEMORY_STEPS,
    }
    print(f"benchmarks ({mode}): engines {[e.name for e in engines]}", flush=True)
    for name, why in skipped.items():
        print(f"  skipped {name}: {why}", flush=True)

    started = time.perf_counter()
    for d in definitions:
        workload = build(d, args.smoke)
        chosen = [e for e in engines if e.supports(d.key)]
        result = run_workload(workload, chosen, settings, args.keep_going)
        results["workloads"][d.key] = result.to_json()
        print(f"  {d.key}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    if with_memory:
        results["memory"] = measure_memory(engines, args.smoke)
        print(f"  {MEMORY_KEY}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    if with_hips:
        keys = [d.key for d in definitions]
        _merge_hips(results, run_hips(keys, args.smoke, settings, with_memory))
        print(f"  {SUBPROCESS}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    print()
    print(report.markdown(results))
    if not (args.smoke or args.no_write):
        json_path, md_path = report.write(results, args.out)
        print(f"wrote {json_path} and {md_path}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
