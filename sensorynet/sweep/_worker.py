"""The worker side of a sweep: threads pinned to one per process, numba kernels warmed
once per worker, and one run executed and measured (the task each worker receives).
"""
from __future__ import annotations

import os
import time
import traceback
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .._params import ModelParams, NetworkParams, ProtocolParams
from ._metrics import MetricFunc

if TYPE_CHECKING:
    import distributed
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
else:
    try:
        from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
    except ImportError:  # pragma: no cover - dask is an optional dependency ("sweep")
        _WorkerPlugin = object

__all__ = ["pin_threads", "warmup", "WarmupPlugin", "worker_info", "start_topic", "execute_run"]


_WARM: dict[str, Any] | None = None  # per-process warm-up info (set once by warmup)


# ----------------------------------------------------------------- worker side
def pin_threads() -> None:
    """One thread for numba (and BLAS pools, if threadpoolctl is installed)."""
    import numba
    # numba may have been imported (reading NUMBA_NUM_THREADS) before the worker's
    # environment was applied; re-read it before the threading layer starts, or the
    # first compilation's own re-read finds a different value and refuses to run
    numba.config.reload_config()
    numba.set_num_threads(1)
    try:  # optional: caps BLAS pools loaded before the environment variables were set
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass


def warmup() -> dict[str, Any]:
    """Compile/load every numba kernel in this process with a tiny network (once)."""
    global _WARM
    if _WARM is not None:
        return _WARM
    t0 = time.perf_counter()
    import numba

    from .._version import __version__
    from ..experiments import run_published
    p = ModelParams(network=NetworkParams(N=20),
                    protocol=ProtocolParams(test_ms=20, block_ms=20, n_stimuli=2, n_blocks=1))
    res = run_published(p, seed=0, progress=False)
    from ..experiments import run_tuning
    run_tuning(res.W, res.po, p, 0, thetas=[0.0, np.pi / 2], duration_ms=20)
    _WARM = {"pid": os.getpid(), "warmup_s": time.perf_counter() - t0,
             "numba_threads": numba.get_num_threads(), "version": __version__}
    return _WARM


class WarmupPlugin(_WorkerPlugin):
    """Worker plugin: runs :func:`warmup` on every worker, including later joiners."""

    name = "sensorynet-warmup"
    idempotent = False

    def setup(self, worker: distributed.Worker) -> None:
        pin_threads()
        warmup()


def worker_info() -> dict[str, Any]:
    """This worker's :func:`warmup` record (pid, warm-up time, threads, version)."""
    return dict(warmup())


def execute_run(params: ModelParams, seed: int, n_blocks: int,
                metric_funcs: Mapping[str, MetricFunc], tuning_duration_ms: float | None
                ) -> dict[str, Any]:
    """One run on a worker: the published experiment, then every metric.

    Exceptions are caught and returned: a failing simulation gives NaN metrics and an
    error; a failing metric gives NaN for that metric and is listed in the error.
    """
    from ..experiments import run_published
    from ._metrics import RunContext
    try:       # tell the scheduler this task is executing (not just queued) here
        from distributed import get_worker
        w = get_worker()
        w.log_event(start_topic(w.get_current_task()), {"pid": os.getpid()})
    except (ImportError, ValueError):
        pass
    warmup()
    t0 = time.perf_counter()
    metrics = {name: float("nan") for name in metric_funcs}
    errors, tbs = [], []
    try:
        result = run_published(params, seed, n_blocks=n_blocks, progress=False,
                               keep_snapshots=False)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        tbs.append(traceback.format_exc())
    else:
        ctx = RunContext(result, seed, tuning_duration_ms)
        for name, func in metric_funcs.items():
            try:
                value = np.asarray(func(result, ctx), dtype=np.float64)
                if value.size != 1:
                    raise TypeError(f"a metric must return one number, got shape "
                                    f"{value.shape}")
                metrics[name] = float(value.item())
            except Exception as exc:
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                tbs.append(traceback.format_exc())
    try:
        from distributed import get_worker
        worker = get_worker().address
    except (ImportError, ValueError):
        worker = f"pid:{os.getpid()}"
    return {"metrics": metrics, "error": "; ".join(errors) or None,
            "traceback": "\n".join(tbs) or None,
            "runtime_s": time.perf_counter() - t0, "worker": worker}


def start_topic(key: object) -> str:
    """Scheduler event topic on which a task announces that it started executing."""
    return f"sensorynet-start-{key}"


