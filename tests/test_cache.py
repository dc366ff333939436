"""Saving/loading results (exact round trip, refusal of bad files) and the results cache."""

import pathlib

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._cache import ResultsCache, default_cache_dir


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=3, n_blocks=2, progress=False)


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


# ----------------------------------------------------------------------------- cache
class Counter:
    def __init__(self, result):
        self.result, self.calls = result, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.result




def test_cache_hit_and_miss(small, tmp_path):
    cache = ResultsCache(tmp_path)
    fn = Counter(small)
    a = cache.get_or_compute("published", {"seed": 3, "n": 2}, fn)
    assert fn.calls == 1 and cache.last_status == "miss"
    b = cache.get_or_compute("published", {"n": 2, "seed": 3}, fn)   # key order irrelevant
    assert fn.calls == 1 and cache.last_status == "hit"
    assert_same_result(a, b)
    c = cache.get_or_compute("published", {"seed": 4, "n": 2}, fn)
    assert fn.calls == 2 and cache.last_status == "miss"
    assert c is small
    d = cache.get_or_compute("other-kind", {"seed": 3, "n": 2}, fn)
    assert fn.calls == 3 and d is small
    assert len(list(tmp_path.glob("*.npz"))) == 3
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_cache_published_key(small, tmp_path, monkeypatch):
    import sensorynet.experiments._published as ex
    from sensorynet.experiments._published import cached_published
    fake = Counter(small)
    monkeypatch.setattr(ex, "run_published", fake)
    cache = ResultsCache(tmp_path)
    p = sn.ModelParams()
    cached_published(cache, p, seed=0, progress=False)
    cached_published(cache, p, seed=0, n_blocks=p.protocol.n_blocks, progress=False)
    cached_published(cache, sn.ModelParams(), seed=0, progress=False)
    assert fake.calls == 1 and cache.last_status == "hit"
    # any change of a parameter, the seed or the block count must miss
    for params, seed, n in [(p.replace(**{"network.g": 7.5}), 0, None),
                            (p.replace(**{"plasticity.A_LTP": 8.1e-5}), 0, None),
                            (p, 1, None), (p, 0, 39)]:
        calls = fake.calls
        cached_published(cache, params, seed=seed, n_blocks=n, progress=False)
        assert fake.calls == calls + 1, (params, seed, n)
        assert cache.last_status == "miss"
    with pytest.raises(ValueError, match="seed"):
        cached_published(cache, p, seed=-1)
    with pytest.raises(TypeError, match="params"):
        cached_published(cache, {"network": {}})


def test_cache_key_includes_version(small, tmp_path, monkeypatch):
    cache = ResultsCache(tmp_path)
    key = {"seed": 3}
    before = cache.path_for("published", key)
    import sensorynet._version
    monkeypatch.setattr(sensorynet._version, "__version__", "999.0")
    assert cache.path_for("published", key) != before


def test_cache_recomputes_corrupt_or_mismatched_file(small, tmp_path):
    cache = ResultsCache(tmp_path)
    fn = Counter(small)
    cache.get_or_compute("published", {"seed": 3}, fn)
    path = cache.path_for("published", {"seed": 3})
    path.write_bytes(path.read_bytes()[:1000])   # damaged
    with pytest.warns(RuntimeWarning, match="recomputing"):
        r = cache.get_or_compute("published", {"seed": 3}, fn)
    assert fn.calls == 2 and cache.last_status == "recomputed" and r is small
    cache.get_or_compute("published", {"seed": 3}, fn)
    assert fn.calls == 2 and cache.last_status == "hit"   # repaired on disk
    # a valid file under another key's name is not trusted
    other = cache.path_for("published", {"seed": 99})
    other.write_bytes(path.read_bytes())
    cache.get_or_compute("published", {"seed": 99}, fn)
    assert fn.calls == 3 and cache.last_status == "recomputed"


def test_cache_arguments(small, tmp_path, monkeypatch):
    monkeypatch.setenv("SENSORYNET_CACHE", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert ResultsCache().cache_dir == tmp_path / "env"
    monkeypatch.delenv("SENSORYNET_CACHE")
    assert default_cache_dir() == default_cache_dir().home() / ".cache" / "sensorynet"
    cache = ResultsCache(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        cache.get_or_compute("../evil", {}, Counter(small))
    with pytest.raises(TypeError, match="key_dict"):
        cache.get_or_compute("published", {"x": object()}, Counter(small))
    with pytest.raises(TypeError, match="compute_fn"):
        cache.get_or_compute("published", {}, "not callable")
    with pytest.raises(TypeError, match="ExperimentResult"):
        cache.get_or_compute("published", {"y": 1}, lambda: 42)
    cache.get_or_compute("published", {"z": 1}, Counter(small))
    assert cache.clear() == 1 and not list(tmp_path.glob("*.npz"))


def test_cache_key_includes_source_code(tmp_path, monkeypatch):
    import sensorynet._cache as store
    cache = ResultsCache(tmp_path)
    before = cache.path_for("published", {"seed": 3})
    assert len(store.source_fingerprint()) == 64
    monkeypatch.setattr(store, "_FINGERPRINT", "edited-kernel")
    assert cache.path_for("published", {"seed": 3}) != before


_EDITS = ["_kernels.py", "_simulation.py", "analysis/_connectivity.py",
          "experiments/_cardinal.py", "plotting/_style.py", "widgets/_base.py",
          "sweep/_metrics.py", "data/identity_ensemble.json"]


def test_the_fingerprint_covers_every_source_and_data_file(tmp_path):
    """An edit anywhere in the package (each subpackage, the kernels, packaged data)
    changes the fingerprint, and so every cache key and sweep run id; a compiled cache
    does not."""
    import shutil

    import sensorynet._cache as store
    src = pathlib.Path(store.__file__).resolve().parent
    copy = tmp_path / "sensorynet"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    from sensorynet.sweep._points import code_identity
    base = store.tree_fingerprint(copy)
    assert base == store.source_fingerprint()          # the copy is the package
    assert code_identity()["source"] == base           # sweep run ids hash it too
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.nbi").write_bytes(b"compiled")
    assert store.tree_fingerprint(copy) == base
    seen = {base}
    for rel in _EDITS:
        f = copy / rel
        original = f.read_bytes()
        f.write_bytes(original + (b"\n" if rel.endswith(".json") else b"\n# edited\n"))
        new = store.tree_fingerprint(copy)
        assert new not in seen, rel
        seen.add(new)
        f.write_bytes(original)
    assert store.tree_fingerprint(copy) == base
    (copy / "experiments" / "_new_protocol.py").write_text("X = 1\n")
    assert store.tree_fingerprint(copy) != base
