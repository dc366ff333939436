"""Trend statements of notebooks 01 and 02, checked on several seeds (the notebooks say
"on seeds 0-2"): what a student sees when moving a control holds beyond seed 0."""
import numpy as np
import pytest

from sensorynet import experiments, widgets

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_01_input_modulation_and_neuron_200(seed):
    """m_E = 0: neuron 200 (PO 90°, at the stimulus) fires no faster than the average E
    neuron (<= 1.5 x); at the default 0.2 more than twice as fast; at 0.5 faster still."""
    p = widgets.network_panel(seed=seed, neuron=200)
    rates = {}
    for m in (0.0, 0.2, 0.5):
        p.controls["m_E"].value = m
        rates[m] = (p.state["neuron_rate"], p.state["rate_E"])
    assert rates[0.0][0] <= 1.5 * rates[0.0][1]
    assert rates[0.2][0] > 2 * rates[0.2][1]
    assert rates[0.5][0] > rates[0.2][0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_02_selectivity_rises_with_learning_blocks(seed):
    pub = experiments.load_published(seed=seed, progress=False)
    te = experiments.tuning_evolution(pub, [0, 10, 20, 40])
    assert np.all(np.diff(te.mean_osi("E")) > 0)
