"""Protocols of the published code (MODEL.md §5): before → learning blocks → after.

Seeds: every random stream of a protocol is a child of one root seed,
``SeedSequence(seed, spawn_key=(stream, ...))`` with the streams below, so block b of
a run gets the same input whether 10 or 40 blocks are run, and any process reproduces
the same spikes.
"""
from __future__ import annotations

import numpy as np

from ._checks import check_count, check_params, check_seed
from .network import build_network
from .results import CSRSnapshots, ExperimentResult, SpikeTrain
from .simulation import simulate
from .sparse import SparseWeights
from .stimulus import (cardinal_sequence, learning_sequence, stimulus_input,
                       probe_sequence, untuned_input)

__all__ = [
    "run_published",
    "run_blocks",
    "seed_sequence",
    "STREAM_NETWORK", "STREAM_TEST", "STREAM_LEARNING", "STREAM_SPONTANEOUS",
    "STREAM_CARDINAL", "STREAM_TUNING",
]

STREAM_NETWORK, STREAM_TEST, STREAM_LEARNING, STREAM_SPONTANEOUS, STREAM_CARDINAL, \
    STREAM_TUNING = range(6)

#: keep per-block weight snapshots by default up to this many neurons
SNAPSHOT_MAX_N = 2000


def seed_sequence(seed, *path) -> np.random.SeedSequence:
    """The SeedSequence of one stream of a protocol run."""
    return np.random.SeedSequence(check_seed(seed), spawn_key=tuple(int(p) for p in path))


def _progress(iterable, enabled, desc, total):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, leave=False)


def run_blocks(W, po, params, seed, stream, n_blocks, *, sequence="uniform",
               progress=True, keep_snapshots=True, desc="learning"):
    """Run ``n_blocks`` plastic blocks from ``W`` (MODEL.md §5.3, §5.5, §5.6).

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

    Returns
    -------
    W_end, snapshots, block_thetas (ndarray or None), spikes (dict)
        ``snapshots``: None, a list of CSR data arrays (sparse ``W``) or
        :class:`~sensorynet.results.CSRSnapshots` (dense ``W``).
    """
    if sequence not in ("uniform", "cardinal", "untuned"):
        raise ValueError(f"sequence must be 'uniform', 'cardinal' or 'untuned', "
                         f"got {sequence!r}")
    n_blocks = check_count(n_blocks, "n_blocks")
    pr = params.protocol
    n_exc = params.network.N_E
    # blocks run on the CSR form the kernel uses; dense callers get dense back
    dense_in = not isinstance(W, SparseWeights)
    if dense_in:
        unmasked = params.plasticity.plastic_IE and not params.plasticity.mask_IE
        W = SparseWeights.from_dense(W, keep_inh_to_exc=n_exc if unmasked else None)
    snaps = [] if keep_snapshots else None
    thetas_all = []
    spikes = {}
    for b in _progress(range(n_blocks), progress, desc, n_blocks):
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
        res = simulate(W, inp, plastic=True, params=params)
        W = res.W
        spikes[f"block_{b:03d}"] = SpikeTrain.from_result(res)
        if snaps is not None:
            snaps.append(W.data)      # a fresh array each block: no copy needed
    if dense_in:
        if snaps is not None:
            snaps = CSRSnapshots(W, snaps)   # densified on first access
        W = W.to_dense()
    block_thetas = np.array(thetas_all) if thetas_all else None
    return W, snaps, block_thetas, spikes


def run_published(params=None, seed=0, *, n_blocks=None, progress=True,
                  keep_snapshots=None, sparse=None) -> ExperimentResult:
    """The published experiment: construction → before → learning → after.

    Parameters
    ----------
    params : ModelParams, optional
        Defaults to the published parameters (N=500, 40 blocks of 2000 ms).
    seed : int
        Root seed of network, test input and learning input.
    n_blocks : int, optional
        Number of learning blocks (default ``params.protocol.n_blocks``).
    progress : bool
        Show a progress bar (tqdm.auto: renders in Jupyter and terminals).
    keep_snapshots : bool, optional
        Keep W after every block (default: when N <= 2000).
    sparse : bool, optional
        Store W sparse (default: for N > 5000).

    Returns
    -------
    ExperimentResult
        ``spikes`` holds ``"before"``, ``"block_000"``..., ``"after"``; the after test
        uses the same input realisation as before.
    """
    params = check_params(params)
    n_blocks = check_count(n_blocks, "n_blocks", default=params.protocol.n_blocks)
    if keep_snapshots is None:
        keep_snapshots = params.network.N <= SNAPSHOT_MAX_N
    net = build_network(params.network, seed_sequence(seed, STREAM_NETWORK), sparse=sparse)
    pr = params.protocol
    test_th = probe_sequence(pr)
    test_in = stimulus_input(test_th, pr.test_ms, net.po, net.n_exc,
                             seed_sequence(seed, STREAM_TEST), params.input, params.network.dt)
    spikes = {}
    before = simulate(net.W, test_in, plastic=False, params=params)
    spikes["before"] = SpikeTrain.from_result(before)
    W, snaps, block_thetas, block_spikes = run_blocks(
        net.W, net.po, params, seed, STREAM_LEARNING, n_blocks, sequence="uniform",
        progress=progress, keep_snapshots=keep_snapshots)
    spikes.update(block_spikes)
    after = simulate(W, test_in, plastic=False, params=params)
    spikes["after"] = SpikeTrain.from_result(after)
    W_blocks = snaps if snaps is not None and len(snaps) else None
    if isinstance(W_blocks, list):
        W_blocks = np.array(W_blocks)
    if block_thetas is None:
        block_thetas = np.zeros((0, pr.n_stimuli))
    return ExperimentResult("published", params, seed, net.po, net.n_exc, net.W, W,
                            W_blocks, block_thetas, test_th, spikes)
