"""Control panels of notebooks 02 and 03: selectivity and the evolving weights."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from .._cache import ResultsCache
from .._params import ModelParams
from .._results import ExperimentResult
from .._types import PlasticPathway
from .._validate import check_params
from ._base import LiveFigure, Panel, Rendered, check_int_in, run_button, style

if TYPE_CHECKING:   # imported where used: building a panel needs no experiment code
    from ..experiments import ConnectivityEvolution
    from ..plotting import BlockView

__all__ = ["selectivity_panel", "evolution_panel"]


def _slider(**kw: Any) -> dict[str, Any]:
    return dict(continuous_update=False, style=style(), layout=W.Layout(width="300px"), **kw)


def selectivity_panel(published: ExperimentResult | None = None, *,
                      params: ModelParams | None = None, seed: int = 0,
                      n_blocks: int | None = None, neuron: int = 123,
                      cache: ResultsCache | None = None,
                      tuning_kw: Mapping[str, Any] | None = None, max_blocks: int = 80
                      ) -> Panel:
    """Tuning curve of any neuron before and after learning; re-learn on demand.

    The neuron picker re-draws from the precomputed tuning curves. *Run* learns a
    network with the chosen number of blocks and seed through the results cache
    (:func:`sensorynet.experiments.load_published`, progress bar in the panel) and
    measures its tuning (:func:`sensorynet.experiments.selectivity_analysis`).

    Parameters
    ----------
    published : ExperimentResult, optional
        A learned network to start from (otherwise one is loaded/computed).
    params : ModelParams, optional
        Parameters of runs started from the panel (default ``published.params``).
    seed, n_blocks : int
        Initial values of the seed and block controls (default: those of
        ``published``; 40 blocks).
    neuron : int
        Neuron shown first.
    cache : ResultsCache, optional
    tuning_kw : dict, optional
        Extra arguments of ``selectivity_analysis`` (``thetas``, ``duration_ms``).
    max_blocks : int
        Upper end of the block slider.

    Returns
    -------
    Panel
        Controls ``neuron``, ``n_blocks``, ``seed``, ``run``; ``state`` holds
        ``neuron``, ``osi_before``, ``osi_after`` (that neuron), ``osi_E_before``,
        ``osi_E_after`` (E population means), ``n_blocks``, ``seed``.
    """
    from ..experiments import load_published, selectivity_analysis
    from ..plotting import TuningView
    tuning_kw = dict(tuning_kw or {})
    if published is not None:
        params = published.params if params is None else params
        seed, n_blocks = published.seed, published.n_blocks
    params = check_params(params)
    N = params.network.N
    max_blocks = check_int_in("max_blocks", max_blocks, 1, 10_000)
    n_blocks = check_int_in("n_blocks", params.protocol.n_blocks if n_blocks is None
                            else n_blocks, 0, max_blocks)
    neuron = check_int_in("neuron", neuron, 0, N - 1)
    seed = check_int_in("seed", seed, 0, 2**31 - 1)
    controls = {
        "neuron": W.IntSlider(value=neuron, min=0, max=N - 1, description="neuron",
                              **_slider()),
        "n_blocks": W.IntSlider(value=n_blocks, min=0, max=max_blocks,
                                description="learning blocks", **_slider()),
        "seed": W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                 style=style(), layout=W.Layout(width="140px")),
        "run": run_button("Learn & measure tuning"),
    }

    def learn(panel: Panel) -> None:
        pub = load_published(params, int(panel.value("seed")), int(panel.value("n_blocks")),
                             cache=cache, progress=True)
        panel.data["published"] = pub
        panel.data["sel"] = selectivity_analysis(pub, **tuning_kw)

    def render(panel: Panel) -> Rendered:
        sel, pub = panel.data["sel"], panel.data["published"]
        n = int(panel.value("neuron"))
        if panel.data.get("view_of") is not sel:       # a new learned network: new view
            view = TuningView(sel)
            dynamic, _ = view.show(n)
            panel.data["view"] = (view, LiveFigure(view.figure, dynamic))
            panel.data["view_of"] = sel
        view, fig = panel.data["view"]
        _, full = view.show(n)
        if full:
            fig.invalidate()
        ob, oa = float(sel.before.osi[n]), float(sel.after.osi[n])
        pb = sel.before.population_mean(sel.before.osi)
        pa = sel.after.population_mean(sel.after.osi)
        pop = "E" if n < sel.n_exc else "I"
        text = (f"Learned network: seed {pub.seed}, {pub.n_blocks} blocks. "
                f"Neuron {n} ({pop}): OSI {ob:.2f} → {oa:.2f}. Mean OSI, E: "
                f"{pb['E']:.3f} → {pa['E']:.3f}; I: {pb['I']:.3f} → {pa['I']:.3f}.")
        state = {"neuron": n, "osi_before": ob, "osi_after": oa, "osi_E_before": pb["E"],
                 "osi_E_after": pa["E"], "n_blocks": pub.n_blocks, "seed": pub.seed}
        return fig, text, state

    panel = Panel("Tuning before and after learning", controls, render, live=("neuron",),
                  on_run=learn)
    if published is not None:
        panel.data["published"] = published
        panel.data["sel"] = selectivity_analysis(published, **tuning_kw)
        return panel.render()
    return panel.run()


def evolution_panel(published: ExperimentResult,
                    evolution: ConnectivityEvolution | None = None, *, block: int | None = None,
                    pathway: PlasticPathway = "EE",
                    tuning: Any = None) -> Panel:
    """Scrub the weights and the tuning block by block (precomputed, no simulation).

    The figure is built once per pathway and then updated in place
    (:class:`~sensorynet.widgets.LiveFigure`): moving the slider redraws only the
    changed artists.

    Parameters
    ----------
    published : ExperimentResult
        With per-block snapshots (``W_blocks``).
    evolution : ConnectivityEvolution, optional
        :func:`sensorynet.experiments.connectivity_evolution` of ``published`` (computed
        if not given).
    block : int, optional
        Blocks completed shown first (default: all).
    pathway : {"EE", "EI", "IE"}
    tuning : TuningEvolution, optional
        :func:`sensorynet.experiments.tuning_evolution` of ``published`` (computed if
        not given: tuning every 5 blocks, about 1 s).

    Returns
    -------
    Panel
        Controls ``blocks_done`` (0 = initial W0 … n_blocks; ``play`` animates it in
        the browser) and ``pathway``;
        ``state`` holds ``blocks_done``, ``pathway``, ``mean_weight`` (mean weight of
        the pathway's initial synapses, mV), ``spec_EE`` (mean E→E weight per
        |ΔPO| bin, mV), ``osi_E``, ``osi_I`` (mean OSI at ``tuning_blocks_done``, the
        last tuning measurement at or before the block shown).
    """
    from ..experiments import connectivity_evolution, tuning_evolution
    from ..plotting import BlockView
    if published.W_blocks is None:
        raise ValueError("published has no per-block weight snapshots (W_blocks is None)")
    n = published.n_blocks
    if pathway not in ("EE", "EI", "IE"):
        raise ValueError(f"pathway must be 'EE', 'EI' or 'IE', got {pathway!r}")
    if block is not None and (isinstance(block, bool) or not isinstance(block, int)
                              or not 0 <= block <= n):
        raise ValueError(f"block must be an integer in 0..{n} (learning blocks completed), "
                         f"got {block!r}")
    evo = connectivity_evolution(published) if evolution is None else evolution
    te = tuning_evolution(published) if tuning is None else tuning
    start = n if block is None else int(block)
    controls = {
        "blocks_done": W.IntSlider(value=start, min=0, max=n,
                                   description="learning blocks completed",
                                   continuous_update=True, style=style(),
                                   layout=W.Layout(width="420px")),
        "play": W.Play(value=start, min=0, max=n, step=1,
                       interval=400, description="animate", show_repeat=False),
        "pathway": W.ToggleButtons(options=[("E→E", "EE"), ("E→I", "EI"), ("I→E", "IE")],
                                   value=pathway, description="pathway",
                                   style={**style(), "button_width": "auto"}),
    }
    views: dict[str, tuple[BlockView, LiveFigure]] = {}

    def view(pw: str) -> tuple[BlockView, LiveFigure]:
        if pw not in views:
            v = BlockView(published, evo, te, pw)
            dynamic, _ = v.show(start)
            views[pw] = (v, LiveFigure(v.figure, dynamic))
        return views[pw]

    def render(panel: Panel) -> Rendered:
        b = int(panel.value("blocks_done"))
        pw = panel.value("pathway")
        v, live = view(pw)
        _, info = v.show(b)
        spec = info["spec_EE"]
        text = (f"After {b} of {n} blocks: mean {pw[0]}→{pw[1]} weight "
                f"{info['mean_weight']:.3f} mV; E→E specificity (mean weight by |ΔPO| "
                f"0–30/30–60/60–90°): " + "/".join(f"{x:.3f}" for x in spec) + " mV; mean "
                f"OSI E {info['osi_E']:.3f}, I {info['osi_I']:.3f} (tuning after "
                f"{info['tuning_blocks_done']} blocks).")
        return live, text, {"blocks_done": b, "pathway": pw, **info}

    for pw in ("EE", "EI", "IE"):        # every pathway's figure drawn now, not on a click
        view(pw)[1].png()
    # the Play button drives the slider in the browser (the slider then re-renders)
    W.jslink((controls["play"], "value"), (controls["blocks_done"], "value"))
    panel = Panel("Weights and tuning, block by block", controls, render,
                  live=("blocks_done", "pathway"))
    return panel.render()
