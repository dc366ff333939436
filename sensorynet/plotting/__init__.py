"""Figures, one module per family (published, science, notebook, sweep) in one style
(:mod:`.style`). Every function takes results and returns a fresh matplotlib Figure;
none runs a simulation.
"""
from .style import (neuron_label, C_BEFORE, C_AFTER, C_OUT, C_BINS, BIN_LABELS, PW_LABEL, LEGEND_PT, legend, fig_legend, headroom, new_figure, COLORS, C_FF, C_REC_E, C_REC_I, C_NET, grouped_bars, spec_lines)  # noqa: F401
from .published import (plot_rasters, plot_weight_matrices, plot_weights_vs_dpo, plot_learning_curve)  # noqa: F401
from .science import (plot_tuning_examples, plot_osi_distributions, plot_po_out_vs_in, plot_connectivity_vs_dpo, plot_connectivity_evolution)  # noqa: F401
from .protocols import (plot_spontaneous, plot_cardinal, plot_ablations, science_figures)  # noqa: F401
from .notebook import (plot_input_tuning, plot_network, plot_voltage_trace, plot_balanced_state, plot_tuning_curve, plot_block, plot_reciprocal)  # noqa: F401
from .sweep import (plot_sweep_panels, plot_sweep_lines, PARAM_UNITS, plot_sweep_heatmap, plot_sweep_line)  # noqa: F401

__all__ = ['neuron_label', 'C_BEFORE', 'C_AFTER', 'C_OUT', 'C_BINS', 'BIN_LABELS', 'PW_LABEL', 'LEGEND_PT', 'legend', 'fig_legend', 'headroom', 'new_figure', 'COLORS', 'C_FF', 'C_REC_E', 'C_REC_I', 'C_NET', 'grouped_bars', 'spec_lines', 'plot_rasters', 'plot_weight_matrices', 'plot_weights_vs_dpo', 'plot_learning_curve', 'plot_tuning_examples', 'plot_osi_distributions', 'plot_po_out_vs_in', 'plot_connectivity_vs_dpo', 'plot_connectivity_evolution', 'plot_spontaneous', 'plot_cardinal', 'plot_ablations', 'science_figures', 'plot_input_tuning', 'plot_network', 'plot_voltage_trace', 'plot_balanced_state', 'plot_tuning_curve', 'plot_block', 'plot_reciprocal', 'plot_sweep_panels', 'plot_sweep_lines', 'PARAM_UNITS', 'plot_sweep_heatmap', 'plot_sweep_line']
