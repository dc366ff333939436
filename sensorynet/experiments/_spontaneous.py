"""Spontaneous activity (docs/model.md §5.5): untuned 1 kHz input to the learned network,
and whether the learned structure survives it (with the I→E LTD term on and off).

The I→E LTD switch (``PlasticityParams.ltd_IE``) defaults to ``True`` for spontaneous
activity (:data:`~sensorynet.experiments.DEFAULT_LTD_IE`): it is the rule under which the
network learned, the published call passes ``inh_ltd=1`` (most plausibly "on"), and
without the LTD term I→E synapses can only potentiate under untuned drive. Both
settings are run and reported.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .._json import jsonable
from .._results import ExperimentResult
from .._types import FloatArray, PlasticPathway
from .._validate import check_count
from .._weights import SparseWeights, existing_block_weights
from ..analysis import connectivity_summary, specificity
from ._blocks import run_blocks
from ._claims import SURVIVE_SHARE, structure_survives
from ._common import DEFAULT_LTD_IE, block_rates, check_published
from ._registry import FigureSpec, Protocol, RunContext, register_protocol
from ._seeds import STREAM_SPONTANEOUS
from ._tuning import TuningResult, run_tuning

__all__ = ["SpontaneousResult", "SpontaneousRun", "run_spontaneous", "SURVIVE_SHARE"]


def _contrast(spec: ArrayLike) -> float:
    s = np.asarray(spec, dtype=np.float64)
    return float(s[0] - s[-1])


# --------------------------------------------------------------------- spontaneous
class SpontaneousResult:
    """Learned network exposed to untuned input (docs/model.md §5.5).

    Attributes
    ----------
    ltd_IE : bool
        The I→E LTD switch used.
    W_start, W_end : ndarray (N, N) or SparseWeights
        Weights before and after the spontaneous blocks, mV (stored as the published
        result stores them).
    block_rates : ndarray (n_blocks, 2)
        Mean E and I rate in each spontaneous block, Hz.
    tuning_before, tuning_after : TuningResult
        Tuning of W_start and W_end (same input realisation).
    conn_before, conn_after : dict
        :func:`connectivity_summary` (input PO) of W_start and W_end.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
    W0 : ndarray (N, N) or SparseWeights
        The naive weights the network learned from (the baseline of the learned
        structure).
    """

    def __init__(self, ltd_IE: bool, W_start: FloatArray | SparseWeights,
                 W_end: FloatArray | SparseWeights, block_rates: FloatArray,
                 tuning_before: TuningResult, tuning_after: TuningResult,
                 conn_before: dict[str, Any], conn_after: dict[str, Any], po: FloatArray,
                 n_exc: int, *, W0: FloatArray | SparseWeights, contrast_initial: float = 0.0,
                 changes: Mapping[str, Any] | None = None) -> None:
        self.ltd_IE, self.W_start, self.W_end = ltd_IE, W_start, W_end
        self.W0 = W0
        #: E→E specificity contrast of the naive W0 (before learning), mV
        self.contrast_initial = float(contrast_initial)
        #: parameter changes during spontaneous activity (besides ltd_IE)
        self.changes = dict(changes or {})
        self.block_rates = block_rates
        self.tuning_before, self.tuning_after = tuning_before, tuning_after
        self.conn_before, self.conn_after = conn_before, conn_after
        self.po, self.n_exc = po, n_exc

    def specificity_change(self, pathway: PlasticPathway = "EE",
                           mode: Literal["all", "existing"] = "all") -> FloatArray:
        """After − before mean weight per |ΔPO| bin, mV."""
        change: FloatArray = (self.conn_after["specificity"][pathway][mode]
                              - self.conn_before["specificity"][pathway][mode])
        return change

    def stability(self) -> dict[str, float]:
        """E→E specificity contrast (mean w at |ΔPO| 0–30° minus 60–90°, input PO):
        ``initial`` (W0), ``before``/``after`` spontaneous activity, ``learned`` =
        before − initial, ``change`` = after − before and ``fraction`` =
        change / learned (nan if nothing was learned)."""
        c0 = self.contrast_initial
        c1 = _contrast(self.conn_before["specificity"]["EE"]["all"])
        c2 = _contrast(self.conn_after["specificity"]["EE"]["all"])
        learned = c1 - c0
        return {"initial": c0, "before": c1, "after": c2, "learned": learned,
                "change": c2 - c1,
                "fraction": (c2 - c1) / learned if learned > 0 else float("nan")}

    def metrics(self) -> dict[str, Any]:
        """Rates, structure and selectivity before and after, JSON-ready."""
        ob, oa = self.tuning_before.summary(), self.tuning_after.summary()
        ie0, ie1 = existing_block_weights(self.W_start, self.W_end, self.n_exc, "IE")
        return jsonable({
            "ltd_IE": self.ltd_IE, "n_blocks": len(self.block_rates),
            "changes": self.changes,
            "contrast_EE": self.stability(),
            "rates": {"E": self.block_rates[:, 0].mean(), "I": self.block_rates[:, 1].mean()},
            "rates_first_block": {"E": self.block_rates[0, 0], "I": self.block_rates[0, 1]},
            "rates_last_block": {"E": self.block_rates[-1, 0], "I": self.block_rates[-1, 1]},
            "specificity_EE_change": self.specificity_change("EE"),
            "specificity_EI_change": self.specificity_change("EI"),
            "specificity_IE_change": self.specificity_change("IE"),
            "specificity_EE_before": self.conn_before["specificity"]["EE"]["all"],
            "specificity_EE_after": self.conn_after["specificity"]["EE"]["all"],
            "mean_IE_weight_change": ie1.mean() - ie0.mean(),
            "osi_E_change": oa["osi"]["E"] - ob["osi"]["E"],
            "osi_I_change": oa["osi"]["I"] - ob["osi"]["I"],
            "osi_before": ob["osi"], "osi_after": oa["osi"],
            "tuning_rates_before": ob["rates"], "tuning_rates_after": oa["rates"],
            "bidirectional_surplus_after": self.conn_after["bidirectional"]["surplus"]})

    def claims(self) -> list[dict[str, Any]]:
        """The learned E→E structure survives spontaneous activity: more than half of the
        learned contrast is retained, per presynaptic E neuron (a claim of the paper
        with the I→E LTD term on, a finding with it off; docs/claims.md)."""
        tag = ", ".join(f"{k} = {v:.3g}" for k, v in self.changes.items()) or None
        return [structure_survives(self.W0, self.W_start, self.W_end,
                                   np.asarray(self.po, dtype=np.float64), self.n_exc,
                                   ltd_IE=bool(self.ltd_IE), tag=tag)]


def run_spontaneous(published: ExperimentResult, *, n_blocks: int = 10,
                    ltd_IE: bool = DEFAULT_LTD_IE, thetas: ArrayLike | None = None,
                    duration_ms: float = 2000, changes: Mapping[str, Any] | None = None,
                    progress: bool = True) -> SpontaneousResult:
    """Plastic blocks of untuned input on the learned network (docs/model.md §5.5).

    Parameters
    ----------
    published : ExperimentResult
        Learned network (``published.W``).
    n_blocks : int
        Number of plastic blocks of ``protocol.block_ms`` with untuned input at
        ``input.spontaneous_rate`` (1 kHz), seeded by ``STREAM_SPONTANEOUS``.
    ltd_IE : bool
        Keep the presynaptic-spike LTD term on I→E synapses (default
        :data:`DEFAULT_LTD_IE`; see the module docstring for why).
    thetas, duration_ms : tuning protocol of the before/after selectivity.
    changes : dict, optional
        Further ``ModelParams.replace`` changes during the spontaneous blocks only (e.g.
        a stronger LTD, to check that the stability claim can fail).
    progress : bool

    Returns
    -------
    SpontaneousResult
    """
    pub = check_published(published)
    n_blocks = check_count(n_blocks, "n_blocks", low=1)
    if not isinstance(ltd_IE, (bool, np.bool_)):
        raise TypeError(f"ltd_IE must be True or False, got {ltd_IE!r}")
    changes = dict(changes or {})
    params = pub.params.replace(**{"plasticity.ltd_IE": bool(ltd_IE), **changes})
    W_end, _, _, spikes = run_blocks(pub.W, pub.po, params, pub.seed, STREAM_SPONTANEOUS,
                                     n_blocks, sequence="untuned", progress=progress,
                                     keep_snapshots=False, desc="spontaneous")
    t0 = run_tuning(pub.W, pub.po, pub.params, pub.seed, thetas=thetas,
                    duration_ms=duration_ms, progress=progress)
    t1 = run_tuning(W_end, pub.po, pub.params, pub.seed, thetas=thetas,
                    duration_ms=duration_ms, progress=progress)
    W0, W1 = pub.W, W_end
    return SpontaneousResult(bool(ltd_IE), W0, W1, block_rates(spikes), t0, t1,
                             connectivity_summary(W0, pub.po, pub.n_exc),
                             connectivity_summary(W1, pub.po, pub.n_exc), pub.po, pub.n_exc,
                             W0=pub.W0, contrast_initial=_contrast(specificity(pub.W0, pub.po, pub.n_exc)),
                             changes=changes)


# ------------------------------------------------------------------- the protocol
class SpontaneousRun:
    """The ``"spontaneous"`` protocol's result: spontaneous activity with the I→E LTD
    term on and off.

    Attributes
    ----------
    by_ltd : dict
        ``{ltd_IE (bool): SpontaneousResult}``.
    """

    def __init__(self, by_ltd: Mapping[bool, SpontaneousResult]) -> None:
        self.by_ltd = dict(by_ltd)

    def metrics(self) -> dict[str, Any]:
        """The default setting's metrics, and both under ``by_ltd_IE``."""
        m = self.by_ltd[DEFAULT_LTD_IE].metrics()
        m["by_ltd_IE"] = {"on" if k else "off": r.metrics() for k, r in self.by_ltd.items()}
        return m

    def claims(self) -> list[dict[str, Any]]:
        """The checks of both settings, the default first."""
        order = sorted(self.by_ltd, key=lambda k: k != DEFAULT_LTD_IE)
        return [c for k in order for c in self.by_ltd[k].claims()]


def _run_protocol(ctx: RunContext) -> SpontaneousRun:
    pub = ctx.learned()
    return SpontaneousRun({ltd: run_spontaneous(pub, ltd_IE=ltd, progress=ctx.progress)
                           for ltd in (True, False)})


register_protocol(Protocol(
    "spontaneous", _run_protocol,
    figures=(FigureSpec("spontaneous", "sensorynet.plotting:plot_spontaneous", of="by_ltd"),),
    cost_s=0.6,
    description="untuned input on the learned network, I→E LTD on and off: does the "
                "learned structure survive? (docs/model.md §5.5)"))
