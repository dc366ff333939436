"""Parameter sweeps on dask.distributed: run a :class:`SweepSpec`, get a DataFrame.

>>> from sensorynet.sweep import SweepSpec, run_sweep
>>> from sensorynet.analysis import summarize
>>> spec = SweepSpec(grid={"network.g": [6, 8, 10]}, seeds=4, n_blocks=40)
>>> df = run_sweep(spec, "sweeps/g")                 # doctest: +SKIP
>>> summarize(df)                                     # doctest: +SKIP

* **Engine.** With no ``client``/``scheduler``, :func:`run_sweep` starts a
  ``LocalCluster`` sized to the machine (one single-threaded worker process per CPU;
  numba, OpenMP, OpenBLAS and MKL limited to one thread per worker) and shuts it down
  afterwards. Given a ``distributed.Client`` or a scheduler address (or scheduler
  file) the same call runs on any Dask cluster (SLURM via dask-jobqueue, Kubernetes,
  ``dask scheduler``/``dask worker`` by hand); see ``docs/sweeps.md``.
* **Warm-up.** A worker plugin compiles/loads the numba kernels once per worker process
  when it joins (also for workers that join later or are restarted), not per task.
* **Reproducible.** Seeds derive from one root seed (:mod:`sensorynet.sweep._points`);
  a run depends only on its parameters and seed, never on the number of workers or on
  the order in which tasks finish. Rows come back in spec order.
* **Nothing lost.** A run that raises is recorded with its error and the others go on;
  each finished run is appended to the sweep store (:mod:`sensorynet.sweep._store`) as
  soon as it completes, so an interrupted sweep resumes where it stopped and a finished
  one returns at once, without starting a cluster. Runs on a worker that dies are
  resubmitted; one that kills its worker fails alone (:data:`MAX_WORKER_DEATHS`).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import os
import secrets
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._dashboard import dashboard_link
from .._types import PathArg
from ._cluster import (  # noqa: F401 (re-exported)
    CONNECT_TIMEOUT_S,
    WORKER_ENV,
    client_context,
    client_worker_memory,
    local_cluster,
    local_dashboard_address,
    local_worker_count,
    local_worker_memory,
    scheduler_kwargs,
)
from ._metrics import METRICS, MetricFunc
from ._points import Run, check_memory, params_dict
from ._spec import SweepSpec, as_spec
from ._store import SweepStore, records_frame
from ._worker import WarmupPlugin, execute_run, start_topic, worker_info

if TYPE_CHECKING:   # optional dependencies (the sweep extra), imported where they are used
    import distributed
    import pandas as pd

__all__ = [
    "run_sweep",
    "check_sweep_memory",
    "MAX_WORKER_DEATHS",
    "STORE_ATTEMPTS",
    "STORE_RETRY_DELAYS_S",
    "MAX_RESUBMITS",
]

#: a sweep as :func:`run_sweep` takes it: a spec, its dict form or a TOML file
SpecLike = SweepSpec | dict[str, Any] | PathArg


# ----------------------------------------------------------------- driver side
def _prepare_workers(client: distributed.Client) -> dict[str, dict[str, Any]]:
    """Register the warm-up plugin; check that workers run the same sensorynet."""
    from .._version import __version__
    try:
        client.register_plugin(WarmupPlugin(), name=WarmupPlugin.name)
        info = client.run(worker_info)
    except Exception as exc:
        raise RuntimeError(f"could not prepare the Dask workers ({type(exc).__name__}: "
                           f"{exc}); is sensorynet installed on every worker?") from exc
    other = sorted({i["version"] for i in info.values()} - {__version__})
    if other:
        warnings.warn(f"workers run sensorynet {other}, this process {__version__}",
                      RuntimeWarning, stacklevel=3)
    return info


_client_context = client_context     # (tests replace it)


def check_sweep_memory(spec: SpecLike, out: PathArg | None = None, *,
                       client: distributed.Client | None = None,
                       scheduler: str | os.PathLike[str] | None = None,
                       n_workers: int | None = None, retry_errors: bool = False,
                       allow_oversubscribe: bool = False,
                       cluster_kwargs: dict[str, Any] | None = None,
                       connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Refuse a sweep with a point that cannot fit in one worker's memory.

    What :func:`run_sweep` checks before any work (and ``sensorynet sweep
    --dry-run``): each run still to do (not in the store at ``out``) is estimated with
    ``sensorynet.sweep._points.run_memory_bytes`` and compared with the memory of
    one worker: the machine's available memory divided by the local workers, or the
    smallest ``memory_limit`` of the workers of ``client`` / ``scheduler`` (the
    machine's available memory if they set none). Connects to ``scheduler``.

    Raises
    ------
    sensorynet._memory.RunTooLarge
        A ``ValueError`` naming the point, its estimate and the per-worker budget.
    """
    sweep = as_spec(spec)
    todo = _todo(sweep, SweepStore(out, clean=False).load() if out is not None else {},
                 retry_errors)
    if not todo:
        return
    if client is None and scheduler is None:
        n = local_worker_count(n_workers, len(todo), allow_oversubscribe)
        check_memory(todo, *local_worker_memory(
            n, (cluster_kwargs or {}).get("memory_limit")))
        return
    with _client_context(client, scheduler, None, None, len(todo), connect_timeout) as c:
        check_memory(todo, *client_worker_memory(c))


def _todo(spec: SweepSpec, stored: Mapping[str, Mapping[str, Any]], retry_errors: bool
          ) -> list[Run]:
    return [r for r in spec.runs if r.run_id not in stored
            or (retry_errors and stored[r.run_id].get("error"))]


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _record(run: Run, out: Mapping[str, Any]) -> dict[str, Any]:
    from .._version import __version__
    return {"run_id": run.run_id, "values": run.values, "seed_index": run.seed_index,
            "seed": run.seed, "n_blocks": run.n_blocks, "params": params_dict(run.params),
            "metrics": out["metrics"], "error": out["error"],
            "traceback": out.get("traceback"), "runtime_s": out.get("runtime_s"),
            "worker": out.get("worker"), "finished_at": _now(), "version": __version__}


def run_sweep(spec: SpecLike, out: PathArg | None, *, client: distributed.Client | None = None,
              scheduler: str | os.PathLike[str] | None = None, n_workers: int | None = None,
              progress: bool = True, retries: int = 2, retry_errors: bool = False,
              cluster_kwargs: dict[str, Any] | None = None,
              connect_timeout: float = CONNECT_TIMEOUT_S,
              allow_oversubscribe: bool = False) -> pd.DataFrame:
    """Run a parameter sweep; one DataFrame row per run.

    Parameters
    ----------
    spec : SweepSpec, dict or path
        The sweep (a dict or a TOML file are read with :meth:`SweepSpec.from_dict` /
        :meth:`SweepSpec.from_toml`). Validated before anything starts.
    out : str, path-like or None
        Sweep store directory (created if needed). Runs already stored there are not
        recomputed. ``None``: keep nothing on disk (no resume).
    client : distributed.Client, optional
        Run on this client's cluster (left open).
    scheduler : str, optional
        Address (``"tcp://host:8786"``) or scheduler-file path (``*.json``) of a
        running Dask scheduler to connect to (checked before anything starts).
    n_workers : int, optional
        Workers of the embedded LocalCluster (default: one per CPU, at most one per
        run to do; more than the CPUs available are capped unless
        ``allow_oversubscribe``). Only without ``client``/``scheduler``.
    progress : bool
        Show a progress bar (tqdm.auto: Jupyter or terminal) and the dashboard link.
    retries : int
        Times Dask retries a task whose execution fails outside the model (e.g. a
        worker that cannot deserialise it). Runs on a worker that *dies* are
        resubmitted; a run executing on :data:`MAX_WORKER_DEATHS` dying workers is
        recorded as failed. A point whose memory estimate exceeds one worker's memory
        is refused before any work (:func:`check_sweep_memory`, ``RunTooLarge``).
    retry_errors : bool
        Recompute stored runs that ended with an error.
    cluster_kwargs : dict, optional
        Extra keyword arguments of ``LocalCluster`` (``env`` is merged with
        :data:`WORKER_ENV`; the dashboard is bound to 127.0.0.1 unless
        ``dashboard_address`` names a host, see :func:`local_cluster`).
    connect_timeout : float
        Seconds to wait for ``scheduler`` (default :data:`CONNECT_TIMEOUT_S`, 5 s);
        an unreachable scheduler raises ``ConnectionError`` after that.
    allow_oversubscribe : bool
        Let ``n_workers`` exceed the CPUs available.

    Returns
    -------
    pandas.DataFrame
        Columns: the swept parameters (dotted names), ``seed_index``, ``seed``, one
        column per metric, then ``runtime_s`` (s, on the worker), ``error`` (None if
        the run succeeded), ``n_blocks``, ``worker``, ``from_store`` (loaded, not
        computed now) and ``run_id``. Rows follow the spec's run order.
        ``df.attrs`` holds ``"sweep_params"`` and ``"metrics"``.
    """
    sweep = as_spec(spec)
    if client is not None and scheduler is not None:
        raise ValueError("give either client or scheduler, not both")
    if n_workers is not None and (client is not None or scheduler is not None):
        raise ValueError("n_workers only applies to the embedded LocalCluster")
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(
            n_workers, int) or n_workers < 1):
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
    if scheduler is not None:
        scheduler_kwargs(scheduler)         # malformed address: fail before any work
    if isinstance(connect_timeout, bool) or not isinstance(connect_timeout, (int, float)) \
            or not connect_timeout > 0 or connect_timeout == float("inf"):
        raise ValueError(f"connect_timeout must be a positive number of seconds, "
                         f"got {connect_timeout!r}")
    if client is not None:
        from distributed import Client
        if not isinstance(client, Client):
            raise TypeError(f"client must be a distributed.Client, "
                            f"got {type(client).__name__}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    if cluster_kwargs is not None and not isinstance(cluster_kwargs, dict):
        raise TypeError(f"cluster_kwargs must be a dict, got {type(cluster_kwargs).__name__}")

    store = SweepStore(out) if out is not None else None
    with store.lock() if store is not None else contextlib.nullcontext():
        return _run_locked(sweep, store, client, scheduler, n_workers, progress, retries,
                           retry_errors, cluster_kwargs, connect_timeout,
                           allow_oversubscribe)


def _run_locked(spec: SweepSpec, store: SweepStore | None, client: distributed.Client | None,
                scheduler: str | os.PathLike[str] | None, n_workers: int | None,
                progress: bool, retries: int, retry_errors: bool,
                cluster_kwargs: dict[str, Any] | None, connect_timeout: float,
                allow_oversubscribe: bool) -> pd.DataFrame:
    stored = store.load() if store is not None else {}
    results = {r.run_id: stored[r.run_id] for r in spec.runs if r.run_id in stored
               and not (retry_errors and stored[r.run_id].get("error"))}
    todo = [r for r in spec.runs if r.run_id not in results]
    local = client is None and scheduler is None
    if todo and local:              # a point that cannot fit: refused before any work
        check_memory(todo, *local_worker_memory(
            local_worker_count(n_workers, len(todo), allow_oversubscribe),
            (cluster_kwargs or {}).get("memory_limit")))
    if store is not None:
        store.write_spec(spec.to_dict())
    fresh: set[str] = set()
    if todo:
        with _client_context(client, scheduler, n_workers, cluster_kwargs, len(todo),
                             connect_timeout, allow_oversubscribe) as c:
            if not local:
                check_memory(todo, *client_worker_memory(c))
            _prepare_workers(c)
            if progress:
                try:     # the address this browser can reach (proxied under JupyterHub)
                    print(f"Dask dashboard: {dashboard_link(c)}", flush=True)
                except ValueError:     # no dashboard served (bokeh not installed)
                    pass
            _run_tasks(c, spec, todo, store, results, fresh, retries, progress)
    df = records_frame(spec, results, fresh)
    infra = [r for r in results.values() if r.get("infrastructure")]
    if infra:
        warnings.warn(f"{len(infra)} run(s) failed in the Dask cluster (not stored); "
                      "run the sweep again to retry them", RuntimeWarning, stacklevel=3)
    return df


#: attempts at appending a finished run's record to the store, and the pauses between
STORE_ATTEMPTS = 4
STORE_RETRY_DELAYS_S = (0.2, 1.0, 3.0)


def _store_record(store: SweepStore, rec: Mapping[str, Any]) -> None:
    """Append ``rec`` to ``store``, retrying transient failures (full disk, NFS hiccup).

    Raises
    ------
    OSError
        After :data:`STORE_ATTEMPTS` failures, with the errno of the last one and a
        message naming the run, the store file and the reason. The run is then not in
        the store, so the next :func:`run_sweep` recomputes it.
    """
    for attempt in range(STORE_ATTEMPTS):
        try:
            store.append(rec)
            return
        except OSError as exc:
            last = exc
            if attempt + 1 < STORE_ATTEMPTS:
                time.sleep(STORE_RETRY_DELAYS_S[min(attempt, len(STORE_RETRY_DELAYS_S) - 1)])
    reason = last.strerror or str(last)
    raise OSError(last.errno, f"could not record finished run {rec['run_id']} in "
                  f"{store.runs_path} after {STORE_ATTEMPTS} attempts: {reason}; the "
                  "sweep was stopped and this run is not stored (running the sweep "
                  "again recomputes it)") from last


#: a run is recorded as failed once a worker died this many times while executing it
#: (out of memory, a crash in compiled code); other runs on that worker are resubmitted
MAX_WORKER_DEATHS = 2
#: resubmissions of a run after worker deaths, whoever caused them, before giving up
MAX_RESUBMITS = 10


def _deaths_while_executing(client: distributed.Client, key: object) -> int:
    """How many times ``key`` was executing (not just queued) on a worker that died."""
    try:
        return len(client.get_events(start_topic(key)))
    except Exception:     # no events (an old scheduler?): count it, to stay bounded
        return 1


def _submit(client: distributed.Client, spec: SweepSpec, run: Run,
            funcs: Mapping[str, MetricFunc], retries: int, attempt: int, tag: str
            ) -> distributed.Future[dict[str, Any]]:
    key = f"sensorynet-run-{run.run_id}-{tag}-{attempt}"   # never a cancelled one's
    return client.submit(execute_run, run.params, run.seed, run.n_blocks, funcs,
                         spec.tuning_duration_ms, key=key, pure=False, retries=retries)


def _run_tasks(client: distributed.Client, spec: SweepSpec, todo: list[Run],
               store: SweepStore | None, results: dict[str, dict[str, Any]], fresh: set[str],
               retries: int, progress: bool) -> None:
    from distributed import as_completed
    from distributed.scheduler import KilledWorker
    from tqdm.auto import tqdm
    funcs = {m: METRICS[m].func for m in spec.metrics}
    tag = secrets.token_hex(4)
    futures = {_submit(client, spec, run, funcs, retries, 0, tag): run for run in todo}
    deaths: dict[str, int] = {}
    attempts: dict[str, int] = {}
    n_err = 0
    bar = tqdm(total=spec.n_runs, initial=spec.n_runs - len(todo), desc="sweep",
               unit="run", disable=not progress)
    try:
        pending = as_completed(list(futures))
        for fut in pending:
            run = futures.pop(fut)
            rid = run.run_id
            try:
                out = fut.result()
            except KilledWorker:
                # a worker died with this task on it: count the deaths while it was
                # executing; a bad point never uses up the budget of the others
                deaths[rid] = deaths.get(rid, 0) + _deaths_while_executing(client, fut.key)
                attempts[rid] = attempts.get(rid, 0) + 1
                fut.release()
                if deaths[rid] < MAX_WORKER_DEATHS and attempts[rid] <= MAX_RESUBMITS:
                    new = _submit(client, spec, run, funcs, retries, attempts[rid], tag)
                    futures[new] = run
                    pending.add(new)
                    continue
                out = {"metrics": {m: float("nan") for m in spec.metrics},
                       "error": f"worker died while running this point, {deaths[rid]} "
                                f"times ({attempts[rid]} worker deaths with it in "
                                "flight): out of memory, or a crash in compiled code? "
                                "Not retried further (--retry-errors / retry_errors=True "
                                "tries again)"}
            except (Exception, asyncio.CancelledError) as exc:
                # the cluster lost the task: reported, never stored (retried next time)
                rec = _record(run, {"metrics": {}, "error": f"{type(exc).__name__}: {exc}"})
                rec["infrastructure"] = True
                out = None
            if out is not None:
                rec = _record(run, out)
                # a computed run is stored first, before anything else can fail; a store
                # that keeps failing stops the sweep with an error naming the file
                if store is not None:
                    _store_record(store, rec)
            results[rid] = rec
            fresh.add(rid)
            fut.release()
            n_err += rec["error"] is not None
            bar.update(1)
            if n_err:
                bar.set_postfix(errors=n_err, refresh=False)
    except BaseException:
        client.cancel(list(futures))
        raise
    finally:
        bar.close()
