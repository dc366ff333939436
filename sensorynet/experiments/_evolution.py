"""Tuning measured along learning (:func:`tuning_evolution`): the notebooks' block
slider shows the weights *and* the tuning they produce, block by block."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._results import ExperimentResult
from .._validate import check_int, check_seed
from ._common import check_published
from ._tuning import run_tuning

__all__ = ["tuning_evolution", "TuningEvolution"]


@dataclass
class TuningEvolution:
    """Tuning curves of the network after selected numbers of learning blocks.

    Attributes
    ----------
    blocks_done : ndarray (n_eval,)
        Learning blocks completed (0 = the naive W0).
    thetas : ndarray (n_theta,)
        Orientations, rad.
    rates : ndarray (n_eval, n_theta, N)
        Tuning curves, Hz.
    osi : ndarray (n_eval, N)
        OSI per neuron (NaN when silent).
    n_exc : int
    duration_ms : float
        Duration of each orientation's run, ms.
    """

    blocks_done: np.ndarray
    thetas: np.ndarray
    rates: np.ndarray
    osi: np.ndarray
    n_exc: int
    duration_ms: float

    def mean_osi(self, population: str = "E") -> np.ndarray:
        """Mean OSI of a population at each evaluated block."""
        if population not in ("E", "I"):
            raise ValueError(f"population must be 'E' or 'I', got {population!r}")
        sl = slice(0, self.n_exc) if population == "E" else slice(self.n_exc, None)
        return np.nanmean(self.osi[:, sl], axis=1)

    def index_at(self, blocks_done: int) -> int:
        """Index of the last evaluated block at or before ``blocks_done``."""
        k = int(np.searchsorted(self.blocks_done, blocks_done, side="right")) - 1
        return max(k, 0)


def tuning_evolution(published: ExperimentResult, blocks_done: Sequence[int] | None = None, *,
                     duration_ms: int = 1000, seed: int | None = None) -> TuningEvolution:
    """Measure tuning (12 orientations) after selected numbers of learning blocks.

    Parameters
    ----------
    published : ExperimentResult
        With per-block weight snapshots.
    blocks_done : sequence of int, optional
        Learning blocks completed at which to measure (0 = W0); default every 5th block
        and the last one.
    duration_ms : int
        Duration of each orientation's run, ms (the same input realisation every time,
        so differences are due to the weights).
    seed : int, optional
        Tuning-input seed (default ``published.seed``).

    Returns
    -------
    TuningEvolution
    """
    from ._tuning import TuningResult
    pub = check_published(published)
    n = pub.n_snapshots
    if n == 0:
        raise ValueError("published has no per-block weight snapshots")
    if blocks_done is None:
        blocks_done = sorted(set(range(0, n + 1, 5)) | {n})
    bd = [check_int(b, "blocks_done", low=0, high=n) for b in blocks_done]
    if bd != sorted(set(bd)):
        raise ValueError(f"blocks_done must be increasing without repeats, got {bd}")
    seed = pub.seed if seed is None else check_seed(seed)
    rates, osi = [], []
    for b in bd:
        W = pub.W0 if b == 0 else pub.block_weights(b - 1)
        t: TuningResult = run_tuning(W, pub.po, pub.params, seed, duration_ms=duration_ms)
        rates.append(t.rates)
        osi.append(t.osi)
    return TuningEvolution(np.array(bd), t.thetas, np.array(rates), np.array(osi),
                           pub.n_exc, float(duration_ms))
