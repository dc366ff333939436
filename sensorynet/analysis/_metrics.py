"""Summary numbers of the published experiment and the claims they are checked against.

:func:`published_metrics` reduces an :class:`~sensorynet._results.ExperimentResult` to
a small JSON-serialisable dict (plain Python floats and ints); :func:`published_claims`
compares it with the published code's results (docs/model.md §6).

Both dense and sparse (:class:`~sensorynet._weights.SparseWeights`) results are
supported; sparse weights are never expanded to an N x N matrix.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .._orientation import DPO_BINS_DEG
from .._results import ExperimentResult
from .._types import FloatArray
from .._weights import PATHWAYS, SparseWeights, as_csr, existing_pairs, pathway_slices
from ._connectivity import _check_bins, _check_po, csr_specificity

__all__ = [
    "published_metrics",
    "ee_specificity",
    "existing_weights",
    "DPO_BINS_DEG",
]



def _check_result(result: Any) -> None:
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")


def _weights_of(result: ExperimentResult, which: Any) -> Any:
    if which == "initial":
        return result.W0
    if which == "final":
        return result.W
    if isinstance(which, numbers.Integral) and not isinstance(which, bool):
        which = int(which)
        n = result.n_snapshots
        if n == 0:
            raise ValueError("which: this result kept no per-block weight snapshots")
        if not 0 <= which < n:
            raise ValueError(f"which must be a block in 0..{n - 1}, got {which}")
        return result.block_weights(which)        # compact: no dense stack of snapshots
    raise ValueError(f"which must be 'initial', 'final' or a block index, got {which!r}")


def _ee_specificity(result: ExperimentResult, w: SparseWeights, bins_deg: Any) -> FloatArray:
    ne = result.n_exc
    e = slice(0, ne)
    lo, hi = _check_bins(bins_deg)
    return csr_specificity(w, _check_po(result.po, w.N), e, e, lo, hi, False)


def ee_specificity(result: ExperimentResult, which: str | int = "final",
                   bins_deg: Any = DPO_BINS_DEG) -> FloatArray:
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
    return _ee_specificity(result, as_csr(_weights_of(result, which)), bins_deg)


def existing_weights(result: ExperimentResult, pathway: str
                     ) -> tuple[FloatArray, FloatArray]:
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
    return _existing(as_csr(result.W0, "W0"), as_csr(result.W), result.n_exc, pathway)


def _existing(w0: SparseWeights, w: SparseWeights, n_exc: int, pathway: str
              ) -> tuple[FloatArray, FloatArray]:
    return existing_pairs(w0, w, *pathway_slices(pathway, n_exc, w0.N))


def _floats(x: Any) -> list[float]:
    return [float(v) for v in np.asarray(x, dtype=np.float64)]


def published_metrics(result: ExperimentResult) -> dict[str, Any]:
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
    rates: dict[str, Any] = {
        ph: {k: float(v) for k, v in result.spikes[ph].population_rates().items()}
             for ph in ("before", "after")}
    rates["learning_blocks_E"] = _floats(result.learning_rates("E"))
    rates["learning_blocks_I"] = _floats(result.learning_rates("I"))
    # each weight matrix converted to CSR once for all the measures below
    W0, W = as_csr(result.W0, "W0"), as_csr(result.W)
    mean_w, pruned = {}, {}
    for pw in ("EE", "EI", "IE"):
        w0, w = _existing(W0, W, result.n_exc, pw)
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
            "initial": _floats(_ee_specificity(result, W0, DPO_BINS_DEG)),
            "final": _floats(_ee_specificity(result, W, DPO_BINS_DEG)),
        },
        "mean_weight_existing": mean_w,
        "pruned_fraction": pruned,
    }




