"""The benchmark runner: ``python -m benchmarks.run [--quick | --smoke] [--workloads ...]``.

Checks every engine's gradients against the numpy reference, times the workloads with
interleaved repeats, measures W3's training memory, prints the table and writes
results/<date>-<host>.json and .md (and results/LATEST.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from benchmarks import environment, numpy_ref, report, threads, timing
from benchmarks.engines import chainrule_engine, hips_engine
from benchmarks.engines.base import Engine
from benchmarks.memory import MEASURABLE, training_peak
from benchmarks.registry import ALL_NAMES, DEFAULTS, IN_PROCESS, OPTIONAL, SUBPROCESS
from benchmarks.suite import run_workload
from benchmarks.workloads import MEMORY_KEY, MEMORY_SOURCE, MEMORY_STEPS, build, definition, select


@dataclass(frozen=True)
class Mode:
    name: str
    timing: timing.TimingSettings
    memory_steps: int
    smoke: bool = False  # tiny sizes; thread limits and results files left alone


MODES = {
    "full": Mode("full", timing.FULL, MEMORY_STEPS),
    "quick": Mode("quick", timing.QUICK, memory_steps=8),
    "smoke": Mode("smoke", timing.SMOKE, memory_steps=3, smoke=True),
}


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
        help=f"comma list from {ALL_NAMES} (default: all but eager jax with --quick, "
        "all but JAX with --smoke, else all)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="math-library threads per engine (default 1)"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(timing.CLOCKS),
        default="cpu",
        help="cpu: process CPU time (default, robust to other load); wall: elapsed time",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="record an engine that raises (other than a gradient mismatch) and go on",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    parser.add_argument("--out", type=Path, default=report.RESULTS, help="results directory")
    return parser.parse_args(argv)


def requested_engines(spec: str | None, mode: Mode) -> list[str]:
    names = [n.strip() for n in spec.split(",")] if spec else list(DEFAULTS[mode.name])
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
    if engine.name == "chainrule":
        adapter = "nn" if chainrule_engine.nn_available() else "raw tensors: nn incomplete"
        return f"commit {environment.git_revision()} ({adapter})"
    if engine.name.startswith("chainrule"):
        return f"commit {environment.git_revision()}"
    return engine.version()


def measure_memory(engines: list[Engine], mode: Mode) -> dict:
    """Peak traced memory of MEMORY_SOURCE training, per measurable engine."""
    workload = build(definition(MEMORY_SOURCE), mode.smoke)
    reference = training_peak(numpy_ref.ENGINE, workload, mode.memory_steps)
    memory = {numpy_ref.NAME: reference.to_json()}
    for engine in engines:
        if engine.name in MEASURABLE and engine.name != numpy_ref.NAME:
            memory[engine.name] = training_peak(engine, workload, mode.memory_steps).to_json()
    for entry in memory.values():
        entry["reference_peak_bytes"] = reference.peak_bytes
    return memory


def run_hips(keys: list[str], mode: Mode, memory: bool, thread_count: int) -> dict:
    """Run benchmarks/hips_worker.py in the HIPS venv and return its JSON answer."""
    request = {
        "workloads": keys,
        "smoke": mode.smoke,
        "settings": asdict(mode.timing),
        "threads": thread_count,
    }
    if memory:
        request["memory"] = {"source": MEMORY_SOURCE, "steps": mode.memory_steps}
    worker = Path(__file__).resolve().parent / "hips_worker.py"
    done = subprocess.run(
        [str(hips_engine.venv_python()), str(worker)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=environment.REPO,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},  # HIPS first on the path
    )
    if done.returncode != 0:
        raise RuntimeError(f"hips_worker failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def merge_hips(results: dict, answer: dict) -> None:
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
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    mode = replace(mode, timing=replace(mode.timing, clock=args.clock))
    patterns = [p.strip() for p in args.workloads.split(",")] if args.workloads else None
    definitions = select(patterns)
    with_memory = patterns is None or any(MEMORY_KEY.startswith(p.upper()) for p in patterns)

    if not mode.smoke:  # smoke timings mean nothing: leave the caller's process as it is
        threads.limit_before_imports(args.threads)
    engines, with_hips, skipped, versions = available_engines(requested_engines(args.engines, mode))
    threads_set = not mode.smoke and threads.limit_loaded(args.threads)
    results = {
        "environment": environment.describe(),
        "mode": mode.name,
        "settings": {**asdict(mode.timing), "threads": args.threads if threads_set else "default"},
        "versions": versions,
        "skipped": skipped,
        "workloads": {},
        "memory": {},
        "memory_steps": mode.memory_steps,
    }
    print(f"benchmarks ({mode.name}): engines {[e.name for e in engines]}", flush=True)
    for name, why in skipped.items():
        print(f"  skipped {name}: {why}", flush=True)

    started = time.perf_counter()
    for d in definitions:
        chosen = [e for e in engines if e.supports(d.key)]
        result = run_workload(build(d, mode.smoke), chosen, mode.timing, args.keep_going)
        results["workloads"][d.key] = result.to_json()
        print(f"  {d.key}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    if with_memory:
        results["memory"] = measure_memory(engines, mode)
        print(f"  {MEMORY_KEY}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    if with_hips:
        keys = [d.key for d in definitions if hips_engine.ENGINE.supports(d.key)]
        merge_hips(results, run_hips(keys, mode, with_memory, args.threads))
        print(f"  {SUBPROCESS}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    print()
    print(report.markdown(results))
    if not (mode.smoke or args.no_write):
        json_path, md_path = report.write(results, args.out)
        print(f"wrote {json_path} and {md_path}")
    return results


if __name__ == "__main__":
    main()
