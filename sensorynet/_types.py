"""Type aliases shared by the hints of the public faces.

They exist at run time (not only for the type checker) so that
``typing.get_type_hints`` resolves every exported signature
(``tests/project/test_api.py``). This module imports nothing from sensorynet, so any
module may use it without an import cycle. Weights are spelled out where they appear,
``FloatArray | SparseWeights``: a dense ``W[pre, post]`` in mV or its CSR form.
"""
from __future__ import annotations

import os
from typing import Any, Literal, TypeAlias, Union

import numpy as np
from numpy.typing import NDArray

__all__ = ["FloatArray", "IntArray", "BoolArray", "Pathway", "PlasticPathway", "Population",
           "Seed", "PathArg", "ScalingRule", "POPULATIONS", "PATHWAYS_PLASTIC"]

#: a float64 array (rates in Hz, angles in rad, weights in mV, ...)
FloatArray: TypeAlias = NDArray[np.float64]
#: an integer array (neuron indices, time steps, counts)
IntArray: TypeAlias = NDArray[np.integer[Any]]
#: a boolean mask
BoolArray: TypeAlias = NDArray[np.bool_]
#: a pathway pre→post between the excitatory (E) and inhibitory (I) populations
Pathway: TypeAlias = Literal["EE", "EI", "IE", "II"]
#: a plastic pathway (I→I synapses never change)
PlasticPathway: TypeAlias = Literal["EE", "EI", "IE"]
#: a population: excitatory or inhibitory neurons
Population: TypeAlias = Literal["E", "I"]
#: the populations and the plastic pathways, typed for loops over them
POPULATIONS: tuple[Population, ...] = ("E", "I")
PATHWAYS_PLASTIC: tuple[PlasticPathway, ...] = ("EE", "EI", "IE")
#: a root seed: a non-negative int, or a SeedSequence for a derived stream
Seed: TypeAlias = Union[int, np.random.SeedSequence]
#: a file or directory name
PathArg: TypeAlias = Union[str, os.PathLike[str]]
#: a rule growing the published network to N neurons (docs/scaling.md)
ScalingRule: TypeAlias = Literal["expected_indegree", "fixed_indegree", "fixed_probability",
                                 "balanced", "balanced_mean"]
