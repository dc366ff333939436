"""Connectivity measures on CSR weights (:class:`~sensorynet._weights.SparseWeights`).

The sparse code paths of :mod:`~sensorynet.analysis._connectivity` and
:mod:`~sensorynet.analysis._reciprocity`. They work on the stored synapses (vectorised
numpy over ``indptr``/``indices``/``data``) and, where every neuron pair counts (pairs
per |ΔPO| bin), on chunks of at most :data:`PAIR_CHUNK` pairs, so no N×N array is ever
formed. Arguments are validated by the public functions that dispatch here.

Each function gives the numbers of its dense counterpart bit for bit (tested): the same
elements are summed in the same row-major order, in the same row chunks, and the zeros
a dense sum adds leave a float sum unchanged. The within-group means are the exception
(equal to ~1e-15 relative): a dense mean sums the zeros pairwise.
"""
from __future__ import annotations

import hashlib

import numpy as np

from ._orientation import dpo_bin_index, wrap_distance

__all__ = ["PAIR_CHUNK", "check_sparse", "entries", "lookup", "existing_pairs",
           "pair_counts", "csr_specificity", "csr_bidirectional_counts",
           "csr_dpo_matched_counts", "csr_reciprocal_pairs", "group_sums",
           "dense_block"]

#: neuron pairs per chunk when counting all pairs per |ΔPO| bin (2 MB per float array)
PAIR_CHUNK = 2 ** 18

_PAIR_CACHE: dict = {}


def check_sparse(W, name="W"):
    """``W`` if it is a structurally valid :class:`SparseWeights` with finite weights.

    Parameters
    ----------
    W : SparseWeights
    name : str
        Name used in the error message.

    Returns
    -------
    SparseWeights
        ``W`` itself.

    Raises
    ------
    ValueError
        For a broken structure or non-finite weights.
    """
    W.check_structure()
    if not np.all(np.isfinite(W.data)):
        raise ValueError(f"{name} contains non-finite (NaN/inf) values")
    return W


def entries(W, pre=slice(None), post=slice(None), *, nonzero=True):
    """Presynaptic row, postsynaptic column and weight of the stored synapses.

    Parameters
    ----------
    W : SparseWeights
    pre, post : slice
        Block of rows and columns (default: all).
    nonzero : bool
        Leave out stored zeros (pruned synapses), as ``np.nonzero`` of the dense W.

    Returns
    -------
    rows, cols : ndarray of int64
    data : ndarray of float64
        In CSR (row-major) order.
    """
    a, b, _ = pre.indices(W.N)
    c, d, _ = post.indices(W.N)
    lo, hi = W.indptr[a], W.indptr[b]
    rows = np.repeat(np.arange(a, b, dtype=np.int64), np.diff(W.indptr[a:b + 1]))
    cols = W.indices[lo:hi].astype(np.int64)
    data = W.data[lo:hi]
    sel = (cols >= c) & (cols < d)
    if nonzero:
        sel &= data != 0
    return rows[sel], cols[sel], data[sel]


def lookup(W, rows, cols):
    """Weights at given positions.

    Parameters
    ----------
    W : SparseWeights
    rows, cols : array_like of int
        Presynaptic and postsynaptic neuron of each position.

    Returns
    -------
    ndarray of float64
        ``W[rows, cols]``, 0 where no synapse is stored.
    """
    key = np.asarray(rows, np.int64) * W.N + np.asarray(cols, np.int64)
    keyw = W.rows().astype(np.int64) * W.N + W.indices    # sorted: CSR order
    if keyw.size == 0:
        return np.zeros(key.size)
    pos = np.minimum(np.searchsorted(keyw, key), keyw.size - 1)
    return np.where(keyw[pos] == key, W.data[pos], 0.0)


def existing_pairs(W0, W, pre, post):
    """Weights in ``W0`` and in ``W`` of the synapses non-zero in ``W0``, in a block.

    Parameters
    ----------
    W0, W : SparseWeights
        Same N; W may share W0's structure (fast path) or not.
    pre, post : slice
        Block of rows and columns.

    Returns
    -------
    w0, w : ndarray of float64
        Row-major order, as ``W0[pre, post][m], W[pre, post][m]`` with
        ``m = W0[pre, post] != 0`` on dense arrays.
    """
    rows, cols, w0 = entries(W0, pre, post)
    if np.array_equal(W.indptr, W0.indptr) and np.array_equal(W.indices, W0.indices):
        a, b, _ = pre.indices(W0.N)
        c, d, _ = post.indices(W0.N)
        seg = slice(W0.indptr[a], W0.indptr[b])
        cl, d0 = W0.indices[seg], W0.data[seg]
        sel = (d0 != 0) & (cl >= c) & (cl < d)
        return w0, W.data[seg][sel]
    return w0, lookup(W, rows, cols)


def _bins(p_a, p_b, lo, hi):
    return dpo_bin_index(np.degrees(wrap_distance(p_a, p_b)), lo, hi)


def pair_counts(p_pre, p_post, lo, hi, *, upper=False):
    """Neuron pairs per |ΔPO| bin, synapse or not (memoised; chunks of PAIR_CHUNK).

    Parameters
    ----------
    p_pre, p_post : ndarray
        Preferred orientations (rad) of the pre- and postsynaptic neurons.
    lo, hi : ndarray
        Bin edges, degrees (see :func:`~sensorynet._orientation.dpo_bin_index`).
    upper : bool
        ``p_pre`` is ``p_post``: count unordered pairs ``i < j`` only, binned by
        ``|ΔPO|(p[i], p[j])``.

    Returns
    -------
    ndarray of int64, shape (n_bins,)
    """
    key = (hashlib.sha256(b"".join(np.ascontiguousarray(x, np.float64).tobytes()
                                   for x in (p_pre, [np.nan], p_post, lo, hi))).hexdigest(),
           bool(upper))
    if key not in _PAIR_CACHE:
        counts = np.zeros(lo.size, dtype=np.int64)
        n_post = p_post.size
        step = max(1, PAIR_CHUNK // max(1, n_post))
        for s in range(0, p_pre.size, step):
            e = min(s + step, p_pre.size)
            if upper:       # columns j > i of rows s..e-1
                j0 = s + 1
                k = _bins(p_pre[s:e, None], p_post[None, j0:], lo, hi)
                k[np.arange(s, e)[:, None] >= np.arange(j0, n_post)[None, :]] = -1
            else:
                k = _bins(p_pre[s:e, None], p_post[None, :], lo, hi)
            counts += np.bincount(k[k >= 0], minlength=lo.size)
        if len(_PAIR_CACHE) >= 16:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = counts
    return _PAIR_CACHE[key].copy()


def csr_specificity(W, p, pre, post, lo, hi, existing_only, chunk_elements):
    """Mean weight per |ΔPO| bin of one block (see ``connectivity.specificity``).

    Parameters
    ----------
    W : SparseWeights
    p : ndarray (N,)
        Finite preferred orientations, rad.
    pre, post : slice
        The pathway's block.
    lo, hi : ndarray
        Bin edges, degrees.
    existing_only : bool
    chunk_elements : int
        The dense path's chunk size: partial sums are formed over the same row chunks,
        so the result is the dense one bit for bit.

    Returns
    -------
    ndarray, shape (n_bins,)
        Mean weight per bin, mV; nan for a bin without pairs.
    """
    rows, cols, vals = entries(W, pre, post)
    a, b, _ = pre.indices(W.N)
    n_post = len(range(*post.indices(W.N)))
    k = _bins(p[rows], p[cols], lo, hi)
    chunk = max(1, chunk_elements // max(1, n_post))
    cid = (rows - a) // chunk                         # non-decreasing
    bounds = np.searchsorted(cid, np.arange((b - a) // chunk + 2))
    sums = np.zeros(lo.size)
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        kk = k[s:e]
        m = kk >= 0
        sums += np.bincount(kk[m], weights=vals[s:e][m], minlength=lo.size)
    if existing_only:
        counts = np.bincount(k[k >= 0], minlength=lo.size)
    else:
        counts = pair_counts(p[pre], p[post], lo, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _marked(W, idx, threshold):
    """Off-diagonal entries among neurons ``idx`` that are strong (``> threshold``) or,
    for ``threshold < 0`` (absent synapses are strong then), that are *not* strong.

    Returns positions in ``idx`` (r, c), whether the transposed entry is marked too,
    and whether the marks are the complement.
    """
    n = idx.size
    pos = np.full(W.N, -1, np.int64)
    pos[idx] = np.arange(n)
    r, c = pos[W.rows()], pos[W.indices]
    complement = threshold < 0
    sel = (r >= 0) & (c >= 0) & (r != c)
    sel &= (W.data <= threshold) if complement else (W.data > threshold)
    r, c = r[sel], c[sel]
    key = r * n + c
    order = np.argsort(key, kind="stable")
    r, c, key = r[order], c[order], key[order]
    if key.size:
        tkey = c * n + r
        mutual = key[np.minimum(np.searchsorted(key, tkey), key.size - 1)] == tkey
    else:
        mutual = np.zeros(0, bool)
    return r, c, mutual, complement


def _strong_totals(n_marked, n_mutual, n_pairs, complement):
    """(strong ordered pairs, reciprocally strong unordered pairs) from the marks."""
    if complement:
        return 2 * n_pairs - n_marked, n_pairs - (n_marked - n_mutual)
    return n_marked, n_mutual


def csr_bidirectional_counts(W, n_exc, threshold):
    """Strong E→E connections and reciprocally strong E pairs.

    Parameters
    ----------
    W : SparseWeights
    n_exc : int
    threshold : float
        Strong means ``W > threshold``, mV (absent synapses too, if it is negative).

    Returns
    -------
    n_strong, observed : int
        As in ``reciprocity.bidirectional_counts``.
    """
    r, c, mutual, comp = _marked(W, np.arange(n_exc), threshold)
    n_pairs = n_exc * (n_exc - 1) // 2
    return _strong_totals(r.size, int(np.count_nonzero(mutual & (r < c))), n_pairs, comp)


def csr_dpo_matched_counts(W, p, keep, threshold, lo, hi):
    """Counts of ``reciprocity.bidirectional_counts_dpo_matched``.

    Parameters
    ----------
    W : SparseWeights
    p : ndarray (N,)
        Preferred orientations, rad.
    keep : ndarray of int
        E neurons counted (increasing).
    threshold : float
    lo, hi : ndarray
        |ΔPO| bin edges, degrees.

    Returns
    -------
    n_pairs : ndarray of int64, unordered pairs per bin
    n_strong : ndarray of float64, strong ordered pairs per bin
    obs_bin : ndarray of int64, reciprocally strong pairs per bin
    n_strong_all, observed : int, over all pairs
    """
    pk = p[keep]
    n = keep.size
    nb = lo.size
    n_pairs = pair_counts(pk, pk, lo, hi, upper=True)
    r, c, mutual, comp = _marked(W, keep, threshold)
    k = _bins(pk[np.minimum(r, c)], pk[np.maximum(r, c)], lo, hi)
    up = mutual & (r < c)
    marked_b = np.bincount(k[k >= 0], minlength=nb)
    mutual_b = np.bincount(k[up & (k >= 0)], minlength=nb)
    n_strong, obs_bin = _strong_totals(marked_b, mutual_b, n_pairs, comp)
    total = _strong_totals(r.size, int(np.count_nonzero(up)), n * (n - 1) // 2, comp)
    return (n_pairs, n_strong.astype(np.float64), np.asarray(obs_bin, np.int64),
            int(total[0]), int(total[1]))


def csr_reciprocal_pairs(W, n_exc):
    """Both directions of the reciprocal E→E synapses.

    Parameters
    ----------
    W : SparseWeights
    n_exc : int

    Returns
    -------
    a, b : ndarray of float64
        ``W[i, j]`` and ``W[j, i]`` over E pairs ``i < j`` where both are non-zero, in
        row-major order of ``(i, j)`` (as ``reciprocity.reciprocal_correlation``).
    """
    e = slice(0, n_exc)
    rows, cols, vals = entries(W, e, e)
    key = rows * n_exc + cols                     # sorted: CSR order
    up = rows < cols
    tkey = cols[up] * n_exc + rows[up]
    if key.size == 0:
        return np.zeros(0), np.zeros(0)
    pos = np.minimum(np.searchsorted(key, tkey), key.size - 1)
    found = key[pos] == tkey
    return vals[up][found], vals[pos[found]]


def group_sums(W, idx):
    """Summed weight from each neuron of a group onto the group.

    Parameters
    ----------
    W : SparseWeights
    idx : ndarray of int
        Distinct neurons of the group.

    Returns
    -------
    ndarray of float64, shape (idx.size,)
        ``sum_j W[idx[k], j]`` over ``j`` in ``idx``.
    """
    pos = np.full(W.N, -1, np.int64)
    pos[idx] = np.arange(idx.size)
    r, c = pos[W.rows()], pos[W.indices]
    sel = (r >= 0) & (c >= 0)
    return np.bincount(r[sel], weights=W.data[sel], minlength=idx.size)


def dense_block(W, idx):
    """Dense ``W[np.ix_(idx, idx)]`` (for small ``idx`` only).

    Parameters
    ----------
    W : SparseWeights
    idx : array_like of int

    Returns
    -------
    ndarray, shape (idx.size, idx.size)
    """
    idx = np.asarray(idx, np.int64)
    pos = np.full(W.N, -1, np.int64)
    pos[idx] = np.arange(idx.size)
    rows, cols, vals = entries(W, nonzero=False)
    r, c = pos[rows], pos[cols]
    sel = (r >= 0) & (c >= 0)
    out = np.zeros((idx.size, idx.size))
    out[r[sel], c[sel]] = vals[sel]
    return out

