"""Spike-train statistics: inter-spike-interval irregularity (CV) and time binning.
"""
from __future__ import annotations

import numpy as np

__all__ = ["isi_cv"]


# ------------------------------------------------------------------- balanced state
def isi_cv(spike_neurons, spike_steps, N, min_spikes=5):
    """Coefficient of variation of the inter-spike intervals of every neuron.

    Returns an array (N,), ``nan`` for neurons with fewer than ``min_spikes`` spikes.
    A Poisson process has CV = 1, a clock CV = 0.
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




