"""sensorynet.sweep.dashboard_link (also exported by sensorynet.widgets): the Dask dashboard's address, direct or proxied."""
import pytest

from sensorynet.widgets import dashboard_link


class _Scheduler:
    def __init__(self, address):
        self.address = address


class FakeClient:
    """What a distributed.Client reports: scheduler_info() and scheduler.address."""

    def __init__(self, port=8787, address="tcp://127.0.0.1:40001"):
        self._port = port
        self.scheduler = _Scheduler(address)

    def scheduler_info(self):
        services = {} if self._port is None else {"dashboard": self._port}
        return {"address": self.scheduler.address, "services": services}


class FakeCluster:
    """What a LocalCluster reports: scheduler_info is a dict, not a method."""
    scheduler_info = {"services": {"dashboard": 41234}}


def test_direct_link_without_jupyterhub(monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert dashboard_link(FakeClient(34567)) == "http://127.0.0.1:34567/status"


@pytest.mark.parametrize("prefix", ["/user/ana-1b2c/", "/user/ana-1b2c"])
def test_proxied_link_under_jupyterhub(monkeypatch, prefix):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", prefix)
    assert dashboard_link(FakeClient(34567)) == "/user/ana-1b2c/proxy/34567/status"


def test_empty_prefix_means_not_under_jupyterhub(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "")
    assert dashboard_link(FakeClient(8787)) == "http://127.0.0.1:8787/status"


def test_explicit_environ_overrides_os_environ(monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/x/")
    assert dashboard_link(FakeClient(1), environ={}) == "http://127.0.0.1:1/status"
    assert dashboard_link(FakeClient(1), environ={"JUPYTERHUB_SERVICE_PREFIX": "/u/"}) \
        == "/u/proxy/1/status"


@pytest.mark.parametrize("address, host", [
    ("tcp://0.0.0.0:8786", "127.0.0.1"),
    ("inproc://10.0.0.5/123/1", "127.0.0.1"),
    ("tcp://10.0.0.5:8786", "10.0.0.5"),
    ("tcp://[::1]:8786", "[::1]"),
])
def test_direct_link_uses_the_scheduler_host(address, host):
    assert dashboard_link(FakeClient(8787, address), environ={}) \
        == f"http://{host}:8787/status"


def test_cluster_objects_are_accepted():
    assert dashboard_link(FakeCluster(), environ={}) == "http://127.0.0.1:41234/status"
    assert dashboard_link(FakeCluster(), environ={"JUPYTERHUB_SERVICE_PREFIX": "/h/"}) \
        == "/h/proxy/41234/status"


def test_no_dashboard_is_an_error():
    with pytest.raises(ValueError, match="no dashboard"):
        dashboard_link(FakeClient(None), environ={})


def test_real_local_cluster(monkeypatch):
    """Same port as Dask's own link, on a real (in-process) cluster."""
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("bokeh")
    from urllib.parse import urlparse
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") \
            as cluster, distributed.Client(cluster) as client:
        port = urlparse(client.dashboard_link).port
        monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
        assert dashboard_link(client) == f"http://127.0.0.1:{port}/status"
        monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ana/")
        assert dashboard_link(client) == f"/user/ana/proxy/{port}/status"
