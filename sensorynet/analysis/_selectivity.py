"""Orientation selectivity of measured tuning curves (docs/model.md §5).

Pure-numpy analysis of firing rates recorded at several stimulus orientations.

Conventions
-----------
* ``rates`` has shape ``(n_theta, N)``: row ``k`` holds the rates (Hz, >= 0) of all
  ``N`` neurons at orientation ``thetas[k]``. A 1-D ``rates`` of shape ``(n_theta,)``
  is a single neuron; the functions then return a scalar instead of a length-1 array.
* Orientations are in rad with period pi; they are conventionally in ``[0, pi)``.
* Neurons ``0 .. n_exc-1`` are excitatory (E), ``n_exc .. N-1`` inhibitory (I).

Definitions (docs/model.md §5)
-------------------------
With ``z = sum_theta r(theta) exp(2 i theta)``:

* OSI = ``|z| / sum_theta r(theta)`` (= 1 - circular variance), in [0, 1];
* preferred orientation (PO) = ``arg(z) / 2`` mapped into ``[0, pi)``.

A *silent* neuron (all rates zero) has no defined OSI or PO: both are ``nan``.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .._orientation import circular_distance, wrap_distance
from .._types import FloatArray
from .._validate import as_real_array, check_int


class OutputTuning(Protocol):
    """What :func:`po_match` reads of a tuning measurement (e.g. the tuning result of
    :func:`sensorynet.experiments.measure_tuning`)."""

    @property
    def n_exc(self) -> int: ...

    @property
    def po_out(self) -> FloatArray: ...

__all__ = [
    "osi",
    "preferred_orientation",
    "pref_orth_index",
    "tuning_curves",
    "orientation_grid",
    "summarize_osi",
    "osi_debiased",
    "po_match",
]

_UNIFORM_RTOL = 1e-6  # tolerance on the spacing of a "uniform" orientation grid






def _rates_thetas(rates: npt.ArrayLike, thetas: npt.ArrayLike
                  ) -> tuple[FloatArray, FloatArray, bool]:
    """Validate a (rates, thetas) pair; return 2-D rates, thetas and a 'scalar' flag."""
    r = as_real_array(rates, "rates", ndim=(1, 2))
    th = as_real_array(thetas, "thetas", ndim=1)
    single = r.ndim == 1
    if single:
        r = r[:, None]
    if th.size < 2:
        raise ValueError(f"thetas must hold at least 2 orientations, got {th.size}")
    if r.shape[0] != th.size:
        raise ValueError(f"rates must have shape (n_theta, N) with n_theta = len(thetas) "
                         f"= {th.size}, got shape {np.shape(rates)}")
    if (r < 0).any():
        raise ValueError("rates must be >= 0 (Hz)")
    return r, th, single


def _po_array(po: npt.ArrayLike, n: int, name: str = "po") -> FloatArray:
    """Validate preferred orientations (length n; NaN allowed and propagated)."""
    p = as_real_array(po, name, ndim=(0, 1), allow_nan=True)
    p = np.broadcast_to(p, (n,)) if p.ndim == 0 else p
    if p.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {p.shape}")
    return p




def _out(values: FloatArray, single: bool) -> FloatArray | float:
    return values[0] if single else values


def _nearest_grid_index(thetas: FloatArray, targets: FloatArray) -> npt.NDArray[np.intp]:
    """Index of the grid orientation nearest each target (period pi); -1 for NaN."""
    finite = np.isfinite(targets)
    safe = np.where(finite, targets, 0.0)
    d = circular_distance(thetas[:, None], safe[None, :], np.pi)
    idx = np.argmin(d, axis=0)
    return np.where(finite, idx, -1)


# ------------------------------------------------------------------------ public API
def orientation_grid(n: int = 12) -> FloatArray:
    """Uniform grid of stimulus orientations.

    Parameters
    ----------
    n : int, optional
        Number of orientations, >= 1 (default 12, i.e. 15 degree steps).

    Returns
    -------
    ndarray, shape (n,)
        ``k * pi / n`` for ``k = 0 .. n-1`` (rad), covering ``[0, pi)``.
    """
    n = check_int(n, "n", low=1)
    return np.arange(n, dtype=np.float64) * (np.pi / n)




def osi(rates: npt.ArrayLike, thetas: npt.ArrayLike) -> FloatArray | float:
    """Orientation selectivity index (1 - circular variance).

    ``OSI = |sum_theta r(theta) exp(2 i theta)| / sum_theta r(theta)``.

    Parameters
    ----------
    rates : array_like, shape (n_theta, N) or (n_theta,)
        Firing rates (Hz, >= 0, finite) at each orientation (rows) for each neuron.
    thetas : array_like, shape (n_theta,)
        Stimulus orientations (rad, period pi), at least 2.

    Returns
    -------
    ndarray, shape (N,), or float for 1-D ``rates``
        OSI in [0, 1]: 0 for a flat tuning curve, 1 for a neuron responding at a
        single orientation. Silent neurons (total rate 0) get ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> thetas = orientation_grid(4)
    >>> float(osi(np.array([1.0, 0.0, 0.0, 0.0]), thetas))   # responds to one orientation
    1.0
    >>> round(float(osi(np.ones(4), thetas)), 12)              # untuned
    0.0
    """
    r, th, single = _rates_thetas(rates, thetas)
    z = np.exp(2j * th) @ r
    total = r.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        val = np.where(total > 0, np.abs(z) / np.where(total > 0, total, 1.0), np.nan)
    val = np.minimum(val, 1.0)  # |exp(2i theta)| may exceed 1 by an ulp
    return _out(val, single)


def preferred_orientation(rates: npt.ArrayLike, thetas: npt.ArrayLike
                          ) -> FloatArray | float:
    """Preferred orientation from the first circular moment.

    ``PO = arg(sum_theta r(theta) exp(2 i theta)) / 2`` mapped into ``[0, pi)``.

    Parameters
    ----------
    rates : array_like, shape (n_theta, N) or (n_theta,)
        Firing rates (Hz, >= 0, finite).
    thetas : array_like, shape (n_theta,)
        Stimulus orientations (rad, period pi).

    Returns
    -------
    ndarray, shape (N,), or float for 1-D ``rates``
        PO in rad, in ``[0, pi)``; ``nan`` for silent neurons. For an untuned
        neuron (OSI ~ 0) the value is numerically arbitrary.
    """
    r, th, single = _rates_thetas(rates, thetas)
    z = np.exp(2j * th) @ r
    po = np.mod(np.angle(z) / 2.0, np.pi)
    po[po >= np.pi] = 0.0  # mod of a tiny negative number can round to pi
    po[r.sum(axis=0) <= 0] = np.nan
    return _out(po, single)


def pref_orth_index(rates: npt.ArrayLike, thetas: npt.ArrayLike,
                    po: npt.ArrayLike | None = None) -> FloatArray | float:
    """Preferred-vs-orthogonal index ``(r_pref - r_orth) / (r_pref + r_orth)``.

    Parameters
    ----------
    rates : array_like, shape (n_theta, N) or (n_theta,)
        Firing rates (Hz, >= 0, finite).
    thetas : array_like, shape (n_theta,)
        Stimulus orientations (rad, period pi); need not be uniform.
    po : array_like, shape (N,) or scalar, optional
        Preferred orientation of each neuron (rad). Default: the measured
        :func:`preferred_orientation`. NaN entries propagate to a NaN result.

    Returns
    -------
    ndarray, shape (N,), or float for 1-D ``rates``
        Index in [-1, 1]. ``r_pref`` is the rate at the grid orientation circularly
        nearest ``po`` and ``r_orth`` the rate at the one nearest ``po + pi/2``
        (period pi; ties go to the first grid entry). ``nan`` when both are zero.
    """
    r, th, single = _rates_thetas(rates, thetas)
    n = r.shape[1]
    if po is None:
        p = np.asarray(preferred_orientation(r, th))
    else:
        p = _po_array(po, n)
    cols = np.arange(n)
    i_pref = _nearest_grid_index(th, p)
    i_orth = _nearest_grid_index(th, p + np.pi / 2)
    valid = i_pref >= 0
    r_pref = np.where(valid, r[np.maximum(i_pref, 0), cols], np.nan)
    r_orth = np.where(valid, r[np.maximum(i_orth, 0), cols], np.nan)
    s = r_pref + r_orth
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = np.where(s > 0, (r_pref - r_orth) / np.where(s > 0, s, 1.0), np.nan)
    return _out(idx, single)


def tuning_curves(rates: npt.ArrayLike, thetas: npt.ArrayLike, po: npt.ArrayLike
                  ) -> tuple[FloatArray, FloatArray]:
    """Re-centre tuning curves on each neuron's preferred orientation.

    Parameters
    ----------
    rates : array_like, shape (n_theta, N) or (n_theta,)
        Firing rates (Hz, >= 0, finite).
    thetas : array_like, shape (n_theta,)
        A uniform grid of ``n_theta`` distinct orientations covering one period,
        i.e. spacing ``pi / n_theta`` after sorting modulo pi (any offset, any order).
    po : array_like, shape (N,) or scalar
        Preferred orientation of each neuron (rad). NaN gives a NaN column.

    Returns
    -------
    delta_thetas : ndarray, shape (n_theta,)
        Offsets from the PO (rad), ``(k - n_theta // 2) * pi / n_theta``, all in
        ``[-pi/2, pi/2)``, increasing.
    aligned : ndarray, shape (n_theta, N), or (n_theta,) for 1-D ``rates``
        ``aligned[k, n]`` is the rate (Hz) of neuron ``n`` at the grid orientation
        whose circular offset from ``po[n]`` is nearest ``delta_thetas[k]``; the
        centre row ``k = n_theta // 2`` is the grid point nearest the PO.
        ``np.nanmean(aligned, axis=1)`` is the population-average tuning curve.
    """
    r, th, single = _rates_thetas(rates, thetas)
    n_theta, n = r.shape
    wrapped = np.mod(th, np.pi)
    wrapped[wrapped >= np.pi] = 0.0
    order = np.argsort(wrapped, kind="stable")
    step = np.pi / n_theta
    gaps = np.diff(np.append(wrapped[order], wrapped[order[0]] + np.pi))
    if not np.allclose(gaps, step, rtol=_UNIFORM_RTOL, atol=0.0):
        raise ValueError(f"thetas must be a uniform grid of {n_theta} orientations "
                         f"spaced pi/{n_theta} modulo pi")
    r_sorted = r[order]
    p = _po_array(po, n)
    j0 = _nearest_grid_index(wrapped[order], p)
    half = n_theta // 2
    shifts = np.arange(n_theta) - half
    rows = np.mod(np.maximum(j0, 0)[None, :] + shifts[:, None], n_theta)
    aligned = r_sorted[rows, np.arange(n)[None, :]]
    aligned[:, j0 < 0] = np.nan
    return shifts * step, (aligned[:, 0] if single else aligned)


def summarize_osi(osi_values: npt.ArrayLike, n_exc: int) -> dict[str, Any]:
    """Population means of the OSI for E and I neurons.

    Parameters
    ----------
    osi_values : array_like, shape (N,)
        OSI per neuron, in [0, 1]; NaN (silent neurons) is ignored.
    n_exc : int
        Number of excitatory neurons (the first ``n_exc`` entries), ``0 <= n_exc <= N``.

    Returns
    -------
    dict
        ``{"E": mean over E, "I": mean over I}`` ignoring NaN; a population with no
        finite value gives ``nan``.
    """
    v = as_real_array(osi_values, "osi_values", ndim=1, allow_nan=True)
    n_exc = check_int(n_exc, "n_exc", low=0, high=v.size)
    fin = v[np.isfinite(v)]
    if ((fin < 0) | (fin > 1 + 1e-9)).any():
        raise ValueError("osi_values must lie in [0, 1] (or be NaN)")

    def _nanmean(x: FloatArray) -> float:
        x = x[np.isfinite(x)]
        return float(x.mean()) if x.size else float("nan")

    return {"E": _nanmean(v[:n_exc]), "I": _nanmean(v[n_exc:])}


def osi_debiased(counts: npt.ArrayLike, thetas: npt.ArrayLike) -> FloatArray:
    """OSI corrected for the Poisson-noise bias of finite spike counts.

    For independent Poisson counts ``c_k`` the resultant ``z = Σ c_k e^{2iθ_k}``
    satisfies ``E|z|² = |Σ λ_k e^{2iθ_k}|² + Σ λ_k``, so ``|z|² − Σ c_k`` is an unbiased
    estimate of the squared noise-free resultant. The debiased OSI is
    ``sqrt(max(0, |z|² − Σ c)) / Σ c``; an untuned Poisson neuron scores ≈ 0 instead
    of ≈ ``sqrt(π / (4 Σ c))``.

    Parameters
    ----------
    counts : array_like, shape (n_theta, N)
        Spike counts (>= 0) at each orientation.
    thetas : array_like, shape (n_theta,)
        Orientations, rad.

    Returns
    -------
    ndarray, shape (N,)
        Debiased OSI in [0, 1]; ``nan`` for neurons without spikes.
    """
    c = np.asarray(counts, dtype=np.float64)
    th = np.asarray(thetas, dtype=np.float64)
    if c.ndim != 2 or th.ndim != 1 or c.shape[0] != th.size:
        raise ValueError(f"counts must have shape (len(thetas), N) = ({th.size}, N), "
                         f"got {c.shape}")
    if (c < 0).any() or not np.isfinite(c).all():
        raise ValueError("counts must be finite and >= 0")
    z = np.exp(2j * th) @ c
    total = c.sum(axis=0)
    num = np.sqrt(np.maximum(np.abs(z) ** 2 - total, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, num / np.where(total > 0, total, 1.0), np.nan)


def po_match(tuning: OutputTuning, po_in: npt.ArrayLike) -> dict[str, float]:
    """How well the measured PO of E neurons follows their input PO.

    Parameters
    ----------
    tuning : object with ``n_exc`` (int) and ``po_out`` (ndarray (N,), rad)
        A tuning measurement; NaN POs (silent neurons) are left out.
    po_in : array_like, shape (N,)
        Input (feed-forward) preferred orientations, rad.

    Returns
    -------
    dict
        ``median_abs_diff_deg``: median |ΔPO| between measured and input PO of the E
        neurons, degrees; ``frac_within_15deg``: fraction of them within 15°. ``nan``
        without any finite measured PO.
    """
    po_in = np.asarray(po_in, dtype=np.float64)
    ne = tuning.n_exc
    d = np.degrees(wrap_distance(tuning.po_out[:ne], po_in[:ne]))
    d = d[np.isfinite(d)]
    return {"median_abs_diff_deg": float(np.median(d)) if d.size else float("nan"),
            "frac_within_15deg": float(np.mean(d <= 15.0)) if d.size else float("nan")}


