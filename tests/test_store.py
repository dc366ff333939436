"""Saving/loading results (exact round trip, refusal of bad files) and the results cache."""
import json
import os
import zipfile

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._store import FORMAT_VERSION, load_result, read_metadata, save_result


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=3, n_blocks=2, progress=False)


@pytest.fixture(scope="module")
def small_sparse():
    params = sn.ModelParams(network=sn.NetworkParams().scaled(600))
    return sn.run_published(params, seed=1, n_blocks=1, sparse=True, progress=False)


def _same_array(a, b):
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)


def _same_weights(a, b):
    if isinstance(a, sn.SparseWeights):
        return (isinstance(b, sn.SparseWeights) and a.N == b.N
                and all(_same_array(getattr(a, k), getattr(b, k))
                        for k in ("indptr", "indices", "data")))
    return not isinstance(b, sn.SparseWeights) and _same_array(a, b)


def assert_same_result(a, b):
    assert (a.kind, a.seed, a.n_exc, a.version) == (b.kind, b.seed, b.n_exc, b.version)
    assert a.params == b.params
    assert _same_array(a.po, b.po)
    assert _same_weights(a.W0, b.W0) and _same_weights(a.W, b.W)
    for name in ("W_blocks", "block_thetas", "test_thetas"):
        assert _same_array(getattr(a, name), getattr(b, name)), name
    assert list(a.spikes) == list(b.spikes)
    for k in a.spikes:
        x, y = a.spikes[k], b.spikes[k]
        assert _same_array(x.neurons, y.neurons) and _same_array(x.steps, y.steps), k
        assert (x.n_steps, x.N, x.n_exc, x.dt) == (y.n_steps, y.N, y.n_exc, y.dt)
    assert a.extra == b.extra


# ------------------------------------------------------------------------ bad files
def _assert_refused(path, match=None):
    with pytest.raises(ValueError) as info:
        load_result(path)
    assert str(path) in str(info.value)
    if match:
        assert match in str(info.value)


def _rewrite_meta(src, dst, change):
    with np.load(src, allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files}
    key = "__sensorynet_meta__"
    meta = json.loads(arrays[key].tobytes().decode())
    change(meta)
    arrays[key] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(dst, "wb") as fh:
        np.savez(fh, **arrays)


UNPICKLED = []


def _mark_unpickled():
    UNPICKLED.append(True)
    return "boom"


class _Bomb:
    def __reduce__(self):
        return (_mark_unpickled, ())




# ------------------------------------------------------------------------ round trip
def test_round_trip_dense(small, tmp_path):
    path = tmp_path / "r.npz"
    assert save_result(small, path) == path
    back = load_result(path)
    assert_same_result(small, back)
    assert back.W_blocks.shape == (2, 500, 500)
    assert sorted(os.listdir(tmp_path)) == ["r.npz"]   # no temporary file left behind
    meta = read_metadata(path)
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["package_version"] == sn.__version__
    assert meta["spike_phases"] == ["before", "block_000", "block_001", "after"]
    assert meta["sparse"] is False and meta["n_exc"] == 400


def test_round_trip_sparse(small_sparse, tmp_path):
    path = tmp_path / "sparse.npz"
    save_result(small_sparse, path)
    back = load_result(path)
    assert back.is_sparse
    assert_same_result(small_sparse, back)
    assert read_metadata(path)["sparse"] is True


def test_round_trip_optional_fields_and_extra(small, tmp_path):
    r = sn.ExperimentResult("spontaneous", small.params, 7, small.po, small.n_exc,
                            small.W0, small.W, None, None, None,
                            {"block_000": small.spikes["block_000"]},
                            extra={"rate_hz": 1000.0, "flags": [1, 2], "note": "x",
                                   "np": np.float64(0.25)})
    path = tmp_path / "opt.npz"
    save_result(r, path)
    back = load_result(path)
    assert back.W_blocks is None and back.block_thetas is None and back.test_thetas is None
    assert back.extra == {"rate_hz": 1000.0, "flags": [1, 2], "note": "x", "np": 0.25}
    r.extra["np"] = 0.25
    assert_same_result(r, back)


def test_save_rejects_bad_input(small, tmp_path):
    with pytest.raises(TypeError, match="ExperimentResult"):
        save_result("not a result", tmp_path / "x.npz")
    bad = sn.ExperimentResult("published", small.params, 0, small.po, small.n_exc,
                              small.W0, small.W, None, None, None, {},
                              extra={"obj": object()})
    with pytest.raises(TypeError, match="extra"):
        save_result(bad, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="path"):
        save_result(small, 12)


def test_members_deflated_or_stored_by_measurement(small, tmp_path, monkeypatch):
    """Incompressible members (e.g. float64 weight snapshots) are stored, the others
    deflated; np.load reads the file, and a file written the old way
    (np.savez_compressed) loads to the same result."""
    from sensorynet import _store as store
    arrays = {"noise": np.random.default_rng(0).random(100_000), "zeros": np.zeros(10**5),
              "small": np.random.default_rng(1).random(10), "empty": np.zeros((0, 3)),
              "ints": np.arange(10**5, dtype=np.int32)[::-1]}
    with open(tmp_path / "a.npz", "wb") as fh:
        store.write_npz(fh, arrays)
    with zipfile.ZipFile(tmp_path / "a.npz") as zf:
        kinds = {i.filename[:-4]: i.compress_type for i in zf.infolist()}
    assert kinds.pop("noise") == zipfile.ZIP_STORED
    assert set(kinds.values()) == {zipfile.ZIP_DEFLATED}
    with np.load(tmp_path / "a.npz", allow_pickle=False) as d:
        assert all(_same_array(d[k], v) for k, v in arrays.items())
    path = tmp_path / "r.npz"
    save_result(small, path)
    old = tmp_path / "old.npz"
    monkeypatch.setattr(store, "write_npz", lambda fh, arrays: np.savez_compressed(fh, **arrays))
    save_result(small, old)
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zipfile.ZipFile(old).infolist())
    assert_same_result(load_result(old), load_result(path))
    assert_same_result(load_result(path), small)


def test_truncated_file(small, tmp_path):
    path = tmp_path / "t.npz"
    save_result(small, path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 100):
        path.write_bytes(data[:cut])
        _assert_refused(path)


def test_corrupt_member(small, tmp_path):
    path = tmp_path / "c.npz"
    save_result(small, path)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes(64)   # inside the W_blocks member (stored: CRC refuses it)
    path.write_bytes(bytes(data))
    _assert_refused(path)


def test_not_an_archive(tmp_path):
    path = tmp_path / "junk.npz"
    path.write_bytes(b"this is not a zip file at all")
    _assert_refused(path)
    npy = tmp_path / "single.npz"
    with open(npy, "wb") as fh:
        np.save(fh, np.arange(3))
    _assert_refused(npy, "not an .npz archive")


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, a=np.arange(3))
    _assert_refused(path, "metadata")


def test_wrong_format_name_and_newer_version(small, tmp_path):
    src = tmp_path / "ok.npz"
    save_result(small, src)
    other = tmp_path / "other.npz"
    _rewrite_meta(src, other, lambda m: m.update(format="somebody.else"))
    _assert_refused(other, "not a sensorynet result")
    newer = tmp_path / "newer.npz"
    _rewrite_meta(src, newer, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    _assert_refused(newer, "upgrade")
    same = tmp_path / "same.npz"
    _rewrite_meta(src, same, lambda m: None)
    assert_same_result(small, load_result(same))   # the rewrite itself is harmless


def test_object_arrays_never_unpickled(small, tmp_path):
    src = tmp_path / "ok.npz"
    save_result(small, src)
    with np.load(src, allow_pickle=False) as d:
        arrays = {k: d[k] for k in d.files}
    arrays["po"] = np.array([_Bomb()], dtype=object)
    path = tmp_path / "pickled.npz"
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    with zipfile.ZipFile(path) as z:          # the bomb is really in the file
        assert "po.npy" in z.namelist()
    _assert_refused(path, "object arrays")
    assert UNPICKLED == []


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_result(tmp_path / "nope.npz")
