"""Runs that cannot fit are refused before anything is allocated, with the estimate."""
import tracemalloc

import pytest

import sensorynet as sn
from sensorynet._memory import (
    RunTooLarge,
    check_fits,
    estimate_run_bytes,
    expected_synapses,
    format_bytes,
)
from sensorynet.cli import main
from sensorynet.experiments import check_published_fits


def _p(N):
    return sn.ModelParams().replace(network=sn.NetworkParams().scaled(N))


def test_estimate_grows_with_what_is_kept():
    p = sn.ModelParams()
    base = estimate_run_bytes(p, n_blocks=40)
    assert estimate_run_bytes(p, n_blocks=80) > base
    assert estimate_run_bytes(p, n_blocks=40, keep_snapshots=True) > base
    assert estimate_run_bytes(p, n_blocks=40, record_neurons=100) > base
    assert estimate_run_bytes(_p(20000), n_blocks=40) > base
    # sparse storage of a large network costs ~ synapses, not N²
    big = _p(100_000)
    assert estimate_run_bytes(big, sparse=True) < estimate_run_bytes(big, sparse=False) / 10
    assert expected_synapses(sn.NetworkParams()) == pytest.approx(
        0.2 * 400 * 400 + 1.0 * 400 * 100 + 1.0 * 100 * 400 + 1.0 * 100 * 100, rel=0.3)


def test_estimate_bounds_a_real_run():
    p = sn.ModelParams()
    sn.run_published(p, seed=1, n_blocks=1, progress=False)   # compile outside the trace
    tracemalloc.start()
    sn.run_published(p, seed=1, n_blocks=2, progress=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= estimate_run_bytes(p, n_blocks=2, keep_snapshots=True,
                                      extra_steps=2 * p.protocol.test_ms)


def test_check_fits_message_names_the_estimate():
    with pytest.raises(RunTooLarge, match=r"needs an estimated 5 GB .* only 1 GB"):
        check_fits(5e9, "this run", available=1e9)
    assert check_fits(1e6, "small", available=1e9) == 10**6
    assert issubclass(RunTooLarge, ValueError)
    assert format_bytes(1.5e12) == "1.5 TB"


@pytest.mark.parametrize("N, blocks", [(50_000_000, None), (500, 10**6)])
def test_published_protocol_refused_before_building(N, blocks):
    with pytest.raises(RunTooLarge, match="published protocol"):
        sn.run_published(_p(N), n_blocks=blocks, progress=False)
    with pytest.raises(RunTooLarge):
        check_published_fits(_p(N), blocks)


def test_cli_refuses_in_one_line(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["reproduce", "--neurons", "50000000", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "needs an estimated" in err and "TB" in err
    assert not out.exists()


def test_recording_that_cannot_fit_is_refused_before_the_kernel_runs():
    p = sn.ModelParams()
    net = sn.build_network(p.network, seed=0)
    inputs = sn.untuned_input(p.network.N, 10**9, 1000.0, seed=1)      # 10⁹ steps
    with pytest.raises(RunTooLarge, match=r"recording 500 neurons for 1000000000 steps"):
        sn.simulate(net.W, inputs, plastic=False, params=p, record=range(500))


def test_static_runs_record_no_plasticity_traces():
    p = sn.ModelParams()
    net = sn.build_network(p.network, seed=0)
    inputs = sn.untuned_input(p.network.N, 50, 1000.0, seed=1)
    static = sn.simulate(net.W, inputs, plastic=False, params=p, record=[0, 7])
    plastic = sn.simulate(net.W, inputs, plastic=True, params=p, record=[0, 7])
    assert set(static.recorded) == {"neurons", "v"}
    assert {"u_minus", "u_plus", "xbar", "vbar"} <= set(plastic.recorded)
    assert plastic.recorded["xbar"].shape == (50, 2)


def test_block_spike_counts_give_the_spike_train_rates():
    """Runs that keep only spike counts per block (the ablations) report the same block
    rates, bit for bit, and hold no spike lists."""
    import numpy as np

    from sensorynet._results import SpikeCounts, SpikeTrain
    from sensorynet.experiments._blocks import run_blocks
    p = sn.ModelParams()
    net = sn.build_network(p.network, 0)
    out = {keep: run_blocks(net.W, net.po, p, 0, 2, 2, progress=False, keep_snapshots=False,
                            keep_spikes=keep)[3] for keep in (True, False)}
    for k, train in out[True].items():
        counts = out[False][k]
        assert isinstance(train, SpikeTrain) and isinstance(counts, SpikeCounts)
        assert not hasattr(counts, "neurons") and counts.counts.shape == (net.N,)
        np.testing.assert_array_equal(counts.rates(), train.rates())
        assert counts.population_rates() == train.population_rates()


def test_a_runaway_network_is_stopped_before_memory_runs_out(monkeypatch):
    """Without inhibition the network fires near 1 kHz from the first block: far above
    the 100 Hz the pre-check assumes. With 1.5 GB available the pre-check accepts 600
    blocks (about 1 GB estimated), but keeping their spikes would take about 5 GB: the
    run stops after the first block, naming it, the rate and the memory."""
    import sensorynet._memory as memory
    monkeypatch.setattr(memory, "available_bytes", lambda: 1.5e9)
    p = sn.ModelParams().replace(**{"network.g": 0.0})
    with pytest.raises(memory.RunTooLarge) as info:
        sn.run_published(p, n_blocks=600, progress=False)
    msg = str(info.value)
    assert "stopped after learning block 1 of 600" in msg
    rate = float(msg.split("the E rate reached ")[1].split(" Hz")[0])
    assert rate > 500
    assert "1.5 GB are available" in msg


def test_the_guard_lets_a_healthy_run_finish(monkeypatch):
    import sensorynet._memory as memory
    monkeypatch.setattr(memory, "available_bytes", lambda: 200e6)
    r = sn.run_published(seed=1, n_blocks=40, progress=False)
    assert r.n_blocks == 40


def test_available_memory_respects_ulimit(tmp_path):
    """``ulimit -v`` (a job's memory cap) bounds what the pre-check and the guard see."""
    import resource
    import subprocess
    import sys
    code = "from sensorynet._memory import available_bytes; print(available_bytes())"

    def capped():
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         preexec_fn=capped, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) < 3 * 2**30


@pytest.mark.slow
def test_reproduce_stops_a_runaway_under_a_memory_cap(tmp_path):
    """``--set network.g=0 --blocks 600`` under a 2.5 GB address-space cap: one line,
    exit 2, nothing written (it once ran for minutes and died with a numpy traceback)."""
    import resource
    import subprocess
    import sys

    def capped():
        resource.setrlimit(resource.RLIMIT_AS, (int(2.5 * 2**30),) * 2)
    p = subprocess.run([sys.executable, "-m", "sensorynet", "reproduce", "--out",
                        str(tmp_path / "o"), "--set", "network.g=0", "--blocks", "600",
                        "--no-progress"], capture_output=True, text=True,
                       preexec_fn=capped, timeout=600)
    assert p.returncode == 2, p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "stopped after learning block" in err[0]
    assert " Hz" in err[0] and "available" in err[0]
    assert not (tmp_path / "o").exists()
