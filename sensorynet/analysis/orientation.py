"""Orientation helpers, one home for each: the circular distance of orientations (period
π, so |ΔPO| lies in [0, π/2]), |ΔPO| binning, and orientation classes (near-cardinal,
near-oblique) of preferred orientations.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._checks import as_real_array

__all__ = ["CARDINAL_DEG", "OBLIQUE_DEG", "DPO_DECIMALS", "circular_distance", "wrap_distance",
           "signed_dpo", "dpo_bin_index", "near_orientation_mask", "orientation_class_fractions"]

#: centres of the cardinal and oblique orientation classes, degrees
CARDINAL_DEG = (0.0, 90.0)
OBLIQUE_DEG = (45.0, 135.0)


def near_orientation_mask(po, centers_deg, half_width_deg=15.0):
    """Which angles lie within ``half_width_deg`` of any of the centres (period 180°).

    Parameters
    ----------
    po : array_like (n,)
        Preferred orientations, rad; NaN gives False.
    centers_deg : sequence of float
        Class centres, degrees.
    half_width_deg : float
        Half-width of each class, degrees (inclusive), in (0, 90].

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    p = np.asarray(po, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"po must be 1-D, got shape {p.shape}")
    if isinstance(half_width_deg, bool) or not isinstance(half_width_deg, numbers.Real) \
            or not 0 < half_width_deg <= 90:
        raise ValueError(f"half_width_deg must be in (0, 90], got {half_width_deg!r}")
    c = np.radians(np.atleast_1d(np.asarray(centers_deg, dtype=np.float64)))
    if c.ndim != 1 or c.size < 1:
        raise ValueError("centers_deg must be a non-empty sequence of angles (deg)")
    fin = np.isfinite(p)
    d = circular_distance(np.where(fin, p, 0.0)[:, None], c[None, :]).min(axis=1)
    return fin & (np.round(np.degrees(d), 9) <= half_width_deg)


def orientation_class_fractions(po, half_width_deg=15.0):
    """Fractions of neurons preferring near-cardinal vs near-oblique orientations.

    Parameters
    ----------
    po : array_like (n,)
        Measured preferred orientations, rad; NaN (silent neurons) is excluded.
    half_width_deg : float
        Half-width of each class around 0°/90° (cardinal) and 45°/135° (oblique), deg,
        in (0, 22.5] so that the two classes do not overlap.

    Returns
    -------
    dict
        ``frac_near_cardinal``, ``frac_near_oblique`` (over neurons with finite PO),
        ``n`` (that number), ``expected_uniform`` (fraction per class for uniformly
        distributed POs, ``4·half_width/180``) and ``z``: the difference
        ``frac_near_cardinal − frac_near_oblique`` divided by its standard error under
        uniformly distributed POs, ``sqrt(2·p/n)`` with ``p = expected_uniform``
        (a multinomial two-class difference; > 2 or < −2 is unlikely by chance).
    """
    if isinstance(half_width_deg, bool) or not isinstance(half_width_deg, numbers.Real) \
            or not 0 < half_width_deg <= 22.5:
        raise ValueError(f"half_width_deg must be in (0, 22.5] (disjoint classes), "
                         f"got {half_width_deg!r}")
    p = np.asarray(po, dtype=np.float64)
    fin = np.isfinite(p)
    n = int(fin.sum())
    card = near_orientation_mask(p, CARDINAL_DEG, half_width_deg)
    obl = near_orientation_mask(p, OBLIQUE_DEG, half_width_deg)
    pu = 4.0 * half_width_deg / 180.0
    if n == 0:
        nan = float("nan")
        return {"frac_near_cardinal": nan, "frac_near_oblique": nan, "n": 0,
                "expected_uniform": pu, "z": nan}
    fc, fo = card.sum() / n, obl.sum() / n
    return {"frac_near_cardinal": float(fc), "frac_near_oblique": float(fo), "n": n,
            "expected_uniform": pu, "z": float((fc - fo) / np.sqrt(2.0 * pu / n))}



def circular_distance(a, b, period=np.pi):
    """Absolute circular difference between angles.

    Parameters
    ----------
    a, b : array_like
        Angles (rad), broadcastable against each other; must be finite.
    period : float, optional
        Period of the circular variable (rad), > 0. Default pi (orientations).

    Returns
    -------
    ndarray or float
        ``min(|a - b| mod period, period - |a - b| mod period)``, in ``[0, period/2]``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(np.degrees(circular_distance(np.radians(170), np.radians(10)))), 6)
    20.0
    """
    a_ = as_real_array(a, "a")
    b_ = as_real_array(b, "b")
    if isinstance(period, bool) or not isinstance(period, numbers.Real):
        raise TypeError(f"period must be a real number, got {type(period).__name__}")
    if not np.isfinite(period) or period <= 0:
        raise ValueError(f"period must be finite and > 0, got {period!r}")
    try:
        d = wrap_distance(a_, b_, float(period))
    except ValueError as exc:
        raise ValueError(f"a and b must be broadcastable ({exc})") from None
    return d[()] if d.ndim == 0 else d


def wrap_distance(a, b, period=np.pi):
    """``circular_distance`` without argument checks, for arrays already validated."""
    d = np.mod(a - b, period)
    return np.minimum(d, period - d)


def signed_dpo(a, b):
    """Signed orientation difference ``a - b`` wrapped to ``[-π/2, π/2)`` (rad, no checks)."""
    return np.mod(a - b + np.pi / 2, np.pi) - np.pi / 2


#: |ΔPO| in degrees is rounded to this many decimals before binning, so that pairs on a
#: bin edge are binned the same way on every code path (dense, sparse, chunked)
DPO_DECIMALS = 9


def dpo_bin_index(dpo_deg, lo, hi):
    """Bin of each |ΔPO| (degrees): ``k`` with ``lo[k] <= d < hi[k]`` (the last bin is
    closed), ``-1`` outside every bin. ``d`` is rounded to :data:`DPO_DECIMALS` first.
    """
    d = np.round(dpo_deg, DPO_DECIMALS)
    idx = np.full(d.shape, -1, dtype=np.int64)
    for k in range(len(lo)):
        m = (d >= lo[k]) & ((d <= hi[k]) if k == len(lo) - 1 else (d < hi[k]))
        idx[m] = k
    return idx
