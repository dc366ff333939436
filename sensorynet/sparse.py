"""Sparse (CSR, by presynaptic row) weight storage for large networks.

The dense ``W[pre, post]`` matrix of the published N=500 network becomes impractical
beyond ~10^4 neurons; :class:`SparseWeights` stores only existing synapses, row by row,
in the layout the compiled core reads directly.
"""
from __future__ import annotations

import numpy as np

from . import _kernels as _K

__all__ = [
    "SparseWeights",
    "as_dense",
]


class SparseWeights:
    """Weights in CSR form, rows = presynaptic neurons, column indices sorted.

    Parameters
    ----------
    indptr : ndarray (N+1,) int64
    indices : ndarray (nnz,) int32, postsynaptic neuron of each synapse
    data : ndarray (nnz,) float64, weight in mV
    N : int
    """

    def __init__(self, indptr, indices, data, N):
        indptr = np.asarray(indptr)
        indices = np.asarray(indices)
        data = np.asarray(data)
        N = int(N)
        if N < 2:
            raise ValueError(f"SparseWeights: N must be >= 2, got {N}")
        if indptr.shape != (N + 1,) or not np.issubdtype(indptr.dtype, np.integer):
            raise ValueError(f"SparseWeights: indptr must be an integer array of length "
                             f"N+1={N + 1}")
        if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != indices.size:
            raise ValueError("SparseWeights: indptr must start at 0, be non-decreasing and "
                             "end at len(indices)")
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError("SparseWeights: indices must be a 1-D integer array")
        if data.shape != indices.shape or data.dtype != np.float64:
            raise ValueError("SparseWeights: data must be float64 with the shape of indices")
        if indices.size and (indices.min() < 0 or indices.max() >= N):
            raise ValueError(f"SparseWeights: indices must lie in 0..{N - 1}")
        if indices.size > 1:
            # the kernel relies on strictly increasing columns within each row (its
            # I→E block is the row's prefix); rows may start anywhere
            step = np.diff(indices.astype(np.int64))
            row_start = np.zeros(indices.size, bool)
            row_start[indptr[1:-1][indptr[1:-1] < indices.size]] = True
            if np.any((step <= 0) & ~row_start[1:]):
                raise ValueError("SparseWeights: column indices must be strictly increasing "
                                 "within each row (sorted, no duplicates)")
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.data = np.ascontiguousarray(data)
        self.N = N

    @property
    def shape(self):
        return (self.N, self.N)

    @property
    def nnz(self) -> int:
        return int(self.data.size)

    @classmethod
    def from_dense(cls, W, keep_inh_to_exc=None):
        """Keep the nonzero entries of a dense matrix.

        ``keep_inh_to_exc=n_exc`` also stores the zero I→E entries (rows >= n_exc,
        columns < n_exc), which unmasked I→E plasticity (``mask_IE=False``) may fill.
        """
        W = np.ascontiguousarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(f"W must be square, got shape {W.shape}")
        N = W.shape[0]
        r0, c1 = (N, 0) if keep_inh_to_exc is None else (int(keep_inh_to_exc),) * 2
        indptr, indices, data = _K.dense_to_csr(W, r0, c1)
        return cls(indptr, indices, data, N)

    def to_dense(self, data=None) -> np.ndarray:
        """Dense N×N copy (of ``data`` on this structure, if given)."""
        out = np.zeros((self.N, self.N))
        _K.csr_to_dense(self.indptr, self.indices, self.data if data is None else data,
                        self.N, out)
        return out

    def rows(self) -> np.ndarray:
        """Presynaptic index of every stored synapse."""
        return np.repeat(np.arange(self.N, dtype=np.int32), np.diff(self.indptr))

    def row_blocks(self, n_exc):
        """Weights of the excitatory rows and of the inhibitory rows (flat arrays)."""
        cut = self.indptr[n_exc]
        return self.data[:cut], self.data[cut:]

    def with_data(self, data) -> "SparseWeights":
        """Same structure (shared, already validated), new weights."""
        data = np.ascontiguousarray(data, dtype=np.float64)
        if data.shape != self.indices.shape:
            raise ValueError(f"SparseWeights.with_data: data must have shape "
                             f"{self.indices.shape}, got {data.shape}")
        new = object.__new__(SparseWeights)
        new.indptr, new.indices, new.data, new.N = self.indptr, self.indices, data, self.N
        return new

    def copy(self) -> "SparseWeights":
        return self.with_data(self.data.copy())

    def __repr__(self):
        return (f"SparseWeights(N={self.N}, nnz={self.nnz}, "
                f"density={self.nnz / self.N ** 2:.3g})")


def as_dense(W) -> np.ndarray:
    """``W`` as a dense float64 array (a :class:`SparseWeights` is expanded)."""
    return W.to_dense() if isinstance(W, SparseWeights) else np.asarray(W, dtype=np.float64)
