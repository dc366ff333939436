"""Checks behind the parameter classes: every accepted value is one the model and the
compiled core handle exactly (finite, bounded magnitudes, well-conditioned time
constants); every refusal names the dotted field, the value and the valid range.
"""
from __future__ import annotations

import math

import numpy as np

#: largest magnitude of a voltage-like parameter (thresholds, weights, bounds), mV; keeps
#: every product the kernel forms (v², v·u, …) far from float64 overflow, so no inf/NaN
MAX_ABS_MV = 1e6


#: time step range, ms
DT_RANGE = (1e-3, 1e3)


#: time constants lie in [dt / MAX_DT_OVER_TAU, MAX_TAU] ms: exp(−dt/τ) >= e^−50 ≈ 2e-22
#: stays a normal float64 and 1/τ <= 5e4/ms, so every trace update is well-conditioned
MAX_DT_OVER_TAU = 50.0


MAX_TAU = 1e6


#: largest rate of the Poisson drive, Hz
MAX_RATE = 1e6


#: largest amplitude of the plasticity rule (A_LTD, 1/mV; A_LTP, 1/mV²)
MAX_AMPLITUDE = 1e3


#: range of the homeostatic reference u_ref², mV²
UREF2_RANGE = (1e-6, 1e12)


#: largest network (neuron indices are int32 in the kernel)
MAX_N = 10 ** 8


#: largest duration in steps / ms (spike steps are int32 in the kernel)
MAX_STEPS = 2 ** 31 - 1


_GROUP_OF = {"NetworkParams": "network", "InputParams": "input",
             "PlasticityParams": "plasticity", "ProtocolParams": "protocol"}


def field_label(owner, name):
    group = _GROUP_OF.get(owner)
    return f"{owner}.{name}" + (f" ({group}.{name})" if group else "")


def show_value(value):
    """repr of a value, shortened for huge integers (10**400 has 401 digits)."""
    r = repr(value)
    if len(r) > 40 and isinstance(value, int):
        return f"an integer of {len(str(abs(value)))} digits"
    return r


def range_text(low, high, low_open, unit):
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    u = f" {unit}" if unit else ""
    return f"{'(' if low_open else '['}{lo}, {hi}]{u}"


def check_number(owner, name, value, *, low=None, high=None, low_open=False,
                  integer=False, unit=""):
    """Validate one scalar field; return it as a plain Python number.

    Accepts Python and numpy numbers (``numbers.Real``, not bool); refuses NaN/inf,
    values outside ``[low, high]`` (``(low, high]`` with ``low_open``) and, with
    ``integer``, non-integral values. Errors name ``owner.name``, the dotted name, the
    value and the valid range.
    """
    import numbers
    label = field_label(owner, name)
    rng = range_text(low, high, low_open, unit)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{label} must be a number in {rng}, got {show_value(value)} "
                        f"({type(value).__name__})")
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        try:
            f = float(value)
        except (OverflowError, ValueError):
            raise ValueError(f"{label} must be a finite number in {rng}, got {show_value(value)}") \
                from None
        if not math.isfinite(f):
            raise ValueError(f"{label} must be finite, in {rng}, got {show_value(value)}")
        if integer:
            if f != math.floor(f):
                raise TypeError(f"{label} must be an integer in {rng}, got {show_value(value)}")
            v = int(f)
        else:
            v = f
    if (low is not None and (v <= low if low_open else v < low)) or \
            (high is not None and v > high):
        raise ValueError(f"{label} must lie in {rng}, got {show_value(value)}")
    return v


def set_number(obj, name, **kw):
    """Validate field ``name`` of the frozen dataclass ``obj`` and store it normalised."""
    v = check_number(type(obj).__name__, name, getattr(obj, name), **kw)
    object.__setattr__(obj, name, v)


def check_bool(owner, name, value):
    if isinstance(value, np.bool_):       # numpy bool: accept, store a bool
        return bool(value)
    if not isinstance(value, bool):
        raise TypeError(f"{field_label(owner, name)} must be True or False, got {show_value(value)}")
    return value


def check_tau(owner, name, tau, dt):
    """A time constant of a group validated on its own, against the step ``dt``."""
    if dt / tau > MAX_DT_OVER_TAU * (1 + 1e-12):   # slack: tau = dt/50 computed in floats
        raise ValueError(
            f"{field_label(owner, name)} must lie in [network.dt/{MAX_DT_OVER_TAU:g}, "
            f"{MAX_TAU:g}] ms = [{dt / MAX_DT_OVER_TAU:g}, {MAX_TAU:g}] ms with "
            f"network.dt={dt:g} ms (exp(-dt/tau) must stay representable), got {tau!r}")


