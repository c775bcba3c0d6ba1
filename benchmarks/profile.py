"""Profile one engine's training step: ``python -m benchmarks.profile W4 [--engine chainrule]``.

Runs the workload's step under cProfile after a warm-up and prints the functions with the
most own time (``--sort tottime``, default) or cumulative time, each as microseconds per
step, so the numbers read next to the benchmark table. The gradient check runs first.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from benchmarks import numpy_ref
from benchmarks.registry import IN_PROCESS, OPTIONAL
from benchmarks.suite import check_gradients
from benchmarks.workloads import build, definition


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("workload", help="a workload key, e.g. W1, W2-f32, W4")
    parser.add_argument("--engine", default="chainrule", help="default: chainrule")
    parser.add_argument("--steps", type=int, default=0, help="steps to profile (default: ~2 s)")
    parser.add_argument("--sort", choices=("tottime", "cumtime"), default="tottime")
    parser.add_argument("--top", type=int, default=25, help="rows to print")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    engine = {**IN_PROCESS, **OPTIONAL}[args.engine]
    workload = build(definition(args.workload))
    runner = engine.prepare(workload)
    check_gradients(engine.name, runner, numpy_ref.prepare(workload), workload)

    start = time.process_time()
    for _ in range(3):
        runner.step()
    per_step = max(time.process_time() - start, 1e-6) / 3
    steps = args.steps or max(1, int(2.0 / per_step))

    profiler = cProfile.Profile(time.process_time)  # CPU time: robust to other load
    profiler.enable()
    for _ in range(steps):
        runner.step()
    runner.sync()
    profiler.disable()

    stats = pstats.Stats(profiler)
    total = stats.total_tt / steps * 1e6
    calls = stats.total_calls / steps
    print(
        f"{engine.name} on {workload.key}: {steps} steps, {total:.1f} us per step profiled, "
        f"{calls:.0f} Python-level calls per step"
    )
    print(f"{'own us/step':>12} {'cum us/step':>12} {'calls/step':>10}  function")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2 if args.sort == "tottime" else 3])
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[::-1][: args.top]:
        where = f"{_short(filename)}:{line}({name})" if line else name
        print(
            f"{own / steps * 1e6:12.2f} {cumulative / steps * 1e6:12.2f} "
            f"{calls / steps:10.1f}  {where}"
        )


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


if __name__ == "__main__":
    main()
