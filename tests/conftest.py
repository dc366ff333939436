import pathlib

import numpy as np
import pytest

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def golden():
    with np.load(DATA / "golden_small.npz", allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="session")
def published():
    """The full published experiment, default seed, 40 blocks (shared by tests)."""
    import sensorynet as sn
    return sn.run_published(seed=0, progress=False)
