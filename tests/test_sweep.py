"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""
import json
import math
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
distributed = pytest.importorskip("distributed")

import sensorynet.sweep._runner as sw  # noqa: E402
import sensorynet.sweep._worker as sweep_worker  # noqa: E402
from sensorynet import ModelParams, run_published  # noqa: E402
from sensorynet.analysis._reciprocity import bidirectional_surplus
from sensorynet.analysis._connectivity import pruning_stats, specificity
from sensorynet.sweep._metrics import METRICS, register_metric
from sensorynet.sweep._spec import SweepSpec
from sensorynet.sweep._store import SweepStore, load_sweep
from sensorynet.analysis._sweep_tables import summarize
from sensorynet.sweep import main as cli_main, run_sweep
from sensorynet.plotting._sweep import plot_sweep_heatmap, plot_sweep_line
from sensorynet.sweep._metrics import _REGISTRY  # noqa: E402
from sensorynet.sweep._spec import run_seeds  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sweep_example.toml"
CHEAP = ["rate_E_before", "rate_E_after", "rate_I_after", "spec_EE_0_30", "spec_EE_60_90",
         "bidirectional_surplus", "pruned_EE", "mean_IE"]


def _same(a, b):
    """Equal metric dicts, NaN == NaN."""
    assert a.keys() == b.keys()
    np.testing.assert_equal([a[k] for k in a], [b[k] for k in a])


def _values(df, spec):
    """The columns that must not depend on the engine: parameters, seeds, metrics."""
    return df[[*spec.param_names, "seed_index", "seed", *spec.metrics]]\
        .reset_index(drop=True)


@pytest.fixture(scope="module")
def client(process_client):
    """The shared LocalCluster of 2 worker processes (conftest.process_client)."""
    return process_client


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail loudly if run_sweep tries to start or connect to a cluster."""
    def forbidden(*args, **kwargs):
        raise AssertionError("run_sweep started a cluster but had nothing to compute")
    monkeypatch.setattr(sw, "_client_context", forbidden)


@pytest.fixture
def boom_metric():
    """A metric that raises for g == 8 (shipped to the workers by value)."""
    def boom(result, ctx):
        if result.params.network.g == 8.0:
            raise RuntimeError("boom at g=8")
        return 1.0
    register_metric("boom_test", boom, overwrite=True)
    yield "boom_test"
    _REGISTRY.pop("boom_test", None)


# ------------------------------------------------------------------------- specs
def test_runs_are_points_times_grid_times_seeds():
    spec = SweepSpec(grid={"network.g": [6, 8], "A_LTP": [6e-5, 1e-4]},
                     points=[{"input.m_E": 0.1}, {}], seeds=3, n_blocks=2,
                     metrics=["rate_E_after"])
    assert spec.n_runs == 2 * 4 * 3
    assert spec.param_names == ("input.m_E", "network.g", "plasticity.A_LTP")
    first, last = spec.runs[0], spec.runs[-1]
    assert first.values == {"input.m_E": 0.1, "network.g": 6.0, "plasticity.A_LTP": 6e-5}
    # a point that does not set a swept name takes the base value
    assert last.values == {"input.m_E": 0.2, "network.g": 8.0, "plasticity.A_LTP": 1e-4}
    assert last.params.network.g == 8.0 and last.params.protocol.n_blocks == 2
    assert [r.seed_index for r in spec.runs[:3]] == [0, 1, 2]
    assert len({r.run_id for r in spec.runs}) == spec.n_runs
    assert all(isinstance(v, float) for r in spec.runs for v in r.values.values())


def test_seeds_derive_from_root_seed_and_are_common_across_points():
    spec = SweepSpec(grid={"network.g": [6.0, 8.0]}, seeds=4, root_seed=7,
                     metrics=["rate_E_after"])
    expected = [int(c.generate_state(1)[0])
                for c in np.random.SeedSequence(7).spawn(4)]
    assert spec.seed_values == expected == run_seeds(7, 4)
    by_point = {}
    for r in spec.runs:
        by_point.setdefault(r.values["network.g"], []).append(r.seed)
    assert by_point[6.0] == by_point[8.0] == expected
    assert run_seeds(7, 2) == expected[:2]          # independent of the count
    assert run_seeds(8, 4) != expected


def test_run_ids_are_content_hashes():
    a = SweepSpec(grid={"network.g": [6, 8]}, n_blocks=3, metrics=["rate_E_after",
                                                                   "pruned_EE"])
    b = SweepSpec(grid={"g": [6.0, 8.0]}, n_blocks=3, metrics=["pruned_EE",
                                                               "rate_E_after"])
    assert [r.run_id for r in a.runs] == [r.run_id for r in b.runs]
    c = SweepSpec(grid={"network.g": [6, 8]}, n_blocks=4,
                  metrics=["rate_E_after", "pruned_EE"])
    d = SweepSpec(grid={"network.g": [6, 8]}, n_blocks=3, metrics=["rate_E_after"])
    e = SweepSpec(grid={"network.g": [6, 8]}, n_blocks=3, root_seed=1,
                  metrics=["rate_E_after", "pruned_EE"])
    ids = {r.run_id for r in a.runs}
    for other in (c, d, e):
        assert ids.isdisjoint(r.run_id for r in other.runs)
    # tuning_duration_ms only matters (and only enters the id) with OSI metrics
    f = SweepSpec(grid={"network.g": [6, 8]}, n_blocks=3, tuning_duration_ms=500,
                  metrics=["rate_E_after", "pruned_EE"])
    assert [r.run_id for r in f.runs] == [r.run_id for r in a.runs]
    o1, o2 = (SweepSpec(points=[{}], metrics=["osi_E_after"], tuning_duration_ms=t)
              for t in (None, 500))
    assert o1.runs[0].run_id != o2.runs[0].run_id
    # the same point reached through points or grid is the same run
    p = SweepSpec(points=[{"network.g": 8.0}], n_blocks=3,
                  metrics=["rate_E_after", "pruned_EE"])
    assert p.runs[0].run_id == a.runs[1].run_id


def test_run_ids_change_with_the_code(tmp_path, monkeypatch, no_cluster):
    """A finished store is not reused by different code: the id hashes version + source."""
    import sensorynet
    import sensorynet._version
    import sensorynet.sweep._points as ss
    from sensorynet._cache import source_fingerprint
    assert ss.code_identity() == {"version": sensorynet.__version__,
                                  "source": source_fingerprint()}
    kw = {"grid": {"network.g": [7.0, 8.0]}, "n_blocks": 1, "metrics": ["rate_E_after"]}
    spec = SweepSpec(**kw)
    assert [r.run_id for r in SweepSpec(**kw).runs] == [r.run_id for r in spec.runs]
    # a finished sweep in the store: the same code returns it without computing
    store = SweepStore(tmp_path)
    for r in spec.runs:
        store.append({"run_id": r.run_id, "metrics": {"rate_E_after": 1.0}, "error": None})
    store.write_spec(spec.to_dict())
    assert run_sweep(spec, tmp_path, progress=False)["from_store"].all()
    # edited source: new ids, so none of the stored records is handed back
    monkeypatch.setattr(ss, "source_fingerprint", lambda: "0" * 64)
    edited = SweepSpec(**kw)
    assert {r.run_id for r in edited.runs}.isdisjoint(r.run_id for r in spec.runs)
    with pytest.raises(AssertionError, match="nothing to compute"):
        run_sweep(edited, tmp_path, progress=False)           # it would recompute all
    with pytest.warns(RuntimeWarning, match="different sensorynet version or source"):
        assert load_sweep(tmp_path).empty
    # so does a new version number with the same source
    monkeypatch.setattr(ss, "source_fingerprint", source_fingerprint)
    monkeypatch.setattr(sensorynet._version, "__version__", "999.0")
    assert {r.run_id for r in SweepSpec(**kw).runs}.isdisjoint(r.run_id for r in spec.runs)


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"grid": {"network.gg": [1.0]}}, ValueError, ["network.gg", "did you mean", "network.g"]),
    ({"grid": {"tau": [1.0]}}, ValueError, ["unknown parameter name 'tau'"]),
    ({"grid": {"theta_": [1.0]}}, ValueError, ["theta_"]),
    ({"grid": {"network.g": []}}, ValueError, ["grid['network.g'] is empty"]),
    ({}, ValueError, ["nothing to sweep"]),
    ({"grid": {}, "points": []}, ValueError, ["nothing to sweep"]),
    ({"grid": {"network.g": [8.0, -1.0]}}, ValueError,
     ["invalid sweep point", "'network.g': -1.0", "NetworkParams.g"]),
    ({"points": [{"input.m_E": 1.5}]}, ValueError, ["points[0]", "InputParams.m_E"]),
    ({"grid": {"network.N": [10.5]}}, TypeError, ["network.N must be an integer"]),
    ({"grid": {"plasticity.plastic_EE": [1, 0]}}, TypeError, ["true or false"]),
    ({"grid": {"network.g": "68"}}, TypeError, ["list of values"]),
    ({"grid": {"network.g": [8, 8.0]}}, ValueError, ["duplicate values"]),
    ({"points": [{"g": 6.0}, {"network.g": 6}]}, ValueError, ["duplicate sweep point"]),
    ({"grid": {"g": [6.0]}, "points": [{"g": 7.0}]}, ValueError, ["also in the grid"]),
    ({"points": [{}], "metrics": ["rate_E"]}, ValueError, ["unknown metric 'rate_E'",
                                                           "rate_E_after"]),
    ({"points": [{}], "metrics": []}, ValueError, ["metrics is empty"]),
    ({"points": [{}], "seeds": 0}, ValueError, ["seeds must be >= 1"]),
    ({"points": [{}], "root_seed": -1}, ValueError, ["root_seed"]),
    ({"points": [{}], "seeds": 2.5}, TypeError, ["seeds must be an integer"]),
    ({"grid": {"protocol.n_blocks": [1, 2]}, "n_blocks": 3}, ValueError,
     ["give only one of them"]),
    ({"points": [{}], "tuning_duration_ms": 0}, ValueError, ["tuning_duration_ms"]),
    ({"points": [{"network.dt": 0.3}], "metrics": ["osi_E_after"],
      "tuning_duration_ms": 100}, ValueError, ["tuning_duration_ms=100", "network.dt"]),
    ({"base": {"network.q": 1}, "points": [{}]}, ValueError, ["network.q"]),
    ({"base": 3, "points": [{}]}, TypeError, ["base must be"]),
    # valid ModelParams, but g*J = 5.5 mV exceeds |w_min_inh| = 5 mV for plastic blocks
    ({"grid": {"network.g": [8.0, 11.0]}}, ValueError,
     ["'network.g': 11.0", "plasticity bounds", "w_min_inh"]),
])
def test_bad_specs_fail_with_a_clear_message(kwargs, exc, words):
    with pytest.raises(exc) as info:
        SweepSpec(**kwargs)
    for w in words:
        assert w in str(info.value)


def test_bad_spec_fails_before_any_work(tmp_path, no_cluster):
    out = tmp_path / "never"
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="NetworkParams.g"):
        run_sweep({"grid": {"network.g": [8.0, -2.0]}}, out)
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"network.gee" = [1.0]\n')
    with pytest.raises(ValueError, match="bad.toml.*network.gee"):
        run_sweep(bad, out)
    assert time.perf_counter() - t0 < 5
    assert not out.exists()


def test_toml_layouts(tmp_path):
    spec = SweepSpec.from_toml(EXAMPLE)
    assert spec.n_runs == 27 and spec.seeds == 3 and spec.n_blocks == 40
    assert spec.param_names == ("network.g", "plasticity.A_LTP")
    assert SweepSpec.from_dict(spec.to_dict()) == spec
    assert json.loads(json.dumps(spec.to_dict())) == spec.to_dict()
    # TOML dotted keys and nested tables mean the same as quoted dotted names
    f = tmp_path / "s.toml"
    f.write_text('[sweep]\nseeds = 2\nmetrics = ["rate_E_after"]\n'
                 '[base.network]\nN = 200\n'
                 '[grid]\nnetwork.g = [6, 8]\n'
                 '[grid.plasticity]\nA_LTP = [1e-4]\n'
                 '[[points]]\ninput.m_E = 0.1\n')
    s = SweepSpec.from_toml(f)
    assert s.base.network.N == 200
    assert s.grid == {"network.g": (6.0, 8.0), "plasticity.A_LTP": (1e-4,)}
    assert s.points == ({"input.m_E": 0.1},)
    for text, words in [('[sweeps]\nseeds = 1\n', ["unknown section", "sweeps"]),
                        ('[sweep]\nseed = 1\n[grid]\ng = [1.0]\n', ["[sweep]", "seed"]),
                        ('[grid\n', ["invalid TOML"])]:
        f.write_text(text)
        with pytest.raises(ValueError) as info:
            SweepSpec.from_toml(f)
        assert str(f) in str(info.value)
        for w in words:
            assert w in str(info.value)


def test_cli_dry_run_and_errors(tmp_path, capsys):
    assert cli_main([str(EXAMPLE), "--out", str(tmp_path / "x"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "27 runs" in out and "network.g" in out
    assert not (tmp_path / "x").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text('[grid]\n"network.g" = []\n')
    assert cli_main([str(bad), "--out", str(tmp_path / "y")]) == 2
    assert "grid['network.g'] is empty" in capsys.readouterr().err
    assert cli_main([str(EXAMPLE)]) == 2                     # --out is required
    assert "--out" in capsys.readouterr().err
    assert cli_main(["--help"]) == 0
    assert "--scheduler" in capsys.readouterr().out


# ----------------------------------------------------------------------- metrics
def test_metrics_match_the_analysis_functions():
    p = ModelParams()
    funcs = {m: METRICS[m].func for m in CHEAP + ["rate_E_first_block", "mean_EI"]}
    out = sw.execute_run(p, 123, 2, funcs, None)
    assert out["error"] is None
    res = run_published(p, 123, n_blocks=2, progress=False)
    m = out["metrics"]
    assert m["rate_E_before"] == res.spikes["before"].population_rates()["E"]
    assert m["rate_E_after"] == res.spikes["after"].population_rates()["E"]
    assert m["rate_I_after"] == res.spikes["after"].population_rates()["I"]
    assert m["rate_E_first_block"] == res.learning_rates("E")[0]
    s = specificity(res.W, res.po, res.n_exc, "EE")
    assert m["spec_EE_0_30"] == s[0] and m["spec_EE_60_90"] == s[2]
    assert m["bidirectional_surplus"] == pytest.approx(
        bidirectional_surplus(res.W, res.n_exc), nan_ok=True)
    ps = pruning_stats(res.W, res.W0, res.n_exc)
    assert m["pruned_EE"] == ps["EE"]["pruned"]
    assert m["mean_IE"] == ps["IE"]["mean_existing"]
    assert m["mean_EI"] == ps["EI"]["mean_existing"]


def test_run_and_metric_failures_are_recorded(boom_metric):
    p = ModelParams()
    funcs = {"rate_E_after": METRICS["rate_E_after"].func,
             "boom_test": METRICS[boom_metric].func}
    # the simulation itself raises (invalid seed): every metric NaN, error recorded
    out = sw.execute_run(p, -1, 1, funcs, None)
    assert "ValueError" in out["error"] and "seed" in out["error"]
    assert all(math.isnan(v) for v in out["metrics"].values())
    assert "Traceback" in out["traceback"]
    # one metric raises: only that one is NaN and named in the error
    out = sw.execute_run(p, 1, 1, funcs, None)
    assert out["error"] == "boom_test: RuntimeError: boom at g=8"
    assert math.isnan(out["metrics"]["boom_test"])
    assert out["metrics"]["rate_E_after"] > 0


def test_osi_uses_tuning_defaults_unless_overridden(monkeypatch):
    import sensorynet.experiments as tuning
    from sensorynet.sweep._metrics import RunContext
    p = ModelParams()
    res = run_published(p, 5, n_blocks=1, progress=False)
    calls = []
    real = tuning.run_tuning

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **{**kwargs, "duration_ms": kwargs.get("duration_ms", 100)})
    monkeypatch.setattr(tuning, "run_tuning", spy)
    ctx = RunContext(res, 5)
    METRICS["osi_E_after"].func(res, ctx)
    METRICS["osi_E_after"].func(res, ctx)          # memoised: one tuning run
    assert calls == [{}]
    ctx = RunContext(res, 5, tuning_duration_ms=200)
    v = METRICS["osi_E_before"].func(res, ctx)
    assert calls[-1] == {"duration_ms": 200}
    monkeypatch.setattr(tuning, "run_tuning", real)
    t = real(res.W0, res.po, p, 5, duration_ms=200)
    assert v == t.population_mean(t.osi)["E"]


# ------------------------------------------------------------------------- store
def test_store_is_strict_json_lines_and_survives_a_torn_line(tmp_path):
    store = SweepStore(tmp_path / "s")
    store.append({"run_id": "a", "metrics": {"x": float("nan"), "y": float("inf"),
                                             "z": 1.5}, "error": None})
    line = store.runs_path.read_text().strip()
    assert json.loads(line)["metrics"] == {"x": None, "y": "inf", "z": 1.5}
    with open(store.runs_path, "a") as fh:
        fh.write('{"run_id": "b", "metr')                 # killed mid-write
    store.append({"run_id": "c", "metrics": {"z": 2.0}, "error": None})
    with pytest.warns(RuntimeWarning, match="unreadable"):
        recs = store.load()
    assert sorted(recs) == ["a", "c"]
    assert math.isnan(recs["a"]["metrics"]["x"]) and recs["a"]["metrics"]["y"] == math.inf
    with pytest.raises(ValueError, match="not a directory"):
        SweepStore(store.runs_path)


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


def test_summarize_mean_sem_across_seeds():
    df = _toy_frame()
    df.loc[5, "rate_E_after"] = np.nan
    df.loc[5, "error"] = "x"
    s = summarize(df)
    assert list(s.columns) == ["network.g", "plasticity.A_LTP", "rate_E_after_mean",
                               "rate_E_after_sem", "rate_E_after_n", "n_runs", "n_errors"]
    r = s.iloc[0]          # g=6, A=1e-4: values 7, 8, 9
    assert r["rate_E_after_mean"] == pytest.approx(8.0)
    assert r["rate_E_after_sem"] == pytest.approx(1 / np.sqrt(3))
    r = s.iloc[1]          # g=6, A=2e-4: values 8, 9, NaN
    assert (r["rate_E_after_n"], r["n_runs"], r["n_errors"]) == (2, 3, 1)
    assert r["rate_E_after_mean"] == pytest.approx(8.5)
    one = summarize(df, by="network.g", metrics="rate_E_after")
    assert len(one) == 2 and one["rate_E_after_n"].tolist() == [5, 6]
    with pytest.raises(ValueError, match="nope"):
        summarize(df, by=["nope"])
    single = summarize(df.iloc[[0]])         # one run: a mean but no standard error
    assert single["rate_E_after_n"].tolist() == [1] and single["rate_E_after_sem"].isna().all()


def test_tick_labels_share_one_exponent():
    from sensorynet.plotting._sweep import PARAM_UNITS
    from sensorynet.plotting._sweep import _axis_exponent, _param_label, _tick
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


# ---------------------------------------------------------- on a real LocalCluster
def test_same_dataframe_with_1_or_2_workers(tmp_path, client):
    spec = SweepSpec(grid={"network.g": [7.0, 8.0], "input.m_E": [0.2, 0.3]}, seeds=2,
                     n_blocks=2, metrics=CHEAP + ["osi_E_after"],
                     tuning_duration_ms=200)
    one = run_sweep(spec, tmp_path / "one", n_workers=1, progress=False,
                    cluster_kwargs={"dashboard_address": ":0"})
    two = run_sweep(spec, tmp_path / "two", client=client, progress=False)
    assert len(one) == len(two) == spec.n_runs == 8
    assert one["error"].isna().all() and two["error"].isna().all()
    assert not one["from_store"].any() and not two["from_store"].any()
    pd.testing.assert_frame_equal(_values(one, spec), _values(two, spec), check_exact=True)
    assert two["worker"].nunique() == 2 and one["worker"].nunique() == 1
    # identical to running the same run in this process
    r = spec.runs[5]
    local = sw.execute_run(r.params, r.seed, r.n_blocks,
                            {m: METRICS[m].func for m in spec.metrics}, 200)
    _same(two.loc[5, list(spec.metrics)].to_dict(), local["metrics"])
    # every worker warmed up once (plugin), single-threaded numba
    info = client.run(lambda: (sweep_worker._WARM is not None, os.environ.get("NUMBA_NUM_THREADS"),
                               __import__("numba").get_num_threads()))
    assert set(info.values()) == {(True, "1", 1)}
    # the store holds exactly these runs, as strict JSON
    recs = SweepStore(tmp_path / "two").load()
    assert set(recs) == set(two["run_id"])
    pd.testing.assert_frame_equal(_values(load_sweep(tmp_path / "two"), spec),
                                  _values(two, spec))


def test_failing_run_is_recorded_and_the_rest_complete(tmp_path, client, boom_metric):
    spec = SweepSpec(grid={"network.g": [7.0, 8.0, 9.0]}, seeds=2, n_blocks=1,
                     metrics=["rate_E_after", boom_metric])
    df = run_sweep(spec, tmp_path, client=client, progress=False)
    bad = df["network.g"] == 8.0
    assert df.loc[bad, "error"].str.contains("boom_test: RuntimeError: boom at g=8").all()
    assert df.loc[bad, "boom_test"].isna().all()
    assert (df.loc[bad, "rate_E_after"] > 0).all()
    assert df.loc[~bad, "error"].isna().all() and (df.loc[~bad, "boom_test"] == 1).all()
    recs = SweepStore(tmp_path).load()
    assert len(recs) == 6 and sum(r["error"] is not None for r in recs.values()) == 2
    assert "Traceback" in next(r["traceback"] for r in recs.values() if r["error"])
    # errors are results: a re-run does not redo them ...
    rerun = run_sweep(spec, tmp_path, client=client, progress=False)
    assert rerun["from_store"].all()
    # ... unless asked to
    again = run_sweep(spec, tmp_path, client=client, progress=False, retry_errors=True)
    assert (again["from_store"] == ~bad).all()


def test_resume_recomputes_only_missing_runs(tmp_path, client, monkeypatch):
    spec = SweepSpec(grid={"network.g": [7.0, 8.0, 9.0]}, seeds=2, n_blocks=2,
                     metrics=CHEAP)
    full = run_sweep(spec, tmp_path, client=client, progress=False)
    runs = tmp_path / "runs.jsonl"
    lines = runs.read_text().splitlines()
    assert len(lines) == 6
    # an interrupted sweep: two runs finished, a third torn mid-write
    runs.write_text(lines[0] + "\n" + lines[3] + "\n" + lines[1][:40])
    kept = {json.loads(lines[i])["run_id"] for i in (0, 3)}
    with pytest.warns(RuntimeWarning, match="unreadable"):
        resumed = run_sweep(spec, tmp_path, client=client, progress=False)
    assert set(resumed.loc[resumed["from_store"], "run_id"]) == kept
    pd.testing.assert_frame_equal(_values(resumed, spec), _values(full, spec),
                                  check_exact=True)
    # a finished sweep returns at once, without any cluster
    monkeypatch.setattr(sw, "_client_context", None)
    with pytest.warns(RuntimeWarning, match="unreadable"):   # the torn line is still there
        t0 = time.perf_counter()
        done = run_sweep(spec, tmp_path, progress=False)
        assert time.perf_counter() - t0 < 2
    assert done["from_store"].all()
    pd.testing.assert_frame_equal(_values(done, spec), _values(full, spec))


def test_interrupted_cli_sweep_resumes(tmp_path, client):
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text('[sweep]\nseeds = 2\nn_blocks = 4\n'
                         'metrics = ["rate_E_after", "spec_EE_0_30"]\n'
                         '[grid]\n"network.g" = [5.0, 6.0, 7.0, 8.0, 9.0]\n')
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    proc = subprocess.Popen([sys.executable, "-m", "sensorynet.sweep", str(spec_file),
                             "--out", str(out), "--workers", "1", "--no-progress"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    runs = out / "runs.jsonl"
    deadline = time.monotonic() + 60
    while not (runs.exists() and len(runs.read_text().splitlines()) >= 2):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sweep did not start"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)                       # Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    n_done = len(SweepStore(out).load())
    assert 2 <= n_done < 10
    spec = SweepSpec.from_toml(spec_file)
    resumed = run_sweep(spec_file, out, client=client, progress=False)
    assert resumed["from_store"].sum() == n_done
    assert resumed["error"].isna().all() and len(SweepStore(out).load()) == 10
    fresh = run_sweep(spec, None, client=client, progress=False)
    pd.testing.assert_frame_equal(_values(resumed, spec), _values(fresh, spec),
                                  check_exact=True)


def test_killing_a_worker_mid_sweep_loses_nothing(tmp_path, client):
    spec = SweepSpec(grid={"network.g": [5.0, 6.0, 7.0, 8.0, 9.0]}, seeds=2, n_blocks=8,
                     metrics=["rate_E_after", "spec_EE_0_30", "pruned_EE"])
    pids = client.run(os.getpid)
    box = {}

    def target():
        try:
            box["df"] = run_sweep(spec, tmp_path, client=client, progress=False)
        except BaseException as exc:  # pragma: no cover - surfaced below
            box["exc"] = exc
    th = threading.Thread(target=target)
    th.start()
    runs, deadline = tmp_path / "runs.jsonl", time.monotonic() + 60
    while not runs.exists() or not runs.read_text().strip():
        assert time.monotonic() < deadline and th.is_alive(), box
        time.sleep(0.01)
    busy = {a: keys for a, keys in client.processing().items() if keys}
    assert busy, "no task in flight when the worker was to be killed"
    victim = next(iter(busy))
    os.kill(pids[victim], signal.SIGKILL)
    th.join(timeout=120)
    assert not th.is_alive() and "exc" not in box, box
    df = box["df"]
    assert len(df) == 10 and df["error"].isna().all()
    assert len(SweepStore(tmp_path).load()) == 10
    # the runs that were on the killed worker ran elsewhere, with the same results
    lost = {k.removeprefix("sensorynet-run-").split("-")[0] for k in busy[victim]}
    assert lost and set(df.loc[df["run_id"].isin(lost), "worker"]) - {victim}
    funcs = {m: METRICS[m].func for m in spec.metrics}
    for run in spec.runs:
        if run.run_id in lost:
            local = sw.execute_run(run.params, run.seed, run.n_blocks, funcs, None)
            _same(df.loc[run.index, list(spec.metrics)].to_dict(), local["metrics"])
    # the nanny restarted the worker; the plugin warmed it up before any task
    client.wait_for_workers(2, timeout=60)
    assert all(client.run(lambda: sweep_worker._WARM is not None).values())


def test_workers_compile_from_an_empty_numba_cache(tmp_path):
    """Workers that must compile the kernels (no cache) still start and run.

    Regression: numba in a Dask worker read NUMBA_NUM_THREADS before the worker's
    environment was applied; its first compilation then refused to run.
    """
    spec = SweepSpec(grid={"network.g": [7.0, 8.0]}, seeds=1, n_blocks=1,
                     metrics=("rate_E_after",))
    cache = tmp_path / "numba_cache"
    cache.mkdir()
    df = run_sweep(spec, tmp_path / "store", n_workers=2, progress=False,
                   cluster_kwargs={"env": {"NUMBA_CACHE_DIR": str(cache)}})
    assert df["error"].isna().all(), df["error"].tolist()
    assert (df["rate_E_after"] > 0).all()
    assert any(cache.rglob("*.nbi")), "the workers did not compile into the empty cache"


def test_heatmap_cells_share_one_number_format():
    df = _toy_frame()
    df["rate_E_after"] = df["rate_E_after"] * 1e-3            # means ~0.008, sems ~1e-4..1e-3
    fig = plot_sweep_heatmap(df, "network.g", "plasticity.A_LTP", "rate_E_after")
    cells = [t.get_text() for t in fig.axes[0].texts if "\n" in t.get_text()]
    assert cells
    decimals = {len(part.lstrip("±<").split(".")[1]) for c in cells for part in c.split("\n")}
    assert len(decimals) == 1 and not any("e-" in c for c in cells)
