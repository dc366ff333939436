"""The notebooks' control panels, driven headless (no browser, no kernel).

Each test builds a panel through the package, changes a control the way a click would
(``widget.value = ...`` fires the same observers; ``button.click()`` the same
handlers) and checks that the displayed result -- figure, PNG, summary, state --
changed accordingly.
"""
import numpy as np
import pytest

import sensorynet as sn
from sensorynet import widgets
from sensorynet._params import ModelParams

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SHORT_TUNING = {"thetas": np.arange(6) * np.pi / 6, "duration_ms": 200}


@pytest.fixture(scope="module")
def small_published():
    """Published protocol with 3 learning blocks (snapshots kept)."""
    return sn.run_published(seed=0, n_blocks=3, progress=False)


@pytest.fixture
def cache(tmp_path):
    from sensorynet._cache import ResultsCache
    return ResultsCache(tmp_path / "cache")


def _changed(panel, before):
    """The PNG and summary differ from a previous snapshot, after exactly one render
    (the figure may be the same object, updated in place: a LiveFigure)."""
    png, summary, fig, n = before
    return (bytes(panel.image.value) != bytes(png) and panel.summary.value != summary
            and panel.n_renders == n + 1)


def _snap(panel):
    return panel.image.value, panel.summary.value, panel.figure, panel.n_renders


# ---------------------------------------------------------------------------- Panel
def test_panel_display_bundle_has_widget_and_static_png():
    p = widgets.network_panel()
    data = p._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/png"] and isinstance(data["image/png"], str)   # base64 text
    assert data["text/plain"].startswith("<The naive network")
    assert p.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_panel_render_error_is_shown_and_kept():
    def render(panel):
        raise RuntimeError("boom")
    import ipywidgets as W
    p = widgets.Panel("t", {"x": W.IntSlider(0)}, render, live=("x",))
    with pytest.raises(RuntimeError):
        p.render()
    assert isinstance(p.error, RuntimeError) and "boom" in p.summary.value


# ------------------------------------------------------------------- 01 network
def test_network_panel_neuron_picker_redraws_without_simulating():
    p = widgets.network_panel(neuron=200)
    state0 = p.data["state"]
    assert p.state["neuron"] == 200 and p.state["neuron_rate"] > 10   # PO 90° at 90°
    before = _snap(p)
    p.controls["neuron"].value = 10                                     # PO far from 90°
    assert _changed(p, before)
    assert p.data["state"] is state0                                    # no new run
    assert p.state["neuron"] == 10 and p.state["neuron_rate"] < 5
    assert "Neuron 10" in p.summary.value


def test_network_panel_published_rates_then_weaker_inhibition_raises_rates():
    p = widgets.network_panel()
    assert p.state["rate_E"] == pytest.approx(8.21125)     # the published 'before' test
    assert p.state["rate_I"] == pytest.approx(5.455)
    rate_E, ratio = p.state["rate_E"], p.state["net_over_exc"]
    before = _snap(p)
    p.controls["g"].value = 4.0
    assert _changed(p, before)
    assert p.state["g"] == 4.0
    assert p.state["rate_E"] > rate_E + 2.0
    assert p.state["net_over_exc"] > ratio                # less cancellation


def test_network_panel_modulation_and_seed():
    p = widgets.network_panel()
    p.controls["m_E"].value = 0.0                          # untuned input
    assert p.state["m_E"] == 0.0
    r = p.data["state"].coupled.rates()[:400]
    assert r[150:250].mean() < 2.5 * r[:50].mean() + 1      # no bump at 90° any more
    rates = p.state["rate_E"]
    p.controls["seed"].value = 3
    assert p.state["seed"] == 3 and p.state["rate_E"] != rates


# ---------------------------------------------------------------- 02 selectivity
def test_selectivity_panel_neuron_picker(small_published):
    p = widgets.selectivity_panel(small_published, neuron=123)
    assert p.state["n_blocks"] == 3 and p.state["neuron"] == 123
    sel = p.data["sel"]
    assert p.state["osi_after"] == pytest.approx(sel.after.osi[123])
    before = _snap(p)
    p.controls["neuron"].value = 450
    assert _changed(p, before)
    assert p.state["neuron"] == 450
    assert p.state["osi_before"] == pytest.approx(sel.before.osi[450])
    assert "Neuron 450 (I)" in p.summary.value


def test_selectivity_panel_run_learns_through_the_cache(small_published, cache):
    p = widgets.selectivity_panel(small_published, cache=cache)
    osi_3 = p.state["osi_E_after"]
    p.controls["n_blocks"].value = 0          # heavy control: nothing happens yet
    assert p.state["n_blocks"] == 3
    before = _snap(p)
    p.controls["run"].click()
    assert p.error is None and _changed(p, before)
    assert p.state["n_blocks"] == 0
    assert p.state["osi_E_after"] == pytest.approx(p.state["osi_E_before"])  # no learning
    assert p.state["osi_E_after"] != osi_3
    assert cache.last_status == "miss" and len(list(cache.cache_dir.glob("*.npz"))) == 1
    p.controls["run"].click()                 # same settings: a cache hit
    assert cache.last_status == "hit"
    assert p.controls["run"].disabled is False


def test_selectivity_panel_without_published_computes_one(cache):
    p = widgets.selectivity_panel(n_blocks=1, seed=2, cache=cache,
                                  tuning_kw=SHORT_TUNING)
    assert p.state["n_blocks"] == 1 and p.state["seed"] == 2
    assert p.data["published"].n_blocks == 1


# ------------------------------------------------------------------ 03 evolution
def test_evolution_panel_block_slider_scrubs_snapshots(small_published):
    from sensorynet.analysis._connectivity import specificity
    pub = small_published
    p = widgets.evolution_panel(pub)
    assert p.state["blocks_done"] == 3
    np.testing.assert_allclose(p.state["spec_EE"], specificity(pub.W, pub.po, pub.n_exc, "EE"))
    before = _snap(p)
    p.controls["blocks_done"].value = 0                  # the initial W0
    assert _changed(p, before)
    np.testing.assert_allclose(p.state["spec_EE"], specificity(pub.W0, pub.po, pub.n_exc, "EE"))
    assert p.state["mean_weight"] == pytest.approx(pub.params.network.J)
    p.controls["blocks_done"].value = 2
    W2 = pub.weights_after_block(1)
    np.testing.assert_allclose(p.state["spec_EE"], specificity(W2, pub.po, pub.n_exc, "EE"))


def test_evolution_panel_pathway(small_published):
    p = widgets.evolution_panel(small_published, block=3)
    w_ee = p.state["mean_weight"]
    before = _snap(p)
    p.controls["pathway"].value = "IE"
    assert _changed(p, before)
    assert p.state["pathway"] == "IE" and p.state["mean_weight"] < -3.9
    assert w_ee > 0.5


@pytest.mark.parametrize("kw, words", [({"pathway": "XX"}, "pathway"),
                                       ({"pathway": "II"}, "pathway"),
                                       ({"block": 99}, "block"), ({"block": -1}, "block")])
def test_evolution_panel_refuses_bad_arguments_clearly(small_published, kw, words):
    """An unknown pathway raised a traitlets TraitError from deep inside ipywidgets."""
    with pytest.raises(ValueError, match=words):
        widgets.evolution_panel(small_published, **kw)


def test_evolution_panel_needs_snapshots():
    pub = sn.run_published(seed=0, n_blocks=1, progress=False, keep_snapshots=False)
    with pytest.raises(ValueError, match="snapshots"):
        widgets.evolution_panel(pub)


# --------------------------------------------------------------- 04 spontaneous
def test_spontaneous_panel_switch_and_run(small_published):
    p = widgets.spontaneous_panel(small_published, n_blocks=1, tuning_kw=SHORT_TUNING)
    assert p.state["ltd_IE"] is True and p.state["n_blocks"] == 1
    assert len(p.state["spec_EE_change"]) == 3
    p.controls["ltd_IE"].value = False            # heavy: waits for Run
    assert p.state["ltd_IE"] is True
    p.controls["n_blocks"].value = 2
    before = _snap(p)
    p.controls["run"].click()
    assert p.error is None and _changed(p, before)
    assert p.state["ltd_IE"] is False and p.state["n_blocks"] == 2
    assert "I→E LTD off, 2 blocks" in p.summary.value


# ------------------------------------------------------------------ 05 cardinal
def test_cardinal_panel_half_width_and_run():
    p = widgets.cardinal_panel(n_blocks=2, tuning_kw=SHORT_TUNING)
    assert p.state["n_blocks"] == 2 and p.state["half_width"] == 15.0
    f15 = p.state["frac_cardinal"]["naive"]
    before = _snap(p)
    p.controls["half_width"].value = 5.0          # cheap: reclassify the same POs
    assert _changed(p, before)
    assert p.state["half_width"] == 5.0
    assert p.state["frac_cardinal"]["naive"] < f15
    p.controls["seed"].value = 1
    p.controls["n_blocks"].value = 1
    p.controls["run"].click()
    assert p.error is None
    assert p.state["seed"] == 1 and p.state["n_blocks"] == 1


def test_cardinal_panel_from_result():
    from sensorynet.experiments._cardinal import run_cardinal
    res = run_cardinal(seed=0, n_blocks=1, progress=False, **SHORT_TUNING)
    p = widgets.cardinal_panel(res, half_width_deg=10.0)
    assert p.state["n_blocks"] == 1 and p.state["half_width"] == 10.0


# --------------------------------------------------------------------- 06 sweep
@pytest.fixture
def sweep_df():
    pd = pytest.importorskip("pandas")
    rows = []
    for g in (6.0, 8.0):
        for a in (4e-5, 8e-5):
            for s in range(2):
                rows.append({"network.g": g, "plasticity.A_LTP": a, "seed_index": s, "seed": s,
                             "osi_E_after": 0.6 + 1000 * a + 0.001 * s,
                             "rate_E_after": g + s, "error": None})
    df = pd.DataFrame(rows)
    df.attrs = {"sweep_params": ["network.g", "plasticity.A_LTP"],
                "metrics": ["osi_E_after", "rate_E_after"]}
    return df


def test_sweep_panel_metric_menu_and_transpose(sweep_df):
    p = widgets.sweep_panel(sweep_df, "plasticity.A_LTP", "network.g")
    assert p.state["metric"] == "osi_E_after"
    np.testing.assert_allclose(p.state["mean"], [[0.6405, 0.6805], [0.6405, 0.6805]])
    before = _snap(p)
    p.controls["metric"].value = "rate_E_after"
    assert _changed(p, before)
    np.testing.assert_allclose(p.state["mean"], [[6.5, 6.5], [8.5, 8.5]])
    p.controls["transpose"].value = True
    assert (p.state["x"], p.state["y"]) == ("network.g", "plasticity.A_LTP")
    np.testing.assert_allclose(p.state["mean"], [[6.5, 8.5], [6.5, 8.5]])


def test_sweep_panel_needs_metrics(sweep_df):
    sweep_df.attrs["metrics"] = []
    with pytest.raises(ValueError):
        widgets.sweep_panel(sweep_df, "plasticity.A_LTP", "network.g")


def test_panels_accept_non_default_params(cache):
    p = ModelParams().replace(**{"protocol.n_blocks": 1, "network.g": 7.0})
    panel = widgets.selectivity_panel(params=p, cache=cache, tuning_kw=SHORT_TUNING)
    assert panel.data["published"].params.network.g == 7.0
    net = widgets.network_panel(p)
    assert net.state["g"] == 7.0


def test_claims_table_keeps_every_word():
    from sensorynet.widgets import claims_table
    long = "a claim whose wording is much longer than fifty characters, so pandas would cut it"
    md = claims_table([{"claim": long, "measured": 0.123456, "expected": "x | y",
                        "holds": False, "kind": "claim", "p": 0.5,
                        "effect": {"estimate": 0.2, "unit": "mV", "ci95": [0.1, 0.3]}},
                       {"claim": "other", "measured": "n/a", "expected": "-", "holds": None,
                        "kind": "identity", "note": "identity not tested: no ensemble"}])
    text = md.data
    assert long in text and "0.1235" in text and "x \\| y" in text
    assert "| ✗ | 0.2 [0.1, 0.3] mV | 0.5 |" in text
    assert "not evaluated (identity not tested: no ensemble)" in text
    assert "| kind | claim | measured | expected | holds | effect [95 % CI] | p |" in text
    with pytest.raises(ValueError, match="lacks"):
        claims_table([{"claim": "c"}])
    with pytest.raises(TypeError):
        claims_table("claims")
