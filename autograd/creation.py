"""Making tensors: from data, filled, ranges and random draws (seedable generators).

Every constructor takes PyTorch's keywords: `dtype=`, `device=` (only the CPU exists:
another device raises an error that says so) and `requires_grad=`; the random ones take
`generator=`. Dtypes follow PyTorch's inference: Python floats give the default float
dtype, Python ints int64, bools bool; numpy arrays keep theirs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, as_array, get_default_dtype
from .types import as_dtype, check_device


class Generator:
    """A seedable source of random numbers, as torch.Generator: `Generator().manual_seed(0)`.

    Pass it as `generator=` to rand, randn, randint, randperm, multinomial, normal_,
    uniform_, nn.Dropout and nn.data.DataLoader. It wraps a numpy Generator (PCG64), so the
    numbers are reproducible from the seed but are not PyTorch's (see docs/pytorch.md);
    numpy's methods (`normal`, `permutation`, ...) are available on it directly.
    """

    def __init__(self, device: Any = "cpu") -> None:
        check_device(device, "Generator(device)")
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.rng = np.random.default_rng(self._seed)

    @property
    def device(self) -> Any:
        return check_device(None)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator, so `g = Generator().manual_seed(0)` reads well."""
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._seed

    def __repr__(self) -> str:  # no memory address: a notebook's output stays reproducible
        return f"Generator(initial_seed={self._seed})"

    def get_state(self) -> dict:
        """The generator's state (numpy's bit-generator state, a dict)."""
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self.rng.bit_generator.state = state
        return self

    def __getattr__(self, name: str) -> Any:  # numpy's draws: g.normal(...), g.permutation(n)
        if name == "rng":
            raise AttributeError(name)
        return getattr(self.rng, name)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator behind every random draw (randn, init, Dropout,
    shuffling) and return it, as torch.manual_seed."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Reseed the default generator from fresh entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The default generator's seed."""
    return default_generator.initial_seed()


def default_rng() -> np.random.Generator:
    """The numpy Generator behind the default generator: all of chainrule's randomness
    draws from it unless a `generator=` is given."""
    return default_generator.rng


def numpy_rng(generator: Any = None) -> np.random.Generator:
    """The numpy Generator to draw from: `generator` (an autograd.Generator or a numpy
    Generator) or the default one."""
    if generator is None:
        return default_generator.rng
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"generator: expected an autograd.Generator (or a numpy Generator), got "
        f"{type(generator).__name__}"
    )


def _make(array: np.ndarray, device: Any, requires_grad: bool, name: str) -> Tensor:
    if device is not None:
        check_device(device, f"{name}(device=...)")
    return Tensor(array, requires_grad)


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, device: Any = None) -> Tensor:
    """A new tensor holding a copy of `data` (Python floats: the default float dtype;
    ints: int64; bools: bool; numpy arrays keep their dtype)."""
    dtype = None if dtype is None else as_dtype(dtype)
    return _make(as_array(data, dtype, copy=True), device, requires_grad, "tensor")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory with a numpy array or tensor of that dtype
    (as torch.as_tensor); anything else is converted as `tensor` does."""
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype) == data.dtype):
        check_device(device, "as_tensor(device=...)")
        return data
    dtype = None if dtype is None else as_dtype(dtype)
    return _make(as_array(data, dtype), device, False, "as_tensor")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with the numpy array (its dtype kept), as torch.from_numpy."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _dtype(dtype: Any) -> np.dtype:
    return get_default_dtype() if dtype is None else as_dtype(dtype)


def _shape(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(
    *shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _make(np.zeros(_shape(shape), _dtype(dtype)), device, requires_grad, "zeros")


def ones(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    return _make(np.ones(_shape(shape), _dtype(dtype)), device, requires_grad, "ones")


def empty(
    *shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of the given shape (filled with zeros: numpy's empty would hold garbage)."""
    return _make(np.zeros(_shape(shape), _dtype(dtype)), device, requires_grad, "empty")


def full(
    shape: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor filled with `fill_value` (its dtype inferred as for `tensor` unless given)."""
    dtype = as_array(fill_value).dtype if dtype is None else as_dtype(dtype)
    return _make(np.full(shape, fill_value, dtype), device, requires_grad, "full")


def _like(t: Any, dtype: Any) -> tuple:
    array = as_array(t)
    return array.shape, array.dtype if dtype is None else as_dtype(dtype)


def zeros_like(
    t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape (and dtype) of `t`."""
    shape, dtype = _like(t, dtype)
    return _make(np.zeros(shape, dtype), device, requires_grad, "zeros_like")


def ones_like(t: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of `t`."""
    shape, dtype = _like(t, dtype)
    return _make(np.ones(shape, dtype), device, requires_grad, "ones_like")


def full_like(
    t: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """`fill_value` with the shape (and dtype) of `t`."""
    shape, dtype = _like(t, dtype)
    return _make(np.full(shape, fill_value, dtype), device, requires_grad, "full_like")


def arange(
    *args: float, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Evenly spaced values, as torch.arange: int64 when every argument is an int, else
    the default float dtype."""
    if dtype is None:
        integral = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)
        dtype = np.int64 if integral else get_default_dtype()
    return _make(np.arange(*args, dtype=as_dtype(dtype)), device, requires_grad, "arange")


def linspace(
    start: float,
    stop: float,
    steps: int = 50,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    *,
    num: int | None = None,
) -> Tensor:
    """`steps` evenly spaced values from start to stop (numpy's `num=` accepted too)."""
    steps = steps if num is None else num
    values = np.linspace(start, stop, steps, dtype=_dtype(dtype))
    return _make(values, device, requires_grad, "linspace")


def eye(
    n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """The identity matrix."""
    return _make(np.eye(n, m, dtype=_dtype(dtype)), device, requires_grad, "eye")


def randn(
    *shape: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal draws (from `generator`, else the default generator)."""
    values = numpy_rng(generator).standard_normal(_shape(shape)).astype(_dtype(dtype), copy=False)
    return _make(values, device, requires_grad, "randn")


def rand(
    *shape: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform draws on [0, 1) (from `generator`, else the default generator)."""
    values = numpy_rng(generator).random(_shape(shape)).astype(_dtype(dtype), copy=False)
    return _make(values, device, requires_grad, "rand")


def randn_like(t: Any, generator: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Standard normal draws with the shape (and dtype) of `t`."""
    shape, dtype = _like(t, dtype)
    return randn(shape, generator=generator, dtype=dtype, device=device)


def rand_like(t: Any, generator: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """Uniform draws on [0, 1) with the shape (and dtype) of `t`."""
    shape, dtype = _like(t, dtype)
    return rand(shape, generator=generator, dtype=dtype, device=device)


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (int64): randint(high, size) or
    randint(low, high, size), as torch.randint."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError(
                "randint: give the size, e.g. randint(0, 10, (3,)) or randint(10, (3,))"
            )
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: needs low < high, got low={low}, high={high}")
    dtype = np.int64 if dtype is None else as_dtype(dtype)
    values = numpy_rng(generator).integers(low, high, size=tuple(_shape(tuple(size)))).astype(dtype)
    return _make(values, device, False, "randint")


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    dtype = np.int64 if dtype is None else as_dtype(dtype)
    return _make(numpy_rng(generator).permutation(n).astype(dtype), device, False, "randperm")


def multinomial(
    input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    """Draw `num_samples` category indices per row of `input` (non-negative weights, not
    necessarily normalised; one row (C,) or rows (N, C)), int64, as torch.multinomial:
    without replacement each index appears at most once per row."""
    weights = np.asarray(as_array(input), dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-d or 2-d, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise ValueError("multinomial: weights must be finite and non-negative")
    totals = rows.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("multinomial: every row of weights must have a positive sum")
    if not replacement and num_samples > (rows > 0).sum(axis=1).min():
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from a row "
            f"with {(rows > 0).sum(axis=1).min()} nonzero weights; pass replacement=True"
        )
    rng = numpy_rng(generator)
    out = np.stack(
        [rng.choice(len(p), size=num_samples, replace=replacement, p=p) for p in rows / totals]
    ).astype(np.int64)
    return Tensor(out if weights.ndim == 2 else out[0])


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Normal draws: elementwise means and stds (tensors broadcast), or floats with `size`."""
    mean_a, std_a = as_array(mean), as_array(std)
    shape = np.broadcast_shapes(mean_a.shape, std_a.shape) if size is None else _shape(tuple(size))
    if dtype is None:
        dtype = mean_a.dtype if mean_a.dtype.kind == "f" else get_default_dtype()
    values = numpy_rng(generator).normal(mean_a, std_a, shape).astype(as_dtype(dtype), copy=False)
    return _make(values, device, False, "normal")
