"""A sequence of plastic learning blocks (docs/model.md §5.3, §5.5, §5.6): uniform,
cardinal-biased or untuned input, with optional per-block weight snapshots.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from .._memory import SpikeMemoryGuard
from .._params import ModelParams
from .._progress import progress_bar
from .._results import CSRSnapshots, SpikeCounts, SpikeTrain
from .._simulation import simulate
from .._stimulus import cardinal_sequence, learning_sequence, stimulus_input, untuned_input
from .._types import FloatArray
from .._validate import check_count
from .._weights import SparseWeights
from ._seeds import seed_sequence

__all__ = ["SNAPSHOT_MAX_N", "run_blocks"]


#: keep per-block weight snapshots by default up to this many neurons
SNAPSHOT_MAX_N = 2000


def _nbytes(kept: SpikeTrain | SpikeCounts) -> int:
    return sum(getattr(kept, a).nbytes for a in ("neurons", "steps", "counts")
               if hasattr(kept, a))


def run_blocks(W: FloatArray | SparseWeights, po: FloatArray, params: ModelParams, seed: int,
               stream: int, n_blocks: int, *,
               sequence: Literal["uniform", "cardinal", "untuned"] = "uniform",
               progress: bool = True, keep_snapshots: bool = True, desc: str = "learning",
               keep_spikes: bool = True
               ) -> tuple[FloatArray | SparseWeights, list[FloatArray] | CSRSnapshots | None,
                          FloatArray | None, dict[str, SpikeTrain | SpikeCounts]]:
    """Run ``n_blocks`` plastic blocks from ``W`` (docs/model.md §5.3, §5.5, §5.6).

    Parameters
    ----------
    W : ndarray (N, N) or SparseWeights
        Starting weights, mV (not modified).
    po : ndarray (N,)
        Input preferred orientations, rad.
    params : ModelParams
    seed : int
        Root seed; block b draws from ``seed_sequence(seed, stream, b, ...)``.
    stream : int
    n_blocks : int
    sequence : {"uniform", "cardinal", "untuned"}
        Orientations of each block: uniform (published learning), 50% cardinal
        (§5.6) or no stimulus at all (untuned input at ``input.spontaneous_rate``,
        §5.5).
    keep_spikes : bool
        Keep each block's spike list (:class:`~sensorynet._results.SpikeTrain`); False
        keeps only the spike count per neuron (:class:`~sensorynet._results.SpikeCounts`,
        same rates), for runs whose block spikes are never read.

    Returns
    -------
    W_end, snapshots, block_thetas (ndarray or None), spikes (dict)
        ``snapshots``: None, a list of CSR data arrays (sparse ``W``) or
        :class:`~sensorynet._results.CSRSnapshots` (dense ``W``).
    """
    if sequence not in ("uniform", "cardinal", "untuned"):
        raise ValueError(f"sequence must be 'uniform', 'cardinal' or 'untuned', "
                         f"got {sequence!r}")
    n_blocks = check_count(n_blocks, "n_blocks")
    pr = params.protocol
    n_exc = params.network.N_E
    # blocks run on the CSR form the kernel uses; dense callers get dense back
    dense_in = not isinstance(W, SparseWeights)
    if isinstance(W, SparseWeights):
        csr = W
    else:
        unmasked = params.plasticity.plastic_IE and not params.plasticity.mask_IE
        csr = SparseWeights.from_dense(W, keep_inh_to_exc=n_exc if unmasked else None)
    snaps: list[FloatArray] | None = [] if keep_snapshots else None
    thetas_all = []
    spikes: dict[str, SpikeTrain | SpikeCounts] = {}
    guard = SpikeMemoryGuard(desc, n_blocks, po.size, n_exc,
                             round(pr.block_ms / params.network.dt), params.network.dt)
    for b in progress_bar(range(n_blocks), progress, desc, n_blocks):
        rng = np.random.default_rng(seed_sequence(seed, stream, b, 0))
        in_seed = seed_sequence(seed, stream, b, 1)
        if sequence == "untuned":
            inp = untuned_input(po.size, pr.block_ms, params.input.spontaneous_rate, in_seed,
                                params.network.dt)
        else:
            th = (learning_sequence(rng, pr) if sequence == "uniform"
                  else cardinal_sequence(rng, pr))
            thetas_all.append(th)
            inp = stimulus_input(th, pr.stim_ms, po, n_exc, in_seed, params.input,
                                 params.network.dt)
        res = simulate(csr, inp, plastic=True, params=params)
        assert isinstance(res.W, SparseWeights)     # CSR in, CSR out
        csr = res.W
        kept = (SpikeTrain if keep_spikes else SpikeCounts).from_result(res)
        spikes[f"block_{b:03d}"] = kept
        if snaps is not None:
            snaps.append(csr.data)      # a fresh array each block: no copy needed
        guard.after_block(b, _nbytes(kept) + (csr.data.nbytes if snaps is not None else 0),
                          int(np.count_nonzero(res.spike_neurons < n_exc)))
    block_thetas = np.array(thetas_all) if thetas_all else None
    if dense_in:
        # densified on first access
        dense_snaps = CSRSnapshots(csr, snaps) if snaps is not None else None
        return csr.to_dense(), dense_snaps, block_thetas, spikes
    return csr, snaps, block_thetas, spikes


