"""Figures: returned as Figures, labelled with units, nothing outside the canvas."""
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

import sensorynet as sn
from sensorynet import plotting

FIGURES = [plotting.plot_rasters, plotting.plot_weight_matrices,
           plotting.plot_weights_vs_dpo, plotting.plot_learning_curve]


@pytest.fixture(scope="module")
def small():
    return sn.run_published(seed=2, n_blocks=2, progress=False)


@pytest.fixture(scope="module")
def large_sparse():
    params = sn.ModelParams(network=sn.NetworkParams().scaled(2500))
    return sn.run_published(params, seed=0, n_blocks=1, sparse=True, progress=False)


def _visible_ticklabels(axis):
    return [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]


def check_figure(fig):
    """Every axis with tick labels has a label; every artist lies inside the canvas."""
    assert isinstance(fig, Figure)
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    assert fig.axes
    for ax in fig.axes:
        if _visible_ticklabels(ax.xaxis):
            assert ax.get_xlabel().strip(), f"unlabelled x axis in {ax.get_title()!r}"
        if _visible_ticklabels(ax.yaxis):
            assert ax.get_ylabel().strip(), f"unlabelled y axis in {ax.get_title()!r}"
        bb = ax.get_tightbbox(renderer)
        assert bb.x0 >= -1 and bb.y0 >= -1 and bb.x1 <= W + 1 and bb.y1 <= H + 1, \
            f"axes {ax.get_title()!r} is clipped: {bb} outside {W}x{H}"
    labels = " ".join(ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)
    return labels


@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_figures_small(small, make):
    plt_figs = sys.modules["matplotlib.pyplot"].get_fignums() \
        if "matplotlib.pyplot" in sys.modules else []
    labels = check_figure(make(small))
    assert "(" in labels and ")" in labels          # units in brackets
    if "matplotlib.pyplot" in sys.modules:          # no pyplot state leaks
        assert sys.modules["matplotlib.pyplot"].get_fignums() == plt_figs


def test_raster_content(small):
    fig = plotting.plot_rasters(small)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 4 and titles[0].startswith("Before") and "After" in titles[-1]
    assert "ms" in " ".join(ax.get_xlabel() for ax in fig.axes)
    assert "Hz" in " ".join(ax.get_xlabel() + ax.get_ylabel() for ax in fig.axes)
    # the raster of the before phase shows every spike of that phase
    n_points = sum(len(c.get_offsets()) for c in fig.axes[0].collections)
    assert n_points == small.spikes["before"].neurons.size


def test_weight_matrix_content(small):
    fig = plotting.plot_weight_matrices(small)
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 3
    assert np.array_equal(images[0], small.W0) and np.array_equal(images[1], small.W)
    assert np.allclose(images[2], small.W - small.W0)
    cbar_labels = [ax.get_ylabel() for ax in fig.axes if not ax.images]
    assert all("mV" in lab for lab in cbar_labels) and len(cbar_labels) == 3


def test_zero_blocks():
    r = sn.run_published(seed=0, n_blocks=0, progress=False)
    fig = plotting.plot_rasters(r)
    assert sum(1 for ax in fig.axes if ax.get_title()) == 2   # before, after
    for make in FIGURES[1:]:
        check_figure(make(r))


@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_figures_large_sparse(large_sparse, make):
    assert large_sparse.is_sparse and large_sparse.W_blocks is None
    check_figure(make(large_sparse))


def test_large_network_is_subsampled(large_sparse):
    fig = plotting.plot_weight_matrices(large_sparse)
    shapes = {ax.images[0].get_array().shape for ax in fig.axes if ax.images}
    assert shapes == {(1000, 1000)}
    fig = plotting.plot_weights_vs_dpo(large_sparse, max_points=5000)
    assert all(len(ax.collections[0].get_offsets()) == 5000 for ax in fig.axes[:3])


def test_bad_arguments(small):
    for make in FIGURES:
        with pytest.raises(TypeError, match="ExperimentResult"):
            make(small.W)
    with pytest.raises(ValueError, match="max_neurons"):
        plotting.plot_rasters(small, max_neurons=1)
    with pytest.raises(ValueError, match="max_points"):
        plotting.plot_weights_vs_dpo(small, max_points=0)
    with pytest.raises(ValueError, match="bin_deg"):
        plotting.plot_weights_vs_dpo(small, bin_deg=-5)
