"""The Dask side of sweeps: the embedded ``LocalCluster`` (one single-threaded worker
process per CPU, dashboard on the loopback interface) and connecting to a remote
scheduler (address checked up front, short connect timeout).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pathlib
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # an optional dependency (the sweep extra), imported where it is used
    import distributed

__all__ = [
    "WORKER_ENV",
    "CONNECT_TIMEOUT_S",
    "DEFAULT_DASHBOARD_ADDRESS",
    "available_cpus",
    "scheduler_kwargs",
    "connect",
    "local_dashboard_address",
    "check_port_free",
    "local_cluster",
    "client_context",
    "local_worker_count",
    "ALLOWED_FAILURES",
    "local_worker_memory",
    "client_worker_memory",
]

#: environment of LocalCluster worker processes: one thread per worker everywhere
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
              "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


#: seconds to wait for a remote scheduler before giving up (``connect_timeout``)
CONNECT_TIMEOUT_S = 5.0

_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")
_ADDRESS_RE = re.compile(r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                         r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
                         r"(?::(?P<port>[0-9]{1,5}))?/?$")


def scheduler_kwargs(scheduler: str | os.PathLike[str]) -> dict[str, str]:
    """``distributed.Client`` arguments for a scheduler address or scheduler file.

    Parameters
    ----------
    scheduler : str or os.PathLike
        ``[tcp|tls|ucx|ws|wss://]host[:port]`` or the path of an existing scheduler
        file (``*.json``).

    Raises
    ------
    ValueError
        If the address is malformed or the scheduler file does not exist.
    """
    if not isinstance(scheduler, (str, os.PathLike)):
        raise TypeError(f"scheduler must be an address string, got "
                        f"{type(scheduler).__name__}")
    text = os.fspath(scheduler)
    p = pathlib.Path(text)
    if p.suffix == ".json" or isinstance(scheduler, os.PathLike):
        if not p.is_file():
            raise ValueError(f"scheduler file {text!r} does not exist (or is not a file)")
        try:
            info = json.loads(p.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"scheduler file {text!r} is not readable JSON ({exc})") from None
        if not isinstance(info, dict) or not isinstance(info.get("address"), str):
            raise ValueError(f"scheduler file {text!r} is not a Dask scheduler file "
                             "(no \"address\" entry)")
        return {"scheduler_file": str(p)}
    m = _ADDRESS_RE.match(text.strip())
    port = m and m.group("port")
    if (not m or (m.group("scheme") or "tcp").lower() not in _SCHEMES
            or (port is not None and not 1 <= int(port) <= 65535)):
        raise ValueError(f"invalid scheduler address {text!r}: expected "
                         f"tcp://HOST:PORT (schemes {', '.join(_SCHEMES)}) or the path "
                         "of a scheduler file (*.json)")
    return {"address": text.strip()}


def connect(scheduler: str | os.PathLike[str], timeout: float = CONNECT_TIMEOUT_S
            ) -> distributed.Client:
    """A Client connected to ``scheduler``, or ConnectionError after ``timeout`` s."""
    from distributed import Client
    kw = scheduler_kwargs(scheduler)
    try:
        return Client(**kw, timeout=timeout)
    except (Exception, asyncio.TimeoutError) as exc:  # also a scheduler file that is not one
        where = kw.get("address") or f"the scheduler file {kw['scheduler_file']}"
        raise ConnectionError(f"cannot connect to the Dask scheduler at {where} within "
                              f"{timeout:g} s ({type(exc).__name__}: {exc})") from None


#: ``distributed.scheduler.allowed-failures`` of the embedded cluster: a worker death
#: fails the tasks it was running at once, and :func:`~sensorynet.sweep.run_sweep`
#: resubmits each with its own budget (only deaths while a task was executing count)
ALLOWED_FAILURES = 0

#: where the embedded cluster serves its dashboard: this machine only
DEFAULT_DASHBOARD_ADDRESS = "127.0.0.1:8787"


_DASHBOARD_RE = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)?:(?P<port>[0-9]{1,5})$")


def local_dashboard_address(address: str | int | bool | None) -> str | None:
    """The dashboard address to bind: loopback unless a host is given explicitly.

    ``None`` (not given) gives :data:`DEFAULT_DASHBOARD_ADDRESS` (Dask serves it on
    another loopback port if that one is taken); a bare port
    (``":8787"``, ``"8787"``, ``8787``; ``0`` picks a free one) is bound to ``127.0.0.1``,
    so the dashboard (which shows and controls the cluster) is never reachable from the
    network unless asked for with a host, e.g. ``"0.0.0.0:8787"``. ``False`` disables
    the dashboard.

    Raises
    ------
    ValueError
        For an empty or blank address (an unset shell variable, say), a list of
        addresses, a malformed one, or a port outside 0–65535.
    """
    if address is None:
        return DEFAULT_DASHBOARD_ADDRESS
    if address is False:
        return None
    if isinstance(address, int) and not isinstance(address, bool):
        text = str(address)
    elif isinstance(address, str):
        text = address.strip()
    else:
        raise TypeError(f"dashboard_address must be a '[host]:port' string, got {address!r}")
    if not text:
        raise ValueError(f"dashboard_address {address!r} is empty: give a port (':8787', "
                         "bound to 127.0.0.1) or host:port")
    if text.isdigit():
        text = ":" + text
    m = _DASHBOARD_RE.match(text)
    if not m or not 0 <= int(m.group("port")) <= 65535:
        raise ValueError(f"dashboard_address {address!r} is not one [host]:port with a port "
                         "in 0-65535 (e.g. ':8787' for this machine only, or "
                         "'0.0.0.0:8787' to expose it)")
    host = m.group("host") or "127.0.0.1"
    return f"{host}:{int(m.group('port'))}"


def check_port_free(address: str) -> None:
    """Raise ``ValueError`` if the TCP port of ``host:port`` cannot be bound now
    (Dask would otherwise serve the dashboard on a random port instead)."""
    import socket
    host, _, port = address.rpartition(":")
    if int(port) == 0:
        return
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, int(port)))
        except OSError as exc:
            raise ValueError(f"dashboard_address {address!r}: cannot listen there "
                             f"({exc.strerror or exc}); choose another port or ':0'") from None


def local_cluster(n_workers: int | None = None, *, allow_oversubscribe: bool = False,
                  **cluster_kwargs: Any) -> distributed.LocalCluster:
    """A ``LocalCluster`` configured for sweeps (what :func:`run_sweep` starts).

    One single-threaded worker process per CPU by default, with :data:`WORKER_ENV`
    (numba/OpenMP/BLAS limited to one thread) in the workers' environment. Use it to
    keep one cluster for several sweeps::

        with local_cluster() as cluster, Client(cluster) as client:
            df1 = run_sweep(spec1, "sweeps/a", client=client)
            df2 = run_sweep(spec2, "sweeps/b", client=client)

    Parameters
    ----------
    n_workers : int, optional
        Worker processes (default: the CPUs available to this process). More than
        the available CPUs are capped to that number (with a warning) unless
        ``allow_oversubscribe`` is true.
    allow_oversubscribe : bool
        Start ``n_workers`` processes even if the machine has fewer CPUs.
    **cluster_kwargs
        Further ``LocalCluster`` arguments; ``env`` is merged with :data:`WORKER_ENV`.
        ``dashboard_address`` defaults to ``"127.0.0.1:8787"`` (this machine only); a
        bare port such as ``":8787"`` is bound to 127.0.0.1 as well, and only an
        explicit host (``"0.0.0.0:8787"``) exposes the dashboard to the network
        (:func:`local_dashboard_address`).

    Returns
    -------
    distributed.LocalCluster
    """
    from distributed import LocalCluster
    if n_workers is not None and (isinstance(n_workers, bool)
                                  or not isinstance(n_workers, int) or n_workers < 1):
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
    n = n_workers or available_cpus()
    cpus = available_cpus()
    if n > cpus and not allow_oversubscribe:
        warnings.warn(f"n_workers={n} is more than the {cpus} CPU(s) available; using "
                      f"{cpus} (pass allow_oversubscribe=True / --allow-oversubscribe "
                      "to start more)", RuntimeWarning, stacklevel=2)
        n = cpus
    kw: dict[str, Any] = {"n_workers": n, "threads_per_worker": 1, "processes": True}
    kw.update(cluster_kwargs)
    if not ("dashboard_address" in cluster_kwargs
            and cluster_kwargs["dashboard_address"] is None):   # None: Dask's "off"
        given = cluster_kwargs.get("dashboard_address")
        kw["dashboard_address"] = local_dashboard_address(given)
        # a port asked for must be the port served (Dask would pick a random one);
        # the default 8787 may move to a free loopback port, as Dask does
        if given is not None and kw["dashboard_address"] is not None:
            check_port_free(kw["dashboard_address"])
    if kw["processes"]:            # threads in this process have no environment of their own
        kw["env"] = {**WORKER_ENV, **cluster_kwargs.get("env", {})}
    import dask
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        return LocalCluster(**kw)


def local_worker_memory(n_workers: int, memory_limit: str | float | None = None
                        ) -> tuple[int | None, str]:
    """``(bytes, description)``: memory one of ``n_workers`` local workers may use.

    The machine's available memory divided by the workers, or the workers'
    ``memory_limit`` (a ``LocalCluster`` argument) if that is smaller.
    """
    from .._memory import available_bytes, format_bytes
    avail = available_bytes()
    if avail is None:
        return None, "unknown"
    per = avail // n_workers
    desc = f"{format_bytes(avail)} available on this machine / {n_workers} worker(s)"
    if memory_limit not in (None, 0, "auto"):
        from dask.utils import parse_bytes
        limit = parse_bytes(memory_limit) if isinstance(memory_limit, str) \
            else int(memory_limit)
        if 0 < limit < per:
            per, desc = limit, f"memory_limit={format_bytes(limit)} of each worker"
    return per, desc


def client_worker_memory(client: distributed.Client) -> tuple[int | None, str]:
    """``(bytes, description)``: memory one worker of ``client``'s cluster may use.

    The smallest ``memory_limit`` of the connected workers if they have one, else
    this machine's available memory.
    """
    from .._memory import available_bytes, format_bytes
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    limits = [w.get("memory_limit") or 0 for w in workers.values()]
    if limits and all(limits):
        return min(limits), (f"memory_limit {format_bytes(min(limits))} of the smallest "
                             f"of {len(limits)} Dask worker(s)")
    avail = available_bytes()
    return avail, "this machine's available memory; the workers set no memory_limit"


@contextlib.contextmanager
def client_context(client: distributed.Client | None,
                   scheduler: str | os.PathLike[str] | None, n_workers: int | None,
                   cluster_kwargs: dict[str, Any] | None, n_tasks: int,
                   connect_timeout: float = CONNECT_TIMEOUT_S,
                   allow_oversubscribe: bool = False) -> Iterator[distributed.Client]:
    """Yield a Client: the given one, one connected to ``scheduler``, or a LocalCluster."""
    from distributed import Client
    if client is not None:
        yield client
        return
    if scheduler is not None:
        c = connect(scheduler, connect_timeout)
        try:
            yield c
        finally:
            c.close()
        return
    n = n_workers or max(1, min(available_cpus(), n_tasks))
    with local_cluster(n, allow_oversubscribe=allow_oversubscribe,
                       **(cluster_kwargs or {})) as cluster, Client(cluster) as c:
        yield c


def local_worker_count(n_workers: int | None, n_tasks: int, allow_oversubscribe: bool) -> int:
    """Workers the embedded LocalCluster starts (as :func:`local_cluster` caps them)."""
    n = n_workers or max(1, min(available_cpus(), n_tasks))
    return n if allow_oversubscribe else min(n, available_cpus())
