"""Protocols of the published code (docs/model.md §5): before → learning blocks → after.

Seeds: every random stream of a protocol is a child of one root seed,
``SeedSequence(seed, spawn_key=(stream, ...))`` with the streams below, so block b of
a run gets the same input whether 10 or 40 blocks are run, and any process reproduces
the same spikes.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .._cache import ResultsCache
from .._identity import packaged_ensemble
from .._memory import check_fits, estimate_run_bytes
from .._network import build_network
from .._params import ModelParams
from .._results import CSRSnapshots, ExperimentResult, SpikeCounts, SpikeTrain
from .._runnable import check_runnable
from .._simulation import simulate
from .._stimulus import probe_sequence, stimulus_input
from .._types import FloatArray, PathArg
from .._validate import check_count, check_params, check_seed
from ..analysis import Fingerprint, published_metrics
from ._blocks import SNAPSHOT_MAX_N, run_blocks
from ._claims import (
    bidirectional_beyond_dpo,
    bidirectional_exceeds_chance,
    ee_becomes_specific,
    ei_potentiates,
    rate_falls,
)
from ._registry import FigureSpec, Protocol, RunContext, register_protocol
from ._seeds import STREAM_LEARNING, STREAM_NETWORK, STREAM_TEST, seed_sequence

__all__ = [
    "run_published",
    "cached_published",
    "get_cache",
    "load_published",
    "check_published_fits",
    "PublishedRun",
]


def check_published_fits(params: ModelParams | None, n_blocks: int | None = None, *,
                         sparse: bool | None = None, keep_snapshots: bool | None = None
                         ) -> int:
    """Refuse a published-protocol run that cannot fit in memory, before building it.

    Returns the estimate in bytes; raises ``RunTooLarge`` (a
    ``ValueError``) with the estimate and the available memory otherwise.
    """
    params = check_params(params)
    n_blocks = check_count(n_blocks, "n_blocks", default=params.protocol.n_blocks)
    if keep_snapshots is None:
        keep_snapshots = params.network.N <= SNAPSHOT_MAX_N
    test_steps = 2 * params.protocol.test_ms / params.network.dt
    return check_fits(estimate_run_bytes(params, n_blocks=n_blocks, sparse=sparse,
                                         keep_snapshots=keep_snapshots,
                                         extra_steps=test_steps),
                      f"the published protocol (N={params.network.N}, {n_blocks} blocks)")


def run_published(params: ModelParams | None = None, seed: int = 0, *,
                  n_blocks: int | None = None, progress: bool = True,
                  keep_snapshots: bool | None = None, sparse: bool | None = None,
                  keep_block_spikes: bool = True) -> ExperimentResult:
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
    keep_block_spikes : bool
        Keep the spike lists of the learning blocks (default); False keeps only their
        spike counts per neuron (``SpikeCounts``: the same
        block rates, far less memory when rates run away).

    Returns
    -------
    ExperimentResult
        ``spikes`` holds ``"before"``, ``"block_000"``..., ``"after"``; the after test
        uses the same input realisation as before.

    Examples
    --------
    >>> import sensorynet as sn
    >>> res = sn.run_published(seed=0, n_blocks=1, progress=False)
    >>> res.N, res.n_blocks, sorted(res.spikes)[:2]
    (500, 1, ['after', 'before'])
    """
    params = check_params(params)
    n_blocks = check_count(n_blocks, "n_blocks", default=params.protocol.n_blocks)
    if keep_snapshots is None:
        keep_snapshots = params.network.N <= SNAPSHOT_MAX_N
    check_runnable(params, n_blocks)
    check_published_fits(params, n_blocks, sparse=sparse, keep_snapshots=keep_snapshots)
    net = build_network(params.network, seed_sequence(seed, STREAM_NETWORK), sparse=sparse)
    pr = params.protocol
    test_th = probe_sequence(pr)
    test_in = stimulus_input(test_th, pr.test_ms, net.po, net.n_exc,
                             seed_sequence(seed, STREAM_TEST), params.input, params.network.dt)
    spikes: dict[str, SpikeTrain | SpikeCounts] = {}
    before = simulate(net.W, test_in, plastic=False, params=params)
    spikes["before"] = SpikeTrain.from_result(before)
    W, snaps, block_thetas, block_spikes = run_blocks(
        net.W, net.po, params, seed, STREAM_LEARNING, n_blocks, sequence="uniform",
        progress=progress, keep_snapshots=keep_snapshots, keep_spikes=keep_block_spikes)
    spikes.update(block_spikes)
    after = simulate(W, test_in, plastic=False, params=params)
    spikes["after"] = SpikeTrain.from_result(after)
    W_blocks: FloatArray | CSRSnapshots | None = None
    if snaps is not None and len(snaps):
        W_blocks = np.array(snaps) if isinstance(snaps, list) else snaps
    if block_thetas is None:
        block_thetas = np.zeros((0, pr.n_stimuli))
    return ExperimentResult("published", params, seed, net.po, net.n_exc, net.W, W,
                            W_blocks, block_thetas, test_th, spikes)


# -------------------------------------------------------------------------- caching
def cached_published(cache: ResultsCache, params: ModelParams | None = None, seed: int = 0,
                     n_blocks: int | None = None, *, progress: bool = True
                     ) -> ExperimentResult:
    """:func:`run_published` through a :class:`~sensorynet._cache.ResultsCache`.

    Parameters
    ----------
    cache : ResultsCache
    params : ModelParams, optional
        Default: the published parameters.
    seed : int
        Root seed (>= 0).
    n_blocks : int, optional
        Learning blocks; default ``params.protocol.n_blocks``. ``None`` and the
        explicit default share one cache entry.
    progress : bool
        Progress bar while computing (not part of the key).
    """
    params = check_params(params)
    check_seed(seed)
    n_blocks = check_count(n_blocks, "n_blocks", default=params.protocol.n_blocks)
    key = {"params": params.to_dict(), "seed": int(seed), "n_blocks": n_blocks}
    return cache.get_or_compute(
        "published", key,
        lambda: run_published(params, int(seed), n_blocks=n_blocks, progress=progress))


def get_cache(cache_dir: PathArg | None = None) -> ResultsCache:
    """The :class:`~sensorynet._cache.ResultsCache` the notebooks share.

    ``cache_dir`` defaults to ``$SENSORYNET_CACHE`` or ``~/.cache/sensorynet``.
    """
    return ResultsCache(cache_dir)


def load_published(params: ModelParams | None = None, seed: int = 0,
                   n_blocks: int | None = None, *, cache: ResultsCache | None = None,
                   progress: bool = True, verbose: bool = True) -> ExperimentResult:
    """The published experiment from the results cache, computed on a miss.

    Parameters
    ----------
    params : ModelParams, optional
        Default: the published parameters.
    seed : int
    n_blocks : int, optional
        Learning blocks (default ``params.protocol.n_blocks`` = 40).
    cache : ResultsCache, optional
        Default :func:`get_cache`.
    progress : bool
        Progress bar while computing.
    verbose : bool
        Print one line saying whether the result was computed or loaded.

    Returns
    -------
    ExperimentResult
    """
    cache = get_cache() if cache is None else cache
    res = cached_published(cache, params, seed, n_blocks, progress=progress)
    if verbose:
        how = ("loaded from the results cache" if cache.last_status == "hit" else
               "computed and stored in the results cache")
        print(f"learned network (seed {res.seed}, {res.n_blocks} blocks): {how}")
    return res


# ------------------------------------------------------------------- the protocol
class PublishedRun:
    """The published experiment as a protocol result (:data:`~.PROTOCOLS` ``"published"``).

    Attributes
    ----------
    result : ExperimentResult
        The run: before test, learning blocks, after test.
    """

    def __init__(self, result: ExperimentResult) -> None:
        self.result = result

    @functools.cached_property
    def _metrics(self) -> dict[str, Any]:
        return published_metrics(self.result)

    def metrics(self) -> dict[str, Any]:
        """:func:`~sensorynet.analysis.published_metrics`."""
        return dict(self._metrics)

    def claims(self) -> list[dict[str, Any]]:
        """The paper's claims this experiment shows, as one-sided tests (the E rate
        falls, E→E weights become feature specific, E→I weights potentiate, strong
        connections are bidirectional beyond chance) and the finding on reciprocity
        beyond |ΔPO| (docs/claims.md)."""
        r = self.result
        po = np.asarray(r.po, dtype=np.float64)
        J = r.params.network.J
        return [rate_falls(r.spikes["before"], r.spikes["after"], r.n_exc),
                ee_becomes_specific(r.W0, r.W, po, r.n_exc),
                ei_potentiates(r.W0, r.W, r.n_exc),
                bidirectional_exceeds_chance(r.W, r.n_exc, J),
                bidirectional_beyond_dpo(r.W, po, r.n_exc, J)]

    def fingerprint(self) -> Fingerprint:
        """The published part of the fingerprint
        (:meth:`~sensorynet.analysis.Fingerprint.published`), for the identity test."""
        return Fingerprint.published(self.result)


def _run_protocol(ctx: RunContext) -> PublishedRun:
    return PublishedRun(run_published(ctx.params, ctx.seed, n_blocks=ctx.n_blocks,
                                      progress=ctx.progress))


register_protocol(Protocol(
    "published", _run_protocol,
    figures=(FigureSpec("fig1_rasters", "sensorynet.plotting:plot_rasters", of="result"),
             FigureSpec("fig3abc_weights", "sensorynet.plotting:plot_weight_matrices",
                        of="result"),
             FigureSpec("fig3dg_alignment", "sensorynet.plotting:plot_weights_vs_dpo",
                        of="result"),
             FigureSpec("learning_curve", "sensorynet.plotting:plot_learning_curve",
                        of="result")),
    cost_s=1.7,
    description="the published protocol: before test, learning blocks, after test "
                "(docs/model.md §5.1–5.4)",
    check=packaged_ensemble))
