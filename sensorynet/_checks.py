"""Argument checks shared by the protocol-level functions (one message per mistake)."""
import numbers

from .params import ModelParams


def check_params(params) -> ModelParams:
    """``params``, or the published defaults when None; TypeError for anything else."""
    if params is None:
        return ModelParams()
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    return params


def check_seed(seed) -> int:
    """A root seed: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_count(value, name, low=0, default=None) -> int:
    """An integer count >= ``low``; ``default`` when ``value`` is None (if given)."""
    if value is None and default is not None:
        return int(default)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        what = "a non-negative integer" if low == 0 else f"an integer >= {low}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)
