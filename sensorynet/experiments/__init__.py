"""Protocols, one module each (published, tuning, selectivity, spontaneous, cardinal,
ablations, balanced state), each registered once in :data:`PROTOCOLS`. Each result's
``claims()`` tests the paper's claims it shows as one-sided tests (effect, 95 % CI, p,
unit of replication); :func:`identity_check` tests a run against an ensemble of the
published model (:class:`IdentityEnsemble`; docs/claims.md). Protocols call
:func:`sensorynet.simulate` and the analyses; they never draw figures (their figures
are named in the registry and drawn by :mod:`sensorynet.plotting`).
"""
from ._registry import (
    PROTOCOLS,
    FigureSpec,
    Protocol,
    ProtocolResult,
    RunContext,
    register_protocol,
)

# isort: off
# importing a protocol's module registers it: this order is the order in which
# ``reproduce`` runs them and the report lists them (``published`` first)
from ._published import PublishedRun, check_published_fits, load_published, run_published
from ._tuning import TuningResult, run_tuning
from ._selectivity import (ConnectivityEvolution, SelectivityAnalysis,
                           connectivity_evolution, selectivity_analysis)
from ._spontaneous import SpontaneousResult, run_spontaneous
from ._cardinal import CardinalResult, run_cardinal
from ._ablations import AblationResult, run_ablations
from ._balanced_state import BalancedState, balanced_state, update_residual
from ._detection import DetectionStudy, detection_study
from ._evolution import tuning_evolution
# isort: on
from .._identity import IdentityEnsemble, identity_check

__all__ = [
    "PROTOCOLS", "Protocol", "FigureSpec", "RunContext", "ProtocolResult",
    "register_protocol",
    "run_published", "load_published", "check_published_fits", "PublishedRun",
    "run_tuning", "TuningResult", "selectivity_analysis", "SelectivityAnalysis",
    "connectivity_evolution", "ConnectivityEvolution",
    "run_spontaneous", "SpontaneousResult",
    "run_cardinal", "CardinalResult", "run_ablations", "AblationResult",
    "balanced_state", "BalancedState", "update_residual",
    "identity_check", "IdentityEnsemble",
    "detection_study", "DetectionStudy", "tuning_evolution",
]
