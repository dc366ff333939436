import pathlib
import signal

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


@pytest.fixture(scope="module")
def process_client():
    """A real LocalCluster of 2 worker processes, configured as run_sweep starts it
    (one per test module that asks)."""
    import distributed

    import sensorynet.sweep._runner as sw
    with sw.local_cluster(2, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        yield c


def _sigint_as_in_a_terminal():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def interruptible():
    """``preexec_fn`` for a command a test stops with Ctrl-C (SIGINT): the command gets
    SIGINT as from a terminal even when the test run itself was started in the
    background, where SIGINT is ignored and children inherit that."""
    return _sigint_as_in_a_terminal
