"""The fingerprint (analysis._fingerprint) and the per-neuron structure measures behind
the claims (analysis._contrast): hand-computed values on constructed results, brute
force, and the sparse paths against the dense ones."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sensorynet as sn
from sensorynet._results import ExperimentResult, SpikeTrain
from sensorynet._weights import SparseWeights
from sensorynet.analysis import Fingerprint, postsynaptic_change, presynaptic_contrast
from sensorynet.analysis._contrast import dpo_deg, partner_counts, synapse_table
from sensorynet.analysis._fingerprint import (
    KINDS,
    fingerprint_statistics,
    published_fingerprint,
    tuning_fingerprint,
)


# ------------------------------------------------------------------ partner counts
def _brute_counts(po, lo, hi):
    d = dpo_deg(po[:, None], po[None, :])
    np.fill_diagonal(d, np.nan)
    with np.errstate(invalid="ignore"):
        m = (d >= lo) & ((d <= hi) if hi == 90 else (d < hi))
    return m.sum(axis=1)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(2, 60), layout=st.sampled_from(["even", "random", "grid"]),
       seed=st.integers(0, 10_000),
       rng_=st.sampled_from([(0, 30), (60, 90), (30, 60), (0, 90), (15, 45), (0, 89)]))
def test_partner_counts_match_brute_force(n, layout, seed, rng_):
    """Evenly spaced POs put pairs exactly on the 30° and 60° edges: the counts agree
    with the pair-by-pair |ΔPO| there too."""
    rng = np.random.default_rng(seed)
    if layout == "even":
        po = np.arange(n) * np.pi / n
    elif layout == "random":
        po = rng.uniform(0, np.pi, n)
    else:
        po = rng.choice(np.arange(12) * np.pi / 12, n)
    assert np.array_equal(partner_counts(po, *rng_), _brute_counts(po, *rng_))


def test_partner_counts_validation():
    with pytest.raises(ValueError, match="lo_deg"):
        partner_counts(np.zeros(3), 30, 10)
    with pytest.raises(ValueError, match="finite"):
        partner_counts(np.array([0.0, np.nan]), 0, 30)
    with pytest.raises(ValueError, match="hi_deg"):
        partner_counts(np.zeros(3), 0, 89.5)


# ------------------------------------------------------------------ contrasts
def _brute_contrast(W, po, ne):
    d = dpo_deg(po[:ne, None], po[None, :ne])
    out = []
    for i in range(ne):
        others = np.arange(ne) != i
        near, far = others & (d[i] < 30), others & (d[i] >= 60)
        out.append(W[i, :ne][near].mean() - W[i, :ne][far].mean())
    return np.array(out)


def test_presynaptic_contrast_dense_sparse_and_brute_force():
    rng = np.random.default_rng(1)
    N, ne = 60, 48
    po = np.arange(N) * np.pi / N
    W = rng.uniform(0, 2, (N, N)) * (rng.uniform(size=(N, N)) < 0.4)
    np.fill_diagonal(W, 0)
    ref = _brute_contrast(W, po, ne)
    assert np.allclose(presynaptic_contrast(W, po, ne), ref, rtol=0, atol=1e-12)
    S = SparseWeights.from_dense(W)
    assert np.allclose(presynaptic_contrast(S, po, ne), ref, rtol=0, atol=1e-12)
    # a neuron without a measured PO has no contrast and is no one's partner
    p2 = po.copy()
    p2[3] = np.nan
    c = presynaptic_contrast(W, p2, ne)
    assert np.isnan(c[3]) and np.isfinite(np.delete(c, 3)).all()
    with pytest.raises(ValueError, match="po must have shape"):
        presynaptic_contrast(W, po[:5], ne)
    with pytest.raises(ValueError, match="near_deg"):
        presynaptic_contrast(W, po, ne, near_deg=70.0, far_deg=60.0)


def test_synapse_table_lookups():
    W0 = np.array([[0, 1.0, 0], [2.0, 0, 3.0], [0, 0, 0.5]])
    t = synapse_table(W0)
    assert t.pre.tolist() == [0, 1, 1, 2] and t.post.tolist() == [1, 0, 2, 2]
    W = W0 * 2
    W[1, 2] = 0                                          # pruned
    assert t.values(W).tolist() == [2.0, 4.0, 0.0, 1.0]
    S = SparseWeights.from_dense(W0).with_data(np.array([2.0, 4.0, 0.0, 1.0]))
    assert t.values(S).tolist() == [2.0, 4.0, 0.0, 1.0]    # same structure
    other = SparseWeights.from_dense(np.array([[0, 5.0, 0], [0, 0, 0], [0, 0, 7.0]]))
    assert t.values(other).tolist() == [5.0, 0.0, 0.0, 7.0]  # looked up one by one
    ts = synapse_table(SparseWeights.from_dense(W0))
    assert ts.pre.tolist() == t.pre.tolist() and ts.w0.tolist() == t.w0.tolist()
    assert t.pathway(2, "EE").tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="pathway"):
        t.pathway(2, "XE")
    # one pathway's block only (E→I with 2 E neurons: the synapse 1→2), dense and sparse
    for w0 in (W0, SparseWeights.from_dense(W0)):
        b = synapse_table(w0, 2, "EI")
        assert (b.pre.tolist(), b.post.tolist(), b.w0.tolist()) == ([1], [2], [3.0])
        assert b.values(W).tolist() == [0.0] and b.values(S).tolist() == [0.0]
    with pytest.raises(ValueError, match="pathway"):
        synapse_table(W0, None, "EI")


# ------------------------------------------------------------------ the statistics
def test_statistics_are_named_once_with_a_kind():
    specs = fingerprint_statistics()
    assert len(specs) == 124
    assert all(s.kind in KINDS and s.description for s in specs.values())
    assert {s.part for s in specs.values()} == {"published", "tuning"}
    assert len(fingerprint_statistics("published")) == 91
    assert len(fingerprint_statistics("tuning")) == 33
    assert specs["W_EE_pruned"].kind == "fraction" and specs["W_IE_mean"].kind == "signed"
    with pytest.raises(ValueError, match="part"):
        fingerprint_statistics("other")


def _constructed_result(n_blocks=2, snapshots=True):
    """N = 4 (2 E, 2 I), 100 steps of 1 ms, a few spikes placed by hand."""
    p = sn.ModelParams().replace(**{"network.N": 500})
    N, ne = 4, 2
    po = np.radians([0.0, 90.0, 0.0, 45.0])
    W0 = np.zeros((N, N))
    W0[0, 1], W0[1, 0] = 0.5, 0.5                       # E→E
    W0[0, 2], W0[1, 3] = 0.5, 0.5                       # E→I
    W0[2, 0], W0[3, 1] = -4.0, -4.0                     # I→E
    W = W0.copy()
    W[0, 1], W[1, 0] = p.plasticity.w_max, 1.5          # saturated, strong
    W[0, 2], W[1, 3] = 1.0, 0.0                         # E→I: one pruned
    W[2, 0] = p.plasticity.w_min_inh
    spikes = {"before": SpikeTrain([0, 0, 0, 0, 0, 2], [10, 30, 50, 70, 90, 5], 100, N, ne),
              "after": SpikeTrain([1, 3], [20, 40], 100, N, ne)}
    for b in range(n_blocks):
        spikes[f"block_{b:03d}"] = SpikeTrain([0] * (b + 1), list(range(b + 1)), 1000, N, ne)
    blocks = np.stack([W0, W]) if snapshots and n_blocks == 2 else None
    return ExperimentResult("published", p, 0, po, ne, W0, W, blocks,
                            np.zeros((n_blocks, 20)), np.array([0.0]), spikes)


def test_published_fingerprint_hand_computed():
    fp = published_fingerprint(_constructed_result())
    assert list(fp) == list(fingerprint_statistics("published"))
    assert fp["test_before_rate_E"] == 25.0 and fp["test_before_rate_I"] == 5.0
    assert fp["test_after_rate_E"] == 5.0 and fp["test_after_rate_I"] == 5.0
    # before: only neuron 0 (PO 0 = θ) fires among E: full response tuning
    assert fp["test_before_popvec_E"] == pytest.approx(1.0)
    assert fp["test_after_popvec_E"] == pytest.approx(-1.0)     # only the 90° neuron
    # neuron 0's ISIs are 20 ms each: CV 0
    assert fp["test_before_isi_cv_E"] == 0.0
    assert math.isnan(fp["test_after_isi_cv_E"])                # nobody has 5 spikes
    pl = sn.ModelParams().plasticity
    assert fp["W_EE_mean"] == pytest.approx((pl.w_max + 1.5) / 2)
    assert fp["W_EE_saturated"] == 0.5 and fp["W_EE_pruned"] == 0.0
    assert fp["W_EI_pruned"] == 0.5 and fp.counts["W_EI_pruned"] == 2
    assert fp["W_IE_saturated"] == 0.5
    assert fp["W0_density_EE"] == 0.5 and fp["W0_density_EI"] == 0.5
    assert fp["EE_strong_fraction"] == 1.0                      # both > 2J = 1 mV
    # blocks: rates 1 and 2 spikes / s of neuron 0 → E means 0.5, 1.0 Hz at t = .25, .75
    assert fp["blocks_10_030_rate_E"] == 0.5 and fp["blocks_75_100_rate_E"] == 1.0
    assert math.isnan(fp["blocks_00_010_rate_E"])
    # snapshot after 25 % of 2 blocks: block round(0.5) - 1 = -1 -> none; 50 %: block 0
    assert math.isnan(fp["snap25_EE_mean"]) and fp["snap50_EE_mean"] == 0.5


def test_published_fingerprint_without_blocks_or_snapshots():
    fp = published_fingerprint(_constructed_result(n_blocks=0, snapshots=False))
    learning = [n for n in fp if n.startswith(("blocks_", "snap"))]
    assert learning and all(math.isnan(fp[n]) for n in learning)
    assert fp["test_before_rate_E"] == 25.0
    with pytest.raises(TypeError, match="ExperimentResult"):
        published_fingerprint("result")


def test_sparse_result_has_the_dense_fingerprint(published):
    """The fingerprint of a result stored sparse (as N > 5000 runs are) equals the dense
    one: nothing depends on the storage."""
    r = published
    S0 = SparseWeights.from_dense(r.W0)
    t = synapse_table(r.W0)
    S = S0.with_data(t.values(r.W))
    blocks = np.stack([t.values(r.block_weights(b)) for b in range(r.n_snapshots)])
    sparse = ExperimentResult("published", r.params, r.seed, r.po, r.n_exc, S0, S, blocks,
                              r.block_thetas, r.test_thetas, r.spikes)
    a, b = published_fingerprint(r), published_fingerprint(sparse)
    for k in a:
        assert (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == pytest.approx(
            b[k], rel=1e-12, abs=1e-14), k


class _Tuning:
    def __init__(self, rates, thetas, po_out, osi, osi_debiased):
        self.rates, self.thetas, self.po_out = rates, thetas, po_out
        self.osi, self.osi_debiased = osi, osi_debiased


def test_tuning_fingerprint_hand_computed():
    th = np.radians(np.arange(0, 180, 15.0))
    po = np.radians([0.0, 90.0, 0.0, 45.0])
    rates = np.ones((12, 4))
    rates[0, 0] = 13.0                                   # neuron 0 prefers 0°
    before = _Tuning(rates, th, po.copy(), np.array([0.5, 0.1, 0.2, 0.3]),
                     np.array([0.4, 0.0, 0.1, 0.2]))
    after = _Tuning(rates * 2, th, po.copy(), np.array([0.7, 0.3, 0.4, np.nan]),
                    np.array([0.6, 0.2, 0.3, 0.4]))
    W0 = np.zeros((4, 4))
    W0[0, 1], W0[1, 0] = 0.5, 0.5
    fp = tuning_fingerprint(W0, W0 * 3, po, 2, before, after)
    assert list(fp) == list(fingerprint_statistics("tuning"))
    assert fp["tun_before_rate_E"] == pytest.approx((24 / 12 + 1) / 2)
    assert fp["tun_after_rate_I"] == 2.0
    assert fp["tun_before_osi_E_mean"] == pytest.approx(0.3)
    assert fp["tun_after_osi_I_mean"] == pytest.approx(0.4)      # NaN left out
    assert fp["tun_after_po_match_E"] == pytest.approx(1.0)
    assert fp["tun_after_osi_I_q50"] == pytest.approx(0.4)
    # the only E→E pair is at |ΔPO| 90°: no near pair, so no contrast
    assert math.isnan(fp["tun_after_EE_contrast_output_po"])


def test_fingerprint_json_round_trip():
    fp = Fingerprint({"a": 1.5, "b": float("nan")}, {"a": 10})
    back = Fingerprint.from_json(fp.to_json())
    assert back["a"] == 1.5 and math.isnan(back["b"]) and back.counts == {"a": 10}
    assert fp.merged(Fingerprint({"c": 2.0}))["c"] == 2.0
    with pytest.raises(ValueError, match="values"):
        Fingerprint.from_json({"counts": {}})
    with pytest.raises(ValueError, match="'x'"):
        Fingerprint.from_json({"values": {"a": "x"}})


def test_postsynaptic_change():
    W0 = np.zeros((5, 5))
    W0[0, 3], W0[1, 3], W0[2, 4] = 0.5, 0.5, 0.5           # E→I; I neuron 4 has one
    W = W0.copy()
    W[0, 3], W[1, 3] = 1.5, 0.0                            # +1 and pruned (-0.5)
    assert postsynaptic_change(W0, W, 3, "EI").tolist() == [0.25, 0.0]
    S0 = SparseWeights.from_dense(W0)
    assert postsynaptic_change(S0, SparseWeights.from_dense(W), 3, "EI").tolist() == [0.25, 0.0]
    assert np.isnan(postsynaptic_change(W0, W, 3, "EE")).all()     # no E→E synapse
    with pytest.raises(ValueError, match="n_exc"):
        postsynaptic_change(W0, W, 5, "EI")


def test_the_face_methods():
    assert Fingerprint.VERSION >= 1 and Fingerprint.statistics() == fingerprint_statistics()
    r = _constructed_result()
    a, b = Fingerprint.published(r), published_fingerprint(r)
    assert list(a) == list(b) and all(x == y or (math.isnan(x) and math.isnan(y))
                                      for x, y in zip(a.values(), b.values(), strict=True))
