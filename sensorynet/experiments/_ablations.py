"""Plasticity ablations: the published protocol with E→I or I→E plasticity frozen
(findings of this package; the paper makes no prediction for them).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._json import jsonable
from .._params import ModelParams
from .._results import ExperimentResult
from .._validate import check_params, check_seed
from .._weights import weights_equal
from ..analysis import connectivity_summary
from ._claims import (
    RUNAWAY_FACTOR,
    ee_specific_without_ie_plasticity,
    osi_change_finding,
    runaway_without_ei_plasticity,
)
from ._common import ABLATIONS, block_rates
from ._published import run_published
from ._registry import FigureSpec, Protocol, RunContext, register_protocol
from ._tuning import TuningResult, run_tuning

__all__ = ["AblationResult", "run_ablations", "RUNAWAY_FACTOR"]


# ----------------------------------------------------------------------- ablations
class AblationResult:
    """Learning with pathways frozen, same seed (and so the same W0 and input).

    Attributes
    ----------
    runs : dict
        name -> ExperimentResult of the published protocol with those changes; its
        learning blocks hold spike counts (``SpikeCounts``),
        not spike lists.
    tuning_before, tuning_after : dict
        name -> TuningResult of W0 and of the learned W (same input realisation).
    changes : dict
        name -> parameter changes.
    connectivity : dict
        name -> :func:`connectivity_summary` of the learned W (input PO).
    """

    def __init__(self, runs: dict[str, ExperimentResult], tuning_before: dict[str, TuningResult],
                 tuning_after: dict[str, TuningResult], changes: dict[str, dict[str, Any]],
                 connectivity: dict[str, dict[str, Any]],
                 matches_published: bool | None = None) -> None:
        self.runs, self.changes = runs, changes
        #: whether the all-plastic run's learned W equals the published run's (None:
        #: not compared)
        self.matches_published = matches_published
        self.tuning_before, self.tuning_after = tuning_before, tuning_after
        self.connectivity = connectivity

    def metrics(self) -> dict[str, Any]:
        """Rates, selectivity and learned structure of every condition, JSON-ready."""
        out = {}
        for name, r in self.runs.items():
            c = self.connectivity[name]
            tb, ta = self.tuning_before[name].summary(), self.tuning_after[name].summary()
            br = block_rates(r.spikes)
            out[name] = {
                "changes": self.changes[name],
                "rates_before": r.spikes["before"].population_rates(),
                "rates_after": r.spikes["after"].population_rates(),
                "rates_last_block": {"E": br[-1, 0], "I": br[-1, 1]} if len(br) else None,
                "osi_before": tb["osi"], "osi_after": ta["osi"],
                "osi_debiased_after": ta["osi_debiased"],
                "specificity_EE_final": c["specificity"]["EE"]["all"],
                "specificity": c["specificity"],
                "bidirectional_surplus": c["bidirectional"]["surplus"],
                "reciprocal_correlation": c["reciprocal_correlation"],
                "pruning": c["pruning"]}
        return jsonable(out)

    def claims(self) -> list[dict[str, Any]]:
        """What the model does with a pathway frozen, as one-sided tests: findings of
        this package (the paper makes no prediction). E→I frozen: inhibition cannot
        follow the growing E→E weights, excitation runs away (E rate after learning >
        3× the all-plastic run's, per E neuron) and E selectivity falls; I→E frozen:
        E selectivity still rises and E→E weights still become feature specific."""
        out = []
        ref = self.runs.get("all_plastic")
        if "EI_frozen" in self.runs:
            r = self.runs["EI_frozen"]
            ne = r.n_exc
            if ref is not None:
                out.append(runaway_without_ei_plasticity(
                    r.spikes["after"].rates()[:ne], ref.spikes["after"].rates()[:ne],
                    RUNAWAY_FACTOR))
            out.append(osi_change_finding("E→I frozen: E selectivity falls with learning",
                                          self.tuning_before["EI_frozen"],
                                          self.tuning_after["EI_frozen"], ne, -1,
                                          key="EI_frozen_OSI_falls"))
        if "IE_frozen" in self.runs:
            r = self.runs["IE_frozen"]
            out.append(osi_change_finding("I→E frozen: E selectivity still rises with "
                                          "learning", self.tuning_before["IE_frozen"],
                                          self.tuning_after["IE_frozen"], r.n_exc, +1,
                                          key="IE_frozen_OSI_rises"))
            out.append(ee_specific_without_ie_plasticity(
                r.W0, r.W, np.asarray(r.po, dtype=np.float64), r.n_exc))
        return out


def run_ablations(params: ModelParams | None = None, seed: int = 0, *,
                  conditions: dict[str, dict[str, Any]] | None = None,
                  n_blocks: int | None = None, thetas: ArrayLike | None = None,
                  duration_ms: float = 2000, progress: bool = True) -> AblationResult:
    """Re-run the published learning with plasticity switched off on some pathways.

    Parameters
    ----------
    params : ModelParams, optional
        Base parameters (default published).
    seed : int
        Same seed for every condition: same W0, learning input and test input.
    conditions : dict, optional
        name -> ``ModelParams.replace`` changes (default :data:`ABLATIONS`: everything
        plastic, E→I frozen, I→E frozen).
    n_blocks : int, optional
        Learning blocks (default ``params.protocol.n_blocks``).
    thetas, duration_ms : tuning protocol.
    progress : bool

    Returns
    -------
    AblationResult
    """
    params = check_params(params)
    seed = check_seed(seed)
    conditions = ABLATIONS if conditions is None else conditions
    if not isinstance(conditions, dict) or not conditions or \
            not all(isinstance(v, dict) for v in conditions.values()):
        raise TypeError("conditions must be a non-empty dict of name -> dict of changes")
    runs: dict[str, ExperimentResult] = {}
    tb: dict[str, TuningResult] = {}
    ta: dict[str, TuningResult] = {}
    conn: dict[str, dict[str, Any]] = {}
    for name, ch in conditions.items():
        p = params.replace(**ch)
        # block rates are all these runs need of the learning blocks: no spike lists
        # (E→I frozen runs away, ~340 Hz at N = 10 000: gigabytes of spikes)
        r = run_published(p, seed, n_blocks=n_blocks, progress=progress, keep_snapshots=False,
                          keep_block_spikes=False)
        runs[name] = r
        tb[name] = run_tuning(r.W0, r.po, p, seed, thetas=thetas, duration_ms=duration_ms,
                              progress=progress)
        ta[name] = run_tuning(r.W, r.po, p, seed, thetas=thetas, duration_ms=duration_ms,
                              progress=progress)
        conn[name] = connectivity_summary(r.W, r.po, r.n_exc, W0=r.W0,
                                          w_max=p.plasticity.w_max,
                                          w_min_inh=p.plasticity.w_min_inh)
    return AblationResult(runs, tb, ta, {k: dict(v) for k, v in conditions.items()}, conn)


def _run_protocol(ctx: RunContext) -> AblationResult:
    pub = ctx.learned()
    abl = run_ablations(pub.params, pub.seed, n_blocks=pub.n_blocks, progress=ctx.progress)
    abl.matches_published = weights_equal(abl.runs["all_plastic"].W, pub.W)
    return abl


register_protocol(Protocol(
    "ablations", _run_protocol,
    figures=(FigureSpec("ablations", "sensorynet.plotting:plot_ablations"),),
    cost_s=1.9,
    description="the published learning with E→I or I→E plasticity frozen (findings of "
                "this package)"))
