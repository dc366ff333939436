"""Summary numbers of the published experiment and the claims they are checked against.

:func:`published_metrics` reduces an :class:`~sensorynet._results.ExperimentResult` to
a small JSON-serialisable dict (plain Python floats and ints); :func:`published_claims`
compares it with the published code's results (docs/model.md §6).

Both dense and sparse (:class:`~sensorynet._weights.SparseWeights`) results are
supported; sparse weights are never expanded to an N x N matrix.
"""
from __future__ import annotations

import numbers

import numpy as np

from .._orientation import DPO_BINS_DEG, dpo_bin_index, dpo_pair_counts, wrap_distance
from .._results import ExperimentResult
from .._weights import PATHWAYS, SparseWeights
from . import _connectivity as connectivity

__all__ = [
    "published_metrics",
    "ee_specificity",
    "existing_weights",
    "DPO_BINS_DEG",
]





def _check_result(result):
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")


def _dpo_deg(a, b):
    return np.degrees(wrap_distance(a, b))


_COUNTS_CACHE: dict = {}


def _pair_counts(pe, lo, hi):
    """Ordered E pairs per |ΔPO| bin (synapse or not), memoised
    (:func:`~sensorynet._orientation.dpo_pair_counts`: exact, O(n log n) for
    large networks); it depends only on the POs and the bins, so initial, final and
    per-block specificities of one network share it.
    """
    import hashlib
    key = hashlib.sha256(pe.tobytes() + lo.tobytes() + hi.tobytes()).hexdigest()
    if key not in _COUNTS_CACHE:
        if len(_COUNTS_CACHE) >= 8:   # a few networks at a time is plenty
            _COUNTS_CACHE.clear()
        _COUNTS_CACHE[key] = dpo_pair_counts(pe, lo, hi)
    return _COUNTS_CACHE[key].copy()


def _sparse_specificity(W, po, n_exc, bins_deg):
    """Mean E→E weight per |ΔPO| bin, zeros counted, from CSR weights."""
    b = np.asarray(bins_deg, dtype=np.float64)
    lo, hi = b[:, 0], b[:, 1]
    cut = W.indptr[n_exc]
    rows, cols, data = W.rows()[:cut], W.indices[:cut], W.data[:cut]
    keep = cols < n_exc
    k = dpo_bin_index(_dpo_deg(po[rows[keep]], po[cols[keep]]), lo, hi)
    sums = np.bincount(k[k >= 0], weights=data[keep][k >= 0], minlength=lo.size)
    counts = _pair_counts(po[:n_exc], lo, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def ee_specificity(result, which="final", bins_deg=DPO_BINS_DEG):
    """Mean E→E weight per |ΔPO| bin, absent synapses counted as 0 (Fig 3G).

    Parameters
    ----------
    result : ExperimentResult
    which : {"initial", "final"} or int
        ``W0``, ``W``, or the weights after block ``which`` (needs ``W_blocks``).
    bins_deg : sequence of (lo, hi)
        |ΔPO| bins, degrees.

    Returns
    -------
    ndarray, shape (n_bins,)
        Mean weight per bin, mV.
    """
    _check_result(result)
    if which == "initial":
        W = result.W0
    elif which == "final":
        W = result.W
    elif isinstance(which, numbers.Integral) and not isinstance(which, bool):
        n = result.n_snapshots
        if n == 0:
            raise ValueError("which: this result kept no per-block weight snapshots")
        if not 0 <= which < n:
            raise ValueError(f"which must be a block in 0..{n - 1}, got {which}")
        W = result.block_weights(which)          # compact: no dense stack of snapshots
    else:
        raise ValueError(f"which must be 'initial', 'final' or a block index, got {which!r}")
    if result.is_sparse:
        return _sparse_specificity(W, np.asarray(result.po), result.n_exc, bins_deg)
    # a dense array, or one CSR snapshot of a dense result (same numbers, bit for bit)
    return connectivity.specificity(W, result.po, result.n_exc, "EE", bins_deg)


def existing_weights(result, pathway):
    """Initial and final weights of the synapses that existed in ``W0``.

    Parameters
    ----------
    result : ExperimentResult
    pathway : {"EE", "EI", "IE", "II"}
        Pre population first.

    Returns
    -------
    w0, w : ndarray
        Weights (mV) of the same synapses in ``W0`` and ``W`` (pruned ones are 0 in
        ``w``), in row-major order.
    """
    _check_result(result)
    if pathway not in PATHWAYS:
        raise ValueError(f"pathway must be one of {PATHWAYS}, got {pathway!r}")
    N, ne = result.N, result.n_exc
    span = {"E": (0, ne), "I": (ne, N)}
    (a, b), (c, d) = span[pathway[0]], span[pathway[1]]
    W0, W = result.W0, result.W
    if not isinstance(W0, SparseWeights):
        w0 = W0[a:b, c:d]
        m = w0 != 0
        return w0[m], W[a:b, c:d][m]
    rows, cols = W0.rows(), W0.indices
    sel = (rows >= a) & (rows < b) & (cols >= c) & (cols < d)
    if np.array_equal(W.indptr, W0.indptr) and np.array_equal(W.indices, W0.indices):
        return W0.data[sel], W.data[sel]
    # different structure: look each W0 synapse up in W by its flat (row, col) key,
    # which is sorted in CSR order
    key0 = rows[sel].astype(np.int64) * N + cols[sel]
    keyw = W.rows().astype(np.int64) * N + W.indices
    pos = np.minimum(np.searchsorted(keyw, key0), max(keyw.size - 1, 0))
    found = keyw[pos] == key0 if keyw.size else np.zeros(key0.size, bool)
    return W0.data[sel], np.where(found, W.data[pos] if keyw.size else 0.0, 0.0)


def _floats(x):
    return [float(v) for v in np.asarray(x, dtype=np.float64)]


def published_metrics(result) -> dict:
    """Summary of a published-protocol result, JSON-serialisable.

    Parameters
    ----------
    result : ExperimentResult
        Must contain the ``"before"`` and ``"after"`` test phases.

    Returns
    -------
    dict
        ::

            {"kind": str, "seed": int, "blocks": int, "N": int, "n_exc": int,
             "rates": {"before": {"E": Hz, "I": Hz}, "after": {"E": Hz, "I": Hz},
                       "learning_blocks_E": [Hz per block],
                       "learning_blocks_I": [Hz per block]},
             "specificity_EE": {"bins_deg": [[0, 30], [30, 60], [60, 90]],
                                "initial": [mV x3], "final": [mV x3]},
             "mean_weight_existing": {"EE"|"EI"|"IE": {"initial": mV, "final": mV}},
             "pruned_fraction": {"EE"|"EI"|"IE": fraction of W0 synapses now 0}}

        Specificity is the mean E→E weight over all ordered E pairs in each
        |ΔPO| bin, absent synapses counting as 0 (``connectivity.specificity``).
        Mean weights are over the synapses existing in ``W0``.
    """
    _check_result(result)
    for phase in ("before", "after"):
        if phase not in result.spikes:
            raise ValueError(f"result: published_metrics needs the {phase!r} test phase; "
                             f"this {result.kind!r} result has {sorted(result.spikes)[:5]}")
    rates = {ph: {k: float(v) for k, v in result.spikes[ph].population_rates().items()}
             for ph in ("before", "after")}
    rates["learning_blocks_E"] = _floats(result.learning_rates("E"))
    rates["learning_blocks_I"] = _floats(result.learning_rates("I"))
    mean_w, pruned = {}, {}
    for pw in ("EE", "EI", "IE"):
        w0, w = existing_weights(result, pw)
        mean_w[pw] = {"initial": float(w0.mean()) if w0.size else float("nan"),
                      "final": float(w.mean()) if w.size else float("nan")}
        pruned[pw] = float(np.mean(w == 0)) if w.size else float("nan")
    return {
        "kind": result.kind,
        "seed": int(result.seed),
        "blocks": int(result.n_blocks),
        "N": int(result.N),
        "n_exc": int(result.n_exc),
        "rates": rates,
        "specificity_EE": {
            "bins_deg": [list(b) for b in DPO_BINS_DEG],
            "initial": _floats(ee_specificity(result, "initial")),
            "final": _floats(ee_specificity(result, "final")),
        },
        "mean_weight_existing": mean_w,
        "pruned_fraction": pruned,
    }




