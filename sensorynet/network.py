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

:func:`scaled_model` resizes a whole :class:`~sensorynet.params.ModelParams` by a
named scaling rule (docs/scaling.md).
"""
from __future__ import annotations

import numpy as np

import math

from ._network_kernel import build_csr_fixed, draw_csr
from .params import DEFAULT_SCALING, NetworkParams
from .scaling import calibrated_input_factor
from .sparse import SparseWeights
from .stimulus import key_from_seed

__all__ = ["Network", "build_network", "preferred_orientations", "DENSE_MAX_N",
           "scaled_model", "in_degrees", "REFERENCE_RATES"]

#: above this size networks are stored sparse by default
DENSE_MAX_N = 5000


def preferred_orientations(N, n_exc):
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
    params : NetworkParams
    seed : int or None
    """

    def __init__(self, W, po, n_exc, params, seed=None):
        self.W = W
        self.po = po
        self.n_exc = int(n_exc)
        self.params = params
        self.seed = seed

    @property
    def N(self) -> int:
        return self.po.size

    @property
    def is_sparse(self) -> bool:
        return isinstance(self.W, SparseWeights)

    def dense_W(self) -> np.ndarray:
        """The weights as a dense N×N array (a copy when stored sparse)."""
        return self.W.to_dense() if self.is_sparse else self.W

    def __repr__(self):
        nnz = self.W.nnz if self.is_sparse else int(np.count_nonzero(self.W))
        return (f"Network(N={self.N}, N_E={self.n_exc}, synapses={nnz}, "
                f"{'sparse' if self.is_sparse else 'dense'}, seed={self.seed})")


def build_network(params=None, seed=0, *, sparse=None):
    """Draw W0 and the preferred orientations.

    Parameters
    ----------
    params : NetworkParams, optional
        Defaults to the published network (N=500).
    seed : int or numpy.random.SeedSequence
        Determines the connectivity.
    sparse : bool, optional
        Store W as :class:`~sensorynet.sparse.SparseWeights`; default: only when
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
    W = SparseWeights(indptr, indices, data, N)
    if sparse is None:
        sparse = N > DENSE_MAX_N
    if not sparse:
        W = W.to_dense()
    seed_val = int(seed) if not isinstance(seed, np.random.SeedSequence) else None
    return Network(W, preferred_orientations(N, N_E), N_E, p, seed_val)


def in_degrees(params):
    """Expected in-degrees ``K[pre, post]`` (E/I × E/I) of a network's parameters.

    Exact for ``fixed_indegree`` networks (``round(ε·N_pre)``), the binomial mean
    ``ε·N_pre`` otherwise.
    """
    p = params
    eps = np.array([[p.eps_EE, p.eps_EI], [p.eps_IE, p.eps_II]])
    K = eps * np.array([[p.N_E], [p.N_I]])
    return np.rint(K) if p.fixed_indegree else K


#: E and I rates (Hz) of the published network in the before test (seed 0): the target
#: of the ``"balanced"`` calibration (E) and the rates of the ``"balanced_mean"`` formula
REFERENCE_RATES = (8.2, 5.5)


def scaled_model(params=None, N=500, rule=None, reference_N=500,
                 reference_rates=REFERENCE_RATES, calibration=None):
    """A whole model resized to ``N`` neurons by a named rule (docs/scaling.md).

    The network follows :meth:`NetworkParams.scaled`. When a rule changes the weight
    J by a factor ``s`` (``"fixed_probability"``: ``K_ref/K``; ``"balanced"``,
    ``"balanced_mean"``: ``sqrt(K_ref/K)``), the plasticity amplitudes ``A_LTD``,
    ``A_LTP`` and the bounds ``w_max``, ``w_min_inh`` are multiplied by ``s`` as well,
    so that weights measured in units of J follow the same learning rule. Both
    balanced rules raise the input baseline ``b`` (and the spontaneous rate in
    proportion):

    * ``"balanced"``: ``b`` is *calibrated on the rates*, so that the before-test E
      rate of the initial network stays the published one (8.2 Hz). The values were
      found by root finding on short static simulations (``tools/calibrate_balanced.py``)
      and are packaged (:func:`sensorynet.scaling.load_balanced_calibration`); between
      calibrated sizes ``b`` is interpolated linearly in ``log N``, other sizes raise a
      ValueError that gives the command calibrating them. For a non-published
      ``params`` the calibrated ratio ``b(N)/b(500)`` is applied to its ``b``.
    * ``"balanced_mean"``: ``b`` keeps the mean free membrane potential at the
      reference rates: ``b' = b − (√(K/K_ref) − 1)·μ_rec`` with
      ``μ_rec = K_E·J·r_E − K_I·g·J·r_I`` (mV/s; each input spike is 1 mV). This
      ignores the growing input variance: the rates rise with N.

    Parameters
    ----------
    params : ModelParams, optional
        Reference model (default: the published one, at ``reference_N`` neurons).
    N : int
    rule : str, optional
        One of :data:`sensorynet.params.SCALING_RULES`; default
        :data:`~sensorynet.params.DEFAULT_SCALING`.
    reference_N : int
    reference_rates : (float, float)
        E and I rates (Hz) of the reference network, for ``"balanced_mean"``.
    calibration : dict or path, optional
        Calibration of ``"balanced"`` (default: the packaged one).

    Returns
    -------
    ModelParams

    Examples
    --------
    >>> p = scaled_model(N=2000, rule="balanced")
    >>> round(p.network.J, 3), 2000 < p.input.b < 3708
    (0.25, True)
    >>> round(scaled_model(N=2000, rule="balanced_mean").input.b)
    3708
    """
    from .params import ModelParams
    params = ModelParams() if params is None else params
    rule = DEFAULT_SCALING if rule is None else rule
    net0 = params.network
    net = net0.scaled(N, reference_N, rule=rule)
    if net is net0:
        return params
    s = net.J / net0.J
    changes = {"network": net}
    if s != 1.0:
        pl = params.plasticity
        changes["plasticity"] = pl.replace(A_LTD=pl.A_LTD * s, A_LTP=pl.A_LTP * s,
                                           w_max=pl.w_max * s,
                                           w_min_inh=pl.w_min_inh * s)
    inp = params.input
    if rule == "balanced":
        b = inp.b * calibrated_input_factor(N, reference_N, calibration)
    elif rule == "balanced_mean":
        K_ref = in_degrees(net0)[:, 0]          # inputs of an E neuron: from E, from I
        r_E, r_I = reference_rates
        mu_rec = K_ref[0] * net0.J * r_E - K_ref[1] * net0.g * net0.J * r_I
        b = inp.b - (math.sqrt(N / reference_N) - 1.0) * mu_rec
    else:
        return params.replace(**changes)
    changes["input"] = inp.replace(b=b, spontaneous_rate=inp.spontaneous_rate * b / inp.b)
    return params.replace(**changes)
