"""Jobs on worker processes (sensorynet._jobs): the results of one process, in order;
failures per job; any failure of the pool falls back to this process; workers never
outlive their parent; the calling process is left as it was."""
import gc
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sensorynet import _jobs
from sensorynet._jobs import Job, JobRun


def _sum(a):
    return float(np.asarray(a).sum())


def _pid():
    return os.getpid()


def _divide(a, b):
    return a / b


def _die_unless(parent):
    """Kill the worker process it runs in; in the parent it returns normally."""
    if os.getpid() != parent:
        os._exit(3)
    return "ran in the parent"


def _jobs_list():
    return [Job(_sum, (np.arange(10),), cost=1), Job(_pid, cost=5),
            Job(_divide, (1, 0), cost=3), Job(_sum, ([1.5, 2.5],), cost=2)]


@pytest.mark.parametrize("workers", [1, 2])
def test_outcomes_in_job_order_and_errors_per_job(workers):
    with JobRun(_jobs_list(), workers=workers) as run:
        out = run.wait()
    assert out[0].value == 45.0 and out[0].error is None
    assert (out[1].value == os.getpid()) == (workers == 1)
    assert out[2].value is None and out[2].error.startswith("ZeroDivisionError")
    assert "Traceback" in out[2].traceback
    assert out[3].value == 4.0
    assert run.fallback is None


def test_longest_jobs_are_handed_out_first():
    assert JobRun(_jobs_list(), workers=2).order == [1, 2, 3, 0]


def test_local_args_are_used_in_this_process_only():
    job = Job(_sum, ([1.0],), local_args=([2.0],))
    with JobRun([job, job], workers=1) as run:
        assert [o.value for o in run.wait()] == [2.0, 2.0]
    with JobRun([job, job], workers=2) as run:
        assert [o.value for o in run.wait()] == [1.0, 1.0]


def test_a_killed_worker_falls_back_to_this_process():
    jobs = [Job(_sum, ([1, 2],)), Job(_die_unless, (os.getpid(),)), Job(_sum, ([3],))]
    with JobRun(jobs, workers=2) as run:
        out = run.wait()
    assert [o.value for o in out] == [3.0, "ran in the parent", 3.0]
    assert "BrokenProcessPool" in run.fallback


def test_a_pool_that_cannot_start_falls_back(monkeypatch):
    def refuse(*a, **k):
        raise OSError("no processes here")
    monkeypatch.setattr(_jobs, "ProcessPoolExecutor", refuse)
    with JobRun(_jobs_list(), workers=2) as run:
        out = run.wait()
    assert out[1].value == os.getpid() and "no processes here" in run.fallback


def test_bad_worker_count():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="workers must be a positive integer"):
            JobRun([], workers=bad)


def test_the_calling_process_is_left_as_it_was():
    before = (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval(),
              signal.getsignal(signal.SIGINT))
    with JobRun(_jobs_list(), workers=2) as run:
        run.wait()
    assert (gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval(),
            signal.getsignal(signal.SIGINT)) == before


_PARENT = textwrap.dedent("""
    import os, sys, time
    from sensorynet._jobs import Job, JobRun
    def report():
        with open(sys.argv[1], "a") as f:
            f.write(f"{os.getpid()}\\n")
        time.sleep(600)
    with JobRun([Job(report), Job(report)], workers=2) as run:
        run.wait()
""")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:        # a zombie is dead but not yet reaped by its (new) parent
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_their_parent(tmp_path, sig):
    pids_file = tmp_path / "pids"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(pids_file)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pids = pids_file.read_text().split() if pids_file.exists() else []
        if len(pids) == 2:
            break
        time.sleep(0.05)
    assert len(pids) == 2, parent.stderr.read()
    workers = [int(p) for p in pids]
    parent.send_signal(sig)
    parent.communicate(timeout=30)          # the parent's pipes close: nobody holds them
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.05)
    survivors = [p for p in workers if _alive(p)]
    for p in survivors:
        os.kill(p, signal.SIGKILL)
    assert not survivors
