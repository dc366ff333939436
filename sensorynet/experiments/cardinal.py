"""Cardinal over-representation (docs/model.md §5.6): learning with 50 % cardinal stimuli
against a uniform control, and the measured-PO histograms that compare them.
"""
from __future__ import annotations

import numpy as np
from .._checks import check_count, check_params, check_seed
from .._json import jsonable
from ..analysis.connectivity import mean_weight_within_groups
from ..analysis.orientation import CARDINAL_DEG, OBLIQUE_DEG, near_orientation_mask, orientation_class_fractions
from ._common import block_rates, claim
from .blocks import run_blocks
from .seeds import STREAM_CARDINAL, STREAM_LEARNING, STREAM_NETWORK, seed_sequence
from .tuning import run_tuning
from ..network import build_network
from ..sparse import as_dense

__all__ = ["CardinalResult", "run_cardinal"]


# ------------------------------------------------------------------------ cardinal
class CardinalResult:
    """Cardinal-biased learning vs a uniform control from the same W0 (docs/model.md §5.6).

    Attributes
    ----------
    W0 : ndarray (N, N), naive weights, mV
    naive : TuningResult of W0
    conditions : dict
        ``"cardinal"`` and ``"control"`` -> dict with ``"W"`` (learned weights, mV),
        ``"tuning"`` (TuningResult), ``"block_thetas"`` (rad), ``"block_rates"`` (Hz).
    half_width_deg : float
        Half-width of the near-cardinal / near-oblique classes, degrees.
    po, n_exc
    """

    def __init__(self, W0, naive, conditions, half_width_deg, po, n_exc):
        self.W0, self.naive, self.conditions = W0, naive, conditions
        self.half_width_deg, self.po, self.n_exc = half_width_deg, po, n_exc

    def state(self, name):
        """(W, TuningResult) of ``"naive"``, ``"cardinal"`` or ``"control"``."""
        if name == "naive":
            return self.W0, self.naive
        if name not in self.conditions:
            raise ValueError(f"name must be 'naive' or one of {sorted(self.conditions)}, "
                             f"got {name!r}")
        c = self.conditions[name]
        return c["W"], c["tuning"]

    def metrics(self) -> dict:
        out = {"half_width_deg": self.half_width_deg}
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
        return jsonable(out)

    def claims(self) -> list:
        m = self.metrics()
        c, k = m["cardinal"], m["control"]

        def fr(d):
            return (f"near-cardinal {d['frac_near_cardinal']:.3f} vs near-oblique "
                    f"{d['frac_near_oblique']:.3f} (z = {d['z']:.2f}, n = {d['n']})")
        return [
            claim("Cardinal-biased experience over-represents cardinal POs (E neurons)",
                   fr(c), "near-cardinal > near-oblique",
                   c["frac_near_cardinal"] > c["frac_near_oblique"]),
            claim("Uniform control: not more near-cardinal than near-oblique E neurons "
                   "(literal comparison)", fr(k), "near-cardinal <= near-oblique",
                   k["frac_near_cardinal"] <= k["frac_near_oblique"]),
            claim("Uniform control: no significant cardinal surplus", fr(k),
                   "|z| < 2 (sampling noise of uniformly distributed POs)", abs(k["z"]) < 2),
            claim("Cardinal-biased experience strengthens E→E weights among "
                   "cardinal-preferring neurons",
                   f"within-group mean w: cardinal {c['mean_w_EE_cardinal']:.3f} vs oblique "
                   f"{c['mean_w_EE_oblique']:.3f} mV (control {k['mean_w_EE_cardinal']:.3f}"
                   f" vs {k['mean_w_EE_oblique']:.3f})", "cardinal > oblique",
                   c["mean_w_EE_cardinal"] > c["mean_w_EE_oblique"])]


def run_cardinal(params=None, seed=0, *, n_blocks=20, half_width_deg=15.0, thetas=None,
                 duration_ms=2000, progress=True) -> CardinalResult:
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
    kw = dict(thetas=thetas, duration_ms=duration_ms, progress=progress)
    naive = run_tuning(net.W, net.po, params, seed, **kw)
    conds = {}
    for name, stream, seq in (("cardinal", STREAM_CARDINAL, "cardinal"),
                              ("control", STREAM_LEARNING, "uniform")):
        W, _, th, spikes = run_blocks(net.W, net.po, params, seed, stream, n_blocks,
                                      sequence=seq, progress=progress, keep_snapshots=False,
                                      desc=name)
        conds[name] = {"W": as_dense(W), "tuning": run_tuning(W, net.po, params, seed, **kw),
                       "block_thetas": th, "block_rates": block_rates(spikes)}
    return CardinalResult(as_dense(net.W), naive, conds, float(half_width_deg), net.po,
                          net.n_exc)


