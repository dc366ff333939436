"""Tuning protocol: measured tuning curves, selectivity and preferred orientations.

The published analysis tests a single orientation before and after learning, which says
nothing about selectivity (docs/model.md §5). :func:`run_tuning` presents a grid of
orientations to a *static* network, one separate run per orientation, and measures the
firing rate of every neuron at each; :class:`TuningResult` derives from those rates the
OSI (1 − circular variance), the measured (output) preferred orientation and the
pref/orth index, using the pure functions of :mod:`sensorynet.analysis._selectivity`.

Orientation ``k`` of the grid is driven by ``seed_sequence(seed, STREAM_TUNING, k)``,
so two networks tuned with the same seed (e.g. before and after learning) receive the
*same* input realisation and differ only by their weights.

The module also holds the analyses of measured POs used for the cardinal experiment
(docs/model.md §5.6): which neurons prefer orientations near given centres.

Units: rates in Hz, durations in ms, angles in rad unless a name ends in ``_deg``.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._params import ModelParams
from .._progress import progress_bar
from .._simulation import simulate
from .._stimulus import stimulus_input
from .._types import FloatArray, Population
from .._validate import check_seed
from .._weights import SparseWeights
from ..analysis import orientation_grid, osi, osi_debiased, pref_orth_index, preferred_orientation
from ._seeds import STREAM_TUNING, seed_sequence

__all__ = [
    "TuningResult",
    "run_tuning",
]


class TuningResult:
    """Measured responses of every neuron to a grid of orientations.

    Attributes
    ----------
    thetas : ndarray (n_theta,)
        Stimulus orientations, rad.
    rates : ndarray (n_theta, N)
        Mean firing rate of each neuron at each orientation, Hz.
    n_exc : int
        Number of excitatory neurons (the first ``n_exc`` columns).
    duration_ms : float
        Duration of each orientation's run, ms.
    seed : int or None
        Root seed of the input realisation.
    """

    def __init__(self, thetas: ArrayLike, rates: ArrayLike, n_exc: int, duration_ms: float,
                 seed: int | None = None) -> None:
        self.thetas = np.asarray(thetas, dtype=np.float64)
        self.rates = np.asarray(rates, dtype=np.float64)
        if self.rates.ndim != 2 or self.rates.shape[0] != self.thetas.size:
            raise ValueError(f"rates must have shape (n_theta, N) = ({self.thetas.size}, N), "
                             f"got {self.rates.shape}")
        self.n_exc = int(n_exc)
        self.duration_ms = float(duration_ms)
        self.seed = seed
        self._osi: FloatArray | None = None
        self._po: FloatArray | None = None
        self._po_idx: FloatArray | None = None

    @property
    def N(self) -> int:
        """Number of neurons."""
        return self.rates.shape[1]

    @property
    def counts(self) -> FloatArray:
        """Spike counts (n_theta, N) behind :attr:`rates`."""
        return np.rint(self.rates * (self.duration_ms / 1000.0))

    @property
    def osi(self) -> FloatArray:
        """OSI = 1 − circular variance per neuron (``nan`` if silent)."""
        if self._osi is None:
            self._osi = np.asarray(osi(self.rates, self.thetas))
        return self._osi

    @property
    def po_out(self) -> FloatArray:
        """Measured (output) preferred orientation per neuron, rad in [0, π)."""
        if self._po is None:
            self._po = np.asarray(preferred_orientation(self.rates, self.thetas))
        return self._po

    @property
    def pref_orth(self) -> FloatArray:
        """``(r_pref − r_orth) / (r_pref + r_orth)`` at the measured PO, per neuron."""
        if self._po_idx is None:
            self._po_idx = np.asarray(pref_orth_index(self.rates, self.thetas, self.po_out))
        return self._po_idx

    @property
    def osi_debiased(self) -> FloatArray:
        """Poisson-bias-corrected OSI per neuron (see :func:`osi_debiased`)."""
        return osi_debiased(self.counts, self.thetas)

    @property
    def osi_noise_floor(self) -> FloatArray:
        """Expected OSI of an untuned Poisson neuron with the same spike count."""
        total = self.counts.sum(axis=0)
        with np.errstate(divide="ignore"):
            return np.where(total > 0, np.sqrt(np.pi / (4.0 * np.maximum(total, 1))), np.nan)

    def population_mean(self, values: ArrayLike) -> dict[Population, float]:
        """Mean of a per-neuron array over E and over I neurons, NaN ignored."""
        v = np.asarray(values, dtype=np.float64)

        def _m(x: FloatArray) -> float:
            x = x[np.isfinite(x)]
            return float(x.mean()) if x.size else float("nan")
        return {"E": _m(v[:self.n_exc]), "I": _m(v[self.n_exc:])}

    def mean_rates(self) -> dict[Population, float]:
        """Population rates averaged over all orientations, Hz."""
        return self.population_mean(self.rates.mean(axis=0))

    def summary(self) -> dict[str, Any]:
        """Population means of OSI, debiased OSI, noise floor, pref/orth and rates."""
        return {"osi": self.population_mean(self.osi),
                "osi_debiased": self.population_mean(self.osi_debiased),
                "osi_noise_floor": self.population_mean(self.osi_noise_floor),
                "pref_orth": self.population_mean(self.pref_orth),
                "rates": self.mean_rates(),
                "n_silent": {"E": int(np.isnan(self.osi[:self.n_exc]).sum()),
                             "I": int(np.isnan(self.osi[self.n_exc:]).sum())}}

    def __repr__(self) -> str:
        s = self.population_mean(self.osi)
        r = self.mean_rates()
        return (f"TuningResult(N={self.N}, {self.thetas.size} orientations × "
                f"{self.duration_ms:g} ms, OSI E={s['E']:.3f} I={s['I']:.3f}, "
                f"rate E={r['E']:.2f} Hz I={r['I']:.2f} Hz)")


def run_tuning(W: FloatArray | SparseWeights, po: ArrayLike, params: ModelParams, seed: int, *,
               thetas: ArrayLike | None = None, duration_ms: float = 2000,
               progress: bool = False) -> TuningResult:
    """Measure tuning curves of a static network (no plasticity).

    Parameters
    ----------
    W : ndarray (N, N) or SparseWeights
        Weights ``W[pre, post]``, mV (not modified).
    po : ndarray (N,)
        Input preferred orientations, rad.
    params : ModelParams
        Model parameters; ``params.network.N`` must equal N.
    seed : int
        Root seed; orientation ``k`` uses ``seed_sequence(seed, STREAM_TUNING, k)``.
    thetas : array_like, optional
        Orientations to present, rad (default ``orientation_grid(12)``, 15° steps).
    duration_ms : float
        Duration of each orientation's run, ms, a multiple of ``dt`` (each run starts
        from rest).
    progress : bool
        Show a progress bar.

    Returns
    -------
    TuningResult
    """
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    if not isinstance(W, (np.ndarray, SparseWeights)):
        raise TypeError(f"W must be a numpy array or SparseWeights, got {type(W).__name__}")
    N = params.network.N
    if W.shape != (N, N):
        raise ValueError(f"W must have shape ({N}, {N}) (params.network.N), got {W.shape}")
    po = np.asarray(po, dtype=np.float64)
    if po.shape != (N,) or not np.isfinite(po).all():
        raise ValueError(f"po must be a finite array of shape ({N},), got shape {po.shape}")
    check_seed(seed)
    th = orientation_grid(12) if thetas is None else np.asarray(thetas, dtype=np.float64)
    if th.ndim != 1 or th.size < 2 or not np.isfinite(th).all():
        raise ValueError("thetas must be a 1-D array of at least 2 finite orientations (rad)")
    dt = params.network.dt
    if isinstance(duration_ms, bool) or not isinstance(duration_ms, numbers.Real) \
            or not duration_ms > 0 or (duration_ms / dt) != int(duration_ms / dt):
        raise ValueError(f"duration_ms must be a positive multiple of dt={dt} ms, "
                         f"got {duration_ms!r}")
    n_exc = params.network.N_E
    rates = np.empty((th.size, N))
    for k in progress_bar(range(th.size), progress, "tuning", th.size):
        inp = stimulus_input([th[k]], duration_ms, po, n_exc,
                             seed_sequence(int(seed), STREAM_TUNING, k), params.input, dt)
        rates[k] = simulate(W, inp, plastic=False, params=params).rates()
    return TuningResult(th, rates, n_exc, duration_ms, int(seed))




