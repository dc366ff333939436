"""Fault injection and hostile input for the results store, the cache and sweeps
(issue 13): each test fails on the code before the fix."""
import errno
import json
import os
import pathlib
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import sensorynet as sn
from sensorynet.cache import ResultsCache
from sensorynet.store import load_result, save_result
from sensorynet.sweep.spec import SweepSpec
from sensorynet.sweep.store import SweepStore

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=3, n_blocks=1, progress=False)


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


# ------------------------------------------------- 2. the cache owns only its files
def test_cache_clear_deletes_only_its_own_files(small, tmp_path):
    cache = ResultsCache(tmp_path)
    cache.get_or_compute("published", {"seed": 3}, lambda: small)
    ours = cache.path_for("published", {"seed": 3})
    assert ours.exists()
    foreign = ["holiday-20240101.npz", "run-12345678.npz", "a-" + "0" * 63 + ".npz",
               "a-" + "0" * 65 + ".npz", "a-" + "A" * 64 + ".npz", "notes.txt",
               "x-" + "f" * 64 + ".npz.bak"]
    for name in foreign:
        (tmp_path / name).write_bytes(b"keep me")
    (tmp_path / ("dir-" + "0" * 64 + ".npz")).mkdir()     # a directory, not a file
    assert cache.clear() == 1
    assert not ours.exists()
    for name in foreign:
        assert (tmp_path / name).read_bytes() == b"keep me", name
    assert (tmp_path / ("dir-" + "0" * 64 + ".npz")).is_dir()


# ------------------------------------------------- 3. unique temporary files
_WRITER = """
import sys, time
from sensorynet.sweep.store import SweepStore
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


def _age(path, seconds):
    t = time.time() - seconds
    os.utime(path, (t, t))


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
    import sensorynet.sweep.run as sw
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


class _null_context:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("name", ["runs.jsonl", "spec.json"])
def test_directory_in_place_of_a_store_file(tmp_path, name):
    from sensorynet.sweep.store import load_sweep
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
    from sensorynet.sweep.store import load_sweep
    (tmp_path / "spec.json").write_bytes(content)
    with pytest.raises(ValueError, match=str(tmp_path / "spec.json")):
        load_sweep(tmp_path)


# ------------------------------------------------- 5. CLI errors: one line, exit 2
_TINY = '[sweep]\nn_blocks = 0\nmetrics = ["rate_E_after"]\n[grid]\n"network.g" = [6.0]\n'


def _one_error_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sensorynet sweep: error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("case", ["out_is_file", "out_under_file", "runs_is_dir",
                                  "bad_address", "bad_scheme", "bad_port",
                                  "missing_scheduler_file", "garbage_scheduler_file",
                                  "bad_spec", "unknown_option",
                                  "bad_timeout"])
def test_cli_input_errors_are_one_line(tmp_path, capsys, case):
    from sensorynet.sweep.cli import cli_main
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


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def test_local_cluster_dashboard_binds_loopback(fake_cluster):
    import sensorynet.sweep.run as sw
    for given, expected in [(None, "127.0.0.1:8787"), (":8787", "127.0.0.1:8787"),
                            (":0", "127.0.0.1:0"), ("127.0.0.1:0", "127.0.0.1:0"),
                            ("0.0.0.0:8787", "0.0.0.0:8787")]:
        fake_cluster.clear()
        kw = {} if given is None else {"dashboard_address": given}
        sw.local_cluster(1, **kw)
        assert fake_cluster[0]["dashboard_address"] == expected, given


def test_real_local_cluster_dashboard_listens_on_loopback_only():
    import sensorynet.sweep.run as sw
    with sw.local_cluster(1, processes=False, dashboard_address=":0") as cluster:
        socks = cluster.scheduler.http_server._sockets.values()
        hosts = {s.getsockname()[0] for s in socks}
    assert hosts == {"127.0.0.1"}


def test_workers_capped_at_cpu_count(fake_cluster, monkeypatch):
    import sensorynet.sweep.cluster as sw
    monkeypatch.setattr(sw, "available_cpus", lambda: 2)
    with pytest.warns(RuntimeWarning, match="more than the 2 CPU"):
        sw.local_cluster(64)
    assert fake_cluster[-1]["n_workers"] == 2
    sw.local_cluster(64, allow_oversubscribe=True)
    assert fake_cluster[-1]["n_workers"] == 64


def test_cli_workers_capped_and_dashboard_option(tmp_path, monkeypatch, capsys):
    import sensorynet.sweep.cli as cli
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


# ------------------------------------------------- 7. a finished run is never lost silently
def _fake_execute_run(params, seed, n_blocks, metric_funcs, tuning_duration_ms):
    return {"metrics": {m: float(params.network.g) for m in metric_funcs}, "error": None,
            "traceback": None, "runtime_s": 0.01, "worker": "fake"}


@pytest.fixture(scope="module")
def thread_client():
    import distributed
    import sensorynet.sweep.run as sw
    with sw.local_cluster(1, processes=False, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def fake_runs(monkeypatch):
    import sensorynet.sweep.run as sw
    monkeypatch.setattr(sw, "_execute_run", _fake_execute_run)
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
    import sensorynet.sweep.cli as cli

    def fail(*a, **k):
        raise OSError(errno.ENOSPC, f"could not record finished run x in {tmp_path}: "
                      "No space left on device")

    monkeypatch.setattr(cli, "run_sweep", fail)
    spec = tmp_path / "s.toml"
    spec.write_text(_TINY)
    assert cli.cli_main([str(spec), "--out", str(tmp_path / "o")]) == 1
    assert "No space left" in _one_error_line(capsys.readouterr().err)


# ------------------------------------------------- 8. loader bounds and validation
def _arrays_and_meta(path):
    with zipfile.ZipFile(path) as z:
        arrays = {}
        for name in z.namelist():
            with z.open(name) as fh:
                arrays[name[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
    meta = json.loads(arrays["__sensorynet_meta__"].tobytes().decode())
    return arrays, meta


def _write(path, arrays, meta):
    arrays = dict(arrays)
    arrays["__sensorynet_meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def _refused(path, *words, **kw):
    with pytest.raises(ValueError) as info:
        load_result(path, **kw)
    msg = str(info.value)
    assert str(path) in msg
    for w in words:
        assert w in msg, msg


@pytest.fixture
def saved(small, tmp_path):
    path = tmp_path / "ok.npz"
    save_result(small, path)
    return path


def test_decompressed_size_is_checked_before_reading(saved, monkeypatch):
    with zipfile.ZipFile(saved) as z:
        total = sum(i.file_size for i in z.infolist())
    assert load_result(saved, max_bytes=total).N == 500
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k))
    _refused(saved, "limit", str(total), max_bytes=total - 1)
    assert opened == []                                 # nothing was decompressed
    monkeypatch.setenv("SENSORYNET_MAX_RESULT_BYTES", str(total - 1))
    _refused(saved, "limit")


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("po.npy", "w", force_zip64=True) as fh:
            np.lib.format.write_array_header_1_0(
                fh, {"descr": "<f8", "fortran_order": False, "shape": (2**25,)})
            chunk = bytes(2**20)
            for _ in range(256):
                fh.write(chunk)
    assert path.stat().st_size < 2**20
    monkeypatch.setenv("SENSORYNET_MAX_RESULT_BYTES", str(64 * 2**20))
    _refused(path, "limit")


def test_lying_npy_header_is_refused_without_allocating(saved, tmp_path):
    arrays, meta = _arrays_and_meta(saved)
    path = tmp_path / "liar.npz"
    _write(path, arrays, meta)
    # rewrite po.npy with a header claiming 2**40 float64 values but 8 bytes of data
    src = zipfile.ZipFile(path)
    out = tmp_path / "liar2.npz"
    with src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == "po.npy":
                import io
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    buf, {"descr": "<f8", "fortran_order": False, "shape": (2**40,)})
                buf.write(bytes(8))
                dst.writestr("po.npy", buf.getvalue())
            else:
                dst.writestr(info, src.read(info))
    _refused(out, "po.npy")


@pytest.mark.parametrize("damage", ["nan_W", "inf_po", "nan_W_blocks", "W_blocks_shape",
                                    "neuron_out_of_range", "negative_step", "zero_dt",
                                    "zero_n_steps", "n_exc_above_N", "bool_N"])
def test_invalid_contents_are_refused(saved, tmp_path, damage):
    arrays, meta = _arrays_and_meta(saved)
    if damage == "nan_W":
        arrays["W"] = arrays["W"].copy()
        arrays["W"][3, 4] = np.nan
    elif damage == "inf_po":
        arrays["po"] = arrays["po"].copy()
        arrays["po"][0] = np.inf
    elif damage == "nan_W_blocks":
        arrays["W_blocks"] = arrays["W_blocks"].copy()
        arrays["W_blocks"][0, 0, 0] = np.nan
    elif damage == "W_blocks_shape":
        arrays["W_blocks"] = arrays["W_blocks"][:, :10, :]
    elif damage == "neuron_out_of_range":
        arrays["spikes.neurons"] = arrays["spikes.neurons"].copy()
        arrays["spikes.neurons"][0] = 10_000
    elif damage == "negative_step":
        arrays["spikes.steps"] = arrays["spikes.steps"].copy()
        arrays["spikes.steps"][0] = -5
    elif damage == "zero_dt":
        meta["phase_info"][0]["dt"] = 0.0
    elif damage == "zero_n_steps":
        meta["phase_info"][0]["n_steps"] = 0
    elif damage == "n_exc_above_N":
        meta["n_exc"] = 10_000
    elif damage == "bool_N":
        meta["N"] = True
    path = tmp_path / f"{damage}.npz"
    _write(path, arrays, meta)
    _refused(path, "damaged")


def test_cache_recomputes_any_unreadable_entry(small, tmp_path, monkeypatch):
    import sensorynet.cache as cache_mod
    cache = ResultsCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return small

    cache.get_or_compute("published", {"seed": 3}, compute)
    path = cache.path_for("published", {"seed": 3})
    arrays, meta = _arrays_and_meta(path)
    arrays["W"] = arrays["W"].copy()
    arrays["W"][0, 1] = np.nan                       # readable but invalid
    _write(path, arrays, meta)
    with pytest.warns(RuntimeWarning, match="recomputing"):
        cache.get_or_compute("published", {"seed": 3}, compute)
    assert len(calls) == 2 and cache.last_status == "recomputed"

    def explode(*a, **k):
        raise MemoryError("cannot allocate")

    monkeypatch.setattr(cache_mod, "load_with_metadata", explode)
    with pytest.warns(RuntimeWarning, match="MemoryError"):
        r = cache.get_or_compute("published", {"seed": 3}, compute)
    assert r is small and len(calls) == 3


def _open_fds_to(path):
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:
            pass
    return n


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_damaged_archive_leaks_no_file_handle(saved, tmp_path):
    data = saved.read_bytes()
    errors = []
    for i, cut in enumerate((len(data) // 2, len(data) - 10, 100)):
        path = tmp_path / f"cut{i}.npz"
        path.write_bytes(data[:cut])
        for _ in range(5):
            try:
                load_result(path)
            except ValueError as exc:
                errors.append(exc)                   # keep tracebacks (and frames) alive
        assert _open_fds_to(path) == 0, path
    assert len(errors) == 15
