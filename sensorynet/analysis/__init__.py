"""Analyses of results: selectivity (OSI, preferred orientation, tuning curves),
connectivity structure against |ΔPO| (specificity, pruning, reciprocity), spike
statistics, the published summary metrics, summaries of sweep tables, connectivity as
paired recordings detect it (an EPSP above a threshold), the per-neuron measures behind
the paper's claims (:func:`presynaptic_contrast`, :func:`postsynaptic_change`) and the
fingerprint of a run (:class:`Fingerprint`).

Pure numpy: analysis never runs a simulation. Weights may be dense ``W[pre, post]``
arrays or :class:`~sensorynet.SparseWeights`: every analysis computes on the CSR form,
converting a dense array once at its boundary, and never forms an N×N array. Angles
are in rad, weights in mV.
"""
from ._connectivity import (
    connectivity_summary,
    delta_po,
    mean_weight_within_groups,
    pruning_stats,
    specificity,
    weights_vs_delta_po,
)
from ._contrast import postsynaptic_change, presynaptic_contrast
from ._detection import detected_connectivity, pair_groups, signal_correlation
from ._fingerprint import Fingerprint
from ._metrics import ee_specificity, existing_weights, published_metrics
from ._reciprocity import (
    bidirectional_counts,
    bidirectional_counts_dpo_matched,
    bidirectional_surplus,
    reciprocal_correlation,
    reciprocal_pairs,
)
from ._selectivity import (
    orientation_grid,
    osi,
    osi_debiased,
    po_match,
    pref_orth_index,
    preferred_orientation,
    tuning_curves,
)
from ._spikes import isi_cv
from ._sweep_tables import add_specificity_contrast, summarize

__all__ = [
    "osi", "osi_debiased", "pref_orth_index", "preferred_orientation", "tuning_curves",
    "orientation_grid", "po_match",
    "delta_po",
    "specificity", "ee_specificity", "weights_vs_delta_po", "existing_weights",
    "pruning_stats", "mean_weight_within_groups", "connectivity_summary",
    "bidirectional_counts", "bidirectional_counts_dpo_matched", "bidirectional_surplus",
    "reciprocal_correlation", "reciprocal_pairs", "isi_cv", "published_metrics",
    "summarize", "add_specificity_contrast",
    "presynaptic_contrast", "postsynaptic_change", "Fingerprint",
    "detected_connectivity", "pair_groups", "signal_correlation",
]
