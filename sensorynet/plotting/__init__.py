"""Figures, one module per family (the published figures, the science experiments,
the other protocols, the notebooks' teaching figures, sweeps and the scale study), in
one style. Every function takes results and returns a fresh matplotlib Figure; none
runs a simulation.
"""
from ._detection import plot_detection, plot_epsp_distributions
from ._notebook import (
    plot_balanced_state,
    plot_block,
    plot_input_tuning,
    plot_network,
    plot_reciprocal,
    plot_tuning_curve,
    plot_voltage_trace,
)
from ._protocols import plot_ablations, plot_cardinal, plot_spontaneous
from ._published import plot_learning_curve, plot_rasters, plot_weight_matrices, plot_weights_vs_dpo
from ._science import (
    plot_connectivity_evolution,
    plot_connectivity_vs_dpo,
    plot_osi_distributions,
    plot_po_out_vs_in,
    plot_tuning_examples,
)
from ._sweep import plot_sweep_heatmap, plot_sweep_line, plot_sweep_lines, plot_sweep_panels
from ._views import BlockView, DetectionView, TuningView, VoltageView

__all__ = [
    "plot_rasters", "plot_weight_matrices", "plot_weights_vs_dpo", "plot_learning_curve",
    "plot_tuning_examples", "plot_osi_distributions", "plot_po_out_vs_in",
    "plot_connectivity_vs_dpo", "plot_connectivity_evolution",
    "plot_spontaneous", "plot_cardinal", "plot_ablations",
    "plot_input_tuning", "plot_network", "plot_voltage_trace", "plot_balanced_state",
    "plot_tuning_curve", "plot_block", "plot_reciprocal",
    "plot_sweep_panels", "plot_sweep_lines", "plot_sweep_heatmap", "plot_sweep_line",
    "plot_detection", "plot_epsp_distributions", "BlockView", "DetectionView",
    "TuningView", "VoltageView",
]
