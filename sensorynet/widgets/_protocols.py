"""A panel for every registered protocol: pick one, run it on the learned network, look
at its figures and its checks.

The choices are read from :data:`sensorynet.experiments.PROTOCOLS` when the panel is
built, so a protocol registered by a user's module (``register_protocol``) appears here
as it appears in ``sensorynet reproduce --experiments``, with no widget code of its own.
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from .._results import ExperimentResult
from ._base import Panel, Rendered, check_choice, run_button, style

__all__ = ["protocol_panel"]

_VERDICT = {True: "✓", False: "✗", None: "not evaluated"}


def _checks_html(claims: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(c.get('kind', 'claim')))}</td>"
        f"<td>{html.escape(str(c['claim']))}</td>"
        f"<td>{_VERDICT.get(c['holds'], html.escape(str(c['holds'])))}</td></tr>"
        for c in claims)
    return ("<table><tr><th>kind</th><th>check</th><th>holds</th></tr>" + rows + "</table>"
            if claims else "<i>this protocol makes no checks</i>")


def protocol_panel(published: ExperimentResult, *, protocol: str | None = None) -> Panel:
    """Run any registered protocol on the learned network and show its figures.

    Parameters
    ----------
    published : ExperimentResult
        The learned published run (e.g. :func:`sensorynet.experiments.load_published`);
        every protocol but ``"published"`` starts from it, with its parameters, seed and
        number of learning blocks.
    protocol : str, optional
        The protocol selected at first (default: the first registered one after
        ``"published"``). Nothing runs until *Run* is pressed.

    Returns
    -------
    Panel
        Controls ``protocol`` (the registered protocols, in registration order),
        ``figure`` (the figures of the protocol that ran; a view) and ``run``; ``state``
        holds ``protocol``, ``figure``, ``figures`` (stems) and ``checks`` (``{key or
        claim: holds}``).

    Raises
    ------
    TypeError
        If ``published`` is not an ExperimentResult.
    ValueError
        For a ``protocol`` that is not registered, or when no protocol besides
        ``"published"`` is registered.
    """
    from ..experiments import PROTOCOLS, RunContext
    if not isinstance(published, ExperimentResult):
        raise TypeError(f"published must be an ExperimentResult (the learned run), got "
                        f"{type(published).__name__}")
    names = [n for n in PROTOCOLS if n != "published"]
    if not names:
        raise ValueError("no protocol besides 'published' is registered")
    protocol = check_choice("protocol", names[0] if protocol is None else protocol, names)
    controls = {
        "protocol": W.Dropdown(
            options=[(f"{n}: {PROTOCOLS[n].description}" if PROTOCOLS[n].description
                      else n, n) for n in names],
            value=protocol, description="protocol", style=style(),
            layout=W.Layout(width="420px")),
        "figure": W.Dropdown(options=[("(press Run)", "")], value="", description="figure",
                             style=style(), layout=W.Layout(width="300px")),
        "run": run_button("Run protocol", "run the selected protocol on the learned network"),
    }
    #: protocol name -> (Protocol, result, {figure stem: Figure}), figures drawn once
    memo: dict[str, tuple[Any, Any, dict[str, Any]]] = {}

    def run(panel: Panel) -> None:
        name = panel.value("protocol")
        if name not in memo:
            proto = PROTOCOLS[name]
            ctx = RunContext(published.params, published.seed, published.n_blocks,
                             progress=True, published=published)
            memo[name] = (proto, proto.run(ctx), {})
        panel.data["shown"] = name
        proto, result, _ = memo[name]
        stems = list(proto.figure_makers(result))
        # new options select the first figure (a change the panel renders; cheap: the
        # figures are drawn once and kept)
        panel.controls["figure"].options = [(s, s) for s in stems] or [("(no figures)", "")]

    def render(panel: Panel) -> Rendered:
        name = panel.data["shown"]
        proto, result, drawn = memo[name]
        makers = proto.figure_makers(result)
        stem = panel.value("figure")
        if stem and stem not in drawn:
            drawn[stem] = makers[stem]()
        if stem:
            fig = drawn[stem]
        else:
            from matplotlib.figure import Figure
            fig = Figure(figsize=(4, 1))
            fig.text(0.5, 0.5, f"{name}: no figures", ha="center", va="center")
        claims = list(result.claims())
        held = sum(c["holds"] is True for c in claims)
        text = (f"<b>{html.escape(name)}</b>: {held} of {len(claims)} checks hold"
                + _checks_html(claims))
        return fig, text, {"protocol": name, "figure": stem, "figures": list(makers),
                           "checks": {c.get("key") or c["claim"]: c["holds"]
                                      for c in claims}}

    panel = Panel("Any registered protocol on the learned network", controls, render,
                  live=("figure",), on_run=run)
    panel.data["shown"] = None
    # nothing to show before the first Run: a one-line prompt instead of a figure
    panel.summary.value = "Choose a protocol and press <i>Run protocol</i>."
    return panel
