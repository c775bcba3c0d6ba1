"""What a result depends on: date, machine, Python, numpy, BLAS, versions of the engines."""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import platform
import re
import socket
import subprocess
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def host_tag() -> str:
    """A short, file-name-safe host name."""
    name = socket.gethostname().split(".")[0] or "host"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:24]


def today() -> str:
    return datetime.date.today().isoformat()


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def blas_info() -> list[dict] | dict:
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries, else numpy's build config."""
    try:
        import threadpoolctl
    except ImportError:
        try:
            return np.show_config(mode="dicts").get("Build Dependencies", {})
        except TypeError:  # numpy without mode=: keep the printed text
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                np.show_config()
            return {"show_config": text.getvalue()}
    return [
        {k: v for k, v in lib.items() if k != "filepath"} for lib in threadpoolctl.threadpool_info()
    ]


def git_revision() -> str:
    """The repository's commit (with '+dirty' for uncommitted changes), or 'unknown'."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "autograd", "nn"], cwd=REPO, capture_output=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (commit or "unknown") + ("+dirty" if dirty else "")


def describe() -> dict:
    """Everything about this process and machine that a reader of the results needs."""
    return {
        "date": today(),
        "host": host_tag(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "blas_env": {name: os.environ[name] for name in BLAS_ENV if name in os.environ},
        "chainrule_commit": git_revision(),
    }
