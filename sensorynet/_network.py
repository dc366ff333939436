"""Network construction: the weight matrix W0 and preferred orientations (docs/model.md §1).

Every entry of ``W[pre, post]`` exists independently with the probability of its
pathway (ε_EE, ε_EI, ε_IE, ε_II); excitatory synapses weigh J, inhibitory ones −gJ;
autapses are allowed, as in the published code. The Bernoulli draws come from the
counter-based generator of :mod:`sensorynet._network_kernel` (geometric skipping, so
the cost is proportional to the number of synapses, not N²): the same seed gives the
same network in any process, whether it is stored dense or sparse, and whether numpy
(small networks: nothing to compile) or numba (large ones) draws it.

With ``NetworkParams.fixed_indegree`` every neuron instead receives exactly
``round(ε_XY·N_X)`` distinct inputs from population X, drawn per postsynaptic neuron
from the same kind of counter-based stream (:func:`~sensorynet._network_kernel.build_csr_fixed`).
"""
from __future__ import annotations

import numpy as np

from ._network_kernel import build_csr_fixed, draw_csr
from ._params import NetworkParams
from ._stimulus import key_from_seed
from ._types import FloatArray, Seed
from ._weights import SparseWeights

__all__ = ["Network", "build_network", "preferred_orientations", "DENSE_MAX_N"]

#: above this size networks are stored sparse by default
DENSE_MAX_N = 5000


def preferred_orientations(N: int, n_exc: int) -> FloatArray:
    """Input preferred orientations, evenly spaced and sorted by index, rad.

    ``po[i] = i·π/N_E`` for E neurons, ``po[N_E + j] = j·π/N_I`` for I neurons.
    """
    if isinstance(N, bool) or int(N) != N or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    if isinstance(n_exc, bool) or int(n_exc) != n_exc or not 1 <= n_exc <= N - 1:
        raise ValueError(f"n_exc must be an integer in 1..N-1, got {n_exc!r}")
    n_inh = N - n_exc
    return np.concatenate([np.arange(n_exc) * np.pi / n_exc,
                           np.arange(n_inh) * np.pi / n_inh])


class Network:
    """A constructed network.

    Attributes
    ----------
    W : ndarray (N, N) or SparseWeights
        Initial weights ``W[pre, post]``, mV.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
        Number of excitatory neurons (indices ``0 .. n_exc-1``).
    params : NetworkParams
    seed : int or None
        The seed it was drawn with (None for a SeedSequence).
    """

    def __init__(self, W: FloatArray | SparseWeights, po: FloatArray, n_exc: int,
                 params: NetworkParams, seed: int | None = None) -> None:
        self.W = W
        self.po = po
        self.n_exc = int(n_exc)
        self.params = params
        self.seed = seed

    @property
    def N(self) -> int:
        """Number of neurons."""
        return self.po.size

    @property
    def is_sparse(self) -> bool:
        """Whether ``W`` is stored as :class:`~sensorynet.SparseWeights`."""
        return isinstance(self.W, SparseWeights)

    def dense_W(self) -> FloatArray:
        """The weights as a dense N×N array (a copy when stored sparse)."""
        W = self.W
        return W.to_dense() if isinstance(W, SparseWeights) else W

    def __repr__(self) -> str:
        W = self.W
        nnz = W.nnz if isinstance(W, SparseWeights) else int(np.count_nonzero(W))
        return (f"Network(N={self.N}, N_E={self.n_exc}, synapses={nnz}, "
                f"{'sparse' if self.is_sparse else 'dense'}, seed={self.seed})")


def build_network(params: NetworkParams | None = None, seed: Seed = 0, *,
                  sparse: bool | None = None) -> Network:
    """Draw W0 and the preferred orientations.

    Parameters
    ----------
    params : NetworkParams, optional
        Defaults to the published network (N=500).
    seed : int or numpy.random.SeedSequence
        Determines the connectivity.
    sparse : bool, optional
        Store W as :class:`~sensorynet.SparseWeights`; default: only when
        ``N > DENSE_MAX_N``.

    Returns
    -------
    Network
    """
    p = params if params is not None else NetworkParams()
    if not isinstance(p, NetworkParams):
        raise TypeError(f"params must be a NetworkParams, got {type(p).__name__}")
    key = np.uint64(key_from_seed(seed))
    N, N_E = p.N, p.N_E
    eps = np.array([[p.eps_EE, p.eps_EI], [p.eps_IE, p.eps_II]])
    w = np.array([p.J, -p.g * p.J])
    if p.fixed_indegree:
        n_pre = np.array([[N_E], [N - N_E]])
        K = np.rint(eps * n_pre).astype(np.int64)
        indptr, indices, data = build_csr_fixed(N, N_E, K, w, key)
    else:
        indptr, indices, data = draw_csr(N, N_E, eps, w, key)
    csr = SparseWeights(indptr, indices, data, N)
    if sparse is None:
        sparse = N > DENSE_MAX_N
    W = csr if sparse else csr.to_dense()
    seed_val = int(seed) if not isinstance(seed, np.random.SeedSequence) else None
    return Network(W, preferred_orientations(N, N_E), N_E, p, seed_val)






