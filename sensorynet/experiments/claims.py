"""The claims of the paper, checked against bands from an ensemble of published runs.

Expectations come from an ensemble of the published model (N = 500, 40 blocks) on seeds
no test uses, made by ``tools/calibrate_claims.py`` and shipped as
``sensorynet/data/published_ensemble.json``. Each claim's band is ``mean ± k·sd`` with
one ``k`` for the whole report, chosen so that a new seed of the published model fails
*any* claim with probability ≤ ``ALPHA`` (1 %):

* Bonferroni over the ``m`` claims: each claim may fail with probability ``ALPHA / m``
  (two-sided);
* mean and sd are estimated from ``n`` seeds, so the band is a normal prediction
  interval, ``k = t_{n-1}(1 - ALPHA/(2m)) · sqrt(1 + 1/n)`` (Student t quantile,
  computed here without scipy). It assumes each metric is normal across seeds.

The ranges of the published code (docs/model.md §6, :data:`PUBLISHED_RANGES`) stay in the
records as context (``published``); pass/fail comes from the ensemble band.

A band only applies at the point it was calibrated at: for another network size every
claim is ``holds = None`` ("not calibrated for this N"); for another number of learning
blocks the claims that depend on learning are ``None`` ("not calibrated for this block
count"), the others (before learning, first learning block) are still checked.
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ..analysis.metrics import SPECIFICITY_BINS_DEG

__all__ = ["PUBLISHED_RANGES", "CLAIMS", "ClaimSpec", "ALPHA", "ENSEMBLE_FILE",
           "published_claims", "load_ensemble", "band_factor", "student_t_quantile",
           "measure", "claims_summary"]

#: family-wise false-alarm rate of the whole claims table on a new published seed
ALPHA = 0.01
#: file name of the ensemble in ``sensorynet/data``
ENSEMBLE_FILE = "published_ensemble.json"

#: (label, path into the metrics dict, low, high, unit) of the published code's results.
#: Ranges: docs/model.md §6 with the tolerance of two independent runs of the published
#: code. Context only: claims pass or fail against the ensemble band.
PUBLISHED_RANGES = [
    ("E rate before learning, π/2 test", ("rates", "before", "E"), 7.5, 8.8, "Hz"),
    ("E rate after learning, π/2 test", ("rates", "after", "E"), 3.2, 4.6, "Hz"),
    ("I rate before learning, π/2 test", ("rates", "before", "I"), 5.0, 5.8, "Hz"),
    ("I rate after learning, π/2 test", ("rates", "after", "I"), 5.5, 6.6, "Hz"),
    *[(f"initial mean E→E weight, |ΔPO| {lo}–{hi}°",
       ("specificity_EE", "initial", k), 0.13, 0.17, "mV")
      for k, (lo, hi) in enumerate(SPECIFICITY_BINS_DEG)],
    *[(f"final mean E→E weight, |ΔPO| {lo}–{hi}°",
       ("specificity_EE", "final", k), c - tol, c + tol, "mV")
      for k, ((lo, hi), c, tol) in enumerate(zip(SPECIFICITY_BINS_DEG,
                                                 (0.42, 0.25, 0.105), (0.04, 0.03, 0.03)))],
]


@dataclass(frozen=True)
class ClaimSpec:
    """One quantitative claim: where its number is in the metrics and what it needs.

    Attributes
    ----------
    key : str
        Key of the claim in the ensemble file (the path joined by ``/``).
    label, unit : str
    path : tuple
        Path into :func:`~sensorynet.analysis.metrics.published_metrics`.
    published : str
        The published code's value or range (docs/model.md §6), context only.
    learning : bool
        The number depends on the number of learning blocks.
    """

    key: str
    label: str
    path: tuple
    unit: str
    published: str
    learning: bool


def _range_text(lo, hi, unit):
    return f"{lo:.1f}–{hi:.1f} {unit}" if unit == "Hz" else f"{lo:.3g}–{hi:.3g} {unit}"


def _spec(label, path, unit, published, learning):
    return ClaimSpec("/".join(map(str, path)), label, tuple(path), unit, published, learning)


#: every claim checked against the ensemble, in report order
CLAIMS = (
    *[_spec(label, path, unit, _range_text(lo, hi, unit),
            learning=("after" in path or "final" in path))
      for label, path, lo, hi, unit in PUBLISHED_RANGES],
    _spec("E rate in the first learning block", ("rates", "learning_blocks_E", 0), "Hz",
          "7.8 Hz", learning=False),
    _spec("E rate in the last learning block", ("rates", "learning_blocks_E", -1), "Hz",
          "3.5 Hz", learning=True),
    _spec("mean E→I weight of existing synapses after learning",
          ("mean_weight_existing", "EI", "final"), "mV", "≈ 1.33 mV (0.5 before)",
          learning=True),
    _spec("mean I→E weight of existing synapses after learning",
          ("mean_weight_existing", "IE", "final"), "mV", "≈ −4.23 mV (−4.0 before)",
          learning=True),
)


# ----------------------------------------------------------------- statistics
@functools.lru_cache(maxsize=64)
def _t_tail(x, df):
    """P(T > x) of Student's t with ``df`` degrees of freedom, x >= 0 (Simpson's rule)."""
    n = 20000                                  # even; error far below 1e-10 here
    t = np.linspace(0.0, x, n + 1)
    logc = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    f = np.exp(logc - (df + 1) / 2 * np.log1p(t * t / df))
    w = np.ones(n + 1)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return 0.5 - float(np.dot(w, f)) * (x / n) / 3.0


def student_t_quantile(p, df):
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


def band_factor(m, n, alpha=ALPHA):
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
def _load_packaged():
    text = (importlib.resources.files("sensorynet") / "data" / ENSEMBLE_FILE).read_text(
        encoding="utf-8")
    return json.loads(text)


def load_ensemble():
    """The packaged ensemble (``sensorynet/data/published_ensemble.json``), a dict:
    ``N``, ``blocks``, ``seeds``, ``n``, ``command``, ``package_version`` and
    ``metrics`` (claim key -> ``{"mean", "sd", "n", "values"}``).
    """
    return json.loads(json.dumps(_load_packaged()))   # a copy the caller may change


def measure(metrics, spec):
    """The number of ``spec`` in ``metrics``; ``None`` if the run has none (no blocks).

    Raises
    ------
    ValueError
        If ``metrics`` lacks the section (not a :func:`published_metrics` dict).
    """
    v = metrics
    for i, p in enumerate(spec.path):
        try:
            v = v[p]
        except IndexError:
            return None                      # e.g. the first block of a 0-block run
        except (KeyError, TypeError) as exc:
            raise ValueError(f"metrics lacks {spec.key} ({exc!r}); pass the dict "
                             "returned by published_metrics") from None
    return None if v is None else float(v)


def _fmt(v):
    return f"{v:.4g}"


def claims_summary(ensemble=None, alpha=ALPHA):
    """How the bands were made: ``k``, ``alpha``, ``m``, ``n``, seeds, point, command."""
    ens = load_ensemble() if ensemble is None else ensemble
    n = min(int(ens["metrics"][s.key]["n"]) for s in CLAIMS)
    m = len(CLAIMS)
    return {"k": band_factor(m, n, alpha), "k_normal_bonferroni": band_factor(m, math.inf,
                                                                              alpha),
            "alpha": alpha, "m": m, "n": n, "seeds": list(ens["seeds"]),
            "N": ens["N"], "blocks": ens["blocks"], "command": ens.get("command"),
            "package_version": ens.get("package_version"),
            "method": "mean ± k·sd of the ensemble; k = t_{n-1}(1 - alpha/(2m))·"
                      "sqrt(1 + 1/n) (Bonferroni, normal prediction interval)"}


def published_claims(metrics, ensemble=None, *, alpha=ALPHA, any_point=False) -> list:
    """Check metrics against the ensemble bands of the published model.

    Parameters
    ----------
    metrics : dict
        Output of :func:`published_metrics`.
    ensemble : dict, optional
        Default: the packaged ensemble (:func:`load_ensemble`).
    alpha : float
        Family-wise false-alarm rate on a new seed of the published model.
    any_point : bool
        Check every claim even when N or the block count differ from the ensemble's
        (to show how far a run is from the published point); default False.

    Returns
    -------
    list of dict
        One per claim in :data:`CLAIMS`: ``claim``, ``measured``, ``expected`` (the band
        as text), ``holds`` (True / False / None = not checked), ``z`` =
        (measured − mean)/sd, ``k``, ``mean``, ``sd``, ``n``, ``published`` (the published
        code's value, context), ``note`` (why ``holds`` is None) and ``key``.
        A NaN measurement never holds.
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict from published_metrics, "
                        f"got {type(metrics).__name__}")
    ens = load_ensemble() if ensemble is None else ensemble
    info = claims_summary(ens, alpha)
    k = info["k"]
    values = [(s, measure(metrics, s)) for s in CLAIMS]   # raises on a foreign dict
    other_n = metrics.get("N", ens["N"]) != ens["N"]
    other_blocks = metrics.get("blocks", ens["blocks"]) != ens["blocks"]
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
        claims.append({
            "claim": f"{spec.label} ({spec.unit})", "measured": val,
            "expected": f"{_fmt(lo)} to {_fmt(hi)} {spec.unit} "
                        f"({_fmt(mean)} ± {k:.2f}·{_fmt(sd)})",
            "holds": holds, "z": z, "k": k, "mean": mean, "sd": sd, "n": int(e["n"]),
            "published": spec.published, "note": note, "key": spec.key})
    return claims
