"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""

import pytest

from sensorynet import ModelParams  # noqa: E402
from sensorynet.plotting._sweep import plot_sweep_heatmap, plot_sweep_line

pd = pytest.importorskip("pandas")


# ---------------------------------------------------------------- summaries, plots
def _toy_frame():
    rows = []
    for g in (6.0, 8.0):
        for a in (1e-4, 2e-4):
            for s in range(3):
                rows.append({"network.g": g, "plasticity.A_LTP": a, "seed_index": s,
                             "rate_E_after": g + 1e4 * a + s, "error": None})
    df = pd.DataFrame(rows)
    df.attrs["sweep_params"] = ["network.g", "plasticity.A_LTP"]
    df.attrs["metrics"] = ["rate_E_after"]
    df.attrs["metric_labels"] = {"rate_E_after": "rate_E_after (Hz)"}
    return df




def test_tick_labels_share_one_exponent():
    from sensorynet.plotting._sweep import PARAM_UNITS, _axis_exponent, _param_label, _tick
    vals = [4e-5, 8e-5, 1.2e-4]
    e = _axis_exponent(vals)
    assert e == -5 and [_tick(v, e) for v in vals] == ["4", "8", "12"]
    assert _param_label("plasticity.A_LTP", e) == "plasticity.A_LTP (×10⁻⁵ mV⁻²)"
    assert _axis_exponent([6.0, 8.0, 0.25, 2000]) == 0
    assert _param_label("network.tau_m") == "network.tau_m (ms)"
    assert _param_label("network.g", 3) == "network.g (×10³)"
    assert _axis_exponent([1e-6, 1e-2]) == -2            # wide range: largest magnitude
    assert set(PARAM_UNITS) <= set(ModelParams.parameter_names())


def test_plot_helpers_return_labelled_figures():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    df = _toy_frame()
    fig = plot_sweep_heatmap(df, "network.g", "plasticity.A_LTP", "rate_E_after")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # one shared exponent per axis, given with the unit in the label
    assert ax.get_xlabel() == "network.g"
    assert ax.get_ylabel() == "plasticity.A_LTP (×10⁻⁴ mV⁻²)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["6", "8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2"]
    assert "rate_E_after (Hz)" in fig.axes[1].get_ylabel()        # colour bar
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4 and all("±" in t for t in texts)
    assert "3 seed" in ax.get_title()
    fig = plot_sweep_line(df, "network.g", "rate_E_after", hue="plasticity.A_LTP")
    assert fig.axes[0].get_ylabel() == "rate_E_after (Hz)"
    leg = fig.axes[0].get_legend()
    assert leg.get_title().get_text() == "plasticity.A_LTP (×10⁻⁴ mV⁻²)"
    assert [t.get_text() for t in leg.get_texts()] == ["1", "2"]
    assert min(t.get_fontsize() for t in [*leg.get_texts(), leg.get_title()]) >= 8
    fig = plot_sweep_line(df, "plasticity.A_LTP", "rate_E_after", hue="network.g")
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "plasticity.A_LTP (×10⁻⁴ mV⁻²)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]   # the swept values
    # the legend sits outside the axes
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1
    with pytest.raises(ValueError, match="where="):
        plot_sweep_line(df, "network.g", "rate_E_after")
    fig = plot_sweep_line(df, "network.g", "rate_E_after",
                          where={"plasticity.A_LTP": 1e-4})
    assert fig.axes[0].get_xlabel() == "network.g"


def test_heatmap_cells_share_one_number_format():
    df = _toy_frame()
    df["rate_E_after"] = df["rate_E_after"] * 1e-3            # means ~0.008, sems ~1e-4..1e-3
    fig = plot_sweep_heatmap(df, "network.g", "plasticity.A_LTP", "rate_E_after")
    cells = [t.get_text() for t in fig.axes[0].texts if "\n" in t.get_text()]
    assert cells
    decimals = {len(part.lstrip("±<").split(".")[1]) for c in cells for part in c.split("\n")}
    assert len(decimals) == 1 and not any("e-" in c for c in cells)
