"""Tests of sensorynet.experiments._tuning: the tuning protocol and analyses of measured POs."""
import numpy as np
import pytest

import sensorynet as sn
from sensorynet._orientation import near_orientation_mask, orientation_class_fractions
from sensorynet.analysis._selectivity import (
    orientation_grid,
    osi,
    osi_debiased,
    pref_orth_index,
    preferred_orientation,
)
from sensorynet.experiments._seeds import STREAM_TUNING, seed_sequence
from sensorynet.experiments._tuning import TuningResult, run_tuning

TH = orientation_grid(12)


def cos_rates(phis_deg, base=10.0, m=8.0):
    phi = np.radians(np.asarray(phis_deg, dtype=float))
    return base + m * np.cos(2 * (TH[:, None] - phi[None, :]))


# ------------------------------------------------------------------- debiased OSI
def test_osi_debiased_known_values():
    # all spikes at one orientation: |z| = c, so sqrt(c^2 - c) / c
    c = np.zeros((12, 1))
    c[3] = 100
    assert osi_debiased(c, TH)[0] == pytest.approx(np.sqrt(100 ** 2 - 100) / 100)
    # flat counts: z = 0 -> clipped to 0; silent neuron -> nan
    flat = np.full((12, 2), 5.0)
    flat[:, 1] = 0
    out = osi_debiased(flat, TH)
    assert out[0] == 0.0 and np.isnan(out[1])


def test_osi_debiased_removes_poisson_bias():
    rng = np.random.default_rng(1)
    counts = rng.poisson(8.0, size=(12, 4000))          # untuned Poisson neurons
    raw = osi(counts, TH)
    deb = osi_debiased(counts, TH)
    floor = np.sqrt(np.pi / (4 * counts.sum(0)))
    assert raw.mean() == pytest.approx(floor.mean(), rel=0.05)   # raw OSI sits at the floor
    assert deb.mean() < 0.4 * raw.mean()
    # a tuned neuron keeps its selectivity: true OSI of base + m cos is m / (2 base)
    lam = cos_rates([30.0], base=20.0, m=16.0)[:, 0]
    c = rng.poisson(np.tile(lam[:, None], (1, 4000)))
    assert np.median(osi_debiased(c, TH)) == pytest.approx(0.4, abs=0.02)


def test_osi_debiased_validation():
    with pytest.raises(ValueError, match="counts"):
        osi_debiased(np.ones((5, 3)), TH)
    with pytest.raises(ValueError, match="counts"):
        osi_debiased(-np.ones((12, 3)), TH)


# ------------------------------------------------------------------ TuningResult
def test_tuning_result_derived_quantities():
    phis = [0.0, 30.0, 100.0, 170.0]
    rates = cos_rates(phis)
    t = TuningResult(TH, rates, n_exc=2, duration_ms=2000, seed=3)
    np.testing.assert_allclose(t.osi, osi(rates, TH))
    np.testing.assert_allclose(t.osi, 8.0 / 20.0)                # m / (2 base)
    np.testing.assert_allclose(np.degrees(t.po_out), phis, atol=1e-9)
    np.testing.assert_allclose(t.pref_orth,
                               pref_orth_index(rates, TH, preferred_orientation(rates, TH)))
    np.testing.assert_allclose(t.counts, np.rint(rates * 2.0))   # spikes in 2 s
    assert t.N == 4
    s = t.summary()
    assert s["osi"]["E"] == pytest.approx(0.4) and s["osi"]["I"] == pytest.approx(0.4)
    assert s["rates"] == {"E": pytest.approx(10.0), "I": pytest.approx(10.0)}
    assert s["n_silent"] == {"E": 0, "I": 0}
    assert "TuningResult(N=4" in repr(t) and "OSI E=0.400" in repr(t)


def test_tuning_result_silent_neuron_and_shape_check():
    rates = cos_rates([0.0, 45.0])
    rates[:, 1] = 0.0
    t = TuningResult(TH, rates, 1, 1000)
    assert np.isnan(t.osi[1]) and np.isnan(t.po_out[1]) and np.isnan(t.osi_noise_floor[1])
    assert t.summary()["n_silent"] == {"E": 0, "I": 1}
    assert np.isnan(t.population_mean(t.osi)["I"])
    with pytest.raises(ValueError, match="rates"):
        TuningResult(TH, np.ones((5, 3)), 1, 1000)


# ---------------------------------------------------------------------- run_tuning
@pytest.fixture(scope="module")
def small():
    p = sn.ModelParams(network=sn.NetworkParams(N=100))
    net = sn.build_network(p.network, 4)
    return p, net


def test_run_tuning_uses_one_stream_per_orientation(small):
    p, net = small
    th = TH[:4]
    t = run_tuning(net.W, net.po, p, seed=7, thetas=th, duration_ms=300)
    assert t.rates.shape == (4, 100) and t.duration_ms == 300 and t.seed == 7
    for k in (0, 3):
        inp = sn.stimulus_input([th[k]], 300, net.po, net.n_exc,
                                seed_sequence(7, STREAM_TUNING, k), p.input, p.network.dt)
        ref = sn.simulate(net.W, inp, plastic=False, params=p).rates()
        np.testing.assert_array_equal(t.rates[k], ref)
    # same seed -> same input -> identical; other seed -> different realisation
    np.testing.assert_array_equal(run_tuning(net.W, net.po, p, 7, thetas=th, duration_ms=300).rates,
                                  t.rates)
    assert not np.array_equal(run_tuning(net.W, net.po, p, 8, thetas=th, duration_ms=300).rates,
                              t.rates)


def test_run_tuning_default_grid_sparse_and_feedforward(small):
    p, net = small
    # no recurrence: E neurons follow their input tuning, so the measured PO is the input PO
    t = run_tuning(np.zeros((100, 100)), net.po, p, 0, duration_ms=500)
    np.testing.assert_array_equal(t.thetas, TH)
    d = np.degrees(np.abs(np.mod(t.po_out[:80] - net.po[:80] + np.pi / 2, np.pi) - np.pi / 2))
    assert np.median(d) < 5.0
    assert np.nanmean(t.osi[:80]) > np.nanmean(t.osi[80:])    # I input is 10x less tuned
    dense = run_tuning(net.W, net.po, p, 2, thetas=TH[:3], duration_ms=200)
    sparse = run_tuning(sn.SparseWeights.from_dense(net.W), net.po, p, 2, thetas=TH[:3],
                        duration_ms=200)
    np.testing.assert_array_equal(dense.rates, sparse.rates)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(params="x"), TypeError, "params"),
    (dict(W=[[0.0]]), TypeError, "W"),
    (dict(W=np.zeros((5, 5))), ValueError, "W"),
    (dict(po=np.zeros(3)), ValueError, "po"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed=1.5), ValueError, "seed"),
    (dict(duration_ms=0), ValueError, "duration_ms"),
    (dict(duration_ms=2.5), ValueError, "duration_ms"),
    (dict(thetas=[0.0]), ValueError, "thetas"),
    (dict(thetas=[0.0, np.nan]), ValueError, "thetas"),
])
def test_run_tuning_validation(small, kw, exc, match):
    p, net = small
    args = dict(W=net.W, po=net.po, params=p, seed=0)
    args.update(kw)
    extra = {k: args.pop(k) for k in ("thetas", "duration_ms") if k in args}
    with pytest.raises(exc, match=match):
        run_tuning(args["W"], args["po"], args["params"], args["seed"], **extra)


# ------------------------------------------------------- orientation classes (§5.6)
def test_near_orientation_mask_and_class_fractions():
    phis = np.radians([0.0, 10.0, 80.0, 95.0, 170.0, 45.0, 100.0, 30.0])
    card = near_orientation_mask(phis, (0.0, 90.0), 15.0)
    obl = near_orientation_mask(phis, (45.0, 135.0), 15.0)
    assert card.tolist() == [True, True, True, True, True, False, True, False]
    # classes are half-open, [c - 15°, c + 15°): 30° is on the oblique class's lower edge
    assert obl.tolist() == [False, False, False, False, False, True, False, True]
    assert not near_orientation_mask(np.radians([60.0]), (45.0, 135.0), 15.0)[0]
    f = orientation_class_fractions(np.append(phis, np.nan), 15.0)   # NaN is excluded
    assert f["n"] == 8
    assert f["frac_near_cardinal"] == pytest.approx(0.75)
    assert f["frac_near_oblique"] == pytest.approx(0.25)
    assert f["expected_uniform"] == pytest.approx(1 / 3)
    assert f["z"] == pytest.approx(0.5 / np.sqrt(2 / 3 / 8))
    # uniformly spread POs: equal fractions, z = 0
    u = orientation_class_fractions(np.arange(360) * np.pi / 360, 15.0)
    assert u["frac_near_cardinal"] == pytest.approx(u["frac_near_oblique"])
    assert u["z"] == pytest.approx(0.0)
    assert np.isnan(orientation_class_fractions(np.array([np.nan]))["z"])


@pytest.mark.parametrize("hw", [0, -5, 30, True])
def test_orientation_class_fractions_validation(hw):
    with pytest.raises(ValueError, match="half_width_deg"):
        orientation_class_fractions(np.zeros(4), hw)


def test_near_orientation_mask_validation():
    with pytest.raises(ValueError, match="po"):
        near_orientation_mask(np.zeros((2, 2)), (0.0,))
    with pytest.raises(ValueError, match="half_width_deg"):
        near_orientation_mask(np.zeros(2), (0.0,), 100)
    with pytest.raises(ValueError, match="centers_deg"):
        near_orientation_mask(np.zeros(2), [])
