"""LiveFigure (figures updated in place), the busy state, and the panels built on them.

Structure only: which artists are redrawn, that a scrub does not redraw the whole figure,
that the busy state is shown while a control recomputes. Timings are measured by the
browser check (.ci/browser_check) and reported there, never asserted here.
"""
import numpy as np
import pytest
from matplotlib.figure import Figure

import sensorynet as sn
from sensorynet import experiments, widgets
from sensorynet.widgets import LiveFigure, Panel

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def small_published():
    return sn.run_published(seed=0, n_blocks=3, progress=False)


def _line_figure():
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    (ln,) = ax.plot([0, 1], [0, 1])
    ax.set(xlim=(0, 1), ylim=(0, 1))
    return fig, ln


def test_live_figure_blits_only_the_dynamic_artists():
    fig, ln = _line_figure()
    live = LiveFigure(fig, [ln])
    first = live.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert live.n_full == 1 and live.n_blits == 0
    assert fig.get_layout_engine().__class__.__name__ == "PlaceHolderLayoutEngine"
    ln.set_ydata([1, 0])
    second = live.png()
    assert live.n_full == 1 and live.n_blits == 1 and second != first
    ln.set_ydata([0, 1])
    assert live.png() == first           # the same state gives the same pixels
    live.invalidate()
    live.png()
    assert live.n_full == 2
    with pytest.raises(TypeError, match="Artists"):
        LiveFigure(fig, ["not an artist"])
    with pytest.raises(TypeError, match="Figure"):
        LiveFigure("fig")


def test_busy_state_while_a_compute_control_renders():
    import ipywidgets as W
    seen = []
    fig, ln = _line_figure()

    def render(panel):
        seen.append((panel.busy, panel.status.value, panel.controls["x"].disabled,
                     "sensorynet-busy" in panel.widget._dom_classes))
        return fig, "ok", {}

    p = Panel("t", {"x": W.IntSlider(0), "y": W.IntSlider(0)}, render, live=("x", "y"),
              compute=("x",))
    p.render()
    p.controls["x"].value = 1                # recomputes: busy while rendering
    p.controls["y"].value = 1                # view only: never busy
    assert seen[1][0] and "computing" in seen[1][1] and seen[1][2] and seen[1][3]
    assert seen[2] == (False, "", False, False)
    assert not p.busy and p.status.value == "" and not p.controls["x"].disabled
    assert len(p.render_seconds) == 3 and all(t >= 0 for t in p.render_seconds)
    with pytest.raises(ValueError, match="not live"):
        Panel("t", {"x": W.IntSlider(0)}, render, live=(), compute=("x",))


def test_evolution_panel_updates_in_place_and_shows_tuning(small_published):
    te = experiments.tuning_evolution(small_published, [0, 2, 3], duration_ms=200)
    p = widgets.evolution_panel(small_published, block=3, tuning=te)
    fig = p.figure
    p.controls["blocks_done"].value = 1
    assert p.figure is fig                           # updated, not rebuilt
    assert p.state["tuning_blocks_done"] == 0        # last tuning at or before block 1
    p.controls["blocks_done"].value = 2
    assert p.state["tuning_blocks_done"] == 2
    assert p.state["osi_E"] == pytest.approx(float(np.nanmean(te.osi[1, :small_published.n_exc])))
    p.controls["pathway"].value = "IE"
    assert p.state["pathway"] == "IE" and p.state["mean_weight"] < 0
    with pytest.raises(ValueError, match="pathway"):
        widgets.evolution_panel(small_published, pathway="II", tuning=te)
    with pytest.raises(ValueError, match="block"):
        widgets.evolution_panel(small_published, block=9, tuning=te)


def test_tuning_evolution(small_published):
    te = experiments.tuning_evolution(small_published, duration_ms=200)
    assert te.blocks_done.tolist() == [0, 3]
    assert te.rates.shape == (2, 12, small_published.N)
    assert te.index_at(2) == 0 and te.index_at(3) == 1
    with pytest.raises(ValueError, match="increasing"):
        experiments.tuning_evolution(small_published, [2, 1], duration_ms=200)
    with pytest.raises(ValueError, match="blocks_done"):
        experiments.tuning_evolution(small_published, [0, 7], duration_ms=200)
    with pytest.raises(ValueError, match="population"):
        te.mean_osi("X")


def test_detection_panel(small_published):
    study = experiments.detection_study(small_published, duration_ms=200)
    p = widgets.detection_panel(study, threshold=0.25)
    fig, png = p.figure, bytes(p.image.value)
    p.controls["threshold"].value = 0.45
    assert p.figure is fig and bytes(p.image.value) != png
    assert p.state["threshold"] == pytest.approx(0.45)
    assert p.state == study.at(0.45)
    with pytest.raises(ValueError, match="threshold"):
        widgets.detection_panel(study, threshold=0.333)
    with pytest.raises(ValueError, match="study"):
        widgets.detection_panel("nope")


def test_selectivity_panel_neuron_picker_updates_in_place(small_published):
    short = {"thetas": np.arange(6) * np.pi / 6, "duration_ms": 200}
    p = widgets.selectivity_panel(small_published, neuron=10, tuning_kw=short)
    fig, png = p.figure, bytes(p.image.value)
    p.controls["neuron"].value = 20
    assert p.figure is fig and bytes(p.image.value) != png and p.state["neuron"] == 20
    p.controls["neuron"].value = small_published.n_exc + 3        # an I neuron
    assert p.figure is fig and p.state["neuron"] == small_published.n_exc + 3
    assert "(I)" in p.summary.value


def test_network_panel_neuron_picker_updates_in_place():
    """Picking a neuron moves the lines of a figure drawn once (it redrew the whole
    three-panel figure); the voltage and input shown are that neuron's."""
    p = widgets.network_panel(neuron=200)
    fig, png = p.figure, bytes(p.image.value)
    p.controls["neuron"].value = 450                              # an I neuron
    assert p.figure is fig and bytes(p.image.value) != png
    view, live = p.data["view"]
    assert live.n_full == 1 and live.n_blits == 1
    st = p.data["state"]
    x, y = view.v_lines["coupled"].get_data()
    np.testing.assert_array_equal(y, st.voltage(450, "coupled")[view.sl])
    assert "I neuron 450" in view.titles["coupled"].get_text()
    assert p.state["neuron_rate"] == pytest.approx(float(st.coupled.rates()[450]))
    p.controls["g"].value = 6.0                                   # recomputes: new view
    assert p.data["view"][0] is not view and p.state["g"] == 6.0


@pytest.mark.parametrize("call,name", [
    (lambda pub: widgets.selectivity_panel(pub, neuron=10_000), "neuron"),
    (lambda pub: widgets.selectivity_panel(pub, neuron=-1), "neuron"),
    (lambda pub: widgets.network_panel(neuron=500), "neuron"),
    (lambda pub: widgets.network_panel(seed=-3), "seed"),
    (lambda pub: widgets.network_panel(window_ms=(5, 1)), "window_ms"),
    (lambda pub: widgets.cardinal_panel(half_width_deg=40.0), "half_width_deg"),
    (lambda pub: widgets.spontaneous_panel(pub, n_blocks=0), "n_blocks"),
    (lambda pub: widgets.scale_panel(rule="nonsense"), "rule"),
    (lambda pub: widgets.scale_panel(N=777), "N"),
])
def test_panel_arguments_are_checked_by_name(small_published, call, name):
    with pytest.raises(ValueError, match=name):
        call(small_published)


def test_scale_panel_keeps_the_size_when_the_rule_changes():
    p = widgets.scale_panel(rule="fixed_indegree", N=2000)
    fig = p.figure
    p.controls["rule"].value = "balanced"
    assert p.state["N"] == 2000 and p.state["rule"] == "balanced"
    p.controls["N"].value = 1000
    assert p.state["N"] == 1000 and p.figure is not fig      # balanced's own figure
    p.controls["rule"].value = "balanced_mean"
    p.controls["N"].value = 10_000                             # not run under that rule
    assert "was not run" in p.summary.value and p.error is None
