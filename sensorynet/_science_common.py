"""Shared pieces of the science experiments: constants, checks, claim records and
the measurement of one weight matrix (:func:`connectivity_summary`)."""
from __future__ import annotations

import numbers

import numpy as np

from .connectivity import (DEFAULT_BINS_DEG, bidirectional_counts, pruning_stats,
                           reciprocal_correlation, specificity)
from .results import ExperimentResult
from .sparse import SparseWeights

__all__ = ["SCIENCE_EXPERIMENTS", "ABLATIONS", "DEFAULT_LTD_IE", "PATHWAYS_PLASTIC",
           "connectivity_summary"]

SCIENCE_EXPERIMENTS = ("selectivity", "spontaneous", "cardinal", "ablations")
#: ablation name -> parameter changes (``ModelParams.replace`` keys)
ABLATIONS = {"all_plastic": {},
             "EI_frozen": {"plasticity.plastic_EI": False},
             "IE_frozen": {"plasticity.plastic_IE": False}}
#: I→E LTD setting used for spontaneous activity (see module docstring)
DEFAULT_LTD_IE = True
#: plastic pathways analysed (I→I is static)
PATHWAYS_PLASTIC = ("EE", "EI", "IE")

# ------------------------------------------------------------------------- helpers
def _dense(W):
    return W.to_dense() if isinstance(W, SparseWeights) else np.asarray(W, dtype=np.float64)


def _check_published(published):
    if not isinstance(published, ExperimentResult):
        raise TypeError(f"published must be an ExperimentResult (from run_published), "
                        f"got {type(published).__name__}")
    return published


def _mono_dec(values):
    v = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.isfinite(v)) and np.all(np.diff(v) < 0))


def _fmt(values, digits=3):
    return "/".join(f"{x:.{digits}f}" for x in np.asarray(values, dtype=float))


def _jsonable(x):
    """Plain Python types; NaN/inf become None."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x) if np.isfinite(x) else None
    return x


def _claim(claim, measured, expected, holds):
    return {"claim": claim, "measured": measured, "expected": expected, "holds": bool(holds)}


def _block_rates(spikes):
    keys = sorted(k for k in spikes if k.startswith("block_"))
    return np.array([[spikes[k].population_rates()[p] for p in ("E", "I")] for k in keys])


def connectivity_summary(W, po, n_exc, *, W0=None, w_max=2.0, w_min_inh=-5.0,
                         bins_deg=DEFAULT_BINS_DEG, threshold=1.0):
    """Feature specificity, pruning and reciprocity of a weight matrix.

    Parameters
    ----------
    W : ndarray (N, N) or SparseWeights
        Weights ``W[pre, post]``, mV.
    po : ndarray (N,)
        Preferred orientations used for |ΔPO| (input or measured), rad. Neurons with a
        NaN PO (silent) are left out of the specificity only.
    n_exc : int
        Number of excitatory neurons.
    W0 : ndarray (N, N), optional
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
        ``"pruning"`` (see :func:`sensorynet.connectivity.pruning_stats`).
    """
    w = _dense(W)
    p = np.asarray(po, dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(p))
    ws, ps, ne = w[np.ix_(keep, keep)], p[keep], int(np.count_nonzero(keep < n_exc))
    spec = {pw: {mode: specificity(ws, ps, ne, pw, bins_deg, existing_only=mode == "existing")
                 for mode in ("all", "existing")} for pw in PATHWAYS_PLASTIC}
    bid = bidirectional_counts(w, n_exc, threshold)
    e = bid["expected"]
    bid["surplus"] = float(bid["observed"] / e) if np.isfinite(e) and e > 0 else float("nan")
    out = {"specificity": spec, "bidirectional": bid,
           "reciprocal_correlation": reciprocal_correlation(w, n_exc)}
    if W0 is not None:
        out["pruning"] = pruning_stats(w, _dense(W0), n_exc, w_max, w_min_inh)
    return out


def _po_match(tuning, po_in):
    """How well the measured PO of E neurons follows their input PO."""
    ne = tuning.n_exc
    d = np.degrees(np.abs(np.mod(tuning.po_out[:ne] - po_in[:ne] + np.pi / 2, np.pi)
                          - np.pi / 2))
    d = d[np.isfinite(d)]
    return {"median_abs_diff_deg": float(np.median(d)) if d.size else float("nan"),
            "frac_within_15deg": float(np.mean(d <= 15.0)) if d.size else float("nan")}
