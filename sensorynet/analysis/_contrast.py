"""Per-neuron structure measures behind the directional claims and the fingerprint: the
synapses of W0 looked up in a later W, the number of partners of each neuron per
|ΔPO| range, and each presynaptic E neuron's E→E contrast (near minus far partners).

Dense ``W[pre, post]`` arrays and :class:`~sensorynet._weights.SparseWeights` are both
accepted; sparse weights are never expanded to N×N and nothing here is quadratic in N
except for dense input. Angles in rad, |ΔPO| ranges in degrees, weights in mV.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .._orientation import DPO_DECIMALS, wrap_distance
from .._weights import SparseWeights

__all__ = ["SynapseTable", "synapse_table", "partner_counts", "presynaptic_contrast",
           "postsynaptic_change", "NEAR_DEG", "FAR_DEG", "dpo_deg"]

#: |ΔPO| below which a partner is "near" (degrees) in the E→E contrast
NEAR_DEG = 30.0
#: |ΔPO| from which a partner is "far" (degrees)
FAR_DEG = 60.0


def dpo_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """|ΔPO| in degrees, rounded to :data:`~sensorynet._orientation.DPO_DECIMALS`
    decimals (so that pairs on a bin edge are classified the same way everywhere)."""
    return np.round(np.degrees(wrap_distance(np.asarray(a, dtype=np.float64),
                                             np.asarray(b, dtype=np.float64))),
                    DPO_DECIMALS)


@dataclass(frozen=True)
class SynapseTable:
    """The synapses existing in a W0 (or in one pathway's block of it), as flat arrays
    in row-major (CSR) order.

    Attributes
    ----------
    pre, post : ndarray of int64
        Presynaptic and postsynaptic neuron of each synapse.
    w0 : ndarray of float64
        Its weight in W0, mV.
    N : int
    """

    pre: np.ndarray
    post: np.ndarray
    w0: np.ndarray
    N: int
    _indptr: np.ndarray | None = None      # CSR structure the synapses come from ...
    _indices: np.ndarray | None = None
    _pos: np.ndarray | None = None         # ... and their positions in it

    def values(self, W: np.ndarray | SparseWeights) -> np.ndarray:
        """Weights of these synapses in ``W`` (dense, or sparse of any structure;
        0 where ``W`` has no synapse), mV."""
        if not isinstance(W, SparseWeights):
            W = np.asarray(W)
            if W.shape != (self.N, self.N):
                raise ValueError(f"W must have shape ({self.N}, {self.N}), got {W.shape}")
            return W[self.pre, self.post]
        if (self._indptr is not None and self._indices is not None and self._pos is not None
                and W.indices.size == self._indices.size
                and np.array_equal(W.indptr, self._indptr)
                and np.array_equal(W.indices, self._indices)):
            return np.asarray(W.data, dtype=np.float64)[self._pos]
        key = self.pre * self.N + self.post
        keyw = W.rows().astype(np.int64) * W.N + W.indices.astype(np.int64)
        if keyw.size == 0:
            return np.zeros(key.size)
        pos = np.minimum(np.searchsorted(keyw, key), keyw.size - 1)
        return np.where(keyw[pos] == key, W.data[pos], 0.0)

    def pathway(self, n_exc: int, pathway: str) -> np.ndarray:
        """Boolean mask of the synapses of ``pathway`` ("EE", "EI", "IE" or "II")."""
        if pathway not in ("EE", "EI", "IE", "II"):
            raise ValueError(f"pathway must be EE, EI, IE or II, got {pathway!r}")
        a = self.pre < n_exc if pathway[0] == "E" else self.pre >= n_exc
        b = self.post < n_exc if pathway[1] == "E" else self.post >= n_exc
        return a & b


def _block(n_exc: int | None, pathway: str | None, N: int) -> tuple[int, int, int, int]:
    """Row and column ranges of a pathway's block (the whole matrix without one)."""
    if pathway is None:
        return 0, N, 0, N
    if pathway not in ("EE", "EI", "IE", "II") or n_exc is None or not 0 < n_exc < N:
        raise ValueError(f"pathway must be EE, EI, IE or II with 0 < n_exc < N, got "
                         f"{pathway!r}, n_exc={n_exc!r}")
    a, b = (0, n_exc) if pathway[0] == "E" else (n_exc, N)
    c, d = (0, n_exc) if pathway[1] == "E" else (n_exc, N)
    return a, b, c, d


def synapse_table(W0: np.ndarray | SparseWeights, n_exc: int | None = None,
                  pathway: str | None = None) -> SynapseTable:
    """The non-zero synapses of ``W0`` (dense ``W[pre, post]`` or sparse), or only those
    of ``pathway`` (then ``n_exc`` is needed; only that block is read)."""
    if isinstance(W0, SparseWeights):
        a, b, c, d = _block(n_exc, pathway, W0.N)
        lo, hi = int(W0.indptr[a]), int(W0.indptr[b])
        rows = np.repeat(np.arange(a, b, dtype=np.int64), np.diff(W0.indptr[a:b + 1]))
        cols = W0.indices[lo:hi].astype(np.int64)
        data = np.asarray(W0.data[lo:hi], dtype=np.float64)
        keep = np.flatnonzero((data != 0) & (cols >= c) & (cols < d))
        return SynapseTable(rows[keep], cols[keep], data[keep], W0.N, W0.indptr,
                            W0.indices, keep + lo)
    W = np.asarray(W0)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W0 must be a square matrix, got shape {W.shape}")
    N = W.shape[0]
    a, b, c, d = _block(n_exc, pathway, N)
    pre, post = np.nonzero(W[a:b, c:d])
    pre, post = pre.astype(np.int64) + a, post.astype(np.int64) + c
    w0 = W[pre, post].astype(np.float64)
    if pathway is not None:
        return SynapseTable(pre, post, w0, N)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(pre, minlength=N))])
    return SynapseTable(pre, post, w0, N, indptr, post, np.arange(pre.size))


def _within(po: np.ndarray, x_deg: float) -> np.ndarray:
    """For each neuron, how many neurons (itself included) lie at |ΔPO| < x_deg, with
    |ΔPO| as :func:`dpo_deg` computes it. O(n log n): a sorted, periodically extended
    copy of the POs, and the exact |ΔPO| only for the few pairs within 1e-6° of the
    edge. Needs x_deg < 90."""
    n = po.size
    order = np.argsort(po, kind="stable")
    s = po[order]
    ext = np.concatenate([s - np.pi, s, s + np.pi])
    who_ext = np.tile(order, 3)
    x = np.radians(x_deg)
    m = np.radians(1e-6)
    a = np.mod(po, np.pi)
    count = (np.searchsorted(ext, a + x - m, "left")
             - np.searchsorted(ext, a - x + m, "right")).astype(np.int64)
    for lo, hi in ((a - x - m, a - x + m), (a + x - m, a + x + m)):
        i0 = np.searchsorted(ext, lo, "left")
        k = np.searchsorted(ext, hi, "right") - i0
        total = int(k.sum())
        if total:
            who = np.repeat(np.arange(n), k)
            start = np.repeat(np.cumsum(k) - k, k)
            j = who_ext[np.repeat(i0, k) + (np.arange(total) - start)]
            count += np.bincount(who, weights=dpo_deg(po[who], po[j]) < x_deg,
                                 minlength=n).astype(np.int64)
    return count


def partner_counts(po: npt.ArrayLike, lo_deg: float, hi_deg: float) -> np.ndarray:
    """For each neuron i, the number of other neurons j with lo <= |ΔPO_ij| < hi
    (hi = 90 includes 90).

    Parameters
    ----------
    po : array_like, shape (n,)
        Preferred orientations, rad (finite).
    lo_deg, hi_deg : float
        The |ΔPO| range, degrees, 0 <= lo < hi, hi <= 89 or hi = 90.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> partner_counts(np.radians([0.0, 10.0, 50.0, 100.0]), 0, 30).tolist()
    [1, 1, 0, 0]
    """
    p = np.asarray(po, dtype=np.float64)
    if p.ndim != 1 or not np.all(np.isfinite(p)):
        raise ValueError("po must be a 1-D array of finite orientations (rad)")
    if not 0.0 <= lo_deg < hi_deg <= 90.0:
        raise ValueError(f"need 0 <= lo_deg < hi_deg <= 90, got {lo_deg!r}, {hi_deg!r}")

    if hi_deg < 90.0 and hi_deg > 89.0:
        raise ValueError(f"hi_deg must be <= 89 or exactly 90, got {hi_deg!r}")

    def below(x: float) -> np.ndarray:    # others at |ΔPO| < x, 0 <= x <= 89
        return np.zeros(p.size, dtype=np.int64) if x <= 0.0 else _within(p, x) - 1
    upper = np.full(p.size, p.size - 1, dtype=np.int64) if hi_deg == 90.0 else below(hi_deg)
    return upper - below(lo_deg)


def _ee_entries(W: np.ndarray | SparseWeights, n_exc: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, w) of the non-zero E→E synapses of ``W``."""
    if isinstance(W, SparseWeights):
        cut = int(W.indptr[n_exc])
        rows = W.rows()[:cut].astype(np.int64)
        cols = W.indices[:cut].astype(np.int64)
        data = np.asarray(W.data[:cut], dtype=np.float64)
        keep = (cols < n_exc) & (data != 0)
        return rows[keep], cols[keep], data[keep]
    E = np.asarray(W)[:n_exc, :n_exc]
    pre, post = np.nonzero(E)
    return pre.astype(np.int64), post.astype(np.int64), E[pre, post].astype(np.float64)


def presynaptic_contrast(W: np.ndarray | SparseWeights, po: npt.ArrayLike, n_exc: int,
                         near_deg: float = NEAR_DEG, far_deg: float = FAR_DEG
                         ) -> np.ndarray:
    """Each presynaptic E neuron's E→E contrast: its mean outgoing weight to the other
    E neurons at |ΔPO| < ``near_deg`` minus that to those at |ΔPO| >= ``far_deg``
    (absent synapses count as 0), mV.

    Parameters
    ----------
    W : ndarray (N, N) or SparseWeights
        Weights ``W[pre, post]``, mV.
    po : array_like, shape (N,)
        Preferred orientations, rad (the input POs, or measured ones; a neuron with a
        non-finite PO gets NaN and is no one's partner).
    n_exc : int
    near_deg, far_deg : float
        |ΔPO| limits, degrees, 0 < near <= far <= 90.

    Returns
    -------
    ndarray, shape (n_exc,)
        NaN for a neuron without partners in either range.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.zeros((4, 4)); W[0, 1] = 2.0
    >>> presynaptic_contrast(W, np.radians([0.0, 10.0, 80.0, 90.0]), 4).tolist()
    [2.0, 0.0, 0.0, 0.0]
    """
    p_all = np.asarray(po, dtype=np.float64)
    N = W.shape[0]
    if p_all.shape != (N,):
        raise ValueError(f"po must have shape ({N},), got {p_all.shape}")
    if not 0 < n_exc <= N:
        raise ValueError(f"n_exc must be in 1..{N}, got {n_exc!r}")
    if not 0.0 < near_deg <= far_deg <= 90.0:
        raise ValueError(f"need 0 < near_deg <= far_deg <= 90, got {near_deg!r}, "
                         f"{far_deg!r}")
    p = p_all[:n_exc]
    ok = np.isfinite(p)
    out = np.full(n_exc, np.nan)
    if ok.sum() < 2:
        return out
    idx = np.flatnonzero(ok)
    pre, post, w = _ee_entries(W, n_exc)
    keep = ok[pre] & ok[post] & (pre != post)
    pre, post, w = pre[keep], post[keep], w[keep]
    d = dpo_deg(p[pre], p[post])
    near_sum = np.bincount(pre, weights=np.where(d < near_deg, w, 0.0), minlength=n_exc)
    far_sum = np.bincount(pre, weights=np.where(d >= far_deg, w, 0.0), minlength=n_exc)
    n_near = np.zeros(n_exc, dtype=np.int64)
    n_far = np.zeros(n_exc, dtype=np.int64)
    n_near[idx] = partner_counts(p[idx], 0.0, near_deg)
    n_far[idx] = partner_counts(p[idx], far_deg, 90.0)
    good = ok & (n_near > 0) & (n_far > 0)
    out[good] = near_sum[good] / n_near[good] - far_sum[good] / n_far[good]
    return out


def postsynaptic_change(W0: np.ndarray | SparseWeights, W: np.ndarray | SparseWeights,
                        n_exc: int, pathway: str = "EI") -> np.ndarray:
    """Each postsynaptic neuron's mean weight change over its synapses of ``pathway``
    that exist in W0 (pruned ones count with their final 0), mV.

    Parameters
    ----------
    W0, W : ndarray (N, N) or SparseWeights
        Initial and later weights ``W[pre, post]``, mV.
    n_exc : int
    pathway : {"EE", "EI", "IE", "II"}
        Presynaptic population first.

    Returns
    -------
    ndarray
        One value per neuron of the postsynaptic population (E: ``n_exc``, I:
        ``N − n_exc``), in order; NaN for a neuron without such synapses.

    Examples
    --------
    >>> import numpy as np
    >>> W0 = np.zeros((3, 3)); W0[0, 2], W0[1, 2] = 0.5, 0.5
    >>> W = W0.copy(); W[0, 2] = 1.5
    >>> postsynaptic_change(W0, W, 2, "EI").tolist()
    [0.5]
    """
    N = W0.shape[0]
    if not 0 < n_exc < N:
        raise ValueError(f"n_exc must be in 1..{N - 1}, got {n_exc!r}")
    syn = synapse_table(W0, n_exc, pathway)
    first = 0 if pathway[1] == "E" else n_exc
    size = n_exc if pathway[1] == "E" else N - n_exc
    post = syn.post - first
    d = syn.values(W) - syn.w0
    cnt = np.bincount(post, minlength=size)
    s = np.bincount(post, weights=d, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, s / np.maximum(cnt, 1), np.nan)
