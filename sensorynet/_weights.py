"""Sparse (CSR, by presynaptic row) weight storage for large networks.

The dense ``W[pre, post]`` matrix of the published N=500 network becomes impractical
beyond ~10^4 neurons; :class:`SparseWeights` stores only existing synapses, row by row,
in the layout the compiled core reads directly.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import _network_kernel as _K
from ._param_checks import MAX_N
from ._validate import check_n_exc

__all__ = [
    "SparseWeights",
    "as_dense",
    "weights_equal",
    "PATHWAYS",
    "PATHWAYS_PLASTIC",
    "pathway_slices",
    "group_row_means",
    "existing_block_weights",
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
        for name, arr in (("indptr", indptr), ("indices", indices), ("data", data)):
            if isinstance(arr, np.ma.MaskedArray):
                raise TypeError(f"SparseWeights: {name} must be a plain array, not masked")
        try:
            indptr = np.asarray(indptr)
            indices = np.asarray(indices)
            data = np.asarray(data)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"SparseWeights: indptr, indices and data must be 1-D arrays "
                             f"({exc})") from None
        if isinstance(N, bool) or not isinstance(N, numbers.Integral) and not (
                isinstance(N, numbers.Real) and float(N).is_integer()):
            raise TypeError(f"SparseWeights: N must be an integer, got {N!r}")
        N = int(N)
        if not 2 <= N <= MAX_N:
            raise ValueError(f"SparseWeights: N must lie in [2, {MAX_N}], got {N}")
        if indptr.shape != (N + 1,) or indptr.dtype == np.bool_ \
                or not np.issubdtype(indptr.dtype, np.integer):
            raise ValueError(f"SparseWeights: indptr must be an integer array of length "
                             f"N+1={N + 1}")
        if indices.ndim != 1 or indices.dtype == np.bool_ \
                or not np.issubdtype(indices.dtype, np.integer):
            raise ValueError("SparseWeights: indices must be a 1-D integer array")
        # compare in Python ints / int64 so that unsigned arrays cannot wrap around
        if int(indptr.max()) > np.iinfo(np.int64).max:
            raise ValueError("SparseWeights: indptr values must fit in int64")
        indptr = indptr.astype(np.int64)
        if indptr[0] != 0 or np.any(indptr[1:] < indptr[:-1]) or indptr[-1] != indices.size:
            raise ValueError("SparseWeights: indptr must start at 0, be non-decreasing and "
                             "end at len(indices)")
        if data.shape != indices.shape or data.dtype != np.float64:
            raise ValueError("SparseWeights: data must be float64 with the shape of indices")
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= N):
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

    def check_structure(self):
        """Cheap re-check (the attributes are mutable) before compiled code reads them.

        Raises
        ------
        ValueError
            If dtypes, shapes, ``indptr`` or the index range no longer hold.
        """
        ip, ix, d, N = self.indptr, self.indices, self.data, self.N
        ok = (isinstance(ip, np.ndarray) and isinstance(ix, np.ndarray)
              and isinstance(d, np.ndarray) and not isinstance(d, np.ma.MaskedArray)
              and ip.dtype == np.int64 and ix.dtype == np.int32 and d.dtype == np.float64
              and ip.shape == (N + 1,) and ix.ndim == 1 and d.shape == ix.shape
              and ip[0] == 0 and ip[-1] == ix.size and not np.any(ip[1:] < ip[:-1])
              and (ix.size == 0 or (ix.min() >= 0 and ix.max() < N)))
        if not ok:
            raise ValueError("SparseWeights: indptr/indices/data were modified into an "
                             "invalid structure (build a new SparseWeights)")

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

    def submatrix(self, idx) -> "SparseWeights":
        """``W[idx][:, idx]`` as a :class:`SparseWeights` (never expanded to N×N).

        Parameters
        ----------
        idx : array_like of int
            Distinct neuron indices; the new neuron ``k`` is ``idx[k]``.
        """
        idx = np.asarray(idx).ravel()
        if idx.size and (idx.dtype == np.bool_ or not np.issubdtype(idx.dtype, np.integer)):
            raise TypeError("SparseWeights.submatrix: idx must be integer indices")
        idx = idx.astype(np.int64)
        if idx.size < 2 or idx.min() < 0 or idx.max() >= self.N \
                or np.unique(idx).size != idx.size:
            raise ValueError(f"SparseWeights.submatrix: idx must hold at least 2 distinct "
                             f"indices in 0..{self.N - 1}")
        pos = np.full(self.N, -1, np.int32)
        pos[idx] = np.arange(idx.size)
        r, c = pos[self.rows()], pos[self.indices]
        keep = (r >= 0) & (c >= 0)
        r, c, d = r[keep], c[keep], self.data[keep]
        if np.any(idx[1:] < idx[:-1]):        # CSR order is kept for increasing idx
            order = np.lexsort((c, r))
            r, c, d = r[order], c[order], d[order]
        indptr = np.zeros(idx.size + 1, np.int64)
        np.cumsum(np.bincount(r, minlength=idx.size), out=indptr[1:])
        return SparseWeights(indptr, c, d, idx.size)

    def __getitem__(self, key):
        """Only ``W[np.ix_(idx, idx)]``: the :meth:`submatrix` of ``idx``."""
        if isinstance(key, tuple) and len(key) == 2:
            a, b = (np.asarray(k) for k in key)
            if a.ndim == 2 and a.shape[1] == 1 and b.shape == (1, a.shape[0]) \
                    and np.array_equal(a.ravel(), b.ravel()):
                return self.submatrix(a.ravel())
        raise TypeError("SparseWeights supports only W[np.ix_(idx, idx)] indexing "
                        "(a square submatrix); use to_dense() for anything else")

    def __repr__(self):
        return (f"SparseWeights(N={self.N}, nnz={self.nnz}, "
                f"density={self.nnz / self.N ** 2:.3g})")


def as_dense(W) -> np.ndarray:
    """``W`` as a dense float64 array (a :class:`SparseWeights` is expanded)."""
    return W.to_dense() if isinstance(W, SparseWeights) else np.asarray(W, dtype=np.float64)


def _nonzero_triplets(W):
    nz = W.data != 0
    return W.rows()[nz], W.indices[nz], W.data[nz]


def weights_equal(a, b) -> bool:
    """Whether two weight matrices (dense or sparse) are equal entry by entry.

    Parameters
    ----------
    a, b : ndarray (N, N) or SparseWeights

    Returns
    -------
    bool
        As ``np.array_equal`` of the dense forms: a stored zero equals an absent
        synapse. Sparse ones are never expanded to N×N.
    """
    if not isinstance(a, SparseWeights) and not isinstance(b, SparseWeights):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    a, b = (x if isinstance(x, SparseWeights) else SparseWeights.from_dense(x) for x in (a, b))
    if a.N != b.N:
        return False
    if np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices):
        return bool(np.array_equal(a.data, b.data))
    return all(np.array_equal(x, y) for x, y in zip(_nonzero_triplets(a), _nonzero_triplets(b), strict=True))


# ------------------------------------------------- pathways and blocks of a W
#: Valid pathway names, pre population first.
PATHWAYS = ("EE", "EI", "IE", "II")


def pathway_slices(pathway, n_exc, n):
    """Slices (pre, post) for a pathway name."""
    if not isinstance(pathway, str):
        raise TypeError(f"pathway must be a str, got {type(pathway).__name__}")
    if pathway not in PATHWAYS:
        raise ValueError(f"pathway must be one of {PATHWAYS}, got {pathway!r}")
    pop = {"E": slice(0, n_exc), "I": slice(n_exc, n)}
    return pop[pathway[0]], pop[pathway[1]]


def group_row_means(W, mask):
    """Mean weight from each neuron of a group onto the group (rows of W[group, group]).

    Parameters
    ----------
    W : array_like, shape (N, N), or SparseWeights
        Weights ``W[pre, post]`` (mV).
    mask : array_like of bool
        Selects the group among neurons ``0 .. mask.size - 1``.

    Returns
    -------
    ndarray, shape (group size,)
        ``W[np.ix_(g, g)].mean(axis=1)`` (absent synapses counting as 0, autapses
        included), mV.
    """
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if idx.size == 0:
        return np.zeros(0)
    if isinstance(W, SparseWeights):
        from . import _csr
        return _csr.group_sums(W, idx) / idx.size
    return np.asarray(W)[np.ix_(idx, idx)].mean(axis=1)


def existing_block_weights(W0, W, n_exc, pathway):
    """Weights in ``W0`` and ``W`` of the synapses of a pathway non-zero in ``W0``.

    Parameters
    ----------
    W0, W : array_like, shape (N, N), or SparseWeights
        Reference and compared weights (mV), same N.
    n_exc : int
    pathway : {"EE", "EI", "IE", "II"}

    Returns
    -------
    w0, w : ndarray
        Row-major order, as ``W0[b][m], W[b][m]`` with ``m = W0[b] != 0`` for the
        pathway's block ``b`` of dense arrays.
    """
    n = W0.shape[0]
    pre, post = pathway_slices(pathway, check_n_exc(n_exc, n), n)
    if isinstance(W0, SparseWeights) or isinstance(W, SparseWeights):
        w0, w = (x if isinstance(x, SparseWeights) else SparseWeights.from_dense(x)
                 for x in (W0, W))
        from . import _csr
        return _csr.existing_pairs(w0, w, pre, post)
    b0 = np.asarray(W0)[pre, post]
    m = b0 != 0
    return b0[m], np.asarray(W)[pre, post][m]


#: plastic pathways analysed (I→I is static)
PATHWAYS_PLASTIC = ("EE", "EI", "IE")

