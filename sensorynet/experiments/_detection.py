"""The model measured as paired recordings measure cortex (notebook 08).

Ko et al. (2011, Nature 473:87; 2013, Nature 496:96) counted a connection between two
layer 2/3 pyramidal neurons when an EPSP was detected, and related the connection
probability to how similarly the two neurons responded to visual stimuli. In this model
an E→E synapse's EPSP is a jump of exactly ``W`` mV (docs/model.md §3), so
:func:`detection_study` counts a connection when ``W > threshold`` and repeats every
measure over a range of thresholds, before learning (W0, the tuning of the naive
network) and after it (the learned W and its tuning).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .._results import ExperimentResult
from .._validate import as_real_array, check_real
from ..analysis import delta_po, detected_connectivity, pair_groups, signal_correlation
from ._common import check_published

if TYPE_CHECKING:
    from ._selectivity import SelectivityAnalysis

__all__ = ["detection_study", "DetectionStudy", "DEFAULT_THRESHOLDS_MV"]

#: detection thresholds swept by default, mV (the model's initial E→E weight is J = 0.5)
DEFAULT_THRESHOLDS_MV = tuple(np.round(np.arange(0.05, 2.0, 0.05), 2).tolist())

PHASES = ("before", "after")


@dataclass
class DetectionStudy:
    """Connection probabilities of the model at each detection threshold.

    Attributes
    ----------
    thresholds : ndarray
        Detection thresholds, mV.
    before, after : dict[str, Any]
        :func:`~sensorynet.analysis.detected_connectivity` of W0 (with the naive
        network's tuning) and of the learned W (with the learned network's tuning), with
        the groups ``"all"``, ``"same"`` (measured |ΔPO| below ``similar_deg``),
        ``"orthogonal"`` (above ``orthogonal_deg``), ``"correlated"`` and
        ``"uncorrelated"`` (top and bottom ``corr_quantile`` of the pairs' signal
        correlation).
    similar_deg, orthogonal_deg, corr_quantile : float
        The group definitions.
    corr_cuts : dict[str, Any]
        phase → (low, high) signal-correlation cuts of the uncorrelated / correlated
        groups.
    n_unresponsive : dict[str, Any]
        phase → number of E neurons whose largest rate over the tuning orientations is
        below ``unresponsive_hz``.
    unresponsive_hz : float
    osi_E : dict[str, Any]
        phase → mean OSI of E neurons.
    seed, n_blocks : int
    """

    thresholds: np.ndarray
    before: dict[str, Any]
    after: dict[str, Any]
    similar_deg: float
    orthogonal_deg: float
    corr_quantile: float
    corr_cuts: dict[str, Any]
    n_unresponsive: dict[str, Any]
    unresponsive_hz: float
    osi_E: dict[str, Any]
    seed: int
    n_blocks: int
    n_exc: int = field(default=0)

    def phase(self, name: str) -> dict[str, Any]:
        if name not in PHASES:
            raise ValueError(f"phase must be 'before' or 'after', got {name!r}")
        return self.before if name == "before" else self.after

    def p(self, phase: str, group: str = "all", what: str = "p_connected") -> np.ndarray:
        """One curve over thresholds: ``what`` of ``group`` in ``phase``."""
        d = self.phase(phase)
        if group not in d or group == "thresholds":
            raise ValueError(f"unknown group {group!r}")
        if what not in d[group] or what == "n_pairs":
            raise ValueError(f"unknown measure {what!r}")
        return np.asarray(d[group][what], dtype=np.float64)

    def same_orth_ratio(self, phase: str) -> np.ndarray:
        """Connection probability of same-PO pairs over that of orthogonal-PO pairs
        (``inf`` where no orthogonal connection is detected, ``nan`` where none at all)."""
        s, o = self.p(phase, "same"), self.p(phase, "orthogonal")
        with np.errstate(divide="ignore", invalid="ignore"):
            return s / o

    def bidirectional_ratio(self, phase: str) -> np.ndarray:
        """P(bidirectional) of correlated over uncorrelated pairs per threshold."""
        c = self.p(phase, "correlated", "p_bidirectional")
        u = self.p(phase, "uncorrelated", "p_bidirectional")
        with np.errstate(divide="ignore", invalid="ignore"):
            return c / u

    def threshold_at_ratio(self, target: float = 2.0, phase: str = "after") -> float:
        """Lowest swept threshold (linearly interpolated) at which the same/orthogonal
        ratio reaches ``target``; ``nan`` if it never does."""
        target = check_real(target, "target")
        r = self.same_orth_ratio(phase)
        t = self.thresholds
        for k in range(len(r)):
            if np.isfinite(r[k]) and r[k] >= target or np.isinf(r[k]):
                if k == 0 or not np.isfinite(r[k]) or not np.isfinite(r[k - 1]):
                    return float(t[k])
                f = (target - r[k - 1]) / (r[k] - r[k - 1])
                return float(t[k - 1] + f * (t[k] - t[k - 1]))
        return float("nan")

    def at(self, threshold: float) -> dict[str, Any]:
        """Every measure at one swept threshold (must be one of :attr:`thresholds`)."""
        threshold = check_real(threshold, "threshold")
        k = np.flatnonzero(np.isclose(self.thresholds, threshold))
        if k.size == 0:
            raise ValueError(f"threshold {threshold} mV was not swept "
                             f"({self.thresholds.min():g}..{self.thresholds.max():g} mV)")
        i = int(k[0])
        out: dict[str, Any] = {"threshold": float(self.thresholds[i])}
        for ph in PHASES:
            out[ph] = {
                "p_all": float(self.p(ph)[i]),
                "p_same": float(self.p(ph, "same")[i]),
                "p_orthogonal": float(self.p(ph, "orthogonal")[i]),
                "same_orth_ratio": float(self.same_orth_ratio(ph)[i]),
                "p_bi_correlated": float(self.p(ph, "correlated", "p_bidirectional")[i]),
                "p_bi_uncorrelated": float(self.p(ph, "uncorrelated", "p_bidirectional")[i]),
            }
        return out


def detection_study(published: ExperimentResult, selectivity: SelectivityAnalysis | None = None,
                    *, thresholds: Any = DEFAULT_THRESHOLDS_MV, similar_deg: float = 22.5,
                    orthogonal_deg: float = 67.5, corr_quantile: float = 0.25,
                    unresponsive_hz: float = 1.0, **tuning_kw: Any) -> DetectionStudy:
    """Measure the model as Ko et al. measured cortex, before and after learning.

    Parameters
    ----------
    published : ExperimentResult
        Output of :func:`sensorynet.run_published` (its W0 and learned W).
    selectivity : SelectivityAnalysis, optional
        Its tuning before and after learning (computed with ``tuning_kw`` if not given).
    thresholds : array_like
        EPSP detection thresholds, mV (a connection counts when ``W > threshold``).
    similar_deg, orthogonal_deg : float
        "Same preference": measured |ΔPO| < ``similar_deg``; "orthogonal": >
        ``orthogonal_deg`` (degrees, 0..90).
    corr_quantile : float
        "Correlated" / "uncorrelated" pairs: the top / bottom ``corr_quantile`` of all
        E pairs' signal correlations (tuning-curve correlations), in each phase.
    unresponsive_hz : float
        An E neuron is "visually unresponsive" when its largest rate over the tuning
        orientations is below this, Hz.

    Returns
    -------
    DetectionStudy
    """
    from ._selectivity import selectivity_analysis
    pub = check_published(published)
    thr = as_real_array(thresholds, "thresholds", ndim=1)
    similar_deg = check_real(similar_deg, "similar_deg")
    orthogonal_deg = check_real(orthogonal_deg, "orthogonal_deg")
    if not 0 < similar_deg <= orthogonal_deg < 90:
        raise ValueError(f"need 0 < similar_deg <= orthogonal_deg < 90, got "
                         f"{similar_deg}, {orthogonal_deg}")
    corr_quantile = check_real(corr_quantile, "corr_quantile")
    if not 0 < corr_quantile <= 0.5:
        raise ValueError(f"corr_quantile must be in (0, 0.5], got {corr_quantile}")
    unresponsive_hz = check_real(unresponsive_hz, "unresponsive_hz")
    sel = selectivity_analysis(pub, **tuning_kw) if selectivity is None else selectivity
    ne = pub.n_exc
    out: dict[str, Any] = {}
    cuts: dict[str, tuple[float, float]] = {}
    n_unresp: dict[str, int] = {}
    osi_e: dict[str, float] = {}
    for phase, W, tun in (("before", pub.W0, sel.before), ("after", pub.W, sel.after)):
        po = tun.po_out[:ne]
        finite = np.isfinite(po)
        dpo = np.where(finite[:, None] & finite[None, :],
                       np.rad2deg(delta_po(np.where(finite, po, 0.0))), np.nan)
        groups = pair_groups(dpo, [(0.0, similar_deg), (orthogonal_deg, 90.0)],
                             names=["same", "orthogonal"])
        corr = signal_correlation(tun.rates[:, :ne])
        iu = np.triu_indices(ne, 1)
        lo, hi = np.nanquantile(corr[iu], [corr_quantile, 1.0 - corr_quantile])
        groups.update(pair_groups(corr, [(-1.0, float(lo)), (float(hi), 1.0)],
                                  names=["uncorrelated", "correlated"]))
        out[phase] = detected_connectivity(W, ne, thr, groups)
        cuts[phase] = (float(lo), float(hi))
        n_unresp[phase] = int((tun.rates[:, :ne].max(axis=0) < unresponsive_hz).sum())
        osi_e[phase] = float(np.nanmean(tun.osi[:ne]))
    return DetectionStudy(thr, out["before"], out["after"], similar_deg, orthogonal_deg,
                          corr_quantile, cuts, n_unresp, unresponsive_hz, osi_e,
                          pub.seed, pub.n_blocks, ne)
