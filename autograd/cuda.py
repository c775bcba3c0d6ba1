"""`autograd.cuda`: what PyTorch programs ask of CUDA before choosing a device.

chainrule computes on the CPU with numpy, so no GPU is ever available; these answer as
PyTorch does on a machine without one, so `device = "cuda" if autograd.cuda.is_available()
else "cpu"` picks the CPU. `autograd.accelerator` and `autograd.backends.mps` (PyTorch's
other ways to ask) answer from here too.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: chainrule has no GPU backend."""
    return False


def device_count() -> int:
    """0: no GPU."""
    return 0


def manual_seed(seed: int) -> None:
    """Accepted and ignored (there is no GPU generator), as PyTorch does without CUDA."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as PyTorch does without CUDA."""


def current_accelerator(check_available: bool = False) -> None:
    """None: no accelerator (torch.accelerator.current_accelerator() without one)."""
    return None
