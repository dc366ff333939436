"""Reciprocity of strong connections: bidirectional pairs against independent placement,
and the correlation of w_ij with w_ji.
"""
from __future__ import annotations

import numpy as np
from .._checks import check_W, check_n_exc, check_real

__all__ = ["bidirectional_counts", "bidirectional_surplus", "reciprocal_correlation"]


def bidirectional_counts(W, n_exc, threshold=1.0):
    """Count reciprocally strong E<->E pairs and the count expected by chance.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
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
    w = check_W(W)
    n_exc = check_n_exc(n_exc, w.shape[0])
    threshold = check_real(threshold, "threshold")
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


def bidirectional_surplus(W, n_exc, threshold=1.0):
    """Over-representation of reciprocally strong E<->E pairs.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
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
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    float
        Correlation of ``W[i, j]`` with ``W[j, i]`` over unordered pairs ``i < j`` of
        E neurons where both synapses exist (non-zero). ``nan`` with fewer than 3
        such pairs or when either direction has constant weights.
    """
    w = check_W(W)
    n_exc = check_n_exc(n_exc, w.shape[0])
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


