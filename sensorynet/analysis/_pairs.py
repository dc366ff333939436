"""Neuron pairs per |ΔPO| bin (synapse or not), memoised for the analyses.

The counts depend only on the preferred orientations and the bins, so the initial,
final and per-block measures of one network share them; they are computed by the one
pair count of the package, :func:`sensorynet._orientation.dpo_pair_counts`.
"""
from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from .._orientation import dpo_pair_counts
from .._types import FloatArray, IntArray

__all__ = ["pair_counts"]


_PAIR_CACHE: dict[tuple[str, bool, bool], IntArray] = {}


def pair_counts(p_pre: FloatArray, p_post: FloatArray | None, lo: FloatArray,
                hi: FloatArray, *, unordered: bool = False) -> IntArray:
    """Neuron pairs per |ΔPO| bin (:func:`~sensorynet._orientation.dpo_pair_counts`),
    memoised: they depend only on the POs and the bins, so the initial, final and
    per-block measures of one network share them.

    Parameters
    ----------
    p_pre : ndarray
        Preferred orientations (rad) of the presynaptic population.
    p_post : ndarray or None
        Of the postsynaptic population; None: the same population (exact O(n log n)
        count for large ones).
    lo, hi : ndarray
        Bin edges, degrees.
    unordered : bool
        Pairs i < j of ``p_pre`` only.

    Returns
    -------
    ndarray of int64, shape (n_bins,)
    """
    parts: tuple[npt.ArrayLike, ...] = (p_pre, [np.nan], [] if p_post is None else p_post, [np.nan], lo, hi)
    key = (hashlib.sha256(b"".join(np.ascontiguousarray(x, np.float64).tobytes()
                                   for x in parts)).hexdigest(), bool(unordered),
           p_post is None)
    if key not in _PAIR_CACHE:
        if len(_PAIR_CACHE) >= 16:       # a few networks at a time is plenty
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = dpo_pair_counts(p_pre, lo, hi, p_post, unordered=unordered)
    return _PAIR_CACHE[key].copy()
