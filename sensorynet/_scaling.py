"""Growing the published model to N neurons, in one place (docs/scaling.md): the named
rules and what each holds fixed as N grows (:func:`scale_network`, behind
:meth:`sensorynet.NetworkParams.scaled`), the whole-model rescaling that adjusts the
plasticity amplitudes and bounds with J and raises the input (:func:`scaled_model`),
and the rate-calibrated input of the ``"balanced"`` rule
(``sensorynet/data/balanced_calibration.json``).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import math
import pathlib
from typing import Any, get_args

import numpy as np

from ._params import ModelParams, NetworkParams
from ._types import FloatArray, PathArg, ScalingRule
from ._validate import MAX_N, check_number

__all__ = ["SCALING_RULES", "DEFAULT_SCALING", "scale_network", "scaled_model", "in_degrees",
           "REFERENCE_RATES", "CALIBRATION_FILE", "load_balanced_calibration",
           "calibrated_input_factor"]

#: named rules of :meth:`NetworkParams.scaled`, and the default (docs/scaling.md: why);
#: ``"balanced_mean"`` is ``"balanced"`` with the input set by the mean-potential formula
SCALING_RULES: tuple[ScalingRule, ...] = get_args(ScalingRule)
DEFAULT_SCALING: ScalingRule = "fixed_indegree"

#: packaged calibration of the ``"balanced"`` input (written by tools/calibrate_balanced.py)
CALIBRATION_FILE = pathlib.Path(__file__).resolve().parent / "data" / "balanced_calibration.json"
_CALIBRATION_KEYS = ("N", "b", "rate_E", "rate_I")


@functools.lru_cache(maxsize=1)
def _packaged() -> dict[str, Any]:
    return json.loads(CALIBRATION_FILE.read_text())


def load_balanced_calibration(path: PathArg | dict[str, Any] | None = None) -> dict[str, Any]:
    """The calibration of the ``"balanced"`` input, validated (a copy).

    Parameters
    ----------
    path : str, pathlib.Path or dict, optional
        A file written by ``tools/calibrate_balanced.py``, or its contents (default:
        the packaged :data:`CALIBRATION_FILE`).

    Returns
    -------
    dict
        ``reference_N``, ``reference_b`` (Hz), ``target_rate_E`` (Hz), ``seeds``,
        ``command`` and ``points``: one dict per calibrated size with ``N``, ``b``
        (Hz) and the achieved before-test ``rate_E``, ``rate_I`` (Hz, seed mean),
        sorted by N.

    Raises
    ------
    ValueError
        If the file lacks a field, the sizes are not distinct, or a rate is not
        positive.
    """
    src = (_packaged() if path is None else path if isinstance(path, dict)
           else json.loads(pathlib.Path(path).read_text()))
    data = json.loads(json.dumps(src))
    for key in ("reference_N", "reference_b", "target_rate_E", "seeds", "command", "points"):
        if key not in data:
            raise ValueError(f"balanced calibration: missing field {key!r}")
    if not isinstance(data["points"], list) or not data["points"]:
        raise ValueError("balanced calibration: points must be a non-empty list")
    for p in [data, *data["points"]]:
        for key in ("N", "reference_N"):
            if key in p and (isinstance(p[key], bool) or not isinstance(p[key], int)
                             or not 2 <= p[key] <= MAX_N):
                raise ValueError(f"balanced calibration: {key}={p[key]!r} must be a "
                                 f"network size in 2..{MAX_N}")
    for p in data["points"]:
        missing = [k for k in _CALIBRATION_KEYS if k not in p]
        if missing:
            raise ValueError(f"balanced calibration: point {p} lacks {missing}")
        if not all(isinstance(p[k], (int, float)) and not isinstance(p[k], bool)
                   and math.isfinite(p[k]) and p[k] > 0 for k in ("b", "rate_E", "rate_I")):
            raise ValueError(f"balanced calibration: b, rate_E and rate_I must be finite "
                             f"and positive in {p}")
    data["points"].sort(key=lambda p: p["N"])
    Ns = [p["N"] for p in data["points"]]
    if len(set(Ns)) != len(Ns) or data["reference_N"] not in Ns:
        raise ValueError(f"balanced calibration: sizes {Ns} must be distinct and include "
                         f"reference_N={data['reference_N']}")
    return data


def calibrated_input_factor(N: int, reference_N: int = 500,
                            calibration: PathArg | dict[str, Any] | None = None) -> float:
    """``b(N) / b(reference_N)`` of the rate-calibrated ``"balanced"`` rule.

    Between calibrated sizes ``b`` is interpolated linearly in ``log N``.

    Parameters
    ----------
    N : int
    reference_N : int
        Must be the calibration's reference size.
    calibration : dict or path, optional
        Default: the packaged calibration (:func:`load_balanced_calibration`).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``N`` lies outside the calibrated sizes (the message gives the command that
        calibrates it) or ``reference_N`` differs from the calibration's.
    """
    cal = load_balanced_calibration(calibration)
    if reference_N != cal["reference_N"]:
        raise ValueError(f"balanced calibration is for reference_N={cal['reference_N']}, "
                         f"not {reference_N}")
    Ns = np.array([p["N"] for p in cal["points"]], float)
    bs = np.array([p["b"] for p in cal["points"]], float)
    if not Ns[0] <= N <= Ns[-1]:
        raise ValueError(
            f"rule 'balanced': N={N} is outside the calibrated sizes "
            f"{int(Ns[0])}..{int(Ns[-1])}. Calibrate it (a few seeded simulations per size, "
            f"about 15 s at N = 10 000): PYTHONPATH=. python tools/calibrate_balanced.py --sizes "
            f"{','.join(str(int(n)) for n in Ns)},{N}; or use rule='balanced_mean' "
            f"(input from the mean-potential formula, rates not kept; docs/scaling.md)")
    return float(np.interp(math.log(N), np.log(Ns), bs)) / cal["reference_b"]


def scale_network(net: NetworkParams, N: int, reference_N: int = 500,
                  rule: ScalingRule | None = None) -> NetworkParams:
    """``net`` (a NetworkParams) resized to ``N`` neurons by ``rule``; see
    :meth:`sensorynet.NetworkParams.scaled` for the rules."""
    rule = DEFAULT_SCALING if rule is None else rule
    if rule not in SCALING_RULES:
        raise ValueError(f"NetworkParams.scaled: unknown rule {rule!r}; use {SCALING_RULES}")
    N = check_number("NetworkParams.scaled", "N", N, low=2, high=MAX_N, integer=True)
    reference_N = check_number("NetworkParams.scaled", "reference_N", reference_N, low=2,
                               high=MAX_N, integer=True)
    if N == reference_N:
        return net
    k = reference_N / N
    changes: dict[str, Any] = {}
    if rule in ("expected_indegree", "fixed_indegree"):
        for name in ("eps_EE", "eps_EI", "eps_IE", "eps_II"):
            p = getattr(net, name) * k
            if p > 1.0:
                raise ValueError(
                    f"NetworkParams.scaled: N={N} is smaller than "
                    f"reference_N={reference_N} and {name} would exceed 1 ({p:.3g})")
            changes[name] = p
        if rule == "fixed_indegree":
            changes["fixed_indegree"] = True
    elif rule == "fixed_probability":
        changes["J"] = net.J * k
    else:       # balanced, balanced_mean
        changes["J"] = net.J * math.sqrt(k)
    return dataclasses.replace(net, N=int(N), **changes)


def in_degrees(params: NetworkParams) -> FloatArray:
    """Expected in-degrees ``K[pre, post]`` (E/I × E/I) of a network's parameters.

    Exact for ``fixed_indegree`` networks (``round(ε·N_pre)``), the binomial mean
    ``ε·N_pre`` otherwise.
    """
    p = params
    eps = np.array([[p.eps_EE, p.eps_EI], [p.eps_IE, p.eps_II]])
    K = eps * np.array([[p.N_E], [p.N_I]])
    return np.rint(K) if p.fixed_indegree else K


#: E and I rates (Hz) of the published network in the before test (seed 0): the target
#: of the ``"balanced"`` calibration (E) and the rates of the ``"balanced_mean"`` formula
REFERENCE_RATES = (8.2, 5.5)


def scaled_model(params: ModelParams | None = None, N: int = 500,
                 rule: ScalingRule | None = None, reference_N: int = 500,
                 reference_rates: tuple[float, float] = REFERENCE_RATES,
                 calibration: PathArg | dict[str, Any] | None = None) -> ModelParams:
    """A whole model resized to ``N`` neurons by a named rule (docs/scaling.md).

    The network follows :meth:`NetworkParams.scaled`. When a rule changes the weight
    J by a factor ``s`` (``"fixed_probability"``: ``K_ref/K``; ``"balanced"``,
    ``"balanced_mean"``: ``sqrt(K_ref/K)``), the plasticity amplitudes ``A_LTD``,
    ``A_LTP`` and the bounds ``w_max``, ``w_min_inh`` are multiplied by ``s`` as well,
    so that weights measured in units of J follow the same learning rule. Both
    balanced rules raise the input baseline ``b`` (and the spontaneous rate in
    proportion):

    * ``"balanced"``: ``b`` is *calibrated on the rates*, so that the before-test E
      rate of the initial network stays the published one (8.2 Hz). The values were
      found by root finding on short static simulations (``tools/calibrate_balanced.py``)
      and are packaged (``sensorynet._scaling.load_balanced_calibration``); between
      calibrated sizes ``b`` is interpolated linearly in ``log N``, other sizes raise a
      ValueError that gives the command calibrating them. For a non-published
      ``params`` the calibrated ratio ``b(N)/b(500)`` is applied to its ``b``.
    * ``"balanced_mean"``: ``b`` keeps the mean free membrane potential at the
      reference rates: ``b' = b − (√(K/K_ref) − 1)·μ_rec`` with
      ``μ_rec = K_E·J·r_E − K_I·g·J·r_I`` (mV/s; each input spike is 1 mV). This
      ignores the growing input variance: the rates rise with N.

    Parameters
    ----------
    params : ModelParams, optional
        Reference model (default: the published one, at ``reference_N`` neurons).
    N : int
    rule : str, optional
        One of :data:`sensorynet.SCALING_RULES`; default
        :data:`~sensorynet.DEFAULT_SCALING`.
    reference_N : int
    reference_rates : (float, float)
        E and I rates (Hz) of the reference network, for ``"balanced_mean"``.
    calibration : dict or path, optional
        Calibration of ``"balanced"`` (default: the packaged one).

    Returns
    -------
    ModelParams

    Examples
    --------
    >>> p = scaled_model(N=2000, rule="balanced")
    >>> round(p.network.J, 3), 2000 < p.input.b < 3708
    (0.25, True)
    >>> round(scaled_model(N=2000, rule="balanced_mean").input.b)
    3708
    """
    params = ModelParams() if params is None else params
    rule = DEFAULT_SCALING if rule is None else rule
    net0 = params.network
    net = net0.scaled(N, reference_N, rule=rule)
    if net is net0:
        return params
    s = net.J / net0.J
    changes: dict[str, Any] = {"network": net}
    if s != 1.0:
        pl = params.plasticity
        changes["plasticity"] = pl.replace(A_LTD=pl.A_LTD * s, A_LTP=pl.A_LTP * s,
                                           w_max=pl.w_max * s,
                                           w_min_inh=pl.w_min_inh * s)
    inp = params.input
    if rule == "balanced":
        b = inp.b * calibrated_input_factor(N, reference_N, calibration)
    elif rule == "balanced_mean":
        K_ref = in_degrees(net0)[:, 0]          # inputs of an E neuron: from E, from I
        r_E, r_I = reference_rates
        mu_rec = K_ref[0] * net0.J * r_E - K_ref[1] * net0.g * net0.J * r_I
        b = inp.b - (math.sqrt(N / reference_N) - 1.0) * mu_rec
    else:
        return params.replace(**changes)
    changes["input"] = inp.replace(b=b, spontaneous_rate=inp.spontaneous_rate * b / inp.b)
    return params.replace(**changes)

