"""The balanced-state protocol, the notebook cache helpers and the notebook figures."""
import numpy as np
import pytest

import sensorynet as sn
import sensorynet.plotting._notebook as nbf
from sensorynet import experiments as nbs
from sensorynet.analysis._spikes import isi_cv
from sensorynet.analysis._sweep_tables import add_specificity_contrast
from sensorynet.sweep._store import sweep_dir


@pytest.fixture(scope="module")
def state():
    return nbs.balanced_state(seed=0, record=(0, 200, 450))


def test_balanced_state_is_the_published_before_test(state, published):
    before = published.spikes["before"]
    np.testing.assert_array_equal(state.coupled.spike_neurons, before.neurons)
    np.testing.assert_array_equal(state.coupled.spike_steps, before.steps)
    np.testing.assert_array_equal(state.net.W, published.W0)


def test_balanced_state_summary(state):
    s = state.summary()
    assert s["coupled"]["rate"]["E"] == pytest.approx(8.21125)
    assert s["uncoupled"]["rate"]["E"] > 50                     # mean-driven alone
    assert s["coupled"]["cv"]["E"] > 2 * s["uncoupled"]["cv"]["E"]
    i = s["input"]
    assert i["ff"] == pytest.approx(2.0, abs=0.01)                # b·dt/1000 mV per step
    assert i["net"] == pytest.approx(i["ff"] + i["rec_E"] + i["rec_I"])
    assert 0 < i["net_over_exc"] < 0.25                            # cancellation
    assert i["ei_correlation_5ms"] > 0.5


def test_input_components_reproduce_the_update_rule_exactly(state):
    for n in (0, 200, 450):
        assert nbs.update_residual(state, n, "uncoupled") == 0.0
        assert nbs.update_residual(state, n, "coupled") < 1e-12


def test_input_components_match_spike_counts(state):
    # summed recurrent E input of neuron j = Σ_pre count[pre] W[pre, j] (last step's
    # spikes arrive after the run)
    r = state.coupled
    last = r.spike_steps == r.n_steps - 1
    counts = np.bincount(r.spike_neurons[~last], minlength=r.N)
    ne = r.n_exc
    np.testing.assert_allclose(state.rec_E.sum(0), counts[:ne] @ state.net.W[:ne])
    np.testing.assert_allclose(state.rec_I.sum(0), counts[ne:] @ state.net.W[ne:])


def test_voltage_needs_recorded_neuron(state):
    with pytest.raises(ValueError, match="not recorded"):
        state.voltage(1)


def test_isi_cv():
    # neuron 0: regular (CV 0); neuron 1: too few spikes; neuron 2: none
    n = np.array([0] * 6 + [1] * 2)
    k = np.array([0, 10, 20, 30, 40, 50, 3, 9])
    cv = isi_cv(n, k, 3)
    assert cv[0] == 0.0 and np.isnan(cv[1]) and np.isnan(cv[2])


def test_load_published_uses_the_cache(tmp_path, capsys):
    from sensorynet._cache import ResultsCache
    cache = ResultsCache(tmp_path)
    a = nbs.load_published(seed=0, n_blocks=1, cache=cache, progress=False)
    assert "computed" in capsys.readouterr().out
    b = nbs.load_published(seed=0, n_blocks=1, cache=cache, progress=False)
    assert "loaded from the results cache" in capsys.readouterr().out
    np.testing.assert_array_equal(a.W, b.W)
    p = sn.ModelParams().replace(**{"network.g": 7.0})
    c = nbs.load_published(p, seed=0, n_blocks=1, cache=cache, progress=False)
    assert "computed" in capsys.readouterr().out                  # never stale
    assert not np.array_equal(c.W0, a.W0)


def test_sweep_dir_depends_on_code(tmp_path):
    from sensorynet._cache import source_fingerprint
    d = sweep_dir("nb06", tmp_path)
    assert d.parent == tmp_path / "sweeps" and source_fingerprint()[:16] in d.name
    with pytest.raises(ValueError):
        sweep_dir("not a name", tmp_path)


def test_add_specificity_contrast():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"spec_EE_0_30": [0.4, 0.3], "spec_EE_60_90": [0.1, 0.2]})
    df.attrs = {"metrics": ["spec_EE_0_30", "spec_EE_60_90"]}
    out = add_specificity_contrast(df)
    np.testing.assert_allclose(out["spec_EE_contrast"], [0.3, 0.1])
    assert out.attrs["metrics"][-1] == "spec_EE_contrast"
    assert "spec_EE_contrast" not in df.columns
    with pytest.raises(ValueError):
        add_specificity_contrast(df.drop(columns="spec_EE_0_30"))


@pytest.mark.parametrize("name", ["input", "network", "voltage", "balanced"])
def test_figures_have_labelled_axes(state, name):
    fig = {"input": lambda: nbf.plot_input_tuning(),
           "network": lambda: nbf.plot_network(state.net, seed=0),
           "voltage": lambda: nbf.plot_voltage_trace(state, 200),
           "balanced": lambda: nbf.plot_balanced_state(state)}[name]()
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() or ax.get_ylabel(), f"{name}: unlabelled axes"


def test_learning_figures(published):
    from sensorynet.experiments._selectivity import connectivity_evolution, selectivity_analysis
    sel = selectivity_analysis(published)
    evo = connectivity_evolution(published)
    for fig in (nbf.plot_tuning_curve(sel, 123), nbf.plot_block(published, evo, -1, "EE"),
                nbf.plot_block(published, evo, 39, "IE"), nbf.plot_reciprocal(published)):
        assert all(ax.get_xlabel() for ax in fig.axes if ax.get_label() != "<colorbar>")


def test_reciprocal_figure_explains_the_naive_network(published):
    fig = nbf.plot_reciprocal(published)
    before, after = (ax.get_title() for ax in fig.axes[:2])
    assert "undefined (all weights 0.5 mV)" in before and "r = 0.9" in after
