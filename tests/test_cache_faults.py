"""Fault injection and hostile input for the results store, the cache and sweeps
(issue 13; docs/sweeps.md, "Faults"). Each scenario ends with nothing lost, nothing
duplicated and a resumable store. Sections 1-10, 12 and 15's two-sweeps test fail on
the code before their fix; 11, 13, 14 and the client kill -9 pin down behaviour that
already held."""
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
from sensorynet._cache import ResultsCache
from sensorynet._store import load_result, save_result

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=3, n_blocks=1, progress=False)


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))


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


# ------------------------------------------------- 13. corrupt and truncated result files
def _corrupt_variants(good: bytes, tmp_path):
    import io
    import pickle
    out = {"empty": b""}
    for cut in (1, 4, 30, 100, len(good) // 4, len(good) // 2, len(good) - 22,
                len(good) - 1):
        out[f"truncated_{cut}"] = good[:cut]
    out["pickle"] = pickle.dumps({"W": np.eye(3)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a result")
    out["foreign_zip"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3))
    out["foreign_npz"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, po=np.array([{"x": 1}], dtype=object))
    out["pickled_object_array"] = buf.getvalue()
    return out


# ------------------------------------------------- 14. two processes, one cache key
_CACHE_RACER = """
import sys, time
from sensorynet._cache import ResultsCache
from sensorynet._store import load_result
src, cdir, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
cache = ResultsCache(cdir)

def compute():
    time.sleep(0.5)                 # both are computing at the same time
    return load_result(src)
r = cache.get_or_compute("published", {"seed": 3}, compute)
print(cache.last_status, r.N, flush=True)
"""




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


def test_cache_recomputes_any_unreadable_entry(small, tmp_path, monkeypatch):
    import sensorynet._cache as cache_mod
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


def test_cache_recomputes_every_corrupt_variant(small, tmp_path):
    cache = ResultsCache(tmp_path)
    path = cache.path_for("published", {"seed": 3})
    cache.get_or_compute("published", {"seed": 3}, lambda: small)
    good = path.read_bytes()
    for name, data in _corrupt_variants(good, tmp_path).items():
        path.write_bytes(data)
        calls = []
        with pytest.warns(RuntimeWarning, match="recomputing"):
            r = cache.get_or_compute("published", {"seed": 3},
                                     lambda calls=calls: calls.append(1) or small)
        assert calls == [1] and r is small and cache.last_status == "recomputed", name
        assert load_result(path).N == small.N                # rewritten, complete


@pytest.mark.slow
def test_two_processes_compute_the_same_cache_key(small, tmp_path):
    src = tmp_path / "src.npz"
    save_result(small, src)
    cdir = tmp_path / "cache"
    start = time.time() + 3.0
    procs = [subprocess.Popen([sys.executable, "-c", _CACHE_RACER, str(src), str(cdir),
                               str(start)], env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for out, _ in outs:
        status, n = out.split()
        assert status in ("miss", "hit") and int(n) == small.N
    path = ResultsCache(cdir).path_for("published", {"seed": 3})
    assert sorted(p.name for p in cdir.iterdir()) == [path.name]   # no temp files
    np.testing.assert_array_equal(load_result(path).W, small.W)    # complete
