"""Figures of the narrative notebooks (``notebooks/``) and their control panels.

The neuron model and the balanced state (notebook 01), a neuron's tuning curve (02),
the weights after a chosen learning block and reciprocal E→E weights (03), sweep heat
maps and lines (06). The analysis behind them is in :mod:`sensorynet.experiments._balanced_state`.

Every function returns a fresh :class:`matplotlib.figure.Figure` (constrained layout,
no pyplot state) with labelled axes and units: mV, ms, Hz; angles in degrees.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._arrays import bin_mean
from .._network import Network, preferred_orientations
from .._orientation import DPO_BINS_DEG, signed_dpo
from .._params import ModelParams
from .._results import ExperimentResult
from .._stimulus import tuned_rates
from .._types import FloatArray, PlasticPathway
from .._validate import check_params
from ..analysis import bidirectional_counts, reciprocal_correlation, reciprocal_pairs
from ._style import C_FF, C_NET, C_REC_E, C_REC_I, COLORS, neuron_label, new_figure

__all__ = [
    "plot_input_tuning",
    "plot_network",
    "plot_voltage_trace",
    "plot_balanced_state",
    "plot_tuning_curve",
    "plot_block",
    "plot_reciprocal",
]

if TYPE_CHECKING:   # the results drawn; plotting never imports the experiments that run them
    from ..experiments import BalancedState, ConnectivityEvolution, SelectivityAnalysis


def _pool(M: FloatArray, g: tuple[int, int]) -> FloatArray:
    """Mean of ``M`` over blocks of g = (rows, columns) (trailing rows/columns that do
    not fill a block are dropped)."""
    gr, gc = g
    r, c = (M.shape[0] // gr) * gr, (M.shape[1] // gc) * gc
    return M[:r, :c].reshape(r // gr, gr, c // gc, gc).mean(axis=(1, 3))


def plot_input_tuning(params: ModelParams | None = None) -> Figure:
    """Feed-forward input rates: tuning of one neuron and the population at 90°."""
    p = check_params(params)
    net_p = p.network
    po = preferred_orientations(net_p.N, net_p.N_E)
    fig, axs = new_figure(1, 2, 11, 3.8)
    th = np.linspace(0, np.pi, 181)
    ax = axs[0, 0]
    for pop, n in (("E", 0), ("I", net_p.N_E)):
        r = tuned_rates(th, po, net_p.N_E, p.input)[:, n]
        m = p.input.m_E if pop == "E" else p.input.m_I
        ax.plot(np.degrees(th), r, color=COLORS[pop], label=f"{pop} neuron, PO 0°, m = {m:g}")
    ax.set(xlabel="stimulus orientation − input PO (deg)", ylabel="input rate (Hz)",
           title="Tuning of the feed-forward input", xlim=(0, 180))
    ax.set_xticks([0, 45, 90, 135, 180])
    ax.legend(fontsize=8)
    ax = axs[0, 1]
    r = tuned_rates(np.pi / 2, po, net_p.N_E, p.input)
    for pop, sl in (("E", slice(0, net_p.N_E)), ("I", slice(net_p.N_E, None))):
        ax.plot(np.arange(net_p.N)[sl], r[sl], ".", ms=3, color=COLORS[pop], label=pop)
    ax.set(xlabel="neuron # (ordered by input PO within E and I)",
           ylabel="input rate (Hz)", title="Input to every neuron, stimulus at 90°")
    ax.legend(fontsize=8)
    return fig


def plot_network(net: Network, seed: int | None = None, zoom: int = 60) -> Figure:
    """The initial weight matrix, a zoom into it, and the in-degrees it gives.

    Parameters
    ----------
    net : Network
    seed : int, optional
        Shown in the title (``net.seed`` when it was built from an int).
    zoom : int
        Size of the zoomed corner (first ``zoom`` E neurons).
    """
    from matplotlib.colors import TwoSlopeNorm
    W, ne, N = net.dense_W(), net.n_exc, net.N
    norm = TwoSlopeNorm(vmin=min(W.min(), -1e-9), vcenter=0.0, vmax=max(W.max(), 1e-9))
    fig, axs = new_figure(1, 3, 14, 4.4)
    for ax, sl, title in ((axs[0, 0], slice(0, N), "Initial weights $W_0$[pre, post]"),
                          (axs[0, 1], slice(0, zoom), f"Zoom: first {zoom} E neurons")):
        im = ax.imshow(W[sl, sl], cmap="RdBu_r", norm=norm, interpolation="nearest",
                       rasterized=True, extent=(-0.5, sl.stop - 0.5, sl.stop - 0.5, -0.5))
        if sl.stop > ne:
            for line in (ax.axhline, ax.axvline):
                line(ne - 0.5, color="k", lw=0.8, ls="--")
        ax.set(xlabel="postsynaptic neuron #", ylabel="presynaptic neuron #", title=title)
    cb = fig.colorbar(im, ax=axs[0, :2].tolist(), label="weight (mV)", shrink=0.85)
    cb.set_ticks(sorted({float(W.min()), 0.0, float(W.max())}))
    ax = axs[0, 2]
    k_e = np.count_nonzero(W[:ne], axis=0)
    k_i = np.count_nonzero(W[ne:], axis=0)
    ax.hist(k_e, bins=25, color=COLORS["E"], alpha=0.7,
            label=f"from E neurons (mean {k_e.mean():.0f})")
    ax.axvline(k_i.mean(), color=COLORS["I"], lw=2,
               label=f"from I neurons ({k_i.mean():.0f}: all of them)")
    ax.set(xlabel="presynaptic partners per neuron", ylabel="neurons",
           title="In-degree of every neuron")
    ax.legend(fontsize=8, loc="upper right")
    seed = net.seed if seed is None else seed
    fig.suptitle(f"The naive network: N = {N} ({ne} E, {N - ne} I)"
                 + ("" if seed is None else f", seed {seed}"))
    return fig


def plot_voltage_trace(state: BalancedState, neuron: int | None = None,
                       window_ms: tuple[float, float] = (0, 400), bin_ms: int = 5) -> Figure:
    """Membrane potential of one neuron with and without the network, and its input.

    Top: uncoupled neuron driven by the feed-forward input alone; middle: the same
    neuron in the network (spikes drawn as vertical strokes); bottom: its feed-forward,
    recurrent E and recurrent I input and the net input (mV/ms, ``bin_ms`` bins).
    """
    neuron = int(state.record[0] if neuron is None else neuron)
    th = state.params.network.theta
    t0, t1 = window_ms
    t = np.arange(state.coupled.n_steps) * state.coupled.dt
    sl = slice(int(t0), int(t1))
    fig, axs = new_figure(3, 1, 11, 7.8, sharex=True, height_ratios=[1, 1.3, 1.2])
    panels: tuple[tuple[Axes, Literal["uncoupled", "coupled"], str], ...] = (
        (axs[0, 0], "uncoupled", "alone (W = 0), same input"),
        (axs[1, 0], "coupled", "in the balanced network"))
    for ax, which, title in panels:
        r = state.coupled if which == "coupled" else state.uncoupled
        v = state.voltage(neuron, which)
        ax.plot(t[sl], v[sl], color="k", lw=0.8)
        k = r.spike_steps[(r.spike_neurons == neuron) & (r.spike_steps >= t0)
                          & (r.spike_steps < t1)]
        ax.vlines(k * r.dt, th, th + 15, color=COLORS["E" if neuron < state.n_exc else "I"],
                  lw=1.2)
        ax.axhline(th, color="0.5", ls="--", lw=0.8)
        rate = np.count_nonzero(r.spike_neurons == neuron) / (r.duration_ms / 1000)
        ax.set(ylabel="membrane potential (mV)",
               title=f"{neuron_label(neuron, state.n_exc)} {title}: {rate:.1f} Hz "
                     f"(dashed: threshold {th:g} mV, strokes: spikes)")
    axs[1, 0].set_ylim(bottom=max(axs[1, 0].get_ylim()[0], -60))
    ax = axs[2, 0]
    tb = bin_mean(t[:, None], bin_ms)[:, 0]
    comps = [(state.ff[:, neuron], C_FF, "feed-forward"),
             (state.rec_E[:, neuron], C_REC_E, "recurrent E"),
             (state.rec_I[:, neuron], C_REC_I, "recurrent I")]
    total = comps[0][0] + comps[1][0] + comps[2][0]
    comps.append((total, C_NET, "net"))
    m = (tb >= t0) & (tb < t1)
    for c, col, lab in comps:
        ax.plot(tb[m], bin_mean(c[:, None], bin_ms)[m, 0], color=col, lw=1.2,
                label=f"{lab} (mean {c.mean():.2f})")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set(xlabel="time (ms)", ylabel=f"input (mV/ms, {bin_ms} ms bins)",
           title="Input to this neuron: excitation and inhibition nearly cancel")
    ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.28),
              frameon=False)
    ax.set_xlim(t0, t1)
    return fig


def plot_balanced_state(state: BalancedState, bin_ms: int = 5, window_ms: float = 500
                        ) -> Figure:
    """Rates, irregularity and E/I input cancellation of the whole network.

    Top: firing-rate and ISI-CV distributions. Bottom left: population-mean excitatory
    and inhibitory input over the first ``window_ms``. Bottom right: each neuron's
    mean free membrane potential (its mean input integrated without threshold, exact
    for the discrete dynamics) against its rate, alone and in the network.
    """
    ne = state.n_exc
    s = state.summary()
    fig, axs = new_figure(2, 2, 11.5, 7.6)
    ax = axs[0, 0]
    rates = state.coupled.rates()
    bins = np.linspace(0, max(rates.max(), 1) * 1.02, 30)
    for pop, sl in (("E", slice(0, ne)), ("I", slice(ne, None))):
        ax.hist(rates[sl], bins, color=COLORS[pop], alpha=0.6,
                label=f"{pop}: mean {rates[sl].mean():.2f} Hz")
    ax.set(xlabel="firing rate (Hz)", ylabel="neurons", title="Low, heterogeneous rates")
    ax.legend(fontsize=8)
    ax = axs[0, 1]
    cvb = np.linspace(0, 1.6, 33)
    runs: tuple[tuple[Literal["coupled", "uncoupled"], str], ...] = (("coupled", "k"),
                                                                     ("uncoupled", "0.6"))
    for which, col in runs:
        cv = state.cv(which)[:state.n_exc]      # E neurons, as the text reports
        cv = cv[np.isfinite(cv)]
        ax.hist(cv, cvb, color=col, alpha=0.6,
                label=f"E, {'network' if which == 'coupled' else 'alone (W = 0)'}: "
                      f"mean {cv.mean():.2f}")
    ax.axvline(1, color="k", ls=":", lw=0.8)
    ax.set(xlabel="CV of inter-spike intervals", ylabel="neurons",
           title="Irregular firing (dotted: Poisson, CV = 1)")
    ax.legend(fontsize=8)
    ax = axs[1, 0]
    t = bin_mean(np.arange(state.coupled.n_steps)[:, None] * state.coupled.dt, bin_ms)[:, 0]
    exc = bin_mean(state.ff + state.rec_E, bin_ms).mean(1)
    inh = bin_mean(state.rec_I, bin_ms).mean(1)
    m = t < window_ms
    ax.plot(t[m], exc[m], color=C_REC_E, lw=1, label="excitatory (feed-forward + rec. E)")
    ax.plot(t[m], -inh[m], color=C_REC_I, lw=1, label="inhibitory (sign flipped)")
    ax.plot(t[m], (exc + inh)[m], color=C_NET, lw=1, label="net")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set(xlabel="time (ms)", ylabel=f"population-mean input (mV/ms, {bin_ms} ms bins)",
           title=f"Inhibition tracks excitation (r = "
                 f"{s['input']['ei_correlation_5ms']:.2f} over {state.coupled.duration_ms:g} ms)",
           xlim=(0, min(window_ms, t[-1] + bin_ms)))
    ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)
    ax = axs[1, 1]
    gain = 1.0 / (1.0 - np.exp(-state.params.network.dt / state.params.network.tau_m))
    th = state.params.network.theta
    mu_alone = gain * state.ff.mean(0)
    mu_net = gain * (state.ff + state.rec_E + state.rec_I).mean(0)
    ax.scatter(mu_alone, state.uncoupled.rates(), s=6, color="0.6", linewidths=0,
               label="alone (W = 0)")
    for pop, sl in (("E", slice(0, ne)), ("I", slice(ne, None))):
        ax.scatter(mu_net[sl], rates[sl], s=6, color=COLORS[pop], alpha=0.7, linewidths=0,
                   label=f"{pop}, in the network")
    ax.axvline(th, color="k", ls="--", lw=0.8, label=f"threshold {th:g} mV")
    ax.set(xlabel="mean free membrane potential μ = net input / (1 − e$^{-dt/τ_m}$) (mV)",
           ylabel="firing rate (Hz)", title="Mean input below threshold: fluctuation-driven")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left")
    fig.suptitle("The balanced state of the naive network "
                 f"(stimulus {np.degrees(state.theta):.0f}°, {state.coupled.duration_ms:g} ms)")
    return fig


def plot_tuning_curve(sel: SelectivityAnalysis, neuron: int) -> Figure:
    """One neuron's tuning curve before and after learning, and where its OSI lies."""
    b, a = sel.before, sel.after
    ne = sel.n_exc
    pop = "E" if neuron < ne else "I"
    sl = slice(0, ne) if pop == "E" else slice(ne, None)
    th = np.degrees(np.append(b.thetas, b.thetas[0] + np.pi))
    fig, axs = new_figure(1, 2, 11, 3.9, width_ratios=[1.2, 1])
    ax = axs[0, 0]
    for t, col, ls, lab in ((b, "0.55", "--", "before"), (a, COLORS[pop], "-", "after")):
        ax.plot(th, np.append(t.rates[:, neuron], t.rates[0, neuron]), ls, color=col,
                marker="o", ms=4, label=f"{lab} learning (OSI {t.osi[neuron]:.2f})")
    ax.axvline(np.degrees(sel.po_in[neuron]), color="k", lw=0.7, ls=":",
               label="input PO")
    ax.set(xlabel="stimulus orientation (deg)", ylabel="firing rate (Hz)", xlim=(0, 180),
           title=neuron_label(neuron, ne, sel.po_in))
    ax.set_xticks([0, 45, 90, 135, 180])
    ax.set_ylim(bottom=0)
    # below the axes: a tuning curve can peak anywhere, so no corner is free of data
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3,
              frameon=False)
    ax = axs[0, 1]
    bins = np.linspace(0, 1, 26)
    for t, col, lab in ((b, "0.55", "before"), (a, COLORS[pop], "after")):
        v = t.osi[sl]
        v = v[np.isfinite(v)]
        ax.hist(v, bins, color=col, alpha=0.5, label=f"{lab}: mean {v.mean():.2f}")
        if np.isfinite(t.osi[neuron]):
            ax.axvline(t.osi[neuron], color=col, lw=2)
    ax.set(xlabel="OSI (1 − circular variance)", ylabel=f"{pop} neurons",
           title=f"All {pop} neurons (lines: this neuron)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2,
              frameon=False)
    return fig


def plot_block(pub: ExperimentResult, evo: ConnectivityEvolution, block: int,
               pathway: PlasticPathway = "EE", max_points: int = 15000,
               group: tuple[int, int] = (20, 10)) -> Figure:
    """Weights after learning block ``block`` (-1: initial W0), for one pathway.

    Left: the pathway's weight matrix averaged over groups of neurons with
    neighbouring input POs (``group`` = (E, I) group sizes; absent synapses count as
    0), on one colour scale for all blocks; middle: every
    synapse's weight against ΔPO with the binned mean; right: E→E specificity per
    |ΔPO| bin across blocks up to ``block`` (from a
    :class:`~sensorynet.experiments.ConnectivityEvolution` ``evo``).
    """
    W = pub.weights_after_block(block)
    W0 = pub.weights_after_block(-1)
    ne, N = pub.n_exc, pub.N
    span = {"E": slice(0, ne), "I": slice(ne, N)}
    pre, post = span[pathway[0]], span[pathway[1]]
    name = f"{pathway[0]}→{pathway[1]}"
    lim = {"EE": (0, pub.params.plasticity.w_max), "EI": (0, pub.params.plasticity.w_max),
           "IE": (pub.params.plasticity.w_min_inh, 0)}[pathway]
    fig, axs = new_figure(1, 3, 15, 4.5, width_ratios=[1.1, 1, 1])
    done = "initial $W_0$" if block < 0 else f"after block {block + 1} of {pub.n_blocks}"
    ax = axs[0, 0]
    gs = {"E": group[0], "I": group[1]}
    g = (gs[pathway[0]], gs[pathway[1]])
    M = _pool(W[pre, post], g)
    ref = np.concatenate([_pool(W0[pre, post], g).ravel(),
                          _pool(pub.dense(pub.W)[pre, post], g).ravel()])
    im = ax.imshow(M, cmap="viridis", vmin=ref.min(), vmax=ref.max(), aspect="auto",
                   interpolation="nearest",
                   extent=(post.start - 0.5, post.stop - 0.5, pre.stop - 0.5, pre.start - 0.5))
    ax.set(xlabel=f"postsynaptic {pathway[1]} neuron # (ordered by input PO)",
           ylabel=f"presynaptic {pathway[0]} neuron #",
           title=f"{name} weights, {done}\n(mean over groups of {g[0]}×{g[1]} neurons)")
    fig.colorbar(im, ax=ax, label="mean weight (mV, absent = 0)", shrink=0.85)
    ax = axs[0, 1]
    po = pub.po
    i, j = np.nonzero(W0[pre, post])
    i, j = i + pre.start, j + post.start
    d = np.degrees(signed_dpo(po[i], po[j]))
    w = W[i, j]
    rng = np.random.default_rng(0)
    show = rng.choice(w.size, min(max_points, w.size), replace=False)
    ax.scatter(d[show], w[show], s=1.5, color="k", alpha=0.15, linewidths=0, rasterized=True)
    edges = np.linspace(-90, 90, 19)
    k = np.clip(np.digitize(d, edges) - 1, 0, edges.size - 2)
    mean = np.bincount(k, w, edges.size - 1) / np.maximum(np.bincount(k, None, edges.size - 1), 1)
    ax.plot((edges[:-1] + edges[1:]) / 2, mean, color="tab:orange", lw=2.5,
            label="mean (10° bins)")
    ax.axhline(W0[i, j].mean(), color="0.5", ls="--", lw=1, label="initial weight")
    ax.set(xlabel="ΔPO = PO$_{pre}$ − PO$_{post}$ (deg)", ylabel="weight (mV)",
           xlim=(-90, 90), ylim=(lim[0] - 0.05 * (lim[1] - lim[0]), lim[1] + 0.05 * (lim[1] - lim[0])),
           title=f"{name} weight vs ΔPO ({w.size} synapses, {show.size} drawn)")
    ax.set_xticks([-90, -45, 0, 45, 90])
    ax.legend(fontsize=8, loc="upper right" if pathway[0] == "E" else "lower right")
    ax = axs[0, 2]
    s = evo.specificity["EE"]["all"]
    x = evo.blocks + 1
    cols = ("tab:red", "tab:orange", "tab:blue")
    for q, (lo, hi) in enumerate(DPO_BINS_DEG):
        ax.plot(x, s[:, q], color=cols[q], lw=0.8, alpha=0.35)
        ax.plot(x[:block + 2], s[:block + 2, q], color=cols[q], lw=2,
                label=f"|ΔPO| {lo}–{hi}°: {s[block + 1, q]:.3f} mV")
    ax.axvline(block + 1, color="k", lw=0.8, ls=":")
    ax.set(xlabel="learning blocks completed", ylabel="mean E→E weight (mV, absent = 0)",
           title="E→E specificity so far", xlim=(0, x[-1]))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def plot_reciprocal(pub: ExperimentResult, threshold: float = 1.0) -> Figure:
    """Reciprocal E→E weights ``w_ij`` against ``w_ji``, before and after learning.

    Over E pairs i < j where both synapses exist; the title gives the number of pairs
    strong (> ``threshold``) both ways, observed and expected if strong connections
    were placed independently.
    """
    ne = pub.n_exc
    fig, axs = new_figure(1, 2, 10.5, 4.6, sharex=True, sharey=True)
    wmax = pub.params.plasticity.w_max
    edges = np.linspace(0, wmax, 41)
    for ax, (W, lab) in zip(axs[0], ((pub.W0, "before learning"),
                                     (pub.W, "after learning")), strict=True):
        a, b = reciprocal_pairs(W, ne)
        H, _, _ = np.histogram2d(a, b, [edges, edges])
        im = ax.imshow(np.log10(H.T + 1), origin="lower", extent=(0, wmax, 0, wmax),
                       cmap="magma_r", aspect="equal")
        ax.axvline(threshold, color="tab:green", lw=0.8, ls="--")
        ax.axhline(threshold, color="tab:green", lw=0.8, ls="--")
        c = bidirectional_counts(W, ne, threshold)
        r = reciprocal_correlation(W, ne)
        # before learning every E→E weight equals J: all pairs fall in one cell and the
        # correlation is undefined; say so rather than show an unexplained empty map
        r_txt = f"{r:.2f}" if np.isfinite(r) else \
            f"undefined (all weights {np.unique(a)[0]:g} mV)" if np.unique(a).size == 1 else "n/a"
        ax.set(xlabel="$w_{ij}$ (mV)", title=f"{lab}: {len(a)} reciprocal pairs\n"
               f"r = {r_txt}\nboth > {threshold:g} mV: {c['observed']} observed, "
               f"{c['expected']:.0f} expected")
        fig.colorbar(im, ax=ax, label="log$_{10}$(1 + pairs)", shrink=0.85)
    axs[0, 0].set_ylabel("$w_{ji}$ (mV)")
    return fig




