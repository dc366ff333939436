"""Figures of the science experiments (:mod:`sensorynet.science`).

Every function takes the result object of one experiment, draws with matplotlib's
object API (no pyplot state: nothing is shown or kept open) and returns a
:class:`matplotlib.figure.Figure` with constrained layout. Angles are shown in degrees,
weights in mV, rates in Hz. Legend text is at least :data:`LEGEND_PT` points; legends
sit where they do not cover data: in head room reserved above the data, at matplotlib's
``loc="best"`` (semi-opaque frame), or outside the axes (one figure legend for entries
shared by all panels).
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .connectivity import DEFAULT_BINS_DEG, weights_vs_delta_po

__all__ = [
    "plot_tuning_examples", "plot_osi_distributions", "plot_po_out_vs_in",
    "plot_connectivity_vs_dpo", "plot_connectivity_evolution", "plot_spontaneous",
    "plot_cardinal", "plot_ablations",
]

C_BEFORE, C_AFTER, C_OUT = "0.55", "tab:red", "tab:purple"
C_POP = {"E": "tab:red", "I": "tab:blue"}
C_BINS = ("tab:red", "tab:orange", "tab:blue")
BIN_LABELS = [f"{lo}–{hi}°" for lo, hi in DEFAULT_BINS_DEG]
PW_LABEL = {"EE": "E→E", "EI": "E→I", "IE": "I→E"}

#: font size of legend text (points)
LEGEND_PT = 8


def _legend(ax, *args, **kw):
    """Axes legend at :data:`LEGEND_PT`, ``loc="best"`` and a semi-opaque frame."""
    kw.setdefault("fontsize", LEGEND_PT)
    kw.setdefault("loc", "best")
    kw.setdefault("framealpha", 0.85)
    return ax.legend(*args, **kw)


def _fig_legend(fig, handles, labels, ncols, where="lower center"):
    """One legend for the whole figure, outside the axes (constrained layout)."""
    return fig.legend(handles, labels, loc=f"outside {where}", ncols=ncols,
                      fontsize=LEGEND_PT + 1, frameon=False)


def _headroom(ax, frac):
    """Extend the y range upwards by ``frac`` of its span (space for a legend)."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + frac * (hi - lo))


def _fig(nrows, ncols, w, h, **kw):
    fig = Figure(figsize=(w, h), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axs


def _grouped_bars(ax, groups, series, labels, colors, hatches=None, width=0.8):
    """Bars: ``series[s][g]`` for group g, one bar per series."""
    n = len(series)
    w = width / n
    x = np.arange(len(groups))
    for s, vals in enumerate(series):
        ax.bar(x + (s - (n - 1) / 2) * w, vals, w, label=labels[s], color=colors[s],
               hatch=None if hatches is None else hatches[s], edgecolor="k", linewidth=0.4)
    ax.set_xticks(x, groups)
    ax.axhline(0, color="k", lw=0.6)


def _spec_lines(ax, series, labels, colors, styles=None, markers=None):
    """Mean weight per |ΔPO| bin, one marker line per series (bins at their centres)."""
    x = np.array([(lo + hi) / 2 for lo, hi in DEFAULT_BINS_DEG])
    for k, vals in enumerate(series):
        ax.plot(x, vals, marker="o" if markers is None else markers[k], color=colors[k],
                label=labels[k], ls="-" if styles is None else styles[k])
    ax.set_xticks(x, BIN_LABELS)
    ax.set_xlim(0, 90)
    ax.margins(y=0.15)


def _example_neurons(n_exc, N, n_per_pop):
    e = (np.arange(n_per_pop) * n_exc) // n_per_pop + n_exc // (2 * n_per_pop)
    i = n_exc + (np.arange(n_per_pop) * (N - n_exc)) // n_per_pop
    return {"E": e, "I": i}


def plot_tuning_examples(sel, n_per_pop=3):
    """Tuning curves of a few E and I neurons before and after learning.

    Parameters
    ----------
    sel : SelectivityAnalysis
    n_per_pop : int
        Neurons per population, chosen evenly over input PO.
    """
    b, a = sel.before, sel.after
    th = np.degrees(np.append(b.thetas, b.thetas[0] + np.pi))
    fig, axs = _fig(2, n_per_pop, 3.4 * n_per_pop, 6.0)
    for r, (pop, idx) in enumerate(_example_neurons(sel.n_exc, b.N, n_per_pop).items()):
        for c, n in enumerate(idx):
            ax = axs[r, c]
            top = 0.0
            for t, col, ls, lab in ((b, C_BEFORE, "--", "before"), (a, C_POP[pop], "-", "after")):
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
            _legend(ax, loc="upper center", ncols=2, handlelength=1.8, columnspacing=1.0,
                    borderaxespad=0.3)
    fig.suptitle("Example tuning curves before and after learning (same input; "
                 "dotted: input PO)")
    return fig


def plot_osi_distributions(sel):
    """Histograms of the OSI of E and I neurons before and after learning."""
    fig, axs = _fig(1, 2, 9, 3.6)
    bins = np.linspace(0, 1, 26)
    for ax, (pop, sl) in zip(axs[0], (("E", slice(0, sel.n_exc)), ("I", slice(sel.n_exc, None)))):
        top, marks = 1.0, []
        for t, col, lab in ((sel.before, C_BEFORE, "before"), (sel.after, C_POP[pop], "after")):
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
        _legend(ax, loc="upper center", ncols=2, columnspacing=1.0)
    return fig


def plot_po_out_vs_in(sel):
    """Measured (output) PO against input PO, before and after learning."""
    fig, axs = _fig(1, 2, 9, 4.3, sharey=True)
    po = np.degrees(sel.po_in)
    for ax, (t, lab) in zip(axs[0], ((sel.before, "before"), (sel.after, "after"))):
        for pop, sl in (("E", slice(0, sel.n_exc)), ("I", slice(sel.n_exc, None))):
            ax.scatter(po[sl], np.degrees(t.po_out[sl]), s=5, alpha=0.6, color=C_POP[pop],
                       label=f"{pop} neurons", linewidths=0)
        ax.plot([0, 180], [0, 180], "k", lw=0.6, label="measured = input")
        ax.set(xlim=(0, 180), ylim=(0, 180), xlabel="input PO (deg)",
               title=f"{lab} learning")
        ax.set_xticks([0, 45, 90, 135, 180])
        ax.set_yticks([0, 45, 90, 135, 180])
    axs[0, 0].set_ylabel("measured PO (deg)")
    leg = _fig_legend(fig, *axs[0, 0].get_legend_handles_labels(), ncols=3)
    for h in leg.legend_handles[:2]:
        h.set_sizes([30])
        h.set_alpha(1.0)
    return fig


def plot_connectivity_vs_dpo(sel, max_points=4000, seed=0):
    """Learned weights against |ΔPO| and specificity per bin (E→E, E→I, I→E).

    Top: existing synapses after learning vs |ΔPO| of input POs (random subsample of
    ``max_points``) with binned means. Middle/bottom: mean weight per |ΔPO| bin over all
    pairs (zeros counted) and over existing synapses, for W0 and for the learned W
    with input PO and with measured PO.
    """
    fig, axs = _fig(3, 3, 11.5, 9.5)
    rng = np.random.default_rng(seed)
    conn = sel.connectivity
    edges = np.linspace(0, 90, 10)
    po_out = sel.after.po_out
    fin = np.flatnonzero(np.isfinite(po_out))
    W_fin = sel.W[np.ix_(fin, fin)]
    ne_fin = int(np.count_nonzero(fin < sel.n_exc))

    def binned(d, w):
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
            _spec_lines(axs[r, c], series, ["", "", ""], [C_BEFORE, C_AFTER, C_OUT],
                        ["--", "-", "-"], ["o", "o", "s"])
            what = "all pairs (0 if absent)" if mode == "all" else "existing synapses"
            axs[r, c].set(xlabel="|ΔPO| bin", ylabel="mean weight (mV)",
                          title=f"{PW_LABEL[pw]}, {what}")
    handles = [Line2D([], [], ls="", marker="o", ms=4, color="k", alpha=0.5),
               Line2D([], [], ls="--", marker="o", color=C_BEFORE),
               Line2D([], [], ls="-", marker="o", color=C_AFTER),
               Line2D([], [], ls="-", marker="s", color=C_OUT)]
    _fig_legend(fig, handles, ["synapse after learning (|ΔPO| of input POs)",
                               "W0, |ΔPO| of input POs",
                               "learned W, |ΔPO| of input POs",
                               "learned W, |ΔPO| of measured POs"], ncols=2)
    return fig


def plot_connectivity_evolution(evo):
    """Rates, specificity, pruning and reciprocity across learning blocks."""
    fig, axs = _fig(2, 3, 13, 7)
    x = evo.blocks + 1
    xlab = "learning blocks completed"
    ax = axs[0, 0]
    for j, pop in enumerate("EI"):
        ax.plot(np.arange(1, len(evo.rates) + 1), evo.rates[:, j], color=C_POP[pop], label=pop)
    ax.set(xlabel="learning block", ylabel="mean rate during block (Hz)", title="Rates")
    _legend(ax)
    for ax, pw, mode in ((axs[0, 1], "EE", "all"), (axs[0, 2], "EI", "existing"),
                         (axs[1, 0], "IE", "existing")):
        s = evo.specificity[pw][mode]
        for k in range(s.shape[1]):
            ax.plot(x, s[:, k], color=C_BINS[k % 3], label=f"|ΔPO| {BIN_LABELS[k]}")
        ax.set(xlabel=xlab, ylabel="mean weight (mV)",
               title=f"{PW_LABEL[pw]} specificity "
                     f"({'all pairs' if mode == 'all' else 'existing synapses'})")
        _legend(ax)
    ax = axs[1, 1]
    pw_col = {"EE": "tab:red", "EI": "tab:green", "IE": "tab:blue"}
    for pw, col in pw_col.items():
        ax.plot(x, evo.pruned[pw], color=col)
        ax.plot(x, evo.at_bound[pw], color=col, ls="--")
    ax.set(xlabel=xlab, ylabel="fraction of initial synapses", title="Pruning and saturation")
    _headroom(ax, 0.15)
    handles = [Line2D([], [], color=c) for c in pw_col.values()] + \
        [Line2D([], [], color="k"), Line2D([], [], color="k", ls="--")]
    _legend(ax, handles, [PW_LABEL[pw] for pw in pw_col] + ["pruned to 0", "at bound"],
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
    _legend(ax2, h1 + h2, l1 + l2, loc="upper center", ncols=1)   # drawn above both
    return fig


def plot_spontaneous(results):
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
    fig, axs = _fig(2, 2, 10.5, 7.5)
    ax = axs[0, 0]
    for ltd, r in items:
        b = np.arange(1, len(r.block_rates) + 1)
        for j, pop in enumerate("EI"):
            ax.plot(b, r.block_rates[:, j], color=C_POP[pop], ls="-" if ltd else "--",
                    marker="o", ms=3, label=f"{pop}, {lab[ltd]}")
    ax.set(xlabel="spontaneous block (2 s each)", ylabel="mean rate (Hz)",
           title="Rates under untuned input")
    ax.set_ylim(bottom=0)
    _headroom(ax, 0.35)
    _legend(ax, ncols=2)
    first = items[0][1]
    series = [first.conn_before["specificity"]["EE"]["all"]] + \
        [r.conn_after["specificity"]["EE"]["all"] for _, r in items]
    _grouped_bars(axs[0, 1], BIN_LABELS, series,
                  ["learned"] + [f"after spontaneous, {lab[k]}" for k, _ in items],
                  [C_BEFORE] + [C_AFTER] * len(items), [None] + [hat[k] for k, _ in items])
    axs[0, 1].set(xlabel="|ΔPO| bin", ylabel="mean E→E weight (mV)",
                  title="E→E specificity (all pairs)")
    _headroom(axs[0, 1], 0.3)
    _legend(axs[0, 1])
    ax = axs[1, 0]
    series, labels, cols, hatches = [], [], [], []
    for ltd, r in items:
        for k in range(3):
            series.append([r.specificity_change(pw)[k] for pw in ("EE", "EI", "IE")])
            labels.append(f"{BIN_LABELS[k]}, {lab[ltd]}")
            cols.append(C_BINS[k])
            hatches.append(hat[ltd])
    _grouped_bars(ax, [PW_LABEL[p] for p in ("EE", "EI", "IE")], series, labels, cols, hatches)
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
    _legend(ax, handles, [f"|ΔPO| {b}" for b in BIN_LABELS] + [lab[k] for k, _ in items],
            ncols=2, loc=loc)
    ax = axs[1, 1]
    groups = ["E", "I"]
    series = [[first.tuning_before.population_mean(first.tuning_before.osi)[p] for p in groups]]
    series += [[r.tuning_after.population_mean(r.tuning_after.osi)[p] for p in groups]
               for _, r in items]
    _grouped_bars(ax, groups, series, ["learned"] + [f"after, {lab[k]}" for k, _ in items],
                  [C_BEFORE] + [C_AFTER] * len(items), [None] + [hat[k] for k, _ in items])
    ax.set(ylabel="mean OSI", title="Selectivity", ylim=(0, 1.3))
    ax.set_yticks(np.linspace(0, 1, 6))
    _legend(ax)
    return fig


def plot_cardinal(card):
    """Measured PO histograms (naive, cardinal, control) and group statistics."""
    m = card.metrics()
    names = ("naive", "cardinal", "control")
    fig, axs = _fig(2, 3, 13, 7.5)
    edges = np.arange(0, 180.1, 7.5)
    hw = card.half_width_deg
    for ax, name in zip(axs[0], names):
        po = np.degrees(card.state(name)[1].po_out[:card.n_exc])
        for c0, col in ((0, "tab:blue"), (90, "tab:blue"), (180, "tab:blue"),
                        (45, "tab:orange"), (135, "tab:orange")):
            ax.axvspan(max(c0 - hw, 0), min(c0 + hw, 180), color=col, alpha=0.25, lw=0)
        ax.hist(po[np.isfinite(po)], edges, color="0.3", alpha=0.75)
        ax.axhline(card.n_exc / (len(edges) - 1), color="k", ls=":", lw=0.8)
        d = m[name]
        ax.set(xlabel="measured PO of E neurons (deg)", ylabel="neurons", xlim=(0, 180),
               title=f"{name}: cardinal {d['frac_near_cardinal']:.2f}, "
                     f"oblique {d['frac_near_oblique']:.2f}")
        ax.set_xticks([0, 45, 90, 135, 180])
    _grouped_bars(axs[1, 0], list(names),
                  [[m[n]["frac_near_cardinal"] for n in names],
                   [m[n]["frac_near_oblique"] for n in names]],
                  [f"near 0°/90° (±{hw:g}°)", f"near 45°/135° (±{hw:g}°)"],
                  ["tab:blue", "tab:orange"])
    axs[1, 0].axhline(m["naive"]["expected_uniform"], color="k", ls=":", lw=0.8,
                      label="uniform expectation")
    axs[1, 0].set(ylabel="fraction of E neurons", title="PO classes")
    _headroom(axs[1, 0], 0.45)
    _legend(axs[1, 0])
    _grouped_bars(axs[1, 1], list(names),
                  [[m[n]["mean_w_EE_cardinal"] for n in names],
                   [m[n]["mean_w_EE_oblique"] for n in names]],
                  ["within cardinal-preferring", "within oblique-preferring"],
                  ["tab:blue", "tab:orange"])
    axs[1, 1].set(ylabel="mean E→E weight (mV)", title="Within-group connectivity")
    _headroom(axs[1, 1], 0.35)
    _legend(axs[1, 1])
    ax = axs[1, 2]
    for name, col in (("cardinal", "tab:blue"), ("control", "0.4")):
        th = np.degrees(np.ravel(card.conditions[name]["block_thetas"]))
        ax.hist(th, edges, histtype="step", color=col, lw=1.5, label=name)
    ax.set(xlabel="presented orientation (deg)", ylabel="stimuli (all blocks)",
           title="Stimulus statistics", xlim=(0, 180))
    ax.set_xticks([0, 45, 90, 135, 180])
    _legend(ax)
    return fig


def plot_ablations(abl):
    """Rates, selectivity, specificity and reciprocity per ablation, side by side."""
    m = abl.metrics()
    names = list(m)
    cols = [("0.3", "tab:green", "tab:purple", "tab:brown")[i % 4] for i in range(len(names))]
    fig, axs = _fig(2, 3, 13, 7.5)
    ax = axs[0, 0]
    _grouped_bars(ax, ["E", "I"], [[m[n]["rates_after"][p] for p in "EI"] for n in names],
                  names, cols)
    for j, p in enumerate("EI"):
        ax.hlines(m[names[0]]["rates_before"][p], j - 0.4, j + 0.4, colors="k", ls=":",
                  label="before learning" if j == 0 else None)
    ax.set(ylabel="rate at π/2 test after learning (Hz)", title="Rates")
    ax = axs[0, 1]
    _grouped_bars(ax, ["E", "I"], [[m[n]["osi_after"][p] for p in "EI"] for n in names],
                  names, cols)
    for j, p in enumerate("EI"):
        ax.hlines(m[names[0]]["osi_before"][p], j - 0.4, j + 0.4, colors="k", ls=":",
                  label="before learning" if j == 0 else None)
    ax.set(ylabel="mean OSI after learning", title="Selectivity", ylim=(0, 1))
    for ax, pw, mode in ((axs[0, 2], "EE", "all"), (axs[1, 0], "EI", "existing"),
                         (axs[1, 1], "IE", "existing")):
        _spec_lines(ax, [m[n]["specificity"][pw][mode] for n in names], names, cols)
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
    _fig_legend(fig, handles, names + ["before learning", "E→E pruned fraction"],
                ncols=len(names) + 2)
    return fig
