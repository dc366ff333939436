"""Feed-forward input: tuned and untuned Poisson counts, and stimulus sequences.

docs/model.md §2: per neuron and 1-ms step an independent Poisson count with mean
``λ·dt/1000``, ``λ = b·(1 + m·cos 2(θ_stim − po))``. A stimulus sequence is a list of
orientations, each held for a fixed number of steps (a *segment*).

Counts come from a counter-based generator (:mod:`sensorynet._kernels`): the count of
neuron n at step k is a pure function of (key, k, n). A :class:`PoissonInput` can thus
be handed to :func:`sensorynet.simulate` unmaterialised (generated inside the kernel,
no N×T array) or materialised with :meth:`PoissonInput.counts`: both give the same
counts, hence the same spikes.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _rng
from ._params import InputParams, ProtocolParams
from ._types import FloatArray, Seed

__all__ = [
    "PoissonInput",
    "tuned_rates",
    "stimulus_input",
    "untuned_input",
    "probe_sequence",
    "learning_sequence",
    "cardinal_sequence",
    "key_from_seed",
    "MAX_MEAN_PER_STEP",
    "check_input_rates",
]

#: largest Poisson mean per step the generator accepts (counts stored as uint8)
MAX_MEAN_PER_STEP = 50.0


def check_input_rates(rates: np.ndarray, dt: float) -> None:
    """Raise ``ValueError`` if the largest rate gives more than
    :data:`MAX_MEAN_PER_STEP` input spikes per step of ``dt`` ms on average (the
    generator's tables cover that range)."""
    mu_max = float(np.max(rates)) * dt / 1000.0
    if mu_max > MAX_MEAN_PER_STEP:
        raise ValueError(f"rates up to {float(np.max(rates)):g} Hz give {mu_max:g} input "
                         f"spikes per step; at most {MAX_MEAN_PER_STEP:g} are supported")


def key_from_seed(seed: Seed) -> int:
    """A 64-bit generator key from an int or a ``numpy.random.SeedSequence``."""
    if isinstance(seed, np.random.SeedSequence):
        ss = seed
    else:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or SeedSequence, got {seed!r}")
        ss = np.random.SeedSequence(int(seed))
    return int(ss.generate_state(1, np.uint64)[0])


class PoissonInput:
    """Seeded, piecewise-constant Poisson input, generated on demand.

    Parameters
    ----------
    rates : ndarray (n_segments, N)
        Input rate of each neuron during each segment, Hz (>= 0).
    segment_steps : int
        Steps per segment.
    key : int
        64-bit generator key (see :func:`key_from_seed`).
    dt : float
        Step, ms.
    """

    def __init__(self, rates: ArrayLike, segment_steps: int, key: int, dt: float = 1.0) -> None:
        rates = np.asarray(rates, dtype=np.float64)
        if rates.ndim == 1:
            rates = rates[None, :]
        if rates.ndim != 2 or rates.shape[0] < 1 or rates.shape[1] < 1:
            raise ValueError(f"rates must have shape (n_segments, N), got {rates.shape}")
        if not np.all(np.isfinite(rates)):
            raise ValueError("rates must be finite")
        if rates.min() < 0:
            raise ValueError(f"rates must be non-negative (Hz), found {rates.min():g}")
        if isinstance(segment_steps, bool) or int(segment_steps) != segment_steps \
                or segment_steps < 1:
            raise ValueError(f"segment_steps must be a positive integer, got {segment_steps!r}")
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number of ms, got {dt!r}")
        if not isinstance(key, (int, np.integer)) or not 0 <= int(key) < 2 ** 64:
            raise ValueError(f"key must be an integer in [0, 2**64), got {key!r}")
        check_input_rates(rates, dt)
        self.rates = rates
        self.segment_steps = int(segment_steps)
        self.key = int(key)
        self.dt = float(dt)

    @property
    def N(self) -> int:
        """Number of neurons."""
        return self.rates.shape[1]

    @property
    def n_segments(self) -> int:
        """Number of segments (rows of ``rates``)."""
        return self.rates.shape[0]

    @property
    def n_steps(self) -> int:
        """Number of time steps T."""
        return self.n_segments * self.segment_steps

    @property
    def shape(self) -> tuple[int, int]:
        """(N, T), like the materialised array."""
        return (self.N, self.n_steps)

    def kernel_tables(self) -> tuple[FloatArray, FloatArray]:
        """Per-step means and exp(−mean) per segment and neuron."""
        mu = self.rates * (self.dt / 1000.0)
        return np.ascontiguousarray(mu), np.exp(-mu)

    def counts(self, time_major: bool = False) -> NDArray[np.uint8]:
        """Materialise the counts: uint8 array (N, T), or (T, N) if ``time_major``."""
        mu, expm = self.kernel_tables()
        out = np.empty((self.n_steps, self.N), np.uint8)
        _rng.poisson_counts(mu, expm, self.segment_steps, np.uint64(self.key), self.n_steps, out)
        return out if time_major else out.T

    def __repr__(self) -> str:
        return (f"PoissonInput(N={self.N}, T={self.n_steps} steps, "
                f"{self.n_segments} segment(s) of {self.segment_steps}, "
                f"mean rate {self.rates.mean():.1f} Hz)")


def tuned_rates(theta_stim: float | ArrayLike, po: ArrayLike, n_exc: int,
                input_params: InputParams | None = None) -> FloatArray:
    """Input rates for a stimulus orientation, Hz (docs/model.md §2).

    Parameters
    ----------
    theta_stim : float or ndarray (n,)
        Stimulus orientation(s), rad.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
        Number of excitatory neurons (modulation m_E for them, m_I for the rest).
    input_params : InputParams, optional

    Returns
    -------
    ndarray (N,) or (n, N)
    """
    ip = input_params if input_params is not None else InputParams()
    po = np.asarray(po, dtype=np.float64)
    th = np.asarray(theta_stim, dtype=np.float64)
    if not np.all(np.isfinite(th)):
        raise ValueError("theta_stim must be finite")
    if po.ndim != 1 or not np.all(np.isfinite(po)):
        raise ValueError("po must be a finite 1-D array")
    if not 0 <= n_exc <= po.size:
        raise ValueError(f"n_exc={n_exc} must lie in 0..{po.size}")
    m = np.full(po.size, ip.m_I)
    m[:n_exc] = ip.m_E
    r: FloatArray = ip.b * (1.0 + m * np.cos(2.0 * (th[..., None] - po)))
    return r


def _check_thetas(thetas: ArrayLike) -> FloatArray:
    th = np.atleast_1d(np.asarray(thetas, dtype=np.float64))
    if th.ndim != 1 or th.size < 1:
        raise ValueError("thetas must be a non-empty 1-D sequence of orientations (rad)")
    if not np.all(np.isfinite(th)):
        raise ValueError("thetas must be finite")
    return th


def stimulus_input(thetas: Sequence[float] | ArrayLike, segment_ms: float, po: ArrayLike,
                   n_exc: int, seed: Seed, input_params: InputParams | None = None,
                   dt: float = 1.0) -> PoissonInput:
    """Tuned Poisson input presenting ``thetas`` one after another.

    Parameters
    ----------
    thetas : sequence of float
        Orientations, rad, each shown for ``segment_ms``.
    segment_ms : float
        Duration of each orientation, ms; a positive multiple of ``dt``.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
    seed : int or SeedSequence
        Determines the realisation.
    input_params : InputParams, optional
        Default ``InputParams()``.
    dt : float
        Step, ms.

    Returns
    -------
    PoissonInput
    """
    th = _check_thetas(thetas)
    steps = segment_ms / dt
    if steps != int(steps) or steps < 1:
        raise ValueError(f"segment_ms={segment_ms} must be a positive multiple of dt={dt}")
    return PoissonInput(tuned_rates(th, po, n_exc, input_params), int(steps),
                        key_from_seed(seed), dt)


def untuned_input(N: int, duration_ms: float, rate: float, seed: Seed, dt: float = 1.0
                  ) -> PoissonInput:
    """Untuned Poisson input: every neuron at ``rate`` Hz for ``duration_ms``.

    Parameters
    ----------
    N : int
        Number of neurons.
    duration_ms : float
        Duration, ms; a positive multiple of ``dt``.
    rate : float
        Input rate of every neuron, Hz.
    seed : int or SeedSequence
        Determines the realisation.
    dt : float
        Step, ms.

    Returns
    -------
    PoissonInput
        One segment of ``duration_ms / dt`` steps.
    """
    if isinstance(N, bool) or int(N) != N or N < 1:
        raise ValueError(f"N must be a positive integer, got {N!r}")
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"rate must be a non-negative number of Hz, got {rate!r}")
    steps = duration_ms / dt
    if steps != int(steps) or steps < 1:
        raise ValueError(f"duration_ms={duration_ms} must be a positive multiple of dt={dt}")
    return PoissonInput(np.full((1, int(N)), float(rate)), int(steps), key_from_seed(seed), dt)


def probe_sequence(protocol: ProtocolParams | None = None) -> FloatArray:
    """The before/after test: one orientation (π/2 by default) for ``test_ms``."""
    pr = protocol if protocol is not None else ProtocolParams()
    return np.array([pr.test_theta])


def learning_sequence(rng: np.random.Generator, protocol: ProtocolParams | None = None
                      ) -> FloatArray:
    """``n_stimuli`` orientations drawn uniformly from [0, π)."""
    pr = protocol if protocol is not None else ProtocolParams()
    return rng.uniform(0.0, np.pi, pr.n_stimuli)


def cardinal_sequence(rng: np.random.Generator, protocol: ProtocolParams | None = None,
                      cardinal_fraction: float = 0.5) -> FloatArray:
    """Biased sequence (docs/model.md §5.6): a fraction at 0 and π/2 (half each), rest uniform.

    With 20 stimuli and fraction 0.5: 10 uniform + 5 at 0 + 5 at π/2, shuffled.
    """
    pr = protocol if protocol is not None else ProtocolParams()
    if not 0.0 <= cardinal_fraction <= 1.0:
        raise ValueError(f"cardinal_fraction must lie in [0, 1], got {cardinal_fraction}")
    n_card = int(round(cardinal_fraction * pr.n_stimuli))
    n_h = n_card // 2
    th = np.concatenate([rng.uniform(0.0, np.pi, pr.n_stimuli - n_card),
                         np.zeros(n_card - n_h), np.full(n_h, np.pi / 2)])
    rng.shuffle(th)
    return th
