"""Protocols, one module each (published, tuning, selectivity, spontaneous, cardinal,
ablations, balanced state), their seed streams, and the claims they are checked against.
Protocols call :func:`sensorynet.simulate` and the analyses; they never draw figures.
"""
from ._common import SCIENCE_EXPERIMENTS, ABLATIONS, DEFAULT_LTD_IE  # noqa: F401
from .seeds import (STREAM_NETWORK, STREAM_TEST, STREAM_LEARNING, STREAM_SPONTANEOUS, STREAM_CARDINAL, STREAM_TUNING, seed_sequence)  # noqa: F401
from .blocks import (SNAPSHOT_MAX_N, run_blocks)  # noqa: F401
from .published import (run_published, cached_published, get_cache, load_published, check_published_fits)  # noqa: F401
from .tuning import (TuningResult, run_tuning)  # noqa: F401
from .selectivity import (selectivity_analysis, connectivity_evolution, SelectivityAnalysis, ConnectivityEvolution, paired_effect, PO_MATCH_MAX_DEG)  # noqa: F401
from .spontaneous import (SpontaneousResult, run_spontaneous, STABILITY_MAX_FRACTION)  # noqa: F401
from .cardinal import (CardinalResult, run_cardinal, mcnemar_one_sided, two_proportion_z, CARDINAL_ALPHA)  # noqa: F401
from .ablations import (AblationResult, run_ablations, RUNAWAY_FACTOR)  # noqa: F401
from .balanced_state import (input_components, BalancedState, balanced_state, update_residual)  # noqa: F401
from .claims import (PUBLISHED_RANGES, CLAIMS, SELECTIVITY_CLAIMS, ENSEMBLE_CHECKS, MUTATION_SCORE, ClaimSpec, ALPHA, ENSEMBLE_FILE, published_claims, band_checks, load_ensemble, band_factor, student_t_quantile, measure, claims_summary)  # noqa: F401
from .science import (run_science_experiment)  # noqa: F401

__all__ = ['SCIENCE_EXPERIMENTS', 'ABLATIONS', 'DEFAULT_LTD_IE', 'STREAM_NETWORK', 'STREAM_TEST', 'STREAM_LEARNING', 'STREAM_SPONTANEOUS', 'STREAM_CARDINAL', 'STREAM_TUNING', 'seed_sequence', 'SNAPSHOT_MAX_N', 'run_blocks', 'run_published', 'cached_published', 'get_cache', 'load_published', 'check_published_fits', 'TuningResult', 'run_tuning', 'selectivity_analysis', 'connectivity_evolution', 'SelectivityAnalysis', 'ConnectivityEvolution', 'paired_effect', 'PO_MATCH_MAX_DEG', 'SpontaneousResult', 'run_spontaneous', 'STABILITY_MAX_FRACTION', 'CardinalResult', 'run_cardinal', 'mcnemar_one_sided', 'two_proportion_z', 'CARDINAL_ALPHA', 'AblationResult', 'run_ablations', 'RUNAWAY_FACTOR', 'input_components', 'BalancedState', 'balanced_state', 'update_residual', 'PUBLISHED_RANGES', 'CLAIMS', 'SELECTIVITY_CLAIMS', 'ENSEMBLE_CHECKS', 'MUTATION_SCORE', 'ClaimSpec', 'ALPHA', 'ENSEMBLE_FILE', 'published_claims', 'band_checks', 'load_ensemble', 'band_factor', 'student_t_quantile', 'measure', 'claims_summary', 'run_science_experiment']
