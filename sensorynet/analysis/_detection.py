"""Connectivity as paired recordings measure it: a connection counts when its EPSP
exceeds a detection threshold.

In the model an E→E synapse of weight ``W[pre, post]`` makes the postsynaptic potential
jump by exactly ``W`` mV (docs/model.md §3), so its EPSP amplitude *is* its weight, and
"detected at threshold θ" means ``W > θ``. Experiments such as Ko et al. (2011, 2013)
report connection probabilities of pairs grouped by how similarly the two neurons
respond; :func:`detected_connectivity` computes the same quantities for the model, for a
whole range of thresholds, because the answer depends on it.

Pairs are *distinct* E neurons (autapses, which the model allows, are not pairs); a pair
group is a symmetric boolean mask over the ``n_exc × n_exc`` E block, e.g. from
:func:`pair_groups` applied to |ΔPO| (:func:`~sensorynet.analysis.delta_po`) or to the
signal correlation of tuning curves (:func:`signal_correlation`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._validate import as_real_array, check_n_exc
from .._weights import SparseWeights, as_csr

__all__ = ["detected_connectivity", "pair_groups", "signal_correlation"]


def _e_synapses(W: ArrayLike | SparseWeights, n_exc: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Presynaptic, postsynaptic index and weight (mV) of every stored E→E synapse
    between distinct neurons, read from the CSR form of ``W``."""
    S = as_csr(W)
    n_exc = check_n_exc(n_exc, S.N)
    pre, post, w = S.entries(slice(0, n_exc), slice(0, n_exc))
    keep = pre != post
    return pre[keep].astype(np.int64), post[keep].astype(np.int64), w[keep]


def signal_correlation(rates: ArrayLike) -> np.ndarray:
    """Pearson correlation of every pair of tuning curves (the "signal correlation").

    Parameters
    ----------
    rates : array_like, shape (n_theta, N)
        Mean rate of each neuron at each stimulus orientation, Hz (e.g.
        ``TuningResult.rates``).

    Returns
    -------
    ndarray, shape (N, N)
        ``C[i, j]`` = correlation of the tuning curves of ``i`` and ``j`` across
        orientations, in ``[-1, 1]``; symmetric with ones on the diagonal. Rows and
        columns of neurons whose rate does not vary with orientation (e.g. silent ones)
        are ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [3.0, 1.0, 0.0]])
    >>> np.round(signal_correlation(r), 2)
    array([[ 1.  , -0.33,   nan],
           [-0.33,  1.  ,   nan],
           [  nan,   nan,   nan]])
    """
    r = as_real_array(rates, "rates", ndim=2)
    if r.shape[0] < 2:
        raise ValueError(f"rates needs at least 2 orientations (rows), got {r.shape[0]}")
    z = r - r.mean(axis=0)
    norm = np.sqrt((z * z).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(norm > 0, z / np.where(norm > 0, norm, 1.0), np.nan)
        c = z.T @ z
    return np.clip(c, -1.0, 1.0)


def pair_groups(values: ArrayLike, edges: Sequence[tuple[float, float]], *,
                names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Group pairs of neurons by a pairwise value, one half-open bin per group.

    Parameters
    ----------
    values : array_like, shape (n, n)
        A symmetric pairwise quantity (e.g. |ΔPO| in degrees, or a signal correlation).
        ``nan`` entries belong to no group; the upper triangle is used for both
        orders of a pair, so round-off asymmetry cannot split a pair.
    edges : sequence of (lo, hi)
        A pair belongs to group ``k`` when ``lo_k <= value < hi_k``; the last bin also
        includes ``value == hi``. Bins may leave gaps (e.g. "similar" 0–22.5° and
        "orthogonal" 67.5–90°) but must not overlap.
    names : sequence of str, optional
        Group names (default ``"lo–hi"``).

    Returns
    -------
    dict
        name → boolean mask, shape (n, n), symmetric, diagonal ``False``.
    """
    v = as_real_array(values, "values", ndim=2, allow_nan=True)
    if v.shape[0] != v.shape[1]:
        raise ValueError(f"values must be square, got shape {v.shape}")
    if not np.allclose(v, v.T, rtol=1e-9, atol=1e-9, equal_nan=True):
        raise ValueError("values must be symmetric (a pairwise quantity)")
    v = np.triu(v, 1) + np.triu(v, 1).T     # exactly symmetric (round-off of the caller)
    e = as_real_array(edges, "edges", allow_nan=False)
    if e.ndim != 2 or e.shape[1] != 2 or e.shape[0] < 1:
        raise ValueError(f"edges must be a sequence of (lo, hi) pairs, got shape {e.shape}")
    if not (e[:, 1] > e[:, 0]).all() or not (e[1:, 0] >= e[:-1, 1]).all():
        raise ValueError("edges must be increasing (lo < hi, bins sorted, no overlap)")
    if names is None:
        names = [f"{lo:g}–{hi:g}" for lo, hi in e]
    names = [str(n) for n in names]
    if len(names) != e.shape[0] or len(set(names)) != len(names):
        raise ValueError(f"names must be {e.shape[0]} distinct strings, got {names!r}")
    off = ~np.eye(v.shape[0], dtype=bool)
    out: dict[str, np.ndarray] = {}
    with np.errstate(invalid="ignore"):
        for k, (name, (lo, hi)) in enumerate(zip(names, e, strict=True)):
            upper = v <= hi if k == e.shape[0] - 1 else v < hi
            out[name] = (v >= lo) & upper & off
    return out


def detected_connectivity(W: ArrayLike | SparseWeights, n_exc: int, thresholds: ArrayLike,
                          groups: Mapping[str, np.ndarray] | None = None) -> dict[str, Any]:
    """E→E connection and bidirectional-pair probabilities at each detection threshold.

    A connection ``pre → post`` is *detected* when ``W[pre, post] > threshold`` (mV);
    in this model that is its EPSP amplitude (docs/model.md §3).

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]``, mV.
    n_exc : int
        Number of E neurons (the first ``n_exc``); only the E→E block is used.
    thresholds : array_like, shape (n_thr,)
        Detection thresholds, mV (finite).
    groups : mapping, optional
        name → boolean mask (``n_exc × n_exc``, symmetric) of unordered pairs, e.g. from
        :func:`pair_groups`; ``"all"`` (every pair of distinct E neurons) is always
        added.

    Returns
    -------
    dict
        ``"thresholds"`` (list) and, per group name, a dict of lists over thresholds:

        * ``"n_pairs"`` (int): unordered pairs in the group;
        * ``"p_connected"``: detected ordered connections / ordered pairs (the
          connection probability of paired recordings, both directions tested);
        * ``"p_bidirectional"``: unordered pairs detected in both directions / pairs;
        * ``"p_unidirectional"``: pairs detected in exactly one direction / pairs;
        * ``"bidirectional_ratio"``: ``p_bidirectional / p_connected**2``, the
          bidirectional pairs relative to independent directions with the group's own
          connection probability (``nan`` when nothing is detected).

        Probabilities of an empty group are ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0.0, 1.0, 0.2], [1.0, 0.0, 0.0], [0.6, 0.0, 0.0]])
    >>> d = detected_connectivity(W, 3, [0.1, 0.5])
    >>> d["all"]["p_connected"], d["all"]["p_bidirectional"]
    ([0.6666666666666666, 0.5], [0.6666666666666666, 0.3333333333333333])
    """
    pre, post, w = _e_synapses(W, n_exc)
    n = int(n_exc)
    thr = as_real_array(thresholds, "thresholds", ndim=1)
    if thr.size == 0:
        raise ValueError("thresholds must not be empty")
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    masks = {"all": upper}
    for name, g in dict(groups or {}).items():
        g = np.asarray(g)
        if g.dtype != bool or g.shape != (n, n):
            raise ValueError(f"groups[{name!r}] must be a boolean mask of shape ({n}, {n}), "
                             f"got {g.dtype} {g.shape}")
        if not np.array_equal(g, g.T):
            raise ValueError(f"groups[{name!r}] must be symmetric (unordered pairs)")
        masks[str(name)] = g & upper
    out: dict[str, Any] = {"thresholds": thr.tolist()}
    for name in masks:
        out[name] = {"n_pairs": int(np.count_nonzero(masks[name])), "p_connected": [],
                     "p_bidirectional": [], "p_unidirectional": [],
                     "bidirectional_ratio": []}
    # each synapse as its unordered pair (lo, hi) and its direction
    lo, hi = np.minimum(pre, post), np.maximum(pre, post)
    for t in thr:
        det = w > t
        a, b = lo[det], hi[det]
        key = a * n + b                              # unordered pair of each connection
        uniq, count = np.unique(key, return_counts=True)
        ua, ub = uniq // n, uniq % n                 # detected pairs, and in how many
        for name, m in masks.items():                # directions (1 or 2)
            rec = out[name]
            npairs = rec["n_pairs"]
            if npairs == 0:
                for k in ("p_connected", "p_bidirectional", "p_unidirectional",
                          "bidirectional_ratio"):
                    rec[k].append(float("nan"))
                continue
            inside = m[ua, ub]
            n_conn = int(count[inside].sum())
            p = n_conn / (2 * npairs)
            pb = int(np.count_nonzero(count[inside] == 2)) / npairs
            rec["p_connected"].append(p)
            rec["p_bidirectional"].append(pb)
            rec["p_unidirectional"].append(int(np.count_nonzero(count[inside] == 1)) / npairs)
            rec["bidirectional_ratio"].append(pb / p ** 2 if p > 0 else float("nan"))
    return out
