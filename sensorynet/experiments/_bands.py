"""The claims of the paper, checked against bands from an ensemble of published runs.

Expectations come from an ensemble of the published model (N = 500, 40 blocks) on seeds
no test uses, made by ``tools/calibrate_claims.py`` and shipped as
``sensorynet/data/published_ensemble.json``. Two experiments' numbers get bands: the
published experiment (:data:`CLAIMS`: rates, E→E weights per |ΔPO| bin, mean E→I / I→E
weights) and the selectivity analysis (:data:`SELECTIVITY_CLAIMS`: OSI after learning and
its mean paired increase for E and I, the E→E specificity contrast, the bidirectional
surplus against the global and the ΔPO-matched null). Each band is ``mean ± k·sd`` with
one ``k`` for the whole report, chosen so that a new seed of the published model fails
*any* band with probability ≤ ``ALPHA`` (1 %):

* Bonferroni over all ``m`` band checks of the report (:data:`ENSEMBLE_CHECKS`,
  claims, findings and sanity checks alike): each may fail with probability
  ``ALPHA / m`` (two-sided);
* mean and sd are estimated from ``n`` seeds, so the band is a normal prediction
  interval, ``k = t_{n-1}(1 - ALPHA/(2m)) · sqrt(1 + 1/n)`` (Student t quantile,
  computed here without scipy). It assumes each metric is normal across seeds.

Every check has a ``kind``: ``"claim"`` (a claim of the paper), ``"finding"`` (what
this package's model does, no published prediction) or ``"sanity"`` (construction:
weights and rates before learning; reported apart, not counted as claims).

The ranges of the published code (docs/model.md §6, :data:`PUBLISHED_RANGES`) stay in the
records as context (``published``); pass/fail comes from the ensemble band.

A band only applies at the point it was calibrated at: for another network size every
check is ``holds = None`` ("not calibrated for this N"); for another number of learning
blocks the checks that depend on learning are ``None`` ("not calibrated for this block
count"), the others (before learning, first learning block) are still checked.

docs/claims.md describes the calibration, the false-alarm check on held-out seeds and
the mutation score (:data:`MUTATION_SCORE`).
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from .._orientation import DPO_BINS_DEG
from .._reference_values import published_values
from ._common import ClaimKind

__all__ = ["PUBLISHED_RANGES", "CLAIMS", "SELECTIVITY_CLAIMS", "ENSEMBLE_CHECKS",
           "MUTATION_SCORE", "ClaimSpec", "ALPHA", "ENSEMBLE_FILE",
           "published_claims", "band_checks", "load_ensemble", "band_factor", "student_t_quantile",
           "measure", "claims_summary"]

#: family-wise false-alarm rate of the whole claims table on a new published seed
ALPHA = 0.01
#: file name of the ensemble in ``sensorynet/data``
ENSEMBLE_FILE = "published_ensemble.json"

#: (label, path into the metrics dict, low, high, unit) of the published code's results,
#: read from docs/model.md §6 (:func:`published_values`, the one source of the report's,
#: the README's and the notebooks' reference values). Context only: claims pass or fail
#: against the ensemble band.
_PV = published_values()
PUBLISHED_RANGES: list[tuple[str, tuple[str | int, ...], float, float, str]] = [
    ("E rate before learning, π/2 test", ("rates", "before", "E"),
     *_PV["rate_E_test"]["before"], "Hz"),
    ("E rate after learning, π/2 test", ("rates", "after", "E"),
     *_PV["rate_E_test"]["after"], "Hz"),
    ("I rate before learning, π/2 test", ("rates", "before", "I"),
     *_PV["rate_I_test"]["before"], "Hz"),
    ("I rate after learning, π/2 test", ("rates", "after", "I"),
     *_PV["rate_I_test"]["after"], "Hz"),
    *[(f"initial mean E→E weight, |ΔPO| {lo}–{hi}°",
       ("specificity_EE", "initial", k), c, c, "mV")
      for k, ((lo, hi), c) in enumerate(zip(DPO_BINS_DEG, _PV["specificity_EE"]["before"],
                                            strict=True))],
    *[(f"final mean E→E weight, |ΔPO| {lo}–{hi}°",
       ("specificity_EE", "final", k), c - _PV["specificity_EE"]["after_tolerance"],
       c + _PV["specificity_EE"]["after_tolerance"], "mV")
      for k, ((lo, hi), c) in enumerate(zip(DPO_BINS_DEG, _PV["specificity_EE"]["after"],
                                            strict=True))],
]


@dataclass(frozen=True)
class ClaimSpec:
    """One quantitative check: where its number is in the metrics and what it needs.

    Attributes
    ----------
    key : str
        Key in the ensemble file: the path joined by ``/``, prefixed by the experiment
        for experiments other than ``published`` (``"selectivity/osi/after/E"``).
    label, unit : str
    path : tuple
        Path into the experiment's metrics (:func:`published_metrics` for
        ``published``, ``SelectivityAnalysis.metrics()`` for ``selectivity``).
    published : str
        The published code's value or the paper's statement (context only).
    learning : bool
        The number depends on the number of learning blocks.
    kind : str
        ``"claim"`` (a claim of the paper), ``"finding"`` (what this package's model
        does, no published prediction) or ``"sanity"`` (a construction check, not a
        claim of the paper: weights and rates before learning).
    experiment : str
        ``"published"`` or ``"selectivity"``.
    """

    key: str
    label: str
    path: tuple[str | int, ...]
    unit: str
    published: str
    learning: bool
    kind: ClaimKind = "claim"
    experiment: str = "published"


def _range_text(lo: float, hi: float, unit: str) -> str:
    if lo == hi:
        return f"{lo:g} {unit}"
    return f"{lo:.1f}–{hi:.1f} {unit}" if unit == "Hz" else f"{lo:.3g}–{hi:.3g} {unit}"


def _spec(label: str, path: tuple[str | int, ...], unit: str, published: str, learning: bool,
          kind: ClaimKind = "claim", experiment: str = "published") -> ClaimSpec:
    key = "/".join(map(str, path))
    if experiment != "published":
        key = f"{experiment}/{key}"
    return ClaimSpec(key, label, tuple(path), unit, published, learning, kind, experiment)


def _published_kind(path: tuple[str | int, ...]) -> ClaimKind:
    # construction checks: the weights and rates before any plasticity acted
    if path[0] == "specificity_EE" and path[1] == "initial":
        return "sanity"
    if path[:2] == ("rates", "before") or path == ("rates", "learning_blocks_E", 0):
        return "sanity"
    return "claim"


#: checks of the published experiment, in report order
CLAIMS = (
    *[_spec(label, path, unit, _range_text(lo, hi, unit),
            learning=("after" in path or "final" in path), kind=_published_kind(path))
      for label, path, lo, hi, unit in PUBLISHED_RANGES],
    _spec("E rate in the first learning block", ("rates", "learning_blocks_E", 0), "Hz",
          f"{_PV['rate_E_learning']['before']:g} Hz", learning=False, kind="sanity"),
    _spec("E rate in the last learning block", ("rates", "learning_blocks_E", -1), "Hz",
          f"{_PV['rate_E_learning']['after']:g} Hz", learning=True),
    _spec("mean E→I weight of existing synapses after learning",
          ("mean_weight_existing", "EI", "final"), "mV",
          f"≈ {_PV['mean_EI']['after']:g} mV ({_PV['mean_EI']['before']:g} before)",
          learning=True),
    _spec("mean I→E weight of existing synapses after learning",
          ("mean_weight_existing", "IE", "final"), "mV",
          f"≈ {_PV['mean_IE']['after']:g} mV ({_PV['mean_IE']['before']:g} before)",
          learning=True),
)

_BIN_TEXT = (f"{DPO_BINS_DEG[0][0]}–{DPO_BINS_DEG[0][1]}° minus "
             f"{DPO_BINS_DEG[-1][0]}–{DPO_BINS_DEG[-1][1]}°")

#: checks of the selectivity experiment (tuning before/after learning, learned
#: structure), calibrated on the same ensemble; effect sizes, not directions
SELECTIVITY_CLAIMS = (
    _spec("mean OSI of E neurons after learning", ("osi", "after", "E"), "",
          "rises with learning", True, experiment="selectivity"),
    _spec("OSI increase of E neurons with learning (mean paired difference over neurons)",
          ("osi_change", "E", "mean"), "", "E neurons become more selective", True,
          experiment="selectivity"),
    _spec("mean OSI of I neurons after learning", ("osi", "after", "I"), "",
          "rises with learning", True, experiment="selectivity"),
    _spec("OSI increase of I neurons with learning (mean paired difference over neurons)",
          ("osi_change", "I", "mean"), "", "I neurons become more selective", True,
          experiment="selectivity"),
    _spec(f"E→E specificity contrast after learning, mean w at |ΔPO| {_BIN_TEXT} "
          "(input PO)", ("specificity_contrast_EE", "final"), "mV",
          "E→E weights become feature specific", True, experiment="selectivity"),
    _spec(f"E→E specificity contrast after learning, |ΔPO| {_BIN_TEXT} of the measured "
          "(output) PO", ("specificity_contrast_EE", "final_output_po"), "mV",
          "specific also for the measured PO", True, experiment="selectivity"),
    _spec("strong (> 1 mV) E↔E connections are bidirectional more often than independent "
          "placement predicts: observed / expected (global null)",
          ("bidirectional_counts", "surplus"), "", "strong connections preferentially "
          "bidirectional", True, experiment="selectivity"),
    _spec("bidirectional strong E↔E pairs against the ΔPO-matched null (strong "
          "connections placed independently given the pair's |ΔPO|): observed / expected; "
          "finding of this package (no published prediction)",
          ("bidirectional_dpo_matched", "surplus_dpo"), "", "", True, kind="finding",
          experiment="selectivity"),
)

#: every band check of the report; the family over which ``k`` is chosen
ENSEMBLE_CHECKS = CLAIMS + SELECTIVITY_CLAIMS

#: last measured mutation score of the band checks (docs/claims.md): mutants of the
#: published model failing at least one check on each of 2 seeds
MUTATION_SCORE = {"killed": 14, "total": 16, "measured": "2026-12-01",
                  "survivors": ["A_LTP x1.1", "A_LTD x0.9"],
                  "command": "pytest -m slow tests/experiments/test_bands.py -s -k mutation_score"}


# ----------------------------------------------------------------- statistics
_SIMPSON_N = 20000                     # even; error far below 1e-10 here
_SIMPSON_W = np.ones(_SIMPSON_N + 1)
_SIMPSON_W[1:-1:2], _SIMPSON_W[2:-1:2] = 4.0, 2.0


@functools.lru_cache(maxsize=64)
def _t_tail(x: float, df: float) -> float:
    """P(T > x) of Student's t with ``df`` degrees of freedom, x >= 0 (Simpson's rule)."""
    n = _SIMPSON_N
    t = np.linspace(0.0, x, n + 1)
    logc = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    f = np.exp(logc - (df + 1) / 2 * np.log1p(t * t / df))
    # numpy's pairwise sum, not np.dot: BLAS may split a dot over threads, which
    # makes the last digits depend on the machine's core count (and waits for a core)
    return 0.5 - float((_SIMPSON_W * f).sum()) * (x / n) / 3.0


@functools.lru_cache(maxsize=256)
def student_t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t distribution (``df = inf``: standard normal).

    Numerical: the density integrated by Simpson's rule, inverted by bisection
    (absolute error < 1e-9 for df >= 2 and 0.5 <= p <= 1 - 1e-7).

    >>> round(student_t_quantile(0.975, 10), 6)
    2.228139
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if not df > 0:
        raise ValueError(f"df must be > 0, got {df!r}")
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    tail = 1.0 - p
    lo, hi = 0.0, 1.0
    while _t_tail(hi, df) > tail:
        lo, hi = hi, 2.0 * hi
        if hi > 1e6:
            raise ValueError(f"p={p} too extreme for df={df}")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _t_tail(round(mid, 12), df) > tail:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def band_factor(m: int, n: float, alpha: float = ALPHA) -> float:
    """``k`` of the bands ``mean ± k·sd``: family-wise false-alarm ``alpha`` over ``m``
    claims, mean and sd estimated from ``n`` seeds (``n = inf``: known exactly).

    ``k = t_{n-1}(1 - alpha/(2m)) · sqrt(1 + 1/n)``; for ``n = inf`` the Bonferroni
    normal quantile ``Φ⁻¹(1 - alpha/(2m))``.
    """
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    p = 1.0 - alpha / (2 * m)
    if math.isinf(n):
        return NormalDist().inv_cdf(p)
    if n < 3:
        raise ValueError(f"n must be >= 3 seeds, got {n}")
    return student_t_quantile(p, n - 1) * math.sqrt(1.0 + 1.0 / n)


# -------------------------------------------------------------------- ensemble
@functools.lru_cache(maxsize=1)
def _load_packaged() -> dict[str, Any]:
    text = (importlib.resources.files("sensorynet") / "data" / ENSEMBLE_FILE).read_text(
        encoding="utf-8")
    return json.loads(text)


def check_ensemble(ens: object, where: str = "the ensemble") -> dict[str, Any]:
    """Raise ``ValueError`` naming the field and value if ``ens`` is not a complete,
    valid ensemble: ``N`` and ``blocks`` integers, and for every band check
    (:data:`ENSEMBLE_CHECKS`) a finite ``mean``, a finite ``sd >= 0`` and ``n >= 3``."""
    if not isinstance(ens, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(ens).__name__}")
    for key, low in (("N", 2), ("blocks", 0)):
        v = ens.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{where}: {key}={v!r} must be an integer >= {low}")
    metrics = ens.get("metrics")
    if not isinstance(metrics, dict):
        raise ValueError(f"{where}: metrics={metrics!r} must be an object")
    for spec in ENSEMBLE_CHECKS:
        e = metrics.get(spec.key)
        if not isinstance(e, dict):
            raise ValueError(f"{where}: metrics[{spec.key!r}] is missing")
        for f in ("mean", "sd"):
            v = e.get(f)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{where}: metrics[{spec.key!r}].{f}={v!r} must be a "
                                 "finite number")
        if e["sd"] < 0:
            raise ValueError(f"{where}: metrics[{spec.key!r}].sd={e['sd']!r} is negative")
        n = e.get("n")
        if isinstance(n, bool) or not isinstance(n, int) or n < 3:
            raise ValueError(f"{where}: metrics[{spec.key!r}].n={n!r} must be an integer "
                             ">= 3")
    return ens


@functools.lru_cache(maxsize=1)
def _checked_packaged() -> dict[str, Any]:
    try:
        ens = _load_packaged()
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"the packaged claims ensemble sensorynet/data/{ENSEMBLE_FILE} "
                         f"is unreadable ({type(exc).__name__}: {exc}); reinstall "
                         "sensorynet or remake it with tools/calibrate_claims.py") from None
    return check_ensemble(ens, f"sensorynet/data/{ENSEMBLE_FILE}")


def load_ensemble() -> dict[str, Any]:
    """The packaged ensemble (``sensorynet/data/published_ensemble.json``), validated
    (:func:`check_ensemble`), a dict: ``N``, ``blocks``, ``seeds``, ``n``, ``command``,
    ``package_version`` and ``metrics`` (claim key -> ``{"mean", "sd", "n", "values"}``).
    """
    copy: dict[str, Any] = json.loads(json.dumps(_checked_packaged()))   # the caller may change it
    return copy


def measure(metrics: Mapping[str, Any], spec: ClaimSpec) -> float | None:
    """The number of ``spec`` in ``metrics``; ``None`` if the run has none (no blocks).

    Raises
    ------
    ValueError
        If ``metrics`` lacks the section (not a :func:`published_metrics` dict).
    """
    v: Any = metrics
    for p in spec.path:
        try:
            v = v[p]
        except IndexError:
            return None                      # e.g. the first block of a 0-block run
        except (KeyError, TypeError) as exc:
            raise ValueError(f"metrics lacks {spec.key} ({exc!r}); pass the dict "
                             "returned by published_metrics") from None
    return None if v is None else float(v)


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def claims_summary(ensemble: Mapping[str, Any] | None = None, alpha: float = ALPHA
                   ) -> dict[str, Any]:
    """How the bands were made: ``k``, ``alpha``, ``m`` (every band check of the report,
    :data:`ENSEMBLE_CHECKS`), ``n``, seeds, point, command, the mutation score."""
    ens = load_ensemble() if ensemble is None else ensemble
    n = min(int(ens["metrics"][s.key]["n"]) for s in ENSEMBLE_CHECKS)
    m = len(ENSEMBLE_CHECKS)
    return {"k": band_factor(m, n, alpha), "k_normal_bonferroni": band_factor(m, math.inf,
                                                                              alpha),
            "alpha": alpha, "m": m, "n": n, "seeds": list(ens["seeds"]),
            "m_by_kind": {kind: sum(s.kind == kind for s in ENSEMBLE_CHECKS)
                          for kind in ("claim", "finding", "sanity")},
            "N": ens["N"], "blocks": ens["blocks"], "command": ens.get("command"),
            "package_version": ens.get("package_version"),
            "holdout": {k: v for k, v in ens.get("holdout", {}).items()
                        if k in ("n", "seeds", "runs_with_a_failed_check", "k")},
            "mutation_score": dict(MUTATION_SCORE),
            "method": "mean ± k·sd of the ensemble; k = t_{n-1}(1 - alpha/(2m))·"
                      "sqrt(1 + 1/n) (Bonferroni over every band check of the report, "
                      "normal prediction interval)"}


def _check_metrics(metrics: object) -> None:
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict from published_metrics, "
                        f"got {type(metrics).__name__}")


def band_checks(metrics: Mapping[str, Any], specs: Iterable[ClaimSpec],
                ensemble: Mapping[str, Any] | None = None, *, N: int, blocks: int,
                alpha: float = ALPHA, any_point: bool = False) -> list[dict[str, Any]]:
    """Check the numbers of ``specs`` in ``metrics`` against their ensemble bands.

    ``N`` and ``blocks`` are the run's network size and learning block count (a band only
    applies where it was calibrated). Returns one record per spec, as
    :func:`published_claims`.
    """
    _check_metrics(metrics)
    ens = load_ensemble() if ensemble is None else check_ensemble(ensemble)
    k = claims_summary(ens, alpha)["k"]
    values = [(s, measure(metrics, s)) for s in specs]   # raises on a foreign dict
    other_n = N != ens["N"]
    other_blocks = blocks != ens["blocks"]
    claims = []
    for spec, val in values:
        e = ens["metrics"][spec.key]
        mean, sd = float(e["mean"]), float(e["sd"])
        lo, hi = mean - k * sd, mean + k * sd
        note = None
        if not any_point and other_n:
            note = f"not calibrated for this N (ensemble: N = {ens['N']})"
        elif not any_point and other_blocks and spec.learning:
            note = f"not calibrated for this block count (ensemble: {ens['blocks']} blocks)"
        elif val is None:
            note = "not measured in this run"
        if val is None or math.isnan(val):
            z = None
        elif sd > 0:
            z = (val - mean) / sd
        else:
            z = 0.0 if val == mean else math.copysign(math.inf, val - mean)
        holds = None if note else bool(val is not None and lo <= val <= hi)
        unit = f" {spec.unit}" if spec.unit else ""
        claims.append({
            "claim": f"{spec.label} ({spec.unit})" if spec.unit else spec.label,
            "measured": val,
            "expected": f"{_fmt(lo)} to {_fmt(hi)}{unit} "
                        f"({_fmt(mean)} ± {k:.2f}·{_fmt(sd)})",
            "holds": holds, "z": z, "k": k, "mean": mean, "sd": sd, "n": int(e["n"]),
            "published": spec.published, "note": note, "key": spec.key,
            "kind": spec.kind})
    return claims


def published_claims(metrics: Mapping[str, Any], ensemble: Mapping[str, Any] | None = None, *,
                     alpha: float = ALPHA, any_point: bool = False) -> list[dict[str, Any]]:
    """Check metrics against the ensemble bands of the published model.

    Parameters
    ----------
    metrics : dict
        Output of :func:`published_metrics`.
    ensemble : dict, optional
        Default: the packaged ensemble (:func:`load_ensemble`).
    alpha : float
        Family-wise false-alarm rate on a new seed of the published model (over every
        band check of the report, :data:`ENSEMBLE_CHECKS`).
    any_point : bool
        Check every claim even when N or the block count differ from the ensemble's
        (to show how far a run is from the published point); default False.

    Returns
    -------
    list of dict
        One per check in :data:`CLAIMS`: ``claim``, ``measured``, ``expected`` (the band
        as text), ``holds`` (True / False / None = not checked), ``z`` =
        (measured − mean)/sd, ``k``, ``mean``, ``sd``, ``n``, ``published`` (the published
        code's value, context), ``note`` (why ``holds`` is None), ``key`` and ``kind``
        (``"claim"`` or ``"sanity"``). A NaN measurement never holds.
    """
    _check_metrics(metrics)
    ens = load_ensemble() if ensemble is None else ensemble
    return band_checks(metrics, CLAIMS, ens, N=metrics.get("N", ens["N"]),
                       blocks=metrics.get("blocks", ens["blocks"]), alpha=alpha,
                       any_point=any_point)
