"""Control panels of notebooks 04–06: spontaneous activity, cardinal bias, sweeps."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from .._params import ModelParams
from .._results import ExperimentResult
from .._types import BoolArray
from ._base import (
    LiveFigure,
    Panel,
    Rendered,
    check_choice,
    check_int_in,
    check_real_in,
    fig_to_png,
    run_button,
    style,
)

if TYPE_CHECKING:   # imported where used: building a panel needs no experiment code
    import pandas as pd

    from ..experiments import CardinalResult, DetectionStudy, SpontaneousResult


__all__ = ["spontaneous_panel", "cardinal_panel", "sweep_panel", "detection_panel"]


def _slider(width: str = "300px", **kw: Any) -> dict[str, Any]:
    return dict(continuous_update=False, style=style(), layout=W.Layout(width=width), **kw)


def spontaneous_panel(published: ExperimentResult, *, n_blocks: int = 10, ltd_IE: bool = True,
                      tuning_kw: Mapping[str, Any] | None = None,
                      results: Mapping[tuple[bool, int], SpontaneousResult] | None = None
                      ) -> Panel:
    """Untuned input on the learned network: I→E LTD switch and duration.

    *Run* executes :func:`sensorynet.experiments.run_spontaneous` with the chosen settings
    (memoised per setting, progress bar in the panel) and shows
    :func:`sensorynet.plotting.plot_spontaneous`.

    Parameters
    ----------
    published : ExperimentResult
        The learned network.
    n_blocks : int
        Initial number of 2 s spontaneous blocks.
    ltd_IE : bool
        Initial I→E LTD setting.
    tuning_kw : dict, optional
        Extra arguments of ``run_spontaneous`` (``thetas``, ``duration_ms``).
    results : dict, optional
        Precomputed ``{(ltd_IE, n_blocks): SpontaneousResult}`` to start from.

    Returns
    -------
    Panel
        Controls ``ltd_IE``, ``n_blocks``, ``run``; ``state`` holds ``ltd_IE``,
        ``n_blocks``, ``spec_EE_change`` (mV per |ΔPO| bin), ``rate_E_last`` (Hz),
        ``osi_E_change``.
    """
    from ..experiments import run_spontaneous
    from ..plotting import plot_spontaneous
    n_blocks = check_int_in("n_blocks", n_blocks, 1, 40)
    ltd_IE = check_choice("ltd_IE", ltd_IE, (True, False))
    tuning_kw = dict(tuning_kw or {})
    controls = {
        "ltd_IE": W.ToggleButtons(options=[("I→E LTD on", True), ("I→E LTD off", False)],
                                  value=bool(ltd_IE), description="rule",
                                  style={**style(), "button_width": "auto"}),
        "n_blocks": W.IntSlider(value=n_blocks, min=1, max=40, description="spontaneous blocks",
                                **_slider()),
        "run": run_button("Run spontaneous activity"),
    }
    memo: dict[tuple[bool, int], SpontaneousResult] = dict(results or {})

    def key(panel: Panel) -> tuple[bool, int]:
        return bool(panel.value("ltd_IE")), int(panel.value("n_blocks"))

    def run(panel: Panel) -> None:
        k = key(panel)
        if k not in memo:
            memo[k] = run_spontaneous(published, n_blocks=k[1], ltd_IE=k[0], progress=True,
                                      **tuning_kw)
        panel.data["shown"] = k

    def render(panel: Panel) -> Rendered:
        k = panel.data["shown"]
        res = memo[k]
        m = res.metrics()
        fig = plot_spontaneous(res)
        fig.suptitle(f"{k[1]} blocks ({k[1] * published.params.protocol.block_ms / 1000:g} s) "
                     f"of untuned {published.params.input.spontaneous_rate:g} Hz input, "
                     f"I→E LTD {'on' if k[0] else 'off'}")
        ch = m["specificity_EE_change"]
        text = (f"I→E LTD {'on' if k[0] else 'off'}, {k[1]} blocks: E rate "
                f"{m['rates_first_block']['E']:.2f} → {m['rates_last_block']['E']:.2f} Hz; "
                f"change of mean E→E weight by |ΔPO| bin " + "/".join(f"{x:+.4f}" for x in ch)
                + f" mV; change of mean OSI (E) {m['osi_E_change']:+.2g}.")
        return fig, text, {"ltd_IE": k[0], "n_blocks": k[1], "spec_EE_change": ch,
                           "rate_E_last": m["rates_last_block"]["E"],
                           "osi_E_change": m["osi_E_change"]}

    panel = Panel("Spontaneous activity on the learned network", controls, render,
                  on_run=run)
    return panel.run()


def cardinal_panel(result: CardinalResult | None = None, *, params: ModelParams | None = None,
                   seed: int = 0, n_blocks: int = 20, half_width_deg: float = 15.0,
                   tuning_kw: Mapping[str, Any] | None = None) -> Panel:
    """Cardinal-biased learning vs control: class width (live); blocks and seed (Run).

    Parameters
    ----------
    result : CardinalResult, optional
        Precomputed :func:`sensorynet.experiments.run_cardinal` (otherwise computed).
    params : ModelParams, optional
    seed, n_blocks : int
        Initial values of the Run controls (default: those of ``result``).
    half_width_deg : float
        Initial half-width of the near-cardinal / near-oblique classes, degrees.
    tuning_kw : dict, optional
        Extra arguments of ``run_cardinal`` (``thetas``, ``duration_ms``).

    Returns
    -------
    Panel
        Controls ``half_width``, ``n_blocks``, ``seed``, ``run``; ``state`` holds the
        settings and, per condition, ``frac_cardinal`` / ``frac_oblique`` (dicts) and
        ``z_cardinal``.
    """
    from ..experiments import CardinalResult, run_cardinal
    from ..plotting import plot_cardinal
    tuning_kw = dict(tuning_kw or {})
    half_width_deg = check_real_in("half_width_deg", half_width_deg, 5.0, 22.5)
    seed = check_int_in("seed", seed, 0, 2**31 - 1)
    if result is not None:
        n_blocks = len(result.conditions["cardinal"]["block_rates"])
    n_blocks = check_int_in("n_blocks", n_blocks, 1, 60)
    controls = {
        "half_width": W.FloatSlider(value=half_width_deg, min=5.0, max=22.5, step=2.5,
                                    description="class half-width (deg)",
                                    readout_format=".1f", **_slider()),
        "n_blocks": W.IntSlider(value=n_blocks, min=1, max=60, description="learning blocks",
                                **_slider()),
        "seed": W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                 style=style(), layout=W.Layout(width="140px")),
        "run": run_button("Learn both conditions"),
    }

    widths = [float(w) for w in np.arange(5.0, 22.5 + 1e-9, 2.5)]

    def run(panel: Panel) -> None:
        panel.data["result"] = run_cardinal(params, int(panel.value("seed")),
                                            n_blocks=int(panel.value("n_blocks")),
                                            progress=True, **tuning_kw)
        panel.data["seed"] = int(panel.value("seed"))
        prerender(panel)

    def prerender(panel: Panel) -> None:
        """Every class width drawn now, so that the width slider only swaps images."""
        panel.data["views"] = {}
        for hw in widths:
            fig, text, state = draw(panel, hw)
            assert isinstance(fig, Figure)
            panel.data["views"][hw] = ((fig, fig_to_png(fig, panel.dpi)), text, state)

    def render(panel: Panel) -> Rendered:
        hw = float(panel.value("half_width"))
        views = panel.data.get("views", {})
        if hw in views:
            return views[hw]
        return draw(panel, hw)

    def draw(panel: Panel, hw: float) -> Rendered:
        r = panel.data["result"]
        view = CardinalResult(r.W0, r.naive, r.conditions, hw, r.po, r.n_exc)
        m = view.metrics()
        fig = plot_cardinal(view)
        nb = len(r.conditions["cardinal"]["block_rates"])
        fig.suptitle(f"Cardinal-biased vs uniform experience ({nb} blocks each, seed "
                     f"{panel.data['seed']}, classes ±{hw:g}°)")
        names = ("naive", "cardinal", "control")
        text = "; ".join(f"{c}: near-cardinal {m[c]['frac_near_cardinal']:.2f} vs near-oblique "
                         f"{m[c]['frac_near_oblique']:.2f} (z = {m[c]['z']:.1f})" for c in names)
        return fig, text, {"half_width": hw, "n_blocks": nb, "seed": panel.data["seed"],
                           "frac_cardinal": {c: m[c]["frac_near_cardinal"] for c in names},
                           "frac_oblique": {c: m[c]["frac_near_oblique"] for c in names},
                           "z_cardinal": m["cardinal"]["z"]}

    panel = Panel("Cardinal over-representation", controls, render, live=("half_width",),
                  on_run=run)
    if result is not None:
        panel.data["result"], panel.data["seed"] = result, int(seed)
        prerender(panel)
        return panel.render()
    return panel.run()


def sweep_panel(df: pd.DataFrame, x: str, y: str, metrics: Sequence[str] | None = None, *,
                where: Mapping[str, Any] | None = None) -> Panel:
    """Heat map of one sweep metric (mean ± s.e.m. over seeds), chosen from a menu.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`sensorynet.sweep.run_sweep` (precomputed; nothing is simulated).
    x, y : str
        Swept parameters on the axes (they can be swapped from the panel).
    metrics : list of str, optional
        Menu entries (default ``df.attrs["metrics"]``).
    where : dict, optional
        Values of further swept parameters to fix.

    Returns
    -------
    Panel
        Controls ``metric`` and ``transpose``; ``state`` holds ``metric``, ``x``, ``y``
        and ``mean`` (the grid of means, rows = y values).
    """
    from ..analysis import summarize
    from ..plotting import plot_sweep_heatmap
    metrics = list(df.attrs.get("metrics", [])) if metrics is None else list(metrics)
    if not metrics:
        raise ValueError("metrics: no metrics to show")
    for name, col in (("x", x), ("y", y)):
        check_choice(name, col, list(df.columns))
    for m in metrics:
        check_choice("metrics", m, list(df.columns))
    controls = {
        "metric": W.Dropdown(options=metrics, value=metrics[0], description="metric",
                             style=style(), layout=W.Layout(width="320px")),
        "transpose": W.Checkbox(value=False, description="swap axes", indent=False),
    }

    def render(panel: Panel) -> Rendered:
        metric = panel.value("metric")
        xx, yy = (y, x) if panel.value("transpose") else (x, y)
        fig = plot_sweep_heatmap(df, xx, yy, metric, where=where)
        s = summarize(df if where is None else df.loc[
            _match(df, where)], by=[yy, xx], metrics=[metric])
        grid = s.pivot(index=yy, columns=xx, values=f"{metric}_mean")
        text = (f"{metric}: from {grid.values.min():.3g} to {grid.values.max():.3g} over "
                f"the grid (mean over seeds; cells show mean ± s.e.m.)")
        return fig, text, {"metric": metric, "x": xx, "y": yy,
                           "mean": grid.values.tolist()}

    panel = Panel("Parameter sweep", controls, render, live=("metric", "transpose"))
    return panel.render()


def _match(df: pd.DataFrame, where: Mapping[str, Any]) -> BoolArray:
    import numpy as np
    m = np.ones(len(df), bool)
    for k, v in where.items():
        m &= np.isclose(df[k], v) if isinstance(v, float) else (df[k] == v).to_numpy()
    return m


def detection_panel(study: DetectionStudy, *, spread: list[DetectionStudy] | None = None,
                    threshold: float = 0.25) -> Panel:
    """Connection probabilities at a chosen EPSP detection threshold (notebook 08).

    A view-only slider over the thresholds swept by ``study``: it moves a marker on
    :func:`sensorynet.plotting.plot_detection` (the figure is drawn once; only the marker
    is redrawn) and prints every measure at that threshold, before and after learning.

    Parameters
    ----------
    study : DetectionStudy
        From :func:`sensorynet.experiments.detection_study`.
    spread : list of DetectionStudy, optional
        Further seeds drawn thin.
    threshold : float
        Threshold shown first, mV (one of ``study.thresholds``).

    Returns
    -------
    Panel
        Control ``threshold``; ``state`` holds ``threshold`` and, per phase
        (``"before"``, ``"after"``), the measures of ``DetectionStudy.at``.
    """
    import numpy as np

    from ..experiments import DetectionStudy
    from ..plotting import DetectionView
    if not isinstance(study, DetectionStudy):
        raise ValueError(f"study must be a DetectionStudy (from detection_study), got "
                         f"{type(study).__name__}")
    opts = [float(t) for t in study.thresholds]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not np.isclose(opts, threshold).any():
        raise ValueError(f"threshold must be one of the swept thresholds "
                         f"({opts[0]:g}..{opts[-1]:g} mV), got {threshold!r}")
    start = opts[int(np.flatnonzero(np.isclose(opts, threshold))[0])]
    controls = {"threshold": W.SelectionSlider(
        options=[(f"{t:.2f}", t) for t in opts], value=start,
        description="detection threshold (mV)", continuous_update=True, style=style(),
        layout=W.Layout(width="460px"))}
    view = DetectionView(study, spread=spread)
    dynamic, _ = view.show(start)
    live = LiveFigure(view.figure, dynamic)

    def render(panel: Panel) -> Rendered:
        t = float(panel.value("threshold"))
        _, a = view.show(t)
        b, f = a["before"], a["after"]

        def r(x: float) -> str:
            return "∞" if np.isinf(x) else "n/a" if np.isnan(x) else f"{x:.2f}"
        text = (f"Threshold {t:.2f} mV. Overall P(connected) {b['p_all']:.3f} → "
                f"{f['p_all']:.3f}; same/orthogonal ratio {r(b['same_orth_ratio'])} → "
                f"{r(f['same_orth_ratio'])}; P(bidirectional), correlated / uncorrelated "
                f"pairs: {b['p_bi_correlated']:.3f} / {b['p_bi_uncorrelated']:.3f} → "
                f"{f['p_bi_correlated']:.3f} / {f['p_bi_uncorrelated']:.3f} "
                f"(before → after learning).")
        return live, text, a

    panel = Panel("Detected connectivity at one threshold", controls, render,
                  live=("threshold",))
    return panel.render()
