"""Analyses of results: orientation and ΔPO helpers, selectivity (OSI, PO), connectivity
structure, spike statistics and the published summary metrics. Pure numpy: analysis
never runs a simulation and never imports :mod:`sensorynet.experiments`.
"""
from .orientation import (CARDINAL_DEG, OBLIQUE_DEG, DPO_DECIMALS, circular_distance, wrap_distance, signed_dpo, dpo_bin_index, near_orientation_mask, orientation_class_fractions)  # noqa: F401
from .selectivity import (osi, preferred_orientation, pref_orth_index, tuning_curves, orientation_grid, summarize_osi, osi_debiased, po_match)  # noqa: F401
from .connectivity import (DEFAULT_BINS_DEG, PATHWAYS, delta_po, specificity, weights_vs_delta_po, pruning_stats, mean_weight_within_groups, connectivity_summary, PATHWAYS_PLASTIC, group_row_means, existing_block_weights)  # noqa: F401
from .reciprocity import (bidirectional_counts, bidirectional_counts_dpo_matched, bidirectional_surplus, reciprocal_correlation, DPO_MATCH_BINS_DEG)  # noqa: F401
from .spikes import (isi_cv, bin_mean)  # noqa: F401
from .sweeps import (require_columns, summarize, add_specificity_contrast)  # noqa: F401
from .metrics import (published_metrics, ee_specificity, existing_weights, SPECIFICITY_BINS_DEG)  # noqa: F401

__all__ = ['CARDINAL_DEG', 'OBLIQUE_DEG', 'DPO_DECIMALS', 'circular_distance', 'wrap_distance', 'signed_dpo', 'dpo_bin_index', 'near_orientation_mask', 'orientation_class_fractions', 'osi', 'preferred_orientation', 'pref_orth_index', 'tuning_curves', 'orientation_grid', 'summarize_osi', 'osi_debiased', 'po_match', 'DEFAULT_BINS_DEG', 'PATHWAYS', 'delta_po', 'specificity', 'weights_vs_delta_po', 'pruning_stats', 'mean_weight_within_groups', 'connectivity_summary', 'PATHWAYS_PLASTIC', 'group_row_means', 'existing_block_weights', 'bidirectional_counts', 'bidirectional_counts_dpo_matched', 'bidirectional_surplus', 'reciprocal_correlation', 'DPO_MATCH_BINS_DEG', 'isi_cv', 'bin_mean', 'require_columns', 'summarize', 'add_specificity_contrast', 'published_metrics', 'ee_specificity', 'existing_weights', 'SPECIFICITY_BINS_DEG']
