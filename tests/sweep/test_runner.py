"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import sensorynet.sweep._runner as sw  # noqa: E402
import sensorynet.sweep._worker as sweep_worker  # noqa: E402
from sensorynet.sweep import run_sweep
from sensorynet.sweep._metrics import (
    _REGISTRY,  # noqa: E402
    METRICS,
    register_metric,
)
from sensorynet.sweep._spec import SweepSpec
from sensorynet.sweep._store import SweepStore, load_sweep

pd = pytest.importorskip("pandas")

ROOT = pathlib.Path(__file__).resolve().parents[2]
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
def boom_metric():
    """A metric that raises for g == 8 (shipped to the workers by value)."""
    def boom(result, ctx):
        if result.params.network.g == 8.0:
            raise RuntimeError("boom at g=8")
        return 1.0
    register_metric("boom_test", boom, overwrite=True)
    yield "boom_test"
    _REGISTRY.pop("boom_test", None)




# ---------------------------------------------------------- on a real LocalCluster
@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_interrupted_cli_sweep_resumes(tmp_path, client, interruptible):
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
                            text=True, preexec_fn=interruptible)
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


@pytest.mark.slow
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


@pytest.mark.slow
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
