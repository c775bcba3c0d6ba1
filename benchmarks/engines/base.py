"""What every engine adapter provides: an ``Engine`` description and a ``Prepared`` runner."""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from benchmarks.workloads import Workload


class Prepared(Protocol):
    """One engine set up on one workload, holding its own copy of the parameters."""

    def gradients(self) -> list[np.ndarray]:
        """Gradients of the loss at the current parameters (no update), in ``params`` order
        and layout: ``[dW1, db1, ...]`` with ``dW`` (fan_in, fan_out); W1: ``[df/dx]``."""
        ...

    def step(self) -> None:
        """One timed unit: forward + backward + SGD update (W1: one gradient)."""
        ...

    def sync(self) -> None:
        """Wait for queued asynchronous work (JAX); a no-op for eager engines."""
        ...


@dataclass(frozen=True)
class Engine:
    """An engine the suite can time: how to probe, install and prepare it."""

    name: str
    import_name: str  # imported to decide whether the engine is available
    install: str  # the hint printed when it is missing
    prepare: Callable[[Workload], Prepared]
    distribution: str | None = None  # package whose version is recorded
    workloads: frozenset[str] | None = None  # None: every workload
    required: tuple[str, ...] = ()  # attributes the imported module must have

    def supports(self, key: str) -> bool:
        return self.workloads is None or key in self.workloads

    def unavailable_reason(self) -> str | None:
        """None if the engine imports, else why not (the import error)."""
        try:
            module = importlib.import_module(self.import_name)
        except Exception as error:  # a broken install is as unavailable as a missing one
            return f"{type(error).__name__}: {error}"
        missing = [name for name in self.required if not hasattr(module, name)]
        return f"{self.import_name} has no {', '.join(missing)}" if missing else None

    def version(self) -> str:
        try:
            return importlib.metadata.version(self.distribution or self.import_name)
        except importlib.metadata.PackageNotFoundError:
            module = importlib.import_module(self.import_name)
            return str(getattr(module, "__version__", "unknown"))


class EagerPrepared:
    """Base for eager engines: ``sync`` has nothing to wait for."""

    def sync(self) -> None:
        return None
