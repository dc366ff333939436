"""Export to Neo: the docs example runs as printed; conversions keep every spike."""
import pathlib
import re
import warnings

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._interop import result_to_neo, spiketrain_to_neo

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run():
    return sn.run_published(seed=3, n_blocks=1, progress=False)


def test_docs_example_runs_as_printed():
    """docs/interop.md: Elephant's ISI CV and rates agree with sensorynet's; NWB round trip."""
    text = (ROOT / "docs" / "interop.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) == 2
    ns = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)      # pynwb's own deprecations
        for code in blocks:
            exec(compile(code, "docs/interop.md", "exec"), ns)
    assert ns["n_back"] == ns["n_out"] > 0


def test_every_spike_is_kept_with_its_time_and_neuron(run):
    train = run.spikes["after"]
    seg = spiketrain_to_neo(train, name="after", po=run.po)
    assert len(seg.spiketrains) == train.N
    for n in (0, 17, run.n_exc, run.N - 1):
        st = seg.spiketrains[n]
        want = np.sort(train.steps[train.neurons == n]) * train.dt
        assert np.array_equal(st.rescale("ms").magnitude, want)
        assert st.annotations["neuron"] == n
        assert st.annotations["population"] == ("E" if n < run.n_exc else "I")
        assert st.annotations["po_rad"] == pytest.approx(run.po[n])
        assert float(st.t_stop.rescale("ms").magnitude) == train.duration_ms
    assert sum(len(st) for st in seg.spiketrains) == train.neurons.size


def test_block_has_one_segment_per_phase_and_the_parameters(run):
    import json
    block = run.to_neo()
    assert [s.name for s in block.segments] == list(run.spikes)
    assert block.annotations["seed"] == 3 and block.annotations["N"] == run.N
    assert sn.ModelParams.from_dict(json.loads(block.annotations["params_json"])) == run.params
    sub = result_to_neo(run, phases=["after"], neurons=[5, 1])
    assert [st.annotations["neuron"] for st in sub.segments[0].spiketrains] == [5, 1]


@pytest.mark.parametrize("kwargs, err, msg", [
    ({"phases": ["nope"]}, ValueError, "not in the result"),
    ({"neurons": [0, 10**6]}, ValueError, "neurons must lie in"),
    ({"neurons": [0.5]}, TypeError, "integer neuron indices"),
])
def test_bad_arguments(run, kwargs, err, msg):
    with pytest.raises(err, match=msg):
        run.to_neo(**kwargs)


def test_wrong_types():
    with pytest.raises(TypeError, match="SpikeTrain"):
        spiketrain_to_neo("spikes")
    with pytest.raises(TypeError, match="ExperimentResult"):
        result_to_neo(None)


def test_one_phase_by_name():
    """``phases="before"`` is one phase, not the letters b, e, f, ..."""
    pytest.importorskip("neo")
    res = sn.run_published(seed=2, n_blocks=1, progress=False)
    block = res.to_neo(phases="before")
    assert [s.name for s in block.segments] == ["before"]
    with pytest.raises(TypeError, match="phases"):
        res.to_neo(phases=[1, 2])
    with pytest.raises(ValueError, match="not in the result"):
        res.to_neo(phases="during")
