"""The claims against the ensemble of published runs: a new seed of the published model
passes, wrong models fail, and the bands only apply where they were calibrated.

The ensemble (sensorynet/data/published_ensemble.json) uses seeds 1000..; the seeds here
(7, 8, 9) are not in it. The default suite runs the mutants the issue names on 2 seeds
each (about 10 s); more mutants and the mutation score::

    pytest -m slow tests/experiments/test_bands.py -s
"""
import json
import math
import pathlib
import sys

import pytest

import sensorynet as sn
from sensorynet.analysis._metrics import published_metrics
from sensorynet.cli import main
from sensorynet.experiments._bands import (
    ALPHA,
    CLAIMS,
    ENSEMBLE_CHECKS,
    MUTATION_SCORE,
    SELECTIVITY_CLAIMS,
    band_factor,
    claims_summary,
    load_ensemble,
    published_claims,
    student_t_quantile,
)
from sensorynet.experiments._selectivity import selectivity_analysis

ROOT = pathlib.Path(__file__).resolve().parents[2]
UNSEEN = (7, 8, 9)
P = sn.ModelParams()


def _metrics(changes=None, seed=7, n_blocks=None):
    params = P.replace(**changes) if changes else P
    return published_metrics(sn.run_published(params, seed=seed, n_blocks=n_blocks,
                                              progress=False))


# ------------------------------------------------------------------ the ensemble file
def test_ensemble_is_packaged_and_complete():
    ens = load_ensemble()
    assert ens["n"] == len(ens["seeds"]) >= 20 and ens["N"] == 500 and ens["blocks"] == 40
    assert not set(ens["seeds"]) & set(range(100))          # never a test seed
    assert ens["command"].startswith("python tools/calibrate_claims.py")
    assert ens["package_version"] and ens["params"] == P.to_dict()
    for c in ENSEMBLE_CHECKS:
        e = ens["metrics"][c.key]
        assert e["n"] == ens["n"] == len(e["values"]) and e["sd"] > 0
        assert math.isfinite(e["mean"])
    text = (ROOT / "pyproject.toml").read_text()
    assert 'sensorynet = ["data/*.json"]' in text            # shipped in the wheel


def test_k_is_bonferroni_with_student_t():
    assert student_t_quantile(0.975, 10) == pytest.approx(2.228138851986, abs=1e-9)
    assert student_t_quantile(0.995, 23) == pytest.approx(2.807335684, abs=1e-8)
    assert student_t_quantile(0.025, 5) == pytest.approx(-2.570581836, abs=1e-8)
    assert student_t_quantile(0.99, math.inf) == pytest.approx(2.326347874, abs=1e-8)
    m, n = len(ENSEMBLE_CHECKS), load_ensemble()["n"]
    k = band_factor(m, n)
    # the family is every band of the report: published experiment and selectivity
    assert m == len(CLAIMS) + len(SELECTIVITY_CLAIMS) == 22
    assert band_factor(m, math.inf) == pytest.approx(3.5062, abs=1e-3)   # m = 22
    assert k == pytest.approx(student_t_quantile(1 - ALPHA / (2 * m), n - 1)
                              * math.sqrt(1 + 1 / n))
    assert k > band_factor(m, math.inf) and band_factor(m, 1000) < k
    info = claims_summary()
    assert info["k"] == k and info["m"] == m and info["n"] == n
    assert info["m_by_kind"] == {"claim": 15, "finding": 1, "sanity": 6}
    with pytest.raises(ValueError):
        band_factor(0, 24)
    with pytest.raises(ValueError):
        student_t_quantile(1.0, 5)


def test_records_have_band_z_and_k():
    m = _metrics(seed=9)
    for c in published_claims(m):
        assert {"claim", "measured", "expected", "holds", "z", "k", "published"} <= set(c)
        assert c["z"] == pytest.approx((c["measured"] - c["mean"]) / c["sd"])
        lo, hi = c["mean"] - c["k"] * c["sd"], c["mean"] + c["k"] * c["sd"]
        assert c["holds"] == (lo <= c["measured"] <= hi) == (abs(c["z"]) <= c["k"])


# ----------------------------------------------------------------- published: passes
@pytest.mark.parametrize("seed", UNSEEN)
def test_published_model_passes_on_unseen_seeds(seed):
    assert seed not in load_ensemble()["seeds"]
    claims = published_claims(_metrics(seed=seed))
    assert len(claims) == len(CLAIMS)
    assert all(c["holds"] is True for c in claims), [
        (c["claim"], c["measured"], c["expected"]) for c in claims if not c["holds"]]


def test_check_kinds():
    """Construction checks (weights and rates before learning) are sanity checks, not
    claims of the paper."""
    kinds = {c.key: c.kind for c in CLAIMS}
    assert {k for k, v in kinds.items() if v == "sanity"} == {
        "rates/before/E", "rates/before/I", "rates/learning_blocks_E/0",
        *[f"specificity_EE/initial/{i}" for i in range(3)]}
    for c in published_claims(_metrics(seed=9, n_blocks=0)):
        assert c["kind"] == kinds[c["key"]]


@pytest.mark.parametrize("seed", UNSEEN)
def test_selectivity_effect_sizes_pass_on_unseen_seeds(seed):
    pub = sn.run_published(P, seed=seed, progress=False)
    claims = selectivity_analysis(pub).claims()
    assert len(claims) == len(SELECTIVITY_CLAIMS) + 1
    assert all(c["holds"] is True for c in claims), [
        (c["claim"], c["measured"], c["expected"]) for c in claims if not c["holds"]]


def test_mutation_score_is_recorded():
    """The last measured mutation score (slow test below) is in the code and in
    docs/claims.md, which report.md points to."""
    assert MUTATION_SCORE["killed"] is not None and MUTATION_SCORE["total"] == len(SLOW_MUTANTS)
    doc = (ROOT / "docs" / "claims.md").read_text()
    assert (f"{MUTATION_SCORE['killed']} of {MUTATION_SCORE['total']}" in doc
            and MUTATION_SCORE["command"] in doc)
    assert claims_summary()["mutation_score"] == MUTATION_SCORE


# ----------------------------------------------------------------- wrong models: fail
MUTANTS = {
    "A_LTD x0.8": {"plasticity.A_LTD": P.plasticity.A_LTD * 0.8},
    "A_LTP x1.2": {"plasticity.A_LTP": P.plasticity.A_LTP * 1.2},
    "no I->E plasticity": {"plasticity.plastic_IE": False},
}


@pytest.mark.parametrize("seed", (7, 8))
@pytest.mark.parametrize("name", list(MUTANTS))
def test_wrong_models_fail_a_claim(name, seed):
    claims = published_claims(_metrics(MUTANTS[name], seed=seed))
    assert all(c["holds"] is not None for c in claims)
    assert any(c["holds"] is False for c in claims)


@pytest.mark.parametrize("seed", (7, 8))
def test_30_blocks_is_uncalibrated_and_fails_at_the_published_point(seed):
    """Decision: a run with another block count is *reported* as not calibrated for the
    claims about learning (holds None, never a silent pass and never a failure by
    construction); the claims that do not depend on the block count are still checked.
    Checked at the published point anyway (``any_point=True``), 30 blocks fails."""
    m = _metrics(seed=seed, n_blocks=30)
    claims = published_claims(m)
    unchecked = [c for c in claims if c["holds"] is None]
    assert len(unchecked) == sum(c.learning for c in CLAIMS) == 8
    assert all("not calibrated for this block count" in c["note"] for c in unchecked)
    assert all(c["holds"] is True for c in claims if c["holds"] is not None)
    assert any(c["holds"] is False for c in published_claims(m, any_point=True))


def test_other_n_is_not_calibrated():
    m = _metrics(seed=7, n_blocks=1)
    m = dict(m, N=1000)
    claims = published_claims(m)
    assert all(c["holds"] is None and "not calibrated for this N" in c["note"]
               for c in claims)


def test_zero_blocks_first_block_not_measured():
    claims = {c["key"]: c for c in published_claims(_metrics(seed=7, n_blocks=0))}
    first = claims["rates/learning_blocks_E/0"]
    assert first["holds"] is None and first["measured"] is None and first["z"] is None
    assert claims["rates/before/E"]["holds"] is True


# ----------------------------------------------------------------- the CLI: --set
def test_set_end_to_end(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["reproduce", "--out", str(out), "--blocks", "1", "--no-progress",
                 "--seed", "7", "--set", "plasticity.A_LTP=1e-4",
                 "--set", "plastic_IE=false", "--set", "network.g=8"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["run"]["params"]["plasticity"]["A_LTP"] == 1e-4
    assert m["run"]["params"]["plasticity"]["plastic_IE"] is False
    assert m["run"]["params_changed"] == {
        "plasticity.A_LTP": {"published": 8e-5, "used": 1e-4},
        "plasticity.plastic_IE": {"published": True, "used": False}}
    claims = [c for c in m["claims"] if c["experiment"] == "published"]
    assert len(claims) == len(CLAIMS)
    for c in claims:
        assert {"experiment", "claim", "measured", "expected", "holds", "z", "k"} <= set(c)
    # one block: the claims about learning are not calibrated, the others are checked
    assert {c["holds"] for c in claims if "after" in c["claim"]} == {None}
    assert all(c["holds"] is not None for c in claims
               if "before learning" in c["claim"])
    assert m["claims_calibration"]["n"] >= 20
    # construction checks are sanity checks, reported apart from the claims of the paper
    kinds = {c["claim"]: c["kind"] for c in claims}
    assert set(kinds.values()) == {"claim", "sanity"}
    assert kinds["E rate before learning, π/2 test (Hz)"] == "sanity"
    assert kinds["E rate after learning, π/2 test (Hz)"] == "claim"
    report = (out / "report.md").read_text()
    assert "## Claims of the paper:" in report and "## Sanity checks:" in report
    assert report.index("## Claims of the paper:") < report.index("## Sanity checks:")
    assert "docs/claims.md" in report
    ms = m["claims_calibration"]["mutation_score"]
    assert f"Mutation score: {ms['killed']} of {ms['total']}" in report
    assert "## Parameters that differ from the published ones" in report
    assert "| plasticity.A_LTP | 8e-05 | 0.0001 |" in report
    assert "| plasticity.plastic_IE | True | False |" in report
    assert f"k = {m['claims_calibration']['k']:.3f}" in report
    assert f"n = {m['claims_calibration']['n']}" in report
    assert "not calibrated for this block count" in report


@pytest.mark.parametrize("value, message", [
    ("plasticity.A_LTX=1", "unknown parameter name 'plasticity.A_LTX'"),
    ("plasticity.A_LTP", "expected NAME=VALUE"),
    ("network.g=abc", "is not an int, a float, true or false"),
    ("plasticity.A_LTD=-1", "A_LTD"),
    ("plasticity.plastic_IE=2", "plastic_IE"),
])
def test_set_bad_values(value, message, tmp_path, capsys):
    assert main(["reproduce", "--out", str(tmp_path / "o"), "--no-progress",
                 "--set", value]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("sensorynet reproduce")
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------- mutation score
SLOW_MUTANTS = {
    **{k: (v, None) for k, v in MUTANTS.items()},
    "30 blocks": ({}, 30),
    "A_LTP x1.1": ({"plasticity.A_LTP": P.plasticity.A_LTP * 1.1}, None),
    "no E->I plasticity": ({"plasticity.plastic_EI": False}, None),
    "no I->E LTD term": ({"plasticity.ltd_IE": False}, None),
    "g 7.5 instead of 8": ({"network.g": 7.5}, None),
    "m_E 0.18 instead of 0.2": ({"input.m_E": 0.18}, None),
    "A_LTD x0.9": ({"plasticity.A_LTD": P.plasticity.A_LTD * 0.9}, None),
    # the other side of ±20 % amplitudes, thresholds, the v̄ window, input modulation
    "A_LTD x1.2": ({"plasticity.A_LTD": P.plasticity.A_LTD * 1.2}, None),
    "A_LTP x0.8": ({"plasticity.A_LTP": P.plasticity.A_LTP * 0.8}, None),
    "theta_minus x0.8": ({"plasticity.theta_minus": P.plasticity.theta_minus * 0.8}, None),
    "theta_plus x1.2": ({"plasticity.theta_plus": P.plasticity.theta_plus * 1.2}, None),
    "v̄ window 50 ms": ({"plasticity.vbar_window": 50}, None),
    "m_E 0.16 instead of 0.2": ({"input.m_E": 0.16}, None),
}


def _all_checks(changes=None, seed=7, n_blocks=None, any_point=True):
    """Every band check (published experiment and selectivity analysis)."""
    params = P.replace(**changes) if changes else P
    pub = sn.run_published(params, seed=seed, n_blocks=n_blocks, progress=False)
    return (published_claims(published_metrics(pub), any_point=any_point)
            + selectivity_analysis(pub).claims(any_point=any_point))


@pytest.mark.slow
def test_mutation_score():
    """Killed = fails at least one band check (claims and sanity checks, at the published
    point) on each of 2 seeds. The score is recorded in MUTATION_SCORE and docs/claims.md
    (update both when it changes). A_LTD x0.9 survives (within the seed-to-seed spread);
    A_LTP x1.1 survives narrowly since the family grew to 22 bands (k 3.98 -> 4.17): its
    mean E→I weight is at z = 4.58 on seed 7 but 4.12 on seed 8."""
    killed = {}
    for name, (changes, blocks) in SLOW_MUTANTS.items():
        killed[name] = all(any(c["holds"] is False for c in _all_checks(changes, s, blocks))
                           for s in (7, 8))
    score = sum(killed.values())
    print(f"\nmutation score: {score} / {len(killed)} killed", file=sys.stderr)
    for name, k in killed.items():
        print(f"  {'killed  ' if k else 'SURVIVED'} {name}", file=sys.stderr)
    assert score == MUTATION_SCORE["killed"] and len(killed) == MUTATION_SCORE["total"]
    assert sorted(k for k, v in killed.items() if not v) == sorted(
        MUTATION_SCORE["survivors"]), killed


UNSEEN_ALL = (11, 12, 13, 14, 15)


@pytest.mark.slow
@pytest.mark.parametrize("seed", UNSEEN_ALL)
def test_published_model_passes_every_check_of_the_report(seed, tmp_path):
    """Every check of ``reproduce --experiments all`` (claims, findings, sanity) holds
    for the published model on 5 seeds that calibrated nothing."""
    assert seed not in load_ensemble()["seeds"]
    from sensorynet._reproduce import reproduce
    out = reproduce(tmp_path, seed=seed, experiments="all", progress=False,
                       log=lambda *_: None)
    assert out.exit_code == 0 and out.errors == {}
    bad = [(c["experiment"], c["claim"], c["measured"], c["expected"])
           for c in out.claims if c["holds"] is not True]
    assert not bad, bad


@pytest.mark.parametrize("path, value, words", [
    (("metrics", "osi/after/E", "sd"), -0.01, ["sd=-0.01", "negative"]),
    (("blocks",), "40", ["blocks='40'"]),
    (("N",), 0, ["N=0"]),
    (("metrics", "rates/after/E", "mean"), None, ["mean=None"]),
    (("metrics", "rates/after/E", "n"), 2, ["n=2"]),
])
def test_a_damaged_ensemble_is_refused_naming_the_field(path, value, words):
    """A negative sd or a block count given as text once silently changed every claim."""
    from sensorynet.experiments._bands import check_ensemble, load_ensemble
    ens = load_ensemble()
    key = [k for k in ens["metrics"] if k.endswith(path[1])][0] if len(path) > 1 else None
    target = ens if key is None else ens["metrics"][key]
    target[path[-1]] = value
    with pytest.raises(ValueError) as info:
        check_ensemble(ens)
    assert all(w in str(info.value) for w in words), str(info.value)
    with pytest.raises(ValueError):
        published_claims(_metrics(), ens)


def test_a_truncated_packaged_ensemble_stops_reproduce_before_it_runs(monkeypatch, tmp_path,
                                                                      capsys):
    import sensorynet.experiments._bands as bands
    from sensorynet.cli import main
    text = (pathlib.Path(bands.__file__).parent.parent / "data" / bands.ENSEMBLE_FILE
            ).read_text()
    monkeypatch.setattr(bands, "_load_packaged", lambda: json.loads(text[: len(text) // 2]))
    bands._checked_packaged.cache_clear()
    ran = []
    monkeypatch.setattr("sensorynet.experiments._published.run_published",
                        lambda *a, **k: ran.append(1))
    try:
        assert main(["reproduce", "--out", str(tmp_path / "o"), "--blocks", "1",
                     "--no-progress"]) == 2
    finally:
        bands._checked_packaged.cache_clear()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "published_ensemble.json" in err and "unreadable" in err
    assert ran == [] and not (tmp_path / "o").exists()
