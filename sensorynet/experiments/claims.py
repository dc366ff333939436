"""The claims of the paper and the published code's results (docs/model.md §6), checked
against the metrics of a run.
"""
from __future__ import annotations

from ..analysis.metrics import SPECIFICITY_BINS_DEG

__all__ = ["PUBLISHED_RANGES", "published_claims"]


#: (label, path into the metrics dict, low, high, unit) of every published claim.
#: Ranges: docs/model.md §6 with the tolerance of two independent runs of the published code.
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


def _lookup(metrics, path):
    v = metrics
    for p in path:
        v = v[p]
    return float(v)


def published_claims(metrics) -> list:
    """Check metrics against the published code's results (docs/model.md §6).

    Parameters
    ----------
    metrics : dict
        Output of :func:`published_metrics`.

    Returns
    -------
    list of dict
        One per claim: ``{"claim": str, "measured": float, "expected": str,
        "holds": bool}``; ``expected`` is a range such as ``"7.5–8.8 Hz"``.
        A NaN measurement never holds.
    """
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict from published_metrics, "
                        f"got {type(metrics).__name__}")
    claims = []
    for label, path, lo, hi, unit in PUBLISHED_RANGES:
        try:
            val = _lookup(metrics, path)
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(f"metrics lacks {'/'.join(map(str, path))} ({exc!r}); "
                             "pass the dict returned by published_metrics") from None
        claims.append({"claim": f"{label} ({unit})", "measured": val,
                       "expected": (f"{lo:.1f}–{hi:.1f} {unit}" if unit == "Hz"
                                    else f"{lo:.3g}–{hi:.3g} {unit}"),
                       "holds": bool(lo <= val <= hi)})
    return claims


