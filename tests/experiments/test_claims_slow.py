"""The checks on real runs (slow; ``pytest -m slow tests/experiments/test_claims_slow.py``):

* the published model passes ``reproduce --experiments all --strict`` on the issue's
  unseen seeds 3101–3112 (every claim, the identity test, the sanity check);
* every check fails for a named wrong model (docs/claims.md), and models that learn
  more pass every claim;
* the power suite: the 50 design wrong models on the first two power-study seeds give
  the decisions docs/claims/power.json records, and the targets hold;
* held-out false alarms reproduce the packaged ensemble's record;
* at N = 2000 the claims are judged (and hold) and identity is reported as not tested.
"""
import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest

import sensorynet as sn
from sensorynet._calibrate import HOLDOUT_SEED0, calibration_run
from sensorynet._identity import (
    PARTS,
    identity_record,
    packaged_ensemble,
    published_point_params,
)
from sensorynet._reproduce import reproduce
from sensorynet.analysis import Fingerprint
from sensorynet.experiments import PROTOCOLS, RunContext, run_spontaneous

pytestmark = pytest.mark.slow
ROOT = pathlib.Path(__file__).resolve().parents[2]
P = sn.ModelParams()
UNSEEN = tuple(range(3101, 3113))


def _quiet(*_):
    pass


# ------------------------------------------------------------------ unseen seeds
@pytest.mark.parametrize("seed", UNSEEN)
def test_published_model_passes_strict_on_unseen_seeds(seed, tmp_path):
    out = reproduce(tmp_path, seed=seed, experiments="all", progress=False, strict=True,
                    log=_quiet)
    bad = [(c["experiment"], c["claim"], c["measured"]) for c in out.claims
           if c["kind"] != "finding" and c["holds"] is not True]
    assert out.exit_code == 0 and not bad and out.errors == {}, bad
    ident = [c for c in out.claims if c["kind"] == "identity"]
    assert len(ident) == 1 and ident[0]["part"] == "full"
    # the published part (plain reproduce) holds for this seed as well
    fp = out.metrics["identity"]["fingerprint"]
    assert packaged_ensemble().parts["published"].test(fp).holds


# ------------------------------------------------------------------ teeth
def _checks(changes=None, *, blocks=None, spontaneous_changes=None, seed=40_000):
    """Every record of ``--experiments all`` for a (wrong) model, by key."""
    params = P.replace(**changes) if changes else P
    blocks = params.protocol.n_blocks if blocks is None else blocks
    pub = PROTOCOLS["published"].run(RunContext(params, seed, blocks))
    recs = list(pub.claims())
    fps = {"published": pub.fingerprint()}
    for name in ("selectivity", "cardinal", "ablations"):
        res = PROTOCOLS[name].run(RunContext(params, seed, blocks, published=pub.result))
        recs += res.claims()
        if hasattr(res, "fingerprint"):
            fps[name] = res.fingerprint()
    for ltd in (True, False):
        recs += run_spontaneous(pub.result, ltd_IE=ltd, progress=False,
                                changes=spontaneous_changes).claims()
    if blocks == 40:
        recs.append(identity_record(packaged_ensemble(), fps))
    out = {r["key"]: r for r in recs}
    assert len(out) == len(recs)                              # keys are unique
    return out


#: wrong model -> (changes, spontaneous-only changes, checks it must fail)
TEETH = {
    "no learning": ({"plasticity.A_LTP": 0.0, "plasticity.A_LTD": 0.0}, None,
                    {"E_rate_falls", "EE_specificity", "EI_potentiation", "bidirectional",
                     "OSI_E_rises", "OSI_I_rises", "survives_spontaneous_LTD_on",
                     "cardinal_overrepresentation", "survives_spontaneous_LTD_off",
                     "cardinal_weights", "EI_frozen_OSI_falls", "IE_frozen_OSI_rises",
                     "IE_frozen_EE_specific", "identity"}),
    "E→E plasticity off": ({"plasticity.plastic_EE": False}, None,
                           {"EE_specificity", "bidirectional", "bidirectional_dpo_matched",
                            "cardinal_overrepresentation"}),
    "E→I plasticity off": ({"plasticity.plastic_EI": False}, None,
                           {"EI_potentiation", "OSI_E_rises"}),
    "m_E = 0": ({"input.m_E": 0.0}, None, {"EE_specificity", "PO_follows_input"}),
    "A_LTP ×0.5": ({"plasticity.A_LTP": 0.5 * P.plasticity.A_LTP}, None,
                   {"E_rate_falls", "EI_frozen_runaway"}),
    "A_LTD ×10 during spontaneous activity": (
        None, {"plasticity.A_LTD": 10 * P.plasticity.A_LTD}, {"survives_spontaneous_LTD_on"}),
    "A_LTP ×0.9": ({"plasticity.A_LTP": 0.9 * P.plasticity.A_LTP}, None, {"identity"}),
}


@pytest.mark.parametrize("name", list(TEETH))
def test_each_check_fails_for_a_named_wrong_model(name):
    changes, spont, must_fail = TEETH[name]
    checks = _checks(changes, spontaneous_changes=spont)
    failed = {k for k, r in checks.items() if r["holds"] is False}
    assert must_fail <= failed, (name, sorted(must_fail - failed))


def test_every_check_has_teeth():
    """The table above names a wrong model for every check the report makes."""
    keys = {"E_rate_falls", "EE_specificity", "EI_potentiation", "bidirectional",
            "bidirectional_dpo_matched", "OSI_E_rises", "OSI_I_rises", "PO_follows_input",
            "survives_spontaneous_LTD_on", "survives_spontaneous_LTD_off",
            "cardinal_overrepresentation", "cardinal_weights", "EI_frozen_runaway",
            "EI_frozen_OSI_falls", "IE_frozen_OSI_rises", "IE_frozen_EE_specific",
            "identity"}
    assert set().union(*(t[2] for t in TEETH.values())) == keys


@pytest.mark.parametrize("name, changes, blocks", [
    ("A_LTD ×1.2", {"plasticity.A_LTD": 1.2 * P.plasticity.A_LTD}, None),
    ("20 blocks", None, 20),
])
def test_models_that_learn_more_pass_every_claim(name, changes, blocks):
    """A stronger (or an earlier-stopped but present) effect passes the paper's claims;
    the identity test is what tells such a model from the published one."""
    checks = _checks(changes, blocks=blocks)
    claims = {k: r for k, r in checks.items() if r["kind"] == "claim"}
    assert len(claims) == 8 and all(r["holds"] is True for r in claims.values()), [
        (k, r["measured"]) for k, r in claims.items() if r["holds"] is not True]
    if "identity" in checks:
        assert checks["identity"]["holds"] is False


# ------------------------------------------------------------------ power
def _power_tool():
    spec = importlib.util.spec_from_file_location("power_study",
                                                  ROOT / "tools" / "power_study.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_power_suite():
    """The 50 design wrong models (every parameter group; ±10 % of time constants, weight
    bounds, block length and block count) on the first two seeds of the power study:
    each run's decision and p equal what docs/claims/power.json records, and the target
    holds — every model with a largest mean shift > 5 sd rejected on both seeds, at
    least half of the runs between 3 and 5 sd rejected."""
    tool = _power_tool()
    data = json.loads((ROOT / "docs" / "claims" / "power.json").read_text())
    recorded = {m["model"]: m for m in data["power"]["parts"]["full"]["models"]}
    part = packaged_ensemble().parts["full"]
    design = {k: v for k, v in tool.MODELS.items() if v[3] == "design"}
    assert len(design) >= 30 and {v[2] for v in design.values()} == {
        "network", "input", "plasticity", "protocol", "blocks"}
    gt5, mid = [], []
    for name, (changes, nb, _, _) in design.items():
        rej = []
        for i, seed in enumerate(tool.SEEDS[:2]):
            rec = calibration_run(500, 40 if nb is None else nb, None, seed, changes)
            f = Fingerprint()
            for proto in PARTS["full"]:
                f = f.merged(Fingerprint.from_json(rec["fingerprints"][proto]))
            res = part.test(f)
            assert (not res.holds) == recorded[name]["rejected"][i], name
            assert res.p == pytest.approx(recorded[name]["p"][i], rel=1e-6, abs=1e-300)
            rej.append(not res.holds)
        shift = tool.shift_of(recorded[name])
        if shift > 5:
            gt5.append((name, all(rej)))
        elif shift >= 3:
            mid += rej
    assert gt5 and all(ok for _, ok in gt5), [n for n, ok in gt5 if not ok]
    assert mid and np.mean(mid) >= 0.5


def test_power_file_meets_the_target():
    data = json.loads((ROOT / "docs" / "claims" / "power.json").read_text())
    for part in ("full", "published"):
        t = data["power"]["parts"][part]["target"]
        assert t["gt5"]["ok"] and t["mid"]["ok"], (part, t)
        assert len([m for m in data["power"]["parts"][part]["models"]
                    if m["set"] != "example"]) >= 30


# ------------------------------------------------------------------ false alarms
def test_held_out_false_alarms():
    """The first 100 held-out seeds, tested afresh: the same rejections as the packaged
    ensemble's record of them, and at most 3 of 100 (the test's α is 1 %)."""
    ens = packaged_ensemble()
    seeds = range(HOLDOUT_SEED0, HOLDOUT_SEED0 + 100)
    rejected = {k: [] for k in ens.parts}
    for s in seeds:
        rec = calibration_run(500, 40, None, s)
        for k, part in ens.parts.items():
            f = Fingerprint()
            for proto in PARTS[k]:
                f = f.merged(Fingerprint.from_json(rec["fingerprints"][proto]))
            if not part.test(f).holds:
                rejected[k].append(s)
    for k, rej in rejected.items():
        assert rej == [s for s in ens.holdout[k]["rejected_seeds"] if s in seeds], k
        assert len(rej) <= 3, (k, rej)


# ------------------------------------------------------------------ N = 2000
def test_claims_at_2000_neurons_and_identity_not_tested(tmp_path):
    params = published_point_params(2000)
    out = reproduce(tmp_path / "o", seed=42_000, experiments="all", params=params,
                    progress=False, strict=True, log=_quiet)
    claims = [c for c in out.claims if c["kind"] == "claim"]
    assert len(claims) == 8 and all(c["holds"] is True for c in claims), [
        (c["claim"], c["measured"]) for c in claims if c["holds"] is not True]
    ident = [c for c in out.claims if c["kind"] == "identity"][0]
    assert ident["holds"] is None and "sensorynet calibrate --neurons 2000" in ident["note"]
    assert out.exit_code == 3
    report = (tmp_path / "o" / "report.md").read_text()
    assert "**Not tested.**" in report and "This run's `--strict` status: **3**" in report
    # findings are reported whatever they say, and never change the status: at this
    # size "I→E frozen: E selectivity still rises" fails (docs/claims.md says so)
    findings = {c["key"]: c for c in out.claims if c["kind"] == "finding"}
    assert all(c["holds"] is not None for c in findings.values())
    assert findings["IE_frozen_OSI_rises"]["holds"] is False
    assert math.isfinite(out.metrics["rates"]["after"]["E"])
