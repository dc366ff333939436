"""The published experiment end to end: published ranges, determinism, block prefixes."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._store import load_result
from sensorynet.analysis._metrics import DPO_BINS_DEG, ee_specificity, published_metrics
from sensorynet.experiments import PROTOCOLS, RunContext

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def metrics(published):
    return published_metrics(published)


def test_metrics_schema(metrics):
    m = json.loads(json.dumps(metrics, allow_nan=False))   # plain, finite JSON
    assert m == metrics
    assert m["seed"] == 0 and m["blocks"] == 40 and m["N"] == 500
    for ph in ("before", "after"):
        assert set(m["rates"][ph]) == {"E", "I"}
    assert len(m["rates"]["learning_blocks_E"]) == 40
    assert len(m["rates"]["learning_blocks_I"]) == 40
    assert m["specificity_EE"]["bins_deg"] == [list(b) for b in DPO_BINS_DEG]
    assert len(m["specificity_EE"]["initial"]) == len(m["specificity_EE"]["final"]) == 3
    for pw in ("EI", "IE"):
        assert set(m["mean_weight_existing"][pw]) == {"initial", "final"}


def test_published_ranges(metrics):
    r, s = metrics["rates"], metrics["specificity_EE"]
    assert 7.5 <= r["before"]["E"] <= 8.8
    assert 3.2 <= r["after"]["E"] <= 4.6
    assert 5.0 <= r["before"]["I"] <= 5.8
    assert 5.5 <= r["after"]["I"] <= 6.6
    for v in s["initial"]:
        assert abs(v - 0.15) <= 0.02
    for v, c, tol in zip(s["final"], (0.42, 0.25, 0.105), (0.04, 0.03, 0.03), strict=True):
        assert abs(v - c) <= tol
    # docs/model.md §6: first → last learning block 7.8 → 3.5 Hz; E→I and I→E strengthen
    assert r["learning_blocks_E"][0] > 7.0 and r["learning_blocks_E"][-1] < 4.5
    mw = metrics["mean_weight_existing"]
    assert mw["EI"]["initial"] == 0.5 and 1.2 < mw["EI"]["final"] < 1.45
    assert mw["IE"]["initial"] == -4.0 and -4.35 < mw["IE"]["final"] < -4.1


def test_published_protocol_claims_and_fingerprint(published):
    """The published protocol's result: its four claims of the paper hold (one-sided
    tests) and the ΔPO-matched finding; its fingerprint has every published statistic,
    finite at the published point."""
    from sensorynet.analysis import Fingerprint
    from sensorynet.experiments._published import PublishedRun
    run = PublishedRun(published)
    claims = run.claims()
    assert [c["kind"] for c in claims] == ["claim"] * 4 + ["finding"]
    assert all(c["holds"] for c in claims), [c for c in claims if not c["holds"]]
    assert "claims_calibration" not in run.metrics()
    fp = run.fingerprint()
    assert list(fp) == list(Fingerprint.statistics("published"))
    assert all(np.isfinite(v) for v in fp.values())
    assert PROTOCOLS["published"].check is not None
    PROTOCOLS["published"].check()                       # the packaged ensemble is valid
    assert isinstance(RunContext(published.params, 0, 40), RunContext)
    from sensorynet.experiments import identity_check
    rec = identity_check(published)                      # the default seed: passes
    assert rec["kind"] == "identity" and rec["part"] == "published" and rec["holds"]
    assert rec["p"] == pytest.approx(
        identity_record_p(published), rel=1e-12)


def identity_record_p(published):
    from sensorynet._identity import packaged_ensemble
    from sensorynet.analysis import Fingerprint
    return packaged_ensemble().parts["published"].test(Fingerprint.published(published)).p


def test_claims_detect_failure(published):
    """No learning at all (W = W0, the same test spikes after as before): every claim
    of the published experiment fails."""
    from sensorynet._results import ExperimentResult
    from sensorynet.experiments._published import PublishedRun
    r = published
    still = ExperimentResult("published", r.params, r.seed, r.po, r.n_exc, r.W0, r.W0, None,
                             None, r.test_thetas, {"before": r.spikes["before"],
                                                   "after": r.spikes["before"]})
    claims = PublishedRun(still).claims()
    assert [c["holds"] for c in claims] == [False] * 5
    with pytest.raises(TypeError, match="result"):
        published_metrics({"W": 1})


def test_snapshots_end_at_W(published):
    assert published.W_blocks.shape == (40, 500, 500)
    assert np.array_equal(published.W_blocks[-1], published.W)
    assert not np.array_equal(published.W_blocks[0], published.W0)
    # the after test replays the before test's input on the learned weights
    assert np.array_equal(published.test_thetas, [np.pi / 2])


def test_first_blocks_equal_shorter_run(published):
    k = 3
    short = sn.run_published(seed=0, n_blocks=k, progress=False)
    assert np.array_equal(short.W0, published.W0)
    assert np.array_equal(short.W, published.W_blocks[k - 1])
    assert np.array_equal(short.W_blocks, published.W_blocks[:k])
    assert np.array_equal(short.block_thetas, published.block_thetas[:k])
    for name in ["before"] + [f"block_{b:03d}" for b in range(k)]:
        a, b = short.spikes[name], published.spikes[name]
        assert np.array_equal(a.neurons, b.neurons) and np.array_equal(a.steps, b.steps)
    # the after test differs only through the weights
    assert not np.array_equal(short.spikes["after"].neurons,
                              published.spikes["after"].neurons)


def test_fresh_process_is_identical(tmp_path):
    path = tmp_path / "sub.npz"
    code = ("import sys, sensorynet as sn\n"
            "from sensorynet._store import save_result\n"
            "save_result(sn.run_published(seed=11, n_blocks=2, progress=False), sys.argv[1])\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", code, str(path)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    other = load_result(path)
    here = sn.run_published(seed=11, n_blocks=2, progress=False)
    assert list(other.spikes) == list(here.spikes)
    for name in here.spikes:
        a, b = here.spikes[name], other.spikes[name]
        assert np.array_equal(a.neurons, b.neurons) and np.array_equal(a.steps, b.steps)
    assert np.array_equal(other.W0, here.W0)
    assert np.array_equal(other.W, here.W)
    assert np.array_equal(other.W_blocks, here.W_blocks)


def test_different_seeds_differ(published):
    other = sn.run_published(seed=1, n_blocks=1, progress=False)
    assert not np.array_equal(other.W0, published.W0)
    assert not np.array_equal(other.spikes["before"].neurons,
                              published.spikes["before"].neurons)
    assert not np.array_equal(other.block_thetas[0], published.block_thetas[0])
    # but the same protocol statistics
    assert abs(ee_specificity(other, "initial").mean() - 0.15) < 0.01


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, ValueError, "seed"),
    ({"seed": True}, ValueError, "seed"),
    ({"n_blocks": -1}, ValueError, "n_blocks"),
    ({"n_blocks": 2.5}, ValueError, "n_blocks"),
    ({"params": "published"}, TypeError, "params"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        sn.run_published(progress=False, **kwargs)


def test_zero_blocks():
    r = sn.run_published(seed=0, n_blocks=0, progress=False)
    assert r.n_blocks == 0 and np.array_equal(r.W, r.W0)
    m = published_metrics(r)
    assert m["rates"]["learning_blocks_E"] == []
    assert m["rates"]["before"] == m["rates"]["after"]
    assert m["specificity_EE"]["initial"] == m["specificity_EE"]["final"]


def test_sparse_metrics_match_dense():
    import sensorynet.analysis._connectivity as connectivity
    params = sn.ModelParams(network=sn.NetworkParams().scaled(700))
    r = sn.run_published(params, seed=5, n_blocks=2, sparse=True, progress=False)
    assert r.is_sparse
    W0, W = r.W0.to_dense(), r.W.to_dense()
    for which, dense in (("initial", W0), ("final", W), (0, r.W0.with_data(r.W_blocks[0]))):
        dense = dense.to_dense() if isinstance(dense, sn.SparseWeights) else dense
        np.testing.assert_allclose(ee_specificity(r, which),
                                   connectivity.specificity(dense, r.po, r.n_exc, "EE"),
                                   rtol=1e-12, atol=0)
    m = published_metrics(r)
    ps = connectivity.pruning_stats(W, W0, r.n_exc)
    for pw in ("EE", "EI", "IE"):
        assert m["mean_weight_existing"][pw]["final"] == pytest.approx(
            ps[pw]["mean_existing"], rel=1e-12)
        assert m["pruned_fraction"][pw] == ps[pw]["pruned"]
    with pytest.raises(ValueError, match="which"):
        ee_specificity(r, 5)
    with pytest.raises(ValueError, match="which"):
        ee_specificity(r, "middle")


def test_run_blocks_rejects_unknown_sequence():
    from sensorynet.experiments._blocks import run_blocks
    net = sn.build_network(sn.NetworkParams(), 0)
    with pytest.raises(ValueError, match="sequence"):
        run_blocks(net.W, net.po, sn.ModelParams(), 0, 2, 1, sequence="unifrom",
                   progress=False)
    with pytest.raises(ValueError, match="n_blocks"):
        run_blocks(net.W, net.po, sn.ModelParams(), 0, 2, -1, progress=False)
