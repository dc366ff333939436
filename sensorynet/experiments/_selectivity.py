"""Selectivity before/after learning and the learned connectivity structure
(:func:`selectivity_analysis`, :func:`connectivity_evolution`)."""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import _stats
from .._json import jsonable
from .._orientation import DPO_BINS_DEG
from .._results import ExperimentResult
from .._types import FloatArray, IntArray
from .._validate import check_seed
from .._weights import PATHWAYS_PLASTIC, SparseWeights, as_csr
from ..analysis import (
    Fingerprint,
    bidirectional_counts_dpo_matched,
    connectivity_summary,
    po_match,
)
from ._claims import PO_MATCH_MAX_DEG, osi_rises, po_follows_input
from ._common import block_rates, check_published
from ._registry import FigureSpec, Protocol, RunContext, register_protocol
from ._tuning import TuningResult, run_tuning

__all__ = ["selectivity_analysis", "connectivity_evolution", "SelectivityAnalysis",
           "ConnectivityEvolution", "SelectivityRun", "paired_effect", "PO_MATCH_MAX_DEG"]


def paired_effect(before: ArrayLike, after: ArrayLike, level: float = 0.95) -> dict[str, Any]:
    """Mean paired difference ``after − before`` over neurons, with its CI and z vs 0.

    Neurons with a non-finite value in either array (silent) are left out.

    Returns
    -------
    dict
        ``mean``, ``sd`` (ddof=1), ``n``, ``se``, ``ci95`` = mean ± t_{n-1} · se (for
        ``level``), ``z`` = mean / se (nan for n < 2 or se = 0).
    """
    d = np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    d = d[np.isfinite(d)]
    n = int(d.size)
    if n < 2:
        return {"mean": float(d.mean()) if n else float("nan"), "sd": float("nan"),
                "n": n, "se": float("nan"), "ci95": [float("nan")] * 2, "z": float("nan")}
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd / np.sqrt(n)
    t = _stats.t_ppf(0.5 + level / 2, n - 1)
    return {"mean": mean, "sd": sd, "n": n, "se": float(se),
            "ci95": [mean - t * se, mean + t * se],
            "z": float(mean / se) if se > 0 else float("nan")}


def _contrast(spec: ArrayLike) -> float:
    s = np.asarray(spec, dtype=np.float64)
    return float(s[0] - s[-1])


# --------------------------------------------------------------------- selectivity
class SelectivityAnalysis:
    """Tuning before/after learning and the learned connectivity structure.

    Attributes
    ----------
    before, after : TuningResult
        Tuning of W0 and of the learned W, same input realisation.
    po_in : ndarray (N,), input POs, rad
    n_exc : int
    W0, W : ndarray (N, N) or SparseWeights
        Initial and learned weights, mV, stored as in the published result (sparse ones
        are analysed without expanding them).
    connectivity : dict
        :func:`connectivity_summary` of ``"before"`` (W0, input PO), ``"after_input_po"``
        and ``"after_output_po"`` (W with the measured PO after learning).
    """

    def __init__(self, before: TuningResult, after: TuningResult, po_in: FloatArray, n_exc: int,
                 W0: FloatArray | SparseWeights, W: FloatArray | SparseWeights,
                 connectivity: dict[str, dict[str, Any]], *, N: int | None = None,
                 n_blocks: int | None = None) -> None:
        self.before, self.after = before, after
        self.po_in, self.n_exc, self.W0, self.W = po_in, n_exc, W0, W
        self.connectivity = connectivity
        #: network size and learning blocks of the run
        self.N = W.shape[0] if N is None else int(N)
        self.n_blocks = n_blocks

    def metrics(self) -> dict[str, Any]:
        """Selectivity, its paired change, and the learned structure (JSON-ready)."""
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
            "bidirectional_dpo_matched": bidirectional_counts_dpo_matched(
                self.W, self.po_in, self.n_exc),
            "osi_change": {pop: paired_effect(self.before.osi[sl], self.after.osi[sl])
                           for pop, sl in (("E", slice(0, self.n_exc)),
                                           ("I", slice(self.n_exc, None)))},
            "specificity_contrast_EE": {
                "initial": _contrast(self.connectivity["before"]["specificity"]["EE"]["all"]),
                "final": _contrast(ca["specificity"]["EE"]["all"]),
                "final_output_po": _contrast(
                    self.connectivity["after_output_po"]["specificity"]["EE"]["all"])},
            "reciprocal_correlation": ca["reciprocal_correlation"],
            "pruning": ca["pruning"],
            "specificity": {k: v["specificity"] for k, v in self.connectivity.items()},
            "specificity_bins_deg": [list(b_) for b_ in DPO_BINS_DEG],
        })

    def claims(self) -> list[dict[str, Any]]:
        """The paper's claims this analysis shows, as one-sided tests: the (debiased)
        OSI of E and of I neurons rises with learning; and the sanity check that the
        measured PO follows the input PO (true before learning already, so not a claim
        of the paper)."""
        return [osi_rises(self.before, self.after, self.n_exc, "E"),
                osi_rises(self.before, self.after, self.n_exc, "I"),
                po_follows_input(self.before, self.after, self.po_in, self.n_exc,
                                 PO_MATCH_MAX_DEG)]

    def fingerprint(self) -> Fingerprint:
        """The tuning part of the fingerprint
        (:meth:`~sensorynet.analysis.Fingerprint.tuning`), for the identity test."""
        return Fingerprint.tuning(self.W0, self.W, self.po_in, self.n_exc, self.before,
                                  self.after)


def selectivity_analysis(published: ExperimentResult, *, thetas: ArrayLike | None = None,
                         duration_ms: float = 2000, seed: int | None = None,
                         progress: bool = False) -> SelectivityAnalysis:
    """Tuning of W0 and of the learned W (same input) and the learned structure.

    Parameters
    ----------
    published : ExperimentResult
        Output of :func:`sensorynet.run_published`.
    thetas : array_like, optional
        Tuning orientations, rad (default 12 over [0, π)).
    duration_ms : float
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
    before = run_tuning(pub.W0, pub.po, pub.params, seed, thetas=thetas,
                        duration_ms=duration_ms, progress=progress)
    after = run_tuning(pub.W, pub.po, pub.params, seed, thetas=thetas,
                       duration_ms=duration_ms, progress=progress)
    W0, W = pub.W0, pub.W
    pl = pub.params.plasticity
    bounds = dict(w_max=pl.w_max, w_min_inh=pl.w_min_inh)
    conn = {"before": connectivity_summary(W0, pub.po, pub.n_exc),
            "after_input_po": connectivity_summary(W, pub.po, pub.n_exc, W0=W0, **bounds),
            "after_output_po": connectivity_summary(W, after.po_out, pub.n_exc)}
    return SelectivityAnalysis(before, after, pub.po, pub.n_exc, W0, W, conn,
                               N=pub.params.network.N, n_blocks=pub.n_blocks)


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

    def __init__(self, blocks: IntArray, specificity: dict[str, dict[str, FloatArray]],
                 pruned: dict[str, FloatArray], at_bound: dict[str, FloatArray],
                 surplus: FloatArray, reciprocal: FloatArray, rates: FloatArray,
                 observed: FloatArray, expected: FloatArray) -> None:
        self.blocks, self.specificity = blocks, specificity
        self.pruned, self.at_bound = pruned, at_bound
        self.surplus, self.reciprocal, self.rates = surplus, reciprocal, rates
        self.observed, self.expected = observed, expected

    def metrics(self) -> dict[str, Any]:
        """Every series of the evolution, JSON-ready."""
        return jsonable({"blocks": self.blocks, "specificity": self.specificity,
                          "pruned": self.pruned, "at_bound": self.at_bound,
                          "bidirectional_surplus": self.surplus,
                          "bidirectional_observed": self.observed,
                          "bidirectional_expected": self.expected,
                          "reciprocal_correlation": self.reciprocal,
                          "rates": {"E": self.rates[:, 0], "I": self.rates[:, 1]}})


def connectivity_evolution(published: ExperimentResult) -> ConnectivityEvolution:
    """Connectivity structure after every learning block of ``published``.

    Needs the per-block snapshots ``published.W_blocks`` (kept by default for N <= 2000).
    Each block is analysed in its compact (CSR) form, one at a time: the snapshots are
    never expanded to a dense stack.
    """
    pub = check_published(published)
    n = pub.n_snapshots
    if n == 0:
        raise ValueError("published has no per-block weight snapshots (W_blocks is None); "
                         "rerun run_published with keep_snapshots=True")
    pl = pub.params.plasticity
    blocks = [pub.block_weights(b) for b in range(n)]
    W0: SparseWeights = as_csr(pub.W0, "W0")    # converted once, not by every block's analysis
    rows = [connectivity_summary(W, pub.po, pub.n_exc, W0=W0, w_max=pl.w_max,
                                 w_min_inh=pl.w_min_inh) for W in [W0, *blocks]]
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


# ------------------------------------------------------------------- the protocol
class SelectivityRun:
    """The ``"selectivity"`` protocol's result: tuning and structure before and after
    learning, and the structure after every learning block when snapshots were kept.

    Attributes
    ----------
    analysis : SelectivityAnalysis
    evolution : ConnectivityEvolution or None
    """

    def __init__(self, analysis: SelectivityAnalysis,
                 evolution: ConnectivityEvolution | None) -> None:
        self.analysis, self.evolution = analysis, evolution

    def metrics(self) -> dict[str, Any]:
        """The analysis' metrics, and the evolution's under ``connectivity_evolution``."""
        m = self.analysis.metrics()
        if self.evolution is not None:
            m["connectivity_evolution"] = self.evolution.metrics()
        return m

    def claims(self) -> list[dict[str, Any]]:
        """:meth:`SelectivityAnalysis.claims`."""
        return self.analysis.claims()

    def fingerprint(self) -> Fingerprint:
        """:meth:`SelectivityAnalysis.fingerprint`."""
        return self.analysis.fingerprint()


def _run_protocol(ctx: RunContext) -> SelectivityRun:
    pub = ctx.learned()
    evo = connectivity_evolution(pub) if pub.n_snapshots else None
    return SelectivityRun(selectivity_analysis(pub, progress=ctx.progress), evo)


register_protocol(Protocol(
    "selectivity", _run_protocol,
    figures=(FigureSpec("selectivity_tuning_examples",
                        "sensorynet.plotting:plot_tuning_examples", of="analysis"),
             FigureSpec("selectivity_osi_distributions",
                        "sensorynet.plotting:plot_osi_distributions", of="analysis"),
             FigureSpec("selectivity_po_out_vs_in", "sensorynet.plotting:plot_po_out_vs_in",
                        of="analysis"),
             FigureSpec("connectivity_vs_dpo", "sensorynet.plotting:plot_connectivity_vs_dpo",
                        of="analysis"),
             FigureSpec("connectivity_evolution",
                        "sensorynet.plotting:plot_connectivity_evolution", of="evolution")),
    cost_s=4.3,
    description="tuning curves and OSI before and after learning (12 orientations), the "
                "learned structure and its evolution block by block"))
