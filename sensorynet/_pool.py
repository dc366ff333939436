"""Independent jobs in a pool of forked worker processes, else one after another.

Used by :func:`sensorynet.reproduce.reproduce` to draw figures and run the further
experiments on both cores once the published network has been learned. The jobs are
zero-argument callables; the workers are forked, so they inherit the jobs and all they
reference (the learned network, imported modules) from the parent's memory, and only
the jobs' return values cross a process boundary (pickled). Each job is deterministic
given its inputs (every experiment has its own seeds), so the results are the same as
when the jobs run one after another in the parent.

Forking is used only where it is safe: on Linux, with more than one CPU, and while no
numba threading layer (``parallel=True`` kernels) has started threads in the parent.
Otherwise, and for ``workers < 2``, the jobs run in the parent, in order.

The parent's objects are frozen for the garbage collector (``gc.freeze``) while the
workers run: a worker's collections would otherwise visit every inherited object and
so copy the memory pages they live on (copy-on-write), which made the four published
figures ~5 % slower end to end (benchmarks/USER_WAIT.md). They are unfrozen on exit.
"""
from __future__ import annotations

import gc
import os
import sys
import traceback

__all__ = ["JobRun", "can_fork", "default_workers"]

# the jobs of the running JobRun: set in the parent before the workers are forked
_JOBS: list = []


def default_workers() -> int:
    """Worker processes to use: 2, or 1 on a single-CPU machine.

    ``$SENSORYNET_WORKERS`` (a positive integer) overrides it; 1 runs every job in
    the calling process.
    """
    env = os.environ.get("SENSORYNET_WORKERS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def can_fork() -> bool:
    """Whether forking worker processes is safe here (Linux, no numba thread pool)."""
    if not sys.platform.startswith("linux"):
        return False
    numba = sys.modules.get("numba")
    if numba is not None:
        try:
            numba.threading_layer()     # raises ValueError until a layer has started
            return False
        except ValueError:
            pass
    return True


def _run(i):
    """Run job ``i``: ``(i, value, None)`` or ``(i, None, (message, traceback))``."""
    try:
        return i, _JOBS[i](), None
    except Exception as exc:  # noqa: BLE001 -- reported to the parent, which decides
        return i, None, (f"{type(exc).__name__}: {exc}", traceback.format_exc())


class JobRun:
    """Run ``jobs`` (zero-argument callables), in worker processes when possible.

    Parameters
    ----------
    jobs : sequence of callable
    workers : int, optional
        Default :func:`default_workers`.
    order : sequence of int, optional
        Order in which the jobs are handed to the workers (longest first balances the
        load); default their order in ``jobs``.

    Notes
    -----
    Use as a context manager: entering starts the workers (the parent is free to do
    other work meanwhile); :meth:`wait` returns, in the order of ``jobs``, one
    ``(value, error)`` per job, ``error`` being None or ``(message, traceback
    text)``. A job that raised does not stop the others; a worker that died (killed,
    out of memory) fails the jobs it had not returned.
    """

    def __init__(self, jobs, workers=None, order=None):
        self.jobs = list(jobs)
        self.order = list(range(len(self.jobs))) if order is None else list(order)
        self.workers = default_workers() if workers is None else int(workers)
        self._pool = None
        self._futures = []
        self._froze = False

    def __enter__(self):
        global _JOBS
        if self.workers >= 2 and len(self.jobs) >= 2 and can_fork():
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor
            _JOBS = self.jobs
            # workers are forked at the first submit: freeze before (module docstring)
            self._froze = gc.get_freeze_count() == 0
            if self._froze:
                gc.freeze()
            self._pool = ProcessPoolExecutor(min(self.workers, len(self.jobs)),
                                             mp_context=multiprocessing.get_context("fork"))
            self._futures = [self._pool.submit(_run, i) for i in self.order]
        return self

    def wait(self) -> list:
        """``(value, error)`` of every job, in the order of ``jobs``."""
        out = [None] * len(self.jobs)
        if self._pool is None:
            global _JOBS
            _JOBS = self.jobs
            try:
                for i in self.order:
                    out[i] = _run(i)[1:]
            finally:
                _JOBS = []
            return out
        for i, fut in zip(self.order, self._futures):
            try:
                out[i] = fut.result()[1:]
            except Exception as exc:  # noqa: BLE001 -- e.g. BrokenProcessPool
                out[i] = (None, (f"worker process failed: {type(exc).__name__}: {exc}", ""))
        return out

    def __exit__(self, *exc):
        global _JOBS
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._froze:        # only if this run froze (nothing was frozen before)
            gc.unfreeze()
            self._froze = False
        _JOBS = []
        return False
