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
