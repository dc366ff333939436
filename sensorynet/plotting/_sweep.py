"""Figures of parameter sweeps: heat maps and line plots of metrics (mean over seeds)
against one or two swept parameters, with units and one power of ten per axis.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from .._validate import require_columns
from ..analysis import summarize

if TYPE_CHECKING:   # an optional dependency (the sweep extra), imported where it is used
    import pandas as pd

__all__ = ["plot_sweep_panels", "plot_sweep_lines", "PARAM_UNITS", "plot_sweep_heatmap",
           "plot_sweep_line"]


def plot_sweep_panels(df: pd.DataFrame, x: str, y: str, metrics: Sequence[str],
                      where: Mapping[str, Any] | None = None, ncols: int = 2) -> Figure:
    """Heat maps (mean ± s.e.m. over seeds) of several sweep metrics, ``ncols`` per row."""
    ncols = min(ncols, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig = Figure(figsize=(5.6 * ncols, 4.2 * nrows), layout="constrained")
    axs = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax, m in zip(axs[:len(metrics)], metrics, strict=True):
        plot_sweep_heatmap(df, x, y, m, where=where, ax=ax)
    for ax in axs[len(metrics):]:
        ax.set_axis_off()
    return fig


def plot_sweep_lines(df: pd.DataFrame, x: str, metric: str, hue: str | None = None,
                     where: Mapping[str, Any] | None = None) -> Figure:
    """:func:`sensorynet.plotting.plot_sweep_line` on a notebook-sized figure (it puts one
    tick per swept value of ``x``, with the axis' power of ten in the label)."""
    fig = Figure(figsize=(6.0, 4.0), layout="constrained")
    ax = fig.add_subplot()
    plot_sweep_line(df, x, metric, hue=hue, where=where, ax=ax)
    return fig


def _select(df: pd.DataFrame, where: Mapping[str, Any] | None, keep: Iterable[str | None]
            ) -> pd.DataFrame:
    """Rows matching ``where``; check other swept parameters are fixed."""
    d = df
    for k, v in (where or {}).items():
        require_columns(d, [k], "where")
        d = d[np.isclose(d[k], v)] if isinstance(v, float) else d[d[k] == v]
    if d.empty:
        raise ValueError(f"no runs match where={where!r}")
    varying = [p for p in df.attrs.get("sweep_params", []) if p not in keep
               and d[p].nunique(dropna=False) > 1]
    if varying:
        raise ValueError(f"parameter(s) {varying} also vary; fix them with "
                         f"where={{{varying[0]!r}: value, ...}}")
    return d


def _metric_label(df: pd.DataFrame, metric: str) -> str:
    return df.attrs.get("metric_labels", {}).get(metric, metric)


#: units of the model parameters (see the docstrings of :mod:`sensorynet._params`), for
#: axis labels; parameters not listed are dimensionless (or counts, or switches)
PARAM_UNITS = {
    "network.J": "mV", "network.tau_m": "ms", "network.theta": "mV", "network.dt": "ms",
    "input.b": "Hz", "input.spontaneous_rate": "Hz",
    "plasticity.A_LTD": "mV⁻¹", "plasticity.A_LTP": "mV⁻²",
    "plasticity.tau_minus": "ms", "plasticity.tau_plus": "ms", "plasticity.tau_x": "ms",
    "plasticity.theta_minus": "mV", "plasticity.theta_plus": "mV",
    "plasticity.u_ref2": "mV²", "plasticity.w_max": "mV", "plasticity.w_min_inh": "mV",
    "plasticity.vbar_window": "steps",
    "protocol.test_ms": "ms", "protocol.test_theta": "rad", "protocol.block_ms": "ms",
}


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and \
        not isinstance(v, (bool, np.bool_))


def _axis_exponent(values: Iterable[Any]) -> int:
    """Power of ten shared by an axis's tick labels (0: plain numbers are compact).

    Values whose ``.4g`` form is short and has no exponent (``6``, ``0.25``, ``2000``)
    are shown as they are; otherwise (``4e-05``, ``0.00012``) all ticks are divided by
    ``10**e``, with ``e`` the exponent of the smallest magnitude (of the largest when
    they span three decades or more), and the axis label says ``×10ᵉ``.
    """
    mags = [abs(float(v)) for v in values if _is_number(v) and np.isfinite(v) and v != 0]
    if not mags:
        return 0
    if all("e" not in f"{m:.4g}" and len(f"{m:.4g}") <= 5 for m in mags):
        return 0
    lo, hi = min(mags), max(mags)
    return int(np.floor(np.log10(hi if hi / lo >= 1e3 else lo)))


def _tick(v: Any, e: int) -> str:
    """Tick label of value ``v`` on an axis scaled by ``10**e``."""
    if not _is_number(v):
        return str(v)
    x = float(v) / 10.0 ** e
    return "0" if x == 0 else f"{x:.4g}"


def _param_label(name: str, e: int = 0) -> str:
    """Axis label of a parameter: ``name (×10ᵉ unit)``, ``name (unit)`` or ``name``."""
    unit = PARAM_UNITS.get(name, "")
    scale = f"×10{str(e).translate(_SUPERSCRIPT)}" if e else ""
    inner = " ".join(p for p in (scale, unit) if p)
    return f"{name} ({inner})" if inner else str(name)


@overload
def plot_sweep_heatmap(df: pd.DataFrame, x: str, y: str, metric: str, *,
                       where: Mapping[str, Any] | None = None, ax: None = None,
                       annotate: bool = True, cmap: str = "viridis") -> Figure: ...
@overload
def plot_sweep_heatmap(df: pd.DataFrame, x: str, y: str, metric: str, *,
                       where: Mapping[str, Any] | None = None, ax: Axes,
                       annotate: bool = True, cmap: str = "viridis") -> Figure | SubFigure: ...
def plot_sweep_heatmap(df: pd.DataFrame, x: str, y: str, metric: str, *,
                       where: Mapping[str, Any] | None = None, ax: Axes | None = None,
                       annotate: bool = True, cmap: str = "viridis") -> Figure | SubFigure:
    """Heat map of a metric's mean over seeds on a 2-D parameter grid.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`run_sweep` / :func:`load_sweep`.
    x, y : str
        Parameter columns for the horizontal and vertical axes.
    metric : str
        Metric column.
    where : dict, optional
        Fix other swept parameters (column → value) when there are more than two.
    ax : matplotlib Axes, optional
        Draw into it (default: a new Figure).
    annotate : bool
        Write ``mean ± s.e.m. (n)`` in every cell (the error information).
    cmap : str

    Returns
    -------
    matplotlib.figure.Figure
        The new Figure, or the figure ``ax`` belongs to (a SubFigure for an ``ax`` in
        one). Axes labelled with the parameter names and units (tick values that need an
        exponent share one, given in the label: ``plasticity.A_LTP (×10⁻⁵ mV⁻²)``);
        colour bar labelled with the metric and its unit; the title says how many
        seeds each cell averages.
    """
    require_columns(df, [x, y, metric], "plot_sweep_heatmap")
    if x == y:
        raise ValueError(f"x and y must differ, both are {x!r}")
    d = _select(df, where, {x, y})
    s = summarize(d, by=[y, x], metrics=[metric])
    xs, ys = sorted(d[x].unique()), sorted(d[y].unique())
    M = np.full((len(ys), len(xs)), np.nan)
    S, N = M.copy(), np.zeros_like(M)
    for _, r in s.iterrows():
        i, j = ys.index(r[y]), xs.index(r[x])
        M[i, j], S[i, j], N[i, j] = (r[f"{metric}_mean"], r[f"{metric}_sem"],
                                     r[f"{metric}_n"])
    fig: Figure | SubFigure
    if ax is None:
        fig = Figure(figsize=(1.2 * len(xs) + 3.0, 0.9 * len(ys) + 2.2),
                     layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    im = ax.imshow(np.ma.masked_invalid(M), origin="lower", aspect="auto", cmap=cmap)
    ex, ey = _axis_exponent(xs), _axis_exponent(ys)
    xt = [_tick(v, ex) for v in xs]
    ax.set_xticks(range(len(xs)), xt)
    ax.set_yticks(range(len(ys)), [_tick(v, ey) for v in ys])
    if max(map(len, xt)) > 6:
        ax.tick_params(axis="x", labelrotation=30)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
    ax.set_xlabel(_param_label(x, ex))
    ax.set_ylabel(_param_label(y, ey))
    fig.colorbar(im, ax=ax, label=f"{_metric_label(df, metric)}, mean over seeds")
    if annotate:
        finite = M[np.isfinite(M)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        # one fixed-point format per map: 3 significant digits on the largest mean, and
        # the s.e.m. with the same decimals (never a mix of 0.0048 and 9.8e-06)
        top = np.abs(finite).max() if finite.size else 0.0
        dec = int(np.clip(2 - np.floor(np.log10(top)), 0, 8)) if top > 0 else 3

        def _sem(s: float) -> str:
            return f"±{s:.{dec}f}" if round(s, dec) > 0 else f"±<{10.0 ** -dec:.{dec}f}"
        for i in range(len(ys)):
            for j in range(len(xs)):
                txt = "n/a" if not np.isfinite(M[i, j]) else (
                    f"{M[i, j]:.{dec}f}\n{_sem(S[i, j])}" if np.isfinite(S[i, j])
                    else f"{M[i, j]:.{dec}f}")
                ax.text(j, i, txt, ha="center", va="center", fontsize=8,
                        color="black" if np.isfinite(M[i, j]) and M[i, j] > mid else "white")
    n_lo, n_hi = int(N.min()), int(N.max())
    ax.set_title(f"{metric}: mean ± s.e.m. over "
                 f"{n_lo if n_lo == n_hi else f'{n_lo}–{n_hi}'} seed(s)")
    return fig


@overload
def plot_sweep_line(df: pd.DataFrame, x: str, metric: str, *, hue: str | None = None,
                    where: Mapping[str, Any] | None = None, ax: None = None) -> Figure: ...
@overload
def plot_sweep_line(df: pd.DataFrame, x: str, metric: str, *, hue: str | None = None,
                    where: Mapping[str, Any] | None = None, ax: Axes) -> Figure | SubFigure: ...
def plot_sweep_line(df: pd.DataFrame, x: str, metric: str, *, hue: str | None = None,
                    where: Mapping[str, Any] | None = None, ax: Axes | None = None
                    ) -> Figure | SubFigure:
    """Mean ± s.e.m. over seeds of a metric against one parameter (optionally per hue).

    Parameters
    ----------
    df : pandas.DataFrame
    x : str
        Parameter on the horizontal axis.
    metric : str
    hue : str, optional
        Second parameter: one line per value.
    where : dict, optional
        Fix further swept parameters.
    ax : matplotlib Axes, optional
        Draw into it (default: a new Figure).

    Returns
    -------
    matplotlib.figure.Figure
        The new Figure, or the figure ``ax`` belongs to (a SubFigure for an ``ax`` in
        one). x axis labelled with the parameter name and unit (tick values share one
        exponent, given in the label), y axis with the metric and its unit; with
        ``hue``, a legend titled with the hue parameter, outside the axes on the right.
    """
    from matplotlib.ticker import FuncFormatter
    cols = [x, metric] + ([hue] if hue else [])
    require_columns(df, cols, "plot_sweep_line")
    d = _select(df, where, {x, hue} - {None})
    fig: Figure | SubFigure
    if ax is None:
        fig = Figure(figsize=(5.0 if hue is None else 6.4, 3.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    groups = [(None, d)] if hue is None else list(d.groupby(hue, sort=True))
    eh = 0 if hue is None else _axis_exponent([h for h, _ in groups])
    for h, sub in groups:
        s = summarize(sub, by=[x], metrics=[metric])
        ax.errorbar(s[x], s[f"{metric}_mean"], yerr=s[f"{metric}_sem"], marker="o",
                    capsize=3, label=None if hue is None else _tick(h, eh))
    xs = sorted(v for v in d[x].unique() if _is_number(v) and np.isfinite(v))
    ex = _axis_exponent(xs)
    span = (xs[-1] - xs[0]) if len(xs) > 1 else 0.0
    if 1 < len(xs) <= 8 and np.min(np.diff(xs)) >= span / 12:
        ax.set_xticks(xs)                  # ticks at the swept values, if they fit
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, ex)))
    ax.set_xlabel(_param_label(x, ex))
    ax.set_ylabel(_metric_label(df, metric))
    ax.set_title(f"{metric}: mean ± s.e.m. over seeds")
    if hue is not None:
        ax.legend(title=_param_label(hue, eh), fontsize=8, title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig


