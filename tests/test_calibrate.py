"""``sensorynet calibrate``: resumable per-seed runs, the ensemble it writes, its
arguments; end to end on a tiny configuration (slow), with the Dask engine and the
report testing identity afterwards."""
import json
import math

import numpy as np
import pytest

import sensorynet._calibrate as cal
from sensorynet._identity import IdentityEnsemble, Point, ensemble_dir, ensemble_file_name
from sensorynet.analysis import Fingerprint
from sensorynet.analysis._fingerprint import fingerprint_statistics
from sensorynet.cli import main

SPECS = fingerprint_statistics()


def _fake_run(N, blocks, rule, seed, changes=None):
    """Synthetic fingerprints of both parts (a shared factor plus noise, by seed)."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal()
    fps = {}
    for proto, part in (("published", "published"), ("selectivity", "tuning")):
        vals, counts = {}, {}
        for name in fingerprint_statistics(part):
            z = 0.7 * common + 0.7 * rng.standard_normal()
            kind = SPECS[name].kind
            if kind == "fraction":
                vals[name], counts[name] = 0.3 + 0.02 * z, 5000
            elif kind in ("rate", "positive"):
                vals[name] = math.exp(1 + 0.3 * z)
            elif kind == "unit":
                vals[name] = 0.5 + 0.05 * z
            else:
                vals[name] = z
        fps[proto] = Fingerprint(vals, counts).to_json()
    return {"seed": seed, "fingerprints": fps, "time_s": 0.01}


@pytest.fixture
def fake(monkeypatch):
    calls = []

    def run(*a):
        calls.append(a[3])
        return _fake_run(*a)
    monkeypatch.setattr(cal, "calibration_run", run)
    return calls


def test_calibrate_writes_a_valid_ensemble_and_resumes(fake, tmp_path):
    runs = tmp_path / "runs.jsonl"
    out = tmp_path / "e.json"
    res = cal.calibrate(600, blocks=3, n_estimation=6, n_threshold=5, n_holdout=2,
                        allow_small=True, out=out, runs_file=runs, progress=False,
                        log=lambda *_: None)
    assert res.n_computed == 13 and sorted(fake) == sorted(
        [*range(10000, 10006), *range(21000, 21005), 20000, 20001])
    ens = IdentityEnsemble.load(out)
    assert ens.point == Point(600, 3) and set(ens.parts) == {"published", "full"}
    assert ens.warnings and "too few for the ≤ 1 % false-alarm guarantee" in ens.warnings[0]
    assert ens.holdout["full"]["n"] == 2 and ens.command.startswith(
        "sensorynet calibrate --neurons 600 --blocks 3")
    # a run killed while writing leaves a torn last line: it is cut, the seed rerun
    text = runs.read_text()
    runs.write_text(text + '{"seed": 10006, "fingerp')
    fake.clear()
    res = cal.calibrate(600, blocks=3, n_estimation=7, n_threshold=5, allow_small=True,
                        out=out, runs_file=runs, progress=False, log=lambda *_: None)
    assert fake == [10006] and res.n_computed == 1
    assert len(IdentityEnsemble.load(out).seeds["estimation"]) == 7
    # the runs file belongs to one configuration
    with pytest.raises(ValueError, match="another configuration"):
        cal.calibrate(700, blocks=3, n_estimation=7, n_threshold=5, allow_small=True,
                      out=out, runs_file=runs, progress=False, log=lambda *_: None)


def test_calibrate_default_places(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("SENSORYNET_CACHE", str(tmp_path))
    res = cal.calibrate(600, blocks=2, n_estimation=4, n_threshold=4, allow_small=True,
                        progress=False, log=lambda *_: None)
    pt = Point(600, 2)
    assert res.path == ensemble_dir() / ensemble_file_name(pt)
    assert res.runs_file == cal.runs_file_for(pt) and res.runs_file.is_file()
    first = json.loads(res.runs_file.read_text().splitlines()[0])
    assert first["format"] == cal.RUNS_FORMAT and first["point"] == pt.to_json()


@pytest.mark.parametrize("kw, words", [
    (dict(n_estimation=50), "fewer than 100"),
    (dict(N=400), "N must be an integer in [500"),
    (dict(n_estimation=10_001, allow_small=True), "n_estimation"),
    (dict(workers=2, scheduler="tcp://x:1"), "not both"),
    (dict(rule="bogus"), "rule"),
])
def test_calibrate_refuses_bad_arguments(kw, words, fake, tmp_path):
    kw = {"N": 600, "out": tmp_path / "e.json", "runs_file": tmp_path / "r.jsonl", **kw}
    with pytest.raises(ValueError, match=words.replace("[", r"\[")):
        cal.calibrate(**kw, progress=False, log=lambda *_: None)
    assert fake == []


def test_cli_calibrate_errors_are_one_line(tmp_path, capsys):
    assert main(["calibrate", "--neurons", "600", "--seeds", "5", "--out",
                 str(tmp_path / "e.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sensorynet calibrate: error:")
    assert "--allow-small" in err
    assert main(["calibrate", "--neurons", "600", "--workers", "2", "--scheduler",
                 "tcp://h:1"]) == 2
    assert "not allowed with" in capsys.readouterr().err
    assert main(["calibrate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--null-seeds" in out and "--allow-small" in out and "--scheduler" in out


@pytest.mark.slow
def test_calibrate_end_to_end_then_reproduce_tests_identity(tmp_path, monkeypatch, capsys):
    """N = 600, 3 blocks, 4 + 4 seeds on a local Dask cluster of 2 workers; resumed with
    one more seed per set; then ``reproduce`` at that configuration finds the ensemble
    in the cache and tests identity, with the small-ensemble warning in the report."""
    monkeypatch.setenv("SENSORYNET_CACHE", str(tmp_path / "cache"))
    args = ["calibrate", "--neurons", "600", "--blocks", "3", "--allow-small",
            "--no-progress"]
    assert main([*args, "--seeds", "4", "--null-seeds", "4", "--workers", "2"]) == 0
    assert main([*args, "--seeds", "5", "--null-seeds", "5"]) == 0
    log = capsys.readouterr().out
    assert "8 done" in log and "2 to run" in log
    path = ensemble_dir() / ensemble_file_name(Point(600, 3))
    ens = IdentityEnsemble.load(path)
    assert len(ens.seeds["estimation"]) == 5 and ens.warnings
    out = tmp_path / "o"
    rc = main(["reproduce", "--neurons", "600", "--blocks", "3", "--out", str(out),
               "--no-progress", "--strict"])
    m = json.loads((out / "metrics.json").read_text())
    ident = [c for c in m["claims"] if c["kind"] == "identity"][0]
    assert ident["holds"] is not None and ident["ensemble"] == str(path.resolve())
    assert "trial ensemble" in ident["note"]
    assert rc in (0, 1)                                  # evaluated: never 3
    report = (out / "report.md").read_text()
    assert "## Identity with the published model" in report and "trial ensemble" in report
