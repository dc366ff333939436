"""Fault injection and hostile input for the results store, the cache and sweeps
(issue 13; docs/sweeps.md, "Faults"). Each scenario ends with nothing lost, nothing
duplicated and a resumable store. Sections 1-10, 12 and 15's two-sweeps test fail on
the code before their fix; 11, 13, 14 and the client kill -9 pin down behaviour that
already held."""
import errno
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

import sensorynet as sn
from sensorynet._cache import ResultsCache
from sensorynet.sweep._spec import SweepSpec
from sensorynet.sweep._store import SweepStore

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=3, n_blocks=1, progress=False)


# ------------------------------------------------- 3. unique temporary files
_WRITER = """
import sys, time
from sensorynet.sweep._store import SweepStore
store = SweepStore(sys.argv[1])
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
for i in range(300):
    store.write_spec({"writer": sys.argv[3], "i": i, "pad": "x" * 2000})
"""


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))


def _age(path, seconds):
    t = time.time() - seconds
    os.utime(path, (t, t))


# ------------------------------------------------- 4. damaged store files
_BAD_LINES = [
    b'[1, 2, 3]',                                            # not an object
    b'{"run_id": 7, "metrics": {}, "error": null}',          # id not a string
    b'{"run_id": ["a"], "metrics": {}, "error": null}',      # unhashable id
    b'{"run_id": "r3", "metrics": [1, 2], "error": null}',   # metrics not a dict
    b'{"run_id": "r4", "metrics": {"m": "abc"}, "error": null}',
    b'{"run_id": "r5", "metrics": {"m": true}, "error": null}',
    b'{"run_id": "r6", "metrics": {"m": {"x": 1}}, "error": null}',
    b'{"run_id": "r7", "metrics": {}, "error": 5}',          # error not a string
    b'{"run_id": "r8", "metrics": {}, "error": null, "runtime_s": "slow"}',
    b'\xff\xfe not utf-8',
    b'{"run_id": "torn", "metr',
]


class _null_context:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# ------------------------------------------------- 5. CLI errors: one line, exit 2
_TINY = '[sweep]\nn_blocks = 0\nmetrics = ["rate_E_after"]\n[grid]\n"network.g" = [6.0]\n'


def _one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sensorynet sweep: error: ") and "Traceback" not in err
    return lines[0]


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------- 6. dashboard on loopback, workers capped
@pytest.fixture
def fake_cluster(monkeypatch):
    import distributed
    seen = []

    class Fake:
        def __init__(self, **kw):
            seen.append(kw)

    monkeypatch.setattr(distributed, "LocalCluster", Fake)
    return seen


# ------------------------------------------------- 7. a finished run is never lost silently
def _fake_execute_run(params, seed, n_blocks, metric_funcs, tuning_duration_ms):
    return {"metrics": {m: float(params.network.g) for m in metric_funcs}, "error": None,
            "traceback": None, "runtime_s": 0.01, "worker": "fake"}


@pytest.fixture(scope="module")
def thread_client():
    import distributed

    import sensorynet.sweep._runner as sw
    with sw.local_cluster(1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def fake_runs(monkeypatch):
    import sensorynet.sweep._runner as sw
    monkeypatch.setattr(sw, "execute_run", _fake_execute_run)
    monkeypatch.setattr(sw, "_prepare_workers", lambda c: {})
    monkeypatch.setattr(sw, "STORE_RETRY_DELAYS_S", (0.0,), raising=False)
    return sw


_REAL_APPEND = SweepStore.append


def _failing_append(monkeypatch, n_failures):
    real = _REAL_APPEND
    calls = []

    def append(self, record):
        calls.append(record["run_id"])
        if n_failures is None or len(calls) <= n_failures:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, record)

    monkeypatch.setattr(SweepStore, "append", append)
    return calls


# ------------------------------------------------- 9. memory: a point that cannot fit a worker
def _two_points(tmp_path=None):
    return SweepSpec(points=[{"network.N": 400}, {"network.N": 6000}], n_blocks=1,
                     metrics=["rate_E_after"])


def _budget_between(spec, monkeypatch, n_workers):
    """Patch the machine's available memory so that, with ``n_workers`` workers, the
    small point fits one worker and the large one does not."""
    import sensorynet._memory as memory
    from sensorynet.sweep._points import run_memory_bytes
    small_b, big_b = (run_memory_bytes(r.params, r.n_blocks) for r in spec.runs)
    per = (small_b + big_b) / 2 / memory.FRACTION
    monkeypatch.setattr(memory, "available_bytes", lambda: int(per * n_workers))
    return small_b, big_b


# ------------------------------------------------- 10. a point that kills its worker
@pytest.fixture
def killer_metric():
    """A metric that kills its worker process (as the OOM killer would) for g == 8."""
    from sensorynet.sweep._metrics import _REGISTRY, register_metric

    def die(result, ctx):
        if result.params.network.g == 8.0:
            import os as _os
            import signal as _signal
            _os.kill(_os.getpid(), _signal.SIGKILL)
        return 1.0
    register_metric("die_test", die, overwrite=True)
    yield "die_test"
    _REGISTRY.pop("die_test", None)


def _in_thread(fn, timeout):
    import threading
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # pragma: no cover - surfaced below
            box["exc"] = exc
    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(timeout)
    assert not th.is_alive(), f"did not finish within {timeout} s"
    if "exc" in box:
        raise box["exc"]
    return box["value"]


# ------------------------------------------------- 12. a full disk
@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MB filesystem (tmpfs; needs root) and a function that fills it up to
    ``room`` free bytes; without root, None (tests inject ENOSPC instead)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
            capture_output=True).returncode != 0:
        yield None
        return
    filler = mnt / "filler"

    def fill(room):
        filler.unlink(missing_ok=True)
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        try:
            with open(filler, "wb") as fh:
                fh.write(bytes(max(0, free - room)))
        except OSError:
            pass                                           # full is full
        return filler
    try:
        yield mnt, fill
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _enospc(*a, **k):
    raise OSError(errno.ENOSPC, "No space left on device")


_REAL_FSYNC = os.fsync


class warnings_ok:
    """A torn line from the full disk may be skipped with a warning."""

    def __enter__(self):
        import warnings
        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


# ------------------------------------------------- 15. kill -9 of the sweep client; two sweeps
def _cli_sweep(spec_file, out):
    import signal  # noqa: F401  (used by the callers)
    return subprocess.Popen([sys.executable, "-m", "sensorynet.sweep", str(spec_file),
                             "--out", str(out), "--workers", "1", "--no-progress",
                             "--dashboard-address", ":0"], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _stored_ids(out):
    """run_id of every valid line of runs.jsonl, duplicates kept."""
    path = out / "runs.jsonl"
    ids = []
    for raw in (path.read_bytes().splitlines() if path.exists() else []):
        try:
            rec = json.loads(raw)
        except ValueError:
            continue                                      # torn by the kill
        ids.append(rec["run_id"])
    return ids


def _spec_file(tmp_path, n_blocks):
    f = tmp_path / "spec.toml"
    f.write_text(f'[sweep]\nseeds = 2\nn_blocks = {n_blocks}\nmetrics = ["rate_E_after"]\n'
                 '[grid]\n"network.g" = [5.0, 6.0, 7.0, 8.0, 9.0]\n')
    return f




# ------------------------------------------------- 1. one parameter, two notations
@pytest.mark.parametrize("section", ["grid", "base"])
def test_parameter_in_two_notations_is_an_error(tmp_path, section):
    value = lambda v: f"[{v}]" if section == "grid" else f"{v}"  # noqa: E731
    text = (f"[{section}]\nnetwork.g = {value(6.0)}\n\"network.g\" = {value(8.0)}\n"
            + ("[[points]]\n" if section == "base" else ""))
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(ValueError) as info:
        SweepSpec.from_toml(f)
    msg = str(info.value)
    assert "network.g" in msg and "twice" in msg
    assert "dotted key" in msg and "quoted" in msg        # both notations named
    six, eight = ([6.0], [8.0]) if section == "grid" else (6.0, 8.0)
    d = {section: {"network": {"g": six}, "network.g": eight}}
    if section == "base":
        d["points"] = [{}]
    with pytest.raises(ValueError, match="network.g.*twice"):
        SweepSpec.from_dict(d)


def test_parameter_in_two_notations_in_points():
    with pytest.raises(ValueError, match="network.g.*twice"):
        SweepSpec(points=[{"network": {"g": 6.0}, "network.g": 8.0}])


@pytest.mark.slow
def test_two_processes_write_the_same_spec(tmp_path):
    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), str(start),
                               str(k)], env=_env(), stderr=subprocess.PIPE, text=True)
             for k in range(2)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    spec = json.loads((tmp_path / "spec.json").read_text())
    assert spec["i"] == 299 and spec["writer"] in ("0", "1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.json"]


@pytest.mark.parametrize("opener", ["store", "cache"])
def test_stale_temporary_files_are_removed_on_open(tmp_path, opener):
    stale = tmp_path / ".spec.json.4242.0123456789ab.tmp"
    stale_npz = tmp_path / (".published-" + "a" * 64 + ".npz.77.ba9876543210.tmp")
    fresh = tmp_path / ".spec.json.4243.0123456789ac.tmp"      # a write in progress
    foreign = [tmp_path / "notes.tmp", tmp_path / "x.4242.0123456789ab.tmp",
               tmp_path / ".x.npz.tmp"]
    for f in [stale, stale_npz, fresh, *foreign]:
        f.write_bytes(b"partial")
    for f in [stale, stale_npz, *foreign]:
        _age(f, 3600)
    if opener == "store":
        SweepStore(tmp_path)
    else:
        ResultsCache(tmp_path)
    assert not stale.exists() and not stale_npz.exists()
    assert fresh.exists() and all(f.exists() for f in foreign)


def test_damaged_runs_lines_are_skipped_and_the_store_stays_resumable(tmp_path):
    store = SweepStore(tmp_path)
    store.append({"run_id": "good", "metrics": {"m": 1.5, "n": float("inf")},
                  "error": None, "runtime_s": 2.0})
    with open(store.runs_path, "ab") as fh:
        fh.write(b"\n".join(_BAD_LINES))                 # ends in a torn line
    with pytest.warns(RuntimeWarning, match=f"skipped {len(_BAD_LINES)} unreadable"):
        recs = store.load()
    assert set(recs) == {"good"} and recs["good"]["metrics"]["n"] == float("inf")
    store.append({"run_id": "r3", "metrics": {"m": 2.0}, "error": None})
    with pytest.warns(RuntimeWarning):
        assert set(store.load()) == {"good", "r3"}


def test_damaged_store_in_a_sweep_is_recomputed(tmp_path, monkeypatch):
    import sensorynet.sweep._runner as sw
    spec = SweepSpec(grid={"network.g": [6.0, 8.0]}, n_blocks=0, metrics=["rate_E_after"])
    store = SweepStore(tmp_path)
    ids = [r.run_id for r in spec.runs]
    store.append({"run_id": ids[0], "metrics": {"rate_E_after": 3.0}, "error": None})
    with open(store.runs_path, "ab") as fh:
        fh.write(b'{"run_id": "%s", "metrics": {}, "error": null, "runtime_s": "slow"}\n'
                 % ids[1].encode())
    seen = []

    def fake_tasks(client, spec_, todo, store_, results, fresh, retries, progress):
        seen.extend(r.run_id for r in todo)

    monkeypatch.setattr(sw, "_client_context", lambda *a, **k: _null_context())
    monkeypatch.setattr(sw, "_prepare_workers", lambda c: {})
    monkeypatch.setattr(sw, "_run_tasks", fake_tasks)
    with pytest.warns(RuntimeWarning, match="skipped 1 unreadable"):
        sw.run_sweep(spec, tmp_path, progress=False)
    assert seen == [ids[1]]


@pytest.mark.parametrize("name", ["runs.jsonl", "spec.json"])
def test_directory_in_place_of_a_store_file(tmp_path, name):
    from sensorynet.sweep._store import load_sweep
    (tmp_path / name).mkdir()
    store = SweepStore(tmp_path)
    calls = [store.load, lambda: store.append({"run_id": "a", "metrics": {}}),
             lambda: store.write_spec({}), store.read_spec, lambda: load_sweep(tmp_path)]
    if name == "runs.jsonl":
        calls = calls[:2]
        (tmp_path / "spec.json").write_text("{}")
    else:
        calls = calls[2:]
    for call in calls:
        with pytest.raises(ValueError, match=str(tmp_path / name)):
            call()


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b"[1, 2]",
                                     b'{"grid": 5}', b'{"bogus": {}}'])
def test_corrupt_spec_json_is_a_clear_error(tmp_path, content):
    from sensorynet.sweep._store import load_sweep
    (tmp_path / "spec.json").write_bytes(content)
    with pytest.raises(ValueError, match=str(tmp_path / "spec.json")):
        load_sweep(tmp_path)


@pytest.mark.parametrize("case", ["out_is_file", "out_under_file", "runs_is_dir",
                                  "bad_address", "bad_scheme", "bad_port",
                                  "missing_scheduler_file", "garbage_scheduler_file",
                                  "bad_spec", "unknown_option",
                                  "bad_timeout"])
def test_cli_input_errors_are_one_line(tmp_path, capsys, case):
    from sensorynet.sweep._cli import cli_main
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = str(tmp_path / "out")
    extra, words = [], []
    if case == "out_is_file":
        out, words = str(afile), ["--out", "not a directory"]
    elif case == "out_under_file":
        out, words = str(afile / "sub"), ["--out"]
    elif case == "runs_is_dir":
        (tmp_path / "out" / "runs.jsonl").mkdir(parents=True)
        words = ["runs.jsonl"]
    elif case == "bad_address":
        extra, words = ["--scheduler", "tcp//host::x"], ["--scheduler", "tcp//host::x"]
    elif case == "bad_scheme":
        extra, words = ["--scheduler", "http://host:8786"], ["http://host:8786"]
    elif case == "bad_port":
        extra, words = ["--scheduler", "tcp://host:99999"], ["99999"]
    elif case == "missing_scheduler_file":
        extra, words = ["--scheduler", str(tmp_path / "nope.json")], ["nope.json"]
    elif case == "garbage_scheduler_file":
        (tmp_path / "sched.json").write_text("{not json")
        extra, words = ["--scheduler", str(tmp_path / "sched.json")], ["sched.json"]
    elif case == "bad_spec":
        spec.write_text('[grid]\n"network.g" = []\n')
        words = ["is empty"]
    elif case == "unknown_option":
        extra, words = ["--bogus"], ["--bogus"]
    elif case == "bad_timeout":
        extra, words = ["--connect-timeout", "-1"], ["--connect-timeout"]
    capsys.readouterr()
    rc = cli_main([str(spec), "--out", out, "--no-progress", *extra])
    err = capsys.readouterr().err
    assert rc == 2, err
    line = _one_error_line(err)
    for w in words:
        assert w in line


@pytest.mark.slow
def test_cli_unreachable_scheduler_fails_fast(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    addr = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "sensorynet.sweep", str(spec), "--out",
                           str(tmp_path / "out"), "--scheduler", addr, "--no-progress"],
                          env=_env(), capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 2, proc.stderr
    line = _one_error_line(proc.stderr)
    assert addr in line and "5 s" in line
    assert elapsed < 25, elapsed        # the 5 s connect timeout, plus start-up


def test_local_cluster_dashboard_binds_loopback(fake_cluster, monkeypatch):
    import sensorynet.sweep._runner as sw
    monkeypatch.setattr("sensorynet.sweep._cluster.check_port_free", lambda a: None)
    for given, expected in [(None, "127.0.0.1:8787"), (":8787", "127.0.0.1:8787"),
                            (":0", "127.0.0.1:0"), ("127.0.0.1:0", "127.0.0.1:0"),
                            ("0.0.0.0:8787", "0.0.0.0:8787")]:
        fake_cluster.clear()
        kw = {} if given is None else {"dashboard_address": given}
        sw.local_cluster(1, **kw)
        assert fake_cluster[0]["dashboard_address"] == expected, given


@pytest.mark.parametrize("given, expected", [
    (8790, "127.0.0.1:8790"), ("8790", "127.0.0.1:8790"), (" :8790 ", "127.0.0.1:8790"),
    ("localhost:8790", "localhost:8790"), ("[::1]:8790", "[::1]:8790"),
    (":0", "127.0.0.1:0"), (False, None)])
def test_dashboard_addresses_without_a_host_bind_loopback(given, expected):
    from sensorynet.sweep._cluster import local_dashboard_address
    assert local_dashboard_address(given) == expected


@pytest.mark.parametrize("given", ["", "   ", ":8790,:8791", "0.0.0.0:8790,:8791",
                                   ":99999", ":-1", "host:", "host", ":80a", "a b:80"])
def test_dashboard_addresses_that_would_expose_or_mislead_are_refused(given, tmp_path,
                                                                        capsys):
    """An empty value (an unset shell variable), a list or a malformed address once
    bound the dashboard on every interface; now each is a clear error, exit 2 on the
    command line, before anything runs."""
    import sensorynet.sweep._cli as cli
    from sensorynet.sweep._cluster import local_dashboard_address
    with pytest.raises(ValueError, match="dashboard_address"):
        local_dashboard_address(given)
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    assert cli.cli_main([str(spec), "--out", str(tmp_path / "o"),
                         f"--dashboard-address={given}"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "dashboard_address" in line
    assert not (tmp_path / "o").exists()


def test_a_taken_dashboard_port_is_an_error_not_a_random_port(tmp_path, capsys):
    import socket

    import sensorynet.sweep._cli as cli
    import sensorynet.sweep._cluster as sw
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ValueError, match="cannot listen there"):
            sw.local_cluster(1, processes=False, dashboard_address=f":{port}")
        spec = tmp_path / "s.toml"
        spec.write_text(_TINY)
        assert cli.cli_main([str(spec), "--out", str(tmp_path / "o"),
                             "--dashboard-address", f":{port}"]) == 2
        assert str(port) in _one_error_line(capsys.readouterr().err)


@pytest.mark.slow
def test_real_local_cluster_dashboard_listens_on_loopback_only():
    import sensorynet.sweep._runner as sw
    with sw.local_cluster(1, processes=False, dashboard_address=":0") as cluster:
        socks = cluster.scheduler.http_server._sockets.values()
        hosts = {s.getsockname()[0] for s in socks}
    assert hosts == {"127.0.0.1"}


def test_workers_capped_at_cpu_count(fake_cluster, monkeypatch):
    import sensorynet.sweep._cluster as sw
    monkeypatch.setattr(sw, "available_cpus", lambda: 2)
    with pytest.warns(RuntimeWarning, match="more than the 2 CPU"):
        sw.local_cluster(64)
    assert fake_cluster[-1]["n_workers"] == 2
    sw.local_cluster(64, allow_oversubscribe=True)
    assert fake_cluster[-1]["n_workers"] == 64


def test_cli_workers_capped_and_dashboard_option(tmp_path, monkeypatch, capsys):
    import sensorynet.sweep._cli as cli
    seen = {}

    def fake_run_sweep(spec, out, **kw):
        seen.update(kw)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_sweep", fake_run_sweep)
    monkeypatch.setattr(cli, "available_cpus", lambda: 2)
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    out = str(tmp_path / "out")
    assert cli.cli_main([str(spec), "--out", out, "--workers", "64"]) == 130
    assert seen["n_workers"] == 2 and not seen["allow_oversubscribe"]
    assert "--allow-oversubscribe" in capsys.readouterr().err
    assert cli.cli_main([str(spec), "--out", out, "--workers", "64",
                         "--allow-oversubscribe", "--dashboard-address",
                         "0.0.0.0:9999"]) == 130
    assert seen["n_workers"] == 64 and seen["allow_oversubscribe"]
    assert seen["cluster_kwargs"] == {"dashboard_address": "0.0.0.0:9999"}


def test_transient_store_failure_is_retried(tmp_path, thread_client, fake_runs,
                                            monkeypatch):
    spec = SweepSpec(grid={"network.g": [6.0]}, n_blocks=0, metrics=["rate_E_after"])
    calls = _failing_append(monkeypatch, 2)
    df = fake_runs.run_sweep(spec, tmp_path, client=thread_client, progress=False)
    assert len(calls) == 3
    assert df["error"].isna().all() and df["rate_E_after"].tolist() == [6.0]
    monkeypatch.undo()
    recs = SweepStore(tmp_path).load()
    assert [r["metrics"]["rate_E_after"] for r in recs.values()] == [6.0]


def test_persistent_store_failure_is_an_error_and_the_run_stays_todo(
        tmp_path, thread_client, fake_runs, monkeypatch):
    spec = SweepSpec(grid={"network.g": [6.0]}, n_blocks=0, metrics=["rate_E_after"])
    calls = _failing_append(monkeypatch, None)
    with pytest.raises(OSError) as info:
        fake_runs.run_sweep(spec, tmp_path, client=thread_client, progress=False)
    assert len(calls) == fake_runs.STORE_ATTEMPTS > 1
    assert info.value.errno == errno.ENOSPC
    msg = str(info.value)
    assert str(tmp_path / "runs.jsonl") in msg and "No space left on device" in msg
    assert SweepStore(tmp_path).load() == {}           # not recorded as done
    monkeypatch.setattr(SweepStore, "append", _REAL_APPEND)   # the disk has room again
    df = fake_runs.run_sweep(spec, tmp_path, client=thread_client, progress=False)
    assert not df["from_store"].any() and df["error"].isna().all()
    assert len(SweepStore(tmp_path).load()) == 1


def test_cli_store_failure_is_one_line(tmp_path, monkeypatch, capsys):
    import sensorynet.sweep._cli as cli

    def fail(*a, **k):
        raise OSError(errno.ENOSPC, f"could not record finished run x in {tmp_path}: "
                      "No space left on device")

    monkeypatch.setattr(cli, "run_sweep", fail)
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    assert cli.cli_main([str(spec), "--out", str(tmp_path / "o")]) == 1
    assert "No space left" in _one_error_line(capsys.readouterr().err)


def test_memory_estimate_is_what_run_published_checks():
    from sensorynet.experiments._published import check_published_fits
    from sensorynet.sweep._points import run_memory_bytes
    for r in _two_points().runs:
        assert run_memory_bytes(r.params, r.n_blocks) == check_published_fits(
            r.params, r.n_blocks, keep_snapshots=False)


def test_point_too_large_for_a_worker_is_refused_before_any_work(tmp_path, monkeypatch):
    import sensorynet.sweep._runner as sw
    from sensorynet._memory import RunTooLarge, format_bytes
    spec = _two_points()
    _, big = _budget_between(spec, monkeypatch, 2)

    def forbidden(*a, **k):
        raise AssertionError("work started")
    monkeypatch.setattr(sw, "_client_context", forbidden)
    t0 = time.monotonic()
    with pytest.raises(RunTooLarge) as info:
        sw.run_sweep(spec, tmp_path / "out", n_workers=2, progress=False)
    assert time.monotonic() - t0 < 5
    msg = str(info.value)
    assert "sweep point 1" in msg and "N=6000" in msg and format_bytes(big) in msg
    assert "per worker" in msg and "2 worker(s)" in msg
    assert not list((tmp_path / "out").glob("*.json*"))      # nothing written
    with pytest.raises(RunTooLarge, match="sweep point 1"):  # the same as a function
        sw.check_sweep_memory(spec, tmp_path / "out", n_workers=2)
    sw.check_sweep_memory(spec, tmp_path / "out", n_workers=1)   # 1 worker: fits
    # a point already in the store is not run again, so not checked either
    SweepStore(tmp_path / "out").append({"run_id": spec.runs[1].run_id, "metrics": {},
                                         "error": None})
    sw.check_sweep_memory(spec, tmp_path / "out", n_workers=2)


def test_cli_dry_run_refuses_what_a_run_refuses(tmp_path, monkeypatch, capsys):
    from sensorynet.sweep._cli import cli_main
    f = tmp_path / "s.toml"
    f.write_text('[sweep]\nn_blocks = 1\nmetrics = ["rate_E_after"]\n'
                 '[[points]]\n"network.N" = 400\n[[points]]\n"network.N" = 6000\n')
    _budget_between(SweepSpec.from_toml(f), monkeypatch, 2)
    capsys.readouterr()
    for extra in ([], ["--dry-run"]):
        assert cli_main([str(f), "--out", str(tmp_path / "o"), "--workers", "2",
                         "--no-progress", *extra]) == 2
        line = _one_error_line(capsys.readouterr().err)
        assert "sweep point 1" in line and "N=6000" in line and "per worker" in line
    assert not (tmp_path / "o" / "runs.jsonl").exists()
    assert cli_main([str(f), "--out", str(tmp_path / "o"), "--workers", "1",
                     "--dry-run"]) == 0


def test_external_workers_memory_limit_is_the_budget(monkeypatch):
    import sensorynet._memory as memory
    import sensorynet.sweep._runner as sw
    from sensorynet._memory import RunTooLarge
    from sensorynet.sweep._points import run_memory_bytes
    spec = _two_points()
    big = run_memory_bytes(spec.runs[1].params, 1)

    class FakeClient:
        def __init__(self, limits):
            self.limits = limits

        def scheduler_info(self, n_workers=-1):
            return {"workers": {f"w{i}": {"memory_limit": m}
                                for i, m in enumerate(self.limits)}}

    monkeypatch.setattr(memory, "available_bytes", lambda: 100 * big)
    sw.check_sweep_memory(spec, client=FakeClient([0, 0]))      # no limit: the machine
    sw.check_sweep_memory(spec, client=FakeClient([10 * big, 2 * big]))
    with pytest.raises(RunTooLarge, match="memory_limit .* smallest of 2 Dask worker"):
        sw.check_sweep_memory(spec, client=FakeClient([10 * big, big]))
    monkeypatch.setattr(memory, "available_bytes", lambda: big)
    with pytest.raises(RunTooLarge, match="no memory_limit"):
        sw.check_sweep_memory(spec, client=FakeClient([0]))


@pytest.mark.slow
def test_point_that_kills_its_worker_fails_alone(tmp_path, process_client, killer_metric):
    import sensorynet.sweep._runner as sw
    spec = SweepSpec(grid={"network.g": [6.0, 7.0, 8.0, 9.0]}, seeds=2, n_blocks=1,
                     metrics=["rate_E_after", killer_metric])
    df = _in_thread(lambda: sw.run_sweep(spec, tmp_path, client=process_client,
                                         progress=False), 240)
    bad = df["network.g"] == 8.0
    assert bad.sum() == 2
    for err in df.loc[bad, "error"]:
        assert f"worker died while running this point, {sw.MAX_WORKER_DEATHS} times" in err
    assert df.loc[~bad, "error"].isna().all(), df.loc[~bad, "error"].tolist()
    assert (df.loc[~bad, killer_metric] == 1.0).all()
    assert (df.loc[~bad, "rate_E_after"] > 0).all()
    recs = SweepStore(tmp_path).load()          # every run stored, exactly once
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    assert len(recs) == len(lines) == spec.n_runs
    assert sum(r["error"] is not None for r in recs.values()) == 2
    # resumable: nothing to do (the failure is a result), unless errors are retried
    again = sw.run_sweep(spec, tmp_path, client=process_client, progress=False)
    assert again["from_store"].all()


def test_full_disk_sweep_store(tmp_path, small_disk, thread_client, fake_runs, monkeypatch):
    spec = SweepSpec(grid={"network.g": [6.0, 7.0]}, n_blocks=0, metrics=["rate_E_after"])
    out = (tmp_path if small_disk is None else small_disk[0]) / "out"
    real_write_spec, fillers = SweepStore.write_spec, []

    def write_spec_then_fill_the_disk(self, d):
        real_write_spec(self, d)
        if small_disk is None:                             # no tmpfs: inject ENOSPC
            monkeypatch.setattr(os, "fsync", _enospc)
        else:
            fillers.append(small_disk[1](0))

    monkeypatch.setattr(SweepStore, "write_spec", write_spec_then_fill_the_disk)
    with pytest.raises(OSError) as info:
        fake_runs.run_sweep(spec, out, client=thread_client, progress=False)
    assert info.value.errno == errno.ENOSPC
    msg = str(info.value)
    assert str(out / "runs.jsonl") in msg and "not stored" in msg   # reported
    assert "running the sweep again recomputes it" in msg
    monkeypatch.setattr(SweepStore, "write_spec", real_write_spec)
    monkeypatch.setattr(os, "fsync", _REAL_FSYNC)
    for f in fillers:
        f.unlink()                                         # room again
    # nothing half-stored: the computed run is recomputed and stored on the next run
    df = fake_runs.run_sweep(spec, out, client=thread_client, progress=False)
    assert df["error"].isna().all() and not df["from_store"].any()
    with warnings_ok():
        recs = SweepStore(out).load()
    assert sorted(recs) == sorted(r.run_id for r in spec.runs)


@pytest.mark.slow
def test_kill9_of_the_sweep_client_then_resume(tmp_path, process_client):
    import signal

    import sensorynet.sweep._runner as sw
    spec_file, out = _spec_file(tmp_path, 3), tmp_path / "out"
    proc = _cli_sweep(spec_file, out)
    try:
        deadline = time.monotonic() + 120
        while len(_stored_ids(out)) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sweep did not start"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)                  # the client, mid-sweep
        proc.wait(timeout=30)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)            # and its orphaned workers
        except ProcessLookupError:
            pass
        proc.communicate(timeout=30)
    assert proc.returncode == -9
    done = _stored_ids(out)
    spec = SweepSpec.from_toml(spec_file)
    assert len(done) == len(set(done)) and 2 <= len(done) < spec.n_runs
    with warnings_ok():                                    # a torn last line, maybe
        resumed = _in_thread(lambda: sw.run_sweep(spec_file, out, client=process_client,
                                                  progress=False), 240)
    assert set(resumed.loc[resumed["from_store"], "run_id"]) == set(done)  # only missing
    assert resumed["error"].isna().all()
    ids = _stored_ids(out)                                 # every run exactly once
    assert sorted(ids) == sorted(r.run_id for r in spec.runs)


@pytest.mark.slow
def test_two_sweeps_on_one_store(tmp_path):
    spec_file, out = _spec_file(tmp_path, 2), tmp_path / "out"
    procs = [_cli_sweep(spec_file, out) for _ in range(2)]
    try:
        results = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    codes = [p.returncode for p in procs]
    assert sorted(codes) in ([0, 0], [0, 2]), results
    for code, (_, err) in zip(codes, results, strict=True):
        if code == 2:                                      # refused, nothing run
            line = _one_error_line(err)
            assert "another sweep is writing to" in line and str(out) in line
    spec = SweepSpec.from_toml(spec_file)
    ids = _stored_ids(out)                                 # none duplicated, none lost
    assert sorted(ids) == sorted(r.run_id for r in spec.runs)


@pytest.mark.slow
def test_runs_queued_behind_a_killer_are_not_charged(tmp_path, killer_metric):
    """One worker: every run waits on the worker where the bad point runs first, so
    each death hits all of them; only the run that was executing is charged."""
    import distributed

    import sensorynet.sweep._runner as sw
    spec = SweepSpec(points=[{"network.g": 8.0}, {"network.g": 6.0}, {"network.g": 7.0}],
                     n_blocks=1, metrics=[killer_metric])
    with sw.local_cluster(1, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as c:
        df = _in_thread(lambda: sw.run_sweep(spec, tmp_path, client=c, progress=False),
                        240)
        starts = [t for t, events in c.get_events().items()
                  if t.startswith("sensorynet-start-") for _ in events]
    assert df.loc[0, "error"].startswith("worker died while running this point, 2 times")
    assert df.loc[1:, "error"].isna().all() and (df.loc[1:, killer_metric] == 1.0).all()
    bad_id = spec.runs[0].run_id
    assert sum(bad_id in t for t in starts) == 2      # started twice, killed twice


# ------------------------------------------------- 16. no process outlives the sweep
def _tree(pid):
    kids, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == parent:
                            kids.add(int(d))
                            todo.append(int(d))
                except (OSError, IndexError, ValueError):
                    pass
    return kids


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL", "SIGINT"])
def test_no_worker_outlives_the_sweep_command(tmp_path, sig, interruptible):
    """The local cluster's worker processes end with the command, whatever stops it; the
    command's pipes close (a caller capturing its output does not hang)."""
    import signal
    spec_file, out = _spec_file(tmp_path, 3), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sensorynet", "sweep", str(spec_file),
                             "--out", str(out), "--workers", "2", "--no-progress",
                             "--dashboard-address", ":0"], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while len(_stored_ids(out)) < 1:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep did not start"
        time.sleep(0.05)
    tree = _tree(proc.pid)
    assert len(tree) >= 2, tree                 # the workers (and their nannies)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=60)
    if sig != "SIGKILL":
        assert proc.returncode == 130, err
        # the command's own output ends with one line and no traceback of its own; the
        # stopped cluster's processes log through distributed (a worker whose heartbeat
        # meets the closed scheduler may log one, a race inside distributed)
        assert err.rstrip().splitlines()[-1].startswith("interrupted: "), err
        package = str(pathlib.Path(sn.__file__).parent)        # no frame of ours
        assert "KeyboardInterrupt" not in err and package not in err, err
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [p for p in tree if _alive(p)]
    for p in survivors:
        os.kill(p, signal.SIGKILL)
    assert not survivors


@pytest.mark.parametrize("point, words", [
    ('"network.g" = [12.0]', ["network.g", "w_min_inh"]),
    ('"input.b" = [60000.0]', ["input.b", "at most 50"]),
    ('"network.dt" = [0.3]', ["network.dt=0.3"]),
])
def test_dry_run_refuses_points_that_cannot_run(tmp_path, capsys, point, words):
    """These passed the dry run and failed on the workers after the network was built."""
    import sensorynet.sweep._cli as cli
    spec = tmp_path / "s.toml"
    spec.write_text(f'[sweep]\nn_blocks = 1\nmetrics = ["rate_E_after"]\n[grid]\n{point}\n')
    assert cli.cli_main([str(spec), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert all(w in line for w in words), line
