"""sensorynet._stats: distribution tails against hand-computed and tabulated values and
(hypothesis) against scipy, the one-sided tests on constructed data, and the
Ledoit–Wolf shrinkage against its defining formula."""
import math

import numpy as np
import pytest
import scipy.stats as scipy_stats  # the test extra's reference (not a dependency)
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorynet import _stats as s


# ------------------------------------------------------------------ hand-computed values
def test_normal_tail_and_quantile():
    assert s.norm_sf(0.0) == 0.5
    assert s.norm_sf(1.959963984540054) == pytest.approx(0.025, rel=1e-12)
    assert s.norm_ppf(0.975) == pytest.approx(1.959963984540054, rel=1e-12)
    with pytest.raises(ValueError, match="p must be in"):
        s.norm_ppf(1.0)


def test_t_tail_closed_forms():
    # df = 1 is Cauchy: P(T > t) = 1/2 - atan(t)/π; df = 2: 1/2 - t / (2 sqrt(2 + t²))
    for t in (0.3, 1.0, 4.0, 50.0):
        assert s.t_sf(t, 1) == pytest.approx(0.5 - math.atan(t) / math.pi, rel=1e-11)
        assert s.t_sf(t, 2) == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)), rel=1e-11)
        assert s.t_sf(-t, 2) == pytest.approx(1 - s.t_sf(t, 2), rel=1e-12)
    assert s.t_sf(0.0, 7) == 0.5
    assert s.t_sf(math.inf, 5) == 0.0 and s.t_sf(-math.inf, 5) == 1.0
    assert math.isnan(s.t_sf(math.nan, 5))
    assert s.t_sf(2.0, math.inf) == s.norm_sf(2.0)
    with pytest.raises(ValueError, match="df must be > 0"):
        s.t_sf(1.0, 0)


def test_t_quantiles_tabulated():
    # standard t tables
    assert s.t_ppf(0.975, 10) == pytest.approx(2.228138851986, abs=1e-9)
    assert s.t_ppf(0.99, 30) == pytest.approx(2.457261542401, abs=1e-9)
    assert s.t_ppf(0.995, 23) == pytest.approx(2.807335683768, abs=1e-9)
    assert s.t_ppf(0.025, 5) == pytest.approx(-2.570581835637, abs=1e-9)
    assert s.t_ppf(0.99, math.inf) == pytest.approx(2.326347874041, abs=1e-9)


def test_t_tail_far_out():
    """p-values far below 1e-100 are resolved (the claims' p-values live there)."""
    p = s.t_sf(60.0, 399)
    assert 0.0 < p < 1e-150
    assert s.t_sf(61.0, 399) < p


def test_binomial_exact_small_cases():
    assert s.binom_sf(8, 9, 0.5) == pytest.approx(10 / 512, rel=1e-13)
    assert s.binom_sf(0, 9, 0.5) == 1.0 and s.binom_sf(10, 9, 0.5) == 0.0
    assert s.binom_cdf(1, 9, 0.5) == pytest.approx(10 / 512, rel=1e-13)
    assert s.binom_cdf(2, 4, 0.25) == pytest.approx(1 - 13 / 256, rel=1e-13)
    assert s.binom_sf(3, 4, 0.25) == pytest.approx(13 / 256, rel=1e-13)


def test_clopper_pearson_hand_cases():
    lo, hi = s.clopper_pearson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)
    lo, hi = s.clopper_pearson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** (1 / 10), rel=1e-9)
    lo, hi = s.clopper_pearson(5_000_000, 10_000_000)          # Wilson above 1e6
    assert lo < 0.5 < hi and hi - lo == pytest.approx(2 * 1.96 * math.sqrt(0.25 / 1e7),
                                                      rel=1e-3)
    with pytest.raises(ValueError):
        s.clopper_pearson(3, 2)


def test_format_p():
    assert s.format_p(0.012345) == "0.012"
    assert s.format_p(0.0) == "< 1e-300" and s.format_p(1e-301) == "< 1e-300"
    assert s.format_p(None) == "n/a" and s.format_p(math.nan) == "n/a"


# ------------------------------------------------------------------ the tests
def test_one_sided_t_hand_computed():
    r = s.one_sided_t([1.0, 2.0, 3.0])
    # mean 2, sd 1, se 1/√3, t = 2√3 with 2 df: p = 1/2 - t/(2 sqrt(2 + t²))
    t = 2 * math.sqrt(3)
    assert r.estimate == 2.0 and r.n == 3
    assert r.p == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)), rel=1e-11)
    half = s.t_ppf(0.975, 2) / math.sqrt(3)
    assert r.ci95 == pytest.approx((2 - half, 2 + half))
    assert r.holds is False                                    # p = 0.037 > 0.01
    assert s.one_sided_t([1.0, 2.0, 3.0], alpha=0.05).holds is True


def test_one_sided_t_edge_cases():
    zero = s.one_sided_t(np.zeros(50))                # no effect at all: fails, p = 1
    assert zero.holds is False and zero.p == 1.0
    const = s.one_sided_t(np.full(5, 0.3))             # every unit shows it: holds
    assert const.holds is True and const.p == 0.0 and const.ci95 == (0.3, 0.3)
    few = s.one_sided_t([1.0, np.nan])                 # one finite unit: not evaluated
    assert few.holds is None and few.n == 1 and math.isnan(few.p)
    neg = s.one_sided_t(-np.arange(1.0, 20.0))
    assert neg.holds is False and neg.p > 0.99
    with pytest.raises(ValueError, match="alpha"):
        s.one_sided_t([1, 2], alpha=1.5)


def test_binomial_excess():
    r = s.binomial_excess(30, 100, 0.1)
    assert r.estimate == pytest.approx(3.0) and r.holds is True
    assert r.p == pytest.approx(s.binom_sf(30, 100, 0.1))
    lo, hi = s.clopper_pearson(30, 100)
    assert r.ci95 == pytest.approx((lo / 0.1, hi / 0.1))
    assert s.binomial_excess(10, 100, 0.1).holds is False      # exactly as expected
    assert s.binomial_excess(3, 100, 0.0).holds is None        # nothing expected


def test_mcnemar():
    r = s.mcnemar_one_sided(8, 1, 100)
    assert r.p == pytest.approx(10 / 512) and r.estimate == pytest.approx(0.07)
    assert s.mcnemar_one_sided(0, 0, 10).p == 1.0
    assert s.mcnemar_one_sided(2, 9, 50).holds is False
    with pytest.raises(ValueError, match="gain"):
        s.mcnemar_one_sided(5, 6, 10)


def test_normal_excess():
    r = s.normal_excess(130.0, 100.0, 100.0, 1000)
    assert r.estimate == pytest.approx(1.3) and r.p == pytest.approx(s.norm_sf(3.0))
    assert r.holds is True
    assert s.normal_excess(5.0, 0.0, 1.0, 10).holds is None


def test_effect_record_replaces_nan_by_none():
    e = s.OneSided(math.nan, (math.nan, 1.0), math.nan, 0, None).effect("mV")
    assert e == {"estimate": None, "unit": "mV", "ci95": [None, 1.0]}


def test_skew_kurtosis():
    assert s.skew_kurtosis([1.0, 1.0, 1.0]) == (0.0, 0.0)
    sk, ku = s.skew_kurtosis([0.0, 0.0, 0.0, 1.0])
    # moments of a Bernoulli(1/4): skew (1 - 2p)/sqrt(p q), excess kurtosis (1 - 6pq)/(pq)
    pq = 0.25 * 0.75
    assert sk == pytest.approx(0.5 / math.sqrt(pq)) and ku == pytest.approx((1 - 6 * pq) / pq)


def test_ledoit_wolf_formula():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((40, 6))
    Z[:, 1] = Z[:, 0] + 0.3 * Z[:, 1]
    Z = (Z - Z.mean(0)) / Z.std(0, ddof=1)
    R, lam = s.ledoit_wolf_correlation(Z)
    n, p = Z.shape
    S = Z.T @ Z / n
    mu = np.trace(S) / p
    d2 = np.sum((S - mu * np.eye(p)) ** 2) / p
    b2 = np.mean([np.sum((np.outer(z, z) - S) ** 2) for z in Z]) / n / p
    assert lam == pytest.approx(min(b2 / d2, 1.0), rel=1e-10)
    assert np.allclose(np.diag(R), 1.0) and np.allclose(R, R.T)
    assert abs(R[0, 1]) < abs(np.corrcoef(Z.T)[0, 1])            # shrunk toward 0
    assert np.all(np.linalg.eigvalsh(R) > 0)
    # more statistics than runs: still invertible
    R2, lam2 = s.ledoit_wolf_correlation(rng.standard_normal((10, 30)))
    assert 0 < lam2 <= 1 and np.all(np.linalg.eigvalsh(R2) > 0)
    with pytest.raises(ValueError, match="constant"):
        s.ledoit_wolf_correlation(np.column_stack([np.ones(5), np.arange(5.0)]))
    with pytest.raises(ValueError, match="shape"):
        s.ledoit_wolf_correlation(np.ones(5))


# ------------------------------------------------------------------ against scipy
@settings(max_examples=200, deadline=None)
@given(t=st.floats(-40, 40), df=st.sampled_from([1, 2, 3, 5, 10, 29, 30, 119, 399, 5000]))
def test_t_sf_matches_scipy(t, df):
    ref = scipy_stats.t.sf(t, df)
    assert s.t_sf(t, df) == pytest.approx(ref, rel=1e-9, abs=1e-300)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 200_000), p=st.floats(1e-4, 0.9), u=st.floats(0, 1))
def test_binom_sf_matches_scipy(n, p, u):
    k = int(round(u * n))
    assert s.binom_sf(k, n, p) == pytest.approx(scipy_stats.binom.sf(k - 1, n, p),
                                                rel=1e-8, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(x=st.lists(st.floats(-100, 100), min_size=2, max_size=40))
def test_one_sided_t_matches_scipy(x):
    x = np.asarray(x)
    r = s.one_sided_t(x)
    if x.std() < 1e-9 * max(1.0, abs(x).max()):
        return                                  # degenerate spread: scipy warns, we decide
    ref = scipy_stats.ttest_1samp(x, 0.0, alternative="greater").pvalue
    assert r.p == pytest.approx(ref, rel=1e-7, abs=1e-300)
