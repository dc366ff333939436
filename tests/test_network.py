import subprocess
import sys

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._network import preferred_orientations


def test_structure_and_statistics():
    net = sn.build_network(sn.NetworkParams(), seed=7)
    W, NE = net.W, net.n_exc
    assert W.shape == (500, 500) and W.dtype == np.float64
    assert set(np.unique(W[:NE])) == {0.0, 0.5}
    assert set(np.unique(W[NE:])) == {-4.0}          # ε_IE = ε_II = 1
    # connection probability within 4 standard errors
    for block, p in [(W[:NE, :NE], 0.3), (W[:NE, NE:], 0.3)]:
        frac = np.mean(block != 0)
        assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / block.size)
    # independence of the two directions of a pair: reciprocal fraction ≈ p²
    E = W[:NE, :NE] != 0
    iu = np.triu_indices(NE, 1)
    recip = np.mean(E[iu] & E.T[iu])
    assert abs(recip - 0.09) < 0.01


def test_same_seed_same_network_in_another_process():
    net = sn.build_network(sn.NetworkParams(N=300), seed=123)
    code = ("import sensorynet as sn, sys, numpy as np;"
            "W=sn.build_network(sn.NetworkParams(N=300), seed=123).W;"
            "sys.stdout.write(str(float((W*np.arange(300)[:,None]).sum())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert float(out) == float((net.W * np.arange(300)[:, None]).sum())
    assert not np.array_equal(net.W, sn.build_network(sn.NetworkParams(N=300), seed=124).W)


def test_sparse_equals_dense():
    p = sn.NetworkParams(N=800)
    d = sn.build_network(p, 5)
    s = sn.build_network(p, 5, sparse=True)
    assert s.is_sparse and not d.is_sparse
    assert np.array_equal(s.W.to_dense(), d.W)


def test_fixed_in_degree_scaling():
    p = sn.NetworkParams().scaled(20_000)
    net = sn.build_network(p, 1)
    assert net.is_sparse
    rows = net.W.rows()
    cols = net.W.indices
    post_E = cols < net.n_exc
    k_EE = np.bincount(cols[(rows < net.n_exc) & post_E], minlength=net.N)[:net.n_exc]
    k_IE = np.bincount(cols[(rows >= net.n_exc) & post_E], minlength=net.N)[:net.n_exc]
    assert abs(k_EE.mean() - 120) < 1.0 and abs(k_IE.mean() - 100) < 1.0


def test_preferred_orientations():
    po = preferred_orientations(500, 400)
    assert np.isclose(po[1] - po[0], np.pi / 400) and np.isclose(po[401] - po[400], np.pi / 100)
    assert po.max() < np.pi
    with pytest.raises(ValueError, match="n_exc"):
        preferred_orientations(10, 10)


def test_bad_arguments():
    with pytest.raises(TypeError, match="NetworkParams"):
        sn.build_network({"N": 10})
    with pytest.raises(ValueError, match="seed"):
        sn.build_network(sn.NetworkParams(), seed=-1)


def test_sparse_weights_validate_structure():
    with pytest.raises(ValueError, match="strictly increasing"):
        sn.SparseWeights([0, 2, 2], [1, 0], [0.5, 0.5], 2)
    with pytest.raises(ValueError, match="strictly increasing"):
        sn.SparseWeights([0, 2, 3], [1, 1, 0], [0.5, 0.5, -1.0], 2)
    with pytest.raises(ValueError, match="indptr"):
        sn.SparseWeights([0, 1], [0], [0.5], 2)
    w = sn.SparseWeights([0, 1, 3], [1, 0, 1], [0.5, -1.0, -1.0], 2)   # rows restart: fine
    assert w.nnz == 3 and np.array_equal(w.to_dense(), [[0, 0.5], [-1, -1]])


@pytest.mark.parametrize("N", [2, 3, 7, 60, 500, 1001])
def test_numpy_draw_equals_the_compiled_stream(N):
    """Small networks are drawn in numpy (nothing to compile on a first run): the same
    (indptr, indices, data) as the numba form, bit for bit, for any probabilities."""
    from sensorynet._network_kernel import build_csr, draw_csr
    rng = np.random.default_rng(N)
    w = np.array([0.2, -1.2])
    choices = [0.0, 1.0, 0.3, 0.2, 0.05, 0.999, 1e-13, 0.5]
    for trial in range(8):
        N_E = max(1, round(0.8 * N)) if trial == 0 else int(rng.integers(1, N)) if N > 2 else 1
        eps = np.full((2, 2), 0.3) if trial == 0 else rng.choice(choices, size=(2, 2))
        for key in (0, 2 ** 64 - 1, int(rng.integers(0, 2 ** 63))):
            a = build_csr(N, N_E, eps, w, np.uint64(key))
            b = draw_csr(N, N_E, eps, w, np.uint64(key))
            for x, y in zip(a, b, strict=True):
                assert x.dtype == y.dtype and np.array_equal(x, y), (N_E, eps, key)
