"""Tests of sensorynet.analysis._connectivity on hand-made weight matrices with known answers."""
import numpy as np
import pytest

import sensorynet._orientation as orientation
import sensorynet.analysis._pairs as pairs
from sensorynet.analysis._connectivity import (
    DPO_BINS_DEG,
    delta_po,
    mean_weight_within_groups,
    pruning_stats,
    specificity,
    weights_vs_delta_po,
)
from sensorynet.analysis._reciprocity import (
    bidirectional_counts,
    bidirectional_surplus,
    reciprocal_correlation,
)

# 4 E neurons at 0, 45, 90, 135 degrees: |dPO| is 0 (diagonal), 45 or 90 degrees.
PO4 = np.deg2rad([0.0, 45.0, 90.0, 135.0])
W4 = np.array([[1.0, 2.0, 0.0, 0.0],
               [0.0, 0.0, 3.0, 0.0],
               [4.0, 0.0, 0.0, 5.0],
               [0.0, 6.0, 0.0, 2.0]])


def brute_specificity(W, po, n_exc, pathway, bins, existing_only):
    """Reference implementation with explicit loops (small N only)."""
    n = len(po)
    pops = {"E": range(0, n_exc), "I": range(n_exc, n)}
    sums = np.zeros(len(bins))
    cnts = np.zeros(len(bins))
    for i in pops[pathway[0]]:
        for j in pops[pathway[1]]:
            d = abs(po[i] - po[j]) % np.pi
            d = np.round(np.degrees(min(d, np.pi - d)), 9)
            if existing_only and W[i, j] == 0:
                continue
            for k, (lo, hi) in enumerate(bins):
                last = k == len(bins) - 1
                if lo <= d and (d <= hi if last else d < hi):
                    sums[k] += W[i, j]
                    cnts[k] += 1
    with np.errstate(invalid="ignore"):
        return sums / cnts


# ---------------------------------------------------------------- delta_po
def test_delta_po():
    d = delta_po(PO4)
    expected = np.deg2rad([[0, 45, 90, 45], [45, 0, 45, 90],
                           [90, 45, 0, 45], [45, 90, 45, 0]])
    np.testing.assert_allclose(d, expected, atol=1e-14)
    rng = np.random.default_rng(0)
    d = delta_po(rng.uniform(0, np.pi, 50))
    assert d.shape == (50, 50)
    assert (d >= 0).all() and (d <= np.pi / 2).all()
    np.testing.assert_array_equal(np.diag(d), 0)
    np.testing.assert_allclose(d, d.T)
    # wrap-around: 5 deg and 175 deg are 10 deg apart
    assert np.degrees(delta_po(np.deg2rad([5.0, 175.0]))[0, 1]) == pytest.approx(10.0)


# ---------------------------------------------------------------- specificity
def test_specificity_tiny_hand_example():
    # bin [0,30): diagonal 1,0,0,2; [30,60): 45-degree pairs, sum 10 over 8 (3 exist);
    # [60,90]: 90-degree pairs, sum 10 over 4 (2 exist)
    zeros_counted = specificity(W4, PO4, 4, "EE")
    np.testing.assert_allclose(zeros_counted, [3 / 4, 10 / 8, 10 / 4], rtol=1e-14)
    existing = specificity(W4, PO4, 4, "EE", existing_only=True)
    np.testing.assert_allclose(existing, [3 / 2, 10 / 3, 10 / 2], rtol=1e-14)


def test_specificity_step_function_exact():
    # 12 E neurons on a 15 degree grid; |dPO| in {0,...,90} with edges exactly on 30, 60, 90
    n = 12
    po = np.arange(n) * np.pi / n
    d_deg = np.round(np.degrees(delta_po(po)))
    W = np.where(d_deg < 30, 3.0, np.where(d_deg < 60, 2.0, 1.0))
    np.testing.assert_allclose(specificity(W, po, n), [3.0, 2.0, 1.0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(specificity(W, po, n, existing_only=True), [3, 2, 1])
    # 90 degrees (last bin) must be included: put a marker only at |dPO| = 90
    W90 = np.where(d_deg == 90, 5.0, 0.0)
    # each row has 5 partners in [60, 90] (60, 75, 90, 75, 60), one of them at 90
    assert (d_deg >= 60).sum() == 5 * n
    assert specificity(W90, po, n)[2] == pytest.approx(5.0 * n / (5 * n))
    assert specificity(W90, po, n, existing_only=True)[2] == 5.0
    assert specificity(W90, po, n, bins_deg=((0, 45), (45, 90)))[0] == 0.0
    # a bin edge below 90: 90 is excluded from a non-last bin [60, 90)
    res = specificity(W90, po, n, bins_deg=((60, 90), (100, 120)))
    assert res[0] == 0.0 and np.isnan(res[1])


@pytest.mark.parametrize("pathway", ["EE", "EI", "IE", "II"])
@pytest.mark.parametrize("existing_only", [False, True])
def test_specificity_matches_brute_force(pathway, existing_only):
    rng = np.random.default_rng(5)
    n, n_exc = 30, 22
    po = np.concatenate([np.arange(n_exc) * np.pi / n_exc,
                         np.arange(n - n_exc) * np.pi / (n - n_exc)])
    W = rng.uniform(0.1, 2, (n, n)) * (rng.random((n, n)) < 0.4)
    W[n_exc:] *= -3
    bins = ((0, 20), (20, 45), (50, 90))
    got = specificity(W, po, n_exc, pathway, bins_deg=bins, existing_only=existing_only)
    want = brute_specificity(W, po, n_exc, pathway, bins, existing_only)
    np.testing.assert_allclose(got, want, rtol=1e-12, equal_nan=True)


def test_specificity_chunking(monkeypatch):
    rng = np.random.default_rng(6)
    n, n_exc = 200, 160
    po = rng.uniform(0, np.pi, n)
    W = rng.uniform(0, 2, (n, n)) * (rng.random((n, n)) < 0.3)
    full = specificity(W, po, n_exc)
    monkeypatch.setattr(orientation, "_PAIR_CHUNK", 1000)      # all-pairs count in chunks
    monkeypatch.setattr(pairs, "_PAIR_CACHE", {})
    np.testing.assert_allclose(specificity(W, po, n_exc), full, rtol=1e-12)


def test_specificity_empty_bin_and_population():
    res = specificity(W4, PO4, 4, "EE", bins_deg=((0, 10), (10, 40), (40, 90)))
    assert np.isnan(res[1])
    assert np.isnan(specificity(W4, PO4, 4, "II")).all()  # no I neurons
    assert DPO_BINS_DEG == ((0, 30), (30, 60), (60, 90))


# ---------------------------------------------------------------- scatter data
def test_weights_vs_delta_po():
    dpo, w = weights_vs_delta_po(W4, PO4, 4, "EE")
    np.testing.assert_array_equal(w, [1, 2, 3, 4, 5, 6, 2])
    np.testing.assert_allclose(np.degrees(dpo), [0, 45, 45, 90, 45, 90, 0], atol=1e-12)
    dpo, w = weights_vs_delta_po(W4, PO4, 2, "EI")  # rows 0-1, cols 2-3
    np.testing.assert_array_equal(w, [3.0])
    np.testing.assert_allclose(np.degrees(dpo), [45.0])
    dpo, w = weights_vs_delta_po(W4, PO4, 2, "IE")  # rows 2-3, cols 0-1
    np.testing.assert_array_equal(w, [4.0, 6.0])


# ---------------------------------------------------------------- pruning
def test_pruning_stats_hand_example():
    W0 = np.array([[0.5, 0.5, 0.5, 0.5],
                   [0.0, 0.5, 0.5, 0.5],
                   [-4.0, -4.0, -4.0, -4.0],
                   [-4.0, -4.0, -4.0, -4.0]])
    W = np.array([[0.0, 2.0, 2.0, 2.0],
                  [0.7, 1.0, 0.5, 0.0],
                  [-5.0, -4.5, 0.0, -4.0],
                  [0.0, -5.0, -4.0, -4.0]])
    s = pruning_stats(W, W0, 2)
    assert set(s) == {"EE", "EI", "IE"}
    assert s["EE"] == pytest.approx({"n_existing": 3, "pruned": 1 / 3, "at_bound": 1 / 3,
                                     "mean_existing": 1.0})
    assert s["EI"] == pytest.approx({"n_existing": 4, "pruned": 1 / 4, "at_bound": 2 / 4,
                                     "mean_existing": 4.5 / 4})
    assert s["IE"] == pytest.approx({"n_existing": 4, "pruned": 1 / 4, "at_bound": 2 / 4,
                                     "mean_existing": -14.5 / 4})
    s = pruning_stats(W, W0, 2, w_max=1.0, w_min_inh=-4.5)
    assert s["EE"]["at_bound"] == pytest.approx(1 / 3)
    assert s["IE"]["at_bound"] == pytest.approx(1 / 4)
    s = pruning_stats(W, np.zeros_like(W0), 2)
    assert s["EE"]["n_existing"] == 0 and np.isnan(s["EE"]["pruned"])


# ---------------------------------------------------------------- bidirectional
def test_bidirectional_planted_pairs():
    n_exc, n = 20, 25
    rng = np.random.default_rng(7)
    W = np.where(rng.random((n, n)) < 0.5, 0.5, 0.0)
    W[n_exc:] = -4.0
    k_pairs = [(0, 1), (2, 7), (10, 19)]           # planted reciprocal strong pairs
    one_way = [(3, 4), (5, 6), (8, 12), (15, 9)]   # strong in one direction only
    for i, j in k_pairs:
        W[i, j] = W[j, i] = 1.5
    for i, j in one_way:
        W[i, j] = 1.8
        W[j, i] = 0.5
    np.fill_diagonal(W, 1.9)         # strong autapses must be ignored
    W[0, n_exc:] = 1.9               # strong E->I must be ignored
    W[n_exc:, :n_exc] = 1.9          # strong I rows must be ignored
    c = bidirectional_counts(W, n_exc, threshold=1.0)
    n_pairs = n_exc * (n_exc - 1) // 2
    q = (2 * 3 + 4) / (n_exc * (n_exc - 1))
    assert c["observed"] == 3 and isinstance(c["observed"], int)
    assert c["n_strong"] == 10 and c["n_pairs"] == n_pairs
    assert c["q"] == pytest.approx(q, rel=1e-14)
    assert c["expected"] == pytest.approx(n_pairs * q ** 2, rel=1e-14)
    assert bidirectional_surplus(W, n_exc) == pytest.approx(3 / (n_pairs * q ** 2), rel=1e-12)
    # threshold is strict (>) : 1.5 is not > 1.5
    assert bidirectional_counts(W, n_exc, threshold=1.5)["observed"] == 0
    assert bidirectional_counts(W, n_exc, threshold=1.5)["n_strong"] == 4


def test_bidirectional_random_is_one():
    rng = np.random.default_rng(8)
    n_exc = 400
    W = np.where(rng.random((n_exc + 100, n_exc + 100)) < 0.2, 1.5, 0.3)
    assert bidirectional_surplus(W, n_exc) == pytest.approx(1.0, abs=0.08)


def test_bidirectional_degenerate():
    W = np.full((5, 5), 0.5)
    assert bidirectional_counts(W, 5)["expected"] == 0.0
    assert np.isnan(bidirectional_surplus(W, 5))
    c = bidirectional_counts(W, 1)
    assert c["n_pairs"] == 0 and np.isnan(c["q"]) and np.isnan(c["expected"])
    assert np.isnan(bidirectional_surplus(W, 0))


# ---------------------------------------------------------------- reciprocal correlation
def test_reciprocal_correlation():
    rng = np.random.default_rng(9)
    n, n_exc = 40, 30
    A = rng.uniform(0.1, 2, (n, n))
    S = np.triu(A, 1) + np.triu(A, 1).T
    S[n_exc:, :] = rng.uniform(-5, 0, (n - n_exc, n))   # I rows must not matter
    assert reciprocal_correlation(S, n_exc) == pytest.approx(1.0, abs=1e-12)
    X = np.triu(rng.uniform(-0.5, 0.5, (n, n)), 1)
    anti = 1.0 + X - X.T                      # W[i,j] = 1 + x, W[j,i] = 1 - x
    np.fill_diagonal(anti, 1.0)
    assert reciprocal_correlation(anti, n_exc) == pytest.approx(-1.0, abs=1e-12)
    # pairs with one direction absent are excluded: zero some entries of S below diag
    S2 = S.copy()
    S2[np.tril(rng.random((n, n)) < 0.5, -1)] = 0.0
    assert reciprocal_correlation(S2, n_exc) == pytest.approx(1.0, abs=1e-12)
    # independent directions -> near 0
    R = rng.uniform(0, 1, (400, 400))
    assert abs(reciprocal_correlation(R, 400)) < 0.03


def test_reciprocal_correlation_degenerate():
    W = np.zeros((5, 5))
    W[0, 1], W[1, 0], W[0, 2], W[2, 0] = 1, 2, 3, 4    # only 2 reciprocal pairs
    assert np.isnan(reciprocal_correlation(W, 5))
    assert np.isnan(reciprocal_correlation(np.full((6, 6), 0.7), 6))  # zero variance


# ---------------------------------------------------------------- groups
def test_mean_weight_within_groups():
    m = np.array([True, False, True, True])
    # ordered pairs among {0,2,3}, diagonal included: entries 1,0,0,4,0,5,0,0,2
    assert mean_weight_within_groups(W4, m, 4) == pytest.approx(12 / 9)
    assert np.isnan(mean_weight_within_groups(W4, np.zeros(4, bool), 4))
    assert mean_weight_within_groups(W4, np.array([True, True]), 2) == pytest.approx(3 / 4)
    with pytest.raises(TypeError, match="groups_mask"):
        mean_weight_within_groups(W4, np.array([1, 0, 1, 1]), 4)
    with pytest.raises(ValueError, match="groups_mask"):
        mean_weight_within_groups(W4, np.ones(3, bool), 4)


# ---------------------------------------------------------------- validation
def test_validation_W_and_po():
    with pytest.raises(ValueError, match="W must be square"):
        specificity(np.zeros((4, 3)), PO4, 4)
    with pytest.raises(ValueError, match="W must be 2-D"):
        specificity(np.zeros(16), PO4, 4)
    Wn = W4.copy()
    Wn[1, 1] = np.nan
    for f in (lambda: specificity(Wn, PO4, 4), lambda: bidirectional_counts(Wn, 4),
              lambda: reciprocal_correlation(Wn, 4), lambda: pruning_stats(W4, Wn, 4),
              lambda: weights_vs_delta_po(Wn, PO4, 4, "EE")):
        with pytest.raises(ValueError, match="W0? contains non-finite"):
            f()
    with pytest.raises(TypeError, match="W must be a real"):
        specificity(W4.astype(complex), PO4, 4)
    with pytest.raises(ValueError, match="po must have length"):
        specificity(W4, PO4[:3], 4)
    with pytest.raises(ValueError, match="po contains non-finite"):
        specificity(W4, [0, 1, np.inf, 2], 4)
    with pytest.raises(ValueError, match="po"):
        delta_po(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="n_exc"):
        specificity(W4, PO4, 5)
    with pytest.raises(TypeError, match="n_exc"):
        bidirectional_counts(W4, 2.0)
    with pytest.raises(ValueError, match="W and W0"):
        pruning_stats(W4, np.zeros((3, 3)), 2)
    with pytest.raises(ValueError, match="w_max"):
        pruning_stats(W4, W4, 2, w_max=0.0)
    with pytest.raises(ValueError, match="w_min_inh"):
        pruning_stats(W4, W4, 2, w_min_inh=1.0)
    with pytest.raises(ValueError, match="threshold"):
        bidirectional_surplus(W4, 4, threshold=np.nan)
    with pytest.raises(TypeError, match="threshold"):
        bidirectional_counts(W4, 4, threshold="1")


def test_validation_pathway_and_bins():
    with pytest.raises(ValueError, match="pathway"):
        specificity(W4, PO4, 2, "XE")
    with pytest.raises(ValueError, match="pathway"):
        weights_vs_delta_po(W4, PO4, 2, "ee")
    with pytest.raises(TypeError, match="pathway"):
        specificity(W4, PO4, 2, 1)
    with pytest.raises(ValueError, match="bins_deg must be increasing"):
        specificity(W4, PO4, 4, bins_deg=((30, 0), (30, 60)))
    with pytest.raises(ValueError, match="bins_deg must be increasing"):
        specificity(W4, PO4, 4, bins_deg=((0, 40), (30, 60)))
    with pytest.raises(ValueError, match="bins_deg must be increasing"):
        specificity(W4, PO4, 4, bins_deg=((60, 90), (0, 30)))
    with pytest.raises(ValueError, match="bins_deg"):
        specificity(W4, PO4, 4, bins_deg=(0, 30, 60))
    with pytest.raises(ValueError, match="bins_deg"):
        specificity(W4, PO4, 4, bins_deg=((-10, 30),))
    with pytest.raises(ValueError, match="bins_deg"):
        specificity(W4, PO4, 4, bins_deg=((0, np.nan),))
    with pytest.raises(TypeError, match="existing_only"):
        specificity(W4, PO4, 4, existing_only="yes")


# ---------------------------------------------------------------- one implementation
def test_specificity_over_the_synapses_of_W0():
    """``existing_only`` with ``W0``: the synapses of W0, pruned ones counting as 0 mV
    (the sweep's per-synapse specificity), dense and CSR alike."""
    from sensorynet import SparseWeights
    W0 = (W4 != 0) * 0.5
    W = W4.copy()
    W[2, 3] = 0.0                                   # a pruned synapse (45°)
    W[3, 2] = 1.0                                   # a new one (45°): not in W0
    got = specificity(W, PO4, 4, existing_only=True, W0=W0)
    # [0,30): diagonal 1, 2; [30,60): 2, 3, pruned 0; [60,90]: 4, 6
    np.testing.assert_allclose(got, [3 / 2, 5 / 3, 10 / 2], rtol=1e-15)
    S0 = SparseWeights.from_dense(W0)
    for a, b in ((SparseWeights.from_dense(W), W0), (W, S0),
                 (S0.with_data(W[S0.rows(), S0.indices]), S0)):
        np.testing.assert_array_equal(specificity(a, PO4, 4, existing_only=True, W0=b), got)
    # without W0 the new synapse counts and the pruned one does not
    np.testing.assert_allclose(specificity(W, PO4, 4, existing_only=True),
                               [3 / 2, 6 / 3, 10 / 2], rtol=1e-15)
    with pytest.raises(ValueError, match="existing_only"):
        specificity(W, PO4, 4, W0=W0)
    with pytest.raises(ValueError, match="same shape"):
        specificity(W, PO4, 4, existing_only=True, W0=np.eye(3))


def test_within_group_mean_of_a_large_group(monkeypatch):
    """Groups beyond BLOCK_ELEMENTS pairs are summed from their CSR rows, never as a
    block: the same mean to rounding."""
    import sensorynet._weights as weights
    from sensorynet import SparseWeights
    rng = np.random.default_rng(8)
    W = rng.uniform(0, 2, (80, 80)) * (rng.random((80, 80)) < 0.2)
    mask = rng.random(64) < 0.7
    idx = np.flatnonzero(mask)
    small = mean_weight_within_groups(W, mask, 64)
    assert small == W[np.ix_(idx, idx)].mean()              # numpy's mean, bit for bit
    monkeypatch.setattr(weights, "BLOCK_ELEMENTS", 10)

    def refuse(*a, **k):
        raise AssertionError("a block was formed")
    monkeypatch.setattr(SparseWeights, "group_block", refuse)
    assert mean_weight_within_groups(W, mask, 64) == pytest.approx(small, rel=1e-14)


def test_pair_counts_of_two_populations_and_unordered_pairs():
    from sensorynet._orientation import dpo_bin_index, dpo_pair_counts, wrap_distance
    rng = np.random.default_rng(9)
    grid = np.arange(24) * np.pi / 24                      # pairs on the bin edges
    for a, b in ((grid[:16], grid[16:]), (rng.uniform(0, np.pi, 30), rng.uniform(0, 9, 7))):
        lo, hi = np.array([0.0, 30, 60]), np.array([30.0, 60, 90])
        k = dpo_bin_index(np.degrees(wrap_distance(a[:, None], b[None, :])), lo, hi)
        np.testing.assert_array_equal(dpo_pair_counts(a, lo, hi, b),
                                      np.bincount(k.ravel(), minlength=3))
        k = dpo_bin_index(np.degrees(wrap_distance(a[:, None], a[None, :])), lo, hi)
        iu = np.triu_indices(a.size, 1)
        np.testing.assert_array_equal(dpo_pair_counts(a, lo, hi, unordered=True),
                                      np.bincount(k[iu], minlength=3))
    with pytest.raises(ValueError, match="unordered"):
        dpo_pair_counts(grid, lo, hi, grid, unordered=True)


def test_connectivity_summary_checks_po_length():
    from sensorynet.analysis import connectivity_summary
    with pytest.raises(ValueError, match="po must have length N=4"):
        connectivity_summary(W4, PO4[:3], 4)


def test_reciprocal_pairs():
    from sensorynet import SparseWeights
    from sensorynet.analysis import reciprocal_pairs
    W = np.array([[0.0, 1.0, 2.0, 0.0], [3.0, 0.0, 0.0, 7.0], [4.0, 0.0, 0.0, 0.0],
                  [0.0, 8.0, 0.0, 0.0]])
    for w in (W, SparseWeights.from_dense(W)):
        a, b = reciprocal_pairs(w, 3)               # neuron 3 is inhibitory: left out
        np.testing.assert_array_equal(a, [1.0, 2.0])
        np.testing.assert_array_equal(b, [3.0, 4.0])
        a, b = reciprocal_pairs(w, 4)
        np.testing.assert_array_equal(a, [1.0, 2.0, 7.0])
        np.testing.assert_array_equal(b, [3.0, 4.0, 8.0])
    with pytest.raises(ValueError, match="n_exc"):
        reciprocal_pairs(W, 5)
