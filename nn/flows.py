"""A synthetic stand-in for the Reynolds-number vorticity snapshots of
`nn.datasets.load_reynolds`: `make_vortex_streets`, used by notebook 04 when the real
file cannot be had (see docs/datasets.md). Needs numpy only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["REYNOLDS_VALUES", "make_vortex_streets"]

REYNOLDS_VALUES = (300, 600, 900, 1200)

# ----------------------------------------------------------------------------- vortex streets

# A Karman vortex street behind a cylinder, drawn rather than simulated. Lengths are in
# cylinder diameters D, speeds in the free-stream speed U, vorticity in U / D, time in
# shedding periods. The cylinder sits at the origin; a picture covers x in [-1, 11] (left
# to right) and y in [3, -3] (top to bottom), stretched onto a square grid.
_X_RANGE, _Y_HALF = (-1.0, 11.0), 3.0
_PERIODS = 40.0  # length of the flow history each Reynolds number's snapshots come from
_CONVECTION = 0.85  # vortices travel downstream at 0.85 U
_CIRCULATION = 2.0  # of each shed vortex, in U D
_CORE = 0.3  # core radius of a newly shed vortex
_EDDY_VISCOSITY = 2.0  # cores grow like r^2 = r0^2 + 4 (2 / Re) t
_DRIFT = 0.15  # how far (D per period of age, times disorder) vortices stray off the street
_STRENGTH_SPREAD = 0.15  # relative spread of vortex circulations, times disorder
_TURBULENCE = 1.0  # rms of the small-scale wake vorticity, times disorder and peak
_EDDY_BAND = (0.5, 2.0)  # wavenumbers of the small eddies, cycles per D
_FLAP, _WANDER = 0.4, 0.15  # shear-layer flapping amplitude, separation-point wander (D)
_SENSOR_NOISE = 0.02  # rms of per-pixel noise, times the peak vortex vorticity
_PEAK = _CIRCULATION / (np.pi * _CORE**2)  # vorticity at the centre of a new vortex


def make_vortex_streets(
    n: int, reynolds: Sequence[float] = REYNOLDS_VALUES, size: int = 64, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic vorticity snapshots of the wake behind a cylinder, a stand-in for
    `load_reynolds`: a regular vortex street at low Re that grows disordered as Re rises.

    Returns X (n, size * size) float32 (row i is `X[i].reshape(size, size)`, flow from left
    to right) and y (n,) float64, the Reynolds numbers: `reynolds` repeated evenly, shuffled.
    Like the real data, the snapshots of one Reynolds number are moments of one flow
    history (random times within 40 shedding periods), so they share its vortices and
    eddies; each also gets its own sensor noise. What depends on Re:
      * street wavelength a = 0.85 / St with Strouhal St = 0.212 (1 - 21.2 / Re) (Roshko),
        rows h = 0.281 a apart (von Karman), formation length 1 + 300 / Re;
      * Lamb-Oseen vortex cores r^2 = 0.3^2 + 8 t / Re, growing with age t, faster at low Re;
      * shear layers from the cylinder about 2 / sqrt(Re) thick (sharper at high Re);
      * disorder (Re - 200) / 1000: vortices stray off the street and vary in strength,
        and small eddies (frozen turbulence carried downstream) fill the wake, all in
        proportion to it.
    Circulations do not depend on Re, so a linear model sees only part of the signal; the
    rest is in how peaked and how rough the field is. Deterministic given `seed`."""
    values = np.asarray(reynolds, dtype=np.float64).reshape(-1)
    if n < 1:
        raise ValueError(f"make_vortex_streets: n must be at least 1, got {n}")
    if size < 8:
        raise ValueError(f"make_vortex_streets: size must be at least 8 pixels, got {size}")
    if values.size == 0 or not np.all(values > 21.2):
        raise ValueError(
            "make_vortex_streets: reynolds must be numbers above 21.2 (no street below), "
            f"got {tuple(reynolds)}"
        )
    rng = np.random.default_rng(seed)
    re = rng.permutation(np.resize(values, n))
    time = rng.uniform(0.0, _PERIODS, n)  # when each snapshot is taken, in periods
    x = np.linspace(*_X_RANGE, size)
    y = np.linspace(_Y_HALF, -_Y_HALF, size)  # image rows run from top to bottom
    omega = np.empty((n, size, size))
    for value in np.unique(values):  # one flow history per Reynolds number
        taken = re == value
        omega[taken] = (
            _street(value, time[taken], x, y, rng)
            + _shear_layers(value, time[taken], x, y, rng)
            + _wake_turbulence(value, time[taken], x, y, rng)
        )
    omega += _SENSOR_NOISE * _PEAK * rng.standard_normal(omega.shape)
    omega[:, np.hypot(x[None, :], y[:, None]) < 0.5] = 0.0  # inside the cylinder
    return omega.reshape(n, size * size).astype(np.float32), re


def _disorder(re: float) -> float:
    return max(re - 200.0, 0.0) / 1000.0


def _wavelength(re: float) -> float:
    """Street wavelength a = U_vortex / f = 0.85 D / St, with Roshko's Strouhal number."""
    return _CONVECTION / (0.212 * (1.0 - 21.2 / re))


def _formation_length(re: float) -> float:
    return 1.0 + 300.0 / re


def _street(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Two staggered rows of Lamb-Oseen vortices at the given times, (m, size, size).

    Vortex j of the top row is shed at time j, of the bottom row at j + 1/2; it keeps its
    own random drift direction and strength for its whole life."""
    spacing, start, disorder = _wavelength(re), _formation_length(re), _disorder(re)
    per_row = int(np.ceil((x[-1] - x[0]) / spacing)) + 2
    oldest = -per_row - 1  # lowest vortex number on screen at time 0
    count = int(_PERIODS) + 2 - oldest
    drift = _DRIFT * disorder * rng.standard_normal((2, 2, count))  # (x/y, row, vortex)
    strength = 1.0 + _STRENGTH_SPREAD * disorder * rng.standard_normal((2, count))
    number = np.floor(time)[:, None] - np.arange(per_row)  # (m, per_row), youngest first
    number = np.concatenate([number, number], axis=1)  # top row, then bottom row
    row = np.repeat([0, 1], per_row)
    age = time[:, None] - number - 0.5 * row  # in periods; negative: still forming
    index = (number - oldest).astype(int)
    centres_x = start + age * spacing + age * drift[0, row, index]
    centres_y = np.where(row == 0, 0.5, -0.5) * 0.281 * spacing + age * drift[1, row, index]
    sign = np.where(row == 0, -1.0, 1.0)  # top row turns clockwise
    circulation = sign * _CIRCULATION * strength[row, index] * (age > -0.5)
    age_time = np.clip(age, 0.0, None) * spacing / _CONVECTION  # in D / U
    core2 = _CORE**2 + 4.0 * _EDDY_VISCOSITY * age_time / re  # (m, vortices)
    # exp(-(dx^2 + dy^2) / r^2) = exp(-dx^2 / r^2) exp(-dy^2 / r^2): a sum of vortices is
    # a batched matrix product of their y and x profiles
    across = np.exp(-((y - centres_y[..., None]) ** 2) / core2[..., None])  # (m, vortices, size)
    along = np.exp(-((x - centres_x[..., None]) ** 2) / core2[..., None])
    peak = circulation / (np.pi * core2)
    return np.matmul((across * peak[..., None]).swapaxes(1, 2), along)


def _shear_layers(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Thin vorticity sheets from the cylinder's top and bottom, (m, size, size).

    Each carries the velocity jump U, so its vorticity integrates to 1 across it whatever
    its thickness delta ~ 2 / sqrt(Re): thinner layers are taller, not stronger overall.
    They flap with the shedding; their separation points wander at random."""
    downstream = np.clip(x, 0.0, None)  # (size,)
    reach = _formation_length(re)
    delta = 2.0 / np.sqrt(re) * np.sqrt(1.0 + downstream)
    fade = np.exp(-((downstream / reach) ** 2)) * (x >= 0.0)
    flap = _FLAP * np.sin(2 * np.pi * time)[:, None, None] * downstream / reach
    layers = np.zeros((len(time), len(y), len(x)))
    for side in (1.0, -1.0):  # top layer turns clockwise, bottom one counter-clockwise
        wander = _WANDER * rng.uniform(-1.0, 1.0, (len(time), 1, 1))
        centre = side * (0.5 + 0.1 * downstream) + flap + wander
        profile = np.exp(-(((y[:, None] - centre) / delta) ** 2)) / (np.sqrt(np.pi) * delta)
        layers -= side * fade * profile
    return layers


def _wake_turbulence(re: float, time: np.ndarray, x, y, rng) -> np.ndarray:
    """Small eddies in the wake, (m, size, size): one long strip of band-passed noise per
    flow, carried downstream with the vortices (Taylor's frozen turbulence), its rms
    growing with disorder and with distance from the cylinder."""
    size, dx = len(x), x[1] - x[0]
    shift = time * _wavelength(re) / dx  # pixels travelled by each snapshot's time
    width = size + int(np.ceil(_PERIODS * _wavelength(re) / dx)) + 2
    kx = np.fft.rfftfreq(width, d=dx)[None, :]  # cycles per D
    ky = np.fft.fftfreq(size, d=y[0] - y[1])[:, None]
    band = (np.hypot(kx, ky) > _EDDY_BAND[0]) & (np.hypot(kx, ky) < _EDDY_BAND[1])
    strip = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((size, width))) * band, s=(size, width))
    strip /= strip.std()
    first = width - size - 1 - shift  # the strip moves right as time goes on
    left = np.floor(first).astype(int)[:, None] + np.arange(size)  # (m, size) columns
    weight = (first - np.floor(first))[:, None, None]
    at_left, at_right = strip[:, left].swapaxes(0, 1), strip[:, left + 1].swapaxes(0, 1)
    eddies = (1 - weight) * at_left + weight * at_right  # (m, size, size)
    wake = np.exp(-(y[:, None] ** 2)) * np.clip(x[None, :], 0.0, None) / x[-1]
    return _TURBULENCE * _PEAK * _disorder(re) * wake * eddies
