"""Argument checks shared by the protocol-level functions (one message per mistake)."""
import numbers

import numpy as np

from ._params import ModelParams


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


# --------------------------------------------------------------------------- helpers
def as_real_array(x, name, *, ndim=None, allow_nan=False):
    """Return ``x`` as a float64 array after checking dtype, ndim and finiteness."""
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular numeric array ({exc})") from None
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        what = f"be {ndim}-D" if isinstance(ndim, int) else f"have ndim {ndim}"
        raise ValueError(f"{name} must {what}, got shape {arr.shape}")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        what = "infinite" if allow_nan else "non-finite (NaN/inf)"
        raise ValueError(f"{name} contains {what} values")
    return arr


def check_int(value, name, *, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def check_W(W, name="W"):
    w = as_real_array(W, name, ndim=2)
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"{name} must be square (N x N), got shape {w.shape}")
    return w


def check_n_exc(n_exc, n):
    if isinstance(n_exc, bool) or not isinstance(n_exc, numbers.Integral):
        raise TypeError(f"n_exc must be an integer, got {type(n_exc).__name__}")
    if not 0 <= n_exc <= n:
        raise ValueError(f"n_exc must be in [0, N={n}], got {n_exc}")
    return int(n_exc)




def require_columns(df, cols, what):
    """ValueError naming ``what`` unless every column of ``cols`` is in ``df``."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} not in the DataFrame "
                         f"(columns: {list(df.columns)})")
