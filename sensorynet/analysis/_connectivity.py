"""Structure of a (learned) weight matrix (docs/model.md §1, §6).

Pure-numpy measures of how recurrent weights relate to the neurons' preferred
orientations, how many synapses were pruned or saturated by learning, and how strong
connections pair up reciprocally.

Conventions
-----------
* ``W[pre, post]`` (row = presynaptic neuron), an N x N real matrix in mV or a
  :class:`~sensorynet._weights.SparseWeights`; ``W == 0`` means "no synapse" (a stored
  zero is a pruned synapse). Every measure computes on the CSR form: a dense matrix is
  converted once, at the public function's boundary (``_weights.as_csr``).
* Neurons ``0 .. n_exc-1`` are excitatory (E), ``n_exc .. N-1`` inhibitory (I).
* Pathways are named pre-then-post: ``"EE"`` (E->E), ``"EI"`` (E->I), ``"IE"``
  (I->E), ``"II"`` (I->I).
* Preferred orientations ``po`` are in rad with period pi, so ``|dPO|`` is in
  ``[0, pi/2]`` (0..90 degrees).
* Autapses (the diagonal) are included wherever the pre and post populations overlap,
  as in the published code, whose W has a non-excluded diagonal.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .. import _weights
from .._orientation import DPO_BINS_DEG, dpo_bin_index, wrap_distance
from .._types import FloatArray, IntArray
from .._validate import as_real_array, check_n_exc, check_real
from .._weights import (
    PATHWAYS_PLASTIC,
    SparseWeights,
    as_csr,
    existing_pairs,
    pathway_slices,
)
from ._pairs import pair_counts
from ._reciprocity import bidirectional_counts, reciprocal_correlation

__all__ = [
    "DPO_BINS_DEG",
    "delta_po",
    "specificity",
    "weights_vs_delta_po",
    "pruning_stats",
    "mean_weight_within_groups",
    "connectivity_summary",
]

Weights = npt.ArrayLike | SparseWeights
Bins = tuple[tuple[float, float], ...] | npt.ArrayLike


def _check_po(po: npt.ArrayLike, n: int) -> FloatArray:
    p = as_real_array(po, "po", ndim=1)
    if p.size != n:
        raise ValueError(f"po must have length N={n}, got {p.size}")
    return p


def _check_bins(bins_deg: Bins) -> tuple[FloatArray, FloatArray]:
    b = as_real_array(bins_deg, "bins_deg")
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] < 1:
        raise ValueError(f"bins_deg must be a sequence of (lo, hi) pairs, got shape {b.shape}")
    lo, hi = b[:, 0], b[:, 1]
    if (lo < 0).any():
        raise ValueError("bins_deg edges must be >= 0 degrees")
    if not (hi > lo).all() or not (lo[1:] >= hi[:-1]).all():
        raise ValueError("bins_deg must be increasing: lo < hi within a bin and bins "
                         "sorted without overlap")
    return np.ascontiguousarray(lo), np.ascontiguousarray(hi)


def csr_specificity(w: SparseWeights, p: FloatArray, pre: slice, post: slice,
                    lo: FloatArray, hi: FloatArray, existing_only: bool,
                    w0: SparseWeights | None = None) -> FloatArray:
    """:func:`specificity` of checked CSR weights, POs, block and bins.

    The weights of a bin are summed in CSR (row-major) order, so a dense matrix gives
    the numbers of summing its block row by row (zeros leave a float sum unchanged).
    """
    if existing_only and w0 is not None:     # the synapses of W0, pruned ones as 0
        rows, cols, _ = w0.entries(pre, post)
        vals = existing_pairs(w0, w, pre, post)[1]
    else:
        rows, cols, vals = w.entries(pre, post)
    sums, k = _bin_sums(p, rows, cols, vals, lo, hi)
    counts = (np.bincount(k[k >= 0], minlength=lo.size) if existing_only
              else _all_pair_counts(p, pre, post, lo, hi))
    return _means(sums, counts)


def _bin_sums(p: FloatArray, rows: IntArray, cols: IntArray,
              vals: FloatArray, lo: FloatArray, hi: FloatArray
              ) -> tuple[FloatArray, IntArray]:
    """Summed weight per |ΔPO| bin, and the bin of each synapse (-1: none)."""
    k = dpo_bin_index(np.degrees(wrap_distance(p[rows], p[cols])), lo, hi)
    m = k >= 0
    return np.asarray(np.bincount(k[m], weights=vals[m], minlength=lo.size),
                      dtype=np.float64), k


def _all_pair_counts(p: FloatArray, pre: slice, post: slice, lo: FloatArray,
                     hi: FloatArray) -> IntArray:
    return pair_counts(p[pre], None if pre == post else p[post], lo, hi)


def _means(sums: FloatArray, counts: IntArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _both_specificities(w: SparseWeights, p: FloatArray, n_exc: int, pathway: str,
                        lo: FloatArray, hi: FloatArray) -> dict[str, FloatArray]:
    """``{"all": ..., "existing": ...}`` :func:`specificity` of one pathway: the two
    means share their sums (existing synapses only carry weight), so one pass."""
    pre, post = pathway_slices(pathway, n_exc, w.N)
    rows, cols, vals = w.entries(pre, post)
    sums, k = _bin_sums(p, rows, cols, vals, lo, hi)
    return {"all": _means(sums, _all_pair_counts(p, pre, post, lo, hi)),
            "existing": _means(sums, np.bincount(k[k >= 0], minlength=lo.size))}


# ------------------------------------------------------------------------ public API
def delta_po(po: npt.ArrayLike) -> FloatArray:
    """Matrix of preferred-orientation differences.

    Parameters
    ----------
    po : array_like, shape (N,)
        Preferred orientations (rad, period pi), finite.

    Returns
    -------
    ndarray, shape (N, N)
        ``D[pre, post]`` = circular distance between ``po[pre]`` and ``po[post]``
        (rad, period pi), in ``[0, pi/2]``; symmetric with zero diagonal.

    Examples
    --------
    170° and 10° are 20° apart (orientations repeat every 180°):

    >>> import numpy as np
    >>> np.degrees(delta_po(np.radians([170.0, 10.0, 100.0]))).round(6)
    array([[ 0., 20., 70.],
           [20.,  0., 90.],
           [70., 90.,  0.]])
    """
    p = as_real_array(po, "po", ndim=1)
    return wrap_distance(p[:, None], p[None, :])


def specificity(W: Weights, po: npt.ArrayLike, n_exc: int, pathway: str = "EE",
                bins_deg: Bins = DPO_BINS_DEG, existing_only: bool = False, *,
                W0: Weights | None = None) -> FloatArray:
    """Mean weight as a function of |dPO| (connection specificity, Fig 3G).

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    po : array_like, shape (N,)
        Preferred orientation of each neuron (rad).
    n_exc : int
        Number of excitatory neurons.
    pathway : {"EE", "EI", "IE", "II"}
        Which block of W to analyse (pre population first).
    bins_deg : sequence of (lo, hi)
        |dPO| bins in degrees, increasing and non-overlapping. Bins are ``[lo, hi)``
        except the last, which is ``[lo, hi]`` (so 90 deg falls in the last default
        bin). |dPO| is rounded to 1e-9 deg before binning so that pairs lying on an
        edge of an evenly spaced PO grid are binned deterministically.
    existing_only : bool
        False (default, as in the published figure): average over all ordered pairs,
        absent synapses counting as 0 mV. True: average only over existing synapses:
        ``W != 0``, or, with ``W0``, the synapses of ``W0`` (``W0 != 0``), pruned ones
        counting as 0 mV.
    W0 : array_like, shape (N, N), or SparseWeights, optional
        Initial weights (mV) defining the existing synapses (only with
        ``existing_only``).

    Returns
    -------
    ndarray, shape (n_bins,)
        Mean weight (mV) per bin; ``nan`` for a bin without pairs. Autapses
        (``pre == post``, |dPO| = 0) are included for ``"EE"`` and ``"II"``.

    Examples
    --------
    >>> import numpy as np
    >>> po = np.radians([0.0, 10.0, 90.0])
    >>> W = np.array([[0.0, 1.0, 0.2], [1.0, 0.0, 0.2], [0.2, 0.2, 0.0]])
    >>> specificity(W, po, 3, "EE").round(3)           # autapses count as pairs at 0°
    array([0.4, nan, 0.2])
    """
    w = as_csr(W)
    p = _check_po(po, w.N)
    n_exc = check_n_exc(n_exc, w.N)
    pre, post = pathway_slices(pathway, n_exc, w.N)
    lo, hi = _check_bins(bins_deg)
    if not isinstance(existing_only, (bool, np.bool_)):
        raise TypeError(f"existing_only must be a bool, got {type(existing_only).__name__}")
    w0 = None
    if W0 is not None:
        if not existing_only:
            raise ValueError("specificity: W0 defines the existing synapses, so it needs "
                             "existing_only=True")
        w0 = as_csr(W0, "W0")
        if w0.N != w.N:
            raise ValueError(f"W and W0 must have the same shape, got {w.shape} and "
                             f"{w0.shape}")
    return csr_specificity(w, p, pre, post, lo, hi, bool(existing_only), w0)


def weights_vs_delta_po(W: Weights, po: npt.ArrayLike, n_exc: int, pathway: str
                        ) -> tuple[FloatArray, FloatArray]:
    """Weights of existing synapses against their |dPO| (for scatter plots, Fig 3D-F).

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV).
    po : array_like, shape (N,)
        Preferred orientations (rad).
    n_exc : int
        Number of excitatory neurons.
    pathway : {"EE", "EI", "IE", "II"}
        Block of W to use (autapses included).

    Returns
    -------
    dpo : ndarray, shape (n_syn,)
        |dPO| of each existing synapse (rad, in ``[0, pi/2]``), row-major order.
    w : ndarray, shape (n_syn,)
        The corresponding weights (mV), all non-zero.
    """
    w = as_csr(W)
    p = _check_po(po, w.N)
    pre, post = pathway_slices(pathway, check_n_exc(n_exc, w.N), w.N)
    rows, cols, vals = w.entries(pre, post)
    return wrap_distance(p[rows], p[cols]), vals.copy()


def pruning_stats(W: Weights, W0: Weights, n_exc: int, w_max: float = 2.0,
                  w_min_inh: float = -5.0) -> dict[str, dict[str, float | int]]:
    """Fate of the initial synapses after learning.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Learned weights (mV).
    W0 : array_like, shape (N, N), or SparseWeights
        Initial weights (mV); ``W0 != 0`` defines the synapses that existed.
    n_exc : int
        Number of excitatory neurons.
    w_max : float
        Upper bound of excitatory weights (mV), > 0.
    w_min_inh : float
        Bound of inhibitory (I->E) weights (mV), < 0.

    Returns
    -------
    dict
        For each of ``"EE"``, ``"EI"``, ``"IE"`` a dict with, over the synapses
        existing in ``W0``:

        * ``"n_existing"``: their number (int);
        * ``"pruned"``: fraction now exactly 0;
        * ``"at_bound"``: fraction exactly at the bound (``w_max`` for EE/EI,
          ``w_min_inh`` for IE);
        * ``"mean_existing"``: mean weight in W (mV), pruned ones counting as 0.

        Fractions and means are ``nan`` when no synapse existed.
    """
    w, w0 = as_csr(W, "W"), as_csr(W0, "W0")
    if w.N != w0.N:
        raise ValueError(f"W and W0 must have the same shape, got {w.shape} and {w0.shape}")
    n_exc = check_n_exc(n_exc, w.N)
    w_max = check_real(w_max, "w_max")
    w_min_inh = check_real(w_min_inh, "w_min_inh")
    if w_max <= 0:
        raise ValueError(f"w_max must be > 0, got {w_max}")
    if w_min_inh >= 0:
        raise ValueError(f"w_min_inh must be < 0, got {w_min_inh}")
    out: dict[str, dict[str, float | int]] = {}
    for name, bound in (("EE", w_max), ("EI", w_max), ("IE", w_min_inh)):
        vals = existing_pairs(w0, w, *pathway_slices(name, n_exc, w.N))[1]
        if vals.size:
            stats = {"pruned": float(np.mean(vals == 0)),
                     "at_bound": float(np.mean(vals == bound)),
                     "mean_existing": float(vals.mean())}
        else:
            stats = dict.fromkeys(("pruned", "at_bound", "mean_existing"), float("nan"))
        out[name] = {"n_existing": int(vals.size), **stats}
    return out


def mean_weight_within_groups(W: Weights, groups_mask: npt.ArrayLike, n_exc: int) -> float:
    """Mean E->E weight among a group of excitatory neurons.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV).
    groups_mask : array_like of bool, shape (n_exc,)
        Selects the E neurons of the group.
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    float
        Mean of ``W[i, j]`` (mV) over all ordered pairs with ``i`` and ``j`` in the
        group, absent synapses counting as 0 and autapses (``i == j``) included, for
        consistency with :func:`specificity`. ``nan`` for an empty group. Up to
        ``BLOCK_ELEMENTS`` pairs it is numpy's (pairwise) mean of the group's block, as
        the published numbers were computed; larger groups sum their CSR rows.
    """
    w = as_csr(W)
    n_exc = check_n_exc(n_exc, w.N)
    m = np.asarray(groups_mask)
    if m.dtype != np.bool_:
        raise TypeError(f"groups_mask must be a boolean array, got dtype {m.dtype}")
    if m.shape != (n_exc,):
        raise ValueError(f"groups_mask must have shape (n_exc,) = ({n_exc},), got {m.shape}")
    idx = np.flatnonzero(m)
    if idx.size == 0:
        return float("nan")
    if idx.size * idx.size <= _weights.BLOCK_ELEMENTS:
        return float(w.group_block(idx).mean())
    r, _, sel = w.group_coords(idx)
    return float(np.bincount(r[sel], weights=w.data[sel], minlength=idx.size).sum()
                 / (idx.size * idx.size))


def connectivity_summary(W: Weights, po: npt.ArrayLike, n_exc: int, *,
                         W0: Weights | None = None, w_max: float = 2.0,
                         w_min_inh: float = -5.0, bins_deg: Bins = DPO_BINS_DEG,
                         threshold: float = 1.0) -> dict[str, Any]:
    """Feature specificity, pruning and reciprocity of a weight matrix.

    Parameters
    ----------
    W : ndarray (N, N) or SparseWeights
        Weights ``W[pre, post]``, mV; sparse ones are analysed without forming any
        N×N array.
    po : ndarray (N,)
        Preferred orientations used for |ΔPO| (input or measured), rad. Neurons with a
        NaN PO (silent) are left out of the specificity only.
    n_exc : int
        Number of excitatory neurons.
    W0 : ndarray (N, N) or SparseWeights, optional
        Initial weights; adds ``"pruning"`` (fraction pruned to 0 / at the bound).
    w_max, w_min_inh : float
        Weight bounds, mV (for the pruning statistics).
    bins_deg : sequence of (lo, hi)
        |ΔPO| bins, degrees.
    threshold : float
        Strong-connection threshold of the bidirectional surplus, mV.

    Returns
    -------
    dict
        ``"specificity"``: ``{pathway: {"all": mean weight per bin over all pairs (zeros
        counted), "existing": over existing synapses}}`` in mV for E→E, E→I, I→E;
        ``"bidirectional"``: counts of E pairs strong (> threshold) both ways,
        ``observed``/``expected`` (if independent) and ``surplus`` = their ratio;
        ``"reciprocal_correlation"``: Pearson r of w_ij with w_ji; optionally
        ``"pruning"`` (see :func:`sensorynet.analysis._connectivity.pruning_stats`).
    """
    w = as_csr(W)
    p = np.asarray(po, dtype=np.float64)
    if p.shape != (w.N,):
        raise ValueError(f"po must have length N={w.N}, got shape {p.shape}")
    keep = np.flatnonzero(np.isfinite(p))
    ps, ne = p[keep], int(np.count_nonzero(keep < n_exc))
    ws = w if keep.size == w.N else w.select(keep)
    lo, hi = _check_bins(bins_deg)
    n_exc = check_n_exc(n_exc, w.N)
    spec = {pw: _both_specificities(ws, ps, ne, pw, lo, hi) for pw in PATHWAYS_PLASTIC}
    bid = bidirectional_counts(w, n_exc, threshold)
    e = bid["expected"]
    bid["surplus"] = float(bid["observed"] / e) if np.isfinite(e) and e > 0 else float("nan")
    out = {"specificity": spec, "bidirectional": bid,
           "reciprocal_correlation": reciprocal_correlation(w, n_exc)}
    if W0 is not None:
        out["pruning"] = pruning_stats(w, W0, n_exc, w_max, w_min_inh)
    return out
