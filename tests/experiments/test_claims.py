"""The paper's claims as one-sided tests (experiments._claims), on constructed inputs:
each holds where the effect is there, fails without it (or against it), reports its
effect, interval, p and unit; and the record schema. The named wrong models that fail
each check in real runs are in test_claims_slow.py."""

import numpy as np
import pytest

from sensorynet._results import SpikeTrain
from sensorynet.experiments import TuningResult
from sensorynet.experiments._claims import (
    bidirectional_beyond_dpo,
    bidirectional_exceeds_chance,
    cardinal_overrepresented,
    ee_becomes_specific,
    ee_specific_without_ie_plasticity,
    ei_potentiates,
    osi_change_finding,
    osi_rises,
    po_follows_input,
    rate_falls,
    runaway_without_ei_plasticity,
    structure_survives,
)
from sensorynet.experiments._common import KINDS, claim

RECORD_KEYS = {"claim", "kind", "measured", "expected", "holds", "effect", "p", "alpha",
               "test", "unit", "note", "key"}
N, NE = 200, 160
PO = np.arange(N) * np.pi / N


def _train(rates_hz, rng, ms=2000):
    """A spike train with Poisson counts of the given rates (Hz) per neuron."""
    counts = rng.poisson(np.asarray(rates_hz) * ms / 1000.0)
    neurons = np.repeat(np.arange(counts.size), counts)
    steps = rng.integers(0, ms, neurons.size)
    order = np.argsort(steps, kind="stable")
    return SpikeTrain(neurons[order], steps[order], ms, counts.size, NE)


def _check(rec, kind="claim"):
    assert RECORD_KEYS <= set(rec) and rec["kind"] == kind
    if rec["holds"] is not None and rec["p"] is not None:
        assert rec["holds"] == (rec["p"] < rec["alpha"])
    assert isinstance(rec["measured"], str) and isinstance(rec["expected"], str)
    return rec


def test_rate_falls():
    rng = np.random.default_rng(0)
    before = _train(np.full(N, 8.0), rng)
    assert _check(rate_falls(before, _train(np.full(N, 4.0), rng), NE))["holds"] is True
    r = _check(rate_falls(before, before, NE))          # no learning: exactly no change
    assert r["holds"] is False and r["p"] == 1.0
    up = _check(rate_falls(before, _train(np.full(N, 12.0), rng), NE))
    assert up["holds"] is False and up["effect"]["estimate"] < 0
    assert up["unit"] == f"E neuron (n = {NE})"


def _specific(strength, rng):
    """W0 with 30 % E→E synapses of 0.15 mV; W adds ``strength`` × cos 2ΔPO."""
    mask = rng.uniform(size=(N, N)) < 0.3
    np.fill_diagonal(mask, False)
    W0 = np.where(mask, 0.15, 0.0)
    d = PO[:, None] - PO[None, :]
    return W0, np.where(mask, np.maximum(0.15 + strength * np.cos(2 * d), 0.0), 0.0)


def test_ee_becomes_specific():
    rng = np.random.default_rng(1)
    W0, W = _specific(0.3, rng)
    r = _check(ee_becomes_specific(W0, W, PO, NE))
    assert r["holds"] is True and r["effect"]["estimate"] > 0.1
    assert abs(r["before"]["estimate"]) < 0.01                   # random W0: ~no contrast
    assert _check(ee_becomes_specific(W0, W0, PO, NE))["holds"] is False
    assert _check(ee_becomes_specific(W0, _specific(-0.3, np.random.default_rng(1))[1],
                                      PO, NE))["holds"] is False   # anti-specific
    f = _check(ee_specific_without_ie_plasticity(W0, W, PO, NE), "finding")
    assert f["holds"] is True and "before" not in f


def test_ei_potentiates():
    rng = np.random.default_rng(2)
    W0 = np.where(rng.uniform(size=(N, N)) < 0.3, 0.5, 0.0)
    W = W0 * rng.uniform(1.5, 3.0, (N, N))
    r = _check(ei_potentiates(W0, W, NE))
    assert r["holds"] is True and r["unit"] == f"postsynaptic I neuron (n = {N - NE})"
    assert _check(ei_potentiates(W0, W0, NE))["holds"] is False
    assert _check(ei_potentiates(W0, W0 * 0.5, NE))["holds"] is False


def test_bidirectional():
    rng = np.random.default_rng(3)
    strong = rng.uniform(size=(NE, NE)) < 0.1
    W = np.zeros((N, N))
    W[:NE, :NE] = np.where(strong | strong.T, 2.0, 0.1)          # reciprocal by design
    np.fill_diagonal(W, 0)
    r = _check(bidirectional_exceeds_chance(W, NE, J=0.5))
    assert r["holds"] is True and r["effect"]["estimate"] > 2
    Wi = np.zeros((N, N))
    Wi[:NE, :NE] = np.where(strong, 2.0, 0.1)                     # independent placement
    np.fill_diagonal(Wi, 0)
    assert _check(bidirectional_exceeds_chance(Wi, NE, J=0.5))["holds"] is False
    none = _check(bidirectional_exceeds_chance(np.zeros((N, N)), NE, J=0.5))
    assert none["holds"] is False and none["note"] == "no strong connection at all"
    # ΔPO-matched: reciprocity that |ΔPO| explains fully is no surplus there
    d = np.degrees(np.abs(PO[:NE, None] - PO[None, :NE]))
    near = (np.minimum(d, 180 - d) < 10)
    Wd = np.zeros((N, N))
    Wd[:NE, :NE] = np.where(near, 2.0, 0.1)
    np.fill_diagonal(Wd, 0)
    assert _check(bidirectional_exceeds_chance(Wd, NE, J=0.5))["holds"] is True
    f = _check(bidirectional_beyond_dpo(Wd, PO, NE, J=0.5), "finding")
    assert f["holds"] is False
    assert _check(bidirectional_beyond_dpo(W, PO, NE, J=0.5), "finding")["holds"] is True
    assert bidirectional_beyond_dpo(np.zeros((N, N)), PO, NE, J=0.5)["holds"] is False


def _tuning(width, rate, rng=None, n=N):
    th = np.arange(12) * np.pi / 12
    r = rate * np.exp(width * (np.cos(2 * (th[:, None] - PO[None, :n])) - 1))
    if rng is not None:
        r = rng.poisson(r * 2) / 2.0
    return TuningResult(th, r, NE, 2000)


def test_osi_rises_and_findings():
    rng = np.random.default_rng(4)
    before, after = _tuning(0.5, 10, rng), _tuning(2.0, 10, rng)
    for pop in ("E", "I"):
        assert _check(osi_rises(before, after, NE, pop))["holds"] is True
        assert _check(osi_rises(after, before, NE, pop))["holds"] is False
        assert _check(osi_rises(before, before, NE, pop))["holds"] is False
    with pytest.raises(ValueError, match="population"):
        osi_rises(before, after, NE, "X")
    assert _check(osi_change_finding("falls", after, before, NE, -1), "finding")["holds"]
    assert not _check(osi_change_finding("falls", before, after, NE, -1), "finding")["holds"]
    with pytest.raises(ValueError, match="sign"):
        osi_change_finding("x", before, after, NE, 0)


def test_po_follows_input():
    t = _tuning(2.0, 10)
    r = _check(po_follows_input(t, t, PO, NE), "sanity")
    assert r["holds"] is True and r["effect"]["estimate"] < 1
    shuffled = TuningResult(t.thetas, t.rates[:, np.random.default_rng(5).permutation(N)],
                            NE, 2000)
    assert _check(po_follows_input(t, shuffled, PO, NE), "sanity")["holds"] is False


def test_structure_survives():
    rng = np.random.default_rng(6)
    W0, W1 = _specific(0.3, rng)
    kept = _check(structure_survives(W0, W1, W1, PO, NE, ltd_IE=True))
    assert kept["holds"] is True and kept["effect"]["estimate"] == pytest.approx(1.0)
    half = W0 + 0.4 * (W1 - W0)                            # 40 % retained: not "survives"
    r = _check(structure_survives(W0, W1, half, PO, NE, ltd_IE=True))
    assert r["holds"] is False and r["effect"]["estimate"] == pytest.approx(0.4, abs=1e-9)
    off = _check(structure_survives(W0, W1, W1, PO, NE, ltd_IE=False), "finding")
    assert off["holds"] is True and "LTD off" in off["claim"]
    nothing = _check(structure_survives(W0, W0, W0, PO, NE, ltd_IE=True))
    assert nothing["holds"] is False and "nothing was learned" in nothing["note"]


def test_cardinal_overrepresented():
    ca = np.zeros(400, bool)
    ck = np.zeros(400, bool)
    ca[:60], ck[:30] = True, True
    r = _check(cardinal_overrepresented(ca, ck))
    assert r["holds"] is True and r["effect"]["estimate"] == pytest.approx(30 / 400)
    assert _check(cardinal_overrepresented(ck, ck))["holds"] is False
    assert _check(cardinal_overrepresented(ck, ca))["holds"] is False


def test_runaway():
    rng = np.random.default_rng(7)
    plastic = rng.gamma(2, 2, NE)
    assert _check(runaway_without_ei_plasticity(plastic * 6, plastic), "finding")["holds"]
    assert not _check(runaway_without_ei_plasticity(plastic * 2, plastic), "finding")["holds"]


def test_claim_record_constructor():
    r = claim("c", "m", "e", 1, kind="identity", p=0.5)
    assert r["holds"] is True and r["p"] == 0.5 and RECORD_KEYS <= set(r)
    assert set(KINDS) == {"claim", "identity", "finding", "sanity"}
    with pytest.raises(ValueError, match="kind"):
        claim("c", "m", "e", None, kind="band")
