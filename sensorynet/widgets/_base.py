"""The :class:`Panel` behind every notebook control panel (see :mod:`sensorynet.widgets`)."""
from __future__ import annotations

import base64
import html
import io
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

import ipywidgets as W
from matplotlib.figure import Figure

from ._live import LiveFigure

__all__ = [
    "Panel",
    "Rendered",
    "LiveFigure",
    "check_choice",
    "check_int_in",
    "check_real_in",
    "run_button",
    "fig_to_png",
    "style",
]

#: what a panel's render function returns: the figure (a Figure drawn whole, a LiveFigure
#: updated in place, or a Figure with its PNG rendered ahead of time), the summary (HTML)
#: and the state
Rendered: TypeAlias = tuple[Figure | LiveFigure | tuple[Figure, bytes], str, Mapping[str, Any]]


def fig_to_png(fig: Figure, dpi: int = 80) -> bytes:
    """PNG bytes of a matplotlib Figure.

    A figure with a layout engine (every figure of :mod:`sensorynet.plotting` uses the
    constrained layout, which keeps everything inside the figure) is drawn once on an
    Agg canvas and encoded directly; others are saved with a tight bounding box (which
    costs a second draw) so that nothing is clipped.
    """
    if fig.get_layout_engine() is None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ._live import _encode_png
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return _encode_png(np.asarray(canvas.buffer_rgba()))


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
        ``panel.value(name)``. ``figure`` is a matplotlib Figure (rendered whole) or a
        :class:`LiveFigure` that the render function updated in place (only its
        dynamic artists are redrawn: view-only controls redraw in a fraction of the
        time), or a ``(figure, png_bytes)`` pair rendered ahead of time (a view that
        scrubs a few precomputed settings).
    live : sequence of str
        Names of the controls that re-render on every (committed) change.
    on_run : callable, optional
        ``on_run(panel)``: heavy work for the ``"run"`` button; runs with progress
        output captured in ``panel.log`` and is followed by a render.
    dpi : int
        Resolution of the displayed PNG (of whole-figure renders; a LiveFigure has its
        own).
    compute : sequence of str
        Names of ``live`` controls whose change recomputes (a simulation): while it
        runs, the panel shows its busy state (controls disabled, figure greyed,
        "computing…").

    Attributes
    ----------
    render_seconds : list of float
        Wall time of every render (the control change to the new PNG), for the
        notebooks' latency report; never asserted on in tests.
    busy : bool
        Whether the panel is computing.
    """

    def __init__(self, title: str, controls: Mapping[str, W.Widget],
                 render: Callable[[Panel], Rendered], *, live: Iterable[str] = (),
                 on_run: Callable[[Panel], object] | None = None, dpi: int = 80,
                 compute: Iterable[str] = ()) -> None:
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
        self.render_seconds: list[float] = []
        self.busy = False
        self.compute = tuple(compute)
        live = tuple(live)
        unknown = [c for c in self.compute if c not in live]
        if unknown:
            raise ValueError(f"compute names controls that are not live: {unknown}")
        self.summary = W.HTML()
        self.status = W.HTML("", layout=W.Layout(min_height="1.5em"))
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
        header = W.HTML(_STYLE + f"<b>{html.escape(title)}</b>")
        box = W.HBox(list(self.controls.values()),
                     layout=W.Layout(flex_flow="row wrap", align_items="center",
                                     width="100%", overflow="hidden"))
        self.widget = W.VBox([header, box, self.status, self.summary, self.image, self.log],
                             layout=W.Layout(width="100%", overflow="hidden"))
        self.widget.add_class("sensorynet-panel")

    # ----------------------------------------------------------------- values
    def value(self, name: str) -> Any:
        """Current value of control ``name``."""
        return self.controls[name].value

    # ---------------------------------------------------------------- drawing
    def render(self) -> Panel:
        """Recompute the figure, summary and state from the current controls."""
        t0 = time.perf_counter()
        try:
            fig, summary, state = self._render_fn(self)
        except Exception as exc:     # shown in the panel, kept for tests
            self.error = exc
            self.summary.value = (f"<span style='color:#b00'>error: "
                                  f"{html.escape(f'{type(exc).__name__}: {exc}')}</span>")
            raise
        self.error = None
        if isinstance(fig, LiveFigure):
            self.figure = fig.figure
            png = fig.png()
        elif isinstance(fig, tuple) and len(fig) == 2 and isinstance(fig[1], bytes):
            self.figure, png = fig          # (figure, PNG) rendered ahead of time
        else:
            self.figure = fig
            png = fig_to_png(fig, self.dpi)
        self.state = dict(state)
        self.summary.value = summary
        self.image.value = png
        self.n_renders += 1
        self.render_seconds.append(time.perf_counter() - t0)
        return self

    def set_busy(self, busy: bool, message: str = "computing…") -> None:
        """Show (or clear) the busy state: controls disabled, figure greyed, a message."""
        self.busy = bool(busy)
        for c in self.controls.values():
            if hasattr(c, "disabled") and not isinstance(c, W.Play):
                c.disabled = self.busy
        if self.busy:
            self.widget.add_class("sensorynet-busy")
            self.status.value = f"<span class='sensorynet-status'>⏳ {html.escape(message)}</span>"
        else:
            self.widget.remove_class("sensorynet-busy")
            self.status.value = ""

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if change["new"] == change["old"]:
            return
        owner = change.get("owner")
        computes = any(self.controls.get(n) is owner for n in self.compute)
        if not computes:
            self.render()
            return
        self.set_busy(True)
        try:
            self.render()
        finally:
            self.set_busy(False)

    def run(self, capture: bool = False) -> Panel:
        """Do the heavy work of the Run button, then render.

        With ``capture`` (a click), progress bars and messages go to the panel's ``log``
        area; otherwise (a call from code) to wherever output currently goes.
        """
        button = self.controls.get("run")
        if button is not None:
            label = button.description
        self.set_busy(True, "computing… (progress below)")
        if button is not None:
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
            self.set_busy(False)
            if button is not None:
                button.description = label
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


#: the panels' CSS: a busy panel's figure is greyed out; nothing scrolls sideways
_STYLE = ("<style>.sensorynet-panel{max-width:100%;overflow-x:hidden}"
          ".sensorynet-panel img{max-width:100%;height:auto}"
          ".sensorynet-busy img{opacity:0.35;filter:grayscale(1);transition:opacity .1s}"
          ".sensorynet-status{color:#a15c00;font-weight:bold}</style>")


def _strip_tags(s: str) -> str:
    import re
    return re.sub(r"<[^>]+>", "", s)


def run_button(description: str = "Run", tooltip: str = "run the simulation with these settings"
               ) -> W.Button:
    """The panels' Run button."""
    return W.Button(description=description, tooltip=tooltip, button_style="primary",
                    icon="play", layout=W.Layout(width="auto"))


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else a ValueError naming ``name``."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_int_in(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in ``low..high``, else a ValueError naming ``name`` (never a
    traitlets TraitError from the widget)."""
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or not low <= int(value) <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    return int(value)


def check_real_in(name: str, value: Any, low: float, high: float) -> float:
    """``value`` as a float in ``[low, high]``, else a ValueError naming ``name``."""
    import numbers
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not low <= float(value) <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def style() -> dict[str, str]:
    """The controls' style: descriptions as wide as their text."""
    return {"description_width": "initial"}


