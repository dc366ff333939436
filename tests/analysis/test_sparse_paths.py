"""Sparse (CSR) code paths of the connectivity analyses: the same numbers as the dense
paths (bit for bit; within-group means to 1e-12), and no N×N array at large N."""
import json
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sensorynet as sn
from sensorynet import _network as network_mod
from sensorynet import _orientation as orientation
from sensorynet._weights import SparseWeights, weights_equal
from sensorynet.analysis import _connectivity as C
from sensorynet.analysis import _pairs
from sensorynet.analysis import _reciprocity as R

_settings = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow,
                                            HealthCheck.data_too_large])
#: weights on and around the strong threshold (1 mV) and the bounds, and random ones
_VALUES = [0.0, 0.5, 1.0, 1.5, 2.0, -4.0, -5.0, 0.25, 1.2, -0.7]


def _exact(a):
    """JSON text of a result, floats by repr: equal text = bit-identical numbers."""
    return json.dumps(_plain(a), sort_keys=True)


def _plain(x):
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return _plain(x.tolist())
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return "nan" if math.isnan(x) else repr(float(x))
    return x


@st.composite
def networks(draw):
    """A dense (W, W0) pair and its sparse form: W is stored on W0's structure (pruned
    synapses as explicit zeros, as plasticity leaves them) or on its own."""
    N = draw(st.integers(2, 24))
    n_exc = draw(st.integers(0, N))
    seed = draw(st.integers(0, 2 ** 31))
    rng = np.random.default_rng(seed)
    density = draw(st.sampled_from([0.0, 0.2, 0.6, 1.0]))
    exist0 = rng.random((N, N)) < density
    W0 = np.where(exist0, rng.choice([0.5, -4.0, 1.0], (N, N)), 0.0)
    vals = np.where(rng.random((N, N)) < 0.7, rng.choice(_VALUES, (N, N)),
                    rng.normal(0.0, 2.0, (N, N)))
    shared = draw(st.booleans())
    if shared:          # same structure as W0, some synapses pruned to 0
        W = np.where(exist0, vals, 0.0)
        S0 = SparseWeights.from_dense(np.where(exist0, 1.0, 0.0))
        S0 = S0.with_data(W0[S0.rows(), S0.indices])
        S = S0.with_data(W[S0.rows(), S0.indices])
    else:
        W = np.where(rng.random((N, N)) < density, vals, 0.0)
        S0, S = SparseWeights.from_dense(W0), SparseWeights.from_dense(W)
    if draw(st.booleans()):      # evenly spaced POs: many pairs on the bin edges
        po = sn._network.preferred_orientations(N, min(max(n_exc, 1), N - 1))
    else:
        po = rng.uniform(0, np.pi, N)
    po_nan = po.copy()
    po_nan[rng.random(N) < draw(st.sampled_from([0.0, 0.3]))] = np.nan
    threshold = draw(st.sampled_from([1.0, 0.5, 0.0, -0.5]))
    return W, W0, S, S0, n_exc, po, po_nan, threshold


@_settings
@given(networks())
def test_sparse_paths_equal_dense_paths(case):
    W, W0, S, S0, ne, po, po_nan, thr = case
    for w0_sparse in (S0, W0):
        assert _exact(C.connectivity_summary(S, po_nan, ne, W0=w0_sparse, threshold=thr)) \
            == _exact(C.connectivity_summary(W, po_nan, ne, W0=W0, threshold=thr))
    for bins in (R.DPO_MATCH_BINS_DEG, ((0, 45), (45, 90))):
        assert _exact(R.bidirectional_counts_dpo_matched(S, po_nan, ne, thr, bins)) \
            == _exact(R.bidirectional_counts_dpo_matched(W, po_nan, ne, thr, bins))
    assert _exact(R.bidirectional_counts(S, ne, thr)) == _exact(R.bidirectional_counts(W, ne, thr))
    assert _exact(R.reciprocal_correlation(S, ne)) == _exact(R.reciprocal_correlation(W, ne))
    assert _exact(C.pruning_stats(S, S0, ne)) == _exact(C.pruning_stats(W, W0, ne))
    for pw in sn._weights.PATHWAYS:
        for mode in (False, True):
            np.testing.assert_array_equal(C.specificity(S, po, ne, pw, existing_only=mode),
                                          C.specificity(W, po, ne, pw, existing_only=mode))
        for a, b in zip(C.weights_vs_delta_po(S, po, ne, pw),
                        C.weights_vs_delta_po(W, po, ne, pw), strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(sn._weights.existing_block_weights(S0, S, ne, pw),
                        sn._weights.existing_block_weights(W0, W, ne, pw), strict=True):
            np.testing.assert_array_equal(a, b)
    if ne:
        mask = np.random.default_rng(ne).random(ne) < 0.5
        np.testing.assert_allclose(C.mean_weight_within_groups(S, mask, ne),
                                   C.mean_weight_within_groups(W, mask, ne),
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(sn._weights.group_row_means(S, mask), sn._weights.group_row_means(W, mask),
                                   rtol=1e-12, atol=1e-15)
    assert weights_equal(S, W) and weights_equal(W, S) and weights_equal(S0, W0)
    assert weights_equal(S, S0) == np.array_equal(W, W0)


def test_chunked_specificity_is_bit_identical(monkeypatch):
    """Many chunks of the all-pairs count (small chunks, nothing memoised)."""
    rng = np.random.default_rng(7)
    N, ne = 60, 48
    W = np.where(rng.random((N, N)) < 0.3, rng.uniform(-5, 2, (N, N)), 0.0)
    S = SparseWeights.from_dense(W)
    po = rng.uniform(0, np.pi, N)
    monkeypatch.setattr(orientation, "_PAIR_CHUNK", 37)
    monkeypatch.setattr(_pairs, "_PAIR_CACHE", {})
    for pw in sn._weights.PATHWAYS:
        for mode in (False, True):
            np.testing.assert_array_equal(C.specificity(S, po, ne, pw, existing_only=mode),
                                          C.specificity(W, po, ne, pw, existing_only=mode))
    assert _exact(R.bidirectional_counts_dpo_matched(S, po, ne, 0.5)) \
        == _exact(R.bidirectional_counts_dpo_matched(W, po, ne, 0.5))


def test_submatrix_and_indexing():
    rng = np.random.default_rng(3)
    W = np.where(rng.random((20, 20)) < 0.4, rng.normal(size=(20, 20)), 0.0)
    S = SparseWeights.from_dense(W)
    for idx in (np.arange(3, 17), rng.permutation(20)[:9]):
        np.testing.assert_array_equal(S[np.ix_(idx, idx)].to_dense(), W[np.ix_(idx, idx)])
    with pytest.raises(TypeError, match="np.ix_"):
        S[0:3, 0:3]
    with pytest.raises(ValueError, match="distinct"):
        S.submatrix([1, 1, 2])


def _sparse_case(N):
    """A sparse network of N neurons (~60 synapses each) and a 'learned' W on it."""
    p = sn.NetworkParams(N=N, eps_EE=0.01, eps_EI=0.01, eps_IE=0.05, eps_II=0.05)
    net = sn.build_network(p, 1, sparse=True)
    rng = np.random.default_rng(0)
    d = net.W.data.copy()
    exc = d > 0
    d[exc] = np.clip(d[exc] * rng.uniform(0, 5, exc.sum()), 0, 2.0)
    d[exc & (rng.random(d.size) < 0.1)] = 0.0
    po_out = net.po + rng.normal(0, 0.1, N)
    po_out[rng.random(N) < 0.05] = np.nan
    return net.W, net.W.with_data(d), net.po, po_out, net.n_exc


def _peak_bytes(f):
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_analyses_never_allocate_n_by_n():
    """At N = 3000 an N×N float array is 72 MB; every analysis of sparse weights stays
    far below a quarter of it (it would not if anything expanded W)."""
    N = 3000
    W0, W, po, po_out, ne = _sparse_case(N)
    limit = N * N * 8 / 4
    mask = np.random.default_rng(1).random(ne) < 0.3
    steps = {
        "summary": lambda: C.connectivity_summary(W, po, ne, W0=W0),
        "summary, measured PO with NaNs": lambda: C.connectivity_summary(W, po_out, ne),
        "dpo-matched null": lambda: R.bidirectional_counts_dpo_matched(W, po_out, ne),
        "within-group means": lambda: (C.mean_weight_within_groups(W, mask, ne),
                                       sn._weights.group_row_means(W, mask)),
        "existing weights": lambda: sn._weights.existing_block_weights(W0, W, ne, "IE"),
        "scatter": lambda: C.weights_vs_delta_po(W, po, ne, "EE"),
        "submatrix": lambda: W[np.ix_(np.arange(0, N, 2), np.arange(0, N, 2))],
        "equality": lambda: weights_equal(W, W0),
    }
    peaks = {k: _peak_bytes(f) for k, f in steps.items()}
    assert max(peaks.values()) < limit, {k: f"{v / 1e6:.1f} MB" for k, v in peaks.items()}
    assert _peak_bytes(W.to_dense) > limit          # the measure sees an N×N array


def _leaves(x):
    if isinstance(x, dict):
        return [v for k in sorted(x) for v in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [v for e in x for v in _leaves(e)]
    return [x]


def _assert_close(a, b, rtol=1e-12):
    la, lb = _leaves(json.loads(json.dumps(a))), _leaves(json.loads(json.dumps(b)))
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            assert x == y or math.isclose(x, y, rel_tol=rtol, abs_tol=1e-15), (x, y)
        else:
            assert x == y


def test_science_experiments_on_sparse_weights_never_densify(monkeypatch):
    """The four further experiments on sparse weights (N = 500 forced sparse) give the
    dense runs' numbers and never expand a SparseWeights to N×N (figures included)."""
    from sensorynet.experiments import (
        PROTOCOLS,
        run_ablations,
        run_cardinal,
        run_spontaneous,
        selectivity_analysis,
    )
    from sensorynet.experiments._selectivity import SelectivityRun
    tune = dict(thetas=np.linspace(0, np.pi, 4, endpoint=False), duration_ms=200)

    def run_all():
        pub = sn.run_published(seed=2, n_blocks=2, progress=False)
        sel = selectivity_analysis(pub, **tune)
        spo = run_spontaneous(pub, n_blocks=1, progress=False, **tune)
        card = run_cardinal(pub.params, 2, n_blocks=1, progress=False, **tune)
        abl = run_ablations(pub.params, 2, n_blocks=1, progress=False, **tune)
        for name, res in (("selectivity", SelectivityRun(sel, None)), ("cardinal", card)):
            for make in PROTOCOLS[name].figure_makers(res).values():
                make()
        return pub, {"selectivity": sel.metrics(), "claims": sel.claims(),
                     "spontaneous": spo.metrics(), "cardinal": card.metrics(),
                     "ablations": abl.metrics()}
    dense_pub, dense = run_all()
    assert not dense_pub.is_sparse
    monkeypatch.setattr(network_mod, "DENSE_MAX_N", 100)

    def refuse(self, data=None):
        raise AssertionError("a SparseWeights was expanded to N×N")
    monkeypatch.setattr(SparseWeights, "to_dense", refuse)
    sparse_pub, sparse = run_all()
    assert sparse_pub.is_sparse
    for key in ("selectivity", "claims", "spontaneous", "ablations"):
        assert _exact(sparse[key]) == _exact(dense[key]), key
    _assert_close(sparse["cardinal"], dense["cardinal"])


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(n=st.integers(1, 200), kind=st.sampled_from(["grid", "random", "coarse", "wide"]),
       offset=st.sampled_from([0.0, 0.1, -np.pi, np.pi, 1e-17]),
       bins=st.sampled_from([((0, 30, 60), (30, 60, 90)), (tuple(range(0, 90, 10)),
                             tuple(range(10, 100, 10))), ((10, 45), (20, 90)), ((0,), (90,)),
                             ((0, 1e-4), (1e-4, 90))]),
       seed=st.integers(0, 2 ** 16))
def test_dpo_pair_counts_fast_path_equals_all_pairs(n, kind, offset, bins, seed):
    """The O(n log n) pair count equals comparing every pair, also for POs on a grid
    whose pairs sit exactly on bin edges, POs outside [0, π) and duplicates."""
    from sensorynet import _orientation as O
    rng = np.random.default_rng(seed)
    po = {"grid": np.arange(n) * np.pi / n, "random": rng.random(n) * np.pi,
          "coarse": np.round(rng.random(n) * 12) * np.pi / 12,
          "wide": rng.random(n) * 10 - 5}[kind] + offset
    lo, hi = (np.array(b, dtype=float) for b in bins)
    old = O.DPO_PAIRS_BRUTE_MAX
    O.DPO_PAIRS_BRUTE_MAX = 0          # force the fast path at this size
    try:
        fast = O.dpo_pair_counts(po, lo, hi)
    finally:
        O.DPO_PAIRS_BRUTE_MAX = old
    assert np.array_equal(fast, O.dpo_pair_counts(po, lo, hi))   # all pairs (n <= max)


def test_dpo_pair_counts_at_scale_on_the_published_grid():
    """At 4200 E neurons (input POs on a grid: the 30° and 60° edges are hit exactly)
    the fast count equals the all-pairs count."""
    from sensorynet import _orientation as O
    po = np.arange(4200) * np.pi / 4200
    lo, hi = np.array([0.0, 30, 60]), np.array([30.0, 60, 90])
    assert po.size > O.DPO_PAIRS_BRUTE_MAX
    d = np.degrees(O.wrap_distance(po[:, None], po[None, :]))     # every pair, 141 MB
    k = O.dpo_bin_index(d, lo, hi)
    assert np.array_equal(O.dpo_pair_counts(po, lo, hi),
                          np.bincount(k[k >= 0], minlength=lo.size))
