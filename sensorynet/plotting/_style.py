"""One visual style for every figure family: population colours, bin colours and
labels, legend sizes, and the figure factory (a fresh Figure, no pyplot state)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from numpy.typing import ArrayLike, NDArray

from .._orientation import DPO_BINS_DEG
from .._types import FloatArray

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


def neuron_label(n: int, n_exc: int, po: FloatArray | None = None) -> str:
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


def legend(ax: Axes, *args: Any, **kw: Any) -> Legend:
    """Axes legend at :data:`LEGEND_PT`, ``loc="best"`` and a semi-opaque frame."""
    kw.setdefault("fontsize", LEGEND_PT)
    kw.setdefault("loc", "best")
    kw.setdefault("framealpha", 0.85)
    return ax.legend(*args, **kw)


def fig_legend(fig: Figure, handles: Sequence[Artist], labels: Sequence[str], ncols: int,
               where: str = "lower center") -> Legend:
    """One legend for the whole figure, outside the axes (constrained layout)."""
    loc: Any = f"outside {where}"   # matplotlib's stubs list every location as a Literal
    return fig.legend(handles, labels, loc=loc, ncols=ncols, fontsize=LEGEND_PT + 1,
                      frameon=False)


def headroom(ax: Axes, frac: float) -> None:
    """Extend the y range upwards by ``frac`` of its span (space for a legend)."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + frac * (hi - lo))


def new_figure(nrows: int, ncols: int, w: float, h: float, **kw: Any
               ) -> tuple[Figure, NDArray[Any]]:
    """A Figure of ``w`` x ``h`` inches with an ``nrows`` x ``ncols`` grid of axes
    (an object array of :class:`~matplotlib.axes.Axes`, always 2-D)."""
    fig = Figure(figsize=(w, h), layout="constrained")
    axs = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axs


#: population colours, as in the published figures (E red, I blue)
COLORS = {"E": "#d62728", "I": "#1f4fd6"}


C_FF, C_REC_E, C_REC_I, C_NET = "tab:orange", "tab:red", "tab:blue", "k"


def values(vals: ArrayLike) -> FloatArray:
    """Numbers of a metrics list as floats; ``None`` (a NaN in ``metrics.json``: a value
    that could not be measured, e.g. the OSI of silent neurons) becomes NaN, which
    matplotlib leaves out."""
    return np.array([np.nan if v is None else v for v in np.ravel(vals)], dtype=float)


def number(v: float | None, spec: str = ".2f") -> str:
    """``v`` formatted by ``spec``, or ``"n/a"`` for ``None``/NaN."""
    return "n/a" if v is None or not np.isfinite(v) else format(v, spec)


def grouped_bars(ax: Axes, groups: Sequence[str], series: Sequence[ArrayLike],
                 labels: Sequence[str], colors: Sequence[str],
                 hatches: Sequence[str | None] | None = None, width: float = 0.8) -> None:
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


def spec_lines(ax: Axes, series: Sequence[ArrayLike], labels: Sequence[str],
               colors: Sequence[str], styles: Sequence[str] | None = None,
               markers: Sequence[str] | None = None) -> None:
    """Mean weight per |ΔPO| bin, one marker line per series (bins at their centres)."""
    x = np.array([(lo + hi) / 2 for lo, hi in DPO_BINS_DEG])
    for k, vals in enumerate(series):
        ax.plot(x, values(vals), marker="o" if markers is None else markers[k],
                color=colors[k],
                label=labels[k], ls="-" if styles is None else styles[k])
    ax.set_xticks(x, BIN_LABELS)
    ax.set_xlim(0, 90)
    ax.margins(y=0.15)


