"""Control panel of notebook 07 ("Does it scale?") and the figures of the scale study.

The study (tools/scale_study.py, docs/scaling.md) ran the published protocol at
N = 500 ... 10 000 under every scaling rule of :func:`sensorynet.scaled_model`;
its results are committed as ``docs/scale_study/results.json``. The panel only draws
from those precomputed results: a dropdown picks the rule, a slider the network size.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterable
from typing import Any, Literal

import ipywidgets as W
import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from .._types import FloatArray, PathArg, ScalingRule
from ._base import LiveFigure, Panel, Rendered, style

__all__ = ["scale_panel", "load_scale_study", "plot_scale_study", "STUDY_PATH"]

#: the committed results of tools/scale_study.py
STUDY_PATH = pathlib.Path(__file__).resolve().parents[2] / "docs" / "scale_study" / "results.json"


def load_scale_study(path: PathArg | None = None) -> dict[str, Any]:
    """The scale study's results (``docs/scale_study/results.json``) as a dict."""
    data: dict[str, Any] = json.loads(pathlib.Path(path or STUDY_PATH).read_text())
    return data


_RULE_STYLE = {"expected_indegree": ("C0", "o"), "fixed_indegree": ("C1", "s"),
               "fixed_probability": ("C2", "^"), "balanced": ("C3", "D")}


def _by_rule(points: Iterable[dict[str, Any]]) -> dict[str, dict[int, list[dict[str, Any]]]]:
    out: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for p in points:
        out.setdefault(p["rule"], {}).setdefault(p["N"], []).append(p)
    return out


def plot_scale_study(data: dict[str, Any],
                     kind: Literal["contrast", "rates", "learning"] = "contrast", *,
                     rule: ScalingRule | None = None, N: int | None = None) -> Figure:
    """Figures of the scale study (docs/scaling.md, tools/scale_study.py).

    Parameters
    ----------
    data : dict
        The study's ``results.json`` (``points`` with per-block metrics).
    kind : {"contrast", "rates", "learning"}
        ``"contrast"``: E→E contrast after 40 blocks (relative to N = 500) and blocks
        needed to reach it, against N; ``"rates"``: E/I rates before/after and the
        mean E→I / I→E weights (units of J) against N; ``"learning"``: per-block
        contrast and E rate of every size under ``rule`` (all rules when None),
        highlighting ``N``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if kind not in ("contrast", "rates", "learning"):
        raise ValueError(f"kind must be 'contrast', 'rates' or 'learning', got {kind!r}")
    ref = data["reference_contrast_J"]
    groups = _by_rule(data["points"])
    rules = [r for r in data.get("rules", groups) if r in groups]
    if kind == "learning":
        rules = rules if rule is None else [rule]
        fig = Figure(figsize=(11, 3.6 * len(rules)), layout="constrained")
        axes = np.atleast_2d(fig.subplots(len(rules), 2, squeeze=False))
        for row, r in zip(axes, rules, strict=True):
            sizes = sorted(groups[r])
            cmap = colormaps["viridis"](np.linspace(0, 0.9, len(sizes)))
            for c, n in zip(cmap, sizes, strict=True):
                p = groups[r][n][0]
                pb = p["per_block"]
                lw = 2.5 if N == n else 1.2
                row[0].plot(np.arange(len(pb["contrast"])),
                            np.array(pb["contrast"]) / p["J"] / ref,
                            color=c, lw=lw, label=f"N={n:,}")
                row[1].plot(np.arange(1, len(pb["rate_E"]) + 1), pb["rate_E"],
                            color=c, lw=lw)
            row[0].axhline(1.0, color="k", lw=0.8, ls="--")
            row[0].axvline(data["published_blocks"], color="0.6", lw=0.8, ls=":")
            row[0].set_ylabel("E→E contrast / N=500's")
            row[0].set_title(f"{r}: specificity per block (seed {groups[r][sizes[0]][0]['seed']})")
            row[1].set_ylabel("mean E rate (Hz)")
            row[1].set_ylim(bottom=0)
            row[1].set_title(f"{r}: E rate per learning block")
            row[0].legend(fontsize=7, frameon=False, ncols=2)
            for a in row:
                a.set_xlabel("learning block")
        return fig
    fig = Figure(figsize=(11, 4), layout="constrained")
    ax, ax2 = fig.subplots(1, 2)
    for r in rules:
        col, mk = _RULE_STYLE.get(r, ("k", "o"))
        sizes = sorted(groups[r])
        def stat(f: Callable[[dict[str, Any]], float], r: str = r,
                 sizes: list[int] = sizes) -> FloatArray:
            return np.array([np.mean([f(p) for p in groups[r][n]]) for n in sizes])
        if kind == "contrast":
            ax.plot(sizes, stat(lambda p: p["contrast40_J"] / ref), mk + "-", color=col,
                    label=r)
            bt = stat(lambda p: np.nan if p["blocks_to_target"] is None
                      else p["blocks_to_target"])
            ax2.plot(sizes, bt, mk + "-", color=col, label=r)
            cap = [n for n, v in zip(sizes, bt, strict=True) if np.isnan(v)]
            if cap:
                ax2.plot(cap, [max(p["blocks_run"] for p in groups[r][n]) for n in cap],
                         mk, mfc="none", color=col, ms=10)
        else:
            ax.plot(sizes, stat(lambda p: p["rate_E_before"]), mk + "-", color=col,
                    label=f"{r}, E before")
            ax.plot(sizes, stat(lambda p: p["rate_E_after"] or np.nan), mk + "--",
                    color=col, mfc="none", label=f"{r}, E after")
            ax2.plot(sizes, stat(lambda p: p["mean_EI40_J"]), mk + "-", color=col,
                     label=f"{r}, E→I")
            ax2.plot(sizes, stat(lambda p: p["mean_IE40_J"]), mk + "--", color=col,
                     mfc="none", label=f"{r}, I→E")
    for a in (ax, ax2):
        a.set_xscale("log")
        a.set_xlabel("N (neurons)")
    if kind == "contrast":
        ax.axhline(1.0, color="k", lw=0.8, ls="--")
        ax.set_ylabel("E→E contrast after 40 blocks / N=500's")
        ax.set_title("Specificity (0–30° minus 60–90°, per existing synapse, units of J)")
        ax2.set_ylabel("blocks to reach N=500's contrast")
        ax2.set_title("Learning speed (open: not reached by the last block run)")
        ax.legend(fontsize=8, frameon=False)
    else:
        ax.set_ylabel("mean E rate in the π/2 test (Hz)")
        ax.set_title("E rates before (filled) and after 40 blocks (open)")
        ax2.set_ylabel("mean weight after 40 blocks (units of J)")
        ax2.axhline(0, color="0.5", lw=0.6)
        ax2.set_title("Mean E→I (filled) and I→E (open) weights")
        ax.legend(fontsize=7, frameon=False, ncols=2)
    fig.suptitle("Scale study: published protocol under each scaling rule")
    return fig


def _point(data: dict[str, Any], rule: str, N: int) -> list[dict[str, Any]]:
    pts = [p for p in data["points"] if p["rule"] == rule and p["N"] == N]
    if not pts:
        raise ValueError(f"the study has no run for rule {rule!r} at N={N}")
    return pts


def scale_panel(data: dict[str, Any] | None = None, rule: ScalingRule | None = None,
                N: int | None = None) -> Panel:
    """Pick a scaling rule (dropdown) and a network size (slider) of the scale study.

    Parameters
    ----------
    data : dict, optional
        Results of the study (default :func:`load_scale_study`).
    rule : str, optional
        Rule shown first (default: the package's default rule).
    N : int, optional
        Size shown first (default: the largest run).

    Returns
    -------
    Panel
        Controls ``rule`` and ``N`` (a slider over the sizes run); the figure is the
        per-block learning of every size under the rule, the chosen size in bold.
        ``state`` holds ``rule``, ``N``, ``contrast40_rel`` (E→E contrast after 40
        blocks relative to N = 500), ``blocks_to_target`` (None: not reached),
        ``rate_E_before``, ``rate_E_after`` (Hz), ``rates_stable``.
    """
    from .._scaling import DEFAULT_SCALING
    data = load_scale_study() if data is None else data
    rules = [r for r in data["rules"] if any(p["rule"] == r for p in data["points"])]
    rule = rule or (DEFAULT_SCALING if DEFAULT_SCALING in rules else rules[0])
    if rule not in rules:
        raise ValueError(f"rule must be one of {rules}, got {rule!r}")
    sizes = sorted({p["N"] for p in data["points"]})
    N = N or max(p["N"] for p in data["points"] if p["rule"] == rule)
    if N not in sizes:
        raise ValueError(f"N must be one of the study's sizes {sizes}, got {N!r}")
    controls = {
        "rule": W.Dropdown(options=rules, value=rule, description="scaling rule",
                           style=style()),
        "N": W.SelectionSlider(options=sizes, value=N, description="neurons N",
                               continuous_update=False, style=style(),
                               layout=W.Layout(width="360px")),
    }
    ref = data["reference_contrast_J"]

    figures: dict[str, tuple[LiveFigure, Figure]] = {}

    def figure(r: str) -> tuple[LiveFigure, Figure]:
        """One figure per rule, drawn once; a size change only re-weights its lines."""
        if r not in figures:
            fig = plot_scale_study(data, "learning", rule=r,  # type: ignore[arg-type]
                                   N=None)
            lines = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label() != ""]
            figures[r] = (LiveFigure(fig, lines), fig)
        return figures[r]

    def render_for(panel: Panel, r: str, n: int, highlight: bool | None = True) -> Rendered:
        live, fig = figure(r)
        sizes_r = sorted({p["N"] for p in data["points"] if p["rule"] == r})
        for ax in fig.axes:
            curves = [ln for ln in ax.get_lines() if np.size(ln.get_xdata()) > 2]
            for ln, size in zip(curves, sizes_r, strict=False):
                ln.set_linewidth(2.8 if (highlight and size == n) else 1.0)
        if highlight is None:
            return live, "", {}
        pts = _point(data, r, n)
        mean = lambda k: float(np.mean([p[k] for p in pts]))  # noqa: E731
        reach = [p["blocks_to_target"] for p in pts]
        state = {"rule": r, "N": n, "seeds": len(pts),
                 "contrast40_rel": mean("contrast40_J") / ref,
                 "blocks_to_target": None if None in reach else float(np.mean(reach)),
                 "rate_E_before": mean("rate_E_before"),
                 "rate_E_after": mean("rate_E_after"),
                 "rates_stable": all(p["rates_stable"] for p in pts)}
        bt = state["blocks_to_target"]
        text = (f"<b>{r}</b>, N = {n:,} ({len(pts)} seed{'s' * (len(pts) > 1)}): E→E "
                f"contrast after 40 blocks = {state['contrast40_rel']:.2f} × N=500's; "
                + ("the reference size (its seed mean defines the target); " if n == 500
                   else f"N=500's contrast reached after {bt:.0f} blocks; " if bt is not None
                   else f"not reached within {max(p['blocks_run'] for p in pts)} blocks; ")
                + f"E rate {state['rate_E_before']:.1f} → {state['rate_E_after']:.1f} Hz"
                + ("" if state["rates_stable"] else " (rates not stable)"))
        return live, text, state

    # the size slider offers every size of the study, so changing the rule never moves
    # it; a size that rule was not run at says so in the summary
    def render_or_missing(panel: Panel) -> Rendered:
        r, n = panel.value("rule"), int(panel.value("N"))
        if not any(p["rule"] == r and p["N"] == n for p in data["points"]):
            run = sorted({p["N"] for p in data["points"] if p["rule"] == r})
            text = (f"<b>{r}</b> was not run at N = {n:,} (sizes run: "
                    + ", ".join(f"{x:,}" for x in run) + "); the figure shows them all.")
            fig, _, _ = render_for(panel, r, run[-1], highlight=None)
            return fig, text, {"rule": r, "N": n, "seeds": 0}
        return render_for(panel, r, n)

    for r in rules:              # every rule's figure drawn now, not on the first change
        figure(r)[0].png()
    panel = Panel("Does it scale? (precomputed scale study)", controls, render_or_missing,
                  live=("rule", "N"))
    return panel.render()
