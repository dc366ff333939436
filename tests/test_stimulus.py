import math

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._stimulus import PoissonInput, cardinal_sequence, learning_sequence, probe_sequence


def _chi2_pvalue_ok(counts, mu):
    """Pearson chi-square of a count sample against Poisson(mu); return statistic, dof."""
    kmax = 12
    obs = np.bincount(np.minimum(counts, kmax), minlength=kmax + 1).astype(float)
    pmf = np.array([math.exp(-mu) * mu ** k / math.factorial(k) for k in range(kmax)])
    pmf = np.append(pmf, 1 - pmf.sum())
    exp = pmf * counts.size
    keep = exp > 20
    stat = np.sum((obs[keep] - exp[keep]) ** 2 / exp[keep])
    return stat, keep.sum() - 1


@pytest.mark.parametrize("rate", [1600.0, 2000.0, 2400.0, 300.0, 9000.0])
def test_counts_are_poisson(rate):
    inp = PoissonInput(np.full((1, 200), rate), 5000, key=99)
    x = inp.counts().ravel().astype(np.int64)
    mu = rate / 1000
    assert abs(x.mean() - mu) < 5 * math.sqrt(mu / x.size)
    assert abs(x.var() - mu) < 0.02 * mu
    stat, dof = _chi2_pvalue_ok(x, mu)
    # 99.9% quantile of chi2 with <= 12 dof is < 33
    assert stat < 33, (stat, dof)


def test_no_correlation_between_neurons_and_steps():
    x = PoissonInput(np.full((1, 300), 2000.0), 3000, key=5).counts().astype(float)
    x -= x.mean()
    c_time = np.mean(x[:, 1:] * x[:, :-1]) / x.var()
    c_nrn = np.mean(x[1:] * x[:-1]) / x.var()
    assert abs(c_time) < 0.01 and abs(c_nrn) < 0.01


def test_seeded_and_key_dependent():
    r = np.full((2, 50), 2000.0)
    a = PoissonInput(r, 100, 1).counts()
    assert np.array_equal(a, PoissonInput(r, 100, 1).counts())
    assert not np.array_equal(a, PoissonInput(r, 100, 2).counts())
    assert np.array_equal(a.T, PoissonInput(r, 100, 1).counts(time_major=True))


def test_tuned_rates():
    po = sn._network.preferred_orientations(500, 400)
    r = sn.tuned_rates(np.pi / 2, po, 400)
    assert np.isclose(r[200], 2000 * 1.2) and np.isclose(r[0], 2000 * 0.8)
    assert np.isclose(r[450], 2000 * 1.02)
    x = sn.stimulus_input([np.pi / 2], 2000, po, 400, seed=3).counts()
    assert abs(x[190:210].mean() - 2.4) < 0.05 and abs(x[:10].mean() - 1.6) < 0.05


def test_sequences():
    rng = np.random.default_rng(0)
    s = learning_sequence(rng)
    assert s.shape == (20,) and s.min() >= 0 and s.max() < np.pi
    c = cardinal_sequence(np.random.default_rng(1))
    assert np.sum(c == 0) == 5 and np.sum(c == np.pi / 2) == 5
    assert np.allclose(probe_sequence(), [np.pi / 2])


def test_validation():
    with pytest.raises(ValueError, match="non-negative"):
        PoissonInput(np.full((1, 3), -1.0), 10, 0)
    with pytest.raises(ValueError, match="finite"):
        PoissonInput(np.full((1, 3), np.nan), 10, 0)
    with pytest.raises(ValueError, match="segment_steps"):
        PoissonInput(np.ones((1, 3)), 0, 0)
    with pytest.raises(ValueError, match="at most"):
        PoissonInput(np.full((1, 3), 1e6), 10, 0)
    po = sn._network.preferred_orientations(10, 8)
    with pytest.raises(ValueError, match="thetas"):
        sn.stimulus_input([np.inf], 100, po, 8, 0)
    with pytest.raises(ValueError, match="segment_ms"):
        sn.stimulus_input([0.0], 0, po, 8, 0)
    with pytest.raises(ValueError, match="rate"):
        sn.untuned_input(10, 100, -5.0, 0)
