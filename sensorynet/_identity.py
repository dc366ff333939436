"""Identity with the published model: one multivariate test of a run's fingerprint
(:class:`sensorynet.analysis.Fingerprint`) against an ensemble of runs of the published
model at the same configuration. A private module of the whole package: the protocols
(``published`` checks the packaged ensemble before a run), ``reproduce`` (one identity
record per run) and ``calibrate`` (which fits ensembles) use it; the face is
:func:`sensorynet.experiments.identity_check` and ``IdentityEnsemble``.

The ensemble (:class:`IdentityEnsemble`, a JSON file) is fitted on two disjoint sets of
seeds of the published model (:func:`fit_identity_part`, run by ``sensorynet
calibrate``):

1. on the *estimation* set A (>= 100 runs) each statistic gets a transform among the
   candidates of its kind (the most symmetric one), is admitted or not (finite in every
   run, not constant, no point mass, >= 10 events behind a fraction, near-normal), and
   gets its mean and sd; the standardised statistics' correlation is shrunk toward the
   identity (Ledoit–Wolf), ``P = R⁻¹``;
2. every run of the *threshold* set B (>= 100 further runs) is tested exactly as a new
   run would be: ``D² = zᵀ P z``; log D² over B is close to normal, and a new run's
   p-value is the Student-t prediction ``p = P(T_ν > (log D² − μ_B) / (σ_B
   √(1 + 1/n_B)))`` with ν = min(n_B − 1, 30). The run is rejected when p < α = 0.01.

A statistic that is not finite in a run but finite in every run of A is an unbounded
deviation: p = 0. docs/claims.md has the formulas, the false-alarm rate on held-out
seeds and the power against wrong models.

Ensembles are looked up by configuration (:class:`Point`: N, learning blocks and the
scaling rule): the packaged one (N = 500, 40 blocks), those ``sensorynet calibrate``
writes into the results cache (:func:`ensemble_dir`), or a file given explicitly.
Parameter changes (``--set``) are not part of the configuration: they are what the test
judges.
"""
from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.resources
import json
import math
import os
import pathlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from . import _stats
from ._cache import default_cache_dir
from ._params import ModelParams
from .analysis import Fingerprint

__all__ = ["Point", "IdentityPart", "IdentityEnsemble", "IdentityResult", "fit_identity_part",
           "published_point_params", "ensemble_dir", "ensemble_file_name",
           "packaged_ensemble", "find_ensemble", "identity_record", "identity_not_tested",
           "identity_check",
           "IDENTITY_ALPHA", "NULL_DF", "MIN_RUNS", "PACKAGED_ENSEMBLE", "PARTS",
           "TRANSFORMS", "CANDIDATES", "now_utc"]

#: significance level of the identity test
IDENTITY_ALPHA = 0.01
#: largest degrees of freedom of the Student-t reference of the standardised log D²
#: (its null is a little heavier-tailed than normal; docs/claims.md)
NULL_DF = 30
#: least runs in each of the two sets for the ≤ 1 % false-alarm guarantee
MIN_RUNS = 100
#: admission: largest share of the estimation runs that may share one value
MAX_MODE_SHARE = 0.10
#: admission: least mean number of events (and non-events) behind a fraction
MIN_EVENTS = 10.0
#: admission: largest |skewness| and |excess kurtosis| after the transform
MAX_SKEW, MAX_KURT = 1.0, 3.0
#: file name of the packaged ensemble in ``sensorynet/data``
PACKAGED_ENSEMBLE = "identity_ensemble.json"
#: the parts an ensemble holds: name -> protocols whose fingerprints it needs
PARTS = {"published": ("published",), "full": ("published", "selectivity")}
#: number of largest deviations a record lists
N_DEVIATIONS = 5

FORMAT = "sensorynet-identity-ensemble"
FORMAT_VERSION = 1


# ------------------------------------------------------------------ transforms
def _logit(x: np.ndarray, eps: float) -> np.ndarray:
    p = np.clip(x, eps, 1.0 - eps)
    return np.log(p / (1.0 - p))


def _tx_identity(x: np.ndarray, n: float) -> np.ndarray:
    return x


def _tx_sqrt(x: np.ndarray, n: float) -> np.ndarray:
    return np.sqrt(np.maximum(x, 0.0))


def _tx_log(x: np.ndarray, n: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def _tx_log_rate(x: np.ndarray, n: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x + 0.1)


def _tx_asinsqrt(x: np.ndarray, n: float) -> np.ndarray:
    return np.arcsin(np.sqrt(np.clip(x, 0.0, 1.0)))


def _tx_logit(x: np.ndarray, n: float) -> np.ndarray:
    return _logit(x, 0.5 / max(n, 1.0))


def _tx_logit_unit(x: np.ndarray, n: float) -> np.ndarray:
    return _logit(x, 0.5e-6)


#: transforms by name: f(values, count) -> transformed values (count: the mean number
#: of units behind a fraction; it sets the logit's clipping 0.5/count)
TRANSFORMS = {"identity": _tx_identity, "sqrt": _tx_sqrt, "log": _tx_log,
              "log_rate": _tx_log_rate, "asinsqrt": _tx_asinsqrt, "logit": _tx_logit,
              "logit_unit": _tx_logit_unit}
#: candidate transforms per kind of statistic, in order of preference on a tie
CANDIDATES = {"fraction": ("asinsqrt", "logit", "identity"),
              "unit": ("identity", "asinsqrt", "logit_unit"),
              "rate": ("log_rate", "sqrt", "identity"),
              "positive": ("log", "sqrt", "identity"),
              "signed": ("identity",)}


# ------------------------------------------------------------------ configuration
@dataclass(frozen=True)
class Point:
    """A configuration at which an ensemble is calibrated.

    Attributes
    ----------
    N : int
        Network size.
    blocks : int
        Learning blocks.
    rule : str or None
        Scaling rule (:data:`sensorynet.SCALING_RULES`); None at the published size
        N = 500, where no rule applies.
    """

    N: int
    blocks: int
    rule: str | None = None

    def __post_init__(self) -> None:
        for name in ("N", "blocks"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"Point.{name} must be an integer >= 0, got {v!r}")
            object.__setattr__(self, name, int(v))
        if self.N == 500:
            object.__setattr__(self, "rule", None)
        elif self.rule is None:
            from ._scaling import DEFAULT_SCALING
            object.__setattr__(self, "rule", DEFAULT_SCALING)
        else:
            from ._scaling import SCALING_RULES
            if self.rule not in SCALING_RULES:
                raise ValueError(f"Point.rule must be one of {SCALING_RULES}, got "
                                 f"{self.rule!r}")

    def describe(self) -> str:
        rule = "" if self.rule is None else f", scaling rule {self.rule}"
        return f"N = {self.N}, {self.blocks} blocks{rule}"

    def to_json(self) -> dict[str, Any]:
        return {"N": self.N, "blocks": self.blocks, "rule": self.rule}

    def calibrate_command(self) -> str:
        """The ``sensorynet calibrate`` command that builds this point's ensemble."""
        cmd = f"sensorynet calibrate --neurons {self.N}"
        if self.blocks != 40:
            cmd += f" --blocks {self.blocks}"
        if self.rule is not None:
            from ._scaling import DEFAULT_SCALING
            if self.rule != DEFAULT_SCALING:
                cmd += f" --scaling {self.rule}"
        return cmd


def published_point_params(N: int, rule: str | None = None) -> ModelParams:
    """The published parameters at network size ``N``: :class:`ModelParams` at N = 500,
    rescaled by ``rule`` (:func:`sensorynet.scaled_model`, default rule
    ``DEFAULT_SCALING``) otherwise.

    Raises
    ------
    ValueError
        For N < 500 (smaller networks cannot keep the published in-degree).
    """
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)):
        raise TypeError(f"N must be an integer, got {N!r}")
    if N == 500:
        return ModelParams()
    if N < 500:
        raise ValueError(f"--neurons must be >= 500 (the published size keeps ε_IE = 1; "
                         f"smaller networks cannot keep its in-degree), got {N}")
    from ._scaling import SCALING_RULES, scaled_model
    if rule is not None and rule not in SCALING_RULES:
        raise ValueError(f"rule must be one of {SCALING_RULES}, got {rule!r}")
    return scaled_model(ModelParams(), int(N), rule=rule)


def ensemble_dir(cache_dir: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """Where ``sensorynet calibrate`` writes ensembles by default: ``ensembles/`` in the
    results cache (``$SENSORYNET_CACHE`` or ``~/.cache/sensorynet``)."""
    base = default_cache_dir() if cache_dir is None else pathlib.Path(cache_dir)
    return base / "ensembles"


def ensemble_file_name(point: Point) -> str:
    """File name of ``point``'s ensemble in :func:`ensemble_dir`."""
    rule = "published" if point.rule is None else point.rule
    return f"identity_N{point.N}_B{point.blocks}_{rule}.json"


# ------------------------------------------------------------------ one part
@dataclass
class IdentityResult:
    """The identity test of one run.

    Attributes
    ----------
    d2 : float
        Mahalanobis D² (inf when an admitted statistic is not finite in the run).
    p : float
        p-value (0 for a non-finite statistic).
    holds : bool
        ``p >= alpha``: not distinguishable from the published model.
    threshold : float
        D² above which the test rejects.
    z : dict
        Every admitted statistic's deviation from the ensemble mean, in ensemble sd (on
        the transformed scale the test uses).
    nonfinite : list of str
        Admitted statistics not finite in the run.
    """

    d2: float
    p: float
    holds: bool
    threshold: float
    z: dict[str, float]
    nonfinite: list[str] = field(default_factory=list)

    def deviations(self, k: int = N_DEVIATIONS) -> list[tuple[str, float]]:
        """The ``k`` statistics that deviate most (|z| largest, non-finite first)."""
        items = sorted(self.z.items(),
                       key=lambda kv: -abs(kv[1]) if math.isfinite(kv[1]) else -math.inf)
        return items[:k]


def _num_list(obj: Any, key: str, n: int | None, where: str, *, positive: bool = False,
              finite: bool = True) -> np.ndarray:
    v = obj.get(key)
    if not isinstance(v, list) or (n is not None and len(v) != n):
        raise ValueError(f"{where}: {key} must be a list of {n if n is not None else ''} "
                         f"numbers, got {type(v).__name__}"
                         + (f" of length {len(v)}" if isinstance(v, list) else ""))
    for i, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or \
                (finite and not math.isfinite(x)) or (positive and not x > 0):
            raise ValueError(f"{where}: {key}[{i}]={x!r} must be a "
                             + ("positive " if positive else "") + "finite number")
    return np.asarray(v, dtype=np.float64)


def _number(obj: Any, key: str, where: str, *, low: float | None = None,
            high: float | None = None, integer: bool = False) -> float:
    v = obj.get(key)
    ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
    if integer:
        ok = ok and isinstance(v, int)
    if ok and low is not None:
        ok = v >= low
    if ok and high is not None:
        ok = v <= high
    if not ok:
        what = "an integer" if integer else "a finite number"
        rng = "" if low is None and high is None else \
            f" in [{'' if low is None else low}, {'' if high is None else high}]"
        raise ValueError(f"{where}: {key}={v!r} must be {what}{rng}")
    return v


@dataclass
class IdentityPart:
    """A calibrated identity test over one set of statistics.

    Attributes
    ----------
    name : str
        ``"published"`` or ``"full"``.
    protocols : tuple of str
        Protocols whose fingerprints it needs.
    names : list of str
        Admitted statistics, in order.
    transforms : list of str
        Transform of each (:data:`TRANSFORMS`).
    counts : ndarray
        Mean number of units behind each statistic (1 for non-fractions).
    mean, sd : ndarray
        Mean and sd (ddof = 1) of the transformed statistics over the estimation set.
    precision : ndarray, shape (p, p)
        Inverse of the shrunk correlation.
    lam : float
        Ledoit–Wolf shrinkage intensity.
    null : dict
        ``n``, ``mean_log_d2``, ``sd_log_d2``, ``df`` of log D² over the threshold set.
    alpha : float
    dropped : dict
        Statistics not admitted, with the reason.
    raw : dict
        Every candidate statistic's raw ``mean`` and ``sd`` over the estimation set
        (None when not finite), for the documentation.
    """

    name: str
    protocols: tuple[str, ...]
    names: list[str]
    transforms: list[str]
    counts: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    precision: np.ndarray
    lam: float
    null: dict[str, float]
    alpha: float = IDENTITY_ALPHA
    dropped: dict[str, str] = field(default_factory=dict)
    raw: dict[str, dict[str, float | None]] = field(default_factory=dict)

    @property
    def n_stats(self) -> int:
        return len(self.names)

    def _scale(self) -> float:
        n = self.null["n"]
        return self.null["sd_log_d2"] * math.sqrt(1.0 + 1.0 / n)

    @property
    def threshold(self) -> float:
        """D² above which the test rejects at :attr:`alpha`."""
        q = _stats.t_ppf(1.0 - self.alpha, self.null["df"])
        return float(math.exp(self.null["mean_log_d2"] + q * self._scale()))

    def p_value(self, d2: float) -> float:
        """p-value of a D²."""
        if not d2 > 0:
            return 1.0
        if math.isinf(d2):
            return 0.0
        t = (math.log(d2) - self.null["mean_log_d2"]) / self._scale()
        return _stats.t_sf(t, self.null["df"])

    def transform(self, values: Mapping[str, float]) -> np.ndarray:
        """The run's admitted statistics, transformed (NaN where missing)."""
        x = np.array([_as_float(values.get(n)) for n in self.names])
        out = np.empty_like(x)
        for i, (tr, c) in enumerate(zip(self.transforms, self.counts, strict=True)):
            out[i] = TRANSFORMS[tr](x[i:i + 1], float(c))[0] if math.isfinite(x[i]) \
                else np.nan
        return out

    def zscores(self, values: Mapping[str, float]) -> np.ndarray:
        """Deviation of each admitted statistic from the ensemble mean, in its sd."""
        return (self.transform(values) - self.mean) / self.sd

    def test(self, values: Mapping[str, float]) -> IdentityResult:
        """The identity test of one run's fingerprint (``{name: value}``)."""
        z = self.zscores(values)
        zd = {n: float(v) for n, v in zip(self.names, z, strict=True)}
        bad = [n for n, v in zd.items() if not math.isfinite(v)]
        if bad:
            return IdentityResult(math.inf, 0.0, False, self.threshold,
                                  {n: (v if math.isfinite(v) else math.inf)
                                   for n, v in zd.items()}, bad)
        d2 = float(z @ self.precision @ z)
        p = self.p_value(d2)
        return IdentityResult(d2, p, p >= self.alpha, self.threshold, zd)

    # -- file form
    def to_json(self) -> dict[str, Any]:
        return {"protocols": list(self.protocols), "names": list(self.names),
                "transforms": list(self.transforms), "counts": self.counts.tolist(),
                "mean": self.mean.tolist(), "sd": self.sd.tolist(),
                "precision": self.precision.ravel().tolist(), "lambda": self.lam,
                "null": dict(self.null), "alpha": self.alpha,
                "d2_threshold": self.threshold, "dropped": dict(self.dropped),
                "raw": self.raw}

    @classmethod
    def from_json(cls, name: str, d: Any, where: str) -> IdentityPart:
        """Validate and read a part (``ValueError`` naming the field and value)."""
        where = f"{where}: parts[{name!r}]"
        if not isinstance(d, dict):
            raise ValueError(f"{where} must be an object, got {type(d).__name__}")
        protocols = d.get("protocols")
        if not isinstance(protocols, list) or not protocols or \
                not all(isinstance(x, str) for x in protocols):
            raise ValueError(f"{where}: protocols={protocols!r} must be a non-empty list "
                             "of protocol names")
        names = d.get("names")
        if not isinstance(names, list) or not names or \
                not all(isinstance(x, str) for x in names) or len(set(names)) != len(names):
            raise ValueError(f"{where}: names must be a non-empty list of distinct "
                             f"statistic names, got {names!r:.80}")
        known = Fingerprint.statistics()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"{where}: names holds unknown statistic(s) {unknown[:3]}")
        p = len(names)
        transforms = d.get("transforms")
        if not isinstance(transforms, list) or len(transforms) != p:
            raise ValueError(f"{where}: transforms must be a list of {p} names")
        for i, t in enumerate(transforms):
            if t not in TRANSFORMS:
                raise ValueError(f"{where}: transforms[{i}]={t!r} is not one of "
                                 f"{sorted(TRANSFORMS)}")
        counts = _num_list(d, "counts", p, where, positive=True)
        mean = _num_list(d, "mean", p, where)
        sd = _num_list(d, "sd", p, where, positive=True)
        prec = _num_list(d, "precision", p * p, where).reshape(p, p)
        if not np.allclose(prec, prec.T, rtol=1e-8, atol=1e-10):
            raise ValueError(f"{where}: precision is not symmetric")
        lam = _number(d, "lambda", where, low=0.0, high=1.0)
        null = d.get("null")
        if not isinstance(null, dict):
            raise ValueError(f"{where}: null={null!r} must be an object")
        nl = {"n": int(_number(null, "n", f"{where}.null", low=2, integer=True)),
              "mean_log_d2": _number(null, "mean_log_d2", f"{where}.null"),
              "sd_log_d2": _number(null, "sd_log_d2", f"{where}.null", low=1e-12),
              "df": _number(null, "df", f"{where}.null", low=1.0)}
        alpha = _number(d, "alpha", where, low=1e-12, high=0.5)
        dropped = d.get("dropped", {})
        if not isinstance(dropped, dict):
            raise ValueError(f"{where}: dropped must be an object")
        raw = d.get("raw", {})
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: raw must be an object")
        return cls(name, tuple(protocols), list(names), list(transforms), counts, mean, sd,
                   prec, float(lam), nl, float(alpha), dict(dropped), raw)


def _as_float(v: Any) -> float:
    if v is None:
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


# ------------------------------------------------------------------ fitting
def _admission_failure(col: np.ndarray, raw_mean: float, count: float, kind: str) -> str | None:
    """Why a statistic (its transformed values over the estimation set) is not
    admitted, or None. The same rule at every configuration."""
    if not np.all(np.isfinite(col)):
        return "not finite in every estimation run"
    if col.std() == 0:
        return "constant"
    _, c = np.unique(col, return_counts=True)
    if c.max() > max(1.0, MAX_MODE_SHARE * col.size):
        return f"point mass ({c.max()} of {col.size} runs share a value)"
    if kind == "fraction" and count > 1:
        events = min(raw_mean, 1.0 - raw_mean) * count
        if events < MIN_EVENTS:
            return f"rare events ({events:.1f} per run)"
    skew, kurt = _stats.skew_kurtosis(col)
    if abs(skew) > MAX_SKEW or abs(kurt) > MAX_KURT:
        return f"not normal after its transform (skewness {skew:+.2f}, excess kurtosis " \
               f"{kurt:+.2f})"
    return None


def fit_identity_part(name: str, estimation: Sequence[Fingerprint],
                      threshold: Sequence[Fingerprint], *,
                      protocols: Sequence[str] | None = None,
                      alpha: float = IDENTITY_ALPHA, null_df: int = NULL_DF) -> IdentityPart:
    """Fit one part of an identity ensemble.

    Parameters
    ----------
    name : str
        ``"published"`` or ``"full"`` (:data:`PARTS`): which statistics are candidates.
    estimation, threshold : sequence of Fingerprint
        Runs of the published model on disjoint seeds (sets A and B), each with every
        candidate statistic.
    protocols : sequence of str, optional
        Default ``PARTS[name]``.
    alpha : float
        Significance level.
    null_df : int
        Largest degrees of freedom of the p-value's Student t (ν = min(n_B − 1,
        null_df)).

    Returns
    -------
    IdentityPart
    """
    if name not in PARTS:
        raise ValueError(f"name must be one of {sorted(PARTS)}, got {name!r}")
    protocols = tuple(PARTS[name] if protocols is None else protocols)
    if len(estimation) < 3 or len(threshold) < 3:
        raise ValueError(f"need >= 3 runs in each set, got {len(estimation)} estimation "
                         f"and {len(threshold)} threshold runs")
    specs = Fingerprint.statistics()
    parts = {"published": ("published",), "selectivity": ("tuning",)}
    wanted = {p for proto in protocols for p in parts.get(proto, ())}
    candidates = [n for n, s in specs.items() if s.part in wanted]
    raw = np.array([[_as_float(f.get(n)) for n in candidates] for f in estimation])
    transforms, dropped, keep, counts_kept = [], {}, [], []
    raw_summary: dict[str, dict[str, float | None]] = {}
    for k, nm in enumerate(candidates):
        col = raw[:, k]
        fin = col[np.isfinite(col)]
        raw_summary[nm] = {"mean": float(fin.mean()) if fin.size else None,
                           "sd": float(fin.std(ddof=1)) if fin.size > 1 else None}
        kind = specs[nm].kind
        count = float(np.mean([f.counts.get(nm, 1) for f in estimation]))
        best = None
        for tr in CANDIDATES[kind]:
            t = TRANSFORMS[tr](col, count) if np.all(np.isfinite(col)) else None
            if t is None or not np.all(np.isfinite(t)) or t.std() == 0:
                continue
            sk = abs(_stats.skew_kurtosis(t)[0])
            if best is None or sk < best[0] - 1e-12:
                best = (sk, tr, t)
        if best is None:
            dropped[nm] = ("not finite in every estimation run" if not np.all(np.isfinite(col))
                           else "constant under every transform")
            continue
        why = _admission_failure(best[2], float(np.mean(col)), count, kind)
        if why:
            dropped[nm] = why
            continue
        transforms.append(best[1])
        keep.append(k)
        counts_kept.append(count)
    if len(keep) < 2:
        raise ValueError(f"part {name!r}: only {len(keep)} statistic(s) admitted; the "
                         "estimation runs are too few or degenerate")
    names = [candidates[k] for k in keep]
    X = np.column_stack([TRANSFORMS[tr](raw[:, k], c)
                         for k, tr, c in zip(keep, transforms, counts_kept, strict=True)])
    mean, sd = X.mean(axis=0), X.std(axis=0, ddof=1)
    R, lam = _stats.ledoit_wolf_correlation((X - mean) / sd)
    P = np.linalg.inv(R)
    P = 0.5 * (P + P.T)
    part = IdentityPart(name, protocols, names, transforms, np.asarray(counts_kept), mean,
                        sd, P, lam, {"n": 0, "mean_log_d2": 0.0, "sd_log_d2": 1.0,
                                     "df": 1.0}, float(alpha), dropped, raw_summary)
    Zb = np.array([part.zscores(f) for f in threshold])
    if not np.all(np.isfinite(Zb)):
        bad = sorted({names[j] for j in np.flatnonzero(~np.isfinite(Zb).all(axis=0))})
        raise ValueError(f"part {name!r}: threshold runs have non-finite admitted "
                         f"statistics {bad[:3]}")
    logd2 = np.log(np.einsum("ij,jk,ik->i", Zb, P, Zb))
    part.null = {"n": int(logd2.size), "mean_log_d2": float(logd2.mean()),
                 "sd_log_d2": float(logd2.std(ddof=1)),
                 "df": float(min(logd2.size - 1, null_df))}
    return part


# ------------------------------------------------------------------ the ensemble
@dataclass
class IdentityEnsemble:
    """A calibrated ensemble of the published model at one configuration (network size,
    learning blocks, scaling rule), as ``sensorynet calibrate`` writes it.

    Attributes
    ----------
    point : Point
        The configuration: ``N``, ``blocks`` and ``rule``.
    params : dict
        ``ModelParams.to_dict()`` of the published model at the point.
    parts : dict
        Part name (``"published"``, ``"full"``) -> the calibrated test over that
        part's statistics.
    seeds : dict
        ``{"estimation": [...], "threshold": [...]}``.
    package_version, command, created : str
    warnings : list of str
        E.g. that the sets are too small for the 1 % false-alarm guarantee.
    source : str
        Where it was read from (for the report).
    holdout : dict
        Per part, the false-alarm check on held-out seeds (``n``, ``rejected``,
        ``rejected_seeds``, ``seeds``), when the calibration ran one.
    runtime : dict
        ``median_per_seed`` (s) of the calibration runs.
    """

    point: Point
    params: dict[str, Any]
    parts: dict[str, IdentityPart]
    seeds: dict[str, list[int]]
    package_version: str = ""
    command: str = ""
    created: str = ""
    warnings: list[str] = field(default_factory=list)
    source: str = ""
    holdout: dict[str, Any] = field(default_factory=dict)
    runtime: dict[str, Any] = field(default_factory=dict)

    def part_for(self, available: Sequence[str]) -> IdentityPart | None:
        """The part with the most statistics whose protocols all ran."""
        ok = [p for p in self.parts.values() if set(p.protocols) <= set(available)]
        return max(ok, key=lambda p: p.n_stats) if ok else None

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "fingerprint_version": Fingerprint.VERSION, "point": self.point.to_json(),
                "params": self.params, "package_version": self.package_version,
                "command": self.command, "created": self.created,
                "seeds": self.seeds, "warnings": list(self.warnings),
                "holdout": self.holdout, "runtime": self.runtime,
                "parts": {k: v.to_json() for k, v in self.parts.items()}}

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the ensemble as JSON (atomically: a temporary file, then a rename)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(self.to_json(), allow_nan=False), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def from_json(cls, d: Any, where: str) -> IdentityEnsemble:
        """Validate and read an ensemble (``ValueError`` naming the field and value)."""
        if not isinstance(d, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(d).__name__}")
        if d.get("format") != FORMAT:
            raise ValueError(f"{where}: format={d.get('format')!r} is not {FORMAT!r} (not "
                             "an identity ensemble)")
        if d.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{where}: format_version={d.get('format_version')!r} is not "
                             f"{FORMAT_VERSION}; remake it with sensorynet calibrate")
        if d.get("fingerprint_version") != Fingerprint.VERSION:
            raise ValueError(f"{where}: fingerprint_version={d.get('fingerprint_version')!r} "
                             f"is not {Fingerprint.VERSION} (made by another version of "
                             "the fingerprint); remake it with sensorynet calibrate")
        pt = d.get("point")
        if not isinstance(pt, dict):
            raise ValueError(f"{where}: point={pt!r} must be an object")
        try:
            point = Point(cast(int, pt.get("N")), cast(int, pt.get("blocks")), pt.get("rule"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: point: {exc}") from None
        if point.N < 2:
            raise ValueError(f"{where}: point.N={point.N} must be >= 2")
        params = d.get("params")
        if not isinstance(params, dict):
            raise ValueError(f"{where}: params must be an object (ModelParams.to_dict())")
        try:
            mp = ModelParams.from_dict(params)
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"{where}: params: {exc}") from None
        if mp.network.N != point.N:
            raise ValueError(f"{where}: params network.N={mp.network.N} differs from "
                             f"point.N={point.N}")
        seeds = d.get("seeds")
        if not isinstance(seeds, dict) or not all(
                isinstance(seeds.get(k), list) and all(
                    isinstance(s, int) and not isinstance(s, bool) and s >= 0
                    for s in seeds[k]) for k in ("estimation", "threshold")):
            raise ValueError(f"{where}: seeds must hold 'estimation' and 'threshold' lists "
                             "of seeds")
        if set(seeds["estimation"]) & set(seeds["threshold"]):
            raise ValueError(f"{where}: seeds: the estimation and threshold sets overlap")
        parts_d = d.get("parts")
        if not isinstance(parts_d, dict) or not parts_d:
            raise ValueError(f"{where}: parts must be a non-empty object")
        parts = {k: IdentityPart.from_json(k, v, where) for k, v in parts_d.items()}
        warnings = d.get("warnings", [])
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise ValueError(f"{where}: warnings must be a list of strings")
        for part in parts.values():
            if part.null["n"] != len(seeds["threshold"]):
                raise ValueError(f"{where}: parts[{part.name!r}].null.n={part.null['n']} "
                                 f"differs from the {len(seeds['threshold'])} threshold seeds")
        holdout = d.get("holdout", {})
        if not isinstance(holdout, dict) or not all(
                isinstance(h, dict) and isinstance(h.get("n"), int)
                and isinstance(h.get("rejected"), int) for h in holdout.values()):
            raise ValueError(f"{where}: holdout must map parts to objects with integer n "
                             "and rejected")
        runtime = d.get("runtime", {})
        if not isinstance(runtime, dict):
            raise ValueError(f"{where}: runtime must be an object")
        return cls(point, params, parts, {k: list(seeds[k]) for k in
                                          ("estimation", "threshold")},
                   str(d.get("package_version", "")), str(d.get("command", "")),
                   str(d.get("created", "")), list(warnings), where, dict(holdout),
                   dict(runtime))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> IdentityEnsemble:
        """Read and validate an ensemble file (``ValueError`` when it is unreadable or
        invalid; the message names the file, the field and the value)."""
        p = pathlib.Path(path)
        try:
            st = p.stat()
        except OSError as exc:
            raise ValueError(f"identity ensemble {p}: cannot read it ({exc.strerror or exc})"
                             ) from None
        return _load_cached(str(p.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> IdentityEnsemble:
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"identity ensemble {path} is unreadable ({type(exc).__name__}: "
                         f"{exc}); remake it with sensorynet calibrate") from None
    ens = IdentityEnsemble.from_json(data, f"identity ensemble {path}")
    return dataclasses.replace(ens, source=path)


def _packaged_path() -> pathlib.Path:
    return pathlib.Path(str(importlib.resources.files("sensorynet") / "data"
                            / PACKAGED_ENSEMBLE))


def packaged_ensemble() -> IdentityEnsemble:
    """The packaged ensemble (``sensorynet/data/identity_ensemble.json``: N = 500, 40
    blocks), validated."""
    path = _packaged_path()
    try:
        ens = IdentityEnsemble.load(path)
    except ValueError as exc:
        raise ValueError(f"the packaged identity ensemble sensorynet/data/"
                         f"{PACKAGED_ENSEMBLE} is damaged ({exc}); reinstall sensorynet or "
                         "remake it (docs/claims.md)") from None
    return dataclasses.replace(ens, source=f"packaged (sensorynet/data/{PACKAGED_ENSEMBLE})")


def find_ensemble(point: Point, *, path: str | os.PathLike[str] | None = None,
                  cache_dir: str | os.PathLike[str] | None = None
                  ) -> tuple[IdentityEnsemble | None, str | None]:
    """The ensemble to test a run at ``point`` against, or why there is none.

    Parameters
    ----------
    point : Point
        The run's configuration (parameter changes are not part of it: they are what
        the test judges).
    path : path, optional
        An explicit ensemble file (must be calibrated at ``point``).
    cache_dir : path, optional
        Results cache holding ``ensembles/`` (default :func:`default_cache_dir`).

    Returns
    -------
    (IdentityEnsemble or None, str or None)
        The ensemble and None, or None and the sentence saying why identity is not
        tested.

    Raises
    ------
    ValueError
        If a file that should be used is damaged, or an explicit file belongs to
        another configuration.
    """
    expected = published_point_params(point.N, point.rule).to_dict()
    if path is not None:
        ens = IdentityEnsemble.load(path)
        if ens.point != point:
            raise ValueError(f"--ensemble {path} was calibrated at {ens.point.describe()}, "
                             f"not at this run's {point.describe()}")
        if ens.params != expected:
            raise ValueError(f"--ensemble {path} was calibrated with other published "
                             f"parameters than this version's at {point.describe()}; "
                             f"remake it: {point.calibrate_command()}")
        return ens, None
    candidates: list[tuple[str, pathlib.Path | None]] = []
    if point == Point(500, 40):
        candidates.append(("packaged", None))
    candidates.append(("cache", ensemble_dir(cache_dir) / ensemble_file_name(point)))
    for kind, file in candidates:
        if kind == "packaged":
            ens = packaged_ensemble()
        elif file is not None and file.is_file():
            ens = IdentityEnsemble.load(file)
        else:
            continue
        if ens.point != point:
            raise ValueError(f"identity ensemble {ens.source} is for {ens.point.describe()}"
                             f", not {point.describe()}; remove it or remake it: "
                             f"{point.calibrate_command()}")
        if ens.params != expected:
            return None, (f"identity not tested: the ensemble {ens.source} was calibrated "
                          f"with other published parameters than this version's at "
                          f"{point.describe()}; remake it: {point.calibrate_command()}")
        return ens, None
    return None, (f"identity not tested: no calibrated ensemble for {point.describe()} "
                  f"(run `{point.calibrate_command()}` to build one)")


# ------------------------------------------------------------------ the record
def _fmt(v: float, spec: str) -> str:
    return "n/a" if v is None or not math.isfinite(v) else format(v, spec)


def identity_record(ensemble: IdentityEnsemble,
                    fingerprints: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """The ``identity`` check record of a run.

    Parameters
    ----------
    ensemble : IdentityEnsemble
    fingerprints : mapping
        Protocol name -> that protocol's fingerprint (``{statistic: value}``).

    Returns
    -------
    dict
        A claim record (``kind`` ``"identity"``) with ``measured`` (D², p and the largest
        deviations), ``expected``, ``holds``, ``effect`` (D²), ``p``, ``alpha``, ``test``,
        ``unit``, ``deviations`` (``[{"statistic", "z"}]``, z in ensemble sd), ``part``,
        ``ensemble`` and ``note``.
    """
    part = ensemble.part_for(list(fingerprints))
    if part is None:
        return identity_not_tested(
            f"identity not tested: no part of the ensemble {ensemble.source} uses only the "
            f"protocols that ran ({', '.join(fingerprints)})")
    values: dict[str, float] = {}
    for proto in part.protocols:
        values.update(fingerprints[proto])
    res = part.test(values)
    devs = res.deviations()
    dev_text = ", ".join(f"{n} {_fmt(z, '+.1f')} sd" for n, z in devs)
    if res.nonfinite:
        measured = (f"not finite in this run: {', '.join(res.nonfinite[:5])} (finite in "
                    f"every ensemble run): p = 0")
    else:
        ptext = _stats.format_p(res.p)
        measured = (f"D² = {res.d2:.1f}, p {'' if ptext[0] == '<' else '= '}{ptext}; "
                    f"largest deviations: {dev_text}")
    n_a, n_b = len(ensemble.seeds["estimation"]), len(ensemble.seeds["threshold"])
    note = "; ".join(ensemble.warnings) or None
    return {
        "experiment": ", ".join(part.protocols),
        "claim": (f"Identity with the published model ({ensemble.point.describe()}): "
                  f"fingerprint of {part.n_stats} statistics"),
        "kind": "identity", "measured": measured,
        "expected": f"p ≥ {part.alpha:g} (D² ≤ {part.threshold:.1f})",
        "holds": bool(res.holds),
        "effect": {"estimate": res.d2 if math.isfinite(res.d2) else None,
                   "unit": "D² (Mahalanobis, shrinkage correlation)", "ci95": None},
        "p": res.p, "alpha": part.alpha,
        "test": ("Mahalanobis D² of the transformed, standardised fingerprint with a "
                 "Ledoit–Wolf shrinkage correlation (λ = "
                 f"{part.lam:.3f}); p from the Student-t (ν = {part.null['df']:g}) "
                 f"prediction of log D² over {n_b} threshold runs"),
        "unit": f"run (ensemble: {n_a} estimation + {n_b} threshold runs)",
        "deviations": [{"statistic": n, "z": (z if math.isfinite(z) else None)}
                       for n, z in devs],
        "part": part.name, "ensemble": ensemble.source, "note": note, "key": "identity"}


def identity_check(published: Any, selectivity: Any = None, *, scaling: str | None = None,
                   ensemble: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The identity record of a published run, as ``reproduce`` reports it (for
    notebooks and scripts).

    Parameters
    ----------
    published : ExperimentResult
        From :func:`sensorynet.run_published`.
    selectivity : SelectivityAnalysis, optional
        Its selectivity analysis: the test then uses the full fingerprint.
    scaling : str, optional
        The scaling rule the run's parameters were made with (N != 500).
    ensemble : path, optional
        An ensemble file (default: looked up by configuration: the packaged one at
        N = 500 and 40 blocks, else the one ``sensorynet calibrate`` wrote into the
        results cache).

    Returns
    -------
    dict
        The ``identity`` check record (``holds``, ``p``, ``measured`` with D², the
        ``deviations`` that are largest in ensemble sd, ``note``), as in
        ``metrics.json``; ``holds`` is None, with the reason in ``note``, without an
        ensemble for the run's configuration.
    """
    ens, note = find_ensemble(Point(published.N, published.n_blocks, scaling), path=ensemble)
    if ens is None:
        return identity_not_tested(note or "identity not tested")
    fps: dict[str, Mapping[str, float]] = {"published": Fingerprint.published(published)}
    if selectivity is not None:
        fps["selectivity"] = selectivity.fingerprint()
    return identity_record(ens, fps)


def identity_not_tested(note: str, experiment: str = "published") -> dict[str, Any]:
    """The identity record of a run that could not be tested (``holds`` None)."""
    return {"experiment": experiment, "claim": "Identity with the published model",
            "kind": "identity", "measured": "not tested", "expected": "p ≥ 0.01",
            "holds": None, "effect": None, "p": None, "alpha": IDENTITY_ALPHA,
            "test": "Mahalanobis D² against a calibrated ensemble", "unit": "run",
            "deviations": [], "part": None, "ensemble": None, "note": note, "key": "identity"}


def now_utc() -> str:
    """The current time, ``YYYY-MM-DD HH:MM UTC``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
