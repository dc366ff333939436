"""Figures built once and then updated in place by the notebooks' view-only controls.

Each view creates its figure and keeps the artists that a control changes; ``show``
updates their data and returns them (the *dynamic* artists), so that the widget layer
can redraw only those (:class:`sensorynet.widgets.LiveFigure`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from matplotlib.artist import Artist

from .._orientation import DPO_BINS_DEG, signed_dpo
from .._results import ExperimentResult
from ._style import C_BINS, legend, new_figure

if TYPE_CHECKING:
    from ..experiments import (
        BalancedState,
        ConnectivityEvolution,
        DetectionStudy,
        SelectivityAnalysis,
    )

__all__ = ["BlockView", "DetectionView", "TuningView", "VoltageView"]

_PW = {"EE": "E→E", "EI": "E→I", "IE": "I→E"}


def _pool(M: np.ndarray[Any, Any], g: tuple[int, int]) -> np.ndarray[Any, Any]:
    gr, gc = g
    r, c = (M.shape[0] // gr) * gr, (M.shape[1] // gc) * gc
    return M[:r, :c].reshape(r // gr, gr, c // gc, gc).mean(axis=(1, 3))


class BlockView:
    """The weights of one pathway and the tuning after any number of learning blocks.

    Four panels: (A) the pathway's weight matrix averaged over groups of neurons with
    neighbouring input POs; (B) the density of synapses in the (ΔPO, weight) plane with
    the mean per 10° bin, on axes fitted to the pathway's weights over all blocks (so the
    structure of a pathway with small changes, such as I→E, is visible); (C) E→E
    specificity per |ΔPO| bin so far; (D) mean OSI of E and I neurons so far (measured at
    the blocks of ``tuning``).

    Parameters
    ----------
    pub : ExperimentResult
        With per-block weight snapshots.
    evo : ConnectivityEvolution
    tuning : TuningEvolution
    pathway : {"EE", "EI", "IE"}
    group : (int, int)
        Group sizes (E, I) of the averaged matrix.
    """

    def __init__(self, pub: ExperimentResult, evo: ConnectivityEvolution,
                 tuning: Any, pathway: str = "EE",
                 group: tuple[int, int] = (20, 10)) -> None:
        if pathway not in _PW:
            raise ValueError(f"pathway must be 'EE', 'EI' or 'IE', got {pathway!r}")
        self.pub, self.evo, self.tuning, self.pathway = pub, evo, tuning, pathway
        ne, N = pub.n_exc, pub.N
        span = {"E": slice(0, ne), "I": slice(ne, N)}
        self.pre, self.post = span[pathway[0]], span[pathway[1]]
        gs = {"E": group[0], "I": group[1]}
        self.g = (gs[pathway[0]], gs[pathway[1]])
        W0 = pub.weights_after_block(-1)
        i, j = np.nonzero(W0[self.pre, self.post])
        self.i, self.j = i + self.pre.start, j + self.post.start
        self.dpo = np.degrees(signed_dpo(pub.po[self.i], pub.po[self.j]))
        self.w0_mean = float(W0[self.i, self.j].mean())
        self.dpo_edges = np.linspace(-90, 90, 19)
        self.k = np.clip(np.digitize(self.dpo, self.dpo_edges) - 1, 0, 17)
        self.count = np.maximum(np.bincount(self.k, None, 18), 1)
        # weight axis: the range the pathway's synapses take over learning
        Wf = pub.dense(pub.W)
        vals = np.concatenate([W0[self.i, self.j], Wf[self.i, self.j]])
        lo, hi = np.percentile(vals, [0.5, 99.5])
        pad = 0.08 * max(hi - lo, 1e-3)
        self.w_edges = np.linspace(lo - pad, hi + pad, 61)
        pooled = [_pool(W0[self.pre, self.post], self.g), _pool(Wf[self.pre, self.post], self.g)]
        self.vlim = (min(p.min() for p in pooled), max(p.max() for p in pooled))
        self._build()

    # ----------------------------------------------------------------- figure
    def _build(self) -> None:
        pub, name = self.pub, _PW[self.pathway]
        fig, axs = new_figure(2, 2, 11.5, 7.4)
        self.figure = fig
        a, b, c, d = axs[0, 0], axs[0, 1], axs[1, 0], axs[1, 1]
        pre, post = self.pre, self.post
        M = _pool(pub.weights_after_block(-1)[pre, post], self.g)
        self.im = a.imshow(M, cmap="viridis", vmin=self.vlim[0], vmax=self.vlim[1],
                           aspect="auto", interpolation="nearest",
                           extent=(post.start - 0.5, post.stop - 0.5, pre.stop - 0.5,
                                   pre.start - 0.5))
        a.set(xlabel=f"postsynaptic {self.pathway[1]} neuron (ordered by input PO)",
              ylabel=f"presynaptic {self.pathway[0]} neuron")
        self.title_a = a.set_title(" ")
        fig.colorbar(self.im, ax=a, label=f"mean {name} weight (mV, absent = 0)", shrink=0.9)

        H = np.zeros((self.w_edges.size - 1, self.dpo_edges.size - 1))
        self.hist = b.imshow(H, origin="lower", aspect="auto", cmap="Greys",
                             interpolation="nearest", vmin=0, vmax=1,
                             extent=(-90, 90, self.w_edges[0], self.w_edges[-1]))
        centres = (self.dpo_edges[:-1] + self.dpo_edges[1:]) / 2
        (self.mean_line,) = b.plot(centres, np.zeros(18), color="tab:orange", lw=2.5,
                                   marker="o", ms=3, label="mean (10° bins)")
        b.axhline(self.w0_mean, color="tab:blue", ls="--", lw=1,
                  label=f"initial mean {self.w0_mean:.2f} mV")
        b.set(xlabel="ΔPO = PO$_{pre}$ − PO$_{post}$ (deg)", ylabel="weight (mV)",
              xlim=(-90, 90), ylim=(self.w_edges[0], self.w_edges[-1]))
        b.set_xticks([-90, -45, 0, 45, 90])
        self.title_b = b.set_title(" ")
        legend(b, loc="upper right" if self.pathway[0] == "E" else "lower right")

        s = self.evo.specificity["EE"]["all"]
        x = self.evo.blocks + 1
        self.spec_lines = []
        for q, (lo, hi) in enumerate(DPO_BINS_DEG):
            c.plot(x, s[:, q], color=C_BINS[q], lw=0.8, alpha=0.3)
            (ln,) = c.plot(x[:1], s[:1, q], color=C_BINS[q], lw=2.2,
                           label=f"|ΔPO| {lo}–{hi}°")
            self.spec_lines.append(ln)
        self.vline_c = c.axvline(0, color="k", lw=0.8, ls=":")
        self.text_c = c.text(0.98, 0.04, "", transform=c.transAxes, ha="right", va="bottom",
                             fontsize=9)
        c.set(xlabel="learning blocks completed", ylabel="mean E→E weight (mV, absent = 0)",
              title="E→E specificity (faint: the whole run)", xlim=(0, x[-1]))
        c.set_ylim(0, 1.08 * np.nanmax(s))
        legend(c, loc="upper left")

        te = self.tuning
        self.osi_lines = {}
        for pop, col in (("E", "#d62728"), ("I", "#1f4fd6")):
            m = te.mean_osi(pop)
            d.plot(te.blocks_done, m, color=col, lw=0.8, alpha=0.3)
            (ln,) = d.plot(te.blocks_done[:1], m[:1], color=col, lw=2.2, marker="o", ms=4,
                           label=f"{pop} neurons")
            self.osi_lines[pop] = ln
        self.vline_d = d.axvline(0, color="k", lw=0.8, ls=":")
        self.text_d = d.text(0.98, 0.04, "", transform=d.transAxes, ha="right",
                             va="bottom", fontsize=9)
        d.set(xlabel="learning blocks completed", ylabel="mean OSI",
              title="Selectivity (tuning measured every few blocks)",
              xlim=(0, x[-1]), ylim=(0, 1))
        legend(d, loc="center right")
        self.suptitle = fig.suptitle(" ")

    # ----------------------------------------------------------------- update
    def show(self, blocks_done: int) -> tuple[list[Artist], dict[str, Any]]:
        """Update every dynamic artist to ``blocks_done`` (0 = W0); returns them and a
        dict of the shown numbers."""
        pub = self.pub
        n = pub.n_blocks
        b = int(blocks_done)
        if not 0 <= b <= n:
            raise ValueError(f"blocks_done must be in 0..{n}, got {blocks_done!r}")
        W = pub.weights_after_block(b - 1)
        name = _PW[self.pathway]
        self.im.set_data(_pool(W[self.pre, self.post], self.g))
        self.title_a.set_text(f"{name} weights, "
                              + ("initial $W_0$" if b == 0 else f"after {b} of {n} blocks")
                              + f"\n(mean over groups of {self.g[0]}×{self.g[1]} neurons)")
        w = W[self.i, self.j]
        H, _, _ = np.histogram2d(w, self.dpo, [self.w_edges, self.dpo_edges])
        H = np.log1p(H)
        self.hist.set_data(H)
        self.hist.set_clim(0, max(H.max(), 1e-9))
        mean = np.bincount(self.k, w, 18) / self.count
        self.mean_line.set_ydata(mean)
        self.title_b.set_text(f"{name}: density of {w.size} synapses (log) and mean")
        s = self.evo.specificity["EE"]["all"]
        x = self.evo.blocks + 1
        for q, ln in enumerate(self.spec_lines):
            ln.set_data(x[:b + 1], s[:b + 1, q])
        self.vline_c.set_xdata([b, b])
        self.text_c.set_text("now: " + " / ".join(f"{v:.3f}" for v in s[b]) + " mV")
        te = self.tuning
        k = te.index_at(b)
        for pop, ln in self.osi_lines.items():
            ln.set_data(te.blocks_done[:k + 1], te.mean_osi(pop)[:k + 1])
        self.vline_d.set_xdata([b, b])
        self.text_d.set_text(f"at {te.blocks_done[k]} blocks: OSI E "
                             f"{te.mean_osi('E')[k]:.3f}, I {te.mean_osi('I')[k]:.3f}")
        self.suptitle.set_text(f"Learning, block by block: {b} of {n} blocks completed")
        dynamic = [self.im, self.title_a, self.hist, self.mean_line, self.title_b,
                   *self.spec_lines, self.vline_c, self.text_c, *self.osi_lines.values(),
                   self.vline_d, self.text_d, self.suptitle]
        info = {"mean_weight": float(w.mean()), "spec_EE": s[b].tolist(),
                "osi_E": float(te.mean_osi("E")[k]), "osi_I": float(te.mean_osi("I")[k]),
                "tuning_blocks_done": int(te.blocks_done[k])}
        return dynamic, info


class DetectionView:
    """:func:`~sensorynet.plotting.plot_detection` with a movable threshold marker and a
    read-out of every measure at the marked threshold."""

    def __init__(self, study: DetectionStudy, spread: list[DetectionStudy] | None = None
                 ) -> None:
        from ._detection import plot_detection
        self.study = study
        self.figure = plot_detection(study, spread=spread)
        self.lines = [a.axvline(study.thresholds[0], color="0.2", lw=1.2, ls="-.")
                      for a in self.figure.axes[:3]]

    def show(self, threshold: float) -> tuple[list[Artist], dict[str, Any]]:
        for ln in self.lines:
            ln.set_xdata([threshold, threshold])
        return list(self.lines), self.study.at(threshold)


class TuningView:
    """One neuron's tuning curve before and after learning and where its OSI lies among
    its population (:func:`~sensorynet.plotting.plot_tuning_curve`), built once: picking
    another neuron moves lines and rescales one axis instead of drawing a new figure."""

    def __init__(self, sel: SelectivityAnalysis) -> None:
        from ._style import COLORS
        self.sel, self.colors = sel, COLORS
        b, a = sel.before, sel.after
        ne = sel.n_exc
        self.th = np.degrees(np.append(b.thetas, b.thetas[0] + np.pi))
        fig, axs = new_figure(1, 2, 11, 3.9, width_ratios=[1.2, 1])
        self.figure = fig
        ax, hx = axs[0, 0], axs[0, 1]
        self.ax = ax
        (self.l_before,) = ax.plot(self.th, self.th * 0, "--", color="0.55", marker="o",
                                   ms=4, label="before learning")
        (self.l_after,) = ax.plot(self.th, self.th * 0, "-", color=COLORS["E"], marker="o",
                                  ms=4, label="after learning")
        self.v_po = ax.axvline(0, color="k", lw=0.7, ls=":", label="input PO")
        ax.set(xlabel="stimulus orientation (deg)", ylabel="firing rate (Hz)",
               xlim=(0, 180))
        ax.set_xticks([0, 45, 90, 135, 180])
        self.title = ax.set_title(" ")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3,
                  frameon=False)
        bins = np.linspace(0, 1, 26)
        self.hists, self.hist_labels = {}, {}
        for pop, sl in (("E", slice(0, ne)), ("I", slice(ne, None))):
            arts, handles, labels = [], [], []
            for t, col, lab in ((b, "0.55", "before"), (a, COLORS[pop], "after")):
                v = t.osi[sl]
                v = v[np.isfinite(v)]
                patches = list(hx.hist(v, bins, color=col, alpha=0.5)[2])
                arts += patches
                handles.append(patches[0])
                labels.append(f"{lab}: mean {v.mean():.2f}")
            self.hists[pop] = arts
            self.hist_labels[pop] = (handles, labels)
        self.v_osi = [hx.axvline(0, color="0.55", lw=2), hx.axvline(0, color=COLORS["E"], lw=2)]
        hx.set(xlabel="OSI (1 − circular variance)", xlim=(0, 1))
        self.hx = hx
        self.htitle = hx.set_title(" ")
        self.pop: str | None = None

    def show(self, neuron: int) -> tuple[list[Artist], bool]:
        """Update to ``neuron``; returns (dynamic artists, needs a full redraw)."""
        from ._style import neuron_label
        sel = self.sel
        ne = sel.n_exc
        n = int(neuron)
        pop = "E" if n < ne else "I"
        b, a = sel.before, sel.after
        yb = np.append(b.rates[:, n], b.rates[0, n])
        ya = np.append(a.rates[:, n], a.rates[0, n])
        self.l_before.set_ydata(yb)
        self.l_after.set_ydata(ya)
        self.l_after.set_color(self.colors[pop])
        self.v_po.set_xdata([np.degrees(sel.po_in[n])] * 2)
        self.title.set_text(f"{neuron_label(n, ne, sel.po_in)}: OSI {b.osi[n]:.2f} → "
                            f"{a.osi[n]:.2f}")
        top = max(float(np.nanmax(np.concatenate([yb, ya]))), 1.0) * 1.08
        full = not np.isclose(self.ax.get_ylim()[1], top) or pop != self.pop
        self.ax.set_ylim(0, top)
        for p_, arts in self.hists.items():
            for r in arts:
                r.set_visible(p_ == pop)
        if pop != self.pop:
            self.hx.relim(visible_only=True)
            self.hx.autoscale_view(scalex=False)
            self.hx.set_ylabel(f"{pop} neurons")
            handles, labels = self.hist_labels[pop]
            self.hx.legend(handles, labels, fontsize=8, loc="upper center",
                           bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)
        self.pop = pop
        for line, t in zip(self.v_osi, (b, a), strict=True):
            line.set_visible(bool(np.isfinite(t.osi[n])))
            line.set_xdata([t.osi[n]] * 2 if np.isfinite(t.osi[n]) else [0, 0])
        self.v_osi[1].set_color(self.colors[pop])
        self.htitle.set_text(f"All {pop} neurons (lines: neuron {n})")
        dynamic = [self.l_before, self.l_after, self.v_po, self.title, *self.v_osi,
                   self.htitle]
        return dynamic, full


class VoltageView:
    """One neuron's membrane potential alone and in the network, and its input
    (:func:`~sensorynet.plotting.plot_voltage_trace`), built once for a balanced state:
    picking another neuron replaces the lines' data on axes scaled to every recorded
    neuron, so nothing else is redrawn."""

    def __init__(self, state: BalancedState, window_ms: tuple[float, float] = (0, 400),
                 bin_ms: int = 5) -> None:
        from .._arrays import bin_mean
        from ._style import C_FF, C_NET, C_REC_E, C_REC_I
        self.state, self.bin_ms = state, int(bin_ms)
        th = state.params.network.theta
        self.th = th
        t0, t1 = window_ms
        dt = state.coupled.dt
        self.t = np.arange(state.coupled.n_steps) * dt
        self.sl = slice(int(round(t0 / dt)), int(round(t1 / dt)))
        self.t0, self.t1 = t0, t1
        tb = bin_mean(self.t[:, None], self.bin_ms)[:, 0]
        self.mask = (tb >= t0) & (tb < t1)
        self.tb = tb[self.mask]
        rec = state.record
        fig, axs = new_figure(3, 1, 11, 7.8, sharex=True, height_ratios=[1, 1.3, 1.2])
        self.figure = fig
        self.v_lines, self.spikes, self.titles = {}, {}, {}
        runs: tuple[tuple[Any, Literal["uncoupled", "coupled"]], ...] = (
            (axs[0, 0], "uncoupled"), (axs[1, 0], "coupled"))
        for ax, which in runs:
            (self.v_lines[which],) = ax.plot([], [], color="k", lw=0.8)
            (self.spikes[which],) = ax.plot([], [], lw=1.2)
            ax.axhline(th, color="0.5", ls="--", lw=0.8)
            ax.set_ylabel("membrane potential (mV)")
            self.titles[which] = ax.set_title(" ")
            # one scale for every recorded neuron: the picker never rescales the axes
            v = np.stack([state.voltage(int(n), which)[self.sl] for n in rec])
            ax.set_ylim(max(float(v.min()), -60.0) - 1.0, th + 17.0)
        ax = axs[2, 0]
        self.inputs = {}
        binned = {}
        for key, col, lab in (("ff", C_FF, "feed-forward"), ("rec_E", C_REC_E, "recurrent E"),
                              ("rec_I", C_REC_I, "recurrent I"), ("net", C_NET, "net")):
            (self.inputs[key],) = ax.plot([], [], color=col, lw=1.2, label=lab)
            m = (state.ff + state.rec_E + state.rec_I if key == "net"
                 else getattr(state, key))
            binned[key] = bin_mean(m, self.bin_ms)[self.mask]
        lo = min(float(b.min()) for b in binned.values())
        hi = max(float(b.max()) for b in binned.values())
        pad = 0.05 * (hi - lo + 1e-9)
        ax.set_ylim(lo - pad, hi + pad)
        self.binned = binned
        ax.axhline(0, color="0.5", lw=0.6)
        ax.set(xlabel="time (ms)", ylabel=f"input (mV/ms, {self.bin_ms} ms bins)")
        self.input_title = ax.set_title(" ")
        ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.28),
                  frameon=False)
        ax.set_xlim(t0, t1)

    def show(self, neuron: int) -> tuple[list[Artist], bool]:
        """Update to ``neuron``; returns (dynamic artists, needs a full redraw: never)."""
        from ._style import COLORS, neuron_label
        st, n = self.state, int(neuron)
        label = neuron_label(n, st.n_exc)
        runs: tuple[tuple[Literal["uncoupled", "coupled"], Any, str], ...] = (
            ("uncoupled", st.uncoupled, "alone (W = 0), same input"),
            ("coupled", st.coupled, "in the balanced network"))
        for which, run, what in runs:
            self.v_lines[which].set_data(self.t[self.sl], st.voltage(n, which)[self.sl])
            k = run.spike_steps[(run.spike_neurons == n) & (run.spike_steps * run.dt >= self.t0)
                                & (run.spike_steps * run.dt < self.t1)] * run.dt
            # one polyline of vertical strokes, separated by NaN
            xs = np.repeat(k, 3)
            ys = np.tile([self.th, self.th + 15.0, np.nan], k.size)
            xs[2::3] = np.nan
            self.spikes[which].set_data(xs, ys)
            self.spikes[which].set_color(COLORS["E" if n < st.n_exc else "I"])
            rate = np.count_nonzero(run.spike_neurons == n) / (run.duration_ms / 1000)
            self.titles[which].set_text(f"{label} {what}: {rate:.1f} Hz (dashed: threshold "
                                        f"{self.th:g} mV, strokes: spikes)")
        means = []
        for key, line in self.inputs.items():
            col = self.binned[key][:, n]
            line.set_data(self.tb, col)
            full = (st.ff[:, n] + st.rec_E[:, n] + st.rec_I[:, n] if key == "net"
                    else getattr(st, key)[:, n])
            means.append(f"{line.get_label()} {full.mean():.2f}")
        self.input_title.set_text("Input to this neuron (mean mV/ms: " + ", ".join(means)
                                  + "): excitation and inhibition nearly cancel")
        dynamic = [*self.v_lines.values(), *self.spikes.values(), *self.titles.values(),
                   *self.inputs.values(), self.input_title]
        return dynamic, False
