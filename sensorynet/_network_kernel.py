"""Private numba kernel: draw a random E/I connectivity in CSR form.

Row i (presynaptic) uses its own stretch of the counter-based stream (positions
i·2^32 + t), so rows are independent and the result does not depend on how the work is
split. Within a block of columns with probability p, the gap to the next synapse is
geometric: ``floor(log(u)/log(1−p))`` -- the same distribution as one Bernoulli(p) draw
per entry, at a cost proportional to the number of synapses.
"""
import math

import numpy as np
from numba import njit

from ._rng import uniform


@njit(cache=True)
def _row(i, N, N_E, eps, w, key, out_idx, out_w):
    """Fill one row; return the number of synapses written."""
    r = 0 if i < N_E else 1
    pos = np.uint64(i) << np.uint64(32)
    n = 0
    for blk in range(2):
        lo = 0 if blk == 0 else N_E
        hi = N_E if blk == 0 else N
        p = eps[r, blk]
        if p <= 0.0:
            continue
        if p >= 1.0:
            for j in range(lo, hi):
                out_idx[n] = j
                out_w[n] = w[r]
                n += 1
            continue
        log_q = math.log1p(-p)
        j = lo - 1
        while True:
            u = uniform(key, pos)
            pos += np.uint64(1)
            # 1 - u lies in (0, 1]: log is finite
            j += 1 + int(math.floor(math.log(1.0 - u) / log_q))
            if j >= hi:
                break
            out_idx[n] = j
            out_w[n] = w[r]
            n += 1
    return n


@njit(cache=True)
def build_csr(N, N_E, eps, w, key):
    """CSR (indptr, indices, data) of a random network; see module docstring."""
    buf_idx = np.empty(N, np.int32)
    buf_w = np.empty(N)
    counts = np.zeros(N + 1, np.int64)
    # first pass: sizes (the stream is deterministic, so the second pass repeats it)
    for i in range(N):
        counts[i + 1] = _row(i, N, N_E, eps, w, key, buf_idx, buf_w)
    indptr = np.cumsum(counts)
    indices = np.empty(indptr[N], np.int32)
    data = np.empty(indptr[N])
    for i in range(N):
        n = _row(i, N, N_E, eps, w, key, buf_idx, buf_w)
        indices[indptr[i]:indptr[i] + n] = buf_idx[:n]
        data[indptr[i]:indptr[i] + n] = buf_w[:n]
    return indptr, indices, data


# ------------------------------------------------------------------ fixed in-degree
@njit(cache=True)
def _choose(key, pos, lo, n, k, stamp, mark, out, m):
    """Floyd's algorithm: ``k`` distinct indices of ``lo .. lo+n-1``, uniformly.

    Draw number t of the choice uses stream position ``pos + t``; ``mark`` holds
    ``stamp`` for indices already chosen (no clearing between columns). Appends to
    ``out`` from ``m`` on and returns the new length.
    """
    if k >= n:
        for j in range(n):
            out[m] = lo + j
            m += 1
        return m
    t = 0
    for j in range(n - k, n):
        u = uniform(key, pos + np.uint64(t))
        t += 1
        r = int(u * (j + 1))
        if r > j:            # guard against rounding at u -> 1
            r = j
        if mark[lo + r] == stamp:
            r = j
        mark[lo + r] = stamp
        out[m] = lo + r
        m += 1
    return m


@njit(cache=True)
def build_csr_fixed(N, N_E, K, w, key):
    """CSR of a network in which every neuron receives exactly ``K[pre_type, post_type]``
    distinct inputs from each population (fixed in-degree).

    Postsynaptic column j and presynaptic population q draw from stream positions
    ``j·2^32 + q·2^31 + t`` (independent of N's split into work, as for
    :func:`build_csr`); the presynaptic partners are a uniform random subset (Floyd's
    algorithm). Columns are transposed to rows by a counting pass, so the indices of
    every row come out sorted.
    """
    k_post = np.zeros(N, np.int64)
    for j in range(N):
        c = 0 if j < N_E else 1
        k_post[j] = min(K[0, c], N_E) + min(K[1, c], N - N_E)
    cptr = np.zeros(N + 1, np.int64)
    for j in range(N):
        cptr[j + 1] = cptr[j] + k_post[j]
    pre = np.empty(cptr[N], np.int32)
    mark = np.zeros(N, np.int64)
    for j in range(N):
        c = 0 if j < N_E else 1
        base = np.uint64(j) << np.uint64(32)
        m = cptr[j]
        m = _choose(key, base, 0, N_E, K[0, c], j + 1, mark, pre, m)
        m = _choose(key, base + (np.uint64(1) << np.uint64(31)), N_E, N - N_E, K[1, c],
                    j + 1, mark, pre, m)
    # transpose: rows = presynaptic
    counts = np.zeros(N + 1, np.int64)
    for s in range(pre.size):
        counts[pre[s] + 1] += 1
    indptr = np.cumsum(counts)
    fill = indptr[:N].copy()
    indices = np.empty(indptr[N], np.int32)
    data = np.empty(indptr[N])
    for j in range(N):                     # ascending j: sorted columns in every row
        for s in range(cptr[j], cptr[j + 1]):
            i = pre[s]
            indices[fill[i]] = j
            data[fill[i]] = w[0] if i < N_E else w[1]
            fill[i] += 1
    return indptr, indices, data
