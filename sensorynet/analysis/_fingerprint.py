"""The fingerprint of a run: summary statistics of the published protocol and of the
tuning protocol, compared with an ensemble of the published model by the identity test
(:func:`sensorynet.experiments.identity_check`; docs/claims.md). The face is
:class:`Fingerprint` (``Fingerprint.published``, ``Fingerprint.tuning``,
``Fingerprint.statistics``).

Two parts:

* :func:`published_fingerprint` — from a published-protocol result alone (the π/2 test
  before and after learning, the learning blocks' spikes, W0, W and two per-block
  snapshots): what plain ``sensorynet reproduce`` has.
* :func:`tuning_fingerprint` — from the tuning protocol before and after learning (12
  orientations × 2 s, static network), as the ``selectivity`` protocol runs it.

Every statistic is defined at any N, block count and scaling rule: rates are in Hz per
population; learning statistics are taken at *fractions* of the learning (windows of
block index / block count), snapshots likewise; weights over the synapses that exist in
W0 (so they do not depend on the connection density), |ΔPO| from the input POs;
"strong" means w > 2 J (1 mV at the published point) and "saturated" / "pruned" use the
run's own bounds. A statistic undefined in a run (no blocks, a silent population, no
snapshots) is NaN. Each statistic has a *kind* (:data:`KINDS`) that fixes the
transforms the identity test may choose for it.

Sparse results are analysed without expanding W; the cost at N = 500 is a few tens of
ms per part.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._orientation import wrap_distance
from .._results import ExperimentResult
from .._weights import SparseWeights
from ._contrast import dpo_deg, synapse_table
from ._reciprocity import (
    bidirectional_counts,
    bidirectional_counts_dpo_matched,
    reciprocal_correlation,
)

__all__ = ["Fingerprint", "StatisticSpec", "KINDS", "FINGERPRINT_VERSION",
           "fingerprint_statistics", "published_fingerprint", "tuning_fingerprint"]

#: version of the statistics' definitions; an ensemble made with another is refused
FINGERPRINT_VERSION = 1

#: kinds of statistic: a fraction of counted units, a rate (Hz), another positive
#: quantity, a bounded index in [0, 1] (not a count), a signed quantity
KINDS = ("fraction", "rate", "positive", "unit", "signed")

#: |ΔPO| bins (degrees) of the E→E per-bin statistics
EE_BINS = ((0, 15), (15, 30), (30, 45), (45, 60), (60, 75), (75, 90))
#: |ΔPO| bins of the E→I and I→E per-bin statistics
BINS_30 = ((0, 30), (30, 60), (60, 90))
#: windows of the learning (fractions of the block count) of the block-rate statistics
RATE_WINDOWS = ((0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.75), (0.75, 1.0))
#: fractions of the learning at which the per-block snapshots are summarised
SNAP_FRACTIONS = (0.25, 0.5)
#: least spikes of a neuron for its ISI CV
CV_MIN_SPIKES = 5
#: bin of the population spike count of the synchrony statistic, ms
SYNC_BIN_MS = 5.0
#: "strong" E→E connection: w > STRONG_J·J
STRONG_J = 2.0
#: interior quantiles of the weight distributions
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: points of the E population tuning curve, degrees from the input PO
CURVE_DEG = (0, 15, 30, 45, 60)


@dataclass(frozen=True)
class StatisticSpec:
    """One statistic of the fingerprint.

    Attributes
    ----------
    name : str
    kind : str
        One of :data:`KINDS`.
    part : str
        ``"published"`` or ``"tuning"`` (the protocol whose result it needs).
    group : str
        What it describes (rates, weights E→E, reciprocity, ...).
    description : str
        Its definition, with units.
    """

    name: str
    kind: str
    part: str
    group: str
    description: str


class Fingerprint(dict[str, float]):
    """Statistics of one run, ``{name: value}`` (NaN where undefined), in the order of
    :meth:`Fingerprint.statistics`.

    Attributes
    ----------
    counts : dict of str to int
        For each fraction, the number of units it was counted over (synapses, pairs).
    """

    #: version of the statistics' definitions; an ensemble made with another is refused
    VERSION: ClassVar[int] = FINGERPRINT_VERSION

    def __init__(self, values: dict[str, float] | None = None,
                 counts: dict[str, int] | None = None) -> None:
        super().__init__(values or {})
        self.counts: dict[str, int] = dict(counts or {})

    @staticmethod
    def statistics(part: str | None = None) -> dict[str, StatisticSpec]:
        """Every statistic of the fingerprint by name, in order: its kind, part (the
        protocol it needs), group and definition with units.

        Parameters
        ----------
        part : {"published", "tuning"}, optional
            Only that part's statistics (default: both).
        """
        return fingerprint_statistics(part)

    @classmethod
    def published(cls, result: ExperimentResult) -> Fingerprint:
        """The published part of the fingerprint of a published-protocol result (the
        π/2 test before and after learning, the learning blocks, W0, W, snapshots).

        Parameters
        ----------
        result : ExperimentResult
            From :func:`sensorynet.run_published`.
        """
        return published_fingerprint(result)

    @classmethod
    def tuning(cls, W0: np.ndarray | SparseWeights, W: np.ndarray | SparseWeights,
               po: np.ndarray, n_exc: int, before: Any, after: Any) -> Fingerprint:
        """The tuning part of the fingerprint, from the tuning protocol of W0 and of W
        (same input realisation).

        Parameters
        ----------
        W0, W : ndarray (N, N) or SparseWeights
            Initial and learned weights, mV.
        po : ndarray (N,)
            Input preferred orientations, rad.
        n_exc : int
        before, after : TuningResult
            As :func:`sensorynet.experiments.run_tuning` returns them.
        """
        return tuning_fingerprint(W0, W, po, n_exc, before, after)

    def merged(self, other: Fingerprint) -> Fingerprint:
        """A new fingerprint with the statistics of both (``other`` wins on a clash)."""
        return Fingerprint({**self, **other}, {**self.counts, **other.counts})

    def to_json(self) -> dict[str, Any]:
        """``{"values": {name: value or None}, "counts": {...}}`` (NaN -> None)."""
        return {"values": {k: (v if math.isfinite(v) else None) for k, v in self.items()},
                "counts": dict(self.counts)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        """Inverse of :meth:`to_json` (``ValueError`` for a malformed object)."""
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            raise ValueError("a fingerprint must be an object with a 'values' object")
        vals = {}
        for k, v in data["values"].items():
            if v is None:
                vals[str(k)] = float("nan")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                vals[str(k)] = float(v)
            else:
                raise ValueError(f"fingerprint value {k}={v!r} is not a number or null")
        counts = data.get("counts", {})
        if not isinstance(counts, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in counts.values()):
            raise ValueError("fingerprint counts must be an object of integers")
        return cls(vals, counts)


# ------------------------------------------------------------------ the statistics
def _pw(pw: str) -> str:
    return f"{pw[0]}→{pw[1]}"


def _published_specs() -> Iterator[tuple[str, str, str, str]]:
    for ph in ("before", "after"):
        yield (f"test_{ph}_rate_E", "rate", "rates",
               f"mean E rate in the π/2 test {ph} learning (Hz)")
        yield (f"test_{ph}_rate_I", "rate", "rates",
               f"mean I rate in the π/2 test {ph} learning (Hz)")
        yield (f"test_{ph}_popvec_E", "unit", "test tuning",
               f"E population response tuning in the π/2 test {ph} learning: "
               "Σ r·cos 2(PO − θ) / Σ r")
        yield (f"test_{ph}_isi_cv_E", "positive", "irregularity",
               f"mean ISI CV of E neurons (≥ {CV_MIN_SPIKES} spikes), π/2 test {ph} "
               "learning")
        yield (f"test_{ph}_pop_fano_E", "positive", "synchrony",
               f"Fano factor of the E population spike count in {SYNC_BIN_MS:g}-ms bins, "
               f"π/2 test {ph} learning")
    yield ("test_after_rate_cv_across_E", "positive", "rates",
           "CV across E neurons of the π/2-test rate after learning")
    yield ("test_after_popvec_I", "unit", "test tuning",
           "I population response tuning in the π/2 test after learning")
    yield ("test_after_isi_cv_I", "positive", "irregularity",
           "mean ISI CV of I neurons (≥ 5 spikes), π/2 test after learning")
    for lo, hi in RATE_WINDOWS:
        for pop in "EI":
            yield (_window_name(lo, hi, pop), "rate", "learning curve",
                   f"mean {pop} rate in the learning blocks of the {lo:.0%}–{hi:.0%} "
                   "stretch of the learning (Hz)")
    yield ("blocks_late_isi_cv_E", "positive", "irregularity",
           "mean ISI CV of E neurons in the last quarter of the learning blocks")
    yield ("W0_density_EE", "signed", "construction", "connection density of E→E in W0")
    yield ("W0_density_EI", "signed", "construction", "connection density of E→I in W0")
    for pw in ("EE", "EI", "IE"):
        wkind = "signed" if pw == "IE" else "positive"
        g = f"weights {_pw(pw)}"
        yield (f"W_{pw}_mean", wkind, g, f"mean final {_pw(pw)} weight of the W0 synapses (mV)")
        yield (f"W_{pw}_pruned", "fraction", g, f"fraction of W0 {_pw(pw)} synapses pruned to 0")
        yield (f"W_{pw}_saturated", "fraction", g,
               f"fraction of W0 {_pw(pw)} synapses at the weight bound")
        for q in QUANTILES:
            yield (f"W_{pw}_interior_q{round(q * 100):02d}", wkind, g,
                   f"{q:.0%} quantile of the final {_pw(pw)} weights strictly inside the "
                   "bounds (mV)")
        yield (f"W_{pw}_interior_sd", "positive", g,
               f"sd of the final {_pw(pw)} weights strictly inside the bounds (mV)")
    for lo, hi in EE_BINS:
        g = "E→E by |ΔPO|"
        yield (f"W_EE_dpo{lo:02d}_{hi:02d}_mean", "positive", g,
               f"E→E, |ΔPO| {lo}–{hi}°: mean final weight of the W0 synapses (mV)")
        yield (f"W_EE_dpo{lo:02d}_{hi:02d}_pruned", "fraction", g,
               f"E→E, |ΔPO| {lo}–{hi}°: fraction of the W0 synapses pruned to 0")
        yield (f"W_EE_dpo{lo:02d}_{hi:02d}_saturated", "fraction", g,
               f"E→E, |ΔPO| {lo}–{hi}°: fraction of the W0 synapses at the bound")
    for pw in ("EI", "IE"):
        for lo, hi in BINS_30:
            yield (f"W_{pw}_dpo{lo:02d}_{hi:02d}_mean",
                   "signed" if pw == "IE" else "positive", f"{_pw(pw)} by |ΔPO|",
                   f"{_pw(pw)}, |ΔPO| {lo}–{hi}°: mean final weight of the W0 synapses (mV)")
    yield ("EE_strong_fraction", "fraction", "reciprocity",
           f"fraction of ordered E pairs with a strong connection (w > {STRONG_J:g} J)")
    yield ("EE_bidirectional_surplus", "positive", "reciprocity",
           "reciprocally strong E pairs / expected under independent placement")
    yield ("EE_reciprocal_corr", "unit", "reciprocity",
           "correlation of w_ij with w_ji over reciprocal E→E synapses")
    yield ("EE_bidirectional_surplus_dpo", "positive", "reciprocity",
           "reciprocally strong E pairs / expected given their |ΔPO| (10° bins)")
    for f in SNAP_FRACTIONS:
        tag, when = f"snap{round(f * 100):02d}", f"after {f:.0%} of the blocks"
        g = "learning trajectory"
        yield (f"{tag}_EE_contrast", "signed", g,
               f"{when}: E→E contrast, mean w at |ΔPO| < 30° minus ≥ 60° (W0 synapses, mV)")
        yield (f"{tag}_EE_pruned", "fraction", g, f"{when}: fraction of E→E synapses pruned")
        yield (f"{tag}_EE_mean", "positive", g, f"{when}: mean E→E weight (mV)")
        yield (f"{tag}_EI_mean", "positive", g, f"{when}: mean E→I weight (mV)")
        yield (f"{tag}_IE_mean", "signed", g, f"{when}: mean I→E weight (mV)")


def _tuning_specs() -> Iterator[tuple[str, str, str, str]]:
    for ph in ("before", "after"):
        yield (f"tun_{ph}_rate_E", "rate", "tuning rates",
               f"mean E rate over the 12 orientations, {ph} learning (Hz)")
        yield (f"tun_{ph}_rate_I", "rate", "tuning rates",
               f"mean I rate over the 12 orientations, {ph} learning (Hz)")
        yield (f"tun_{ph}_osi_E_mean", "unit", "OSI", f"mean OSI of E neurons, {ph} learning")
        yield (f"tun_{ph}_osi_I_mean", "unit", "OSI", f"mean OSI of I neurons, {ph} learning")
        yield (f"tun_{ph}_osi_debiased_E_mean", "unit", "OSI",
               f"mean Poisson-debiased OSI of E neurons, {ph} learning")
        for deg in CURVE_DEG:
            yield (f"tun_{ph}_curve_E_{deg:02d}deg", "positive", "tuning curve",
                   f"E population tuning curve at |θ − input PO| = {deg}°, divided by its "
                   f"mean over 0–90°, {ph} learning")
    for q in QUANTILES:
        yield (f"tun_after_osi_E_q{round(q * 100):02d}", "unit", "OSI",
               f"{q:.0%} quantile of the OSI of E neurons after learning")
    for q in (0.25, 0.5, 0.75):
        yield (f"tun_after_osi_I_q{round(q * 100):02d}", "unit", "OSI",
               f"{q:.0%} quantile of the OSI of I neurons after learning")
    yield ("tun_after_osi_debiased_I_mean", "unit", "OSI",
           "mean Poisson-debiased OSI of I neurons after learning")
    yield ("tun_after_rate_cv_across_E", "positive", "tuning rates",
           "CV across E neurons of the 12-orientation mean rate after learning")
    for ph in ("before", "after"):
        yield (f"tun_{ph}_po_match_E", "unit", "PO",
               f"mean cos 2(measured PO − input PO) of E neurons, {ph} learning")
    yield ("tun_after_EE_contrast_output_po", "signed", "PO",
           "E→E contrast by the measured PO after learning: mean w at |ΔPO| < 30° minus "
           "≥ 60° (W0 synapses, mV)")


def _window_name(lo: float, hi: float, pop: str) -> str:
    return f"blocks_{round(lo * 100):02d}_{round(hi * 100):03d}_rate_{pop}"


def fingerprint_statistics(part: str | None = None) -> dict[str, StatisticSpec]:
    """Every statistic of the fingerprint, by name, in order.

    Parameters
    ----------
    part : {"published", "tuning"}, optional
        Only that part's statistics (default: both).
    """
    if part not in (None, "published", "tuning"):
        raise ValueError(f"part must be 'published', 'tuning' or None, got {part!r}")
    out = {}
    for p, gen in (("published", _published_specs), ("tuning", _tuning_specs)):
        if part in (None, p):
            for name, kind, group, desc in gen():
                out[name] = StatisticSpec(name, kind, p, group, desc)
    return out


def _finish(part: str, values: dict[str, float], counts: dict[str, int]) -> Fingerprint:
    specs = fingerprint_statistics(part)
    if set(values) != set(specs):                      # a programming error, not input
        raise AssertionError(f"fingerprint {part}: computed {sorted(set(values) ^ set(specs))}")
    return Fingerprint({n: float(values[n]) for n in specs}, counts)


# ------------------------------------------------------------------ spike statistics
def _isi_cv(train: Any, lo: int, hi: int) -> float:
    """Mean over neurons lo..hi-1 with >= CV_MIN_SPIKES spikes of the ISI CV."""
    sel = (train.neurons >= lo) & (train.neurons < hi)
    n = train.neurons[sel].astype(np.int64)
    s = train.steps[sel].astype(np.float64)
    if n.size < 2:
        return float("nan")
    order = np.lexsort((s, n))
    n, s = n[order], s[order]
    same = n[1:] == n[:-1]
    isi = np.diff(s)[same]
    who = n[1:][same]
    cnt = np.bincount(who, minlength=hi)[lo:hi]
    s1 = np.bincount(who, weights=isi, minlength=hi)[lo:hi]
    s2 = np.bincount(who, weights=isi * isi, minlength=hi)[lo:hi]
    ok = cnt >= CV_MIN_SPIKES - 1
    if not ok.any():
        return float("nan")
    m = s1[ok] / cnt[ok]
    var = np.maximum(s2[ok] / cnt[ok] - m * m, 0.0) * cnt[ok] / np.maximum(cnt[ok] - 1, 1)
    return float(np.mean(np.sqrt(var) / m))


def _pop_fano(train: Any, lo: int, hi: int) -> float:
    """Fano factor of the population spike count of neurons lo..hi-1 in SYNC_BIN_MS bins
    (1 for independent Poisson neurons, larger with synchrony)."""
    nb = int(train.n_steps * train.dt // SYNC_BIN_MS)
    if nb < 2:
        return float("nan")
    sel = (train.neurons >= lo) & (train.neurons < hi)
    b = np.minimum((train.steps[sel] * train.dt // SYNC_BIN_MS).astype(np.int64), nb - 1)
    c = np.bincount(b, minlength=nb).astype(np.float64)
    m = c.mean()
    return float(c.var(ddof=1) / m) if m > 0 else float("nan")


def _popvec(rates: np.ndarray, po: np.ndarray, theta: float) -> float:
    s = rates.sum()
    return float(np.sum(rates * np.cos(2.0 * (po - theta))) / s) if s > 0 else float("nan")


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else float("nan")


def _frac(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")


def _quantile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if x.size else float("nan")


def _bin_index(d: np.ndarray, bins: tuple[tuple[int, int], ...]) -> np.ndarray:
    k = np.full(d.shape, -1, dtype=np.int64)
    for i, (lo, hi) in enumerate(bins):
        k[(d >= lo) & ((d <= hi) if i == len(bins) - 1 else (d < hi))] = i
    return k


def _contrast(w: np.ndarray, d: np.ndarray) -> float:
    near, far = w[d < 30.0], w[d >= 60.0]
    return float(near.mean() - far.mean()) if near.size and far.size else float("nan")


# ------------------------------------------------------------------ the two parts
def published_fingerprint(result: ExperimentResult) -> Fingerprint:
    """The published part of the fingerprint of a published-protocol result.

    Parameters
    ----------
    result : ExperimentResult
        From :func:`sensorynet.run_published` (needs the ``"before"`` and ``"after"``
        test phases; learning blocks and snapshots are used when present).

    Returns
    -------
    Fingerprint
        The statistics of :func:`fingerprint_statistics` ``("published")``.
    """
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")
    for ph in ("before", "after"):
        if ph not in result.spikes:
            raise ValueError(f"result lacks the {ph!r} test phase (not a published run)")
    p = result.params
    ne, N = result.n_exc, result.N
    po = np.asarray(result.po, dtype=np.float64)
    theta = float(np.atleast_1d(result.test_thetas)[0]) if result.test_thetas is not None \
        else float("nan")
    v: dict[str, float] = {}
    counts: dict[str, int] = {}

    for ph in ("before", "after"):
        tr = result.spikes[ph]
        r = tr.rates()
        v[f"test_{ph}_rate_E"], v[f"test_{ph}_rate_I"] = _mean(r[:ne]), _mean(r[ne:])
        v[f"test_{ph}_popvec_E"] = _popvec(r[:ne], po[:ne], theta)
        v[f"test_{ph}_isi_cv_E"] = _isi_cv(tr, 0, ne)
        v[f"test_{ph}_pop_fano_E"] = _pop_fano(tr, 0, ne)
    tr = result.spikes["after"]
    rE = tr.rates()[:ne]
    v["test_after_rate_cv_across_E"] = (float(rE.std() / rE.mean()) if rE.mean() > 0
                                        else float("nan"))
    v["test_after_popvec_I"] = _popvec(tr.rates()[ne:], po[ne:], theta)
    v["test_after_isi_cv_I"] = _isi_cv(tr, ne, N)

    nb = result.n_blocks
    block_rates = np.array([[_mean(r[:ne]), _mean(r[ne:])] for r in
                            (result.block_spikes(b).rates() for b in range(nb))]).reshape(nb, 2)
    t = (np.arange(nb) + 0.5) / max(nb, 1)
    for lo, hi in RATE_WINDOWS:
        sel = (t >= lo) & (t < hi)
        for k, pop in enumerate("EI"):
            v[_window_name(lo, hi, pop)] = (float(block_rates[sel, k].mean()) if sel.any()
                                            else float("nan"))
    late = [result.block_spikes(b) for b in range(nb) if (b + 0.5) / nb >= 0.75]
    cvs = [c for c in (_isi_cv(s, 0, ne) for s in late if hasattr(s, "steps"))
           if math.isfinite(c)]
    v["blocks_late_isi_cv_E"] = float(np.mean(cvs)) if cvs else float("nan")

    syn = synapse_table(result.W0)
    w_end = syn.values(result.W)
    d = dpo_deg(po[syn.pre], po[syn.post])
    mask = {pw: syn.pathway(ne, pw) for pw in ("EE", "EI", "IE")}
    n_ee, n_ei = ne * ne, ne * (N - ne)
    v["W0_density_EE"] = float(mask["EE"].sum() / n_ee) if n_ee else float("nan")
    v["W0_density_EI"] = float(mask["EI"].sum() / n_ei) if n_ei else float("nan")
    pl = p.plasticity
    for pw in ("EE", "EI", "IE"):
        w = w_end[mask[pw]]
        bound = pl.w_min_inh if pw == "IE" else pl.w_max
        pruned, sat = w == 0, w == bound
        interior = w[~pruned & ~sat]
        v[f"W_{pw}_mean"] = _mean(w)
        v[f"W_{pw}_pruned"], counts[f"W_{pw}_pruned"] = _frac(pruned), int(w.size)
        v[f"W_{pw}_saturated"], counts[f"W_{pw}_saturated"] = _frac(sat), int(w.size)
        qs = (np.quantile(interior, QUANTILES) if interior.size
              else np.full(len(QUANTILES), np.nan))
        for q, x in zip(QUANTILES, qs, strict=True):
            v[f"W_{pw}_interior_q{round(q * 100):02d}"] = float(x)
        v[f"W_{pw}_interior_sd"] = (float(interior.std()) if interior.size > 1
                                    else float("nan"))
    wEE, dEE = w_end[mask["EE"]], d[mask["EE"]]
    kb = _bin_index(dEE, EE_BINS)
    for i, (lo, hi) in enumerate(EE_BINS):
        w = wEE[kb == i]
        tag = f"W_EE_dpo{lo:02d}_{hi:02d}"
        v[f"{tag}_mean"] = _mean(w)
        v[f"{tag}_pruned"], counts[f"{tag}_pruned"] = _frac(w == 0), int(w.size)
        v[f"{tag}_saturated"], counts[f"{tag}_saturated"] = _frac(w == pl.w_max), int(w.size)
    for pw in ("EI", "IE"):
        kb = _bin_index(d[mask[pw]], BINS_30)
        w = w_end[mask[pw]]
        for i, (lo, hi) in enumerate(BINS_30):
            v[f"W_{pw}_dpo{lo:02d}_{hi:02d}_mean"] = _mean(w[kb == i])

    thr = STRONG_J * p.network.J
    bc = bidirectional_counts(result.W, ne, threshold=thr)
    n_ordered = 2 * bc["n_pairs"]
    v["EE_strong_fraction"] = bc["q"]
    counts["EE_strong_fraction"] = int(n_ordered)
    v["EE_bidirectional_surplus"] = (bc["observed"] / bc["expected"] if bc["expected"] > 0
                                     else float("nan"))
    v["EE_reciprocal_corr"] = reciprocal_correlation(result.W, ne)
    v["EE_bidirectional_surplus_dpo"] = bidirectional_counts_dpo_matched(
        result.W, po, ne, threshold=thr)["surplus_dpo"]

    n_snap = result.n_snapshots
    for f in SNAP_FRACTIONS:
        tag = f"snap{round(f * 100):02d}"
        b = int(round(f * nb)) - 1
        if n_snap and 0 <= b < n_snap and nb:
            wb = syn.values(result.block_weights(b))
            wbE = wb[mask["EE"]]
            v[f"{tag}_EE_contrast"] = _contrast(wbE, dEE)
            v[f"{tag}_EE_pruned"], counts[f"{tag}_EE_pruned"] = _frac(wbE == 0), int(wbE.size)
            v[f"{tag}_EE_mean"] = _mean(wbE)
            v[f"{tag}_EI_mean"] = _mean(wb[mask["EI"]])
            v[f"{tag}_IE_mean"] = _mean(wb[mask["IE"]])
        else:
            for s in ("EE_contrast", "EE_pruned", "EE_mean", "EI_mean", "IE_mean"):
                v[f"{tag}_{s}"] = float("nan")
    return _finish("published", v, counts)


def tuning_fingerprint(W0: np.ndarray | SparseWeights, W: np.ndarray | SparseWeights,
                       po: np.ndarray, n_exc: int, before: Any, after: Any) -> Fingerprint:
    """The tuning part of the fingerprint.

    Parameters
    ----------
    W0, W : ndarray (N, N) or SparseWeights
        Initial and learned weights, mV.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
    before, after : TuningResult
        The tuning protocol of W0 and of W (same input realisation), as
        :func:`sensorynet.experiments.run_tuning` returns it.

    Returns
    -------
    Fingerprint
        The statistics of :func:`fingerprint_statistics` ``("tuning")``.
    """
    po = np.asarray(po, dtype=np.float64)
    ne = int(n_exc)
    v: dict[str, float] = {}

    def finite_mean(x: np.ndarray) -> float:
        x = x[np.isfinite(x)]
        return float(x.mean()) if x.size else float("nan")
    for ph, tun in (("before", before), ("after", after)):
        r = np.asarray(tun.rates, dtype=np.float64)            # (n_theta, N)
        mr = r.mean(axis=0)
        v[f"tun_{ph}_rate_E"], v[f"tun_{ph}_rate_I"] = _mean(mr[:ne]), _mean(mr[ne:])
        o = tun.osi
        v[f"tun_{ph}_osi_E_mean"] = finite_mean(o[:ne])
        v[f"tun_{ph}_osi_I_mean"] = finite_mean(o[ne:])
        v[f"tun_{ph}_osi_debiased_E_mean"] = finite_mean(tun.osi_debiased[:ne])
        dist = np.degrees(wrap_distance(np.asarray(tun.thetas)[:, None], po[None, :ne]))
        k = np.minimum(np.round(dist / 15.0).astype(np.int64), 6)      # 0, 15, ..., 90°
        curve = (np.bincount(k.ravel(), weights=r[:, :ne].ravel(), minlength=7)
                 / np.maximum(np.bincount(k.ravel(), minlength=7), 1))
        cm = curve.mean()
        for j, deg in enumerate(CURVE_DEG):
            v[f"tun_{ph}_curve_E_{deg:02d}deg"] = (float(curve[j] / cm) if cm > 0
                                                   else float("nan"))
    o = after.osi
    oE, oI = o[:ne][np.isfinite(o[:ne])], o[ne:][np.isfinite(o[ne:])]
    for q in QUANTILES:
        v[f"tun_after_osi_E_q{round(q * 100):02d}"] = _quantile(oE, q)
    for q in (0.25, 0.5, 0.75):
        v[f"tun_after_osi_I_q{round(q * 100):02d}"] = _quantile(oI, q)
    v["tun_after_osi_debiased_I_mean"] = finite_mean(after.osi_debiased[ne:])
    mr = np.asarray(after.rates, dtype=np.float64).mean(axis=0)[:ne]
    v["tun_after_rate_cv_across_E"] = (float(mr.std() / mr.mean()) if mr.mean() > 0
                                       else float("nan"))
    for ph, tun in (("before", before), ("after", after)):
        v[f"tun_{ph}_po_match_E"] = finite_mean(np.cos(2.0 * (tun.po_out[:ne] - po[:ne])))
    syn = synapse_table(W0)
    mEE = syn.pathway(ne, "EE")
    pout = np.asarray(after.po_out, dtype=np.float64)
    pre, post = syn.pre[mEE], syn.post[mEE]
    ok = np.isfinite(pout[pre]) & np.isfinite(pout[post])
    w = syn.values(W)[mEE][ok]
    v["tun_after_EE_contrast_output_po"] = _contrast(w, dpo_deg(pout[pre][ok], pout[post][ok]))
    return _finish("tuning", v, {})
