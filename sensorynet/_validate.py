"""Every argument check of the package, one message per mistake.

* parameter fields (:func:`check_number`, :func:`check_tau`, … behind the parameter
  classes): every accepted value is one the model and the compiled core handle exactly
  (finite, bounded magnitudes, well-conditioned time constants); every refusal names
  the dotted field, the value and the valid range;
* protocol-level arguments (:func:`check_params`, :func:`check_seed`, …);
* weight matrices (:func:`check_weights`, dense or CSR, and :func:`check_csr`, the CSR
  arrays): shape, dtype, finiteness, sign structure and bounds.

It imports nothing else of the package at module level (the parameter classes and the
CSR container import it).
"""
from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from ._params import ModelParams
    from ._weights import SparseWeights

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


def field_label(owner: str, name: str) -> str:
    group = _GROUP_OF.get(owner)
    return f"{owner}.{name}" + (f" ({group}.{name})" if group else "")


def show_value(value: Any) -> str:
    """repr of a value, shortened for huge integers (10**400 has 401 digits)."""
    r = repr(value)
    if len(r) > 40 and isinstance(value, int):
        return f"an integer of {len(str(abs(value)))} digits"
    return r


def range_text(low: float | None, high: float | None, low_open: bool, unit: str) -> str:
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    u = f" {unit}" if unit else ""
    return f"{'(' if low_open else '['}{lo}, {hi}]{u}"


@overload
def check_number(owner: str, name: str, value: Any, *, low: float | None = None,
                 high: float | None = None, low_open: bool = False,
                 integer: Literal[True], unit: str = "") -> int: ...


@overload
def check_number(owner: str, name: str, value: Any, *, low: float | None = None,
                 high: float | None = None, low_open: bool = False,
                 integer: bool = False, unit: str = "") -> int | float: ...


def check_number(owner: str, name: str, value: Any, *, low: float | None = None,
                 high: float | None = None, low_open: bool = False,
                 integer: bool = False, unit: str = "") -> int | float:
    """Validate one scalar field; return it as a plain Python number.

    Accepts Python and numpy numbers (``numbers.Real``, not bool); refuses NaN/inf,
    values outside ``[low, high]`` (``(low, high]`` with ``low_open``) and, with
    ``integer``, non-integral values. Errors name ``owner.name``, the dotted name, the
    value and the valid range.
    """
    label = field_label(owner, name)
    rng = range_text(low, high, low_open, unit)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{label} must be a number in {rng}, got {show_value(value)} "
                        f"({type(value).__name__})")
    v: int | float
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


def set_number(obj: Any, name: str, **kw: Any) -> None:
    """Validate field ``name`` of the frozen dataclass ``obj`` and store it normalised."""
    v = check_number(type(obj).__name__, name, getattr(obj, name), **kw)
    object.__setattr__(obj, name, v)


def check_bool(owner: str, name: str, value: Any) -> bool:
    if isinstance(value, np.bool_):       # numpy bool: accept, store a bool
        return bool(value)
    if not isinstance(value, bool):
        raise TypeError(f"{field_label(owner, name)} must be True or False, got {show_value(value)}")
    return value


def check_tau(owner: str, name: str, tau: float, dt: float) -> None:
    """A time constant of a group validated on its own, against the step ``dt``."""
    if dt / tau > MAX_DT_OVER_TAU * (1 + 1e-12):   # slack: tau = dt/50 computed in floats
        raise ValueError(
            f"{field_label(owner, name)} must lie in [network.dt/{MAX_DT_OVER_TAU:g}, "
            f"{MAX_TAU:g}] ms = [{dt / MAX_DT_OVER_TAU:g}, {MAX_TAU:g}] ms with "
            f"network.dt={dt:g} ms (exp(-dt/tau) must stay representable), got {tau!r}")




# ------------------------------------------------------------ protocol-level arguments


def check_params(params: Any) -> ModelParams:
    """``params``, or the published defaults when None; TypeError for anything else."""
    from ._params import ModelParams  # the parameter classes import this module
    if params is None:
        return ModelParams()
    if not isinstance(params, ModelParams):
        raise TypeError(f"params must be a ModelParams, got {type(params).__name__}")
    return params


def check_seed(seed: Any) -> int:
    """A root seed: a non-negative integer."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_count(value: Any, name: str, low: int = 0, default: int | None = None) -> int:
    """An integer count >= ``low``; ``default`` when ``value`` is None (if given)."""
    if value is None and default is not None:
        return int(default)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        what = "a non-negative integer" if low == 0 else f"an integer >= {low}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- helpers
def as_real_array(x: Any, name: str, *, ndim: int | tuple[int, ...] | None = None,
                  allow_nan: bool = False) -> npt.NDArray[np.float64]:
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


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None
              ) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(np.asarray(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def check_n_exc(n_exc: Any, n: int) -> int:
    """The number of excitatory neurons, an integer in ``[0, n]``."""
    if isinstance(n_exc, bool) or not isinstance(n_exc, numbers.Integral):
        raise TypeError(f"n_exc must be an integer, got {type(n_exc).__name__}")
    value = int(n_exc)
    if not 0 <= value <= n:
        raise ValueError(f"n_exc must be in [0, N={n}], got {value}")
    return value




def require_columns(df: Any, cols: Any, what: str) -> None:
    """ValueError naming ``what`` unless every column of ``cols`` is in ``df``."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} not in the DataFrame "
                         f"(columns: {list(df.columns)})")


# ----------------------------------------------------------------------- weight matrices
def _refuse_masked(x: Any, name: str) -> None:
    """TypeError for a masked array (its mask would be ignored)."""
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(f"{name} must be a plain numpy array, not a masked array "
                        "(the mask would be ignored); use .filled() or np.asarray(x.data)")


def check_csr(indptr: Any, indices: Any, data: Any, N: Any, name: str = "SparseWeights"
              ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32],
                         npt.NDArray[np.float64], int]:
    """The arrays of a CSR weight matrix (rows presynaptic), checked and normalised.

    Parameters
    ----------
    indptr : array_like of int, shape (N + 1,)
        Row ``i`` holds the synapses ``indptr[i] .. indptr[i + 1] - 1``.
    indices : array_like of int, shape (nnz,)
        Postsynaptic neuron of each synapse, strictly increasing within a row.
    data : ndarray of float64, shape (nnz,)
        Weight of each synapse, mV (finiteness is :func:`check_weights`' business).
    N : int
        Number of neurons, in ``[2, MAX_N]``.
    name : str
        Prefix of the error messages.

    Returns
    -------
    indptr : ndarray of int64
    indices : ndarray of int32
    data : ndarray of float64
        C-contiguous (copies only where the dtype or layout differs).
    N : int

    Raises
    ------
    TypeError
        For masked arrays or a non-integer ``N``.
    ValueError
        For any broken structure, naming the array.
    """
    for what, arr in (("indptr", indptr), ("indices", indices), ("data", data)):
        _refuse_masked(arr, f"{name}: {what}")
    try:
        indptr, indices, data = np.asarray(indptr), np.asarray(indices), np.asarray(data)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name}: indptr, indices and data must be 1-D arrays "
                         f"({exc})") from None
    if isinstance(N, bool) or not isinstance(N, numbers.Integral) and not (
            isinstance(N, numbers.Real) and float(N).is_integer()):
        raise TypeError(f"{name}: N must be an integer, got {N!r}")
    N = int(float(N)) if not isinstance(N, numbers.Integral) else int(N)
    if not 2 <= N <= MAX_N:
        raise ValueError(f"{name}: N must lie in [2, {MAX_N}], got {N}")
    if indptr.shape != (N + 1,) or indptr.dtype == np.bool_ \
            or not np.issubdtype(indptr.dtype, np.integer):
        raise ValueError(f"{name}: indptr must be an integer array of length N+1={N + 1}")
    if indices.ndim != 1 or indices.dtype == np.bool_ \
            or not np.issubdtype(indices.dtype, np.integer):
        raise ValueError(f"{name}: indices must be a 1-D integer array")
    # compare in Python ints / int64 so that unsigned arrays cannot wrap around
    if int(indptr.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: indptr values must fit in int64")
    indptr = indptr.astype(np.int64)
    if indptr[0] != 0 or np.any(indptr[1:] < indptr[:-1]) or indptr[-1] != indices.size:
        raise ValueError(f"{name}: indptr must start at 0, be non-decreasing and end at "
                         f"len(indices)")
    if data.shape != indices.shape or data.dtype != np.float64:
        raise ValueError(f"{name}: data must be float64 with the shape of indices")
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= N):
        raise ValueError(f"{name}: indices must lie in 0..{N - 1}")
    if indices.size > 1:
        # the kernel relies on strictly increasing columns within each row (its I→E
        # block is the row's prefix); rows may start anywhere
        step = np.diff(indices.astype(np.int64))
        row_start = np.zeros(indices.size, bool)
        row_start[indptr[1:-1][indptr[1:-1] < indices.size]] = True
        if np.any((step <= 0) & ~row_start[1:]):
            raise ValueError(f"{name}: column indices must be strictly increasing within "
                             f"each row (sorted, no duplicates)")
    return (np.ascontiguousarray(indptr, dtype=np.int64),
            np.ascontiguousarray(indices, dtype=np.int32), np.ascontiguousarray(data), N)


def _csr_intact(W: SparseWeights) -> bool:
    """Cheap re-check of a SparseWeights (its attributes are mutable): dtypes, shapes,
    ``indptr`` and the index range, not the order within rows (O(N + nnz), no sort)."""
    ip, ix, d, N = W.indptr, W.indices, W.data, W.N
    return (isinstance(ip, np.ndarray) and isinstance(ix, np.ndarray)
            and isinstance(d, np.ndarray) and not isinstance(d, np.ma.MaskedArray)
            and ip.dtype == np.int64 and ix.dtype == np.int32 and d.dtype == np.float64
            and ip.shape == (N + 1,) and ix.ndim == 1 and d.shape == ix.shape
            and ip[0] == 0 and ip[-1] == ix.size and not np.any(ip[1:] < ip[:-1])
            and (ix.size == 0 or (ix.min() >= 0 and ix.max() < N)))


def _check_n_exc_range(n_exc: int | None, N: int) -> None:
    if n_exc is not None and not 0 <= n_exc <= N:
        raise ValueError(f"n_exc must be in [0, N={N}], got {n_exc}")


def check_weights(W: Any, name: str = "W", *, strict: bool = False,
                  n_exc: int | None = None, max_abs: float | None = None,
                  bounds: tuple[float, float | None] | None = None,
                  values: bool = True) -> npt.NDArray[np.float64] | SparseWeights:
    """The one check of a weight matrix ``W[pre, post]``, dense or CSR.

    Always: the shape (square N×N; for a :class:`~sensorynet._weights.SparseWeights`
    its structure, re-checked since its arrays are mutable), the dtype and finite
    weights. On request: the sign structure of an E/I network, a magnitude bound and
    the plasticity bounds. One min and one max per population block find NaN, inf and
    every bound violation (this runs before every learning block).

    Parameters
    ----------
    W : array_like (N, N) or SparseWeights
        Weights, mV.
    name : str
        The parameter's name in error messages.
    strict : bool
        A dense ``W`` must be a numpy array of dtype float64 already (the simulation's
        contract: the kernel reads it unconverted); otherwise any real numeric
        array_like is accepted and converted to float64.
    n_exc : int, optional
        Check the sign structure: rows ``0 .. n_exc - 1`` (excitatory) >= 0, the
        others <= 0.
    max_abs : float, optional
        Every weight must lie in ``[-max_abs, max_abs]`` mV.
    bounds : (w_max, w_min_inh), optional
        Excitatory weights must be <= ``w_max`` mV and, unless ``w_min_inh`` is None,
        inhibitory weights >= ``w_min_inh`` mV (needs ``n_exc``).
    values : bool
        False: shape, structure and dtype only (the weights are read later, e.g. once
        N_E is known); finiteness, signs and bounds are then not checked.

    Returns
    -------
    ndarray (N, N) of float64 or SparseWeights
        The dense array as float64 (no copy if it is one), or ``W`` itself.

    Raises
    ------
    TypeError
        For a masked array, a non-numeric dtype, or (``strict``) anything but a float64
        ndarray.
    ValueError
        For a wrong shape or structure, non-finite weights, or a violated sign or
        bound, naming ``name`` and the value found.
    """
    from ._weights import SparseWeights  # the CSR container imports this module
    if isinstance(W, SparseWeights):
        if not _csr_intact(W):
            raise ValueError(f"{name}: indptr/indices/data of the SparseWeights were "
                             f"modified into an invalid structure (build a new "
                             f"SparseWeights)")
        w: npt.NDArray[np.float64] | SparseWeights = W
        N = W.N
        _check_n_exc_range(n_exc, N)
        if n_exc is None:
            blocks = [W.data]
        else:
            cut = W.indptr[n_exc]
            blocks = [W.data[:cut], W.data[cut:]]
    else:
        _refuse_masked(W, name)
        if strict:
            if not isinstance(W, np.ndarray):
                raise TypeError(f"{name} must be a numpy array or SparseWeights, got "
                                f"{type(W).__name__}")
            arr = W
        else:
            try:
                arr = np.asarray(W)
            except (ValueError, TypeError) as exc:   # ragged nested sequences
                raise ValueError(f"{name} must be a rectangular numeric array "
                                 f"({exc})") from None
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D, a square (N×N) matrix, got shape "
                             f"{arr.shape}")
        if arr.shape[0] != arr.shape[1]:
            raise ValueError(f"{name} must be square (N×N), got shape {arr.shape}")
        if strict and arr.dtype != np.float64:
            raise TypeError(f"{name} must have dtype float64, got {arr.dtype}")
        if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                         or np.issubdtype(arr.dtype, np.floating)):
            raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
        w = arr.astype(np.float64, copy=False)
        N = w.shape[0]
        _check_n_exc_range(n_exc, N)
        blocks = [w] if n_exc is None else [w[:n_exc], w[n_exc:]]
    if not values:
        return w
    ext = [(float(b.min()), float(b.max())) if b.size else None for b in blocks]
    if not all(math.isfinite(x) for e in ext if e is not None for x in e):
        raise ValueError(f"{name} contains non-finite (NaN/inf) values")
    if n_exc is not None:
        e, i = ext
        if e is not None and e[0] < 0:
            raise ValueError(f"{name}: rows 0..{n_exc - 1} are excitatory and must be "
                             f">= 0, found {e[0]:g}")
        if i is not None and i[1] > 0:
            raise ValueError(f"{name}: rows {n_exc}..N-1 are inhibitory and must be <= 0, "
                             f"found {i[1]:g}")
    if max_abs is not None:
        for e in ext:
            if e is not None and max(-e[0], e[1]) > max_abs:
                bad = e[0] if -e[0] > e[1] else e[1]
                raise ValueError(f"{name}: weights must lie in [-{max_abs:g}, "
                                 f"{max_abs:g}] mV, found {bad:g}")
    if bounds is not None:
        if n_exc is None:
            raise ValueError("check_weights: bounds need n_exc")
        w_max, w_min_inh = bounds
        e, i = ext
        if e is not None and e[1] > w_max:
            raise ValueError(f"{name}: excitatory weight {e[1]:g} mV exceeds "
                             f"plasticity.w_max={w_max:g} mV (plastic run)")
        if w_min_inh is not None and i is not None and i[0] < w_min_inh:
            raise ValueError(f"{name}: inhibitory weight {i[0]:g} mV is below "
                             f"plasticity.w_min_inh={w_min_inh:g} mV (plastic run)")
    return w
