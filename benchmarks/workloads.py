"""The benchmark workloads: sizes, data and initial weights, identical for every engine.

Parameters are a flat list ``[W1, b1, W2, b2, ...]`` with ``W_k`` of shape (fan_in, fan_out)
and ``b_k`` of shape (fan_out,), so a layer is ``h @ W_k + b_k``; W7's convolution weights
are (out_channels, in_channels, 3, 3), PyTorch's layout, and its last layer is as above.
Engines whose layers store the transpose (PyTorch) transpose on load and on gradient
read-out. W1 has one parameter, the scalar point ``x`` (shape ()).

Data are synthetic and seeded: timing depends on shapes and dtypes, not on pixel values
(W3 has the shape of the lecture's MNIST test set, 10,000 x 784).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 20240611


@dataclass(frozen=True)
class ScalarSpec:
    """W1: the gradient of ``x**4 - 2*x**2`` at the scalar ``x0``."""

    x0: float = 1.3
    dtype: str = "float64"


@dataclass(frozen=True)
class MLPSpec:
    """A fully connected net ``sizes[0] -> ... -> sizes[-1]`` trained by plain SGD.

    The activation follows every layer but the last; ``loss`` is ``"cross_entropy"``
    (softmax over ``sizes[-1]`` classes, integer labels, batch mean) or ``"mse"``
    (mean over all output elements).
    """

    sizes: tuple[int, ...]
    activation: str
    loss: str
    batch: int
    dtype: str
    lr: float
    # "c": nn adapters receive row-major (out, in) weights through `weight.data = ...`, as
    # after loading a PyTorch state_dict or assigning an array (W5-C)
    weight_layout: str = "default"


@dataclass(frozen=True)
class CNNSpec:
    """A LeNet-style net on (batch, 1, image, image) inputs trained by plain SGD: two blocks
    of a 3x3 convolution (no padding) + ReLU + 2x2 max-pool (stride 2, floor), then a
    linear layer to ``classes`` logits; softmax cross-entropy, integer labels."""

    image: int
    channels: tuple[int, int]
    classes: int
    batch: int
    dtype: str
    lr: float

    @property
    def flat(self) -> int:
        """Features entering the linear layer: channels[1] * side**2."""
        side = self.image
        for _ in self.channels:
            side = (side - 2) // 2
        return self.channels[1] * side * side


Spec = ScalarSpec | MLPSpec | CNNSpec


@dataclass(frozen=True)
class WorkloadDef:
    """A named workload with its full-size and smoke-size specs."""

    key: str
    title: str
    full: Spec
    smoke: Spec
    unit: str = "ms"  # how the table reports time per step: "us" or "ms"


def _deep_narrow(depth: int, width: int, batch: int) -> MLPSpec:
    sizes = (width,) * (depth + 1) + (1,)
    return MLPSpec(sizes, "tanh", "mse", batch, "float64", lr=0.01)


DEFINITIONS: tuple[WorkloadDef, ...] = (
    WorkloadDef(
        "W1",
        "double well: d/dx (x**4 - 2x**2) at a scalar, per gradient",
        ScalarSpec(),
        ScalarSpec(),
        unit="us",
    ),
    WorkloadDef(
        "W2-f32",
        "MLP 784-128-10 ReLU, softmax CE, SGD, batch 256, float32",
        MLPSpec((784, 128, 10), "relu", "cross_entropy", 256, "float32", lr=0.1),
        MLPSpec((12, 8, 3), "relu", "cross_entropy", 6, "float32", lr=0.1),
    ),
    WorkloadDef(
        "W2-f64",
        "MLP 784-128-10 ReLU, softmax CE, SGD, batch 256, float64",
        MLPSpec((784, 128, 10), "relu", "cross_entropy", 256, "float64", lr=0.1),
        MLPSpec((12, 8, 3), "relu", "cross_entropy", 6, "float64", lr=0.1),
    ),
    WorkloadDef(
        "W3",
        "MLP 784-128-10 ReLU, softmax CE, SGD, full batch 10,000, float32",
        MLPSpec((784, 128, 10), "relu", "cross_entropy", 10_000, "float32", lr=0.1),
        MLPSpec((12, 8, 3), "relu", "cross_entropy", 40, "float32", lr=0.1),
    ),
    WorkloadDef(
        "W4",
        "deep narrow: 16 tanh layers of width 32 (+ linear 32-1), MSE, batch 32, float64",
        _deep_narrow(depth=16, width=32, batch=32),
        _deep_narrow(depth=3, width=4, batch=4),
    ),
    WorkloadDef(
        "W5",
        "regression 4096-100-100-1 ReLU, MSE, SGD, batch 32, float32",
        MLPSpec((4096, 100, 100, 1), "relu", "mse", 32, "float32", lr=0.01),
        MLPSpec((16, 6, 6, 1), "relu", "mse", 4, "float32", lr=0.01),
    ),
    WorkloadDef(
        "W5-C",
        "W5 with row-major weights assigned through .data (as loaded from PyTorch)",
        MLPSpec((4096, 100, 100, 1), "relu", "mse", 32, "float32", lr=0.01, weight_layout="c"),
        MLPSpec((16, 6, 6, 1), "relu", "mse", 4, "float32", lr=0.01, weight_layout="c"),
    ),
    WorkloadDef(
        "W6",
        "tiny MLP 4-16-16-1 ReLU, MSE, SGD, batch 8, float64",
        MLPSpec((4, 16, 16, 1), "relu", "mse", 8, "float64", lr=0.01),
        MLPSpec((4, 16, 16, 1), "relu", "mse", 8, "float64", lr=0.01),
    ),
    WorkloadDef(
        "W7",
        "LeNet-style CNN: 2x (conv 3x3 + ReLU + max-pool 2x2) + linear, 28x28, batch 64, float32",
        CNNSpec(28, (8, 16), 10, 64, "float32", lr=0.05),
        CNNSpec(14, (2, 3), 4, 4, "float32", lr=0.05),
    ),
)

# peers adapted to the MLP and scalar workloads only (no convolution written for them)
WITHOUT_CNN = frozenset(d.key for d in DEFINITIONS if not isinstance(d.full, CNNSpec))

MEMORY_KEY = "MEM"
MEMORY_STEPS = 20
MEMORY_SOURCE = "W3"  # the memory workload trains this one for MEMORY_STEPS steps


@dataclass
class Workload:
    """One workload instantiated at one scale: spec, data and initial parameters.

    ``x``: (batch, sizes[0]) inputs; ``y``: (batch,) int64 labels for cross-entropy or
    (batch, 1) targets for MSE; ``params``: the initial parameters (never mutated: every
    engine copies them).
    """

    key: str
    title: str
    unit: str
    spec: Spec
    params: list[np.ndarray]
    x: np.ndarray | None = None
    y: np.ndarray | None = None

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.spec, ScalarSpec)

    @property
    def is_cnn(self) -> bool:
        return isinstance(self.spec, CNNSpec)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.spec.dtype)


def _mlp_params(spec: MLPSpec, rng: np.random.Generator) -> list[np.ndarray]:
    """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights and biases, PyTorch's default."""
    params = []
    for fan_in, fan_out in zip(spec.sizes[:-1], spec.sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(spec.dtype))
        params.append(rng.uniform(-bound, bound, (fan_out,)).astype(spec.dtype))
    return params


def _mlp_data(spec: MLPSpec, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((spec.batch, spec.sizes[0])).astype(spec.dtype)
    if spec.loss == "cross_entropy":
        y = rng.integers(0, spec.sizes[-1], spec.batch).astype(np.int64)
    else:
        y = rng.standard_normal((spec.batch, spec.sizes[-1])).astype(spec.dtype)
    return x, y


def _cnn_params(spec: CNNSpec, rng: np.random.Generator) -> list[np.ndarray]:
    """[w1 (c1, 1, 3, 3), b1, w2 (c2, c1, 3, 3), b2, W (flat, classes), b]: PyTorch's
    default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for every tensor."""
    c1, c2 = spec.channels
    params = []
    for shape, fan_in in (((c1, 1, 3, 3), 9), ((c2, c1, 3, 3), c1 * 9)):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(spec.dtype))
        params.append(rng.uniform(-bound, bound, shape[:1]).astype(spec.dtype))
    bound = 1.0 / np.sqrt(spec.flat)
    params.append(rng.uniform(-bound, bound, (spec.flat, spec.classes)).astype(spec.dtype))
    params.append(rng.uniform(-bound, bound, (spec.classes,)).astype(spec.dtype))
    return params


def build(definition: WorkloadDef, smoke: bool = False) -> Workload:
    """Instantiate ``definition`` at full or smoke size with seeded data and weights."""
    spec = definition.smoke if smoke else definition.full
    rng = np.random.default_rng(SEED)
    if isinstance(spec, ScalarSpec):
        params = [np.array(spec.x0, dtype=spec.dtype)]
        return Workload(definition.key, definition.title, definition.unit, spec, params)
    if isinstance(spec, CNNSpec):
        params = _cnn_params(spec, rng)
        x = rng.standard_normal((spec.batch, 1, spec.image, spec.image)).astype(spec.dtype)
        y = rng.integers(0, spec.classes, spec.batch).astype(np.int64)
        return Workload(definition.key, definition.title, definition.unit, spec, params, x, y)
    params = _mlp_params(spec, rng)
    x, y = _mlp_data(spec, rng)
    return Workload(definition.key, definition.title, definition.unit, spec, params, x, y)


def select(patterns: list[str] | None) -> list[WorkloadDef]:
    """Workload definitions whose key starts with one of ``patterns`` (all if None).

    ``W2`` selects both ``W2-f32`` and ``W2-f64``; ``MEM`` is handled by the runner.
    """
    if not patterns:
        return list(DEFINITIONS)
    known = [d.key for d in DEFINITIONS] + [MEMORY_KEY]
    unknown = [p for p in patterns if not any(k.upper().startswith(p.upper()) for k in known)]
    if unknown:
        raise SystemExit(f"unknown workload(s) {unknown}; choose from {known}")
    return [d for d in DEFINITIONS if any(d.key.upper().startswith(p.upper()) for p in patterns)]


def definition(key: str) -> WorkloadDef:
    """The definition with exactly this key."""
    for d in DEFINITIONS:
        if d.key == key:
            return d
    raise KeyError(f"no workload {key!r}; known: {[d.key for d in DEFINITIONS]}")
