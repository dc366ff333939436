"""sensorynet: emergence of functional specificity in balanced networks with plasticity.

A reproduction of Sadeh, Clopath & Rotter (2015), PLoS Comput Biol 11:e1004307: a
balanced E/I network of integrate-and-fire neurons, driven by orientation-tuned Poisson
input and shaped by voltage-based plasticity (docs/model.md).

Data flow: parameters → network + stimulus → :func:`simulate` → results →
:mod:`sensorynet.analysis` → :mod:`sensorynet.experiments` (protocols and their
claims) → :mod:`sensorynet.plotting` / :mod:`sensorynet.widgets`. This top level holds
the model itself: parameters, network, input, the simulator, the result containers
and their files, and the one-command reproduction.
"""
from ._network import Network, build_network
from ._params import InputParams, ModelParams, NetworkParams, PlasticityParams, ProtocolParams
from ._reference_values import published_range_text, published_values
from ._reproduce import reproduce
from ._results import ExperimentResult, SpikeTrain
from ._scaling import DEFAULT_SCALING, SCALING_RULES, scaled_model
from ._simulation import SimulationResult, simulate
from ._stimulus import PoissonInput, stimulus_input, tuned_rates, untuned_input
from ._store import load_result, save_result
from ._version import __version__
from ._weights import SparseWeights
from .experiments import run_published

__all__ = [
    "__version__",
    "ModelParams", "NetworkParams", "InputParams", "PlasticityParams", "ProtocolParams",
    "SCALING_RULES", "DEFAULT_SCALING", "scaled_model",
    "Network", "build_network", "SparseWeights",
    "PoissonInput", "stimulus_input", "tuned_rates", "untuned_input",
    "simulate", "SimulationResult", "ExperimentResult", "SpikeTrain",
    "save_result", "load_result", "run_published", "reproduce",
    "published_values", "published_range_text",
]
