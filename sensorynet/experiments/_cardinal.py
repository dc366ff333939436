"""Cardinal over-representation (docs/model.md §5.6): learning with 50 % cardinal stimuli
against a uniform control, and the measured-PO histograms that compare them.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Literal, TypedDict

import numpy as np
from numpy.typing import ArrayLike

from .._json import jsonable
from .._network import build_network
from .._orientation import (
    CARDINAL_DEG,
    OBLIQUE_DEG,
    near_orientation_mask,
    orientation_class_fractions,
)
from .._params import ModelParams
from .._stats import binom_sf, format_p
from .._types import BoolArray, FloatArray
from .._validate import check_count, check_params, check_seed
from .._weights import SparseWeights, group_row_means
from ..analysis import mean_weight_within_groups
from ._blocks import run_blocks
from ._claims import cardinal_overrepresented
from ._common import block_rates, claim, number
from ._registry import FigureSpec, Protocol, RunContext, register_protocol
from ._seeds import STREAM_CARDINAL, STREAM_LEARNING, STREAM_NETWORK, seed_sequence
from ._tuning import TuningResult, run_tuning

__all__ = ["CardinalResult", "run_cardinal", "mcnemar_one_sided", "two_proportion_z",
           "CARDINAL_ALPHA"]

#: significance level of the one-sided tests of the cardinal experiment
CARDINAL_ALPHA = 0.01


def mcnemar_one_sided(n_gain: int, n_loss: int) -> float:
    """Exact one-sided McNemar test of paired binary outcomes.

    ``n_gain``: units with the outcome in condition A but not in B; ``n_loss``: the
    reverse. Under H0 (no difference) the discordant units split 50/50, so
    ``p = P(X >= n_gain)`` for ``X ~ Binomial(n_gain + n_loss, 1/2)``.

    >>> round(mcnemar_one_sided(8, 1), 4)
    0.0195
    >>> mcnemar_one_sided(0, 0)
    1.0
    """
    n_gain, n_loss = int(n_gain), int(n_loss)
    if n_gain < 0 or n_loss < 0:
        raise ValueError("counts must be >= 0")
    return 1.0 if n_gain + n_loss == 0 else float(binom_sf(n_gain, n_gain + n_loss, 0.5))


def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """Pooled two-proportion z statistic of ``x1/n1 > x2/n2`` and its one-sided p.

    >>> z, p = two_proportion_z(60, 100, 40, 100)
    >>> round(z, 3), round(p, 4)
    (2.828, 0.0023)
    """
    p1, p2 = x1 / n1, x2 / n2
    pp = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se if se > 0 else 0.0
    return float(z), float(1.0 - NormalDist().cdf(z))


# ------------------------------------------------------------------------ cardinal
class CardinalCondition(TypedDict):
    """One learning condition of :class:`CardinalResult` (``"cardinal"`` or
    ``"control"``)."""

    W: FloatArray | SparseWeights     # learned weights, mV
    tuning: TuningResult              # tuning of W
    block_thetas: FloatArray          # orientations of each block, rad
    block_rates: FloatArray           # mean E and I rate of each block (n_blocks, 2), Hz


class CardinalResult:
    """Cardinal-biased learning vs a uniform control from the same W0 (docs/model.md §5.6).

    Attributes
    ----------
    W0 : ndarray (N, N) or SparseWeights, naive weights, mV (sparse for large N)
    naive : TuningResult of W0
    conditions : dict
        ``"cardinal"`` and ``"control"`` -> :class:`CardinalCondition`: a dict with
        ``"W"`` (learned weights, mV), ``"tuning"`` (TuningResult), ``"block_thetas"``
        (rad), ``"block_rates"`` (Hz).
    half_width_deg : float
        Half-width of the near-cardinal / near-oblique classes, degrees.
    po : ndarray (N,)
        Input preferred orientations, rad.
    n_exc : int
    """

    def __init__(self, W0: FloatArray | SparseWeights, naive: TuningResult,
                 conditions: dict[str, CardinalCondition], half_width_deg: float,
                 po: FloatArray, n_exc: int) -> None:
        self.W0, self.naive, self.conditions = W0, naive, conditions
        self.half_width_deg, self.po, self.n_exc = half_width_deg, po, n_exc

    def state(self, name: str) -> tuple[FloatArray | SparseWeights, TuningResult]:
        """(W, TuningResult) of ``"naive"``, ``"cardinal"`` or ``"control"``."""
        if name == "naive":
            return self.W0, self.naive
        if name not in self.conditions:
            raise ValueError(f"name must be 'naive' or one of {sorted(self.conditions)}, "
                             f"got {name!r}")
        c = self.conditions[name]
        return c["W"], c["tuning"]

    def metrics(self) -> dict[str, Any]:
        """PO class fractions, within-class E→E weights, OSI and rates of each state,
        and :meth:`tests`, JSON-ready."""
        out: dict[str, Any] = {"half_width_deg": self.half_width_deg}
        ne = self.n_exc
        for name in ("naive", *self.conditions):
            W, tun = self.state(name)
            po_e = tun.po_out[:ne]
            m = orientation_class_fractions(po_e, self.half_width_deg)
            card = near_orientation_mask(po_e, CARDINAL_DEG, self.half_width_deg)
            obl = near_orientation_mask(po_e, OBLIQUE_DEG, self.half_width_deg)
            m["mean_w_EE_cardinal"] = mean_weight_within_groups(W, card, ne)
            m["mean_w_EE_oblique"] = mean_weight_within_groups(W, obl, ne)
            m["osi"] = tun.summary()["osi"]
            m["rates"] = tun.mean_rates()
            out[name] = m
        out["tests"] = self.tests()
        return jsonable(out)

    def masks(self, name: str) -> tuple[BoolArray, BoolArray]:
        """Near-cardinal and near-oblique masks of the E neurons' measured PO."""
        po_e = self.state(name)[1].po_out[:self.n_exc]
        return (near_orientation_mask(po_e, CARDINAL_DEG, self.half_width_deg),
                near_orientation_mask(po_e, OBLIQUE_DEG, self.half_width_deg))

    def tests(self) -> dict[str, Any]:
        """The cardinal-trained network against the uniform-trained control.

        * ``near_cardinal``: the same E neurons in both conditions (same W0 and input
          PO), so the near-cardinal fraction is compared by the exact one-sided McNemar
          test on the neurons that are near-cardinal in one condition only
          (``n_gain``: cardinal-trained only, ``n_loss``: control only); the pooled
          two-proportion z test (it ignores the pairing, so it is much weaker here) is
          given as information.
        * ``within_cardinal_weights``: difference in differences, (cardinal − oblique
          within-group mean E→E weight) after cardinal-biased learning minus the same
          after uniform learning, mV; ``z`` = did / se with the se from the spread of
          the presynaptic neurons' within-group means (conditions treated as
          independent, which overestimates the se of these positively correlated
          networks).
        """
        ne = self.n_exc
        ca, oa = self.masks("cardinal")
        ck, ok = self.masks("control")
        gain, loss = int(np.sum(ca & ~ck)), int(np.sum(~ca & ck))
        z2, p2 = two_proportion_z(int(ca.sum()), ne, int(ck.sum()), ne)
        parts = {}
        for name, (c, o) in (("cardinal", (ca, oa)), ("control", (ck, ok))):
            W = self.state(name)[0]
            rc, ro = group_row_means(W, c), group_row_means(W, o)
            var = sum(r.var(ddof=1) / r.size if r.size > 1 else np.nan for r in (rc, ro))
            parts[name] = (float(rc.mean() - ro.mean()) if rc.size and ro.size
                           else float("nan"), float(var))
        did = parts["cardinal"][0] - parts["control"][0]
        se = math.sqrt(parts["cardinal"][1] + parts["control"][1])
        if se > 0:
            zd = did / se
        else:                      # no spread at all (constructed cases)
            zd = math.copysign(math.inf, did) if did != 0 else float("nan")
        return {"near_cardinal": {
                    "frac_cardinal": float(ca.mean()), "frac_control": float(ck.mean()),
                    "n": ne, "n_gain": gain, "n_loss": loss,
                    "p_mcnemar": mcnemar_one_sided(gain, loss),
                    "z_two_proportion": z2, "p_two_proportion": p2},
                "within_cardinal_weights": {
                    "cardinal_minus_oblique": {"cardinal": parts["cardinal"][0],
                                               "control": parts["control"][0]},
                    "did": float(did), "se": float(se), "z": float(zd),
                    "p": (float(1.0 - NormalDist().cdf(zd)) if math.isfinite(zd)
                          else 0.0 if zd == math.inf else 1.0 if zd == -math.inf
                          else float("nan"))},
                "alpha": CARDINAL_ALPHA}

    def claims(self) -> list[dict[str, Any]]:
        """The paper's claim, as a one-sided test against the control: cardinal-biased
        experience over-represents cardinal POs (exact McNemar over the same E neurons);
        and the finding that it strengthens E→E weights among cardinal-preferring
        neurons (difference in differences, one-sided z)."""
        m = self.metrics()
        t = self.tests()
        k = m["control"]
        nc, wc = t["near_cardinal"], t["within_cardinal_weights"]
        ca, _ = self.masks("cardinal")
        ck, _ = self.masks("control")
        c8 = cardinal_overrepresented(ca, ck, CARDINAL_ALPHA)
        c8["measured"] += (f" (unpaired two-proportion z = {number(nc['z_two_proportion'])}, "
                           f"information; the control itself: near-cardinal "
                           f"{number(k['frac_near_cardinal'], '.3f')} vs near-oblique "
                           f"{number(k['frac_near_oblique'], '.3f')})")
        dc, dk = (wc["cardinal_minus_oblique"][x] for x in ("cardinal", "control"))
        did, se, p = wc["did"], wc["se"], wc["p"]
        ok = math.isfinite(did) and math.isfinite(se)
        lo, hi = (did - 1.959963984540054 * se, did + 1.959963984540054 * se) if ok \
            else (float("nan"), float("nan"))
        holds = None if p is None or not math.isfinite(p) else p < CARDINAL_ALPHA
        f7 = claim("Cardinal-biased experience strengthens E→E weights among "
                   "cardinal-preferring neurons, relative to the uniform-trained control — "
                   "finding of this package",
                   f"(cardinal − oblique) within-group mean w: {number(dc, '+.4f')} mV vs "
                   f"control {number(dk, '+.4f')} mV; difference {number(did, '+.4f')} mV "
                   f"(95 % CI {number(lo, '+.4f')} to {number(hi, '+.4f')}); z = "
                   f"{number(wc['z'])}, p {'= ' if format_p(p)[0] != '<' else ''}{format_p(p)}",
                   f"difference > 0, one-sided p < {CARDINAL_ALPHA:g}", holds, kind="finding",
                   key="cardinal_weights",
                   effect={"estimate": did if math.isfinite(did) else None,
                           "unit": "mV, difference in differences",
                           "ci95": [lo, hi] if ok else [None, None]},
                   p=p if p is not None and math.isfinite(p) else None,
                   alpha=CARDINAL_ALPHA,
                   test="one-sided z of the difference in differences (se from the spread "
                        "of the presynaptic neurons' within-group means)",
                   unit=f"presynaptic E neuron of the near-cardinal and near-oblique groups "
                        f"(n = {int(ca.sum() + ck.sum())} group members over both "
                        "conditions)")
        return [c8, f7]


def run_cardinal(params: ModelParams | None = None, seed: int = 0, *, n_blocks: int = 20,
                 half_width_deg: float = 15.0, thetas: ArrayLike | None = None,
                 duration_ms: float = 2000, progress: bool = True) -> CardinalResult:
    """Learning from W0 with 50 % cardinal stimuli, and a uniform control.

    Both conditions start from the W0 that :func:`sensorynet.run_published` builds for
    ``seed``. Cardinal: ``run_blocks(stream=STREAM_CARDINAL, sequence="cardinal")``;
    control: ``stream=STREAM_LEARNING, sequence="uniform"`` (the first ``n_blocks``
    blocks of the published learning). All tunings share one input realisation.

    Parameters
    ----------
    params : ModelParams, optional
    seed : int
    n_blocks : int
        Plastic blocks per condition.
    half_width_deg : float
        Class half-width around 0°/90° and 45°/135°, degrees.
    thetas, duration_ms : tuning protocol.
    progress : bool

    Returns
    -------
    CardinalResult
    """
    params = check_params(params)
    seed = check_seed(seed)
    n_blocks = check_count(n_blocks, "n_blocks", low=1)
    orientation_class_fractions(np.zeros(0), half_width_deg)  # validates half_width_deg
    net = build_network(params.network, seed_sequence(seed, STREAM_NETWORK))
    naive = run_tuning(net.W, net.po, params, seed, thetas=thetas, duration_ms=duration_ms,
                       progress=progress)
    conds: dict[str, CardinalCondition] = {}
    conditions: tuple[tuple[str, int, Literal["cardinal", "uniform"]], ...] = (
        ("cardinal", STREAM_CARDINAL, "cardinal"), ("control", STREAM_LEARNING, "uniform"))
    for name, stream, seq in conditions:
        W, _, th, spikes = run_blocks(net.W, net.po, params, seed, stream, n_blocks,
                                      sequence=seq, progress=progress, keep_snapshots=False,
                                      desc=name)
        assert th is not None   # stimulus sequences, n_blocks >= 1: orientations were drawn
        conds[name] = {"W": W, "tuning": run_tuning(W, net.po, params, seed, thetas=thetas,
                                                    duration_ms=duration_ms,
                                                    progress=progress),
                       "block_thetas": th, "block_rates": block_rates(spikes)}
    return CardinalResult(net.W, naive, conds, float(half_width_deg), net.po,
                          net.n_exc)


def _run_protocol(ctx: RunContext) -> CardinalResult:
    return run_cardinal(ctx.params, ctx.seed, progress=ctx.progress)


register_protocol(Protocol(
    "cardinal", _run_protocol,
    figures=(FigureSpec("cardinal_po_histograms", "sensorynet.plotting:plot_cardinal"),),
    cost_s=1.1,
    description="learning from 50 % cardinal stimuli against a uniformly trained control "
                "(docs/model.md §5.6)"))
