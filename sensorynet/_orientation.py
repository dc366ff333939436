"""Orientation helpers, one home for each: the circular distance of orientations (period
π, so |ΔPO| lies in [0, π/2]), |ΔPO| binning, and orientation classes (near-cardinal,
near-oblique) of preferred orientations.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ._types import BoolArray, FloatArray, IntArray
from ._validate import as_real_array

__all__ = ["DPO_BINS_DEG", "CARDINAL_DEG", "OBLIQUE_DEG", "DPO_DECIMALS", "circular_distance",
           "wrap_distance", "signed_dpo", "dpo_bin_index", "near_orientation_mask",
           "orientation_class_fractions", "dpo_pair_counts", "DPO_PAIRS_BRUTE_MAX"]

#: |ΔPO| bins (degrees) of every connection-specificity measure: the published
#: Fig 3G bins, 0–30°, 30–60° and 60–90°
DPO_BINS_DEG = ((0, 30), (30, 60), (60, 90))
#: centres of the cardinal and oblique orientation classes, degrees
CARDINAL_DEG = (0.0, 90.0)
OBLIQUE_DEG = (45.0, 135.0)


def near_orientation_mask(po: ArrayLike, centers_deg: float | Sequence[float],
                          half_width_deg: float = 15.0) -> BoolArray:
    """Which angles lie within ``half_width_deg`` of any of the centres (period 180°).

    Each class is the half-open interval ``[c − half_width, c + half_width)`` around its
    centre ``c``, so classes of half-width 22.5° around 0°/90° and 45°/135° tile the
    circle without overlap: an angle exactly between two centres belongs to one.

    Parameters
    ----------
    po : array_like (n,)
        Preferred orientations, rad; NaN gives False.
    centers_deg : float or sequence of float
        Class centres, degrees.
    half_width_deg : float
        Half-width of each class, degrees, in (0, 90].

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
    c = np.atleast_1d(np.asarray(centers_deg, dtype=np.float64))
    if c.ndim != 1 or c.size < 1:
        raise ValueError("centers_deg must be a non-empty sequence of angles (deg)")
    fin = np.isfinite(p)
    # signed offset from each centre in [-90, 90) degrees, rounded like DPO_DECIMALS so
    # that angles on a grid fall on the boundaries exactly
    deg = np.degrees(np.where(fin, p, 0.0))
    off = np.round(np.mod(deg[:, None] - c[None, :] + 90.0, 180.0) - 90.0, DPO_DECIMALS)
    inside = (off >= -half_width_deg) & (off < half_width_deg)
    return fin & inside.any(axis=1)


def orientation_class_fractions(po: ArrayLike, half_width_deg: float = 15.0) -> dict[str, Any]:
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


def circular_distance(a: ArrayLike, b: ArrayLike, period: float = np.pi) -> FloatArray | float:
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


def wrap_distance(a: FloatArray, b: FloatArray, period: float = np.pi) -> FloatArray:
    """``circular_distance`` without argument checks, for arrays already validated."""
    d = np.mod(a - b, period)
    return np.minimum(d, period - d)


def signed_dpo(a: FloatArray, b: FloatArray) -> FloatArray:
    """Signed orientation difference ``a - b`` wrapped to ``[-π/2, π/2)`` (rad, no checks)."""
    return np.mod(a - b + np.pi / 2, np.pi) - np.pi / 2


#: |ΔPO| in degrees is rounded to this many decimals before binning, so that pairs on a
#: bin edge are binned the same way on every code path (dense, sparse, chunked)
DPO_DECIMALS = 9


def dpo_bin_index(dpo_deg: FloatArray, lo: Sequence[float] | FloatArray,
                  hi: Sequence[float] | FloatArray) -> IntArray:
    """Bin of each |ΔPO| (degrees): ``k`` with ``lo[k] <= d < hi[k]`` (the last bin is
    closed), ``-1`` outside every bin. ``d`` is rounded to :data:`DPO_DECIMALS` first.
    """
    d = np.round(dpo_deg, DPO_DECIMALS)
    idx = np.full(d.shape, -1, dtype=np.int64)
    for k in range(len(lo)):
        m = (d >= lo[k]) & ((d <= hi[k]) if k == len(lo) - 1 else (d < hi[k]))
        idx[m] = k
    return idx


#: below this many POs :func:`dpo_pair_counts` compares every pair (as it always did)
DPO_PAIRS_BRUTE_MAX = 4000
_PAIR_CHUNK = 2 ** 18      # pairs per chunk of the all-pairs comparison (~2 MB per array)
_EDGE_EPS = 1e-6           # rad: pairs this close to a bin edge are binned one by one


def _dpo_pairs_brute(po: FloatArray, lo: FloatArray, hi: FloatArray,
                     po_post: FloatArray | None = None, unordered: bool = False) -> IntArray:
    """Every pair compared, in chunks of rows (at most ``_PAIR_CHUNK`` pairs)."""
    post = po if po_post is None else po_post
    counts = np.zeros(lo.size, dtype=np.int64)
    step = max(1, _PAIR_CHUNK // max(1, post.size))
    for s in range(0, po.size, step):
        e = min(s + step, po.size)
        if unordered:          # columns j > i of rows s..e-1
            k = dpo_bin_index(np.degrees(wrap_distance(po[s:e, None], post[None, s + 1:])),
                              lo, hi)
            k[np.arange(s, e)[:, None] >= np.arange(s + 1, post.size)[None, :]] = -1
        else:
            k = dpo_bin_index(np.degrees(wrap_distance(po[s:e, None], post[None, :])), lo, hi)
        counts += np.bincount(k[k >= 0], minlength=lo.size)
    return counts


def dpo_pair_counts(po: ArrayLike, lo: ArrayLike, hi: ArrayLike,
                    po_post: ArrayLike | None = None, *, unordered: bool = False
                    ) -> IntArray:
    """Neuron pairs per |ΔPO| bin, synapse or not: the one pair count of the package.

    Ordered pairs (i, j) of ``po`` (self-pairs included); with ``po_post``, the pairs
    (i, j) of ``po[i]`` and ``po_post[j]``; with ``unordered``, the pairs i < j of
    ``po``, binned by |ΔPO|(po[i], po[j]).

    The counts of binning every pair with :func:`dpo_bin_index`, exactly. Up to
    :data:`DPO_PAIRS_BRUTE_MAX` POs every pair is compared; above, in O(n log n + pairs
    near an edge): on the circle of orientations sorted once, the pairs farther than
    1e-6 rad from every bin edge are counted by binary search per stretch between
    edges (one bin per stretch), and the pairs within 1e-6 rad of an edge -- on a grid
    of POs, those exactly on an edge -- are binned one by one as above.

    Parameters
    ----------
    po : ndarray (n,)
        Finite preferred orientations, rad (presynaptic, with ``po_post``).
    lo, hi : ndarray (n_bins,)
        Bin edges, degrees, as :func:`dpo_bin_index` takes them.
    po_post : ndarray (m,), optional
        Finite preferred orientations of the postsynaptic population, rad. Pairs of two
        populations, and unordered pairs, are always compared one by one (in chunks).
    unordered : bool
        Count the pairs i < j of ``po`` only (not with ``po_post``).

    Returns
    -------
    ndarray (n_bins,) of int64
    """
    po = np.asarray(po, dtype=np.float64)
    lo, hi = np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)
    if po_post is not None or unordered:
        if po_post is not None and unordered:
            raise ValueError("dpo_pair_counts: unordered pairs are of one population "
                             "(no po_post)")
        return _dpo_pairs_brute(po, lo, hi,
                                None if po_post is None else
                                np.asarray(po_post, dtype=np.float64), unordered)
    n = po.size
    if n <= DPO_PAIRS_BRUTE_MAX:
        return _dpo_pairs_brute(po, lo, hi)
    eps = _EDGE_EPS
    order = np.argsort(np.mod(po, np.pi), kind="stable")
    orig = po[order]
    s = np.mod(orig, np.pi)
    s3 = np.concatenate([s - np.pi, s, s + np.pi])
    o3 = np.tile(orig, 3)
    # edges of the bins on x = (PO_j − PO_i) mod π: |ΔPO| = min(x, π − x) has its kink
    # at π/2, so that is an edge too; x = 0 ≡ π is covered by the window around 0
    e = np.radians(np.concatenate([lo, hi]))
    t = np.unique(np.concatenate([e, np.pi - e, [np.pi / 2]]))
    t = t[(t > 0) & (t < np.pi)]
    if t.size and (t[0] <= 2 * eps or t[-1] >= np.pi - 2 * eps):
        return _dpo_pairs_brute(po, lo, hi)     # an edge inside the window around 0
    bounds = np.concatenate([[-eps, eps], np.ravel(np.column_stack([t - eps, t + eps])),
                             [np.pi - eps]])
    if np.any(np.diff(bounds) <= 0):            # edges closer than 2·1e-6 rad
        return _dpo_pairs_brute(po, lo, hi)
    a = np.mod(po, np.pi)
    counts = np.zeros(lo.size, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    mid = (bounds[1:-1:2] + bounds[2::2]) / 2      # one bin per stretch between windows
    seg_bins = dpo_bin_index(np.degrees(np.minimum(mid, np.pi - mid)), lo, hi)
    step = max(1, _PAIR_CHUNK // (4 * bounds.size))
    for c in range(0, n, step):
        ai = a[c:c + step]
        P = np.searchsorted(s3, ai[:, None] + bounds[None, :], side="left")
        seg = P[:, 2::2] - P[:, 1:-1:2]            # pairs between two edge windows
        win = P[:, 1::2] - P[:, 0:-1:2]            # pairs inside a window
        total[c:c + step] = seg.sum(axis=1) + win.sum(axis=1)
        inside = seg_bins >= 0
        counts += np.bincount(seg_bins[inside], weights=seg.sum(axis=0)[inside],
                              minlength=lo.size).astype(np.int64)
        # the pairs inside the windows, one by one, as the all-pairs comparison does
        starts, lens = P[:, 0:-1:2].ravel(), win.ravel()
        rows = np.repeat(np.arange(c, c + ai.size), win.shape[1])
        rows, starts, lens = rows[lens > 0], starts[lens > 0], lens[lens > 0]
        if lens.size:
            i_of = np.repeat(rows, lens)
            j_idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
            k = dpo_bin_index(np.degrees(wrap_distance(po[i_of], o3[j_idx])), lo, hi)
            counts += np.bincount(k[k >= 0], minlength=lo.size)
    if np.any(total != n):        # a PO straddled the wrap in rounding: compare all
        return _dpo_pairs_brute(po, lo, hi)
    return counts
