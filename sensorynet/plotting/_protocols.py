"""Figures of the protocols beyond the published one: spontaneous activity, cardinal
over-representation and the plasticity ablations.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .._types import Population
from ._style import (
    BIN_LABELS,
    C_AFTER,
    C_BEFORE,
    C_BINS,
    COLORS,
    PW_LABEL,
    fig_legend,
    grouped_bars,
    headroom,
    legend,
    new_figure,
    number,
    spec_lines,
    values,
)

__all__ = ["plot_spontaneous", "plot_cardinal", "plot_ablations"]

if TYPE_CHECKING:   # the results drawn; plotting never imports the experiments that run them
    from ..experiments import AblationResult, CardinalResult, SpontaneousResult


def plot_spontaneous(results: SpontaneousResult | dict[bool, SpontaneousResult]) -> Figure:
    """Spontaneous activity on the learned network, for one or both I→E LTD settings.

    Parameters
    ----------
    results : SpontaneousResult or dict {ltd_IE (bool): SpontaneousResult}
    """
    if not isinstance(results, dict):
        results = {results.ltd_IE: results}
    items = sorted(results.items(), key=lambda kv: not kv[0])
    lab = {True: "I→E LTD on", False: "I→E LTD off"}
    hat = {True: None, False: "//"}
    fig, axs = new_figure(2, 2, 10.5, 7.5)
    ax = axs[0, 0]
    for ltd, r in items:
        b = np.arange(1, len(r.block_rates) + 1)
        for j, pop in enumerate("EI"):
            ax.plot(b, r.block_rates[:, j], color=COLORS[pop], ls="-" if ltd else "--",
                    marker="o", ms=3, label=f"{pop}, {lab[ltd]}")
    ax.set(xlabel="spontaneous block (2 s each)", ylabel="mean rate (Hz)",
           title="Rates under untuned input")
    ax.set_ylim(bottom=0)
    headroom(ax, 0.35)
    legend(ax, ncols=2)
    first = items[0][1]
    series = [first.conn_before["specificity"]["EE"]["all"]] + \
        [r.conn_after["specificity"]["EE"]["all"] for _, r in items]
    grouped_bars(axs[0, 1], BIN_LABELS, series,
                  ["learned"] + [f"after spontaneous, {lab[k]}" for k, _ in items],
                  [C_BEFORE] + [C_AFTER] * len(items), [None] + [hat[k] for k, _ in items])
    axs[0, 1].set(xlabel="|ΔPO| bin", ylabel="mean E→E weight (mV)",
                  title="E→E specificity (all pairs)")
    headroom(axs[0, 1], 0.3)
    legend(axs[0, 1])
    ax = axs[1, 0]
    series, labels, cols, hatches = [], [], [], []
    for ltd, r in items:
        for k in range(3):
            series.append([r.specificity_change(pw)[k] for pw in ("EE", "EI", "IE")])
            labels.append(f"{BIN_LABELS[k]}, {lab[ltd]}")
            cols.append(C_BINS[k])
            hatches.append(hat[ltd])
    grouped_bars(ax, [PW_LABEL[p] for p in ("EE", "EI", "IE")], series, labels, cols, hatches)
    ax.set(ylabel="change of mean weight (mV)", title="Weight change per |ΔPO| bin")
    handles = [Patch(facecolor=C_BINS[k], edgecolor="k", lw=0.4) for k in range(3)] + \
        [Patch(facecolor="white", edgecolor="k", lw=0.4, hatch=hat[ltd]) for ltd, _ in items]
    lo, hi = ax.get_ylim()                     # room for the legend on the emptier side
    vals = np.concatenate([np.ravel(v) for v in series])
    if vals.max(initial=0.0) >= -vals.min(initial=0.0):
        ax.set_ylim(lo - 0.6 * (hi - lo), hi)
        loc = "lower center"
    else:
        ax.set_ylim(lo, hi + 0.6 * (hi - lo))
        loc = "upper center"
    legend(ax, handles, [f"|ΔPO| {b}" for b in BIN_LABELS] + [lab[k] for k, _ in items],
            ncols=2, loc=loc)
    ax = axs[1, 1]
    groups: list[Population] = ["E", "I"]
    series = [[first.tuning_before.population_mean(first.tuning_before.osi)[p] for p in groups]]
    series += [[r.tuning_after.population_mean(r.tuning_after.osi)[p] for p in groups]
               for _, r in items]
    grouped_bars(ax, groups, series, ["learned"] + [f"after, {lab[k]}" for k, _ in items],
                  [C_BEFORE] + [C_AFTER] * len(items), [None] + [hat[k] for k, _ in items])
    ax.set(ylabel="mean OSI", title="Selectivity", ylim=(0, 1.3))
    ax.set_yticks(np.linspace(0, 1, 6))
    legend(ax)
    return fig


def plot_cardinal(card: CardinalResult) -> Figure:
    """Measured PO histograms (naive, cardinal, control) and group statistics."""
    m = card.metrics()
    names = ("naive", "cardinal", "control")
    fig, axs = new_figure(2, 3, 13, 7.5)
    edges = np.arange(0, 180.1, 7.5)
    hw = card.half_width_deg
    for ax, name in zip(axs[0], names, strict=True):
        po = np.degrees(card.state(name)[1].po_out[:card.n_exc])
        for c0, col in ((0, "tab:blue"), (90, "tab:blue"), (180, "tab:blue"),
                        (45, "tab:orange"), (135, "tab:orange")):
            ax.axvspan(max(c0 - hw, 0), min(c0 + hw, 180), color=col, alpha=0.25, lw=0)
        # hollow bars with edges, so the class shading behind them stays visible
        ax.hist(po[np.isfinite(po)], edges, histtype="step", color="0.15", lw=1.2)
        ax.axhline(card.n_exc / (len(edges) - 1), color="k", ls=":", lw=0.8)
        d = m[name]
        ax.set(xlabel="measured PO of E neurons (deg)", ylabel="neurons", xlim=(0, 180),
               title=f"{name}: cardinal {number(d['frac_near_cardinal'])}, "
                     f"oblique {number(d['frac_near_oblique'])}")
        ax.set_xticks([0, 45, 90, 135, 180])
    grouped_bars(axs[1, 0], list(names),
                  [[m[n]["frac_near_cardinal"] for n in names],
                   [m[n]["frac_near_oblique"] for n in names]],
                  [f"near 0°/90° (±{hw:g}°)", f"near 45°/135° (±{hw:g}°)"],
                  ["tab:blue", "tab:orange"])
    axs[1, 0].axhline(m["naive"]["expected_uniform"], color="k", ls=":", lw=0.8,
                      label="uniform expectation")
    axs[1, 0].set(ylabel="fraction of E neurons", title="PO classes")
    headroom(axs[1, 0], 0.45)
    legend(axs[1, 0])
    grouped_bars(axs[1, 1], list(names),
                  [[m[n]["mean_w_EE_cardinal"] for n in names],
                   [m[n]["mean_w_EE_oblique"] for n in names]],
                  ["within cardinal-preferring", "within oblique-preferring"],
                  ["tab:blue", "tab:orange"])
    axs[1, 1].set(ylabel="mean E→E weight (mV)", title="Within-group connectivity")
    headroom(axs[1, 1], 0.35)
    legend(axs[1, 1])
    ax = axs[1, 2]
    for name, col in (("cardinal", "tab:blue"), ("control", "0.4")):
        th = np.degrees(np.ravel(card.conditions[name]["block_thetas"]))
        ax.hist(th, edges, histtype="step", color=col, lw=1.5, label=name)
    ax.set(xlabel="presented orientation (deg)", ylabel="stimuli (all blocks)",
           title="Stimulus statistics", xlim=(0, 180))
    ax.set_xticks([0, 45, 90, 135, 180])
    legend(ax)
    return fig


def plot_ablations(abl: AblationResult) -> Figure:
    """Rates, selectivity, specificity and reciprocity per ablation, side by side."""
    m = abl.metrics()
    names = list(m)
    cols = [("0.3", "tab:green", "tab:purple", "tab:brown")[i % 4] for i in range(len(names))]
    fig, axs = new_figure(2, 3, 13, 7.5)
    # rates and selectivity after learning per condition, with the naive values dotted
    for ax, what, ylabel, title in ((axs[0, 0], "rates", "rate at π/2 test after learning (Hz)",
                                     "Rates"),
                                    (axs[0, 1], "osi", "mean OSI after learning",
                                     "Selectivity")):
        grouped_bars(ax, ["E", "I"], [[m[n][f"{what}_after"][p] for p in "EI"] for n in names],
                     names, cols)
        for j, p in enumerate("EI"):
            ax.hlines(values([m[names[0]][f"{what}_before"][p]])[0], j - 0.4, j + 0.4, colors="k",
                      ls=":", label="before learning" if j == 0 else None)
        ax.set(ylabel=ylabel, title=title)
    axs[0, 1].set_ylim(0, 1)
    ax = axs[0, 1]
    for ax, pw, mode in ((axs[0, 2], "EE", "all"), (axs[1, 0], "EI", "existing"),
                         (axs[1, 1], "IE", "existing")):
        spec_lines(ax, [m[n]["specificity"][pw][mode] for n in names], names, cols)
        ax.set(xlabel="|ΔPO| bin", ylabel="mean weight (mV)",
               title=f"{PW_LABEL[pw]} ({'all pairs' if mode == 'all' else 'existing'})")
    ax = axs[1, 2]
    sur = [m[n]["bidirectional_surplus"] for n in names]
    ax.bar(np.arange(len(names)), [np.nan if s is None else s for s in sur], color=cols,
           edgecolor="k", lw=0.4)
    ax.axhline(1, color="k", ls=":", lw=0.8)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set(ylabel="bidirectional surplus (obs/exp)", title="Reciprocity and pruning")
    ax.set_ylim(0, 1.3 * max([1.0] + [s for s in sur if s is not None]))
    ax2 = ax.twinx()
    ax2.plot(np.arange(len(names)), [m[n]["pruning"]["EE"]["pruned"] for n in names], "kD",
             label="E→E pruned fraction")
    ax2.set_ylabel("fraction of E→E synapses pruned (◆)")
    ax2.set_ylim(0, 1)
    handles = [Patch(facecolor=c, edgecolor="k", lw=0.4) for c in cols] + \
        [Line2D([], [], color="k", ls=":"), Line2D([], [], ls="", marker="D", color="k")]
    fig_legend(fig, handles, names + ["before learning", "E→E pruned fraction"],
                ncols=len(names) + 2)
    return fig
