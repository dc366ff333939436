"""Structure of a (learned) weight matrix (MODEL.md §1, §6).

Pure-numpy measures of how recurrent weights relate to the neurons' preferred
orientations, how many synapses were pruned or saturated by learning, and how strong
connections pair up reciprocally.

Conventions
-----------
* ``W[pre, post]`` (row = presynaptic neuron), an N x N real matrix in mV;
  ``W == 0`` means "no synapse".
* Neurons ``0 .. n_exc-1`` are excitatory (E), ``n_exc .. N-1`` inhibitory (I).
* Pathways are named pre-then-post: ``"EE"`` (E->E), ``"EI"`` (E->I), ``"IE"``
  (I->E), ``"II"`` (I->I).
* Preferred orientations ``po`` are in rad with period pi, so ``|dPO|`` is in
  ``[0, pi/2]`` (0..90 degrees).
* Autapses (the diagonal) are included wherever the pre and post populations overlap,
  as in the published code, whose W has a non-excluded diagonal.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "DEFAULT_BINS_DEG",
    "PATHWAYS",
    "delta_po",
    "specificity",
    "weights_vs_delta_po",
    "pruning_stats",
    "bidirectional_counts",
    "bidirectional_surplus",
    "reciprocal_correlation",
    "mean_weight_within_groups",
]

#: |dPO| bins (degrees) of the published connection-specificity figure (Fig 3G).
DEFAULT_BINS_DEG = ((0, 30), (30, 60), (60, 90))
#: Valid pathway names, pre population first.
PATHWAYS = ("EE", "EI", "IE", "II")

_CHUNK_ELEMENTS = 2 ** 22  # pairs processed per chunk in specificity (bounds memory)
_DEG_DECIMALS = 9          # |dPO| in degrees is rounded to 1e-9 deg before binning


# --------------------------------------------------------------------------- helpers
def _as_real_array(x, name, *, ndim=None, allow_nan=False):
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular numeric array ({exc})") from None
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.integer)
                                     or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if not allow_nan and not np.isfinite(arr).all():
        raise ValueError(f"{name} contains non-finite (NaN/inf) values")
    return arr


def _check_W(W, name="W"):
    w = _as_real_array(W, name, ndim=2)
    if w.shape[0] != w.shape[1]:
        raise ValueError(f"{name} must be square (N x N), got shape {w.shape}")
    return w


def _check_n_exc(n_exc, n):
    if isinstance(n_exc, bool) or not isinstance(n_exc, numbers.Integral):
        raise TypeError(f"n_exc must be an integer, got {type(n_exc).__name__}")
    if not 0 <= n_exc <= n:
        raise ValueError(f"n_exc must be in [0, N={n}], got {n_exc}")
    return int(n_exc)


def _check_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _check_po(po, n):
    p = _as_real_array(po, "po", ndim=1)
    if p.size != n:
        raise ValueError(f"po must have length N={n}, got {p.size}")
    return p


def _populations(pathway, n_exc, n):
    """Slices (pre, post) for a pathway name."""
    if not isinstance(pathway, str):
        raise TypeError(f"pathway must be a str, got {type(pathway).__name__}")
    if pathway not in PATHWAYS:
        raise ValueError(f"pathway must be one of {PATHWAYS}, got {pathway!r}")
    pop = {"E": slice(0, n_exc), "I": slice(n_exc, n)}
    return pop[pathway[0]], pop[pathway[1]]


def _check_bins(bins_deg):
    b = _as_real_array(bins_deg, "bins_deg")
    if b.ndim != 2 or b.shape[1] != 2 or b.shape[0] < 1:
        raise ValueError(f"bins_deg must be a sequence of (lo, hi) pairs, got shape {b.shape}")
    lo, hi = b[:, 0], b[:, 1]
    if (lo < 0).any():
        raise ValueError("bins_deg edges must be >= 0 degrees")
    if not (hi > lo).all() or not (lo[1:] >= hi[:-1]).all():
        raise ValueError("bins_deg must be increasing: lo < hi within a bin and bins "
                         "sorted without overlap")
    return lo, hi


def _circ(a, b):
    d = np.mod(a - b, np.pi)
    return np.minimum(d, np.pi - d)


# ------------------------------------------------------------------------ public API
def delta_po(po):
    """Matrix of preferred-orientation differences.

    Parameters
    ----------
    po : array_like, shape (N,)
        Preferred orientations (rad, period pi), finite.

    Returns
    -------
    ndarray, shape (N, N)
        ``D[pre, post]`` = circular distance between ``po[pre]`` and ``po[post]``
        (rad, period pi), in ``[0, pi/2]``; symmetric with zero diagonal.
    """
    p = _as_real_array(po, "po", ndim=1)
    return _circ(p[:, None], p[None, :])


def specificity(W, po, n_exc, pathway="EE", bins_deg=DEFAULT_BINS_DEG,
                existing_only=False):
    """Mean weight as a function of |dPO| (connection specificity, Fig 3G).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    po : array_like, shape (N,)
        Preferred orientation of each neuron (rad).
    n_exc : int
        Number of excitatory neurons.
    pathway : {"EE", "EI", "IE", "II"}
        Which block of W to analyse (pre population first).
    bins_deg : sequence of (lo, hi)
        |dPO| bins in degrees, increasing and non-overlapping. Bins are ``[lo, hi)``
        except the last, which is ``[lo, hi]`` (so 90 deg falls in the last default
        bin). |dPO| is rounded to 1e-9 deg before binning so that pairs lying on an
        edge of an evenly spaced PO grid are binned deterministically.
    existing_only : bool
        False (default, as in the published figure): average over all ordered pairs,
        absent synapses counting as 0 mV. True: average only over ``W != 0``.

    Returns
    -------
    ndarray, shape (n_bins,)
        Mean weight (mV) per bin; ``nan`` for a bin without pairs. Autapses
        (``pre == post``, |dPO| = 0) are included for ``"EE"`` and ``"II"``.
    """
    w = _check_W(W)
    n = w.shape[0]
    p = _check_po(po, n)
    n_exc = _check_n_exc(n_exc, n)
    pre, post = _populations(pathway, n_exc, n)
    lo, hi = _check_bins(bins_deg)
    if not isinstance(existing_only, (bool, np.bool_)):
        raise TypeError(f"existing_only must be a bool, got {type(existing_only).__name__}")

    p_pre, p_post = p[pre], p[post]
    block = w[pre, post]
    sums = np.zeros(lo.size)
    counts = np.zeros(lo.size, dtype=np.int64)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, p_post.size))
    for start in range(0, p_pre.size, chunk):
        wb = block[start:start + chunk]
        d = np.round(np.degrees(_circ(p_pre[start:start + chunk, None], p_post[None, :])),
                     _DEG_DECIMALS)
        exist = wb != 0 if existing_only else None
        for k in range(lo.size):
            m = (d >= lo[k]) & ((d <= hi[k]) if k == lo.size - 1 else (d < hi[k]))
            if exist is not None:
                m &= exist
            sums[k] += wb[m].sum()
            counts[k] += np.count_nonzero(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def weights_vs_delta_po(W, po, n_exc, pathway):
    """Weights of existing synapses against their |dPO| (for scatter plots, Fig 3D-F).

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    po : array_like, shape (N,)
        Preferred orientations (rad).
    n_exc : int
        Number of excitatory neurons.
    pathway : {"EE", "EI", "IE", "II"}
        Block of W to use (autapses included).

    Returns
    -------
    dpo : ndarray, shape (n_syn,)
        |dPO| of each existing synapse (rad, in ``[0, pi/2]``), row-major order.
    w : ndarray, shape (n_syn,)
        The corresponding weights (mV), all non-zero.
    """
    w = _check_W(W)
    n = w.shape[0]
    p = _check_po(po, n)
    n_exc = _check_n_exc(n_exc, n)
    pre, post = _populations(pathway, n_exc, n)
    block = w[pre, post]
    i, j = np.nonzero(block)
    return _circ(p[pre][i], p[post][j]), block[i, j].copy()


def pruning_stats(W, W0, n_exc, w_max=2.0, w_min_inh=-5.0):
    """Fate of the initial synapses after learning.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Learned weights (mV).
    W0 : array_like, shape (N, N)
        Initial weights (mV); ``W0 != 0`` defines the synapses that existed.
    n_exc : int
        Number of excitatory neurons.
    w_max : float
        Upper bound of excitatory weights (mV), > 0.
    w_min_inh : float
        Bound of inhibitory (I->E) weights (mV), < 0.

    Returns
    -------
    dict
        For each of ``"EE"``, ``"EI"``, ``"IE"`` a dict with, over the synapses
        existing in ``W0``:

        * ``"n_existing"``: their number (int);
        * ``"pruned"``: fraction now exactly 0;
        * ``"at_bound"``: fraction exactly at the bound (``w_max`` for EE/EI,
          ``w_min_inh`` for IE);
        * ``"mean_existing"``: mean weight in W (mV), pruned ones counting as 0.

        Fractions and means are ``nan`` when no synapse existed.
    """
    w = _check_W(W, "W")
    w0 = _check_W(W0, "W0")
    if w.shape != w0.shape:
        raise ValueError(f"W and W0 must have the same shape, got {w.shape} and {w0.shape}")
    n = w.shape[0]
    n_exc = _check_n_exc(n_exc, n)
    w_max = _check_real(w_max, "w_max")
    w_min_inh = _check_real(w_min_inh, "w_min_inh")
    if w_max <= 0:
        raise ValueError(f"w_max must be > 0, got {w_max}")
    if w_min_inh >= 0:
        raise ValueError(f"w_min_inh must be < 0, got {w_min_inh}")
    out = {}
    for name, bound in (("EE", w_max), ("EI", w_max), ("IE", w_min_inh)):
        pre, post = _populations(name, n_exc, n)
        vals = w[pre, post][w0[pre, post] != 0]
        if vals.size:
            stats = {"pruned": float(np.mean(vals == 0)),
                     "at_bound": float(np.mean(vals == bound)),
                     "mean_existing": float(vals.mean())}
        else:
            stats = dict.fromkeys(("pruned", "at_bound", "mean_existing"), float("nan"))
        out[name] = {"n_existing": int(vals.size), **stats}
    return out


def bidirectional_counts(W, n_exc, threshold=1.0):
    """Count reciprocally strong E<->E pairs and the count expected by chance.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    n_exc : int
        Number of excitatory neurons.
    threshold : float
        A connection is *strong* when ``W > threshold`` (mV).

    Returns
    -------
    dict
        * ``"observed"`` (int): unordered pairs ``i < j`` of E neurons with both
          ``W[i, j]`` and ``W[j, i]`` strong;
        * ``"n_strong"`` (int): strong ordered pairs ``i != j`` (autapses excluded);
        * ``"n_pairs"`` (int): ``n_exc (n_exc - 1) / 2`` unordered pairs;
        * ``"q"`` (float): ``n_strong / (n_exc (n_exc - 1))``;
        * ``"expected"`` (float): ``n_pairs * q**2``, the count if strong
          connections were placed independently.

        With fewer than 2 E neurons, ``q`` and ``expected`` are ``nan``.
    """
    w = _check_W(W)
    n_exc = _check_n_exc(n_exc, w.shape[0])
    threshold = _check_real(threshold, "threshold")
    strong = w[:n_exc, :n_exc] > threshold
    np.fill_diagonal(strong, False)
    n_strong = int(np.count_nonzero(strong))
    observed = int(np.count_nonzero(strong & strong.T)) // 2
    n_pairs = n_exc * (n_exc - 1) // 2
    if n_pairs:
        q = n_strong / (2.0 * n_pairs)
        expected = n_pairs * q * q
    else:
        q = expected = float("nan")
    return {"observed": observed, "expected": float(expected), "n_strong": n_strong,
            "n_pairs": n_pairs, "q": float(q)}


def bidirectional_surplus(W, n_exc, threshold=1.0):
    """Over-representation of reciprocally strong E<->E pairs.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    n_exc : int
        Number of excitatory neurons.
    threshold : float
        Strength threshold (mV), see :func:`bidirectional_counts`.

    Returns
    -------
    float
        ``observed / expected`` from :func:`bidirectional_counts`; 1 for independent
        placement, > 1 when strong connections are preferentially reciprocal.
        ``nan`` when ``expected`` is 0 or undefined.
    """
    c = bidirectional_counts(W, n_exc, threshold)
    e = c["expected"]
    return float(c["observed"] / e) if np.isfinite(e) and e > 0 else float("nan")


def reciprocal_correlation(W, n_exc):
    """Pearson correlation between the two directions of reciprocal E<->E synapses.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    float
        Correlation of ``W[i, j]`` with ``W[j, i]`` over unordered pairs ``i < j`` of
        E neurons where both synapses exist (non-zero). ``nan`` with fewer than 3
        such pairs or when either direction has constant weights.
    """
    w = _check_W(W)
    n_exc = _check_n_exc(n_exc, w.shape[0])
    e = w[:n_exc, :n_exc]
    upper = np.triu(np.ones((n_exc, n_exc), dtype=bool), k=1)
    upper &= (e != 0) & (e.T != 0)
    a, b = e[upper], e.T[upper]
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    a = a - a.mean()
    b = b - b.mean()
    r = float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return min(1.0, max(-1.0, r))


def mean_weight_within_groups(W, groups_mask, n_exc):
    """Mean E->E weight among a group of excitatory neurons.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Weights ``W[pre, post]`` (mV).
    groups_mask : array_like of bool, shape (n_exc,)
        Selects the E neurons of the group.
    n_exc : int
        Number of excitatory neurons.

    Returns
    -------
    float
        Mean of ``W[i, j]`` (mV) over all ordered pairs with ``i`` and ``j`` in the
        group, absent synapses counting as 0 and autapses (``i == j``) included, for
        consistency with :func:`specificity`. ``nan`` for an empty group.
    """
    w = _check_W(W)
    n_exc = _check_n_exc(n_exc, w.shape[0])
    m = np.asarray(groups_mask)
    if m.dtype != np.bool_:
        raise TypeError(f"groups_mask must be a boolean array, got dtype {m.dtype}")
    if m.shape != (n_exc,):
        raise ValueError(f"groups_mask must have shape (n_exc,) = ({n_exc},), got {m.shape}")
    idx = np.flatnonzero(m)
    if idx.size == 0:
        return float("nan")
    return float(w[np.ix_(idx, idx)].mean())
