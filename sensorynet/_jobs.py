"""Independent jobs on worker processes (:mod:`concurrent.futures`), else one by one.

Used by :func:`sensorynet.reproduce` to run the further experiments beside the
published figures. A job is a module-level function and its arguments, so it pickles
under any start method; the workers use the platform's default one. Nothing here
changes the calling process: the workers set up their own signals and die with their
parent (Linux: ``PR_SET_PDEATHSIG``; everywhere: a watchdog thread that exits once the
parent is gone), so killing the parent, even with SIGKILL, leaves no worker behind.

Whatever goes wrong with the pool itself (no processes allowed, a worker killed, a job
that does not pickle), the jobs it did not finish run in the calling process instead:
the results never depend on the pool. An exception raised *by a job* is its outcome,
reported, not retried.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

__all__ = ["Job", "JobOutcome", "JobRun"]

#: seconds between two looks of a worker's watchdog at its parent
_WATCH_INTERVAL_S = 0.5


@dataclass(frozen=True)
class Job:
    """One independent job.

    Attributes
    ----------
    func : callable
        A module-level function (picklable).
    args : tuple
        Its arguments in a worker process.
    local_args : tuple, optional
        Its arguments when run in the calling process (e.g. an object instead of the
        file it was saved to); default ``args``.
    cost : float
        Expected run time, s: jobs are handed to the workers longest first.
    """

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    local_args: tuple[Any, ...] | None = None
    cost: float = 1.0


class JobOutcome(NamedTuple):
    """``value`` of a job, or ``error`` (one line) and its ``traceback`` text."""

    value: Any
    error: str | None = None
    traceback: str = ""


def _call(func: Callable[..., Any], args: tuple[Any, ...]) -> JobOutcome:
    try:
        return JobOutcome(func(*args))
    except Exception as exc:  # noqa: BLE001 -- the job's outcome; the caller decides
        return JobOutcome(None, f"{type(exc).__name__}: {exc}", traceback.format_exc())


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(_WATCH_INTERVAL_S)


def _worker_init(parent: int) -> None:
    """Runs first in every worker process (never in the caller)."""
    # Ctrl-C reaches the whole process group: the parent decides what stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)          # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:                     # the parent died before prctl
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="sensorynet-parent-watch").start()


class JobRun:
    """Run ``jobs`` on up to ``workers`` processes, or in this process.

    Use as a context manager: entering starts the workers (the caller is free to do
    other work meanwhile), :meth:`wait` returns one :class:`JobOutcome` per job, in the
    order of ``jobs``. Leaving the block by an exception (Ctrl-C included) terminates
    the workers at once.

    Parameters
    ----------
    jobs : sequence of Job
    workers : int
        Worker processes; 1 runs every job in this process, inside :meth:`wait`.
    """

    def __init__(self, jobs: Sequence[Job], workers: int = 1) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.jobs = list(jobs)
        self.workers = workers
        self.order = sorted(range(len(self.jobs)), key=lambda i: -self.jobs[i].cost)
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[int, Future[JobOutcome]] = {}
        #: why the pool was not used or failed (None: it was used, or not asked for)
        self.fallback: str | None = None

    def __enter__(self) -> JobRun:
        if self.workers >= 2 and self.jobs:
            try:
                self._pool = ProcessPoolExecutor(
                    min(self.workers, len(self.jobs)), initializer=_worker_init,
                    initargs=(os.getpid(),))
                for i in self.order:
                    job = self.jobs[i]
                    self._futures[i] = self._pool.submit(_call, job.func, job.args)
            except Exception as exc:  # noqa: BLE001 -- any pool failure: run here
                self.fallback = f"{type(exc).__name__}: {exc}"
                self._stop(now=True)
        return self

    def wait(self) -> list[JobOutcome]:
        """The outcome of every job, in the order of ``jobs``."""
        out: list[JobOutcome | None] = [None] * len(self.jobs)
        for i in self.order:
            fut = self._futures.get(i)
            if fut is not None:
                try:
                    out[i] = fut.result()
                    continue
                except Exception as exc:  # noqa: BLE001 -- the pool broke: run it here
                    self.fallback = self.fallback or f"{type(exc).__name__}: {exc}"
            job = self.jobs[i]
            out[i] = _call(job.func, job.args if job.local_args is None else job.local_args)
        return [o for o in out if o is not None]

    def _stop(self, now: bool) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if now:
            # the executor has no public way to stop running jobs: end its workers
            for proc in list(getattr(pool, "_processes", {}).values()):
                if proc.is_alive():
                    proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        self._stop(now=exc_type is not None)
        return False
