"""Profile one engine's training step: ``python -m benchmarks.profile W4 [--engine chainrule]``.

Runs the workload's step under cProfile after a warm-up and prints the functions with the
most own time (``--sort tottime``, default) or cumulative time, each as microseconds per
step, so the numbers read next to the benchmark table. The gradient check runs first.

``--lines`` instead runs line_profiler (``pip install line_profiler``) over chainrule's
engine: ``Function.apply``, the backward walk, ``propagate``, releasing a node, and the
backward formulas of the ops the step uses, and prints each line's share.
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
    parser.add_argument(
        "--lines", action="store_true", help="line_profiler over chainrule's engine instead"
    )
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
    if args.lines:
        profile_lines(runner, steps)
        return

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


def profile_lines(runner, steps: int) -> None:
    """Per-line times of the engine's hot functions over `steps` steps (times are inflated
    by the profiler; the shares rank the lines)."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        raise SystemExit("--lines needs line_profiler: pip install line_profiler") from None
    from autograd import engine, function

    profiler = LineProfiler()
    hot = [function.Function.apply.__func__, engine.backward, engine.deliver]
    hot += [function.Node.release, function.Node.saved_tensors.fget]
    for function_ in hot:
        profiler.add_function(function_)
    # the ops one step records: profile their backward formulas too
    ops = {node.op for node in _nodes_of_one_step(runner)}
    for op in sorted(ops, key=lambda op: op.__name__):
        profiler.add_function(op.backward)
    profiler.enable()
    for _ in range(steps):
        runner.step()
    profiler.disable()
    print(f"line profile over {steps} steps (times per line are summed over all steps)")
    profiler.print_stats(output_unit=1e-6, stripzeros=True)


def _nodes_of_one_step(runner) -> list:
    """The nodes one step records, captured by watching Function.apply."""
    from autograd import function

    seen = []
    original = function.Function.apply.__func__

    def watching(cls, *args, **kwargs):
        out = original(cls, *args, **kwargs)
        node = getattr(out, "grad_fn", None)
        if node is not None:
            seen.append(node)
        return out

    function.Function.apply = classmethod(watching)
    try:
        runner.step()
    finally:
        function.Function.apply = classmethod(original)
    return seen


def _short(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


if __name__ == "__main__":
    main()
