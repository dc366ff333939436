"""Tests of sensorynet.analysis._detection: connectivity detected above an EPSP threshold."""
import itertools

import numpy as np
import pytest

from sensorynet import SparseWeights
from sensorynet.analysis import (
    delta_po,
    detected_connectivity,
    pair_groups,
    signal_correlation,
)


def brute(W, n_exc, t, mask=None):
    """Loops over unordered pairs of distinct E neurons."""
    n_conn = n_pairs = n_bi = n_uni = 0
    for i, j in itertools.combinations(range(n_exc), 2):
        if mask is not None and not mask[i, j]:
            continue
        a, b = int(W[i, j] > t), int(W[j, i] > t)
        n_pairs += 1
        n_conn += a + b
        n_bi += a and b
        n_uni += a != b
    return n_pairs, n_conn / (2 * n_pairs), n_bi / n_pairs, n_uni / n_pairs


def test_against_loops_with_groups_and_the_i_block_ignored():
    rng = np.random.default_rng(3)
    N, ne = 30, 24
    W = rng.uniform(0, 2, (N, N)) * (rng.random((N, N)) < 0.4)
    W[ne:] = -4.0                     # I rows: never counted
    po = rng.uniform(0, np.pi, ne)
    groups = pair_groups(np.rad2deg(delta_po(po)), [(0, 30), (60, 90)],
                         names=["similar", "orthogonal"])
    thr = [0.0, 0.5, 1.2]
    d = detected_connectivity(W, ne, thr, groups)
    assert d["thresholds"] == thr
    for name, mask in [("all", None), ("similar", groups["similar"]),
                       ("orthogonal", groups["orthogonal"])]:
        for k, t in enumerate(thr):
            n_pairs, p, pb, pu = brute(W, ne, t, mask)
            rec = d[name]
            assert rec["n_pairs"] == n_pairs
            assert rec["p_connected"][k] == pytest.approx(p)
            assert rec["p_bidirectional"][k] == pytest.approx(pb)
            assert rec["p_unidirectional"][k] == pytest.approx(pu)
            assert rec["bidirectional_ratio"][k] == pytest.approx(pb / p ** 2)


def test_autapses_are_not_pairs_and_sparse_equals_dense():
    W = np.diag([5.0, 5.0, 5.0])
    d = detected_connectivity(W, 3, [0.1])
    assert d["all"]["p_connected"] == [0.0]
    assert np.isnan(d["all"]["bidirectional_ratio"][0])
    rng = np.random.default_rng(0)
    Wd = rng.uniform(0, 1, (12, 12)) * (rng.random((12, 12)) < 0.5)
    ds = detected_connectivity(SparseWeights.from_dense(Wd), 10, [0.2, 0.7])
    assert ds == detected_connectivity(Wd, 10, [0.2, 0.7])


def test_unspecific_network_gives_equal_probabilities_in_every_group():
    """Before learning every E→E synapse weighs J: detection cannot depend on ΔPO."""
    rng = np.random.default_rng(1)
    ne = 200
    W = 0.5 * (rng.random((ne, ne)) < 0.3)
    po = np.arange(ne) * np.pi / ne
    g = pair_groups(np.rad2deg(delta_po(po)), [(0, 22.5), (67.5, 90)])
    d = detected_connectivity(W, ne, [0.25, 0.5])
    d2 = detected_connectivity(W, ne, [0.25, 0.5], g)
    assert d2["0–22.5"]["p_connected"][0] == pytest.approx(0.3, abs=0.03)
    assert d2["67.5–90"]["p_connected"][0] == pytest.approx(0.3, abs=0.03)
    assert d["all"]["p_connected"][1] == 0.0          # strictly above threshold


def test_pair_groups_bins_and_validation():
    v = np.array([[0.0, 10.0, 90.0], [10.0, 0.0, np.nan], [90.0, np.nan, 0.0]])
    g = pair_groups(v, [(0, 30), (60, 90)])
    assert g["0–30"].tolist() == [[False, True, False], [True, False, False],
                                  [False, False, False]]
    assert g["60–90"][0, 2] and g["60–90"][2, 0]     # the last bin includes its upper edge
    assert not g["60–90"][1, 2]                        # nan: no group
    with pytest.raises(ValueError, match="edges"):
        pair_groups(v, [(30, 0)])
    with pytest.raises(ValueError, match="names"):
        pair_groups(v, [(0, 30)], names=["a", "b"])
    with pytest.raises(ValueError, match="square"):
        pair_groups(np.zeros((2, 3)), [(0, 1)])


def test_detected_connectivity_validation():
    W = np.zeros((4, 4))
    with pytest.raises(ValueError, match="thresholds"):
        detected_connectivity(W, 4, [])
    with pytest.raises(ValueError, match="symmetric"):
        detected_connectivity(W, 4, [0.1], {"g": np.triu(np.ones((4, 4), bool), 1)})
    with pytest.raises(ValueError, match="shape"):
        detected_connectivity(W, 4, [0.1], {"g": np.ones((3, 3), bool)})
    with pytest.raises(ValueError, match="n_exc"):
        detected_connectivity(W, 9, [0.1])


def test_signal_correlation():
    th = np.linspace(0, np.pi, 12, endpoint=False)
    r = np.stack([1 + np.cos(2 * (th - p)) for p in (0.0, 0.1, np.pi / 2)], axis=1)
    c = signal_correlation(r)
    assert c.shape == (3, 3)
    np.testing.assert_allclose(np.diag(c), 1.0)
    assert c[0, 1] > 0.9 and c[0, 2] == pytest.approx(-1.0)
    np.testing.assert_allclose(c, c.T)
    with pytest.raises(ValueError, match="2 orientations"):
        signal_correlation(np.ones((1, 3)))
