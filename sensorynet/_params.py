"""Typed, frozen, validated parameter objects (docs/model.md §1, §2, §4, §5).

Four small groups instead of one long argument list:

* :class:`NetworkParams` -- sizes, connection probabilities, weights, neuron model;
* :class:`InputParams` -- feed-forward Poisson drive;
* :class:`PlasticityParams` -- the voltage-based learning rule and its switches;
* :class:`ProtocolParams` -- durations and counts of the published protocol.

:class:`ModelParams` bundles them. Every object validates itself on construction and
raises ``ValueError``/``TypeError`` naming the offending parameter. Copy with changes via
:meth:`ModelParams.replace` (dotted names, e.g. ``"plasticity.A_LTP"``) or
:func:`dataclasses.replace` on a group.

Domain (every accepted value simulates without NaN/inf, see :mod:`._validate`):
finite Python or numpy numbers (stored as plain int/float/bool), integral where integer;
voltages, thresholds, weight bounds, g·J within ±1e6 mV; dt in [1e-3, 1e3] ms; time
constants in [dt/50, 1e6] ms (``ModelParams`` checks dt/50); A_LTD, A_LTP <= 1e3;
u_ref2 in [1e-6, 1e12] mV²; rates <= 1e6 Hz.

Units: mV, ms, Hz.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ._types import FloatArray, ScalingRule
from ._validate import (
    DT_RANGE,
    MAX_ABS_MV,
    MAX_AMPLITUDE,
    MAX_N,
    MAX_RATE,
    MAX_STEPS,
    MAX_TAU,
    UREF2_RANGE,
    check_bool,
    check_tau,
    set_number,
)

__all__ = [
    "canonical_name",
    "NetworkParams",
    "InputParams",
    "PlasticityParams",
    "ProtocolParams",
    "ModelParams",
]


_G = TypeVar("_G", bound="_Group")


class _Group:
    """Shared helpers for the frozen parameter groups."""

    if TYPE_CHECKING:   # every group is a dataclass: dataclasses.replace/fields accept it
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def replace(self: _G, **changes: Any) -> _G:
        """Return a copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Fields as a plain dict."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls: type[_G], d: dict[str, Any]) -> _G:
        """A group from :meth:`to_dict`'s output (unknown keys are refused)."""
        if not isinstance(d, dict):
            raise TypeError(f"{cls.__name__}.from_dict needs a dict, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown {cls.__name__} parameter(s): {sorted(unknown)}")
        return cls(**d)


class _NetworkDict(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        if key == "fixed_indegree":
            return False
        raise KeyError(key)


@dataclass(frozen=True)
class NetworkParams(_Group):
    """Network and neuron model (docs/model.md §1, Table 1).

    Parameters
    ----------
    N : int
        Number of neurons (>= 2). Indices ``0 .. N_E-1`` are excitatory.
    f_exc : float
        Fraction of excitatory neurons; ``N_E = round(f_exc * N)``.
    eps_EE, eps_EI, eps_IE, eps_II : float
        Connection probabilities pre→post, in [0, 1].
    J : float
        Excitatory weight (PSP amplitude), mV, > 0.
    g : float
        Inhibition dominance; inhibitory weight is ``-g*J`` mV.
    tau_m : float
        Membrane time constant, ms.
    theta : float
        Spike threshold, mV (reset to 0 mV, no refractory period).
    dt : float
        Time step, ms.
    fixed_indegree : bool
        False (published): synapses drawn independently (binomial in-degrees); True:
        every neuron gets exactly ``round(eps_XY * N_X)`` inputs from population X.
    """

    N: int = 500
    f_exc: float = 0.8
    eps_EE: float = 0.3
    eps_EI: float = 0.3
    eps_IE: float = 1.0
    eps_II: float = 1.0
    J: float = 0.5
    g: float = 8.0
    tau_m: float = 20.0
    theta: float = 20.0
    dt: float = 1.0
    fixed_indegree: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed_indegree",
                           check_bool("NetworkParams", "fixed_indegree", self.fixed_indegree))
        set_number(self, "N", low=2, high=MAX_N, integer=True)
        set_number(self, "f_exc", low=0.0, high=1.0)
        for name in ("eps_EE", "eps_EI", "eps_IE", "eps_II"):
            set_number(self, name, low=0.0, high=1.0)
        set_number(self, "J", low=0.0, high=MAX_ABS_MV, low_open=True, unit="mV")
        set_number(self, "g", low=0.0, high=MAX_ABS_MV)
        set_number(self, "dt", low=DT_RANGE[0], high=DT_RANGE[1], unit="ms")
        set_number(self, "tau_m", low=0.0, high=MAX_TAU, low_open=True, unit="ms")
        check_tau("NetworkParams", "tau_m", self.tau_m, self.dt)
        set_number(self, "theta", low=0.0, high=MAX_ABS_MV, low_open=True, unit="mV")
        if self.g * self.J > MAX_ABS_MV:
            raise ValueError(
                f"NetworkParams.g*J (network.g * network.J) is the inhibitory weight "
                f"magnitude and must be <= {MAX_ABS_MV:g} mV, got g={self.g!r}, J={self.J!r}")
        if not 1 <= self.N_E <= self.N - 1:
            raise ValueError(
                f"NetworkParams.f_exc={self.f_exc} with N={self.N} gives N_E={self.N_E}: "
                "need at least one excitatory and one inhibitory neuron")

    def to_dict(self) -> dict[str, Any]:
        """Fields as a dict; ``fixed_indegree`` only when True (keys stay as before),
        though looking the omitted key up still gives its default (False)."""
        d = _NetworkDict(super().to_dict())
        if not d["fixed_indegree"]:
            del d["fixed_indegree"]
        return d

    @property
    def N_E(self) -> int:
        """Number of excitatory neurons."""
        return int(round(self.f_exc * self.N))

    @property
    def N_I(self) -> int:
        """Number of inhibitory neurons."""
        return self.N - self.N_E

    def in_degrees(self) -> FloatArray:
        """Inputs per neuron ``K[pre, post]`` (E/I × E/I): exact for
        ``fixed_indegree`` networks (``round(ε·N_pre)``), the binomial mean ``ε·N_pre``
        otherwise.

        >>> NetworkParams().in_degrees()
        array([[120., 120.],
               [100., 100.]])
        """
        from ._scaling import in_degrees  # _scaling builds on these parameters
        return in_degrees(self)

    def scaled(self, N: int, reference_N: int = 500, rule: ScalingRule | None = None
               ) -> NetworkParams:
        """Copy resized to ``N`` neurons by a named rule (docs/scaling.md).

        With ``K`` an in-degree and ``K_ref`` its value at ``reference_N``:
        ``"expected_indegree"`` -- ε·reference_N/N, Bernoulli draws (mean K = K_ref;
        the behaviour of earlier versions); ``"fixed_indegree"`` -- the same ε with
        exactly ``round(ε·N_X)`` = K_ref inputs per neuron; ``"fixed_probability"`` --
        ε kept, J·K_ref/K (same mean input, fluctuations ∝ 1/√K); ``"balanced"`` -- ε
        kept, J·√(K_ref/K) (same fluctuations, E and I means ∝ √K;
        :func:`sensorynet.scaled_model` also calibrates the input rate on the
        published before-test E rate); ``"balanced_mean"`` -- the same network, input
        raised only to keep the mean free membrane potential.
        ``rule=None``: :data:`sensorynet.DEFAULT_SCALING`. ``N == reference_N`` returns
        ``self``.
        """
        from ._scaling import scale_network  # _scaling builds on these parameters
        return scale_network(self, N, reference_N, rule)


@dataclass(frozen=True)
class InputParams(_Group):
    """Feed-forward Poisson input (docs/model.md §2).

    Parameters
    ----------
    b : float
        Baseline input rate per neuron, Hz.
    m_E, m_I : float
        Orientation modulation depth of E and I neurons' input, in [0, 1].
        Rate: ``b * (1 + m * cos(2*(theta_stim - po)))``.
    spontaneous_rate : float
        Untuned input rate used for spontaneous activity (docs/model.md §5.5), Hz.
    """

    b: float = 2000.0
    m_E: float = 0.2
    m_I: float = 0.02
    spontaneous_rate: float = 1000.0

    def __post_init__(self) -> None:
        set_number(self, "b", low=0.0, high=MAX_RATE, unit="Hz")
        set_number(self, "m_E", low=0.0, high=1.0)
        set_number(self, "m_I", low=0.0, high=1.0)
        set_number(self, "spontaneous_rate", low=0.0, high=MAX_RATE, unit="Hz")


@dataclass(frozen=True)
class PlasticityParams(_Group):
    """Voltage-based plasticity (docs/model.md §4) and its switches.

    Parameters
    ----------
    A_LTD : float
        LTD amplitude, 1/mV.
    A_LTP : float
        LTP amplitude, 1/mV².
    tau_minus, tau_plus, tau_x : float
        Time constants of the u⁻, u⁺ and presynaptic x̄ traces, ms.
    theta_minus, theta_plus : float
        LTD / LTP voltage thresholds, mV.
    u_ref2 : float
        Homeostatic reference u_ref², mV².
    w_max : float
        Upper bound of excitatory weights, mV (lower bound 0).
    w_min_inh : float
        Lower bound of I→E weights, mV (upper bound 0).
    vbar_window : int
        Length of the boxcar average of v used by LTD, in steps.
    plastic_EE, plastic_EI, plastic_IE : bool
        Switch plasticity on each pathway (I→I is always static).
    ltd_IE : bool
        Keep the presynaptic-spike (LTD) term on I→E synapses. The published code
        passes an undocumented ``inh_ltd`` option; this is its explicit counterpart.
    mask_IE : bool
        Apply I→E updates only where a synapse exists (sensorynet's default). The
        published code does not mask I→E; ``False`` reproduces that.
    """

    A_LTD: float = 14e-5
    A_LTP: float = 8e-5
    tau_minus: float = 10.0
    tau_plus: float = 7.0
    tau_x: float = 15.0
    theta_minus: float = -20.0
    theta_plus: float = 7.5
    u_ref2: float = 70.0
    w_max: float = 2.0
    w_min_inh: float = -5.0
    vbar_window: int = 100
    plastic_EE: bool = True
    plastic_EI: bool = True
    plastic_IE: bool = True
    ltd_IE: bool = True
    mask_IE: bool = True

    def __post_init__(self) -> None:
        o = "PlasticityParams"
        set_number(self, "A_LTD", low=0.0, high=MAX_AMPLITUDE, unit="1/mV")
        set_number(self, "A_LTP", low=0.0, high=MAX_AMPLITUDE, unit="1/mV²")
        for name in ("tau_minus", "tau_plus", "tau_x"):
            # the lower bound dt/50 is checked by ModelParams, which knows dt
            set_number(self, name, low=0.0, high=MAX_TAU, low_open=True, unit="ms")
        set_number(self, "u_ref2", low=UREF2_RANGE[0], high=UREF2_RANGE[1], unit="mV²")
        set_number(self, "theta_minus", low=-MAX_ABS_MV, high=MAX_ABS_MV, unit="mV")
        set_number(self, "theta_plus", low=-MAX_ABS_MV, high=MAX_ABS_MV, unit="mV")
        set_number(self, "w_max", low=0.0, high=MAX_ABS_MV, unit="mV")
        set_number(self, "w_min_inh", low=-MAX_ABS_MV, high=0.0, unit="mV")
        set_number(self, "vbar_window", low=1, high=10 ** 6, integer=True, unit="steps")
        for name in ("plastic_EE", "plastic_EI", "plastic_IE", "ltd_IE", "mask_IE"):
            object.__setattr__(self, name, check_bool(o, name, getattr(self, name)))


@dataclass(frozen=True)
class ProtocolParams(_Group):
    """Durations and counts of the published protocol (docs/model.md §5).

    Parameters
    ----------
    test_ms : int
        Duration of the before/after test run, ms.
    test_theta : float
        Test stimulus orientation, rad.
    block_ms : int
        Duration of one learning block, ms.
    n_stimuli : int
        Orientations presented per learning block (each ``block_ms / n_stimuli`` ms).
    n_blocks : int
        Number of learning blocks.
    """

    test_ms: int = 2000
    test_theta: float = math.pi / 2
    block_ms: int = 2000
    n_stimuli: int = 20
    n_blocks: int = 40

    def __post_init__(self) -> None:
        set_number(self, "test_ms", low=1, high=MAX_STEPS, integer=True, unit="ms")
        set_number(self, "test_theta", low=-MAX_ABS_MV, high=MAX_ABS_MV, unit="rad")
        set_number(self, "block_ms", low=1, high=MAX_STEPS, integer=True, unit="ms")
        set_number(self, "n_stimuli", low=1, high=MAX_STEPS, integer=True)
        set_number(self, "n_blocks", low=0, high=10 ** 6, integer=True)
        if self.block_ms % self.n_stimuli:
            raise ValueError(
                f"ProtocolParams.block_ms={self.block_ms} must be a multiple of "
                f"n_stimuli={self.n_stimuli}")

    @property
    def stim_ms(self) -> int:
        """Duration of one stimulus within a learning block, ms."""
        return self.block_ms // self.n_stimuli


_GROUPS: dict[str, type[_Group]] = {
    "network": NetworkParams,
    "input": InputParams,
    "plasticity": PlasticityParams,
    "protocol": ProtocolParams,
}


@dataclass(frozen=True)
class ModelParams:
    """All parameters of a sensorynet model, grouped.

    Examples
    --------
    >>> p = ModelParams()
    >>> p2 = p.replace(**{"network.g": 6.0, "plasticity.A_LTP": 1e-4})
    >>> p2.network.g
    6.0
    """

    network: NetworkParams = field(default_factory=NetworkParams)
    input: InputParams = field(default_factory=InputParams)
    plasticity: PlasticityParams = field(default_factory=PlasticityParams)
    protocol: ProtocolParams = field(default_factory=ProtocolParams)

    def __post_init__(self) -> None:
        for name, cls in _GROUPS.items():
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"ModelParams.{name} must be a {cls.__name__}, "
                                f"got {type(getattr(self, name)).__name__}")
        dt = self.network.dt
        for name in ("tau_minus", "tau_plus", "tau_x"):
            check_tau("PlasticityParams", name, getattr(self.plasticity, name), dt)

    def replace(self, **changes: Any) -> ModelParams:
        """Copy with changes; keys are ``"group.field"`` or ``"group"`` (a whole group).

        Undotted field names are accepted when they are unique across groups
        (e.g. ``g=6.0``).
        """
        per_group: dict[str, dict[str, Any]] = {}
        whole: dict[str, Any] = {}
        for key, value in changes.items():
            group, fname = self._resolve(key)
            if fname is None:
                whole[group] = value
            else:
                per_group.setdefault(group, {})[fname] = value
        new = dict(whole)
        for group, ch in per_group.items():
            base = whole.get(group, getattr(self, group))
            new[group] = dataclasses.replace(base, **ch)
        return dataclasses.replace(self, **new)

    @staticmethod
    def _resolve(key: str) -> tuple[str, str | None]:
        if isinstance(key, str) and key in _GROUPS:
            return key, None
        group, fname = canonical_name(key).split(".", 1)
        return group, fname

    @classmethod
    def parameter_names(cls) -> list[str]:
        """All dotted parameter names, e.g. ``"network.g"``."""
        return [f"{g}.{f.name}" for g, c in _GROUPS.items() for f in fields(c)]

    def get(self, key: str) -> Any:
        """Value of a (dotted) parameter name."""
        group, fname = self._resolve(key)
        obj = getattr(self, group)
        return obj if fname is None else getattr(obj, fname)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain JSON-serialisable nested dict."""
        return {g: getattr(self, g).to_dict() for g in _GROUPS}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelParams:
        """Parameters from :meth:`to_dict`'s output; missing groups get their defaults."""
        if not isinstance(d, dict):
            raise TypeError(f"ModelParams.from_dict needs a dict, got {type(d).__name__}")
        unknown = set(d) - set(_GROUPS)
        if unknown:
            raise ValueError(f"unknown parameter group(s): {sorted(unknown)}")
        # each name maps to its own group type, which a dict type cannot say
        groups: dict[str, Any] = {g: _GROUPS[g].from_dict(d[g]) for g in _GROUPS if g in d}
        return cls(**groups)


def canonical_name(name: str) -> str:
    """Dotted name (``"network.g"``) of a model parameter.

    Parameters
    ----------
    name : str
        A dotted name, or a field name that is unique across the groups (``"g"``).

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If the name is unknown or ambiguous; the message suggests close matches.
    """
    if not isinstance(name, str):
        raise TypeError(f"parameter name must be a string, got {name!r}")
    names = ModelParams.parameter_names()
    if name in names:
        return name
    if "." not in name:
        owners = [n for n in names if n.split(".", 1)[1] == name]
        if len(owners) == 1:
            return owners[0]
        if len(owners) > 1:
            raise ValueError(f"ambiguous parameter name {name!r}: use one of {owners}")
    candidates = list(names) + sorted({n.split(".", 1)[1] for n in names})
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown parameter name {name!r}{hint} "
                     "(ModelParams.parameter_names() lists them all)")
