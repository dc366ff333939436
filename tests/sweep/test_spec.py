"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""
import json
import pathlib
import time

import numpy as np
import pytest

import sensorynet.sweep._runner as sw  # noqa: E402
from sensorynet.sweep import main as cli_main
from sensorynet.sweep import run_sweep
from sensorynet.sweep._spec import (
    SweepSpec,
    run_seeds,  # noqa: E402
)
from sensorynet.sweep._store import SweepStore, load_sweep

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sweep_example.toml"


@pytest.fixture
def no_cluster(monkeypatch):
    """Fail loudly if run_sweep tries to start or connect to a cluster."""
    def forbidden(*args, **kwargs):
        raise AssertionError("run_sweep started a cluster but had nothing to compute")
    monkeypatch.setattr(sw, "_client_context", forbidden)




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
    ({"points": [{"network.dt": 0.4}], "metrics": ["osi_E_after"],
      "tuning_duration_ms": 100.2}, ValueError, ["tuning_duration_ms=100.2", "network.dt"]),
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
