"""The paper's claims as directional, one-sided tests, and the findings and sanity check
of this package (docs/claims.md).

Every test needs nothing but the run: no ensemble, no calibration, so it is judged at
any network size, block count, scaling rule and ``--set``. Each states its unit of
replication (E neurons, presynaptic E neurons, postsynaptic I neurons, E pairs), reports
an effect size with a 95 % confidence interval and a one-sided p-value, and holds when
p < α = 0.01. A model with a stronger effect passes; a model without the effect (or
with the opposite one) fails. The units are units *within the run*: the p-values say
whether this network shows the effect, given the network that was built (how much the
effect varies between networks is the identity test's business). Where before and
after share the input realisation (π/2 test, tuning protocol), a model that does not
learn gives differences of exactly 0 and fails with p = 1.

Records (dicts, as ``claims()`` of the protocol results return them): ``claim``,
``kind`` (``"claim"``, ``"finding"`` or ``"sanity"``), ``measured`` (text),
``expected`` (text), ``holds`` (True / False / None = not evaluated), ``effect``
(``estimate``, ``unit``, ``ci95``), ``p``, ``alpha``, ``test`` (how it is decided),
``unit`` (the unit of replication and its number), ``note`` and ``key`` (a short stable
name of the check).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _stats
from .._orientation import CARDINAL_DEG, near_orientation_mask
from .._weights import existing_block_weights
from ..analysis import (
    bidirectional_counts,
    bidirectional_counts_dpo_matched,
    postsynaptic_change,
    presynaptic_contrast,
)
from ._common import ClaimKind, claim

__all__ = ["directional", "rate_falls", "ee_becomes_specific", "ei_potentiates",
           "bidirectional_exceeds_chance", "bidirectional_beyond_dpo", "osi_rises",
           "po_follows_input", "structure_survives", "cardinal_overrepresented",
           "runaway_without_ei_plasticity", "osi_change_finding",
           "ee_specific_without_ie_plasticity", "ALPHA", "STRONG_J", "SURVIVE_SHARE",
           "RUNAWAY_FACTOR", "PO_MATCH_MAX_DEG"]

ALPHA = _stats.ALPHA
#: a strong E→E connection: w > STRONG_J·J (1 mV at the published point)
STRONG_J = 2.0
#: share of the learned E→E contrast that must survive spontaneous activity
SURVIVE_SHARE = 0.5
#: E→I frozen counts as runaway excitation when the E rate after learning exceeds the
#: all-plastic run's by this factor
RUNAWAY_FACTOR = 3.0
#: sanity check: median |measured PO − input PO| of E neurons below this, degrees
PO_MATCH_MAX_DEG = 15.0
#: |ΔPO| below which a partner is near, and from which it is far (degrees), in the E→E
#: contrast of the specificity claim
NEAR_DEG, FAR_DEG = 30.0, 60.0



def _P(p: float) -> str:
    """``"= 0.012"``, ``"< 1e-300"`` or ``"n/a"`` (follows a "p")."""
    text = _stats.format_p(p)
    return text if text[0] in "<n" else f"= {text}"


def _ci(t: _stats.OneSided, spec: str) -> str:
    lo, hi = t.ci95
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "95 % CI n/a"
    return f"95 % CI {lo:{spec}} to {hi:{spec}}"


def _num(v: float, spec: str) -> str:
    return "n/a" if v is None or not math.isfinite(v) else format(v, spec)


def directional(claim_text: str, kind: ClaimKind, t: _stats.OneSided, *, effect_unit: str,
                test: str, unit: str, measured: str, expected: str,
                note: str | None = None, **extra: Any) -> dict[str, Any]:
    """A record of a one-sided test (see the module docstring)."""
    return claim(claim_text, measured, expected, t.holds, kind=kind,
                 effect=t.effect(effect_unit),
                 p=(float(t.p) if math.isfinite(t.p) else None), alpha=t.alpha, test=test,
                 unit=f"{unit} (n = {t.n})", note=note, **extra)


def _expected(what: str, alpha: float) -> str:
    return f"{what}, one-sided p < {alpha:g}"


# ------------------------------------------------------------------ published
def rate_falls(before: Any, after: Any, n_exc: int, alpha: float = ALPHA) -> dict[str, Any]:
    """The E rate falls with learning: E neurons, paired (same input before and after)
    difference of the π/2-test rate, one-sided Student t.

    Parameters
    ----------
    before, after : SpikeTrain
        The test phases of the published protocol.
    n_exc : int
    """
    rb, ra = before.rates()[:n_exc], after.rates()[:n_exc]
    t = _stats.one_sided_t(rb - ra, alpha)
    return directional(
        "The E rate falls with learning (π/2 test, same input before and after)", "claim", t,
        key="E_rate_falls",
        effect_unit="Hz (before − after)", test="one-sided paired Student t over E neurons",
        unit="E neuron",
        measured=f"{_num(rb.mean(), '.2f')} → {_num(ra.mean(), '.2f')} Hz: fall "
                 f"{_num(t.estimate, '.2f')} Hz ({_ci(t, '.2f')}); p {_P(t.p)}",
        expected=_expected("fall > 0", alpha))


def ee_becomes_specific(W0: Any, W: Any, po: np.ndarray, n_exc: int,
                        alpha: float = ALPHA) -> dict[str, Any]:
    """After learning E→E weights decrease with |ΔPO| (and did not before): per
    presynaptic E neuron, the contrast (near minus far partners,
    :func:`~sensorynet.analysis.presynaptic_contrast`) of W minus that of W0; one-sided
    paired t. The W0 contrast is reported with its interval ("did not before")."""
    c0 = presynaptic_contrast(W0, po, n_exc, NEAR_DEG, FAR_DEG)
    c1 = presynaptic_contrast(W, po, n_exc, NEAR_DEG, FAR_DEG)
    t = _stats.one_sided_t(c1 - c0, alpha)
    t0 = _stats.one_sided_t(c0, alpha)
    return directional(
        f"After learning E→E weights decrease with |ΔPO| (and did not before): "
        f"contrast |ΔPO| < {NEAR_DEG:g}° minus ≥ {FAR_DEG:g}°, learned minus initial",
        "claim", t, key="EE_specificity", effect_unit="mV (contrast of W − contrast of W0)",
        test="one-sided paired Student t over presynaptic E neurons",
        unit="presynaptic E neuron",
        measured=f"contrast {_num(np.nanmean(c0), '+.3f')} mV before ({_ci(t0, '+.3f')}) → "
                 f"{_num(np.nanmean(c1), '+.3f')} mV after; learned "
                 f"{_num(t.estimate, '+.3f')} mV ({_ci(t, '.3f')}); p {_P(t.p)}",
        expected=_expected("learned contrast > 0", alpha),
        before={"estimate": _fin(t0.estimate), "ci95": [_fin(x) for x in t0.ci95]})


def _fin(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def ei_potentiates(W0: Any, W: Any, n_exc: int, alpha: float = ALPHA) -> dict[str, Any]:
    """E→I weights potentiate with learning: per postsynaptic I neuron, the mean change
    of its E→I synapses that exist in W0; one-sided t."""
    d = postsynaptic_change(W0, W, n_exc, "EI")
    w0, w1 = existing_block_weights(W0, W, n_exc, "EI")
    t = _stats.one_sided_t(d, alpha)
    return directional(
        "E→I weights potentiate with learning", "claim", t, key="EI_potentiation",
        effect_unit="mV (mean change of an I neuron's E→I synapses)",
        test="one-sided Student t over postsynaptic I neurons", unit="postsynaptic I neuron",
        measured=f"mean E→I weight {_num(w0.mean() if w0.size else np.nan, '.3f')} → "
                 f"{_num(w1.mean() if w1.size else np.nan, '.3f')} mV; change "
                 f"{_num(t.estimate, '+.3f')} mV ({_ci(t, '.3f')}); p {_P(t.p)}",
        expected=_expected("change > 0", alpha))


def bidirectional_exceeds_chance(W: Any, n_exc: int, J: float,
                                 alpha: float = ALPHA) -> dict[str, Any]:
    """Strong E↔E connections are bidirectional more often than chance: unordered E
    pairs; reciprocally strong pairs (both w > 2 J) against independent placement,
    O ~ Binomial(n_pairs, q²) with q the strong fraction; exact one-sided binomial."""
    thr = STRONG_J * J
    c = bidirectional_counts(W, n_exc, threshold=thr)
    q, n_pairs, obs = c["q"], c["n_pairs"], c["observed"]
    if not (q > 0):
        t = _stats.OneSided(float("nan"), (float("nan"), float("nan")), 1.0, int(n_pairs),
                            False, alpha)
        note = "no strong connection at all"
    else:
        t = _stats.binomial_excess(int(obs), int(n_pairs), q * q, alpha)
        note = None
    return directional(
        f"Strong (> {thr:g} mV) E↔E connections are bidirectional more often than chance "
        "(independent placement)", "claim", t, key="bidirectional",
        effect_unit="observed / expected",
        test=("exact one-sided binomial test: reciprocally strong pairs ~ Binomial(n_pairs, "
              "q²)" if n_pairs <= 1_000_000 else "one-sided binomial test (Wilson interval)"),
        unit="unordered E pair",
        measured=f"{obs} reciprocally strong pairs vs {_num(c['expected'], '.0f')} expected "
                 f"(strong fraction q = {_num(q, '.3f')}); surplus "
                 f"{_num(t.estimate, '.2f')} ({_ci(t, '.2f')}); p {_P(t.p)}",
        expected=_expected("surplus > 1", alpha), note=note)


def bidirectional_beyond_dpo(W: Any, po: np.ndarray, n_exc: int, J: float,
                             alpha: float = ALPHA) -> dict[str, Any]:
    """Finding: strong connections are reciprocal beyond what |ΔPO| predicts. Null:
    strong connections placed independently given the pair's |ΔPO| bin (10°); the
    count of reciprocal pairs is a sum of binomials, tested with its normal
    approximation (variance Σ n_b q_b² (1 − q_b²))."""
    c = bidirectional_counts_dpo_matched(W, po, n_exc, threshold=STRONG_J * J)
    n_b = np.asarray(c["n_pairs"], dtype=np.float64)
    q_b = np.nan_to_num(np.asarray(c["q_per_bin"], dtype=np.float64))
    e = float(np.sum(n_b * q_b ** 2))
    var = float(np.sum(n_b * q_b ** 2 * (1 - q_b ** 2)))
    t = _stats.normal_excess(c["observed"], e, var, int(n_b.sum()), alpha)
    note = None
    if t.holds is None:
        t = _stats.OneSided(float("nan"), (float("nan"), float("nan")), 1.0, int(n_b.sum()),
                            False, alpha)
        note = "no strong connection at all"
    return directional(
        "Strong E↔E connections are bidirectional more often than their |ΔPO| alone "
        "predicts (ΔPO-matched null, 10° bins) — finding of this package", "finding", t,
        key="bidirectional_dpo_matched",
        effect_unit="observed / expected (ΔPO-matched)",
        test="one-sided normal approximation of a sum of binomials",
        unit="unordered E pair",
        measured=f"{c['observed']} observed vs {_num(e, '.0f')} expected given |ΔPO| "
                 f"({_num(c['expected_global'], '.0f')} under independent placement); surplus "
                 f"{_num(t.estimate, '.3f')} ({_ci(t, '.3f')}); p {_P(t.p)}",
        expected=_expected("surplus > 1", alpha), note=note)


# ------------------------------------------------------------------ selectivity
def osi_rises(before: Any, after: Any, n_exc: int, population: str = "E",
              alpha: float = ALPHA) -> dict[str, Any]:
    """OSI rises with learning: neurons of ``population`` active before and after,
    paired difference of the Poisson-debiased OSI (tuning protocol, same input);
    one-sided Student t. The raw OSI change is reported."""
    if population not in ("E", "I"):
        raise ValueError(f"population must be 'E' or 'I', got {population!r}")
    sl = slice(0, n_exc) if population == "E" else slice(n_exc, None)
    ob, oa = before.osi_debiased[sl], after.osi_debiased[sl]
    t = _stats.one_sided_t(oa - ob, alpha)
    raw = _nanmean(after.osi[sl]) - _nanmean(before.osi[sl])
    return directional(
        f"The OSI of {population} neurons rises with learning", "claim", t,
        key=f"OSI_{population}_rises",
        effect_unit="debiased OSI, after − before",
        test="one-sided paired Student t over neurons, Poisson-debiased OSI (tuning "
             "protocol, same input before and after)",
        unit=f"{population} neuron active before and after",
        measured=f"mean debiased OSI {_num(_nanmean(ob), '.3f')} → {_num(_nanmean(oa), '.3f')} "
                 f"(raw OSI change {_num(raw, '+.3f')}); rise {_num(t.estimate, '.3f')} "
                 f"({_ci(t, '.3f')}); p {_P(t.p)}",
        expected=_expected("rise > 0", alpha))


def _nanmean(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


def po_follows_input(before: Any, after: Any, po: np.ndarray, n_exc: int,
                     max_deg: float = PO_MATCH_MAX_DEG) -> dict[str, Any]:
    """Sanity check: the measured PO of E neurons follows their input PO (median
    |PO_out − PO_in| below ``max_deg`` after learning; it holds before learning
    already)."""
    from .._orientation import wrap_distance
    p_in = np.asarray(po, dtype=np.float64)[:n_exc]

    def med(tun: Any) -> float:
        d = np.degrees(wrap_distance(np.asarray(tun.po_out[:n_exc]), p_in))
        d = d[np.isfinite(d)]
        return float(np.median(d)) if d.size else float("nan")
    mb, ma = med(before), med(after)
    holds = None if not math.isfinite(ma) else ma < max_deg
    return claim("The measured PO of E neurons follows their input PO (holds before "
                 "learning already)",
                 f"median |PO_out − PO_in| = {_num(mb, '.1f')}° → {_num(ma, '.1f')}°",
                 f"< {max_deg:g}° after learning", holds, kind="sanity", key="PO_follows_input",
                 effect={"estimate": _fin(ma), "unit": "deg (median over E neurons)",
                         "ci95": None}, p=None, alpha=None,
                 test="threshold on the median", unit=f"E neuron (n = {n_exc})", note=None)


# ------------------------------------------------------------------ spontaneous
def structure_survives(W0: Any, W_before: Any, W_after: Any, po: np.ndarray, n_exc: int,
                       *, ltd_IE: bool, share: float = SURVIVE_SHARE,
                       alpha: float = ALPHA, tag: str | None = None) -> dict[str, Any]:
    """Learned E→E structure survives spontaneous activity: per presynaptic E neuron,
    with c0, c1, c2 its contrast in W0, before and after spontaneous activity, H1: the
    retained share (c2 − c0)/(c1 − c0) exceeds ``share``; one-sided paired t on
    (c2 − c0) − share·(c1 − c0). The retained share's interval is from the delta method.
    A claim with the I→E LTD term on, a finding with it off."""
    c0 = presynaptic_contrast(W0, po, n_exc, NEAR_DEG, FAR_DEG)
    c1 = presynaptic_contrast(W_before, po, n_exc, NEAR_DEG, FAR_DEG)
    c2 = presynaptic_contrast(W_after, po, n_exc, NEAR_DEG, FAR_DEG)
    A, B = c2 - c0, c1 - c0
    ok = np.isfinite(A) & np.isfinite(B)
    A, B = A[ok], B[ok]
    t = _stats.one_sided_t(A - share * B, alpha)
    Bm = float(B.mean()) if B.size else float("nan")
    note = None
    rho, ci = float("nan"), (float("nan"), float("nan"))
    if B.size < 2:
        holds = None
        note = "no contrast defined: too few E neurons with near and far partners"
    elif Bm > 0:
        rho = float(A.mean()) / Bm
        se = float(np.std(A - rho * B, ddof=1)) / math.sqrt(B.size) / Bm
        ci = (rho - 1.959963984540054 * se, rho + 1.959963984540054 * se)
        holds = t.holds
    else:
        holds = False
        note = "nothing was learned: no learned contrast to retain"
    res = _stats.OneSided(rho, ci, t.p, t.n, holds, alpha)
    label = f"I→E LTD {'on' if ltd_IE else 'off'}" + (f", {tag}" if tag else "")
    return directional(
        f"Learned E→E structure survives spontaneous activity ({label}): retained share of "
        f"the learned contrast > {share:g}"
        + ("" if ltd_IE else " — finding of this package"),
        "claim" if ltd_IE else "finding", res,
        key=f"survives_spontaneous_LTD_{'on' if ltd_IE else 'off'}",
        effect_unit="retained share (c_after − c0) / (c_before − c0)",
        test=f"one-sided paired Student t of (c_after − c0) − {share:g}·(c_before − c0) over "
             "presynaptic E neurons",
        unit="presynaptic E neuron",
        measured=f"learned contrast {_num(Bm, '.3f')} mV, retained share "
                 f"{_num(rho, '.3f')} ({_ci(res, '.3f')}); p {_P(t.p)}",
        expected=_expected(f"retained share > {share:g}", alpha), note=note)


# ------------------------------------------------------------------ cardinal
def cardinal_overrepresented(near_cardinal: np.ndarray, near_cardinal_control: np.ndarray,
                             alpha: float = ALPHA) -> dict[str, Any]:
    """Biased experience over-represents cardinal orientations against a uniformly
    trained control: E neurons, paired (same W0, same neuron in both conditions); the
    neurons near-cardinal in one condition only: exact one-sided McNemar test. Effect:
    the paired difference of the near-cardinal fractions."""
    ca = np.asarray(near_cardinal, dtype=bool)
    ck = np.asarray(near_cardinal_control, dtype=bool)
    gain, loss = int(np.sum(ca & ~ck)), int(np.sum(~ca & ck))
    t = _stats.mcnemar_one_sided(gain, loss, ca.size, alpha)
    return directional(
        "Cardinal-biased experience over-represents cardinal POs (E neurons), against a "
        "uniformly trained control from the same W0", "claim", t,
        key="cardinal_overrepresentation",
        effect_unit="near-cardinal fraction, cardinal-trained − control",
        test="exact one-sided McNemar test", unit="E neuron (the same neuron in both "
        "conditions)",
        measured=f"near-cardinal {_num(ca.mean(), '.3f')} vs control {_num(ck.mean(), '.3f')}"
                 f": {gain} neurons near-cardinal only after cardinal training, {loss} only "
                 f"in the control; difference {_num(t.estimate, '+.3f')} ({_ci(t, '+.3f')})"
                 f"; p {_P(t.p)}",
        expected=_expected("difference > 0", alpha))


# ------------------------------------------------------------------ ablations
def runaway_without_ei_plasticity(rates_frozen: np.ndarray, rates_plastic: np.ndarray,
                                  factor: float = RUNAWAY_FACTOR,
                                  alpha: float = ALPHA) -> dict[str, Any]:
    """Finding: with E→I plasticity frozen excitation runs away: per E neuron (same
    neuron, same test input), r_frozen − factor·r_plastic after learning > 0; one-sided
    paired t."""
    rf = np.asarray(rates_frozen, dtype=np.float64)
    rp = np.asarray(rates_plastic, dtype=np.float64)
    t = _stats.one_sided_t(rf - factor * rp, alpha)
    ratio = rf.mean() / rp.mean() if rp.mean() > 0 else float("nan")
    return directional(
        f"E→I frozen: excitation runs away, E rate after learning > {factor:g}× the "
        "all-plastic run's — finding of this package", "finding", t, key="EI_frozen_runaway",
        effect_unit=f"Hz, r_frozen − {factor:g}·r_plastic",
        test="one-sided paired Student t over E neurons (same test input)", unit="E neuron",
        measured=f"E {_num(rf.mean(), '.2f')} Hz vs all plastic {_num(rp.mean(), '.2f')} Hz "
                 f"(× {_num(ratio, '.1f')}); excess {_num(t.estimate, '.2f')} Hz "
                 f"({_ci(t, '.2f')}); p {_P(t.p)}",
        expected=_expected(f"E rate > {factor:g}× (excess > 0)", alpha))


def osi_change_finding(label: str, before: Any, after: Any, n_exc: int, sign: int,
                       alpha: float = ALPHA, key: str | None = None) -> dict[str, Any]:
    """Finding on the E selectivity of an ablation: the paired change of the debiased
    OSI over E neurons, signed so that > 0 is the stated direction (``sign`` +1: rises,
    −1: falls); one-sided t."""
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    d = after.osi_debiased[:n_exc] - before.osi_debiased[:n_exc]
    t = _stats.one_sided_t(sign * d, alpha)
    word = "rise" if sign > 0 else "fall"
    return directional(
        f"{label} — finding of this package", "finding", t, key=key,
        effect_unit=f"debiased OSI {word} (E neurons)",
        test="one-sided paired Student t over E neurons (tuning protocol, same input)",
        unit="E neuron",
        measured=f"mean debiased OSI {_num(_nanmean(before.osi_debiased[:n_exc]), '.3f')} → "
                 f"{_num(_nanmean(after.osi_debiased[:n_exc]), '.3f')}; {word} "
                 f"{_num(t.estimate, '.3f')} ({_ci(t, '.3f')}); p {_P(t.p)}",
        expected=_expected(f"{word} > 0", alpha))


def ee_specific_without_ie_plasticity(W0: Any, W: Any, po: np.ndarray, n_exc: int,
                                      alpha: float = ALPHA) -> dict[str, Any]:
    """Finding: with I→E plasticity frozen E→E weights still become feature specific
    (as :func:`ee_becomes_specific`)."""
    r = ee_becomes_specific(W0, W, po, n_exc, alpha)
    r["claim"] = "I→E frozen: E→E weights still become feature specific — finding of this " \
                 "package"
    r["kind"] = "finding"
    r["key"] = "IE_frozen_EE_specific"
    r.pop("before", None)
    return r


def near_cardinal(po_out: np.ndarray, half_width_deg: float) -> np.ndarray:
    """E neurons whose measured PO is within ``half_width_deg`` of 0° or 90°."""
    return near_orientation_mask(po_out, CARDINAL_DEG, half_width_deg)
