"""Private kernels: draw a random E/I connectivity in CSR form.

Row i (presynaptic) uses its own stretch of the counter-based stream (positions
i·2^32 + t), so rows are independent and the result does not depend on how the work is
split. Within a block of columns with probability p, the gap to the next synapse is
geometric: ``floor(log(u)/log(1−p))`` -- the same distribution as one Bernoulli(p) draw
per entry, at a cost proportional to the number of synapses.

The dense <-> CSR conversions of weight matrices live here as well.
:func:`draw_csr` computes the same network in numpy (no compilation on a first run);
:func:`build_csr` is the numba form of the same stream, used for vanishing connection
probabilities (see :func:`draw_csr`) and by the tests as the reference.
"""
import math

import numpy as np
from numba import njit

from ._rng import uniform, uniform_array


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
        # explicit loop: a slice assignment compiles numba's shape-mismatch error
        # message (string formatting), ~2 s on an empty cache
        p = indptr[i]
        for t in range(n):
            indices[p + t] = buf_idx[t]
            data[p + t] = buf_w[t]
    return indptr, indices, data


#: below this probability a skip can exceed 2**63 (int conversion in the numba form);
#: such blocks are left to :func:`build_csr`
_P_NUMPY_MIN = 1e-12
#: networks with more synapses (expected) are drawn by the compiled :func:`build_csr`
NUMPY_MAX_SYNAPSES = 2_000_000
#: work arrays of :func:`draw_csr` hold about this many draws at a time
_CHUNK_DRAWS = 1 << 22


def _gaps(key, pos, log_q):
    """``1 + floor(log(1−u)/log_q)`` of the draws at ``pos``, as the numba form computes it.

    numpy's vectorised log may differ from the C library's (numba's) in the last bits,
    which changes the floor only for quotients next to an integer: those few are
    recomputed with ``math.log`` (the C library's).
    """
    u = uniform_array(key, pos)
    q = np.log(1.0 - u) / log_q
    g = np.floor(q)
    near = np.abs(q - np.rint(q)) <= 1e-7 * np.maximum(q, 1.0)
    for idx in zip(*np.nonzero(near), strict=True):
        g[idx] = math.floor(math.log(1.0 - u[idx]) / log_q)
    return g


def _block(key, rows, t0, lo, hi, p):
    """Columns of block ``lo..hi-1`` of each row; the stream of row i starts at t0[i].

    Returns (columns as rows×M array, mask of the synapses, draws used per row).
    """
    n = rows.size
    if p <= 0.0:
        return np.zeros((n, 0), np.int64), np.zeros((n, 0), bool), t0
    if p >= 1.0:
        cols = np.broadcast_to(np.arange(lo, hi), (n, hi - lo))
        return cols, np.ones((n, hi - lo), bool), t0
    log_q = math.log1p(-p)
    m = int(p * (hi - lo) + 6.0 * math.sqrt(p * (hi - lo)) + 16)
    base = (rows.astype(np.uint64) << np.uint64(32))[:, None]
    cols, masks = [], []
    j = np.full(n, lo - 1, np.int64)
    used = t0.copy()
    open_ = np.ones(n, bool)
    while open_.any():
        pos = base + (used[:, None] + np.arange(m)).astype(np.uint64)
        # a gap of more than hi−lo ends the block whatever j was: clip (no overflow)
        g = np.minimum(_gaps(key, pos, log_q), hi - lo + 1).astype(np.int64)
        jj = j[:, None] + np.cumsum(g + 1, axis=1)
        inside = (jj < hi) & open_[:, None]
        n_in = inside.sum(axis=1)
        ended = open_ & (n_in < m)
        used = used + np.where(ended, n_in + 1, np.where(open_, m, 0))
        j = np.where(open_, jj[:, -1], j)
        cols.append(jj)
        masks.append(inside)
        open_ = open_ & ~ended
    return np.concatenate(cols, axis=1), np.concatenate(masks, axis=1), used


def draw_csr(N, N_E, eps, w, key):
    """:func:`build_csr` in numpy: the identical (indptr, indices, data).

    numpy takes ~3× longer than the compiled form per synapse, but needs no
    compilation (~1.5 s on an empty numba cache), so large networks (more than
    ``NUMPY_MAX_SYNAPSES`` expected) use :func:`build_csr`.
    """
    n_syn = (eps[0, 0] * N_E + eps[0, 1] * (N - N_E)) * N_E \
        + (eps[1, 0] * N_E + eps[1, 1] * (N - N_E)) * (N - N_E)
    if n_syn > NUMPY_MAX_SYNAPSES or any(0.0 < p < _P_NUMPY_MIN for p in np.ravel(eps)):
        return build_csr(N, N_E, eps, w, np.uint64(key))
    counts = np.zeros(N + 1, np.int64)
    idx_parts, w_parts = [], []
    exp_row = max(float(eps[0].sum()), float(eps[1].sum())) * N + 64
    step = max(1, int(_CHUNK_DRAWS // exp_row))
    for r, (a, b) in enumerate(((0, N_E), (N_E, N))):
        for s in range(a, b, step):
            rows = np.arange(s, min(s + step, b))
            c0, m0, t = _block(key, rows, np.zeros(rows.size, np.int64), 0, N_E, eps[r, 0])
            c1, m1, _ = _block(key, rows, t, N_E, N, eps[r, 1])
            mask = np.concatenate([m0, m1], axis=1)
            idx_parts.append(np.concatenate([c0, c1], axis=1)[mask].astype(np.int32))
            counts[rows + 1] = mask.sum(axis=1)
            w_parts.append(np.full(idx_parts[-1].size, w[r]))
    indptr = np.cumsum(counts)
    indices = np.concatenate(idx_parts) if idx_parts else np.zeros(0, np.int32)
    data = np.concatenate(w_parts) if w_parts else np.zeros(0)
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


# ------------------------------------------------------------------ dense <-> CSR
def dense_to_csr(W, keep_zero_block_rows_from, keep_zero_block_cols_to):
    """CSR of the nonzeros of W; in rows >= r0 also keep zeros in columns < c1."""
    N = W.shape[0]
    indptr = np.zeros(N + 1, np.int64)
    dense_csr_pass(W, keep_zero_block_rows_from, keep_zero_block_cols_to, indptr,
                   np.empty(0, np.int32), np.empty(0), False)
    indices = np.empty(indptr[N], np.int32)
    data = np.empty(indptr[N], np.float64)
    dense_csr_pass(W, keep_zero_block_rows_from, keep_zero_block_cols_to, indptr, indices,
                   data, True)
    return indptr, indices, data


# numpy allocates, the kernel only fills: numba would compile np.empty/np.zeros for
# every dtype and shape on an empty cache
@njit(cache=True)
def dense_csr_pass(W, r0, c1, indptr, indices, data, fill):
    """Row sizes into ``indptr`` (``fill`` False), then the entries (``fill`` True)."""
    N = W.shape[0]
    for i in range(N):
        p = indptr[i]
        for j in range(W.shape[1]):
            if W[i, j] != 0.0 or (i >= r0 and j < c1):
                if fill:
                    indices[p] = j
                    data[p] = W[i, j]
                p += 1
        if not fill:
            indptr[i + 1] = p


@njit(cache=True)
def csr_to_dense(indptr, indices, data, N, out):
    for i in range(N):
        for p in range(indptr[i], indptr[i + 1]):
            out[i, indices[p]] = data[p]


@njit(cache=True)
def csr_to_dense_fill(indptr, indices, data, N, out):
    """Like csr_to_dense, but writes every entry of ``out`` (may be uninitialised)."""
    for i in range(N):
        row = out[i]
        for j in range(N):
            row[j] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            row[indices[p]] = data[p]
