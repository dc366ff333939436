"""Reciprocity of strong connections: bidirectional pairs against independent placement
(global null), against placement with the observed dependence on |ΔPO| (ΔPO-matched null),
and the correlation of w_ij with w_ji.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._orientation import dpo_bin_index, wrap_distance
from .._types import BoolArray, FloatArray, IntArray
from .._validate import check_n_exc, check_real
from .._weights import SparseWeights, as_csr
from ._pairs import pair_counts

__all__ = ["bidirectional_counts", "bidirectional_counts_dpo_matched",
           "bidirectional_surplus", "reciprocal_correlation", "reciprocal_pairs",
           "DPO_MATCH_BINS_DEG"]

Weights = npt.ArrayLike | SparseWeights

#: |ΔPO| bins of the ΔPO-matched null, degrees (10° wide)
DPO_MATCH_BINS_DEG = tuple((lo, lo + 10) for lo in range(0, 90, 10))


def _marked(W: SparseWeights, idx: IntArray, threshold: float
            ) -> tuple[IntArray, IntArray, BoolArray, bool]:
    """Off-diagonal entries among neurons ``idx`` that are strong (``> threshold``) or,
    for ``threshold < 0`` (absent synapses are strong then), that are *not* strong.

    Returns positions in ``idx`` (r, c), whether the transposed entry is marked too,
    and whether the marks are the complement.
    """
    n = idx.size
    r, c, sel = W.group_coords(idx)
    complement = threshold < 0
    sel &= r != c
    sel &= (W.data <= threshold) if complement else (W.data > threshold)
    r, c = r[sel], c[sel]
    key = r * n + c
    order = np.argsort(key, kind="stable")
    r, c, key = r[order], c[order], key[order]
    if key.size:
        tkey = c * n + r
        mutual = key[np.minimum(np.searchsorted(key, tkey), key.size - 1)] == tkey
    else:
        mutual = np.zeros(0, bool)
    return r, c, mutual, complement


def _strong_totals(n_marked: Any, n_mutual: Any, n_pairs: Any, complement: bool
                   ) -> tuple[Any, Any]:
    """(strong ordered pairs, reciprocally strong unordered pairs) from the marks."""
    if complement:
        return 2 * n_pairs - n_marked, n_pairs - (n_marked - n_mutual)
    return n_marked, n_mutual


def bidirectional_counts(W: Weights, n_exc: int, threshold: float = 1.0
                         ) -> dict[str, int | float]:
    """Count reciprocally strong E<->E pairs and the count expected by chance.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    n_exc : int
        Number of excitatory neurons.
    threshold : float
        A connection is *strong* when ``W > threshold`` (mV).

    Returns
    -------
    dict
        * ``"observed"`` (int): unordered pairs ``i < j`` of E neurons with both
          ``W[i, j]`` and ``W[j, i]`` strong;
        * ``"n_strong"`` (int): strong ordered pairs ``i != j`` (autapses excluded);
        * ``"n_pairs"`` (int): ``n_exc (n_exc - 1) / 2`` unordered pairs;
        * ``"q"`` (float): ``n_strong / (n_exc (n_exc - 1))``;
        * ``"expected"`` (float): ``n_pairs * q**2``, the count if strong
          connections were placed independently.

        With fewer than 2 E neurons, ``q`` and ``expected`` are ``nan``.
    """
    w = as_csr(W)
    n_exc = check_n_exc(n_exc, w.N)
    threshold = check_real(threshold, "threshold")
    n_pairs = n_exc * (n_exc - 1) // 2
    r, c, mutual, comp = _marked(w, np.arange(n_exc), threshold)
    n_strong, observed = (int(x) for x in _strong_totals(
        r.size, int(np.count_nonzero(mutual & (r < c))), n_pairs, comp))
    if n_pairs:
        q = n_strong / (2.0 * n_pairs)
        expected = n_pairs * q * q
    else:
        q = expected = float("nan")
    return {"observed": observed, "expected": float(expected), "n_strong": n_strong,
            "n_pairs": n_pairs, "q": float(q)}


def bidirectional_counts_dpo_matched(W: Weights, po: npt.ArrayLike, n_exc: int,
                                     threshold: float = 1.0,
                                     bins_deg: Any = DPO_MATCH_BINS_DEG) -> dict[str, Any]:
    """Reciprocally strong E<->E pairs against a null that keeps the |ΔPO| dependence.

    Feature-specific connectivity alone makes strong connections reciprocal more often
    than independent placement predicts: a pair with small |ΔPO| is likely strong in
    *both* directions. The ΔPO-matched null places strong connections independently
    *given* the pair's |ΔPO| bin: with ``q_b`` the fraction of ordered E pairs in bin
    ``b`` that are strong, it expects ``sum_b n_b q_b**2`` reciprocal pairs (``n_b``
    unordered pairs in bin ``b``; |ΔPO| is symmetric, so both directions share a bin).

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    po : array_like, shape (N,)
        Preferred orientations, rad (input PO). E neurons with a non-finite PO are left
        out of every count.
    n_exc : int
    threshold : float
        A connection is strong when ``W > threshold`` (mV).
    bins_deg : sequence of (lo, hi)
        |ΔPO| bins, degrees, covering 0–90° (``[lo, hi)``, the last ``[lo, hi]``).

    Returns
    -------
    dict
        ``observed`` (int, as :func:`bidirectional_counts` over the E neurons kept),
        ``expected_global`` (independent placement), ``expected_dpo`` (ΔPO-matched),
        ``surplus_global`` = observed / expected_global, ``surplus_dpo`` =
        observed / expected_dpo, ``explained_by_dpo`` = (expected_dpo −
        expected_global) / (observed − expected_global), the share of the surplus over
        the global null that the |ΔPO| dependence accounts for (nan without a
        surplus), and per bin ``n_pairs``, ``observed_per_bin``, ``q_per_bin``.

    Examples
    --------
    Two co-tuned pairs, each strong both ways, and no other strong connection: the
    surplus over the global null is entirely explained by |ΔPO|.

    >>> import numpy as np
    >>> W = np.zeros((4, 4)); W[0, 1] = W[1, 0] = W[2, 3] = W[3, 2] = 2.0
    >>> po = np.radians([0.0, 1.0, 90.0, 91.0])
    >>> c = bidirectional_counts_dpo_matched(W, po, 4, bins_deg=((0, 45), (45, 90)))
    >>> c["observed"], round(c["expected_global"], 3), c["expected_dpo"]
    (2, 0.667, 2.0)
    >>> c["explained_by_dpo"]
    1.0
    """
    w = as_csr(W)
    n_exc = check_n_exc(n_exc, w.N)
    threshold = check_real(threshold, "threshold")
    p = np.asarray(po, dtype=np.float64)
    if p.shape != (w.N,):
        raise ValueError(f"po must have shape ({w.N},), got {p.shape}")
    b = np.asarray(bins_deg, dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] < 1 or not (b[:, 1] > b[:, 0]).all():
        raise ValueError(f"bins_deg must be a sequence of (lo, hi) pairs, got {bins_deg!r}")
    lo, hi = np.ascontiguousarray(b[:, 0]), np.ascontiguousarray(b[:, 1])
    keep = np.flatnonzero(np.isfinite(p[:n_exc]))
    n = keep.size
    pk = p[keep]
    n_pairs = pair_counts(pk, None, lo, hi, unordered=True)
    r, c, mutual, comp = _marked(w, keep, threshold)
    k = dpo_bin_index(np.degrees(wrap_distance(pk[np.minimum(r, c)], pk[np.maximum(r, c)])),
                      lo, hi)
    up = mutual & (r < c)
    marked_b = np.bincount(k[k >= 0], minlength=lo.size)
    mutual_b = np.bincount(k[up & (k >= 0)], minlength=lo.size)
    n_strong, obs_bin = _strong_totals(marked_b, mutual_b, n_pairs, comp)
    n_strong = n_strong.astype(np.float64)
    obs_bin = np.asarray(obs_bin, np.int64)
    n_strong_all, observed = (int(x) for x in _strong_totals(
        r.size, int(np.count_nonzero(up)), n * (n - 1) // 2, comp))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(n_pairs > 0, n_strong / (2.0 * np.maximum(n_pairs, 1)), np.nan)
    n_all = n * (n - 1) // 2
    q_all = n_strong_all / (2.0 * n_all) if n_all else float("nan")
    e_glob = n_all * q_all * q_all if n_all else float("nan")
    e_dpo = float(np.nansum(n_pairs * q * q)) if n_all else float("nan")

    def _ratio(a: float, c: float) -> float:
        return float(a / c) if np.isfinite(c) and c > 0 else float("nan")
    return {"observed": observed, "expected_global": float(e_glob), "expected_dpo": e_dpo,
            "surplus_global": _ratio(observed, e_glob), "surplus_dpo": _ratio(observed, e_dpo),
            "explained_by_dpo": _ratio(e_dpo - e_glob, observed - e_glob)
            if observed > e_glob else float("nan"),
            "bins_deg": [list(map(float, x)) for x in b],
            "n_pairs": [int(x) for x in n_pairs], "observed_per_bin": obs_bin.tolist(),
            "q_per_bin": [float(x) for x in q]}


def bidirectional_surplus(W: Weights, n_exc: int, threshold: float = 1.0) -> float:
    """Over-representation of reciprocally strong E<->E pairs.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    n_exc : int
        Number of excitatory neurons.
    threshold : float
        Strength threshold (mV), see :func:`bidirectional_counts`.

    Returns
    -------
    float
        ``observed / expected`` from :func:`bidirectional_counts`; 1 for independent
        placement, > 1 when strong connections are preferentially reciprocal.
        ``nan`` when ``expected`` is 0 or undefined.
    """
    c = bidirectional_counts(W, n_exc, threshold)
    e = c["expected"]
    return float(c["observed"] / e) if np.isfinite(e) and e > 0 else float("nan")


def reciprocal_correlation(W: Weights, n_exc: int) -> float:
    """Pearson correlation between the two directions of reciprocal E<->E synapses.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    float
        Correlation of ``W[i, j]`` with ``W[j, i]`` over unordered pairs ``i < j`` of
        E neurons where both synapses exist (non-zero). ``nan`` with fewer than 3
        such pairs or when either direction has constant weights.
    """
    w = as_csr(W)
    n_exc = check_n_exc(n_exc, w.N)
    a, b = _reciprocal_pairs(w, n_exc)
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    r = float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return min(1.0, max(-1.0, r))


def reciprocal_pairs(W: Weights, n_exc: int
                     ) -> tuple[FloatArray, FloatArray]:
    """Both directions of the reciprocal E→E synapses.

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV); sparse ones are never expanded to N×N.
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    w_ij, w_ji : ndarray of float64
        ``W[i, j]`` and ``W[j, i]`` (mV) over E pairs ``i < j`` where both are
        non-zero, in row-major order of ``(i, j)``.
    """
    w = as_csr(W)
    return _reciprocal_pairs(w, check_n_exc(n_exc, w.N))


def _reciprocal_pairs(W: SparseWeights, n_exc: int
                      ) -> tuple[FloatArray, FloatArray]:
    """Both directions of the reciprocal E→E synapses.

    Parameters
    ----------
    W : SparseWeights
    n_exc : int

    Returns
    -------
    a, b : ndarray of float64
        ``W[i, j]`` and ``W[j, i]`` over E pairs ``i < j`` where both are non-zero, in
        row-major order of ``(i, j)`` (as ``reciprocity.reciprocal_correlation``).
    """
    e = slice(0, n_exc)
    rows, cols, vals = W.entries(e, e)
    key = rows * n_exc + cols                     # sorted: CSR order
    up = rows < cols
    tkey = cols[up] * n_exc + rows[up]
    if key.size == 0:
        return np.zeros(0), np.zeros(0)
    pos = np.minimum(np.searchsorted(key, tkey), key.size - 1)
    found = key[pos] == tkey
    return vals[up][found], vals[pos[found]]
