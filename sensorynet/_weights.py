"""The weight representation of the package: CSR (compressed sparse rows, rows =
presynaptic neurons), the layout the compiled core reads directly, and the primitives
every analysis computes with.

The dense ``W[pre, post]`` matrix of the published N = 500 network becomes impractical
beyond ~10^4 neurons; :class:`SparseWeights` stores only existing synapses, row by row.
Analyses take dense or CSR weights and convert dense ones once, at their boundary
(:func:`as_csr`); from there on they read the stored synapses only (vectorised numpy
over ``indptr``/``indices``/``data``), so no N×N array is ever formed.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import _network_kernel as _K
from ._types import BoolArray, FloatArray, IntArray
from ._validate import check_csr, check_n_exc, check_weights

__all__ = [
    "SparseWeights",
    "as_csr",
    "weights_equal",
    "PATHWAYS",
    "PATHWAYS_PLASTIC",
    "pathway_slices",
    "group_row_means",
    "existing_block_weights",
    "BLOCK_ELEMENTS",
]

#: largest dense block (elements, 8 MB) formed from CSR rows: the row chunks of a
#: group's block (:meth:`SparseWeights.group_block`) hold at most this many
BLOCK_ELEMENTS = 2 ** 20


class SparseWeights:
    """Weights in CSR form, rows = presynaptic neurons, column indices sorted.

    Parameters
    ----------
    indptr : array_like of int, shape (N + 1,)
        Row ``i`` holds the synapses ``indptr[i] .. indptr[i + 1] - 1``.
    indices : array_like of int, shape (nnz,)
        Postsynaptic neuron of each synapse, strictly increasing within a row.
    data : ndarray of float64, shape (nnz,)
        Weight of each synapse, mV. A stored zero is a pruned synapse.
    N : int
        Number of neurons.

    Raises
    ------
    TypeError, ValueError
        For a broken structure (:func:`sensorynet._validate.check_csr`).
    """

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    N: int

    def __init__(self, indptr: npt.ArrayLike, indices: npt.ArrayLike, data: npt.ArrayLike,
                 N: int) -> None:
        self.indptr, self.indices, self.data, self.N = check_csr(indptr, indices, data, N)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.N, self.N)

    @property
    def nnz(self) -> int:
        """Number of stored synapses (stored zeros included)."""
        return int(self.data.size)

    @classmethod
    def from_dense(cls, W: npt.ArrayLike, keep_inh_to_exc: int | None = None
                   ) -> SparseWeights:
        """Keep the nonzero entries of a dense matrix.

        Parameters
        ----------
        W : array_like, shape (N, N)
            Dense weights, mV.
        keep_inh_to_exc : int, optional
            ``n_exc``: also store the zero I→E entries (rows >= n_exc, columns <
            n_exc), which unmasked I→E plasticity (``mask_IE=False``) may fill.

        Returns
        -------
        SparseWeights
        """
        W = np.ascontiguousarray(W, dtype=np.float64)
        if W.ndim != 2 or W.shape[0] != W.shape[1]:
            raise ValueError(f"W must be square, got shape {W.shape}")
        N = W.shape[0]
        r0, c1 = (N, 0) if keep_inh_to_exc is None else (int(keep_inh_to_exc),) * 2
        indptr, indices, data = _K.dense_to_csr(W, r0, c1)
        new = object.__new__(cls)      # the conversion's output is valid by construction
        new.indptr, new.indices, new.data, new.N = indptr, indices, data, N
        return new

    def to_dense(self, data: FloatArray | None = None) -> FloatArray:
        """Dense N×N copy (of ``data`` on this structure, if given), mV."""
        out = np.zeros((self.N, self.N))
        _K.csr_to_dense(self.indptr, self.indices, self.data if data is None else data,
                        self.N, out)
        return out

    def rows(self) -> IntArray:
        """Presynaptic index of every stored synapse."""
        return np.repeat(np.arange(self.N, dtype=np.int32), np.diff(self.indptr))

    def with_data(self, data: npt.ArrayLike) -> SparseWeights:
        """Same structure (shared, already validated), new weights (mV)."""
        data = np.ascontiguousarray(data, dtype=np.float64)
        if data.shape != self.indices.shape:
            raise ValueError(f"SparseWeights.with_data: data must have shape "
                             f"{self.indices.shape}, got {data.shape}")
        new = object.__new__(SparseWeights)
        new.indptr, new.indices, new.data, new.N = self.indptr, self.indices, data, self.N
        return new

    def copy(self) -> SparseWeights:
        return self.with_data(self.data.copy())

    def same_structure(self, other: SparseWeights) -> bool:
        """Whether ``other`` stores the same synapses (positions) as this one."""
        return self.N == other.N and (
            (self.indptr is other.indptr and self.indices is other.indices)
            or (np.array_equal(self.indptr, other.indptr)
                and np.array_equal(self.indices, other.indices)))

    # ------------------------------------------------------------- reading synapses
    def entries(self, pre: slice = slice(None), post: slice = slice(None), *,
                nonzero: bool = True) -> tuple[IntArray, IntArray, FloatArray]:
        """Presynaptic row, postsynaptic column and weight of the stored synapses.

        Parameters
        ----------
        pre, post : slice
            Block of rows and columns (default: all).
        nonzero : bool
            Leave out stored zeros (pruned synapses), as ``np.nonzero`` of the dense W.

        Returns
        -------
        rows, cols : ndarray of int64
        data : ndarray of float64
            In CSR (row-major) order, weights in mV.
        """
        rows, cols, data, _ = self._block_entries(pre, post, nonzero)
        return rows, cols, data

    def _block_entries(self, pre: slice, post: slice, nonzero: bool
                       ) -> tuple[IntArray, IntArray, FloatArray, BoolArray]:
        """:meth:`entries` and the selection mask over the rows' stored synapses."""
        a, b, _ = pre.indices(self.N)
        c, d, _ = post.indices(self.N)
        lo, hi = self.indptr[a], self.indptr[b]
        rows = np.repeat(np.arange(a, b, dtype=np.int64), np.diff(self.indptr[a:b + 1]))
        cols = self.indices[lo:hi].astype(np.int64)
        data = self.data[lo:hi]
        sel = (cols >= c) & (cols < d)
        if nonzero:
            sel &= data != 0
        return rows[sel], cols[sel], data[sel], sel

    def group_coords(self, idx: IntArray) -> tuple[IntArray, IntArray,
                                                    BoolArray]:
        """Every stored synapse's row and column as positions in the group ``idx``.

        Parameters
        ----------
        idx : ndarray of int
            Distinct neurons of the group.

        Returns
        -------
        r, c : ndarray of int64, shape (nnz,)
            Position in ``idx`` of the synapse's pre- and postsynaptic neuron, -1 if
            it is not in the group.
        inside : ndarray of bool, shape (nnz,)
            Both are in the group.
        """
        pos = np.full(self.N, -1, np.int64)
        pos[idx] = np.arange(idx.size)
        r, c = pos[self.rows()], pos[self.indices]
        return r, c, (r >= 0) & (c >= 0)

    def group_block(self, idx: npt.ArrayLike, first: int = 0, stop: int | None = None
                    ) -> FloatArray:
        """Dense rows ``first .. stop - 1`` of ``W[np.ix_(idx, idx)]``, mV.

        For a small group, or a few rows of one (see :data:`BLOCK_ELEMENTS`): the
        array has ``(stop - first) × idx.size`` elements.
        """
        idx = np.asarray(idx, np.int64)
        stop = idx.size if stop is None else stop
        r, c, sel = self.group_coords(idx)
        sel &= (r >= first) & (r < stop)
        out = np.zeros((stop - first, idx.size))
        out[r[sel] - first, c[sel]] = self.data[sel]
        return out

    def submatrix(self, idx: npt.ArrayLike) -> SparseWeights:
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
        return self.select(idx)

    def select(self, idx: IntArray) -> SparseWeights:
        """:meth:`submatrix` of distinct valid indices, of any number (0 and 1 too:
        the analyses' subsets of neurons with a finite preferred orientation)."""
        r, c, keep = self.group_coords(idx)
        r, c, d = r[keep], c[keep], self.data[keep]
        if np.any(idx[1:] < idx[:-1]):        # CSR order is kept for increasing idx
            order = np.lexsort((c, r))
            r, c, d = r[order], c[order], d[order]
        new = object.__new__(SparseWeights)   # valid by construction
        new.indptr = np.zeros(idx.size + 1, np.int64)
        np.cumsum(np.bincount(r, minlength=idx.size), out=new.indptr[1:])
        new.indices, new.data, new.N = c.astype(np.int32), np.ascontiguousarray(d), idx.size
        return new

    def __getitem__(self, key: Any) -> SparseWeights:
        """Only ``W[np.ix_(idx, idx)]``: the :meth:`submatrix` of ``idx``."""
        if isinstance(key, tuple) and len(key) == 2:
            a, b = (np.asarray(k) for k in key)
            if a.ndim == 2 and a.shape[1] == 1 and b.shape == (1, a.shape[0]) \
                    and np.array_equal(a.ravel(), b.ravel()):
                return self.submatrix(a.ravel())
        raise TypeError("SparseWeights supports only W[np.ix_(idx, idx)] indexing "
                        "(a square submatrix); use to_dense() for anything else")

    def __repr__(self) -> str:
        return (f"SparseWeights(N={self.N}, nnz={self.nnz}, "
                f"density={self.nnz / self.N ** 2:.3g})")


def as_csr(W: npt.ArrayLike | SparseWeights, name: str = "W") -> SparseWeights:
    """``W`` checked (:func:`~sensorynet._validate.check_weights`) and in CSR form: the
    boundary at which every analysis converts dense weights, once.

    Parameters
    ----------
    W : array_like (N, N) or SparseWeights
        Weights ``W[pre, post]``, mV; a dense matrix keeps its nonzero entries.
    name : str
        The parameter's name in error messages.

    Returns
    -------
    SparseWeights
        ``W`` itself if it is one.
    """
    w = check_weights(W, name)
    return w if isinstance(w, SparseWeights) else SparseWeights.from_dense(w)


def _nonzero_triplets(W: SparseWeights) -> tuple[np.ndarray, np.ndarray, FloatArray]:
    nz = W.data != 0
    return W.rows()[nz], W.indices[nz], W.data[nz]


def weights_equal(a: npt.ArrayLike | SparseWeights, b: npt.ArrayLike | SparseWeights
                  ) -> bool:
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
    if a.same_structure(b):
        return bool(np.array_equal(a.data, b.data))
    return all(np.array_equal(x, y) for x, y in
               zip(_nonzero_triplets(a), _nonzero_triplets(b), strict=True))


# ------------------------------------------------- pathways and blocks of a W
#: Valid pathway names, pre population first.
PATHWAYS = ("EE", "EI", "IE", "II")
#: plastic pathways analysed (I→I is static)
PATHWAYS_PLASTIC = ("EE", "EI", "IE")


def pathway_slices(pathway: str, n_exc: int, n: int) -> tuple[slice, slice]:
    """Slices (pre, post) of the neurons of a pathway (``"EE"``, ``"EI"``, …)."""
    if not isinstance(pathway, str):
        raise TypeError(f"pathway must be a str, got {type(pathway).__name__}")
    if pathway not in PATHWAYS:
        raise ValueError(f"pathway must be one of {PATHWAYS}, got {pathway!r}")
    pop = {"E": slice(0, n_exc), "I": slice(n_exc, n)}
    return pop[pathway[0]], pop[pathway[1]]


def group_row_means(W: npt.ArrayLike | SparseWeights, mask: npt.ArrayLike) -> FloatArray:
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
        included), mV. Each row's mean is numpy's (pairwise) mean of the dense row,
        formed from the CSR rows in chunks of at most :data:`BLOCK_ELEMENTS`.
    """
    w = as_csr(W)
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    if idx.size == 0:
        return np.zeros(0)
    step = max(1, BLOCK_ELEMENTS // idx.size)
    return np.concatenate([w.group_block(idx, s, min(s + step, idx.size)).mean(axis=1)
                           for s in range(0, idx.size, step)])


def existing_block_weights(W0: npt.ArrayLike | SparseWeights,
                           W: npt.ArrayLike | SparseWeights, n_exc: int, pathway: str
                           ) -> tuple[FloatArray, FloatArray]:
    """Weights in ``W0`` and ``W`` of the synapses of a pathway non-zero in ``W0``.

    Parameters
    ----------
    W0, W : array_like, shape (N, N), or SparseWeights
        Reference and compared weights (mV), same N.
    n_exc : int
        Number of excitatory neurons.
    pathway : {"EE", "EI", "IE", "II"}

    Returns
    -------
    w0, w : ndarray
        mV, in row-major order, as ``W0[b][m], W[b][m]`` with ``m = W0[b] != 0`` for
        the pathway's block ``b`` of dense arrays (pruned synapses are 0 in ``w``).
    """
    w0c, wc = as_csr(W0, "W0"), as_csr(W, "W")
    if wc.N != w0c.N:
        raise ValueError(f"W and W0 must have the same shape, got {wc.shape} and "
                         f"{w0c.shape}")
    pre, post = pathway_slices(pathway, check_n_exc(n_exc, w0c.N), w0c.N)
    return existing_pairs(w0c, wc, pre, post)


def existing_pairs(W0: SparseWeights, W: SparseWeights, pre: slice, post: slice
                   ) -> tuple[FloatArray, FloatArray]:
    """:func:`existing_block_weights` on checked CSR weights and a block (pre, post)."""
    a, b, _ = pre.indices(W0.N)
    rows, cols, w0, sel = W0._block_entries(pre, post, True)
    if W.same_structure(W0):      # W on W0's synapses (as plasticity leaves it)
        return w0, W.data[W0.indptr[a]:W0.indptr[b]][sel]
    # look each synapse up among W's synapses of the same block, by its flat
    # (row, column) key: both lists are sorted in CSR order
    r, c, d, _ = W._block_entries(pre, post, False)
    key, keyw = rows * W.N + cols, r * W.N + c
    if keyw.size == 0:
        return w0, np.zeros(key.size)
    pos = np.minimum(np.searchsorted(keyw, key), keyw.size - 1)
    return w0, np.where(keyw[pos] == key, d[pos], 0.0)
