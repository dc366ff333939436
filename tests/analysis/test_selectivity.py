"""Tests of sensorynet.analysis._selectivity on constructed tuning curves with known answers."""
import numpy as np
import pytest

from sensorynet._orientation import circular_distance
from sensorynet.analysis._selectivity import (
    orientation_grid,
    osi,
    pref_orth_index,
    preferred_orientation,
    summarize_osi,
    tuning_curves,
)

TH = np.arange(12) * np.pi / 12  # 15 degree grid


def cos_tuned(phi, m=1.0, base=1.0, th=TH):
    return base + m * np.cos(2 * (th - phi))


# ---------------------------------------------------------------- grid / distance
def test_orientation_grid():
    g = orientation_grid(12)
    assert g.shape == (12,)
    np.testing.assert_allclose(g, TH, rtol=0, atol=1e-15)
    assert g[0] == 0 and g[-1] < np.pi
    np.testing.assert_allclose(orientation_grid(4), [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4])
    assert orientation_grid(1).tolist() == [0.0]


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                      (True, TypeError), ("12", TypeError)])
def test_orientation_grid_validation(bad, exc):
    with pytest.raises(exc, match="n"):
        orientation_grid(bad)


def test_circular_distance():
    assert circular_distance(0.1, np.pi - 0.1) == pytest.approx(0.2, abs=1e-15)
    assert circular_distance(0.0, np.pi / 2) == pytest.approx(np.pi / 2)
    assert circular_distance(0.0, np.pi) == pytest.approx(0.0, abs=1e-15)
    assert circular_distance(3 * np.pi + 0.3, 0.0) == pytest.approx(0.3, abs=1e-12)
    # other periods, broadcasting
    assert circular_distance(350.0, 10.0, period=360.0) == pytest.approx(20.0)
    d = circular_distance(TH[:, None], TH[None, :])
    assert d.shape == (12, 12)
    assert d.min() >= 0 and d.max() <= np.pi / 2 + 1e-15
    np.testing.assert_allclose(d, d.T)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-10, 10, 1000), rng.uniform(-10, 10, 1000)
    d = circular_distance(a, b)
    assert (d >= 0).all() and (d <= np.pi / 2).all()


def test_circular_distance_validation():
    with pytest.raises(ValueError, match="period"):
        circular_distance(0.0, 1.0, period=0.0)
    with pytest.raises(ValueError, match="period"):
        circular_distance(0.0, 1.0, period=np.inf)
    with pytest.raises(ValueError, match="a contains"):
        circular_distance(np.nan, 1.0)
    with pytest.raises(TypeError, match="b must"):
        circular_distance(0.0, "x")
    with pytest.raises(ValueError, match="broadcast"):
        circular_distance(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------- OSI and PO
@pytest.mark.parametrize("phi", [0.0, 0.3, np.pi / 2, 2.0, np.pi - 0.01])
def test_cosine_tuned_neuron(phi):
    r = cos_tuned(phi)
    assert abs(osi(r, TH) - 0.5) < 1e-12
    assert circular_distance(preferred_orientation(r, TH), phi) < 1e-12
    # cos^2 = (1 + cos 2x) / 2 has the same OSI
    assert abs(osi(np.cos(TH - phi) ** 2, TH) - 0.5) < 1e-12
    # modulation m gives OSI m / 2
    assert abs(osi(cos_tuned(phi, m=0.4), TH) - 0.2) < 1e-12


def test_rectified_cosine_known_value():
    # [cos 2theta]_+ on the 15 deg grid: sum r = 2 + sqrt 3, |z| = 3
    r = np.maximum(np.cos(2 * TH), 0.0)
    assert abs(osi(r, TH) - 3 / (2 + np.sqrt(3))) < 1e-12
    assert abs(circular_distance(preferred_orientation(r, TH), 0.0)) < 1e-12


def test_flat_single_and_silent():
    flat = np.full(12, 4.0)
    assert abs(osi(flat, TH)) < 1e-12
    assert pref_orth_index(flat, TH) == 0.0
    one = np.zeros(12)
    one[5] = 3.0
    assert abs(osi(one, TH) - 1.0) < 1e-12
    assert abs(preferred_orientation(one, TH) - TH[5]) < 1e-12
    assert pref_orth_index(one, TH) == 1.0
    silent = np.zeros(12)
    assert np.isnan(osi(silent, TH))
    assert np.isnan(preferred_orientation(silent, TH))
    assert np.isnan(pref_orth_index(silent, TH))


def test_population_shapes_and_columns():
    phis = np.array([0.1, 1.0, 2.5])
    r = np.stack([cos_tuned(p) for p in phis], axis=1)
    r = np.concatenate([r, np.zeros((12, 1))], axis=1)  # a silent 4th neuron
    o = osi(r, TH)
    po = preferred_orientation(r, TH)
    assert o.shape == po.shape == (4,)
    np.testing.assert_allclose(o[:3], 0.5, atol=1e-12)
    np.testing.assert_allclose(circular_distance(po[:3], phis), 0, atol=1e-12)
    assert np.isnan(o[3]) and np.isnan(po[3])
    assert np.isnan(pref_orth_index(r, TH)[3])
    # thetas need not be ordered: permuting rows and thetas together changes nothing
    perm = np.random.default_rng(1).permutation(12)
    np.testing.assert_allclose(osi(r[perm], TH[perm]), o, equal_nan=True)


@pytest.mark.parametrize("phi", [0.0, 1e-9, np.pi - 1e-9, np.pi - 1e-15, -1e-12])
def test_po_wraps_near_zero_and_pi(phi):
    po = preferred_orientation(cos_tuned(phi), TH)
    assert 0.0 <= po < np.pi
    assert circular_distance(po, phi) < 1e-9


def test_po_always_in_range():
    rng = np.random.default_rng(2)
    r = rng.uniform(0, 10, size=(12, 500))
    po = preferred_orientation(r, TH)
    assert (po >= 0).all() and (po < np.pi).all()
    o = osi(r, TH)
    assert (o >= 0).all() and (o <= 1).all()


# ---------------------------------------------------------------- pref/orth index
def test_pref_orth_index_known():
    r = cos_tuned(TH[2], m=0.5, base=1.0)  # r_pref 1.5, r_orth 0.5 -> 0.5
    assert pref_orth_index(r, TH) == pytest.approx(0.5, abs=1e-12)
    # explicit po: nearest grid point to 0.5 * 15deg + eps is index 0 or 1
    r2 = np.arange(12, dtype=float)
    assert pref_orth_index(r2, TH, po=TH[3]) == pytest.approx((3 - 9) / (3 + 9))
    # po + pi/2 wraps: po = TH[8] -> orth = TH[2]
    assert pref_orth_index(r2, TH, po=TH[8] + 0.01) == pytest.approx((8 - 2) / 10)
    # nearest-grid choice (7 deg is nearer 0 than 15 deg; 8 deg nearer 15)
    assert pref_orth_index(r2, TH, po=np.deg2rad(7)) == pytest.approx(-1.0)
    assert pref_orth_index(r2, TH, po=np.deg2rad(8)) == pytest.approx((1 - 7) / 8)
    # near pi wraps to index 0
    assert pref_orth_index(r2, TH, po=np.pi - 0.01) == pytest.approx(-1.0)
    # both rates zero -> nan; NaN po propagates
    r3 = np.zeros(12)
    r3[1] = 1.0
    assert np.isnan(pref_orth_index(r3, TH, po=TH[4]))
    assert np.isnan(pref_orth_index(r2, TH, po=np.nan))


def test_pref_orth_index_population_po():
    r = np.stack([np.arange(12.0), np.arange(12.0)[::-1]], axis=1)
    out = pref_orth_index(r, TH, po=[TH[3], TH[3]])
    np.testing.assert_allclose(out, [(3 - 9) / 12, (8 - 2) / 10])
    with pytest.raises(ValueError, match="po"):
        pref_orth_index(r, TH, po=[0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="po"):
        pref_orth_index(r, TH, po=[np.inf, 0.0])


# ---------------------------------------------------------------- aligned curves
def test_tuning_curves_alignment():
    phis = TH[[0, 4, 11]]
    r = np.stack([cos_tuned(p, m=0.8) for p in phis], axis=1)
    d, al = tuning_curves(r, TH, phis)
    assert d.shape == (12,) and al.shape == (12, 3)
    np.testing.assert_allclose(d, (np.arange(12) - 6) * np.pi / 12)
    assert d[0] == pytest.approx(-np.pi / 2) and d[-1] < np.pi / 2
    expected = 1 + 0.8 * np.cos(2 * d)
    for n in range(3):
        np.testing.assert_allclose(al[:, n], expected, atol=1e-12)
    assert (al[6] == al.max(axis=0)).all()


def test_tuning_curves_offsets_unsorted_grid_and_nan():
    r = np.arange(12.0)
    perm = np.random.default_rng(3).permutation(12)
    th_shift = (TH + np.pi / 24)  # uniform grid with an offset
    po = th_shift[3] + 0.01
    d, al = tuning_curves(r[perm], th_shift[perm], po)
    assert al.shape == (12,)
    assert al[6] == 3.0
    np.testing.assert_allclose(al, np.roll(r, 6 - 3))
    d2, al2 = tuning_curves(np.stack([r, r], 1), TH, [np.nan, TH[0]])
    assert np.isnan(al2[:, 0]).all()
    assert al2[6, 1] == 0.0 and al2[7, 1] == 1.0 and al2[5, 1] == 11.0
    # odd grid: offsets symmetric
    d3, _ = tuning_curves(np.ones(5), orientation_grid(5), 0.0)
    np.testing.assert_allclose(d3, np.arange(-2, 3) * np.pi / 5)


def test_tuning_curves_non_uniform_grid():
    th = np.array([0.0, 0.1, 0.5, 1.0])
    with pytest.raises(ValueError, match="thetas"):
        tuning_curves(np.ones(4), th, 0.0)
    with pytest.raises(ValueError, match="thetas"):
        tuning_curves(np.ones(4), np.linspace(0, np.pi / 2, 4), 0.0)


# ---------------------------------------------------------------- summary
def test_summarize_osi():
    v = np.array([0.2, 0.4, np.nan, 0.1, 0.3])
    s = summarize_osi(v, 3)
    assert s["E"] == pytest.approx(0.3) and s["I"] == pytest.approx(0.2)
    s = summarize_osi(v, 5)
    assert np.isnan(s["I"])
    s = summarize_osi(np.array([np.nan, np.nan, 0.5]), 2)
    assert np.isnan(s["E"]) and s["I"] == 0.5
    with pytest.raises(ValueError, match="n_exc"):
        summarize_osi(v, 6)
    with pytest.raises(TypeError, match="n_exc"):
        summarize_osi(v, 2.0)
    with pytest.raises(ValueError, match="osi_values"):
        summarize_osi([0.5, 1.5], 1)
    with pytest.raises(ValueError, match="osi_values"):
        summarize_osi([0.5, np.inf], 1)
    with pytest.raises(ValueError, match="osi_values"):
        summarize_osi(np.zeros((2, 2)), 1)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize("func", [osi, preferred_orientation, pref_orth_index])
def test_rates_validation(func):
    r = np.ones((12, 3))
    with pytest.raises(ValueError, match="rates must have shape"):
        func(np.ones((11, 3)), TH)
    with pytest.raises(ValueError, match="rates"):
        func(np.ones((12, 3, 2)), TH)
    r_nan = r.copy()
    r_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="rates contains non-finite"):
        func(r_nan, TH)
    with pytest.raises(ValueError, match="rates must be >= 0"):
        func(-r, TH)
    with pytest.raises(TypeError, match="rates"):
        func(r.astype(complex), TH)
    with pytest.raises(TypeError, match="rates"):
        func(r > 0, TH)
    with pytest.raises(ValueError, match="thetas"):
        func(r, np.append(TH[:-1], np.nan))
    with pytest.raises(ValueError, match="thetas"):
        func(r, TH[None, :])
    with pytest.raises(ValueError, match="thetas"):
        func(np.ones((1, 3)), [0.0])
    with pytest.raises(ValueError, match="rates"):
        func([[1.0, 2.0], [1.0]], TH[:2])


def test_tuning_curves_validation():
    with pytest.raises(ValueError, match="po"):
        tuning_curves(np.ones((12, 2)), TH, [0.0])
    with pytest.raises(TypeError, match="po"):
        tuning_curves(np.ones((12, 2)), TH, ["a", "b"])
