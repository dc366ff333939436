"""The :class:`Panel` behind every notebook control panel (see :mod:`sensorynet.widgets`)."""
from __future__ import annotations

import base64
import html
import io
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import ipywidgets as W
from matplotlib.figure import Figure

__all__ = [
    "Panel",
    "Rendered",
    "run_button",
    "fig_to_png",
    "style",
]

#: what a panel's render function returns: the figure, the summary (HTML) and the state
Rendered: TypeAlias = tuple[Figure, str, Mapping[str, Any]]


def fig_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """PNG bytes of a matplotlib Figure (tight bounding box, nothing clipped)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


class Panel:
    """Controls, a figure and a summary, re-rendered when a control changes.

    Parameters
    ----------
    title : str
        Shown above the controls.
    controls : dict
        name → ipywidget. Value widgets listed in ``live`` re-render on change;
        ``Button`` widgets call ``on_run``.
    render : callable
        ``render(panel) -> (figure, summary_html, state_dict)``, reading
        ``panel.value(name)``.
    live : sequence of str
        Names of the controls that re-render on every (committed) change.
    on_run : callable, optional
        ``on_run(panel)``: heavy work for the ``"run"`` button; runs with progress
        output captured in ``panel.log`` and is followed by a render.
    dpi : int
        Resolution of the displayed PNG.
    """

    def __init__(self, title: str, controls: Mapping[str, W.Widget],
                 render: Callable[[Panel], Rendered], *, live: Iterable[str] = (),
                 on_run: Callable[[Panel], object] | None = None, dpi: int = 80) -> None:
        self.title = title
        self.controls = dict(controls)
        self._render_fn = render
        self._on_run = on_run
        self.dpi = dpi
        self.figure: Figure | None = None
        self.state: dict[str, Any] = {}
        self.n_renders = 0
        self.error: Exception | None = None
        self.data: dict[Any, Any] = {}          # precomputed results the views draw from
        self.summary = W.HTML()
        # natural size, never stretched by the surrounding flex box (a small figure would
        # otherwise be scaled up to the notebook width and look blurred)
        self.image = W.Image(format="png", layout=W.Layout(
            max_width="100%", width="auto", height="auto", align_self="flex-start",
            object_fit="contain"))
        self.log = W.Output()
        for name in live:
            self.controls[name].observe(self._on_change, names="value")
        if "run" in self.controls:
            self.controls["run"].on_click(self._on_click)
        header = W.HTML(f"<b>{html.escape(title)}</b>")
        box = W.HBox(list(self.controls.values()),
                     layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = W.VBox([header, box, self.summary, self.image, self.log])

    # ----------------------------------------------------------------- values
    def value(self, name: str) -> Any:
        """Current value of control ``name``."""
        return self.controls[name].value

    # ---------------------------------------------------------------- drawing
    def render(self) -> Panel:
        """Recompute the figure, summary and state from the current controls."""
        try:
            fig, summary, state = self._render_fn(self)
        except Exception as exc:     # shown in the panel, kept for tests
            self.error = exc
            self.summary.value = (f"<span style='color:#b00'>error: "
                                  f"{html.escape(f'{type(exc).__name__}: {exc}')}</span>")
            raise
        self.error = None
        self.figure = fig
        self.state = dict(state)
        self.summary.value = summary
        self.image.value = fig_to_png(fig, self.dpi)
        self.n_renders += 1
        return self

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if change["new"] != change["old"]:
            self.render()

    def run(self, capture: bool = False) -> Panel:
        """Do the heavy work of the Run button, then render.

        With ``capture`` (a click), progress bars and messages go to the panel's ``log``
        area; otherwise (a call from code) to wherever output currently goes.
        """
        button = self.controls.get("run")
        if button is not None:
            button.disabled, label = True, button.description
            button.description = "running…"
        try:
            on_run = self._on_run
            if on_run is None:
                raise TypeError(f"panel {self.title!r} has no Run action (on_run is None)")
            if capture:
                self.log.clear_output()
                with self.log:
                    on_run(self)
            else:
                on_run(self)
            self.render()
        except Exception as exc:
            self.error = exc
            self.summary.value = (f"<span style='color:#b00'>error: "
                                  f"{html.escape(f'{type(exc).__name__}: {exc}')}</span>")
            with self.log:
                traceback.print_exc()
            raise
        finally:
            if button is not None:
                button.disabled, button.description = False, label
        return self

    def _on_click(self, _button: object) -> None:
        try:
            self.run(capture=True)
        except Exception:    # already shown in the panel; a click must not crash
            pass

    # ---------------------------------------------------------------- display
    def _repr_mimebundle_(self, include: object = None, exclude: object = None,
                          **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data = dict(data)
        data["text/plain"] = f"<{self.title}: {html.unescape(_strip_tags(self.summary.value))}>"
        if self.image.value:
            data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return data

    def __repr__(self) -> str:
        return f"Panel({self.title!r}, controls={list(self.controls)}, state={self.state})"


def _strip_tags(s: str) -> str:
    import re
    return re.sub(r"<[^>]+>", "", s)


def run_button(description: str = "Run", tooltip: str = "run the simulation with these settings"
               ) -> W.Button:
    """The panels' Run button."""
    return W.Button(description=description, tooltip=tooltip, button_style="primary",
                    icon="play", layout=W.Layout(width="auto"))


def style() -> dict[str, str]:
    """The controls' style: descriptions as wide as their text."""
    return {"description_width": "initial"}


