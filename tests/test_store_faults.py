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


def _age(path, seconds):
    t = time.time() - seconds
    os.utime(path, (t, t))


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


def _open_fds_to(path):
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:
            pass
    return n


# ------------------------------------------------- 11. kill -9 while a result file is written
_SLOW_SAVE = """
import io, os, sys, time
import numpy as np
from sensorynet._cache import ResultsCache, canonical_key
import sensorynet._store as store
from sensorynet._store import load_result, save_result
res = load_result(sys.argv[1])
cache = ResultsCache(sys.argv[2])
real = store.write_npz                     # what save_result writes the archive with

def half_then_hang(fh, arrays):            # a large write, killed half-way
    buf = io.BytesIO()
    real(buf, arrays)
    data = buf.getvalue()
    fh.write(data[:len(data) // 2])
    fh.flush()
    os.fsync(fh.fileno())
    print("HALF", flush=True)
    time.sleep(120)

store.write_npz = half_then_hang
key = {"seed": 3}
save_result(res, cache.path_for("published", key),
            annotations={"cache_key": canonical_key("published", key)})
"""


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




def test_decompressed_size_is_checked_before_reading(saved, monkeypatch):
    with zipfile.ZipFile(saved) as z:
        total = sum(i.file_size for i in z.infolist()
                    if i.filename != "__sensorynet_meta__.npy")
    assert load_result(saved, max_bytes=total).N == 500
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, name, *a, **k: opened.append(getattr(name, "filename",
                                                                          name))
                        or real_open(self, name, *a, **k))
    _refused(saved, "limit", str(total), max_bytes=total - 1)
    assert set(opened) == {"__sensorynet_meta__.npy"}   # no array was decompressed
    monkeypatch.setenv("SENSORYNET_MAX_RESULT_BYTES", str(total - 1))
    _refused(saved, "limit")


def test_the_default_limit_follows_the_available_memory(monkeypatch):
    import sensorynet._store as store
    monkeypatch.delenv("SENSORYNET_MAX_RESULT_BYTES", raising=False)
    monkeypatch.setattr(store, "available_bytes", lambda: 10 * 2**30)
    assert store.result_size_limit() == int(store.FRACTION * 10 * 2**30)
    monkeypatch.setattr(store, "available_bytes", lambda: None)
    assert store.result_size_limit() == store.MAX_RESULT_BYTES


def _bomb(fh, n_mib=256):
    """A ``.npy`` member of ``n_mib`` MiB of zeros (a few hundred kB deflated)."""
    np.lib.format.write_array_header_1_0(
        fh, {"descr": "<f8", "fortran_order": False, "shape": (n_mib * 2**17,)})
    chunk = bytes(2**20)
    for _ in range(n_mib):
        fh.write(chunk)


def _with_member(saved, path, name):
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w",
                                                        zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        with z.open(name, "w", force_zip64=True) as fh:
            _bomb(fh)
    assert path.stat().st_size < saved.stat().st_size + 2**20


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("__sensorynet_meta__.npy", b"")
        with z.open("po.npy", "w", force_zip64=True) as fh:
            _bomb(fh)
    assert path.stat().st_size < 2**20
    _refused(path, "reading magic string")            # its metadata is no .npy at all


def test_a_bomb_among_the_used_members_is_refused_by_the_limit(saved, tmp_path,
                                                               monkeypatch):
    arrays, meta = _arrays_and_meta(saved)
    meta["has"]["block_thetas"] = True
    arrays.pop("block_thetas", None)
    ok = tmp_path / "ok.npz"
    _write(ok, arrays, meta)
    bomb = tmp_path / "bomb.npz"
    _with_member(ok, bomb, "block_thetas.npy")
    monkeypatch.setenv("SENSORYNET_MAX_RESULT_BYTES", str(64 * 2**20))
    _refused(bomb, "limit")


def test_unused_or_unknown_members_are_never_decompressed(saved, tmp_path, monkeypatch):
    """A small file with a huge member the result does not use (here ``W.indptr`` of a
    dense result) loads without decompressing it; an unknown member is refused before
    anything is decompressed."""
    monkeypatch.setenv("SENSORYNET_MAX_RESULT_BYTES", str(64 * 2**20))  # < the bomb
    unused = tmp_path / "unused.npz"
    _with_member(saved, unused, "W.indptr.npy")
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, name, *a, **k: opened.append(getattr(name, "filename",
                                                                          name))
                        or real_open(self, name, *a, **k))
    assert load_result(unused).N == 500
    assert "W.indptr.npy" not in opened
    unknown = tmp_path / "unknown.npz"
    monkeypatch.setattr(zipfile.ZipFile, "open", real_open)
    _with_member(saved, unknown, "extra.npy")
    opened.clear()
    monkeypatch.setattr(zipfile.ZipFile, "open",
                        lambda self, name, *a, **k: opened.append(getattr(name, "filename",
                                                                          name))
                        or real_open(self, name, *a, **k))
    _refused(unknown, "unexpected member 'extra.npy'")
    assert opened == []


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


@pytest.mark.slow
@pytest.mark.parametrize("before", ["absent", "previous"])
def test_kill9_mid_write_of_a_result_file(small, tmp_path, before):
    from sensorynet._cache import canonical_key
    src = tmp_path / "src.npz"
    save_result(small, src)
    cdir = tmp_path / "cache"
    cdir.mkdir()
    cache = ResultsCache(cdir)
    dest = cache.path_for("published", {"seed": 3})
    if before == "previous":
        save_result(small, dest, annotations={"cache_key": canonical_key(
            "published", {"seed": 3})})
    old = dest.read_bytes() if dest.exists() else None
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, str(src), str(cdir)],
                            env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "HALF"
        temps = [p for p in cdir.iterdir() if p.name.endswith(".tmp")]
        assert len(temps) == 1 and temps[0].stat().st_size > 0
    finally:
        proc.kill()                                        # SIGKILL
        proc.wait(timeout=30)
    assert proc.returncode == -9
    # the destination is the previous complete file, or absent; never a partial one
    assert (dest.read_bytes() == old) if old is not None else not dest.exists()
    assert temps[0].exists()                               # left behind by the kill
    _age(temps[0], 3600)
    calls = []
    cache = ResultsCache(cdir)                             # the next open cleans it
    assert not temps[0].exists()
    r = cache.get_or_compute("published", {"seed": 3}, lambda: calls.append(1) or small)
    assert len(calls) == (1 if old is None else 0)         # recomputed only if missing
    assert cache.last_status == ("miss" if old is None else "hit")
    np.testing.assert_array_equal(load_result(dest).W, small.W)
    np.testing.assert_array_equal(r.W, small.W)
    assert sorted(p.name for p in cdir.iterdir()) == [dest.name]


def test_full_disk_save_result(small, tmp_path, small_disk, monkeypatch):
    if small_disk is None:                                 # no tmpfs: inject ENOSPC
        d = tmp_path / "d"
        d.mkdir()
    else:
        d, fill = small_disk
    dest = d / "r.npz"
    save_result(small, dest)                               # the previous result
    old = dest.read_bytes()
    if small_disk is None:
        monkeypatch.setattr(sn._store, "write_npz", _enospc)
    else:
        filler = fill(64 * 1024)                           # 64 kB left
    with pytest.raises(OSError) as info:
        save_result(small, dest, annotations={"note": "new"})
    assert info.value.errno == errno.ENOSPC
    assert str(dest) in str(info.value) and "No space left" in str(info.value)
    assert dest.read_bytes() == old                        # previous file intact
    assert sorted(p.name for p in d.iterdir()) == sorted(
        ["r.npz"] + ([] if small_disk is None else ["filler"]))   # no partial file
    # the cache does not lose the computation: it warns and returns the result
    cache = ResultsCache(d / "cache") if small_disk is None else ResultsCache(d)
    with pytest.warns(RuntimeWarning, match="could not write cache file"):
        r = cache.get_or_compute("published", {"seed": 3}, lambda: small)
    assert r is small
    if small_disk is not None:
        filler.unlink()
    monkeypatch.undo()
    save_result(small, dest, annotations={"note": "new"})      # room again: works
    assert load_result(dest).N == small.N


def test_corrupt_and_truncated_files_are_refused(saved, tmp_path):
    good = saved.read_bytes()
    for name, data in _corrupt_variants(good, tmp_path).items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(data)
        _refused(path)
    # flipped bytes anywhere: refused, or (a byte nothing depends on, e.g. a time
    # stamp) the identical result -- never a different one
    ref = load_result(saved)
    n_refused = 0
    for pos in np.linspace(0, len(good) - 1, 41).astype(int):
        data = bytearray(good)
        data[pos] ^= 0xFF
        path = tmp_path / "flipped.npz"
        path.write_bytes(bytes(data))
        try:
            r = load_result(path)
        except ValueError as exc:
            assert str(path) in str(exc)
            n_refused += 1
            continue
        for f in ("W", "W0", "po"):
            np.testing.assert_array_equal(getattr(r, f), getattr(ref, f))
        assert r.spikes.keys() == ref.spikes.keys()
    assert n_refused >= 35


def _damage_meta(key, value):
    def f(arrays, meta):
        meta[key] = value
    return f


def _damage_params(group, name, value):
    def f(arrays, meta):
        meta["params"][group][name] = value
    return f


def _damage_phase(name, value):
    def f(arrays, meta):
        meta["phase_info"][0][name] = value
    return f


@pytest.mark.parametrize("damage, words", [
    (_damage_meta("seed", 1.7), ["seed=1.7"]),
    (_damage_meta("seed", True), ["seed=True"]),
    (_damage_meta("n_exc", 0), ["n_exc=0"]),
    (_damage_meta("n_exc", 500), ["no inhibitory neuron"]),
    (_damage_params("network", "N", 600), ["N=600", "N=500"]),
    (_damage_params("network", "f_exc", 0.5), ["N_E=250", "n_exc=400"]),
    (_damage_params("network", "dt", 0.5), ["dt=1.0", "dt=0.5"]),
    (_damage_phase("n_exc", 300), ["n_exc=300"]),
    (_damage_meta("kind", 7), ["kind=7"]),
])
def test_metadata_contradicting_the_arrays_is_refused(saved, tmp_path, damage, words):
    """Metadata that disagrees with the arrays once loaded silently (seed 1.7 read as 1,
    parameters of another network size or step, no E neuron: NaN rates)."""
    arrays, meta = _arrays_and_meta(saved)
    damage(arrays, meta)
    path = tmp_path / "bad.npz"
    _write(path, arrays, meta)
    _refused(path, *words)


def test_big_endian_arrays_load_in_native_order(saved, tmp_path, small):
    arrays, meta = _arrays_and_meta(saved)
    swapped = {k: (v.astype(v.dtype.newbyteorder(">")) if v.dtype.itemsize > 1 else v)
               for k, v in arrays.items() if k != "__sensorynet_meta__"}
    path = tmp_path / "big.npz"
    _write(path, swapped, meta)
    r = load_result(path)
    assert r.W.dtype.isnative and r.po.dtype.isnative
    np.testing.assert_array_equal(r.W, small.W)
    assert r.spikes["after"].population_rates() == small.spikes["after"].population_rates()
    sn.simulate(r.W, np.zeros((r.N, 3), np.uint8), plastic=False, params=r.params)
