"""Named scaling rules (issue 12): NetworkParams.scaled(rule=...), fixed in-degree
construction, scaled_model, the --scaling option, sparse per-block snapshots."""
import json

import numpy as np
import pytest

import sensorynet as sn
from sensorynet import DEFAULT_SCALING, SCALING_RULES
from sensorynet._scaling import (
    calibrated_input_factor,
    in_degrees,
    load_balanced_calibration,
    scaled_model,
)


@pytest.mark.parametrize("rule", SCALING_RULES)
def test_reference_size_is_the_published_network(rule):
    p = sn.NetworkParams()
    assert p.scaled(500, rule=rule) == p
    assert scaled_model(None, 500, rule=rule) == sn.ModelParams()


def test_rules_hold_their_quantity_fixed():
    p = sn.NetworkParams()
    K_ref = in_degrees(p)
    for rule in ("expected_indegree", "fixed_indegree"):
        q = p.scaled(4000, rule=rule)
        np.testing.assert_allclose(in_degrees(q), K_ref)
        assert q.J == p.J and q.fixed_indegree == (rule == "fixed_indegree")
    q = p.scaled(4000, rule="fixed_probability")
    K = in_degrees(q)
    np.testing.assert_allclose(K * q.J, K_ref * p.J)          # mean recurrent input
    q = p.scaled(4000, rule="balanced")
    K = in_degrees(q)
    np.testing.assert_allclose(K * q.J ** 2, K_ref * p.J ** 2)  # input variance
    assert DEFAULT_SCALING in SCALING_RULES
    with pytest.raises(ValueError, match="unknown rule"):
        p.scaled(1000, rule="nope")


def test_scaled_model_adjusts_plasticity_and_input():
    m = scaled_model(None, 2000, rule="fixed_probability")
    assert m.network.J == pytest.approx(0.125)
    assert m.plasticity.w_max == pytest.approx(0.5)
    assert m.plasticity.A_LTP == pytest.approx(2e-5)
    assert m.input == sn.InputParams()
    m = scaled_model(None, 2000, rule="balanced_mean")
    r_E, r_I = sn._scaling.REFERENCE_RATES
    mu_ref = 120 * 0.5 * r_E - 100 * 4.0 * r_I
    mu = 480 * 0.25 * r_E - 400 * 2.0 * r_I
    assert m.input.b + mu == pytest.approx(2000 + mu_ref)   # same mean free potential
    assert m.input.spontaneous_rate / m.input.b == pytest.approx(0.5)
    c = scaled_model(None, 2000, rule="balanced")            # rate-calibrated input
    assert c.network == m.network and c.plasticity == m.plasticity
    cal = {p["N"]: p["b"] for p in load_balanced_calibration()["points"]}
    assert c.input.b == pytest.approx(cal[2000])
    assert c.input.spontaneous_rate / c.input.b == pytest.approx(0.5)


def test_balanced_calibration_file():
    cal = load_balanced_calibration()
    assert cal["reference_N"] == 500 and cal["reference_b"] == sn.InputParams().b
    assert "tools/calibrate_balanced.py" in cal["command"] and cal["seeds"] == [0, 1]
    pts = cal["points"]
    assert [p["N"] for p in pts] == [500, 1000, 2000, 5000, 10000]
    assert cal["target_rate_E"] == pytest.approx(sn._scaling.REFERENCE_RATES[0], abs=0.05)
    for p in pts:   # every size hits the target; b lies between b_ref and the mean formula
        assert abs(p["rate_E"] - cal["target_rate_E"]) <= cal["tolerance_Hz"] + 1e-9
        assert cal["reference_b"] <= p["b"] <= p["b_mean_potential"]
        assert p["rate_E"] == pytest.approx(np.mean([r[0] for r in p["per_seed"]]))
    assert np.all(np.diff([p["b"] for p in pts]) > 0)


def test_balanced_calibration_interpolation_and_errors(tmp_path):
    pts = {p["N"]: p["b"] for p in load_balanced_calibration()["points"]}
    assert calibrated_input_factor(1000) * 2000 == pytest.approx(pts[1000])
    b = calibrated_input_factor(1414) * 2000     # ≈ half-way in log N: ≈ the mean
    assert b == pytest.approx((pts[1000] + pts[2000]) / 2, rel=2e-3)
    for N in (400, 20_000):
        with pytest.raises(ValueError, match="tools/calibrate_balanced.py"):
            scaled_model(None, N, rule="balanced")
    assert scaled_model(None, 20_000, rule="balanced_mean").input.b > 2000
    bad = load_balanced_calibration()
    del bad["points"][1]["rate_E"]
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="lacks"):
        load_balanced_calibration(path)
    bad = load_balanced_calibration()
    bad["points"] = bad["points"][1:]
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="reference_N"):
        load_balanced_calibration(path)
    custom = load_balanced_calibration()     # an explicit calibration is honoured
    custom["points"][1]["b"] = 2500.0
    assert scaled_model(None, 1000, rule="balanced", calibration=custom).input.b == 2500.0
    del custom["points"][1]["rate_I"]            # a dict is validated like a file
    with pytest.raises(ValueError, match="lacks"):
        scaled_model(None, 1000, rule="balanced", calibration=custom)


def _before_rate_E(params, seeds=(0, 1)):
    """Mean E rate of the π/2 before test of the naive network (seeds of run_published)."""
    from sensorynet._stimulus import probe_sequence, stimulus_input
    from sensorynet.experiments._seeds import STREAM_NETWORK, STREAM_TEST, seed_sequence
    rates = []
    for seed in seeds:
        net = sn.build_network(params.network, seed_sequence(seed, STREAM_NETWORK),
                               sparse=True)
        pr = params.protocol
        inp = stimulus_input(probe_sequence(pr), pr.test_ms, net.po, net.n_exc,
                             seed_sequence(seed, STREAM_TEST), params.input,
                             params.network.dt)
        res = sn.simulate(net.W, inp, plastic=False, params=params)
        rates.append(sn.SpikeTrain.from_result(res).population_rates()["E"])
    return float(np.mean(rates))


def test_calibrated_balanced_keeps_the_published_rate():
    target = sn._scaling.REFERENCE_RATES[0]
    assert _before_rate_E(scaled_model(None, 1000, rule="balanced")) == \
        pytest.approx(target, abs=0.25)
    # the mean-potential input does not keep it: the rate rises with N
    assert _before_rate_E(scaled_model(None, 1000, rule="balanced_mean")) > target + 1.0


@pytest.mark.parametrize("N", [500, 1300])
def test_fixed_indegree_is_exact_and_reproducible(N):
    p = sn.NetworkParams().scaled(N, rule="fixed_indegree") if N != 500 else \
        sn.NetworkParams(fixed_indegree=True)
    d = sn.build_network(p, 4)
    s = sn.build_network(p, 4, sparse=True)
    assert np.array_equal(s.W.to_dense(), d.W)
    assert np.array_equal(sn.build_network(p, 4).W, d.W)
    assert not np.array_equal(sn.build_network(p, 5).W, d.W)
    W, NE = d.W, d.n_exc
    K = np.rint(in_degrees(p)).astype(int)
    assert set((W[:NE, :NE] > 0).sum(0)) == {K[0, 0]}
    assert set((W[:NE, NE:] > 0).sum(0)) == {K[0, 1]}
    assert set((W[NE:, :NE] < 0).sum(0)) == {K[1, 0]}
    assert set((W[NE:, NE:] < 0).sum(0)) == {K[1, 1]}
    assert np.all(W[:NE][W[:NE] != 0] == p.J)
    assert np.all(W[NE:][W[NE:] != 0] == -p.g * p.J)
    if N == 500:       # ε_IE = ε_II = 1: inhibition stays shared by everyone
        assert np.all(W[NE:] < 0)
    # s.W rows are sorted (CSR convention)
    for i in range(0, N, 97):
        row = s.W.indices[s.W.indptr[i]:s.W.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)


def test_fixed_indegree_partners_are_uniform():
    p = sn.NetworkParams().scaled(2000, rule="fixed_indegree")
    W = sn.build_network(p, 1, sparse=True).W
    out_E = np.diff(W.indptr)[:p.N_E]          # out-degree of E neurons
    # each E neuron is chosen by each post with prob K/N_E: binomial out-degrees
    expected = (p.N_E * 120 + p.N_I * 120) / p.N_E
    assert abs(out_E.mean() - expected) < 1e-9
    assert out_E.std() < 2 * np.sqrt(expected)


def test_published_network_unchanged_by_default():
    a = sn.build_network(sn.NetworkParams(), 0)
    b = sn.build_network(sn.NetworkParams().scaled(500), 0)
    assert np.array_equal(a.W, b.W)
    assert not sn.NetworkParams().fixed_indegree


def test_fixed_indegree_validation_and_dict_roundtrip():
    with pytest.raises(TypeError):
        sn.NetworkParams(fixed_indegree="yes")
    p = sn.ModelParams(network=sn.NetworkParams(fixed_indegree=True))
    assert sn.ModelParams.from_dict(p.to_dict()) == p
    d = sn.ModelParams().to_dict()
    assert "fixed_indegree" not in d["network"]     # same dicts (cache keys) as before
    assert sn.ModelParams.from_dict(d) == sn.ModelParams()


def test_cli_scaling_option():
    from sensorynet.cli import _params_for, build_parser
    args = build_parser().parse_args(["reproduce", "--neurons", "1000", "--scaling",
                                      "balanced"])
    assert args.scaling == "balanced"
    assert build_parser().parse_args(["reproduce"]).scaling == DEFAULT_SCALING
    assert _params_for(500, "balanced") == sn.ModelParams()
    assert _params_for(1000, "fixed_indegree").network.fixed_indegree
    assert _params_for(1000, "fixed_probability").network.J == pytest.approx(0.25)
    assert sn.cli.main(["reproduce", "--scaling", "nope"]) == 2


# ------------------------------------------------------------- snapshots at scale
@pytest.fixture(scope="module")
def short_run():
    return sn.run_published(seed=2, n_blocks=3, progress=False)


def test_snapshots_saved_sparse_and_loaded_lazily(short_run, tmp_path):
    import zipfile

    from sensorynet._results import CSRSnapshots
    from sensorynet._store import FORMAT_VERSION, load_result, save_result
    assert FORMAT_VERSION == 2
    path = save_result(short_run, tmp_path / "r.npz")
    assert isinstance(short_run._W_blocks, CSRSnapshots)      # saving did not densify
    with zipfile.ZipFile(path) as z:
        sizes = {i.filename: i.file_size for i in z.infolist()}
    nnz = short_run._W_blocks.structure.nnz
    assert sizes["W_blocks.npy"] < 3 * nnz * 8 + 1000          # CSR data, not 3×N×N
    back = load_result(path)
    assert isinstance(back._W_blocks, CSRSnapshots)
    assert back.n_snapshots == 3
    np.testing.assert_array_equal(back.block_weights(1).to_dense(),
                                  short_run.weights_after_block(1))
    np.testing.assert_array_equal(back.W_blocks, short_run.W_blocks)   # dense on access


def test_version_1_dense_snapshots_still_load(short_run, tmp_path):
    import json
    import zipfile

    from sensorynet._store import load_result, save_result
    path = save_result(short_run, tmp_path / "r.npz")
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.lib.format.read_array(z.open(n)) for n in z.namelist()}
    meta = json.loads(arrays["__sensorynet_meta__"].tobytes().decode())
    meta["format_version"] = 1
    arrays = {k: v for k, v in arrays.items() if not k.startswith("W_blocks")}
    arrays["W_blocks"] = short_run.W_blocks
    arrays["__sensorynet_meta__"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    old = tmp_path / "v1.npz"
    with open(old, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    back = load_result(old)
    np.testing.assert_array_equal(back.W_blocks, short_run.W_blocks)
    # a dense stack (e.g. from a v1 file) is saved as CSR data again
    again = load_result(save_result(back, tmp_path / "again.npz"))
    np.testing.assert_array_equal(again.W_blocks, short_run.W_blocks)


def test_sparse_result_snapshots_roundtrip(tmp_path):
    from sensorynet._store import load_result, save_result
    p = scaled_model(None, 800, rule="fixed_indegree")
    r = sn.run_published(p, seed=1, n_blocks=2, sparse=True, progress=False,
                         keep_snapshots=True)
    back = load_result(save_result(r, tmp_path / "s.npz"))
    assert back.W_blocks.shape == (2, r.W0.nnz)
    np.testing.assert_array_equal(back.W_blocks, r.W_blocks)
    assert back.params.network.fixed_indegree


def test_learning_curve_samples_blocks_from_snapshots(short_run):
    from sensorynet.analysis._metrics import ee_specificity
    from sensorynet.plotting._published import _block_specificity, plot_learning_curve
    for b in range(3):
        np.testing.assert_allclose(_block_specificity(short_run, b),
                                   ee_specificity(short_run, b), rtol=1e-12)
    fig = plot_learning_curve(short_run)
    assert len(fig.axes[1].lines[0].get_xdata()) == 4           # W0 + 3 blocks
    fig = plot_learning_curve(short_run, max_blocks=2)
    assert len(fig.axes[1].lines[0].get_xdata()) == 3


def test_existing_specificity_metric(short_run):
    from sensorynet.analysis import specificity
    from sensorynet.sweep._metrics import METRICS, RunContext
    s = specificity(short_run.W, short_run.po, short_run.n_exc, existing_only=True,
                    W0=short_run.W0)
    ctx = RunContext(short_run, 2)
    assert METRICS["spec_EE_existing_0_30"].func(short_run, ctx) == pytest.approx(s[0])
    assert METRICS["contrast_EE_existing"].func(short_run, ctx) == pytest.approx(s[0] - s[2])
    sp = specificity(sn.SparseWeights.from_dense(short_run.W0), short_run.po,
                     short_run.n_exc, existing_only=True)
    np.testing.assert_allclose(sp, 0.5)      # every existing synapse starts at J


def test_scale_panel_from_precomputed_results():
    from sensorynet import widgets
    from sensorynet.widgets._scale import STUDY_PATH
    if not STUDY_PATH.exists():
        pytest.skip("scale study results not present")
    p = widgets.scale_panel()
    n = p.n_renders
    sizes = list(p.controls["N"].options)
    p.controls["N"].value = sizes[0]
    assert p.n_renders == n + 1 and p.state["N"] == sizes[0]
    assert p.state["contrast40_rel"] == pytest.approx(1.0, abs=0.2) or sizes[0] != 500
    p.controls["rule"].value = [r for r in p.controls["rule"].options
                                if r != p.state["rule"]][0]
    assert p.state["rule"] == p.controls["rule"].value


def test_reference_size_must_be_a_network():
    """``reference_N=0`` once scaled every ε to 0: a network without synapses."""
    for bad in (0, 1, -5, 2.5, True):
        with pytest.raises((ValueError, TypeError), match="reference_N"):
            sn.NetworkParams().scaled(600, reference_N=bad)


@pytest.mark.parametrize("field, value, words", [
    ("N", 0, ["N=0"]), ("N", 1.5, ["N=1.5"]), ("b", -3.0, ["b, rate_E"]),
    ("rate_E", float("nan"), ["finite"])])
def test_a_damaged_balanced_calibration_is_refused(field, value, words):
    from sensorynet._scaling import load_balanced_calibration
    cal = load_balanced_calibration()
    cal["points"][0][field] = value
    with pytest.raises(ValueError) as info:
        load_balanced_calibration(cal)
    assert all(w in str(info.value) for w in words), str(info.value)
