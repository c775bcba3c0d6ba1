"""The results table (markdown, also printed) and the JSON/markdown files in results/."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.workloads import MEMORY_SOURCE

DISPLAY_ORDER = (
    "numpy-ref",
    "chainrule",
    "chainrule-captured",
    "chainrule-raw",
    "torch",
    "mygrad",
    "hips-autograd",
    "jax-jit",
    "jax",
    "micrograd",
)
RESULTS = Path(__file__).resolve().parent / "results"


def format_seconds(seconds: float, unit: str) -> str:
    if unit == "us":
        return f"{seconds * 1e6:.2f} us"
    if seconds >= 0.1:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e3:.3g} ms"


def _columns(results: dict) -> list[str]:
    present = {name for w in results["workloads"].values() for name in (*w["cells"], *w["errors"])}
    return [name for name in DISPLAY_ORDER if name in present]


def _cell(workload: dict, name: str) -> str:
    if name in workload["errors"]:
        return "error"
    cell = workload["cells"].get(name)
    if cell is None:
        return "-"
    time = format_seconds(cell["median_s"], workload["unit"])
    return time if name == "numpy-ref" else f"{cell['ratio']:.2f} ({time})"


def timing_table(results: dict) -> str:
    """Markdown: a row per workload, a column per engine, 'ratio (time per step)'."""
    columns = _columns(results)
    lines = [
        "| workload | " + " | ".join(columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for key, workload in results["workloads"].items():
        label = f"{key} (per gradient)" if workload["unit"] == "us" else key
        lines.append(f"| {label} | " + " | ".join(_cell(workload, c) for c in columns) + " |")
    return "\n".join(lines)


def memory_table(results: dict) -> str:
    """Markdown: peak traced memory of training and its growth from step 2 to the last."""
    memory = results.get("memory") or {}
    if not memory:
        return ""
    lines = [
        "| engine | peak MB | vs numpy-ref | step 2 peak MB | last step peak MB | growth |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in (n for n in DISPLAY_ORDER if n in memory):
        m = memory[name]
        ratio = m["peak_bytes"] / m["reference_peak_bytes"]
        lines.append(
            f"| {name} | {m['peak_bytes'] / 2**20:.2f} | {ratio:.2f} | "
            f"{m['step_peaks'][1] / 2**20:.2f} | {m['step_peaks'][-1] / 2**20:.2f} | "
            f"{m['growth_step2_to_last']:.2f} |"
        )
    return "\n".join(lines)


def _blas_line(blas) -> str:
    if isinstance(blas, list):
        return "; ".join(
            f"{b.get('internal_api')} {b.get('version')} ({b.get('architecture', '?')}, "
            f"{b.get('num_threads')} threads, from {b.get('prefix')})"
            for b in blas
        )
    return json.dumps(blas)[:400]


def markdown(results: dict) -> str:
    env = results["environment"]
    versions = ", ".join(f"{name} {v}" for name, v in results["versions"].items())
    lines = [
        f"# Benchmark results, {env['date']} on {env['host']} ({results['mode']} mode)",
        "",
        "Median time per step over interleaved repeats; each engine's ratio is to the "
        "hand-written numpy reference measured in the same run (numpy-ref = 1.00, lower is "
        "better). Every engine's gradients were checked equal to numpy-ref before timing. "
        "hips-autograd runs in its own venv: its ratio is to a numpy-ref run in that process.",
        "",
    ]
    if results["workloads"]:
        lines += [timing_table(results), ""]
    memory = memory_table(results)
    if memory:
        lines += [
            f"Peak traced memory (tracemalloc) of {MEMORY_SOURCE} training for "
            f"{results['memory_steps']} steps; growth = peak of the last step / peak of step 2:",
            "",
            memory,
            "",
        ]
    if results["skipped"]:
        lines += ["Skipped:", ""]
        lines += [f"- {name}: {why}" for name, why in results["skipped"].items()]
        lines.append("")
    lines += [
        "Environment:",
        "",
        f"- CPU: {env['cpu']}, {env['cores']} cores; {env['platform']}",
        f"- Python {env['python']}, numpy {env['numpy']}; versions: {versions}",
        f"- BLAS: {_blas_line(env['blas'])}",
        f"- BLAS environment: {env['blas_env'] or 'none set'}",
        f"- chainrule commit: {env['chainrule_commit']}",
        f"- timing: {results['settings']}",
    ]
    return "\n".join(lines) + "\n"


def write(results: dict, directory: Path = RESULTS) -> tuple[Path, Path]:
    """Write <date>-<host>.json and .md, and copy the markdown to LATEST.md."""
    directory.mkdir(parents=True, exist_ok=True)
    env = results["environment"]
    stem = directory / f"{env['date']}-{env['host']}"
    text = markdown(results)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    stem.with_suffix(".md").write_text(text)
    (directory / "LATEST.md").write_text(text)
    return stem.with_suffix(".json"), stem.with_suffix(".md")
