"""Control panel of notebook 01: the naive network and its balanced state."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .._params import ModelParams
from .._validate import check_params
from ._base import LiveFigure, Panel, Rendered, check_int_in, style

__all__ = ["network_panel"]


def network_panel(params: ModelParams | None = None, seed: int = 0, neuron: int = 200,
                  window_ms: tuple[float, float] = (0, 400)) -> Panel:
    """Inhibition, input modulation and seed of the naive network; a neuron picker.

    Changing ``g``, ``m_E`` or ``seed`` (committed on release) re-runs the 2 s test of
    the naive network (:func:`sensorynet.experiments.balanced_state`, ≈ 0.5 s,
    membrane potential of every neuron recorded); the neuron picker only moves the
    lines of a figure drawn once (:class:`~sensorynet.plotting.VoltageView`).

    Parameters
    ----------
    params : ModelParams, optional
        Starting parameters (default: published).
    seed : int
    neuron : int
        Neuron shown first.
    window_ms : (float, float)
        Time window of the voltage trace, ms.

    Returns
    -------
    Panel
        Controls ``g`` (inhibition dominance), ``m_E`` (modulation of the E input;
        m_I = m_E/10 as in the model), ``seed``, ``neuron``. ``state`` holds the
        settings and ``rate_E``, ``rate_I`` (Hz), ``cv_E``, ``net_over_exc``,
        ``neuron_rate`` (Hz).
    """
    from ..experiments import balanced_state
    from ..plotting import VoltageView
    p0 = check_params(params)
    N = p0.network.N
    seed = check_int_in("seed", seed, 0, 2**31 - 1)
    neuron = check_int_in("neuron", neuron, 0, N - 1)
    import numbers
    if (not isinstance(window_ms, (tuple, list)) or len(window_ms) != 2
            or not all(isinstance(x, numbers.Real) and not isinstance(x, bool)
                       for x in window_ms) or not 0 <= window_ms[0] < window_ms[1]):
        raise ValueError(f"window_ms must be (start, stop) in ms with 0 <= start < stop, "
                         f"got {window_ms!r}")
    for name, v, lo, hi in (("g", p0.network.g, 3.0, 12.0), ("m_E", p0.input.m_E, 0.0, 0.5)):
        if not lo <= v <= hi:
            raise ValueError(f"params' {name} = {v} is outside the panel's range "
                             f"[{lo}, {hi}]")
    slider = {"continuous_update": False, "style": style(),
              "layout": W.Layout(width="290px")}
    controls = {
        "g": W.FloatSlider(value=p0.network.g, min=3.0, max=12.0, step=0.5,
                           description="inhibition g", readout_format=".1f", **slider),
        "m_E": W.FloatSlider(value=p0.input.m_E, min=0.0, max=0.5, step=0.05,
                             description="input modulation m_E", readout_format=".2f",
                             **slider),
        "seed": W.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed",
                                 style=style(), layout=W.Layout(width="140px")),
        "neuron": W.IntSlider(value=neuron, min=0, max=N - 1, description="neuron",
                              **slider),
    }

    def settings(panel: Panel) -> tuple[ModelParams, int]:
        g, m = panel.value("g"), panel.value("m_E")
        p = p0.replace(**{"network.g": float(g), "input.m_E": float(m),
                          "input.m_I": float(m) / 10})
        return p, int(panel.value("seed"))

    def render(panel: Panel) -> Rendered:
        p, s = settings(panel)
        key = (p, s)
        if panel.data.get("key") != key:
            st = balanced_state(p, s, record=np.arange(N))
            view = VoltageView(st, window_ms)
            dynamic, _ = view.show(int(panel.value("neuron")))
            panel.data.update(state=st, key=key, summary=st.summary(),
                              view=(view, LiveFigure(view.figure, dynamic)))
        st, summ = panel.data["state"], panel.data["summary"]
        n = int(panel.value("neuron"))
        view, fig = panel.data["view"]
        view.show(n)            # the neuron picker moves lines only (LiveFigure)
        rate_n = float(st.coupled.rates()[n])
        ratio = summ["input"]["net_over_exc"]
        text = (f"g = {p.network.g:g}, m_E = {p.input.m_E:g}, seed {s}: "
                f"E {summ['coupled']['rate']['E']:.2f} Hz, I {summ['coupled']['rate']['I']:.2f} Hz"
                f" (alone: {summ['uncoupled']['rate']['E']:.1f} Hz); ISI CV (E) "
                f"{summ['coupled']['cv']['E']:.2f}; net input = {100 * ratio:.0f}% of "
                f"excitation. Neuron {n}: {rate_n:.1f} Hz.")
        state = {"g": p.network.g, "m_E": p.input.m_E, "seed": s, "neuron": n,
                 "rate_E": summ["coupled"]["rate"]["E"], "rate_I": summ["coupled"]["rate"]["I"],
                 "cv_E": summ["coupled"]["cv"]["E"], "net_over_exc": ratio,
                 "neuron_rate": rate_n}
        return fig, text, state

    panel = Panel("The naive network: balance, irregularity and one neuron's voltage",
                  controls, render, live=("g", "m_E", "seed", "neuron"),
                  compute=("g", "m_E", "seed"))
    return panel.render()
