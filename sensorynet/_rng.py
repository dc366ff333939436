"""Private numba kernels: the counter-based random numbers behind the Poisson input.

The count of neuron n at step k is a pure function of (key, k, n): SplitMix64
evaluated at stream position k·N + n gives a uniform double, inverted against the
Poisson CDF of that neuron's current mean (tabulated per segment, the rare tail
continued by the same recurrence). Materialised counts (:func:`poisson_counts`) and
counts generated inside the simulation kernel are therefore identical.
"""
from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

__all__ = ["poisson_counts", "CDF_LEN", "uniform_array"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always")
def uniform(key: np.uint64, pos: np.uint64) -> np.float64:
    """SplitMix64 output number ``pos`` of the stream ``key``, as a double in [0, 1)."""
    z = key + (pos + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return np.float64(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def uniform_array(key: int | np.uint64, pos: NDArray[np.uint64]) -> NDArray[np.float64]:
    """:func:`uniform` of every position in ``pos`` (uint64 array), in numpy.

    The same integer operations (uint64 arithmetic wraps in numpy arrays as in numba),
    and ``z >> 11 < 2**53`` converts to float64 exactly, so the doubles are identical.
    """
    z = (pos + np.uint64(1)) * _GAMMA + np.uint64(key)
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


#: CDF entries tabulated per neuron and segment; larger counts continue the recurrence
CDF_LEN = 16


@njit(cache=True)
def cdf_table(mu: NDArray[np.float64], expm: NDArray[np.float64], seg: int,
              cdf: NDArray[np.float64]) -> None:
    """Poisson CDF values F(0..CDF_LEN−1) of every neuron for one segment.

    Computed by the same recurrence the tail continues with (p_c = p_{c−1}·mu/c,
    F_c = F_{c−1} + p_c), so a tabulated count equals the untabulated one bit for bit.
    """
    N = mu.shape[1]
    for n in range(N):
        m = mu[seg, n]
        p = expm[seg, n]
        F = p
        cdf[0, n] = F
        for c in range(1, CDF_LEN):
            p = p * m / c
            F += p
            cdf[c, n] = F


@njit(cache=True, inline="always")
def _poisson_tail(u: float, mu: float, expm: float) -> int:
    """Poisson inversion by the recurrence, for u beyond the tabulated CDF."""
    p = expm
    F = p
    c = 0
    while u >= F and c < 4096:
        c += 1
        p = p * mu / c
        F += p
        if p == 0.0 and F <= u:   # u beyond what float64 resolves in the tail
            break
    return c


@njit(cache=True, inline="always")
def counts_step(key: np.uint64, k: int, N: int, cdf: NDArray[np.float64],
                mu: NDArray[np.float64], expm: NDArray[np.float64], seg: int,
                out: NDArray[Any]) -> None:
    """Counts of all N neurons at step k into ``out`` (float64 or integer array)."""
    base = np.uint64(k) * np.uint64(N)
    n_big = 0
    # branch-free, vectorisable pass: how many of the first 8 CDF steps u passes
    # (counts are random, so a data-dependent loop would mispredict); prange: inlined
    # into the parallel kernel build it runs on all threads, elsewhere it is a range
    for n in prange(N):
        u = uniform(key, base + np.uint64(n))
        c = 0
        for q in range(8):
            c += u >= cdf[q, n]
        out[n] = c
        n_big += c == 8
    if n_big:
        # rare larger counts: continue in the table, then by the recurrence
        for n in range(N):
            if out[n] == 8:
                u = uniform(key, base + np.uint64(n))
                c = 8
                while c < CDF_LEN and u >= cdf[c, n]:
                    c += 1
                if c == CDF_LEN:
                    c = _poisson_tail(u, mu[seg, n], expm[seg, n])
                out[n] = c


@njit(cache=True)
def poisson_counts(mu: NDArray[np.float64], expm: NDArray[np.float64], seg_len: int,
                   key: np.uint64, T: int, out: NDArray[Any]) -> None:
    """Fill ``out`` (T×N, time-major) with generated counts. ``mu``: (n_seg, N)."""
    N = mu.shape[1]
    n_seg = mu.shape[0]
    cdf = np.empty((CDF_LEN, N))
    cur = -1
    for k in range(T):
        seg = min(k // seg_len, n_seg - 1)
        if seg != cur:
            cdf_table(mu, expm, seg, cdf)
            cur = seg
        counts_step(key, k, N, cdf, mu, expm, seg, out[k])
