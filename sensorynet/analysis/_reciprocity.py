"""Reciprocity of strong connections: bidirectional pairs against independent placement
(global null), against placement with the observed dependence on |ΔPO| (ΔPO-matched null),
and the correlation of w_ij with w_ji.
"""
from __future__ import annotations

import numpy as np

from .. import _csr as csr
from .._orientation import dpo_bin_index, wrap_distance
from .._validate import check_n_exc, check_real, check_W
from .._weights import SparseWeights

__all__ = ["bidirectional_counts", "bidirectional_counts_dpo_matched",
           "bidirectional_surplus", "reciprocal_correlation", "DPO_MATCH_BINS_DEG"]

#: |ΔPO| bins of the ΔPO-matched null, degrees (10° wide)
DPO_MATCH_BINS_DEG = tuple((lo, lo + 10) for lo in range(0, 90, 10))


def _check_weights(W):
    return csr.check_sparse(W) if isinstance(W, SparseWeights) else check_W(W)


def bidirectional_counts(W, n_exc, threshold=1.0):
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
    w = _check_weights(W)
    n_exc = check_n_exc(n_exc, w.shape[0])
    threshold = check_real(threshold, "threshold")
    if isinstance(w, SparseWeights):
        n_strong, observed = (int(x) for x in csr.csr_bidirectional_counts(w, n_exc,
                                                                             threshold))
    else:
        strong = w[:n_exc, :n_exc] > threshold
        np.fill_diagonal(strong, False)
        n_strong = int(np.count_nonzero(strong))
        observed = int(np.count_nonzero(strong & strong.T)) // 2
    n_pairs = n_exc * (n_exc - 1) // 2
    if n_pairs:
        q = n_strong / (2.0 * n_pairs)
        expected = n_pairs * q * q
    else:
        q = expected = float("nan")
    return {"observed": observed, "expected": float(expected), "n_strong": n_strong,
            "n_pairs": n_pairs, "q": float(q)}


def bidirectional_counts_dpo_matched(W, po, n_exc, threshold=1.0,
                                     bins_deg=DPO_MATCH_BINS_DEG):
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
    w = _check_weights(W)
    n_exc = check_n_exc(n_exc, w.shape[0])
    threshold = check_real(threshold, "threshold")
    p = np.asarray(po, dtype=np.float64)
    if p.shape != (w.shape[0],):
        raise ValueError(f"po must have shape ({w.shape[0]},), got {p.shape}")
    b = np.asarray(bins_deg, dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] < 1 or not (b[:, 1] > b[:, 0]).all():
        raise ValueError(f"bins_deg must be a sequence of (lo, hi) pairs, got {bins_deg!r}")
    keep = np.flatnonzero(np.isfinite(p[:n_exc]))
    n = keep.size
    if isinstance(w, SparseWeights):
        n_pairs, n_strong, obs_bin, n_strong_all, observed = csr.csr_dpo_matched_counts(
            w, p, keep, threshold, b[:, 0], b[:, 1])
    else:
        strong = w[np.ix_(keep, keep)] > threshold
        np.fill_diagonal(strong, False)
        upper = np.triu(np.ones((n, n), dtype=bool), k=1)
        k = dpo_bin_index(np.degrees(wrap_distance(p[keep][:, None], p[keep][None, :])),
                          b[:, 0], b[:, 1])
        both = strong & strong.T
        nb = b.shape[0]
        sel = upper & (k >= 0)
        n_pairs = np.bincount(k[sel], minlength=nb)
        n_strong = (np.bincount(k[sel], weights=strong[sel], minlength=nb)
                    + np.bincount(k[sel], weights=strong.T[sel], minlength=nb))
        obs_bin = np.bincount(k[sel], weights=both[sel], minlength=nb).astype(np.int64)
        observed = int(np.count_nonzero(both & upper))
        n_strong_all = int(np.count_nonzero(strong))
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(n_pairs > 0, n_strong / (2.0 * np.maximum(n_pairs, 1)), np.nan)
    n_all = n * (n - 1) // 2
    q_all = n_strong_all / (2.0 * n_all) if n_all else float("nan")
    e_glob = n_all * q_all * q_all if n_all else float("nan")
    e_dpo = float(np.nansum(n_pairs * q * q)) if n_all else float("nan")

    def _ratio(a, c):
        return float(a / c) if np.isfinite(c) and c > 0 else float("nan")
    return {"observed": observed, "expected_global": float(e_glob), "expected_dpo": e_dpo,
            "surplus_global": _ratio(observed, e_glob), "surplus_dpo": _ratio(observed, e_dpo),
            "explained_by_dpo": _ratio(e_dpo - e_glob, observed - e_glob)
            if observed > e_glob else float("nan"),
            "bins_deg": [list(map(float, x)) for x in b],
            "n_pairs": [int(x) for x in n_pairs], "observed_per_bin": obs_bin.tolist(),
            "q_per_bin": [float(x) for x in q]}


def bidirectional_surplus(W, n_exc, threshold=1.0):
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


def reciprocal_correlation(W, n_exc):
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
    w = _check_weights(W)
    n_exc = check_n_exc(n_exc, w.shape[0])
    if isinstance(w, SparseWeights):
        a, b = csr.csr_reciprocal_pairs(w, n_exc)
    else:
        e = w[:n_exc, :n_exc]
        upper = np.triu(np.ones((n_exc, n_exc), dtype=bool), k=1)
        upper &= (e != 0) & (e.T != 0)
        a, b = e[upper], e.T[upper]
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    r = float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return min(1.0, max(-1.0, r))


