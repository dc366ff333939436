"""A figure drawn once and then updated in place, for controls that must feel instant.

Re-rendering a whole matplotlib figure (layout, every tick label, every artist) takes
most of a second for the notebooks' multi-panel figures. A view-only control (a block
slider, a neuron picker, a threshold) changes a few artists only, so
:class:`LiveFigure` uses matplotlib's blitting: the figure is drawn once with its
*dynamic* artists marked ``animated`` (left out of the normal draw), the rendered
background is kept, and an update restores the background, draws only the dynamic
artists and encodes the pixels as PNG. A change that moves axes limits or ticks asks for
a ``full`` redraw instead (still without re-running the layout: the constrained layout is
computed once and then frozen).
"""
from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["LiveFigure"]


class LiveFigure:
    """A Figure whose dynamic artists are redrawn without redrawing the rest.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    dynamic : iterable of Artist
        Artists that updates change (their data, text, visibility); everything else is
        the static background.
    dpi : float
        Resolution of the rendered PNG.
    """

    def __init__(self, figure: Figure, dynamic: Iterable[Artist] = (), *,
                 dpi: float = 72) -> None:
        if not isinstance(figure, Figure):
            raise TypeError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
        self.figure = figure
        self.dpi = float(dpi)
        self.figure.set_dpi(self.dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self._dynamic: list[Artist] = []
        self._background = None
        self.n_full = 0          # full draws (background rendered anew)
        self.n_blits = 0         # updates that drew the dynamic artists only
        self.set_dynamic(dynamic)

    def set_dynamic(self, artists: Iterable[Artist]) -> None:
        """Replace the set of dynamic artists (forces a full draw next time)."""
        for a in self._dynamic:
            a.set_animated(False)
        self._dynamic = [a for a in artists if a is not None]
        for a in self._dynamic:
            if not isinstance(a, Artist):
                raise TypeError(f"dynamic artists must be matplotlib Artists, got "
                                f"{type(a).__name__}")
            a.set_animated(True)
        self._background = None

    def invalidate(self) -> None:
        """Ask for a full draw at the next :meth:`png` (limits, ticks or static text
        changed)."""
        self._background = None

    def _full_draw(self) -> None:
        self.canvas.draw()
        if self.figure.get_layout_engine() is not None and self.n_full == 0:
            # freeze the layout computed by this first draw: later draws (and the PNGs)
            # keep every axes where it is, and skip the layout pass
            self.figure.set_layout_engine("none")
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.n_full += 1

    def png(self, full: bool = False) -> bytes:
        """The figure as PNG bytes, redrawing only the dynamic artists unless ``full``
        (or nothing was drawn yet)."""
        if full or self._background is None:
            self._full_draw()
        else:
            self.canvas.restore_region(self._background)
            self.n_blits += 1
        for a in self._dynamic:
            if a.get_visible() and a.figure is self.figure:
                self.figure.draw_artist(a)
        rgba = np.asarray(self.canvas.buffer_rgba())
        return _encode_png(rgba)


def _encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA pixel array, fast (low compression, RGB)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buf, format="png",
                                                               compress_level=1)
    return buf.getvalue()
