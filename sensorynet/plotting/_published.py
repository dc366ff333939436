"""Figures of the published experiment from an :class:`~sensorynet._results.ExperimentResult`.

Every function builds a fresh :class:`matplotlib.figure.Figure` (constrained layout,
no pyplot state), labels every axis with its unit and returns the figure: save it with
``fig.savefig(...)`` or let Jupyter display it.

Large networks: weight matrices are shown for an evenly spaced subset of at most
``max_neurons`` neurons (order, hence preferred orientation, is kept), scatter plots
draw a random subset of synapses, and rasters an evenly spaced subset of neurons;
sparse weights are never expanded to N x N.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure

from .._orientation import DPO_BINS_DEG, signed_dpo
from .._results import ExperimentResult, SpikeTrain
from .._types import PATHWAYS_PLASTIC, POPULATIONS, FloatArray, IntArray, Pathway
from .._weights import SparseWeights, as_csr, pathway_slices
from ..analysis import ee_specificity, existing_weights
from ._style import COLORS

if TYPE_CHECKING:
    from matplotlib.cm import ScalarMappable

__all__ = [
    "plot_rasters",
    "plot_weight_matrices",
    "plot_weights_vs_dpo",
    "plot_learning_curve",
]

_ORI_CMAP = "hsv"  # cyclic: 0° and 180° are the same orientation


# ---------------------------------------------------------------------------- helpers
def _check(result: object, max_neurons: int | None = None) -> None:
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")
    if max_neurons is not None and (isinstance(max_neurons, bool)
                                    or not isinstance(max_neurons, (int, np.integer))
                                    or max_neurons < 2):
        raise ValueError(f"max_neurons must be an integer >= 2, got {max_neurons!r}")


def _subset(N: int, max_neurons: int) -> IntArray:
    """Evenly spaced neuron indices (all of them when N <= max_neurons)."""
    if N <= max_neurons:
        return np.arange(N)
    return np.unique(np.linspace(0, N - 1, max_neurons).round().astype(np.int64))


def _submatrix(W: FloatArray | SparseWeights, idx: IntArray) -> FloatArray:
    """Dense ``W[idx][:, idx]`` without expanding a sparse W to N x N."""
    return as_csr(W).group_block(idx)


def _signed_dpo_deg(po_pre: FloatArray, po_post: FloatArray) -> FloatArray:
    """PO_pre − PO_post wrapped to [-90, 90) degrees (orientation has period 180°)."""
    return np.degrees(signed_dpo(po_pre, po_post))


def _pathway_synapses(result: ExperimentResult, pathway: Pathway
                      ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """(pre, post) indices, initial and final weights of the synapses in W0."""
    pre, post, _ = as_csr(result.W0, "W0").entries(
        *pathway_slices(pathway, result.n_exc, result.N))
    w0, w = existing_weights(result, pathway)   # same row-major order as above
    return pre, post, w0, w


def _stimulus_strip(result: ExperimentResult, phase: str) -> FloatArray | None:
    """Orientations (deg) shown during a phase, one per equal segment, or None."""
    if phase in ("before", "after"):
        th = result.test_thetas
    elif result.block_thetas is not None and len(result.block_thetas):
        th = result.block_thetas[int(phase.split("_")[1])]
    else:
        th = None
    return None if th is None or np.size(th) == 0 else np.degrees(np.atleast_1d(th))


def _raster_phases(result: ExperimentResult) -> list[tuple[str, str]]:
    n = result.n_blocks
    phases = [("before", "Before learning")]
    if n >= 1:
        phases.append(("block_000", "First learning block"))
    if n >= 2:
        phases.append((f"block_{n - 1:03d}", f"Last learning block ({n})"))
    phases.append(("after", "After learning"))
    return [(k, t) for k, t in phases if k in result.spikes]


# ---------------------------------------------------------------------------- figures
def plot_rasters(result: ExperimentResult, *, max_neurons: int = 2000,
                 max_spikes: int = 200_000, psth_bin_ms: float = 10.0) -> Figure:
    """Spike rasters before, early in, late in and after learning (Fig 1).

    Parameters
    ----------
    result : ExperimentResult
    max_neurons : int
        Rasters and rate margins show an evenly spaced subset of at most this many
        neurons (PSTHs and population rates always use all neurons).
    max_spikes : int
        At most this many spikes (a random subset) are drawn per raster.
    psth_bin_ms : float
        Bin of the population rate histograms, ms.

    Returns
    -------
    matplotlib.figure.Figure
        Per phase: raster (E red, I blue; neuron index = order of input PO), the
        stimulus orientation, the population rate (Hz) and a margin with each
        neuron's rate (Hz).
    """
    _check(result, max_neurons)
    phases = _raster_phases(result)
    if not phases:
        raise ValueError("result: no 'before'/'block_*'/'after' spike phases to plot")
    N, ne, nph = result.N, result.n_exc, len(phases)
    keep = np.zeros(N, bool)
    keep[_subset(N, max_neurons)] = True
    rng = np.random.default_rng(0)   # fixed: the same result always gives the same plot
    rate_max = max(np.percentile(result.spikes[k].rates(), 99.5) for k, _ in phases)
    fig = Figure(figsize=(4.1 * nph, 8.0), layout="constrained")
    gs = fig.add_gridspec(3, 2 * nph, width_ratios=[5, 1.3] * nph,
                          height_ratios=[6, 0.3, 2])
    ori_norm = Normalize(0, 180)
    ax0 = psth0 = None
    for c, (key, title) in enumerate(phases):
        st = result.spikes[key]
        if not isinstance(st, SpikeTrain):
            raise TypeError(f"result: phase {key!r} kept only spike counts, no spikes to draw")
        t_max = st.duration_ms
        ax = fig.add_subplot(gs[0, 2 * c], sharey=ax0)
        strip = fig.add_subplot(gs[1, 2 * c], sharex=ax)
        psth = fig.add_subplot(gs[2, 2 * c], sharex=ax, sharey=psth0)
        marg = fig.add_subplot(gs[0, 2 * c + 1], sharey=ax)
        ax0, psth0 = ax0 or ax, psth0 or psth
        sel = np.flatnonzero(keep[st.neurons])
        if sel.size > max_spikes:
            sel = np.sort(rng.choice(sel, max_spikes, replace=False))
        n, t = st.neurons[sel], st.steps[sel] * st.dt
        for pop, m in (("E", n < ne), ("I", n >= ne)):
            ax.scatter(t[m], n[m], s=2.5, c=COLORS[pop], marker=".", linewidths=0,
                       rasterized=True)
        ax.axhline(ne - 0.5, color="0.6", lw=0.6)
        pr = st.population_rates()
        ax.set_title(f"{title}\nE {pr['E']:.2f} Hz · I {pr['I']:.2f} Hz", fontsize=11)
        ax.set_xlim(0, t_max)
        ax.set_ylim(-0.5, N - 0.5)
        ax.tick_params(labelbottom=False)
        if c == 0:
            ax.set_ylabel("neuron # (ordered by input PO)")
        else:
            ax.tick_params(labelleft=False)
        ori = _stimulus_strip(result, key)
        if ori is not None:
            strip.imshow(ori[None, :], aspect="auto", cmap=_ORI_CMAP, norm=ori_norm,
                         extent=(0, t_max, 0, 1), interpolation="nearest")
        strip.set_yticks([])
        strip.tick_params(labelbottom=False)
        if c == 0:
            strip.set_ylabel("θ", rotation=0, va="center", ha="right")
        for pop in POPULATIONS:
            tb, rate = st.psth(psth_bin_ms, pop)
            psth.plot(tb + psth_bin_ms / 2, rate, color=COLORS[pop], lw=0.9, label=pop)
        psth.set_xlabel("time (ms)")
        if c == 0:
            psth.set_ylabel(f"population rate (Hz)\n{psth_bin_ms:g} ms bins")
            psth.legend(loc="upper right", fontsize=9, ncols=2, frameon=False)
        else:
            psth.tick_params(labelleft=False)
        rates = st.rates()
        g = max(1, N // 1000)   # average neighbours so large networks stay readable
        for pop, (a, b) in (("E", (0, ne)), ("I", (ne, N))):
            r = rates[a:b]
            r = r[: (r.size // g) * g].reshape(-1, g).mean(1) if r.size >= g else r
            marg.plot(r, a + (np.arange(r.size) + 0.5) * g - 0.5, color=COLORS[pop],
                      lw=0.7)
        marg.set_xlim(0, max(rate_max * 1.05, 1.0))
        marg.set_xlabel("rate (Hz)")
        marg.tick_params(labelleft=False)
    assert psth0 is not None   # phases is not empty
    psth0.set_ylim(bottom=0)
    cax = fig.add_subplot(gs[2, 2 * nph - 1])
    cb = fig.colorbar(_mappable(ori_norm), cax=cax,
                      ticks=[0, 45, 90, 135, 180])
    cb.set_label("stimulus θ (deg)")
    sub = "" if keep.all() else f", {keep.sum()} of {N} neurons shown"
    fig.suptitle(f"Network activity (N={N}, seed {result.seed}{sub})", fontsize=12)
    return fig


def _two_slope_ticks(lo: float, hi: float) -> FloatArray:
    """Ticks for a colour bar centred on 0: the two halves have different scales,
    so each gets its own round ticks (the default locator leaves one side bare)."""
    from matplotlib.ticker import MaxNLocator
    loc = MaxNLocator(nbins=5, steps=[1, 2, 5, 10])
    ticks = np.union1d(loc.tick_values(lo, 0.0), loc.tick_values(0.0, hi))
    return ticks[(ticks >= lo - 1e-12) & (ticks <= hi + 1e-12)]


def _mappable(norm: Normalize, cmap: str = _ORI_CMAP) -> ScalarMappable:
    from matplotlib.cm import ScalarMappable
    return ScalarMappable(norm=norm, cmap=cmap)


def plot_weight_matrices(result: ExperimentResult, *, max_neurons: int = 2000) -> Figure:
    """Initial, final and changed weight matrices (Fig 3A–C).

    Parameters
    ----------
    result : ExperimentResult
    max_neurons : int
        Larger networks are shown for an evenly spaced subset of 1000 neurons.

    Returns
    -------
    matplotlib.figure.Figure
        ``W0``, ``W`` (shared colour scale) and ``W − W0``, rows presynaptic,
        colour bars in mV; lines mark the E/I boundary; the change panel labels the
        I→I block, which no plasticity touches.
    """
    _check(result, max_neurons)
    N, ne = result.N, result.n_exc
    idx = _subset(N, max_neurons if N <= max_neurons else 1000)
    W0, W = _submatrix(result.W0, idx), _submatrix(result.W, idx)
    dW = W - W0
    lo, hi = min(W0.min(), W.min(), -1e-9), max(W0.max(), W.max(), 1e-9)
    wnorm = TwoSlopeNorm(vmin=lo, vcenter=0.0, vmax=hi)
    dmax = max(float(np.abs(dW).max()), 1e-9)
    panels = [("Initial weights $W_0$", W0, wnorm, "weight (mV)"),
              ("Final weights $W$", W, wnorm, "weight (mV)"),
              ("Weight change $W - W_0$", dW, TwoSlopeNorm(0.0, -dmax, dmax),
               "weight change (mV)")]
    fig = Figure(figsize=(15, 4.9), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (title, M, norm, clabel) in zip(axes, panels, strict=True):
        im = ax.imshow(M, cmap="RdBu_r", norm=norm, interpolation="nearest",
                       extent=(-0.5, N - 0.5, N - 0.5, -0.5), rasterized=True)
        for line in (ax.axhline, ax.axvline):
            line(ne - 0.5, color="k", lw=0.8, ls="--")
        ax.set_title(title)
        ax.set_xlabel("postsynaptic neuron # (E | I)")
        ax.set_ylabel("presynaptic neuron # (E | I)")
        cb = fig.colorbar(im, ax=ax, shrink=0.9)
        vmin, vmax = norm.vmin, norm.vmax
        assert vmin is not None and vmax is not None   # both norms were given their limits
        cb.set_ticks(_two_slope_ticks(vmin, vmax).tolist())
        cb.set_label(clabel)
    if N > ne:       # the I→I block never changes (docs/model.md §4): say so on it
        axes[2].text((ne + N) / 2 - 0.5, (ne + N) / 2 - 0.5, "I→I\nstatic\n(never\nplastic)",
                     ha="center", va="center", fontsize=7, color="0.25")
    sub = "" if idx.size == N else f", {idx.size} of {N} evenly spaced neurons shown"
    fig.suptitle(f"Recurrent weights W[pre, post] (N={N}, seed {result.seed}, "
                 f"{result.n_blocks} learning blocks{sub})")
    return fig


def plot_weights_vs_dpo(result: ExperimentResult, *, max_points: int = 60_000,
                        bin_deg: float = 10.0) -> Figure:
    """Final weights against preferred-orientation difference, and E→E specificity
    (Fig 3D–G).

    Parameters
    ----------
    result : ExperimentResult
    max_points : int
        At most this many synapses (a random subset) are drawn per scatter panel;
        the binned means use all synapses.
    bin_deg : float
        Width of the ΔPO bins of the mean-weight line, degrees.

    Returns
    -------
    matplotlib.figure.Figure
        E→E, E→I, I→E: final weight of every synapse present in ``W0`` (pruned ones
        at 0) against ΔPO = PO_pre − PO_post wrapped to [−90°, 90°), with the binned
        mean and the initial weight; last panel: mean E→E weight (absent synapses
        counted as 0) per |ΔPO| bin, initial vs final.
    """
    _check(result)
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) \
            or max_points < 1:
        raise ValueError(f"max_points must be a positive integer, got {max_points!r}")
    if not (isinstance(bin_deg, (int, float)) and 0 < bin_deg <= 90):
        raise ValueError(f"bin_deg must be in (0, 90] degrees, got {bin_deg!r}")
    po = np.asarray(result.po)
    rng = np.random.default_rng(0)
    fig = Figure(figsize=(16, 4.6), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 0.9])
    edges = np.arange(-90.0, 90.0 + bin_deg / 2, bin_deg)
    names = {"EE": "E → E", "EI": "E → I", "IE": "I → E"}
    for ax, pw in zip(axes[:3], PATHWAYS_PLASTIC, strict=True):
        pre, post, w0, w = _pathway_synapses(result, pw)
        d = _signed_dpo_deg(po[pre], po[post])
        show = np.arange(w.size)
        if w.size > max_points:
            show = rng.choice(w.size, max_points, replace=False)
        ax.scatter(d[show], w[show], s=1.5, c="k", alpha=0.15, linewidths=0,
                   rasterized=True, label="final (each synapse)")
        k = np.clip(np.digitize(d, edges) - 1, 0, edges.size - 2)
        cnt = np.bincount(k, minlength=edges.size - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(k, weights=w, minlength=edges.size - 1) / cnt
        ax.plot((edges[:-1] + edges[1:]) / 2, mean, color="#ff7f0e", lw=2,
                label=f"final mean ({bin_deg:g}° bins)")
        if w0.size:
            ax.axhline(float(w0.mean()), color=COLORS["E"] if pw[0] == "E" else COLORS["I"],
                       lw=1.5, ls="--", label="initial")
        ax.set_xlim(-90, 90)
        ax.set_xticks([-90, -45, 0, 45, 90])
        n_auto = int(np.count_nonzero(pre == post))
        # autapses (kept, as in the published code) all sit at ΔPO = 0: say so
        shown = (f"\n(scatter: random subset of {show.size:,})" if show.size < w.size
                 else "")
        ax.set_title(f"{names[pw]} ({w.size} synapses"
                     + (f", {n_auto} autapses at ΔPO = 0)" if n_auto else ")") + shown,
                     fontsize=10 if shown else None)
        ax.set_xlabel("ΔPO = PO$_{pre}$ − PO$_{post}$ (deg)")
        ax.set_ylabel("final weight (mV)")
    # one legend for the three scatter panels, below them: inside any panel it would
    # cover part of the point cloud
    handles, labels = axes[0].get_legend_handles_labels()
    h_i, l_i = axes[2].get_legend_handles_labels()
    labels = [lab + (" (E→·)" if lab == "initial" else "") for lab in labels]
    handles += [h for h, lab in zip(h_i, l_i, strict=True) if lab == "initial"]
    labels += ["initial (I→E)"] if "initial" in l_i else []
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9,
               markerscale=6, frameon=False)
    ax = axes[3]
    x = np.arange(len(DPO_BINS_DEG))
    for off, which, col in ((-0.2, "initial", "0.6"), (0.2, "final", "k")):
        vals = ee_specificity(result, which)
        bars = ax.bar(x + off, vals, width=0.4, color=col, label=which)
        ax.bar_label(bars, fmt="%.3g", fontsize=8)        # significant digits at any N
    ax.set_xticks(x, [f"{a}–{b}" for a, b in DPO_BINS_DEG])
    ax.set_xlabel("|ΔPO| (deg)")
    ax.set_ylabel("mean E → E weight (mV)\n(absent synapses = 0)")
    ax.set_title("Connection specificity")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    ax.legend(frameon=False)
    fig.suptitle(f"Learned weights and preferred orientations (N={result.N}, seed "
                 f"{result.seed}, {result.n_blocks} learning blocks)")
    return fig


def _sampled_blocks(n: int, max_blocks: int) -> IntArray:
    """At most ``max_blocks`` evenly spaced block indices of 0..n-1 (always the last)."""
    if n <= max_blocks:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_blocks).round().astype(np.int64))


def plot_learning_curve(result: ExperimentResult, *, max_blocks: int = 40) -> Figure:
    """Firing rates and E→E specificity across learning blocks.

    Parameters
    ----------
    result : ExperimentResult
    max_blocks : int
        Specificity is computed after at most this many evenly spaced blocks (one
        block's sparse weights at a time, never a dense stack of snapshots).

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean E and I rate in each plastic block (Hz), with the rates of the
        π/2 tests before and after learning. Right: mean E→E weight per |ΔPO| bin
        (mV) after each block (initial and final only when no snapshots were kept).
    """
    _check(result)
    n = result.n_blocks
    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    blocks = np.arange(1, n + 1)
    for pop in ("E", "I"):
        if n:
            ax.plot(blocks, result.learning_rates(pop), "o-", ms=3, color=COLORS[pop],
                    label=f"{pop}, learning blocks")
        for ph, x, mk in (("before", 0, "s"), ("after", n + 1, "D")):
            if ph in result.spikes:
                ax.plot([x], [result.spikes[ph].population_rates()[pop]], mk, ms=7,
                        mfc="none", color=COLORS[pop],
                        label=f"{pop}, π/2 test {ph}")
    ax.set_xlabel("learning block (0: test before, last: test after)")
    ax.set_ylabel("mean firing rate (Hz)")
    ax.set_ylim(bottom=0)
    ax.set_title("Population rates during learning")
    ax.legend(fontsize=8, ncols=2, frameon=False, loc="lower left")
    snaps = result.n_snapshots
    if snaps:
        picked = _sampled_blocks(snaps, max_blocks)
        xs = np.concatenate([[0], picked + 1])
        spec = np.array([ee_specificity(result, "initial")]
                        + [_block_specificity(result, b) for b in picked])
        note = "" if picked.size == snaps else f"\n(every ~{snaps // picked.size} blocks)"
    else:
        xs = np.array([0, n])
        spec = np.array([ee_specificity(result, "initial"), ee_specificity(result, "final")])
        note = "\n(no per-block snapshots kept: initial and final only)" if n else ""
    shades = colormaps["viridis"](np.linspace(0.0, 0.8, len(DPO_BINS_DEG)))
    for k, (a, b) in enumerate(DPO_BINS_DEG):
        ax2.plot(xs, spec[:, k], "o-", ms=3, color=shades[k], label=f"|ΔPO| {a}–{b}°")
    ax2.set_xlabel("learning block (0: initial W$_0$)")
    ax2.set_ylabel("mean E → E weight (mV)")
    ax2.set_ylim(bottom=0)
    ax2.set_title("Emergence of connection specificity" + note,
                  fontsize=10 if note else None)
    ax2.legend(fontsize=8, frameon=False)
    fig.suptitle(f"Learning (N={result.N}, seed {result.seed}, {n} blocks)")
    return fig


def _block_specificity(result: ExperimentResult, b: int) -> FloatArray:
    """E→E specificity after block ``b`` from that block's weights only."""
    view = copy.copy(result)          # shallow: shares every array with result
    view.W = result.block_weights(b)
    return ee_specificity(view, "final")

