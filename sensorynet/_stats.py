"""Statistics every layer needs, without scipy: distribution tails, one-sided tests with
effect sizes and confidence intervals, and a shrinkage correlation.

* Tails and quantiles of the normal, Student t and binomial distributions from the
  regularised incomplete beta function (continued fraction, modified Lentz), accurate to
  about 1e-12 relative and far into the tails (p down to ~1e-300), where the claims'
  p-values live.
* :func:`one_sided_t` (H1: the mean of per-unit differences is > 0),
  :func:`binomial_excess` (H1: more successes than a Binomial(n, p0) gives),
  :func:`mcnemar_one_sided` (paired binary outcomes) and :func:`normal_excess`: each
  returns a :class:`OneSided` record with the effect, its 95 % interval and the
  one-sided p-value.
* :func:`ledoit_wolf_correlation`: the correlation of standardised data shrunk toward
  the identity with the Ledoit–Wolf intensity (the identity test's covariance).

Everything is plain Python floats and numpy; no global state.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ALPHA", "OneSided", "norm_sf", "norm_ppf", "betainc", "betainc_upper", "t_sf",
           "t_ppf", "binom_sf", "binom_cdf", "clopper_pearson", "one_sided_t",
           "binomial_excess", "mcnemar_one_sided", "normal_excess", "skew_kurtosis",
           "ledoit_wolf_correlation", "format_p"]

#: significance level of every one-sided test of a claim (per test)
ALPHA = 0.01

_EPS = 1e-16
_TINY = 1e-300
#: above this a + b the incomplete beta's continued fraction needs too many terms near
#: its mean; confidence intervals of binomial proportions use Wilson's score interval
_EXACT_MAX_N = 1_000_000


def norm_sf(z: float) -> float:
    """P(Z > z) of the standard normal.

    >>> round(norm_sf(1.959963984540054), 12)
    0.025
    """
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def norm_ppf(p: float) -> float:
    """Quantile of the standard normal (``ValueError`` outside (0, 1))."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    return NormalDist().inv_cdf(p)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    max_iter = int(200 + 20 * math.sqrt(a + b))
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, max_iter + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta: no convergence for a={a}, b={b}, x={x}")


def _beta_parts(a: float, b: float, x: float) -> tuple[float, bool]:
    """(I or 1 − I as computed directly, whether it is the lower part)."""
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be > 0, got a={a!r}, b={b!r}")
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a, True
    return math.exp(log_front) * _betacf(b, a, 1.0 - x) / b, False


def betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    v, lower = _beta_parts(a, b, x)
    return v if lower else 1.0 - v


def betainc_upper(a: float, b: float, x: float) -> float:
    """1 − I_x(a, b), accurate where it is tiny."""
    if x <= 0.0:
        return 1.0
    if x >= 1.0:
        return 0.0
    v, lower = _beta_parts(a, b, x)
    return 1.0 - v if lower else v


def t_sf(t: float, df: float) -> float:
    """P(T > t) of Student's t with ``df`` (> 0, or inf) degrees of freedom.

    >>> round(t_sf(2.228138851986, 10), 10)
    0.025
    """
    if not df > 0:
        raise ValueError(f"df must be > 0, got {df!r}")
    if math.isnan(t):
        return float("nan")
    if math.isinf(df):
        return norm_sf(t)
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    t2 = t * t
    if t2 < df:       # x = df/(df + t²) near 1: use y = 1 - x = t²/(df + t²), exactly
        tail = 0.5 * betainc_upper(0.5, df / 2.0, t2 / (df + t2))
    else:
        tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t2))
    return tail if t > 0 else 1.0 - tail


@functools.lru_cache(maxsize=256)
def t_ppf(p: float, df: float) -> float:
    """Quantile of Student's t (bisection on :func:`t_sf`; |error| < 1e-12).

    >>> round(t_ppf(0.975, 10), 9)
    2.228138852
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if math.isinf(df):
        return norm_ppf(p)
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    tail = 1.0 - p
    lo, hi = 0.0, 1.0
    while t_sf(hi, df) > tail:
        lo, hi = hi, 2.0 * hi
        if hi > 1e12:
            raise ValueError(f"p={p!r} too extreme for df={df!r}")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_sf(mid, df) > tail:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * max(1.0, hi):
            break
    return 0.5 * (lo + hi)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p).

    >>> round(binom_sf(8, 9, 0.5) * 512, 12)
    10.0
    """
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    return betainc(k, n - k + 1, p)


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    return betainc_upper(k + 1, n - k, p)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Two-sided confidence interval of a binomial proportion ``k / n``.

    Exact (Clopper–Pearson) for n <= 1 000 000; Wilson's score interval above (the
    exact one's continued fractions would need ~sqrt(n) terms per step there).
    """
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k!r}, n={n!r}")
    a = (1.0 - level) / 2.0
    if n > _EXACT_MAX_N:
        z = norm_ppf(1.0 - a)
        ph = k / n
        centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def solve(f: Callable[[float], float], target: float) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if f(mid) < target:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-14 * max(mid, 1e-300):
                break
        return 0.5 * (lo + hi)
    lower = 0.0 if k == 0 else solve(lambda q: binom_sf(k, n, q), a)
    upper = 1.0 if k == n else solve(lambda q: 1.0 - binom_cdf(k, n, q), 1.0 - a)
    return lower, upper


def format_p(p: float | None) -> str:
    """A p-value as text: ``"n/a"``, ``"< 1e-300"`` or two significant digits.

    >>> format_p(0.012345), format_p(0.0), format_p(None)
    ('0.012', '< 1e-300', 'n/a')
    """
    if p is None or not math.isfinite(p):
        return "n/a"
    return f"{p:.2g}" if p >= 1e-300 else "< 1e-300"


@dataclass(frozen=True)
class OneSided:
    """A one-sided test: the effect, its interval and the p-value of H1 "effect > null".

    Attributes
    ----------
    estimate : float
        The effect size, in the test's unit (NaN when not defined).
    ci95 : tuple of float
        Two-sided 95 % confidence interval of the estimate (NaN when not defined).
    p : float
        One-sided p-value (NaN when the test could not be evaluated).
    n : int
        Units of replication the test used.
    holds : bool or None
        ``p < alpha`` (None when the test could not be evaluated).
    alpha : float
        Significance level.
    """

    estimate: float
    ci95: tuple[float, float]
    p: float
    n: int
    holds: bool | None
    alpha: float = ALPHA

    def effect(self, unit: str) -> dict[str, Any]:
        """``{"estimate", "unit", "ci95"}`` for a claim record (NaN -> None)."""
        return {"estimate": _finite(self.estimate), "unit": unit,
                "ci95": [_finite(self.ci95[0]), _finite(self.ci95[1])]}


def _finite(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


_NAN2 = (float("nan"), float("nan"))


def _check_alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(alpha)


def one_sided_t(d: npt.ArrayLike, alpha: float = ALPHA) -> OneSided:
    """Student t test of H1: mean(d) > 0 over units (non-finite entries left out).

    The estimate is the mean difference with its two-sided 95 % t interval. With fewer
    than 2 units the test is not evaluated (``holds`` None). With no spread at all the
    t statistic is undefined: the test holds (p = 0) when every difference is > 0 and
    fails (p = 1) otherwise — a model without any effect gives exactly zero differences
    and fails.

    >>> r = one_sided_t([1.0, 2.0, 3.0])
    >>> r.estimate, round(r.p, 6), r.holds
    (2.0, 0.03709, False)
    """
    alpha = _check_alpha(alpha)
    x = np.asarray(d, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n < 2:
        return OneSided(float(x.mean()) if n else float("nan"), _NAN2, float("nan"), n,
                        None, alpha)
    m = float(x.mean())
    sd = float(x.std(ddof=1))
    se = sd / math.sqrt(n)
    if se == 0.0 or not math.isfinite(se):
        p = 0.0 if m > 0 else 1.0
        return OneSided(m, (m, m), p, n, p < alpha, alpha)
    q = t_ppf(0.975, n - 1)
    p = t_sf(m / se, n - 1)
    return OneSided(m, (m - q * se, m + q * se), p, n, p < alpha, alpha)


def binomial_excess(k: int, n: int, p0: float, alpha: float = ALPHA) -> OneSided:
    """Exact test of H1: more than ``n·p0`` successes (X ~ Binomial(n, p0) under H0).

    The effect is the ratio observed / expected with the Clopper–Pearson interval of
    k/n divided by p0. ``p0 = 0`` (nothing expected) is not evaluable.
    """
    alpha = _check_alpha(alpha)
    if n < 1 or not 0.0 < p0 <= 1.0:
        return OneSided(float("nan"), _NAN2, float("nan"), int(n), None, alpha)
    lo, hi = clopper_pearson(int(k), int(n))
    p = binom_sf(int(k), int(n), p0)
    return OneSided(k / (n * p0), (lo / p0, hi / p0), p, int(n), p < alpha, alpha)


def mcnemar_one_sided(gain: int, loss: int, n: int, alpha: float = ALPHA) -> OneSided:
    """Exact one-sided McNemar test of paired binary outcomes over ``n`` units.

    ``gain``: units with the outcome in condition A only; ``loss``: in B only. Under
    H0 the discordant units split 50/50 (``p = P(X >= gain)``, X ~ Binomial(gain +
    loss, ½)). The effect is the paired difference of proportions (gain − loss)/n with
    its Wald interval.

    >>> r = mcnemar_one_sided(8, 1, 100)
    >>> round(r.p, 4), r.estimate
    (0.0195, 0.07)
    """
    alpha = _check_alpha(alpha)
    gain, loss, n = int(gain), int(loss), int(n)
    if gain < 0 or loss < 0 or n < gain + loss or n < 1:
        raise ValueError(f"need 0 <= gain, loss and gain + loss <= n, got gain={gain}, "
                         f"loss={loss}, n={n}")
    diff = (gain - loss) / n
    se = math.sqrt(max(gain + loss - (gain - loss) ** 2 / n, 0.0)) / n
    p = binom_sf(gain, gain + loss, 0.5) if gain + loss else 1.0
    return OneSided(diff, (diff - 1.959963984540054 * se, diff + 1.959963984540054 * se), p,
                    n, p < alpha, alpha)


def normal_excess(observed: float, expected: float, variance: float, n: int,
                  alpha: float = ALPHA) -> OneSided:
    """Normal approximation test of H1: ``observed > expected`` (a sum of many
    independent counts with the given variance). The effect is observed / expected
    with a 95 % interval from the same approximation."""
    alpha = _check_alpha(alpha)
    if not (expected > 0 and variance > 0):
        return OneSided(float("nan"), _NAN2, float("nan"), int(n), None, alpha)
    sd = math.sqrt(variance)
    p = norm_sf((observed - expected) / sd)
    half = 1.959963984540054 * sd
    return OneSided(observed / expected, ((observed - half) / expected,
                                          (observed + half) / expected), p, int(n),
                    p < alpha, alpha)


def skew_kurtosis(x: npt.ArrayLike) -> tuple[float, float]:
    """Sample skewness and excess kurtosis (moment estimators; 0, 0 without spread)."""
    v = np.asarray(x, dtype=np.float64)
    s = v.std()
    if s == 0 or not np.isfinite(s):
        return 0.0, 0.0
    y = (v - v.mean()) / s
    return float(np.mean(y ** 3)), float(np.mean(y ** 4) - 3.0)


def ledoit_wolf_correlation(Z: npt.ArrayLike) -> tuple[np.ndarray, float]:
    """Correlation of standardised data shrunk toward the identity (Ledoit & Wolf 2004).

    Parameters
    ----------
    Z : array_like, shape (n, p)
        n runs of p standardised statistics (each column mean 0, sd 1).

    Returns
    -------
    R : ndarray, shape (p, p)
        ``λ·μ·I + (1 − λ)·S`` rescaled to unit diagonal, with S the sample covariance
        (divisor n), μ = tr(S)/p and the Ledoit–Wolf intensity
        ``λ = min(1, b̄²/d²)``: ``d² = ‖S − μI‖²_F / p``,
        ``b̄² = (mean_i ‖z_i‖⁴ − ‖S‖²_F) / (n·p)``.
    lam : float
        The intensity λ in [0, 1].
    """
    X = np.asarray(Z, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"Z must have shape (n >= 2, p >= 1), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("Z must be finite")
    n, p = X.shape
    if np.any(X.std(axis=0) == 0):
        raise ValueError("Z has a constant column")
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / n
    mu = float(np.trace(S)) / p
    d2 = float(np.sum((S - mu * np.eye(p)) ** 2)) / p
    norms = np.sum(Xc ** 2, axis=1)
    b2 = (float(np.sum(norms ** 2)) / n - float(np.sum(S ** 2))) / (n * p)
    lam = min(max(b2 / d2, 0.0), 1.0) if d2 > 0 else 1.0
    R = lam * mu * np.eye(p) + (1.0 - lam) * S
    dg = np.sqrt(np.diag(R))
    return R / dg[:, None] / dg[None, :], float(lam)
