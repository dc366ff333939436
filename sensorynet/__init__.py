"""sensorynet: emergence of functional specificity in balanced networks with plasticity.

A reproduction of Sadeh, Clopath & Rotter (2015), PLoS Comput Biol 11:e1004307: a
balanced E/I network of integrate-and-fire neurons, driven by orientation-tuned Poisson
input and shaped by voltage-based plasticity. Data flow: params → network + stimulus →
simulate → results → analysis → plotting/widgets.
"""
from ._version import __version__  # noqa: F401

from .params import (InputParams, ModelParams, NetworkParams, PlasticityParams,  # noqa: E402
                     ProtocolParams)
from .network import Network, build_network, preferred_orientations  # noqa: E402
from .sparse import SparseWeights  # noqa: E402
from .stimulus import PoissonInput, stimulus_input, tuned_rates, untuned_input  # noqa: E402
from .simulation import SimulationResult, simulate  # noqa: E402
from .results import ExperimentResult, SpikeTrain  # noqa: E402
from .experiments import run_published  # noqa: E402

__all__ = [
    "__version__",
    "ModelParams", "NetworkParams", "InputParams", "PlasticityParams", "ProtocolParams",
    "Network", "build_network", "preferred_orientations", "SparseWeights",
    "PoissonInput", "stimulus_input", "tuned_rates", "untuned_input",
    "simulate", "SimulationResult",
    "ExperimentResult", "SpikeTrain", "run_published",
]
