"""Selectivity before/after learning and the learned connectivity structure
(:func:`selectivity_analysis`, :func:`connectivity_evolution`)."""
from __future__ import annotations


import numpy as np

from ..analysis.connectivity import DEFAULT_BINS_DEG
from .tuning import run_tuning

from .._checks import check_seed
from ..analysis.connectivity import PATHWAYS_PLASTIC
from ._common import check_published, is_decreasing, fmt_values, claim, block_rates
from ..sparse import as_dense
from .._json import jsonable
from ..analysis.connectivity import connectivity_summary
from ..analysis.selectivity import po_match

__all__ = ["selectivity_analysis", "connectivity_evolution", "SelectivityAnalysis",
           "ConnectivityEvolution"]




# --------------------------------------------------------------------- selectivity
class SelectivityAnalysis:
    """Tuning before/after learning and the learned connectivity structure.

    Attributes
    ----------
    before, after : TuningResult
        Tuning of W0 and of the learned W, same input realisation.
    po_in : ndarray (N,), input POs, rad
    n_exc : int
    W0, W : ndarray (N, N), initial and learned weights, mV
    connectivity : dict
        :func:`connectivity_summary` of ``"before"`` (W0, input PO), ``"after_input_po"``
        and ``"after_output_po"`` (W with the measured PO after learning).
    """

    def __init__(self, before, after, po_in, n_exc, W0, W, connectivity):
        self.before, self.after = before, after
        self.po_in, self.n_exc, self.W0, self.W = po_in, n_exc, W0, W
        self.connectivity = connectivity

    def metrics(self) -> dict:
        b, a = self.before.summary(), self.after.summary()
        ca = self.connectivity["after_input_po"]
        return jsonable({
            "osi": {"before": b["osi"], "after": a["osi"]},
            "osi_debiased": {"before": b["osi_debiased"], "after": a["osi_debiased"]},
            "osi_noise_floor": {"before": b["osi_noise_floor"], "after": a["osi_noise_floor"]},
            "pref_orth": {"before": b["pref_orth"], "after": a["pref_orth"]},
            "tuning_rates": {"before": b["rates"], "after": a["rates"]},
            "po_match_E": {"before": po_match(self.before, self.po_in),
                           "after": po_match(self.after, self.po_in)},
            "bidirectional_surplus": ca["bidirectional"]["surplus"],
            "bidirectional_counts": ca["bidirectional"],
            "reciprocal_correlation": ca["reciprocal_correlation"],
            "pruning": ca["pruning"],
            "specificity": {k: v["specificity"] for k, v in self.connectivity.items()},
            "specificity_bins_deg": [list(b_) for b_ in DEFAULT_BINS_DEG],
        })

    def claims(self) -> list:
        m = self.metrics()
        ob, oa = m["osi"]["before"]["E"], m["osi"]["after"]["E"]
        db, da = m["osi_debiased"]["before"]["E"], m["osi_debiased"]["after"]["E"]
        s_in = self.connectivity["after_input_po"]["specificity"]["EE"]["all"]
        s_out = self.connectivity["after_output_po"]["specificity"]["EE"]["all"]
        sur = m["bidirectional_surplus"]
        pm = m["po_match_E"]["after"]
        return [
            claim("E responses become more selective after learning (mean OSI rises)",
                   f"OSI_E {ob:.3f} → {oa:.3f} (Poisson-debiased {db:.3f} → {da:.3f})",
                   "after > before", oa > ob),
            claim("E→E connectivity becomes feature specific (input PO)",
                   f"mean w by |ΔPO| 0–30/30–60/60–90°: {fmt_values(s_in)} mV",
                   "monotone decreasing in |ΔPO|", is_decreasing(s_in)),
            claim("E→E specificity also holds for the measured (output) PO",
                   f"{fmt_values(s_out)} mV", "monotone decreasing in |ΔPO|", is_decreasing(s_out)),
            claim("Strong E↔E connections are preferentially bidirectional",
                   ("no strong (> 1 mV) E→E weights yet" if sur is None
                    else f"observed/expected = {sur:.2f}"),
                   "> 1.5", sur is not None and sur > 1.5),
            claim("Measured PO of E neurons follows their input PO after learning",
                   f"median |PO_out - PO_in| = {pm['median_abs_diff_deg']:.1f} deg",
                   "< 15 deg", pm["median_abs_diff_deg"] < 15.0),
        ]


def selectivity_analysis(published, *, thetas=None, duration_ms=2000, seed=None,
                         progress=False) -> SelectivityAnalysis:
    """Tuning of W0 and of the learned W (same input) and the learned structure.

    Parameters
    ----------
    published : ExperimentResult
        Output of :func:`sensorynet.run_published`.
    thetas : array_like, optional
        Tuning orientations, rad (default 12 over [0, π)).
    duration_ms : int
        Duration per orientation, ms.
    seed : int, optional
        Tuning-input seed (default ``published.seed``).
    progress : bool

    Returns
    -------
    SelectivityAnalysis
    """
    pub = check_published(published)
    seed = pub.seed if seed is None else check_seed(seed)
    kw = dict(thetas=thetas, duration_ms=duration_ms, progress=progress)
    before = run_tuning(pub.W0, pub.po, pub.params, seed, **kw)
    after = run_tuning(pub.W, pub.po, pub.params, seed, **kw)
    W0, W = as_dense(pub.W0), as_dense(pub.W)
    pl = pub.params.plasticity
    bounds = dict(w_max=pl.w_max, w_min_inh=pl.w_min_inh)
    conn = {"before": connectivity_summary(W0, pub.po, pub.n_exc),
            "after_input_po": connectivity_summary(W, pub.po, pub.n_exc, W0=W0, **bounds),
            "after_output_po": connectivity_summary(W, after.po_out, pub.n_exc)}
    return SelectivityAnalysis(before, after, pub.po, pub.n_exc, W0, W, conn)


class ConnectivityEvolution:
    """Connectivity structure (input PO) after each learning block.

    Attributes
    ----------
    blocks : ndarray (n+1,)
        Block index; -1 is the initial W0.
    specificity : dict
        ``{pathway: {"all"|"existing": ndarray (n+1, n_bins)}}``, mV.
    pruned, at_bound : dict
        ``{pathway: ndarray (n+1,)}``, fractions of the initial synapses.
    surplus, reciprocal : ndarray (n+1,)
        Bidirectional surplus and reciprocal weight correlation.
    observed, expected : ndarray (n+1,)
        Reciprocally strong E pairs, observed and expected if independent (the surplus
        is their ratio; it is noisy while few strong connections exist).
    rates : ndarray (n, 2)
        Mean E and I rate during each block, Hz.
    """

    def __init__(self, blocks, specificity, pruned, at_bound, surplus, reciprocal, rates,
                 observed, expected):
        self.blocks, self.specificity = blocks, specificity
        self.pruned, self.at_bound = pruned, at_bound
        self.surplus, self.reciprocal, self.rates = surplus, reciprocal, rates
        self.observed, self.expected = observed, expected

    def metrics(self) -> dict:
        return jsonable({"blocks": self.blocks, "specificity": self.specificity,
                          "pruned": self.pruned, "at_bound": self.at_bound,
                          "bidirectional_surplus": self.surplus,
                          "bidirectional_observed": self.observed,
                          "bidirectional_expected": self.expected,
                          "reciprocal_correlation": self.reciprocal,
                          "rates": {"E": self.rates[:, 0], "I": self.rates[:, 1]}})


def connectivity_evolution(published) -> ConnectivityEvolution:
    """Connectivity structure after every learning block of ``published``.

    Needs the per-block snapshots ``published.W_blocks`` (kept by default for N <= 2000).
    """
    pub = check_published(published)
    if pub.W_blocks is None:
        raise ValueError("published has no per-block weight snapshots (W_blocks is None); "
                         "rerun run_published with keep_snapshots=True")
    pl = pub.params.plasticity
    W0 = pub.weights_after_block(-1)
    n = len(pub.W_blocks)
    rows = [connectivity_summary(pub.weights_after_block(b), pub.po, pub.n_exc, W0=W0,
                                 w_max=pl.w_max, w_min_inh=pl.w_min_inh)
            for b in range(-1, n)]
    spec = {pw: {m: np.array([r["specificity"][pw][m] for r in rows])
                 for m in ("all", "existing")} for pw in PATHWAYS_PLASTIC}
    pruned = {pw: np.array([r["pruning"][pw]["pruned"] for r in rows]) for pw in PATHWAYS_PLASTIC}
    bound = {pw: np.array([r["pruning"][pw]["at_bound"] for r in rows])
             for pw in PATHWAYS_PLASTIC}
    return ConnectivityEvolution(
        np.arange(-1, n), spec, pruned, bound,
        np.array([r["bidirectional"]["surplus"] for r in rows]),
        np.array([r["reciprocal_correlation"] for r in rows]), block_rates(pub.spikes),
        np.array([r["bidirectional"]["observed"] for r in rows]),
        np.array([r["bidirectional"]["expected"] for r in rows]))
