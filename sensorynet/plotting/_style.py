"""One visual style for every figure family: population colours, bin colours and
labels, legend sizes, and the figure factory (a fresh Figure, no pyplot state)."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._orientation import DPO_BINS_DEG

__all__ = [
    "neuron_label",
    "C_BEFORE",
    "C_AFTER",
    "C_OUT",
    "C_BINS",
    "BIN_LABELS",
    "PW_LABEL",
    "LEGEND_PT",
    "legend",
    "fig_legend",
    "headroom",
    "new_figure",
    "COLORS",
    "C_FF",
    "C_REC_E",
    "C_REC_I",
    "C_NET",
    "grouped_bars",
    "spec_lines",
    "values",
    "number",
]


def neuron_label(n, n_exc, po=None) -> str:
    """``"E neuron 12 (input PO 5°)"`` style label of neuron ``n``."""
    pop = "E" if n < n_exc else "I"
    s = f"{pop} neuron {n}"
    return s if po is None else s + f" (input PO {np.degrees(po[n]):.0f}°)"


C_BEFORE, C_AFTER, C_OUT = "0.55", "tab:red", "tab:purple"


C_BINS = ("tab:red", "tab:orange", "tab:blue")


BIN_LABELS = [f"{lo}–{hi}°" for lo, hi in DPO_BINS_DEG]


PW_LABEL = {"EE": "E→E", "EI": "E→I", "IE": "I→E"}


#: font size of legend text (points)
LEGEND_PT = 8


def legend(ax, *args, **kw):
    """Axes legend at :data:`LEGEND_PT`, ``loc="best"`` and a semi-opaque frame."""
    kw.setdefault("fontsize", LEGEND_PT)
    kw.setdefault("loc", "best")
    kw.setdefault("framealpha", 0.85)
    return ax.legend(*args, **kw)


def fig_legend(fig, handles, labels, ncols, where="lower center"):
    """One legend for the whole figure, outside the axes (constrained layout)."""
    return fig.legend(handles, labels, loc=f"outside {where}", ncols=ncols,
                      fontsize=LEGEND_PT + 1, frameon=False)


def headroom(ax, frac):
    """Extend the y range upwards by ``frac`` of its span (space for a legend)."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + frac * (hi - lo))


def new_figure(nrows, ncols, w, h, **kw):
    """A Figure of ``w`` x ``h`` inches with an ``nrows`` x ``ncols`` grid of axes."""
    fig = Figure(figsize=(w, h), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axs


#: population colours, as in the published figures (E red, I blue)
COLORS = {"E": "#d62728", "I": "#1f4fd6"}


C_FF, C_REC_E, C_REC_I, C_NET = "tab:orange", "tab:red", "tab:blue", "k"


def values(vals):
    """Numbers of a metrics list as floats; ``None`` (a NaN in ``metrics.json``: a value
    that could not be measured, e.g. the OSI of silent neurons) becomes NaN, which
    matplotlib leaves out."""
    return np.array([np.nan if v is None else v for v in np.ravel(vals)], dtype=float)


def number(v, spec=".2f"):
    """``v`` formatted by ``spec``, or ``"n/a"`` for ``None``/NaN."""
    return "n/a" if v is None or not np.isfinite(v) else format(v, spec)


def grouped_bars(ax, groups, series, labels, colors, hatches=None, width=0.8):
    """Bars: ``series[s][g]`` for group g, one bar per series (``None`` values are
    left out)."""
    n = len(series)
    w = width / n
    x = np.arange(len(groups))
    for s, vals in enumerate(series):
        ax.bar(x + (s - (n - 1) / 2) * w, values(vals), w, label=labels[s], color=colors[s],
               hatch=None if hatches is None else hatches[s], edgecolor="k", linewidth=0.4)
    ax.set_xticks(x, groups)
    ax.axhline(0, color="k", lw=0.6)


def spec_lines(ax, series, labels, colors, styles=None, markers=None):
    """Mean weight per |ΔPO| bin, one marker line per series (bins at their centres)."""
    x = np.array([(lo + hi) / 2 for lo, hi in DPO_BINS_DEG])
    for k, vals in enumerate(series):
        ax.plot(x, values(vals), marker="o" if markers is None else markers[k],
                color=colors[k],
                label=labels[k], ls="-" if styles is None else styles[k])
    ax.set_xticks(x, BIN_LABELS)
    ax.set_xlim(0, 90)
    ax.margins(y=0.15)


