"""Jobs on forked workers (sensorynet._pool): same results as in process, in order,
failures reported per job."""
import os

import numpy as np
import pytest

from sensorynet._pool import JobRun, can_fork, default_workers

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


def _jobs(big):
    return [lambda: float(big.sum()), lambda: os.getpid(),
            lambda: 1 / 0, lambda: np.arange(3) * 2]


@pytest.mark.parametrize("workers", [1, 2])
def test_results_in_order_and_errors_per_job(workers):
    big = np.random.default_rng(0).random(100_000)     # inherited, never pickled
    with JobRun(_jobs(big), workers=workers, order=[3, 2, 1, 0]) as run:
        out = run.wait()
    assert out[0] == (float(big.sum()), None)
    assert (out[1][0] == os.getpid()) == (workers == 1 or not can_fork())
    assert out[2][0] is None and out[2][1][0].startswith("ZeroDivisionError")
    assert "Traceback" in out[2][1][1]
    assert np.array_equal(out[3][0], [0, 2, 4]) and out[3][1] is None


@needs_fork
def test_a_dying_worker_fails_its_jobs_only():
    jobs = [lambda: 1, lambda: os._exit(3), lambda: 2]
    with JobRun(jobs, workers=2) as run:
        out = run.wait()
    assert out[1][0] is None and "worker process failed" in out[1][1][0]


def test_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("SENSORYNET_WORKERS", "1")
    assert default_workers() == 1
    with JobRun([os.getpid, os.getpid]) as run:     # in process
        assert run.wait() == [(os.getpid(), None)] * 2
    monkeypatch.delenv("SENSORYNET_WORKERS")
    assert default_workers() == min(2, os.cpu_count() or 1)


@needs_fork
def test_parent_objects_frozen_for_the_workers_and_unfrozen_after():
    import gc
    gc.unfreeze()                                 # a clean start, whatever ran before
    with JobRun([lambda: gc.get_freeze_count(), lambda: 1], workers=2) as run:
        assert gc.get_freeze_count() > 0          # frozen before the workers fork
        out = run.wait()
    assert out[0][0] > 0 and out[1] == (1, None)  # the workers inherited the freeze
    assert gc.get_freeze_count() == 0


def test_no_freeze_when_the_jobs_run_in_process():
    import gc
    gc.unfreeze()
    with JobRun([lambda: gc.get_freeze_count()], workers=1) as run:
        out = run.wait()
    assert out == [(0, None)] and gc.get_freeze_count() == 0


@needs_fork
def test_a_freeze_made_by_the_caller_is_left_alone():
    import gc
    gc.freeze()
    n = gc.get_freeze_count()
    try:
        with JobRun([lambda: 1, lambda: 2], workers=2) as run:
            assert run.wait() == [(1, None), (2, None)]
        # still frozen (objects freed by reference counting leave the frozen set)
        assert gc.get_freeze_count() > n // 2
    finally:
        gc.unfreeze()
