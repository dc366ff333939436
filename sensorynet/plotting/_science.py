"""Figures of the science experiments (:mod:`sensorynet.experiments._science`).

Every function takes the result object of one experiment, draws with matplotlib's
object API (no pyplot state: nothing is shown or kept open) and returns a
:class:`matplotlib.figure.Figure` with constrained layout. Angles are shown in degrees,
weights in mV, rates in Hz. Legend text is at least :data:`LEGEND_PT` points; legends
sit where they do not cover data: in head room reserved above the data, at matplotlib's
``loc="best"`` (semi-opaque frame), or outside the axes (one figure legend for entries
shared by all panels).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .._types import FloatArray, IntArray
from ..analysis import weights_vs_delta_po
from ._style import (
    BIN_LABELS,
    C_AFTER,
    C_BEFORE,
    C_BINS,
    C_OUT,
    COLORS,
    PW_LABEL,
    fig_legend,
    headroom,
    legend,
    new_figure,
    spec_lines,
)

__all__ = [
    "plot_tuning_examples",
    "plot_osi_distributions",
    "plot_po_out_vs_in",
    "plot_connectivity_vs_dpo",
    "plot_connectivity_evolution",
]

if TYPE_CHECKING:   # the results drawn; plotting never imports the experiments that run them
    from ..experiments import ConnectivityEvolution, SelectivityAnalysis


def _example_neurons(n_exc: int, N: int, n_per_pop: int) -> dict[str, IntArray]:
    e = (np.arange(n_per_pop) * n_exc) // n_per_pop + n_exc // (2 * n_per_pop)
    i = n_exc + (np.arange(n_per_pop) * (N - n_exc)) // n_per_pop
    return {"E": e, "I": i}


def plot_tuning_examples(sel: SelectivityAnalysis, n_per_pop: int = 3) -> Figure:
    """Tuning curves of a few E and I neurons before and after learning.

    Parameters
    ----------
    sel : SelectivityAnalysis
    n_per_pop : int
        Neurons per population, chosen evenly over input PO.
    """
    b, a = sel.before, sel.after
    th = np.degrees(np.append(b.thetas, b.thetas[0] + np.pi))
    fig, axs = new_figure(2, n_per_pop, 3.4 * n_per_pop, 6.0)
    for r, (pop, idx) in enumerate(_example_neurons(sel.n_exc, b.N, n_per_pop).items()):
        for c, n in enumerate(idx):
            ax = axs[r, c]
            top = 0.0
            for t, col, ls, lab in ((b, C_BEFORE, "--", "before"), (a, COLORS[pop], "-", "after")):
                y = np.append(t.rates[:, n], t.rates[0, n])
                ax.plot(th, y, ls, color=col, marker="o", ms=3,
                        label=f"{lab}: OSI {t.osi[n]:.2f}")
                top = max(top, float(np.nanmax(y)) if np.isfinite(y).any() else 0.0)
            ax.set_ylim(0, 1.35 * max(top, 1.0))       # head room for the legend
            ax.axvline(np.degrees(sel.po_in[n]), ymax=1 / 1.35, color="k", lw=0.6, ls=":")
            ax.set_title(f"{pop} neuron {n} (input PO {np.degrees(sel.po_in[n]):.0f}°)",
                         fontsize=9)
            ax.set_xticks([0, 45, 90, 135, 180])
            ax.set_xlabel("stimulus orientation (deg)")
            ax.set_ylabel("rate (Hz)")
            legend(ax, loc="upper center", ncols=2, handlelength=1.8, columnspacing=1.0,
                    borderaxespad=0.3)
    fig.suptitle("Example tuning curves before and after learning (same input; "
                 "dotted: input PO)")
    return fig


def plot_osi_distributions(sel: SelectivityAnalysis) -> Figure:
    """Histograms of the OSI of E and I neurons before and after learning."""
    fig, axs = new_figure(1, 2, 9, 3.6)
    bins = np.linspace(0, 1, 26)
    for ax, (pop, sl) in zip(axs[0], (("E", slice(0, sel.n_exc)), ("I", slice(sel.n_exc, None))), strict=True):
        top, marks = 1.0, []
        for t, col, lab in ((sel.before, C_BEFORE, "before"), (sel.after, COLORS[pop], "after")):
            v = t.osi[sl]
            v = v[np.isfinite(v)]
            n, _, _ = ax.hist(v, bins, histtype="stepfilled", alpha=0.45, color=col,
                              label=f"{lab}: mean {v.mean():.3f}")
            top = max(top, float(n.max(initial=0)))
            marks += [(v.mean(), col, "-", 1.5),
                      (np.nanmean(t.osi_noise_floor[sl]), col, ":", 1.0)]
        ax.set_ylim(0, 1.4 * top)                  # top 29 % kept free for the legend
        for x, col, ls, lw in marks:               # mean / noise floor, below the legend
            ax.axvline(x, ymax=1 / 1.4, color=col, lw=lw, ls=ls)
        ax.set_xlabel("OSI (1 − circular variance)")
        ax.set_ylabel("neurons")
        ax.set_title(f"{pop} neurons (solid: mean; dotted: Poisson noise floor)",
                     fontsize=10)
        legend(ax, loc="upper center", ncols=2, columnspacing=1.0)
    return fig


def plot_po_out_vs_in(sel: SelectivityAnalysis) -> Figure:
    """Measured (output) PO against input PO, before and after learning."""
    fig, axs = new_figure(1, 2, 9, 4.3, sharey=True)
    po = np.degrees(sel.po_in)
    for ax, (t, lab) in zip(axs[0], ((sel.before, "before"), (sel.after, "after")), strict=True):
        for pop, sl in (("E", slice(0, sel.n_exc)), ("I", slice(sel.n_exc, None))):
            ax.scatter(po[sl], np.degrees(t.po_out[sl]), s=5, alpha=0.6, color=COLORS[pop],
                       label=f"{pop} neurons", linewidths=0)
        ax.plot([0, 180], [0, 180], "k", lw=0.6, label="measured = input")
        ax.set(xlim=(0, 180), ylim=(0, 180), xlabel="input PO (deg)",
               title=f"{lab} learning")
        ax.set_xticks([0, 45, 90, 135, 180])
        ax.set_yticks([0, 45, 90, 135, 180])
    axs[0, 0].set_ylabel("measured PO (deg)")
    handles, labels = axs[0, 0].get_legend_handles_labels()
    leg = fig_legend(fig, handles, labels, ncols=3)
    for h in leg.legend_handles[:2]:
        if isinstance(h, PathCollection):   # the two scatters' markers, drawn larger
            h.set_sizes([30])
            h.set_alpha(1.0)
    return fig


def plot_connectivity_vs_dpo(sel: SelectivityAnalysis, max_points: int = 4000, seed: int = 0
                             ) -> Figure:
    """Learned weights against |ΔPO| and specificity per bin (E→E, E→I, I→E).

    Top: existing synapses after learning vs |ΔPO| of input POs (random subsample of
    ``max_points``) with binned means. Middle/bottom: mean weight per |ΔPO| bin over all
    pairs (zeros counted) and over existing synapses, for W0 and for the learned W
    with input PO and with measured PO.
    """
    fig, axs = new_figure(3, 3, 11.5, 9.5)
    rng = np.random.default_rng(seed)
    conn = sel.connectivity
    edges = np.linspace(0, 90, 10)
    po_out = sel.after.po_out
    fin = np.flatnonzero(np.isfinite(po_out))
    W_fin = sel.W[np.ix_(fin, fin)]
    ne_fin = int(np.count_nonzero(fin < sel.n_exc))

    def binned(d: FloatArray, w: FloatArray) -> list[float]:
        k = np.clip(np.digitize(d, edges) - 1, 0, len(edges) - 2)
        return [w[k == j].mean() if np.any(k == j) else np.nan for j in range(len(edges) - 1)]
    for c, pw in enumerate(("EE", "EI", "IE")):
        d, w = weights_vs_delta_po(sel.W, sel.po_in, sel.n_exc, pw)
        d = np.degrees(d)
        keep = rng.choice(d.size, min(max_points, d.size), replace=False)
        ax = axs[0, c]
        ax.scatter(d[keep], w[keep], s=3, alpha=0.3, color="k", linewidths=0)
        mid = (edges[:-1] + edges[1:]) / 2
        ax.plot(mid, binned(d, w), "o-", color=C_AFTER)
        d_out, w_out = weights_vs_delta_po(W_fin, po_out[fin], ne_fin, pw)
        ax.plot(mid, binned(np.degrees(d_out), w_out), "s-", color=C_OUT, ms=5)
        ax.set(xlabel="|ΔPO| (deg; dots: input PO)", ylabel="weight (mV)",
               title=f"{PW_LABEL[pw]} after learning, 10° bin means", xlim=(0, 90))
        for r, mode in ((1, "all"), (2, "existing")):
            series = [conn["before"]["specificity"][pw][mode],
                      conn["after_input_po"]["specificity"][pw][mode],
                      conn["after_output_po"]["specificity"][pw][mode]]
            spec_lines(axs[r, c], series, ["", "", ""], [C_BEFORE, C_AFTER, C_OUT],
                        ["--", "-", "-"], ["o", "o", "s"])
            what = "all pairs (0 if absent)" if mode == "all" else "existing synapses"
            axs[r, c].set(xlabel="|ΔPO| bin", ylabel="mean weight (mV)",
                          title=f"{PW_LABEL[pw]}, {what}")
    handles = [Line2D([], [], ls="", marker="o", ms=4, color="k", alpha=0.5),
               Line2D([], [], ls="--", marker="o", color=C_BEFORE),
               Line2D([], [], ls="-", marker="o", color=C_AFTER),
               Line2D([], [], ls="-", marker="s", color=C_OUT)]
    fig_legend(fig, handles, ["synapse after learning (|ΔPO| of input POs)",
                               "W0, |ΔPO| of input POs",
                               "learned W, |ΔPO| of input POs",
                               "learned W, |ΔPO| of measured POs"], ncols=2)
    return fig


def plot_connectivity_evolution(evo: ConnectivityEvolution) -> Figure:
    """Rates, specificity, pruning and reciprocity across learning blocks."""
    fig, axs = new_figure(2, 3, 13, 7)
    x = evo.blocks + 1
    xlab = "learning blocks completed"
    ax = axs[0, 0]
    for j, pop in enumerate("EI"):
        ax.plot(np.arange(1, len(evo.rates) + 1), evo.rates[:, j], color=COLORS[pop], label=pop)
    ax.set(xlabel="learning block", ylabel="mean rate during block (Hz)", title="Rates")
    legend(ax)
    for ax, pw, mode in ((axs[0, 1], "EE", "all"), (axs[0, 2], "EI", "existing"),
                         (axs[1, 0], "IE", "existing")):
        s = evo.specificity[pw][mode]
        for k in range(s.shape[1]):
            ax.plot(x, s[:, k], color=C_BINS[k % 3], label=f"|ΔPO| {BIN_LABELS[k]}")
        ax.set(xlabel=xlab, ylabel="mean weight (mV)",
               title=f"{PW_LABEL[pw]} specificity "
                     f"({'all pairs' if mode == 'all' else 'existing synapses'})")
        legend(ax)
    ax = axs[1, 1]
    pw_col = {"EE": "tab:red", "EI": "tab:green", "IE": "tab:blue"}
    for pw, col in pw_col.items():
        ax.plot(x, evo.pruned[pw], color=col)
        ax.plot(x, evo.at_bound[pw], color=col, ls="--")
    ax.set(xlabel=xlab, ylabel="fraction of initial synapses", title="Pruning and saturation")
    headroom(ax, 0.15)
    handles = [Line2D([], [], color=c) for c in pw_col.values()] + \
        [Line2D([], [], color="k"), Line2D([], [], color="k", ls="--")]
    legend(ax, handles, [PW_LABEL[pw] for pw in pw_col] + ["pruned to 0", "at bound"],
            ncols=2)
    ax = axs[1, 2]
    sur = np.where(evo.expected >= 10, evo.surplus, np.nan)
    ax.plot(x, sur, color="k", label="surplus obs/exp (≥ 10 pairs expected)")
    ax.axhline(1, color="k", lw=0.6, ls=":")
    ax.set(xlabel=xlab, ylabel="observed / expected (E pairs > 1 mV)",
           title="Reciprocity")
    fin = sur[np.isfinite(sur)]
    ax.set_ylim(0, 1.45 * max(float(fin.max()) if fin.size else 1.0, 1.0))
    ax2 = ax.twinx()
    ax2.plot(x, evo.reciprocal, color="tab:green", label="corr(w_ij, w_ji)")
    ax2.set_ylabel("corr(w_ij, w_ji)", color="tab:green")
    ax2.set_ylim(-0.05, 1.45)                  # both curves below 70 %: legend on top
    ax2.set_yticks(np.linspace(0, 1, 6))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    legend(ax2, h1 + h2, l1 + l2, loc="upper center", ncols=1)   # drawn above both
    return fig








