"""Figures of notebook 08: the model measured as paired recordings measure cortex."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from .._results import ExperimentResult
from ._style import C_AFTER, C_BEFORE, legend, new_figure

if TYPE_CHECKING:
    from ..experiments import DetectionStudy

__all__ = ["plot_epsp_distributions", "plot_detection"]


def plot_epsp_distributions(published: ExperimentResult, *, bins: Any = None) -> Figure:
    """Histogram of E→E EPSP amplitudes (= weights, mV) of existing synapses, before and
    after learning.

    Parameters
    ----------
    published : ExperimentResult
    bins : array_like, optional
        Histogram bin edges, mV (default 0–w_max in 0.05 mV steps).
    """
    ne = published.n_exc
    w_max = published.params.plasticity.w_max
    edges = np.arange(0.0, w_max + 0.05, 0.05) if bins is None else np.asarray(bins)
    fig, axs = new_figure(1, 1, 6.4, 3.2)
    ax = axs[0, 0]
    for W, label, col in ((published.W0, "before learning (W0)", C_BEFORE),
                          (published.W, "after learning", C_AFTER)):
        w = published.dense(W)[:ne, :ne]
        off = ~np.eye(ne, dtype=bool)
        x = w[off & (published.dense(published.W0)[:ne, :ne] != 0)]
        ax.hist(x, bins=edges, color=col, alpha=0.6, label=f"{label}: {x.size} synapses")
    ax.set_yscale("log")
    ax.set_xlabel("EPSP amplitude = weight (mV)")
    ax.set_ylabel("E→E synapses")
    ax.set_title("E→E EPSP amplitudes (before: every synapse J = "
                 f"{published.params.network.J:g} mV)")
    legend(ax)
    return fig


def plot_detection(study: DetectionStudy, *, mark: float | None = None,
                   spread: list[DetectionStudy] | None = None) -> Figure:
    """Connection probabilities against the EPSP detection threshold.

    Three panels: (left) the E→E connection probability of all pairs before and after
    learning; (middle) the ratio same-PO / orthogonal-PO connection probability, with the
    experimental "twice" as a dashed line; (right) the probability that a pair is
    connected both ways, for correlated and uncorrelated pairs.

    Parameters
    ----------
    study : DetectionStudy
        From :func:`sensorynet.experiments.detection_study`.
    mark : float, optional
        A threshold (mV) to mark with a vertical line.
    spread : list of DetectionStudy, optional
        Further seeds: their after-learning curves are drawn thin, to show the spread.
    """
    t = study.thresholds
    fig, axs = new_figure(1, 3, 13.0, 3.9)
    a0, a1, a2 = axs[0]
    for ph, col, ls in (("before", C_BEFORE, "--"), ("after", C_AFTER, "-")):
        a0.plot(t, study.p(ph), ls, color=col, lw=2, label=f"{ph} learning")
    for s in spread or []:
        a0.plot(s.thresholds, s.p("after"), "-", color=C_AFTER, lw=0.6, alpha=0.5)
        with np.errstate(divide="ignore", invalid="ignore"):
            a1.plot(s.thresholds, s.same_orth_ratio("after"), "-", color=C_AFTER, lw=0.6,
                    alpha=0.5)
    a0.set_xlabel("detection threshold (mV)")
    a0.set_ylabel("connection probability, E→E")
    a0.set_title("Overall connection rate")
    a0.set_ylim(0, None)
    legend(a0)

    for ph, col, ls in (("before", C_BEFORE, "--"), ("after", C_AFTER, "-")):
        r = study.same_orth_ratio(ph)
        ok = np.isfinite(r)
        a1.plot(t[ok], r[ok], ls, color=col, lw=2, label=f"{ph} learning")
    a1.axhline(2.0, color="k", ls=":", lw=1, label="×2 (Ko et al. 2011)")
    a1.axhline(1.0, color="0.6", lw=0.6)
    a1.set_yscale("log")
    a1.set_xlabel("detection threshold (mV)")
    a1.set_ylabel("P(same PO) / P(orthogonal PO)")
    a1.set_title(f"Specificity: |ΔPO| < {study.similar_deg:g}° vs > "
                 f"{study.orthogonal_deg:g}°")
    legend(a1, loc="upper left")

    q = study.corr_quantile
    for ph, ls in (("before", "--"), ("after", "-")):
        a2.plot(t, study.p(ph, "correlated", "p_bidirectional"), ls, color="tab:green",
                lw=2, label=f"top {q:.0%} signal corr., {ph}")
        a2.plot(t, study.p(ph, "uncorrelated", "p_bidirectional"), ls, color="tab:brown",
                lw=2, label=f"bottom {q:.0%}, {ph}")
    a2.set_xlabel("detection threshold (mV)")
    a2.set_ylabel("P(connected both ways)")
    a2.set_title("Bidirectional pairs")
    a2.set_ylim(0, None)
    legend(a2, fontsize=7)
    for a in axs[0]:
        a.set_xlim(0, t.max())
        if mark is not None:
            a.axvline(mark, color="0.3", lw=0.8, ls="-.")
    fig.suptitle(f"Connectivity as paired recordings would detect it (seed {study.seed}, "
                 f"{study.n_blocks} learning blocks): a connection counts when its EPSP "
                 "exceeds the threshold")
    return fig
