"""The ``sensorynet`` command: reproduce writes everything; bad input fails clearly."""
import json
import os
import pathlib
import subprocess
import sys

import pytest
from matplotlib.figure import Figure

import sensorynet as sn
from sensorynet._reproduce import parse_experiments
from sensorynet._store import load_result
from sensorynet.cli import main
from sensorynet.experiments import PROTOCOLS, FigureSpec, Protocol, register_protocol

ROOT = pathlib.Path(__file__).resolve().parents[1]
PUBLISHED_FIGURES = tuple(f.stem for f in PROTOCOLS["published"].figures)


@pytest.fixture(scope="module")
def two_blocks(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    rc = main(["reproduce", "--out", str(out), "--blocks", "2", "--no-progress",
               "--seed", "4"])
    return rc, out


def test_reproduce_writes_everything(two_blocks):
    rc, out = two_blocks
    assert rc == 0
    expected = {f"{s}.png" for s in PUBLISHED_FIGURES} | {
        "metrics.json", "report.md", "result_published.npz"}
    assert expected <= {p.name for p in out.iterdir()}
    for stem in PUBLISHED_FIGURES:
        assert (out / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = load_result(out / "result_published.npz")
    assert r.seed == 4 and r.n_blocks == 2


def test_metrics_json_schema(two_blocks):
    _, out = two_blocks
    m = json.loads((out / "metrics.json").read_text())
    assert m["seed"] == 4 and m["blocks"] == 2
    for ph in ("before", "after"):
        assert set(m["rates"][ph]) == {"E", "I"}
        assert all(isinstance(v, float) for v in m["rates"][ph].values())
    assert len(m["rates"]["learning_blocks_E"]) == 2
    assert m["specificity_EE"]["bins_deg"] == [[0, 30], [30, 60], [60, 90]]
    assert len(m["specificity_EE"]["initial"]) == 3 and len(m["specificity_EE"]["final"]) == 3
    assert set(m["mean_weight_existing"]) >= {"EI", "IE"}
    assert m["run"]["package_version"] == sn.__version__ and m["run"]["errors"] == {}
    keys = {"experiment", "claim", "kind", "measured", "expected", "holds", "effect", "p",
            "alpha", "test", "unit", "note"}
    assert all(keys <= set(c) for c in m["claims"])
    kinds = [c["kind"] for c in m["claims"]]
    assert kinds == ["claim"] * 4 + ["finding", "identity"]
    # 2 blocks: the claims are judged (they need no calibration); identity is not tested
    # (no ensemble for 2 blocks) and says so
    assert all(c["holds"] is not None for c in m["claims"][:5])
    ident = m["claims"][-1]
    assert ident["holds"] is None and "identity not tested" in ident["note"]
    assert "sensorynet calibrate --neurons 500 --blocks 2" in ident["note"]
    assert m["identity"]["note"] == ident["note"]


def test_report_md(two_blocks):
    _, out = two_blocks
    text = (out / "report.md").read_text()
    assert "| experiment | claim | measured | expected | holds | effect [95 % CI] | p |" in text
    assert "| seed | 4 |" in text and "| learning blocks | 2 |" in text
    assert sn.__version__ in text and "runtime" in text
    assert "| network.g | 8 |" in text and '"plasticity"' in text
    assert "## Claims of the paper:" in text and "## Identity with the published model" in text
    assert "**Not tested.** identity not tested: no calibrated ensemble" in text
    # 2 blocks are too few for the rate to fall or strong connections to form: those
    # claims fail (1 takes precedence over the untested identity's 3)
    assert "This run's `--strict` status: **1**" in text and "✗" in text
    assert "docs/claims.md" in text and "✓" in text
    assert "![fig1_rasters](fig1_rasters.png)" in text


class _FakeResult:
    def __init__(self, name, N):
        self.name, self.N = name, N

    def metrics(self):
        return {"value": 1.5, "N": self.N}

    def claims(self):
        return [{"claim": f"{self.name} works", "measured": 1.5, "expected": "> 1",
                 "holds": True, "kind": "finding"}]


def _fake_figure(result):
    fig = Figure(layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1])
    ax.set(xlabel="x (a.u.)", ylabel="y (a.u.)")
    return fig


@pytest.fixture
def fake_protocols():
    """Two registered protocols (one failing), removed from the registry afterwards."""
    def run_ok(ctx):
        return _FakeResult("fake_ok", ctx.learned().N)

    def run_fail(ctx):
        raise RuntimeError("fake_fail exploded")
    for name, run in (("fake_ok", run_ok), ("fake_fail", run_fail)):
        register_protocol(Protocol(name, run, figures=(FigureSpec(f"{name}_fig", _fake_figure),),
                                   cost_s=0.1))
    yield
    for name in ("fake_ok", "fake_fail"):
        PROTOCOLS._items.pop(name, None)


def test_further_protocols_merged_and_failures_reported(tmp_path, fake_protocols, capsys):
    rc = main(["reproduce", "--out", str(tmp_path), "--blocks", "1", "--no-progress",
               "--experiments", "fake_fail,fake_ok"])
    assert rc == 1                          # one experiment failed
    names = {p.name for p in tmp_path.iterdir()}
    assert {"fake_ok_fig.png", "report.md", "fig1_rasters.png", "metrics.json"} <= names
    assert "fake_fail_fig.png" not in names
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["fake_ok"] == {"value": 1.5, "N": 500} and m["seed"] == 0
    assert "fake_fail exploded" in m["run"]["errors"]["fake_fail"]
    report = (tmp_path / "report.md").read_text()
    assert "| fake_ok | fake_ok works | 1.5 | > 1 | ✓ |  |  |" in report
    assert "## Errors" in report and "fake_fail exploded" in report
    assert "fake_fail" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["reproduce", "--seed", "-1"], "--seed must be a non-negative integer"),
    (["reproduce", "--seed", "x"], "--seed must be a non-negative integer"),
    (["reproduce", "--blocks", "-3"], "--blocks must be a non-negative integer"),
    (["reproduce", "--experiments", "published,nonsense"], "unknown name(s) ['nonsense']"),
    (["reproduce", "--experiments", ","], "empty list"),
    (["reproduce", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
    ([], "usage"),
])
def test_bad_arguments(args, message, capsys, tmp_path):
    assert main(args + (["--out", str(tmp_path / "o")] if args[:1] == ["reproduce"]
                        else [])) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_help_and_version(capsys):
    assert main(["--version"]) == 0
    assert sn.__version__ in capsys.readouterr().out
    assert main(["reproduce", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--experiments" in out and "--no-progress" in out


def test_parse_experiments():
    assert parse_experiments("all")[0] == "published" and len(parse_experiments("all")) == 5
    assert parse_experiments("cardinal, published") == ["published", "cardinal"]
    assert parse_experiments(["ablations"]) == ["published", "ablations"]


def test_sweep_dispatch(monkeypatch):
    import sensorynet.sweep as sweep
    seen = []
    monkeypatch.setattr(sweep, "main", lambda argv: seen.append(argv) or 3)
    assert main(["sweep", "run", "--help-me", "x.toml"]) == 3
    assert seen == [["run", "--help-me", "x.toml"]]


def test_real_process_exit_status(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = "import sys; from sensorynet.cli import main; sys.exit(main())"
    proc = subprocess.run([sys.executable, "-c", code, "reproduce", "--blocks", "-1"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--blocks must be" in proc.stderr


def test_neurons_option_rescales_and_validates(tmp_path, capsys):
    from sensorynet.cli import main
    assert main(["reproduce", "--out", str(tmp_path / "small"), "--neurons", "100",
                 "--no-progress"]) == 2
    assert "--neurons" in capsys.readouterr().err
    out = tmp_path / "big"
    assert main(["reproduce", "--out", str(out), "--neurons", "1000", "--blocks", "1",
                 "--no-progress"]) == 0
    import json
    m = json.loads((out / "metrics.json").read_text())
    assert m["blocks"] == 1
    from sensorynet._store import load_result
    assert load_result(out / "result_published.npz").N == 1000


def test_sweep_without_the_extra_gives_the_install_hint(tmp_path, monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    rc = main(["sweep", str(ROOT / "examples" / "sweep_example.toml"), "--out",
               str(tmp_path / "s")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.count("\n") == 0
    assert "missing dependency 'distributed'" in err
    assert """pip install -e '.[sweep]'""" in err


@pytest.mark.slow
def test_worker_processes_give_the_results_of_one_process(tmp_path, monkeypatch):
    """Further protocols run as jobs on worker processes that read the result file:
    metrics, claims and every PNG are those of a run in one process."""
    out = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("SENSORYNET_WORKERS", workers)
        d = tmp_path / workers
        assert main(["reproduce", "--out", str(d), "--blocks", "1", "--no-progress",
                     "--experiments", "spontaneous,cardinal"]) == 0
        m = json.loads((d / "metrics.json").read_text())
        m.pop("run")
        report = (d / "report.md").read_text()
        out[workers] = m, {p.stem: p.read_bytes() for p in d.glob("*.png")}, [
            ln for ln in report.splitlines() if ln.startswith("### ")]
    assert out["1"][0] == out["2"][0]
    assert sorted(out["1"][1]) == sorted(PUBLISHED_FIGURES + ("spontaneous",
                                                              "cardinal_po_histograms"))
    assert all(out["1"][1][k] == out["2"][1][k] for k in out["1"][1])
    assert out["1"][2] == out["2"][2]              # figures listed in the same order


def test_a_plain_run_draws_half_the_published_figures_on_a_worker(tmp_path, monkeypatch):
    """With two processes, a worker draws every second published figure from the result
    file while this process draws the others: the same PNGs, listed in the protocol's
    order; with one, no worker process is started."""
    import sensorynet._reproduce as rep
    started = []
    real = rep.JobRun.__enter__

    def spy(self):
        started.append([j.func.__name__ for j in self.jobs] if self.workers >= 2 else [])
        return real(self)
    monkeypatch.setattr(rep.JobRun, "__enter__", spy)
    pngs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("SENSORYNET_WORKERS", workers)
        d = tmp_path / workers
        assert main(["reproduce", "--out", str(d), "--blocks", "1", "--no-progress"]) == 0
        pngs[workers] = {p.stem: p.read_bytes() for p in d.glob("*.png")}
        stems = [ln[4:] for ln in (d / "report.md").read_text().splitlines()
                 if ln.startswith("### ")]
        assert stems == list(PUBLISHED_FIGURES)
    assert started == [[], ["_published_figures_job"]]
    assert pngs["1"] == pngs["2"] and sorted(pngs["1"]) == sorted(PUBLISHED_FIGURES)


def test_large_networks_run_one_experiment_at_a_time(monkeypatch):
    """Worker processes multiply memory: above the parallel budget (N = 10 000 with its
    further experiments) ``reproduce`` keeps to one process, at N = 500 it uses two."""
    from sensorynet import ModelParams, scaled_model
    from sensorynet.cli import _workers
    monkeypatch.setenv("SENSORYNET_WORKERS", "2")
    assert _workers(ModelParams(), None, 4) == 2
    assert _workers(ModelParams(), None, 1) == 2      # one job beside this process
    assert _workers(ModelParams(), None, 0) == 1
    assert _workers(scaled_model(ModelParams(), 10_000), None, 4) == 1
    monkeypatch.setattr("sensorynet.cli._PARALLEL_MEMORY_BUDGET", 1e6)
    assert _workers(ModelParams(), None, 4) == 1


@pytest.mark.slow
def test_console_script_and_module_go_through_run(tmp_path):
    """``sensorynet`` and ``python -m sensorynet`` call ``cli.run`` and keep main's exit
    codes and output."""
    import tomllib
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["sensorynet"] == "sensorynet.cli:run"
    bad = subprocess.run([sys.executable, "-m", "sensorynet", "reproduce", "--blocks", "-1"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "blocks" in bad.stderr
    ok = subprocess.run([sys.executable, "-m", "sensorynet", "reproduce", "--blocks", "0",
                         "--no-progress", "--out", str(tmp_path / "o")],
                        capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0 and (tmp_path / "o" / "metrics.json").is_file()
    assert "claims of the paper hold" in ok.stdout


def test_run_leaves_the_interpreter_as_it_found_it(monkeypatch):
    """``cli.run`` (the console script) changes no collector setting and restores the
    SIGTERM handler it installs for an orderly stop."""
    import gc
    import signal

    from sensorynet import cli
    seen = []
    monkeypatch.setattr(cli, "main", lambda: seen.append(signal.getsignal(signal.SIGTERM)) or 3)
    before = (gc.get_threshold(), gc.get_freeze_count(), signal.getsignal(signal.SIGTERM))
    assert cli.run() == 3
    assert seen[0] is not before[2]
    assert (gc.get_threshold(), gc.get_freeze_count(),
            signal.getsignal(signal.SIGTERM)) == before


@pytest.mark.slow
def test_silent_input_runs_every_experiment_to_an_honest_report(tmp_path, capsys):
    """``--set input.b=0`` (no input at all) crashed three experiments with internal
    TypeError/ZeroDivisionError; now every experiment runs and what cannot be measured
    (the OSI of silent neurons) is reported as n/a."""
    out = tmp_path / "o"
    rc = main(["reproduce", "--out", str(out), "--set", "input.b=0", "--blocks", "2",
               "--experiments", "all", "--no-progress"])
    m = json.loads((out / "metrics.json").read_text())
    assert m["run"]["errors"] == {}
    assert rc == 0
    assert "Traceback" not in capsys.readouterr().err
    assert m["rates"]["after"]["E"] == 0.0
    assert m["selectivity"]["osi"]["after"]["E"] is None      # silent: no OSI
    assert "n/a" in (out / "report.md").read_text()
