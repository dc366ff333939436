"""A protocol of your own, registered once and run by ``sensorynet reproduce``.

This module adds the protocol ``contrast``: how the naive and the learned network
respond to a grating at several contrasts (the modulation depth ``m_E`` of the E
neurons' input, docs/model.md §2). It uses only the public API. Run it with::

    sensorynet reproduce --import examples/custom_protocol.py \\
        --experiments published,contrast --out results

``--import`` imports this file before the experiments are read (in every worker process
too), so ``contrast`` is a valid name; ``reproduce`` then runs it after the published
protocol, stores its metrics under ``"contrast"`` in ``metrics.json``, lists its checks in
``report.md`` and draws its figure ``contrast_response.png``.

A protocol is three things: a ``run`` function of a :class:`~sensorynet.experiments.RunContext`
returning a result with ``metrics()`` and ``claims()``, the figures drawn from that
result, and one :func:`~sensorynet.experiments.register_protocol` call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

import sensorynet as sn
from sensorynet.experiments import (
    PROTOCOLS,
    FigureSpec,
    Protocol,
    RunContext,
    register_protocol,
)

#: modulation depths of the E input tested (the published value is 0.2)
CONTRASTS = (0.0, 0.1, 0.2, 0.4)
#: orientation of the grating, rad
THETA = np.pi / 2


@dataclass
class ContrastResult:
    """Mean E and I rates (Hz) of the naive (``W0``) and learned (``W``) network at each
    contrast, same input realisation for both."""

    contrasts: tuple[float, ...]
    rates: dict[str, np.ndarray]        # "before"/"after" -> (n_contrasts, 2): E, I

    def metrics(self) -> dict:
        return {"contrasts": list(self.contrasts),
                **{f"rate_{pop}_{phase}": [float(v) for v in self.rates[phase][:, j]]
                   for phase in ("before", "after") for j, pop in enumerate("EI")}}

    def claims(self) -> list[dict]:
        """A finding of this example (the paper makes no prediction): learning lowers
        the E rate at the published contrast, as it does at the π/2 test."""
        k = self.contrasts.index(0.2)
        before, after = self.rates["before"][k, 0], self.rates["after"][k, 0]
        return [{"claim": "Example: the learned network fires less than the naive one "
                          "at the published contrast (m_E = 0.2)",
                 "measured": f"E {before:.2f} → {after:.2f} Hz",
                 "expected": "after < before", "holds": bool(after < before),
                 "kind": "finding"}]


def run_contrast(ctx: RunContext) -> ContrastResult:
    """The protocol's run: one 2-s grating per contrast through W0 and the learned W."""
    pub = ctx.learned()
    params = pub.params
    rates = {}
    for phase, W in (("before", pub.W0), ("after", pub.W)):
        rows = []
        for m in CONTRASTS:
            inp_params = params.input.replace(m_E=m)
            inputs = sn.stimulus_input([THETA], 2000, pub.po, pub.n_exc, seed=ctx.seed,
                                       input_params=inp_params, dt=params.network.dt)
            out = sn.simulate(W, inputs, plastic=False, params=params)
            r = out.population_rates()
            rows.append((r["E"], r["I"]))
        rates[phase] = np.array(rows)
    return ContrastResult(CONTRASTS, rates)


def plot_contrast(result: ContrastResult) -> Figure:
    """E and I rates against contrast, before and after learning."""
    fig = Figure(figsize=(5.5, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for phase, style in (("before", "--"), ("after", "-")):
        for j, (pop, color) in enumerate((("E", "tab:red"), ("I", "tab:blue"))):
            ax.plot(result.contrasts, result.rates[phase][:, j], style, marker="o",
                    color=color, label=f"{pop}, {phase} learning")
    ax.set(xlabel="contrast: modulation depth $m_E$ of the E input",
           ylabel="mean rate (Hz)", title="Response to a π/2 grating")
    ax.legend(fontsize=8)
    return fig


if "contrast" not in PROTOCOLS:      # importing the module twice registers it once
    register_protocol(Protocol(
        "contrast", run_contrast,
        figures=(FigureSpec("contrast_response", plot_contrast),),
        cost_s=0.2,
        description="example: rates of the naive and learned network against contrast"))
