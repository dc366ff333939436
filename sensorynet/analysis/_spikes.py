"""Spike-train statistics: inter-spike-interval irregularity (CV) and time binning.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["isi_cv"]


# ------------------------------------------------------------------- balanced state
def isi_cv(spike_neurons: npt.ArrayLike, spike_steps: npt.ArrayLike, N: int,
           min_spikes: int = 5) -> npt.NDArray[np.float64]:
    """Coefficient of variation of the inter-spike intervals of every neuron.

    Parameters
    ----------
    spike_neurons, spike_steps : array_like of int
        Spikes as (neuron, step) pairs, in any order.
    N : int
        Number of neurons.
    min_spikes : int
        Neurons with fewer spikes get ``nan``.

    Returns
    -------
    ndarray, shape (N,)
        Standard deviation / mean of each neuron's inter-spike intervals (the unit,
        steps or ms, cancels). A Poisson process has CV = 1, a clock CV = 0.
    """
    n = np.asarray(spike_neurons)
    k = np.asarray(spike_steps)
    order = np.lexsort((k, n))
    n, k = n[order], k[order]
    cv = np.full(N, np.nan)
    starts = np.searchsorted(n, np.arange(N + 1))
    for j in range(N):
        a, b = starts[j], starts[j + 1]
        if b - a >= min_spikes:
            d = np.diff(k[a:b]).astype(np.float64)
            cv[j] = d.std() / d.mean()
    return cv




