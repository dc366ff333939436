"""detection_study (notebook 08): the model measured as paired recordings measure cortex.

The fast tests use the shared published run; the slow one checks, on seeds 0-4, every
verdict that notebook 08 states (its narrative says what holds on all five seeds).
"""
import numpy as np
import pytest

from sensorynet import experiments
from sensorynet.experiments import detection_study


@pytest.fixture(scope="module")
def study(published):
    return detection_study(published, duration_ms=500)


def test_structure_and_the_naive_network(study, published):
    t = study.thresholds
    assert t.min() == pytest.approx(0.05) and t.max() == pytest.approx(1.95)
    J = published.params.network.J
    below, above = t < J, t >= J
    # W0: every E->E synapse weighs J, so detection is all or nothing at J
    p0 = study.p("before")
    assert np.ptp(p0[below]) == 0 and (p0[above] == 0).all()
    assert p0[below][0] == pytest.approx(published.params.network.eps_EE, abs=0.01)
    r = study.same_orth_ratio("before")[below]
    assert np.all(np.abs(r - 1) < 0.1)
    a = study.at(0.25)
    assert set(a) == {"threshold", "before", "after"}
    assert a["after"]["p_same"] > a["after"]["p_orthogonal"]
    with pytest.raises(ValueError, match="not swept"):
        study.at(0.333)
    with pytest.raises(ValueError, match="phase"):
        study.p("during")
    with pytest.raises(ValueError, match="group"):
        study.p("after", "nonsense")


def test_threshold_at_ratio(study):
    t2 = study.threshold_at_ratio(2.0)
    r = study.same_orth_ratio("after")
    k = np.searchsorted(study.thresholds, t2)
    assert r[k - 1] < 2.0 <= r[k]
    assert np.isnan(study.threshold_at_ratio(1e9)) or study.threshold_at_ratio(1e9) > t2


def test_argument_checks(published):
    with pytest.raises(ValueError, match="similar_deg"):
        detection_study(published, similar_deg=80, orthogonal_deg=60, duration_ms=200)
    with pytest.raises(ValueError, match="corr_quantile"):
        detection_study(published, corr_quantile=0.7, duration_ms=200)
    with pytest.raises(TypeError, match="ExperimentResult"):
        detection_study("not a result")


@pytest.mark.slow
def test_notebook_08_verdicts_hold_on_seeds_0_to_4():
    """Every statement of notebook 08's narrative, on each of seeds 0-4."""
    for seed in range(5):
        pub = experiments.load_published(seed=seed, progress=False)
        J = pub.params.network.J
        s = detection_study(pub)
        t = s.thresholds
        # statement 1: selective before learning, more selective after; W0 unspecific
        assert s.osi_E["before"] > 0.6 and s.osi_E["after"] > s.osi_E["before"]
        assert np.all(np.abs(s.same_orth_ratio("before")[t < J] - 1) < 0.1)
        # statement 3: ratio > 1 after learning at every threshold below J, growing with
        # it; 2 reached between 55 % and 70 % of J; no orthogonal connection at >= 1 mV
        r = s.same_orth_ratio("after")
        assert np.all(r[t < J] > 1) and np.all(np.diff(r[t < J]) > 0)
        assert 0.55 * J < s.threshold_at_ratio(2.0) < 0.70 * J
        assert np.all(np.isinf(r[t >= 1.0]))
        # statement 2: same-PO rate kept, orthogonal falls (below J); overall rate
        # changes by < 2 % at 0.1 mV and falls by 4-11 % at 0.25 mV
        a1, a25 = s.at(0.1), s.at(0.25)
        assert abs(a1["after"]["p_all"] / a1["before"]["p_all"] - 1) < 0.02
        assert -0.11 < a25["after"]["p_all"] / a25["before"]["p_all"] - 1 < -0.04
        for a in (a1, a25):
            assert a["after"]["p_same"] >= a["before"]["p_same"] - 0.01
            assert a["after"]["p_orthogonal"] < a["before"]["p_orthogonal"]
        # no unresponsive E neuron
        assert s.n_unresponsive == {"before": 0, "after": 0}
        # statement 4: bidirectional pairs, correlated > uncorrelated after learning at
        # every threshold where any correlated pair is detected; no difference before
        pc = s.p("after", "correlated", "p_bidirectional")
        pu = s.p("after", "uncorrelated", "p_bidirectional")
        assert np.all(pc[pc > 0] > pu[pc > 0])
        bc = s.p("before", "correlated", "p_bidirectional")[t < J]
        bu = s.p("before", "uncorrelated", "p_bidirectional")[t < J]
        assert np.all(np.abs(bc - bu) < 0.01)
