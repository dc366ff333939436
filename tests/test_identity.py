"""The identity test on synthetic ensembles (correlated normal fingerprints: its
false-alarm rate, its power, the transforms and the admission rule), the ensemble file
(round trip, validation naming the field) and the lookup by configuration."""
import json
import math

import numpy as np
import pytest

from sensorynet._identity import (
    PARTS,
    TRANSFORMS,
    IdentityEnsemble,
    Point,
    ensemble_dir,
    ensemble_file_name,
    find_ensemble,
    fit_identity_part,
    identity_not_tested,
    identity_record,
    packaged_ensemble,
    published_point_params,
)
from sensorynet.analysis import Fingerprint
from sensorynet.analysis._fingerprint import fingerprint_statistics

NAMES = list(fingerprint_statistics("published"))
SPECS = fingerprint_statistics()


def _synthetic(n, seed, shift=None, rho=0.6):
    """Fingerprints of the published part: a latent factor shared by all statistics
    plus noise, mapped into each statistic's natural range (positive, fraction, ...)."""
    rng = np.random.default_rng(seed)
    p = len(NAMES)
    common = rng.standard_normal((n, 1))
    z = math.sqrt(rho) * common + math.sqrt(1 - rho) * rng.standard_normal((n, p))
    if shift is not None:
        z = z + shift
    out = []
    for row in z:
        vals, counts = {}, {}
        for k, name in enumerate(NAMES):
            kind = SPECS[name].kind
            if kind == "fraction":
                vals[name] = 0.3 + 0.02 * row[k]
                counts[name] = 10_000
            elif kind == "unit":
                vals[name] = 0.5 + 0.05 * row[k]
            elif kind in ("rate", "positive"):
                vals[name] = math.exp(1.0 + 0.6 * row[k])
            else:
                vals[name] = row[k]
        out.append(Fingerprint(vals, counts))
    return out


@pytest.fixture(scope="module")
def part():
    return fit_identity_part("published", _synthetic(120, 1), _synthetic(300, 2))


def test_fitted_part(part):
    assert part.n_stats == len(NAMES) and not part.dropped
    assert part.null["n"] == 300 and part.null["df"] == 30
    assert 0 < part.lam < 1
    assert part.precision.shape == (part.n_stats, part.n_stats)
    # positive statistics that are log-normal get the log transform (most symmetric)
    logs = [t for n, t in zip(part.names, part.transforms, strict=True)
            if SPECS[n].kind == "positive"]
    assert logs.count("log") > 0.8 * len(logs)
    assert part.p_value(part.threshold) == pytest.approx(part.alpha, rel=1e-6)


def test_false_alarms_near_one_percent_on_new_null_runs(part):
    """1000 further runs of the same 'model': about 1 % rejected (binomial 99.9 %
    bounds for 1 %: 1–22 of 1000)."""
    rej = sum(not part.test(f).holds for f in _synthetic(1000, 3))
    assert 1 <= rej <= 22, rej


def test_power_against_a_shifted_model(part):
    """A model that moves one statistic by 8 sd (its correlated partners unmoved) is
    rejected nearly always; one moved by 0.5 sd nearly never."""
    k = NAMES.index("W_EE_mean")
    big, small = np.zeros(len(NAMES)), np.zeros(len(NAMES))
    big[k], small[k] = 8.0, 0.5
    assert sum(not part.test(f).holds for f in _synthetic(50, 4, big)) >= 45
    assert sum(not part.test(f).holds for f in _synthetic(50, 4, small)) <= 5
    res = part.test(_synthetic(1, 4, big)[0])
    assert res.deviations(1)[0][0] == "W_EE_mean" and res.deviations(1)[0][1] > 4


def test_a_nonfinite_statistic_is_an_unbounded_deviation(part):
    f = _synthetic(1, 5)[0]
    f["W_EE_mean"] = float("nan")
    res = part.test(f)
    assert res.p == 0.0 and res.holds is False and res.nonfinite == ["W_EE_mean"]
    assert math.isinf(res.d2) and res.deviations(1)[0][0] == "W_EE_mean"


def test_admission_rules():
    A, B = _synthetic(120, 6), _synthetic(40, 7)
    for i, f in enumerate(A):
        f["W_EI_pruned"] = 0.0                                # point mass
        f["W_IE_pruned"] = float("nan") if i == 3 else 0.01   # not finite once
        f["W_EE_pruned"], f.counts["W_EE_pruned"] = 1e-4 * (1 + i / 120), 10_000  # ~1.5 events
        f["W_EE_saturated"] = 0.3 + (0.1 if i % 2 else -0.1) * (i % 11) ** 3 / 1000  # fine
    p = fit_identity_part("published", A, B)
    assert "point mass" in p.dropped["W_EI_pruned"]
    assert "not finite" in p.dropped["W_IE_pruned"]
    assert "rare events" in p.dropped["W_EE_pruned"]
    assert "W_EE_saturated" in p.names


def test_transforms():
    x = np.array([0.0, 0.25, 1.0])
    assert np.allclose(TRANSFORMS["asinsqrt"](x, 1), [0, math.pi / 6, math.pi / 2])
    assert TRANSFORMS["logit"](np.array([0.0]), 10)[0] == pytest.approx(math.log(0.05 / 0.95))
    assert np.isnan(TRANSFORMS["log"](np.array([-1.0]), 1)[0])
    assert TRANSFORMS["log_rate"](np.array([0.0]), 1)[0] == pytest.approx(math.log(0.1))


def test_fit_needs_runs():
    with pytest.raises(ValueError, match=">= 3 runs"):
        fit_identity_part("published", _synthetic(2, 1), _synthetic(10, 2))
    with pytest.raises(ValueError, match="name"):
        fit_identity_part("other", _synthetic(10, 1), _synthetic(10, 2))


# ------------------------------------------------------------------ the file
def _ensemble(part, point=None, warnings=()):
    point = Point(500, 40) if point is None else point
    return IdentityEnsemble(point, published_point_params(point.N, point.rule).to_dict(),
                            {"published": part},
                            {"estimation": list(range(10000, 10120)),
                             "threshold": list(range(21000, 21300))},
                            "0.1.0", "test", "", list(warnings))


def test_file_round_trip(part, tmp_path):
    path = _ensemble(part).save(tmp_path / "e.json")
    back = IdentityEnsemble.load(path)
    f = _synthetic(1, 8)[0]
    assert back.parts["published"].test(f).p == pytest.approx(part.test(f).p, rel=1e-12)
    assert back.point == Point(500, 40) and back.source == str(path.resolve())


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["parts"]["published"]["sd"].__setitem__(0, -1.0), ["sd[0]=-1.0"]),
    (lambda d: d["parts"]["published"].__setitem__(
        "transforms", ["cube"] * len(d["parts"]["published"]["names"])),
     ["transforms[0]='cube'"]),
    (lambda d: d["parts"]["published"]["null"].__setitem__("n", 2.5), ["null", "n=2.5"]),
    (lambda d: d.__setitem__("fingerprint_version", 99), ["fingerprint_version=99"]),
    (lambda d: d["point"].__setitem__("blocks", "40"), ["blocks", "'40'"]),
    (lambda d: d["parts"]["published"]["precision"].pop(), ["precision"]),
    (lambda d: d["parts"]["published"]["names"].__setitem__(0, "nonsense"), ["nonsense"]),
    (lambda d: d.__setitem__("format", "other"), ["format='other'"]),
    (lambda d: d["seeds"].__setitem__("threshold", [10000]), ["overlap"]),
])
def test_a_damaged_file_is_refused_naming_the_field(part, tmp_path, edit, words):
    d = _ensemble(part).to_json()
    edit(d)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    with pytest.raises(ValueError) as info:
        IdentityEnsemble.load(path)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert str(path.resolve()) in str(info.value)


def test_unreadable_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"format": ')
    with pytest.raises(ValueError, match="unreadable"):
        IdentityEnsemble.load(path)
    with pytest.raises(ValueError, match="cannot read"):
        IdentityEnsemble.load(tmp_path / "missing.json")


# ------------------------------------------------------------------ lookup and record
def test_point():
    assert Point(500, 40, "balanced").rule is None               # no rule at N = 500
    assert Point(2000, 40).rule == "fixed_indegree"
    assert Point(2000, 20, "balanced").calibrate_command() == \
        "sensorynet calibrate --neurons 2000 --blocks 20 --scaling balanced"
    with pytest.raises(ValueError, match="rule"):
        Point(2000, 40, "bogus")
    with pytest.raises(ValueError, match="blocks"):
        Point(500, -1)


def test_packaged_ensemble_is_valid():
    ens = packaged_ensemble()
    assert ens.point == Point(500, 40) and set(ens.parts) == set(PARTS)
    assert len(ens.seeds["estimation"]) >= 100 and len(ens.seeds["threshold"]) >= 100
    assert not set(ens.seeds["estimation"] + ens.seeds["threshold"]) & set(range(100))
    assert not set(ens.seeds["estimation"] + ens.seeds["threshold"]) & set(range(3101, 3113))
    assert ens.params == published_point_params(500).to_dict() and not ens.warnings
    assert "packaged" in ens.source


def test_find_ensemble(part, tmp_path):
    ens, note = find_ensemble(Point(500, 40), cache_dir=tmp_path)
    assert ens is not None and note is None and "packaged" in ens.source
    ens, note = find_ensemble(Point(2000, 40), cache_dir=tmp_path)
    assert ens is None and "identity not tested" in note
    assert "sensorynet calibrate --neurons 2000" in note
    # a calibrated one in the cache is found; the wrong point in its file is an error
    pt = Point(600, 3)
    path = ensemble_dir(tmp_path) / ensemble_file_name(pt)
    _ensemble(part, pt).save(path)
    ens, note = find_ensemble(pt, cache_dir=tmp_path)
    assert ens is not None and ens.point == pt
    _ensemble(part, Point(600, 4)).save(path)
    with pytest.raises(ValueError, match="is for N = 600, 4 blocks"):
        find_ensemble(pt, cache_dir=tmp_path)
    # an explicit file of another configuration is refused
    other = _ensemble(part, Point(600, 4)).save(tmp_path / "x.json")
    with pytest.raises(ValueError, match="calibrated at N = 600, 4 blocks"):
        find_ensemble(pt, path=other)


def test_identity_record(part):
    ens = _ensemble(part, warnings=["trial ensemble: 5 estimation seeds"])
    rec = identity_record(ens, {"published": _synthetic(1, 9)[0]})
    assert rec["kind"] == "identity" and rec["part"] == "published"
    assert rec["holds"] in (True, False) and 0 <= rec["p"] <= 1
    assert len(rec["deviations"]) == 5 and "D² = " in rec["measured"]
    assert rec["note"].startswith("trial ensemble")
    assert rec["expected"].startswith("p ≥ 0.01 (D² ≤ ")
    none = identity_record(ens, {"selectivity": _synthetic(1, 9)[0]})
    assert none["holds"] is None and "no part" in none["note"]
    nt = identity_not_tested("identity not tested: x")
    assert nt["holds"] is None and nt["kind"] == "identity"


def test_a_damaged_packaged_ensemble_stops_reproduce_before_it_runs(monkeypatch, tmp_path,
                                                                     capsys):
    """A truncated packaged ensemble is reported at once (exit 2, one line naming the
    file), not after the simulation."""
    import sensorynet._identity as ident
    from sensorynet.cli import main
    original = ident._packaged_path
    text = original().read_text()
    bad = tmp_path / "identity_ensemble.json"
    bad.write_text(text[: len(text) // 2])
    monkeypatch.setattr(ident, "_packaged_path", lambda: bad)
    ran = []
    monkeypatch.setattr("sensorynet.experiments._published.run_published",
                        lambda *a, **k: ran.append(1))
    assert main(["reproduce", "--out", str(tmp_path / "o"), "--blocks", "1",
                 "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "identity_ensemble.json" in err and "damaged" in err
    assert ran == [] and not (tmp_path / "o").exists()
    # a damaged ensemble file is refused the same way, naming the field
    monkeypatch.setattr(ident, "_packaged_path", original)
    good = json.loads(text)
    good["parts"]["full"]["sd"][3] = 0
    f = tmp_path / "e.json"
    f.write_text(json.dumps(good))
    with pytest.raises(ValueError, match=r"parts\['full'\]: sd\[3\]=0"):
        find_ensemble(Point(500, 40), path=f)
    assert main(["reproduce", "--out", str(tmp_path / "o"), "--ensemble", str(f),
                 "--no-progress"]) == 2
    assert "sd[3]=0 must be a positive finite number" in capsys.readouterr().err
