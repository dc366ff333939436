"""Invariants behind the start-up and figure-saving speed (issue 15); no timings.

* a first simulation compiles (or loads) only the kernel build it uses, with one
  type signature for array and generated (PoissonInput) input alike;
* on an empty numba cache, building a small network compiles nothing but the dense
  conversion, and the kernels compile none of numba's allocation, min/max or
  error-message (string) overloads -- these cost seconds on a first run;
* ``reproduce`` draws each figure once and writes the pixels ``savefig`` would;
* the kernel takes typed bundles (issue 20): unsigned index views made once, constants
  read by name.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure

import sensorynet as sn

ROOT = pathlib.Path(__file__).resolve().parents[1]

_FIRST_CALL = r"""
import json
from numba.core import event
compiled = []
class Rec(event.Listener):
    def on_start(self, e):
        f = e.data["dispatcher"].py_func
        compiled.append(f"{f.__module__}.{f.__qualname__}")
    def on_end(self, e):
        pass
event.register("numba:compile", Rec())
import numpy as np
import sensorynet as sn
from sensorynet import _kernels as K
net = sn.build_network(sn.NetworkParams(N=60), 0)
at_network = list(compiled)
inp = sn.stimulus_input([0.3, 1.2], 50, net.po, net.n_exc, 1)
p = sn.ModelParams().replace(**{"network.N": 60})
sn.simulate(net.W, inp, plastic=True, params=p)               # generated input
at_first = list(compiled)
sn.simulate(net.W, inp.counts(), plastic=False, params=p)     # materialised counts
print(json.dumps({"network": at_network, "first": at_first}))
print(json.dumps({f"{par}-{comp}": len(d.signatures) for (par, comp), d in K.KERNELS.items()}))
"""


@pytest.mark.slow
def test_first_call_compiles_only_the_build_it_needs(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    n = json.loads(lines[-1])
    # serial, compensated (N <= EPOCH_LONG_MAX_N): one signature for both input kinds
    assert n == {"False-True": 1, "False-False": 0, "True-True": 0, "True-False": 0}
    comp = json.loads(lines[-2])
    assert comp["network"] == ["sensorynet._network_kernel.csr_to_dense"]
    ours = {c for c in comp["first"] if c.startswith("sensorynet.")}
    assert ours == {"sensorynet._network_kernel.csr_to_dense",
                    "sensorynet._network_kernel.dense_csr_pass",
                    "sensorynet._kernels.row_split", "sensorynet._rng.cdf_table",
                    "sensorynet._kernels.run_serial_compensated"}
    # numba's own: only np.empty of the spike buffers (grown in the kernel)
    assert sorted(c for c in comp["first"] if c not in ours) == [
        "numba.np.arrayobj._ol_array_allocate.<locals>.impl",
        "numba.np.arrayobj.ol_np_empty.<locals>.impl"]


def _small_figure():
    fig = Figure(figsize=(4, 3), layout="constrained")
    axs = fig.subplots(1, 2)
    rng = np.random.default_rng(0)
    axs[0].scatter(rng.random(300), rng.random(300), s=3, rasterized=True)
    axs[1].plot(np.arange(10), np.arange(10) ** 2, label="square")
    axs[1].set(xlabel="x label", ylabel="y label", title="a title")
    axs[1].legend()
    fig.suptitle("suptitle")
    return fig


def test_reproduce_draws_each_figure_once(monkeypatch, tmp_path):
    from sensorynet import _reproduce as R
    calls = []
    orig = Figure.draw

    def counting(self, renderer):
        calls.append(1)
        return orig(self, renderer)
    monkeypatch.setattr(Figure, "draw", counting)
    R.save_figure(_small_figure(), tmp_path / "a.png")
    assert len(calls) == 1 and (tmp_path / "a.png").is_file()


def test_saved_pixels_equal_savefig(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    from sensorynet import _reproduce as R
    R.save_figure(_small_figure(), tmp_path / "fast.png")
    _small_figure().savefig(tmp_path / "ref.png", dpi=R._DPI)
    a = np.asarray(PIL.open(tmp_path / "fast.png"))
    b = np.asarray(PIL.open(tmp_path / "ref.png"))
    assert a.shape == b.shape and np.array_equal(a, b)


# ------------------------------------------------------------- the kernel's bundles
def test_csr_bundle_views_the_arrays_once_unsigned():
    """Indices reach the kernel as unsigned views of the caller's arrays (no copy), with
    each row's first synapse onto an inhibitory neuron."""
    from sensorynet import _kernels as K
    net = sn.build_network(sn.NetworkParams(N=40), 3)
    S = sn.SparseWeights.from_dense(net.W)
    data = S.data.copy()
    w = K.csr_bundle(S.indptr, S.indices, data, net.n_exc)
    assert (w.indptr.dtype, w.indices.dtype, w.split.dtype) == (np.uint64, np.uint32,
                                                                 np.uint64)
    assert np.shares_memory(w.indptr, S.indptr) and np.shares_memory(w.indices, S.indices)
    assert w.data is data
    for i in range(net.N):
        row = S.indices[S.indptr[i]:S.indptr[i + 1]]
        assert w.split[i] == S.indptr[i] + np.count_nonzero(row < net.n_exc)


def test_constants_name_every_parameter_the_kernel_reads():
    """Two records with typed, named fields; every field must be given."""
    from sensorynet import _kernels as K
    from sensorynet._simulation import constants, epoch_steps
    p = sn.ModelParams().replace(**{"plasticity.plastic_EI": False, "plasticity.A_LTP": 2e-4})
    nc, pc = constants(p, True, 400, 500)
    assert nc.dtype == K.NEURON_CONSTANTS and pc.dtype == K.PLASTICITY_CONSTANTS
    net, pl = p.network, p.plasticity
    assert nc.n_exc == 400 and nc.theta == net.theta and nc.dt == net.dt
    assert nc.decay == np.exp(-net.dt / net.tau_m)
    assert pc.plastic and pc.plastic_EE and not pc.plastic_EI and pc.A_LTP == 2e-4
    assert pc.a_x == np.exp(-net.dt / pl.tau_x) and pc.epoch == epoch_steps(500)
    assert (pc.w_max, pc.w_min_inh, pc.vbar_window) == (pl.w_max, pl.w_min_inh,
                                                         pl.vbar_window)
    off = p.replace(**{"plasticity.plastic_EE": False, "plasticity.plastic_IE": False})
    assert not constants(off, True, 400, 500)[1].plastic      # nothing plastic
    assert not constants(p, False, 400, 500)[1].plastic       # a static run
    with pytest.raises(ValueError, match="theta"):
        K.constants_record(K.NEURON_CONSTANTS, decay=0.9, dt=0.1, n_exc=4)


def test_run_kernel_reads_the_bundles_by_name():
    """The static run is the plastic kernel with ``plastic=False`` in its bundle, and the
    same bundles give simulate()'s spikes and weights."""
    from sensorynet import _kernels as K
    from sensorynet._simulation import _compensated, constants
    p = sn.ModelParams().replace(**{"network.N": 60})
    net = sn.build_network(p.network, 0)
    inp = sn.stimulus_input([0.3, 1.2], 100, net.po, net.n_exc, 1)
    S = sn.SparseWeights.from_dense(net.W)
    mu, expm = inp.kernel_tables()
    drive = K.Drive(np.zeros((0, 60), np.uint8), mu, expm, int(inp.segment_steps),
                    np.uint64(inp.key))
    nc, pc = constants(p, True, net.n_exc, 60)
    for plastic in (True, False):
        pc = pc.copy()
        pc.plastic = plastic
        data = S.data.copy()
        sp_n, sp_k, v_last, _, _ = K.run_kernel(
            K.KERNELS[(False, _compensated(60))], _compensated(60),
            K.csr_bundle(S.indptr, S.indices, data, net.n_exc), drive, nc,
            pc, inp.n_steps, np.zeros(60), np.zeros(0, np.int64), 1)
        ref = sn.simulate(net.W, inp, plastic=plastic, params=p)
        assert np.array_equal(sp_n, ref.spike_neurons) and np.array_equal(sp_k, ref.spike_steps)
        assert np.array_equal(v_last, ref.v_last)
        assert np.array_equal(S.with_data(data).to_dense(), ref.W)
        assert plastic == (not np.array_equal(data, S.data))
