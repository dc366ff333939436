"""Fault injection and hostile input for the results store, the cache and sweeps
(issue 13): each test fails on the code before the fix."""
import errno
import json
import os
import pathlib
import subprocess
import sys
import time
import warnings
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
