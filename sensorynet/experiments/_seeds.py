"""Seed streams of the protocols: every random stream of a run is a child of one root
seed, ``SeedSequence(seed, spawn_key=(stream, ...))``, so block b gets the same input
whether 10 or 40 blocks are run, and any process reproduces the same spikes.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_seed

__all__ = ["STREAM_NETWORK", "STREAM_TEST", "STREAM_LEARNING", "STREAM_SPONTANEOUS",
           "STREAM_CARDINAL", "STREAM_TUNING", "seed_sequence"]


STREAM_NETWORK, STREAM_TEST, STREAM_LEARNING, STREAM_SPONTANEOUS, STREAM_CARDINAL, \
    STREAM_TUNING = range(6)


def seed_sequence(seed: int, *path: int) -> np.random.SeedSequence:
    """The SeedSequence of one stream of a protocol run."""
    return np.random.SeedSequence(check_seed(seed), spawn_key=tuple(int(p) for p in path))


