"""Interactive control panels of the notebooks (ipywidgets), testable without a browser.

Every notebook's controls are built here, not in the notebook, so they can be driven
programmatically: a panel function returns a :class:`Panel` whose ``controls`` are
ordinary ipywidgets; setting ``panel.controls["neuron"].value = 7`` (or
``panel.controls["run"].click()``) re-renders it exactly as a user's click would.
After each render the panel holds

* ``figure`` -- the matplotlib Figure shown (also as PNG bytes in ``image.value``);
* ``summary`` -- an HTML widget with the key numbers, and ``state`` -- the same numbers
  as a dict, for tests;
* ``n_renders`` -- how many times it has drawn.

Cheap views (a neuron picker, a block slider) re-draw from precomputed results on every
change. Heavy work (new simulations) runs when a *Run* button is clicked, or for cheap
simulations on sliders with ``continuous_update=False``; progress bars appear in the
panel's ``log`` area.

In Jupyter, display a panel as the last expression of a cell. Its display data carry
the widget and, as a static fallback for viewers without a kernel (a code host, nbviewer),
a PNG of the current figure.

Panels, by notebook:

* 01 :func:`network_panel` -- inhibition g, input modulation, seed, neuron picker;
* 02 :func:`selectivity_panel` -- neuron picker; learning blocks and seed (Run);
* 03 :func:`evolution_panel` -- block slider scrubbing the weights, pathway;
* 04 :func:`spontaneous_panel` -- I→E LTD switch, number of spontaneous blocks (Run);
* 05 :func:`cardinal_panel` -- class half-width; learning blocks and seed (Run);
* 06 :func:`sweep_panel` -- metric and axes of the sweep heat map;
* 07 :func:`scale_panel` -- scaling rule and network size of the scale study;
* 08 :func:`detection_panel` -- EPSP detection threshold of the model-vs-experiment
  comparison;
* any notebook: :func:`protocol_panel` -- every registered protocol
  (:data:`sensorynet.experiments.PROTOCOLS`, a user's own included), run on the learned
  network, with its figures and checks.

View-only controls update a :class:`LiveFigure` in place (only the changed artists are
redrawn); controls that recompute show a busy state (figure greyed, "computing…").

:func:`claims_table` shows claim records in full (a Markdown table);
:func:`dashboard_link` gives the Dask dashboard's address as the notebook's browser
can reach it: directly, or through the Jupyter server's proxy under JupyterHub/Binder.
"""
from .._dashboard import dashboard_link
from ._base import LiveFigure, Panel
from ._experiments import cardinal_panel, detection_panel, spontaneous_panel, sweep_panel
from ._learning import evolution_panel, selectivity_panel
from ._network import network_panel
from ._protocols import protocol_panel
from ._scale import load_scale_study, plot_scale_study, scale_panel
from ._tables import claims_table

__all__ = [
    "Panel", "network_panel", "selectivity_panel", "evolution_panel",
    "spontaneous_panel", "cardinal_panel", "sweep_panel", "scale_panel",
    "load_scale_study", "plot_scale_study", "claims_table", "dashboard_link",
    "detection_panel", "protocol_panel", "LiveFigure",
]
