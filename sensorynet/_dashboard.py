"""The Dask dashboard's address, as a browser can reach it from a notebook.

A local Dask cluster serves its dashboard on a port of the machine that runs the kernel.
Locally the browser reaches it directly (``http://127.0.0.1:8787/status``). Under
JupyterHub -- Binder is one -- the browser only sees the hub, so the dashboard must be
reached through the single-user server's proxy (the ``jupyter-server-proxy`` package,
pinned in ``binder/requirements.txt``) at ``{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

__all__ = ["dashboard_link"]

_WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]", "localhost"}


def dashboard_link(client: Any, environ: Mapping[str, str] | None = None) -> str:
    """Address of the Dask dashboard of ``client`` for the browser running the notebook.

    Parameters
    ----------
    client : distributed.Client or distributed.LocalCluster
        Anything with ``scheduler_info`` (a method or a dict with the scheduler's
        ``services``) and, optionally, ``scheduler.address``.
    environ : mapping, optional
        Environment to read ``JUPYTERHUB_SERVICE_PREFIX`` from (default ``os.environ``).

    Returns
    -------
    str
        ``{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status`` when running under JupyterHub
        or Binder (``JUPYTERHUB_SERVICE_PREFIX`` set), otherwise the direct link
        ``http://{host}:{port}/status`` (host 127.0.0.1 for a local scheduler).

    Raises
    ------
    ValueError
        If the scheduler serves no dashboard (``bokeh`` not installed).

    Examples
    --------
    >>> class FakeClient:      # what a Client with its dashboard on port 8787 reports
    ...     def scheduler_info(self):
    ...         return {"services": {"dashboard": 8787}}
    >>> dashboard_link(FakeClient(), environ={})
    'http://127.0.0.1:8787/status'
    >>> dashboard_link(FakeClient(), environ={"JUPYTERHUB_SERVICE_PREFIX": "/user/ana/"})
    '/user/ana/proxy/8787/status'
    """
    env = os.environ if environ is None else environ
    info = client.scheduler_info
    info = info() if callable(info) else info
    port = (info or {}).get("services", {}).get("dashboard")
    if port is None:
        raise ValueError("the Dask scheduler serves no dashboard (is bokeh installed?)")
    prefix = env.get("JUPYTERHUB_SERVICE_PREFIX")
    if prefix:
        return f"{prefix.rstrip('/')}/proxy/{int(port)}/status"
    return f"http://{_scheduler_host(client)}:{int(port)}/status"


def _scheduler_host(client: Any) -> str:
    """Host of the scheduler's address; 127.0.0.1 for a local or wildcard address."""
    address = getattr(getattr(client, "scheduler", None), "address", None)
    if not isinstance(address, str) or "://" not in address:
        return "127.0.0.1"
    protocol, rest = address.split("://", 1)
    if protocol == "inproc":
        return "127.0.0.1"
    host = rest.rsplit(":", 1)[0]                     # drop the scheduler's port
    if host.startswith("[") or ":" in host:           # IPv6 literal
        host = "[" + host.strip("[]") + "]"
    return "127.0.0.1" if host in _WILDCARD_HOSTS else host
