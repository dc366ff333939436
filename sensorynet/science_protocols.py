"""Protocols beyond the published experiment: spontaneous activity (MODEL.md §5.5),
cardinal over-representation (§5.6) and plasticity ablations."""
from __future__ import annotations


import numpy as np

from .connectivity import (mean_weight_within_groups)
from .experiments import (STREAM_CARDINAL, STREAM_LEARNING, STREAM_NETWORK,
                          STREAM_SPONTANEOUS, run_blocks, run_published, seed_sequence)
from .network import build_network
from .tuning import (CARDINAL_DEG, OBLIQUE_DEG, near_orientation_mask,
                     orientation_class_fractions, run_tuning)

from ._checks import check_count, check_params, check_seed
from ._science_common import (ABLATIONS, DEFAULT_LTD_IE, _dense, _check_published,
                              _mono_dec, _fmt, _jsonable, _claim, _block_rates,
                              connectivity_summary)

__all__ = ["run_spontaneous", "run_cardinal", "run_ablations", "SpontaneousResult",
           "CardinalResult", "AblationResult"]




# --------------------------------------------------------------------- spontaneous
class SpontaneousResult:
    """Learned network exposed to untuned input (MODEL.md §5.5).

    Attributes
    ----------
    ltd_IE : bool
        The I→E LTD switch used.
    W_start, W_end : ndarray (N, N)
        Weights before and after the spontaneous blocks, mV.
    block_rates : ndarray (n_blocks, 2)
        Mean E and I rate in each spontaneous block, Hz.
    tuning_before, tuning_after : TuningResult
        Tuning of W_start and W_end (same input realisation).
    conn_before, conn_after : dict
        :func:`connectivity_summary` (input PO) of W_start and W_end.
    po, n_exc
    """

    def __init__(self, ltd_IE, W_start, W_end, block_rates, tuning_before, tuning_after,
                 conn_before, conn_after, po, n_exc):
        self.ltd_IE, self.W_start, self.W_end = ltd_IE, W_start, W_end
        self.block_rates = block_rates
        self.tuning_before, self.tuning_after = tuning_before, tuning_after
        self.conn_before, self.conn_after = conn_before, conn_after
        self.po, self.n_exc = po, n_exc

    def specificity_change(self, pathway="EE", mode="all") -> np.ndarray:
        """After − before mean weight per |ΔPO| bin, mV."""
        return (self.conn_after["specificity"][pathway][mode]
                - self.conn_before["specificity"][pathway][mode])

    def metrics(self) -> dict:
        ob, oa = self.tuning_before.summary(), self.tuning_after.summary()
        ne = self.n_exc
        ie0, ie1 = self.W_start[ne:, :ne], self.W_end[ne:, :ne]
        return _jsonable({
            "ltd_IE": self.ltd_IE, "n_blocks": len(self.block_rates),
            "rates": {"E": self.block_rates[:, 0].mean(), "I": self.block_rates[:, 1].mean()},
            "rates_first_block": {"E": self.block_rates[0, 0], "I": self.block_rates[0, 1]},
            "rates_last_block": {"E": self.block_rates[-1, 0], "I": self.block_rates[-1, 1]},
            "specificity_EE_change": self.specificity_change("EE"),
            "specificity_EI_change": self.specificity_change("EI"),
            "specificity_IE_change": self.specificity_change("IE"),
            "specificity_EE_before": self.conn_before["specificity"]["EE"]["all"],
            "specificity_EE_after": self.conn_after["specificity"]["EE"]["all"],
            "mean_IE_weight_change": ie1[ie0 != 0].mean() - ie0[ie0 != 0].mean(),
            "osi_E_change": oa["osi"]["E"] - ob["osi"]["E"],
            "osi_I_change": oa["osi"]["I"] - ob["osi"]["I"],
            "osi_before": ob["osi"], "osi_after": oa["osi"],
            "tuning_rates_before": ob["rates"], "tuning_rates_after": oa["rates"],
            "bidirectional_surplus_after": self.conn_after["bidirectional"]["surplus"]})

    def claims(self) -> list:
        ch = self.specificity_change("EE")
        after = self.conn_after["specificity"]["EE"]["all"]
        tag = f"(I→E LTD {'on' if self.ltd_IE else 'off'})"
        return [
            _claim(f"E→E specificity survives spontaneous activity {tag}",
                   f"change per |ΔPO| bin {_fmt(ch, 4)} mV", "|change| < 0.03 mV in every bin",
                   np.all(np.abs(ch) < 0.03)),
            _claim(f"E→E remains feature specific after spontaneous activity {tag}",
                   f"{_fmt(after)} mV", "monotone decreasing in |ΔPO|", _mono_dec(after))]


def run_spontaneous(published, *, n_blocks=10, ltd_IE=DEFAULT_LTD_IE, thetas=None,
                    duration_ms=2000, progress=True) -> SpontaneousResult:
    """Plastic blocks of untuned input on the learned network (MODEL.md §5.5).

    Parameters
    ----------
    published : ExperimentResult
        Learned network (``published.W``).
    n_blocks : int
        Number of plastic blocks of ``protocol.block_ms`` with untuned input at
        ``input.spontaneous_rate`` (1 kHz), seeded by ``STREAM_SPONTANEOUS``.
    ltd_IE : bool
        Keep the presynaptic-spike LTD term on I→E synapses (default
        :data:`DEFAULT_LTD_IE`; see the module docstring for why).
    thetas, duration_ms : tuning protocol of the before/after selectivity.
    progress : bool

    Returns
    -------
    SpontaneousResult
    """
    pub = _check_published(published)
    n_blocks = check_count(n_blocks, "n_blocks", low=1)
    if not isinstance(ltd_IE, (bool, np.bool_)):
        raise TypeError(f"ltd_IE must be True or False, got {ltd_IE!r}")
    params = pub.params.replace(**{"plasticity.ltd_IE": bool(ltd_IE)})
    W_end, _, _, spikes = run_blocks(pub.W, pub.po, params, pub.seed, STREAM_SPONTANEOUS,
                                     n_blocks, sequence="untuned", progress=progress,
                                     keep_snapshots=False, desc="spontaneous")
    kw = dict(thetas=thetas, duration_ms=duration_ms, progress=progress)
    t0 = run_tuning(pub.W, pub.po, pub.params, pub.seed, **kw)
    t1 = run_tuning(W_end, pub.po, pub.params, pub.seed, **kw)
    W0, W1 = _dense(pub.W), _dense(W_end)
    return SpontaneousResult(bool(ltd_IE), W0, W1, _block_rates(spikes), t0, t1,
                             connectivity_summary(W0, pub.po, pub.n_exc),
                             connectivity_summary(W1, pub.po, pub.n_exc), pub.po, pub.n_exc)


# ------------------------------------------------------------------------ cardinal
class CardinalResult:
    """Cardinal-biased learning vs a uniform control from the same W0 (MODEL.md §5.6).

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
        return _jsonable(out)

    def claims(self) -> list:
        m = self.metrics()
        c, k = m["cardinal"], m["control"]

        def fr(d):
            return (f"near-cardinal {d['frac_near_cardinal']:.3f} vs near-oblique "
                    f"{d['frac_near_oblique']:.3f} (z = {d['z']:.2f}, n = {d['n']})")
        return [
            _claim("Cardinal-biased experience over-represents cardinal POs (E neurons)",
                   fr(c), "near-cardinal > near-oblique",
                   c["frac_near_cardinal"] > c["frac_near_oblique"]),
            _claim("Uniform control: not more near-cardinal than near-oblique E neurons "
                   "(literal comparison)", fr(k), "near-cardinal <= near-oblique",
                   k["frac_near_cardinal"] <= k["frac_near_oblique"]),
            _claim("Uniform control: no significant cardinal surplus", fr(k),
                   "|z| < 2 (sampling noise of uniformly distributed POs)", abs(k["z"]) < 2),
            _claim("Cardinal-biased experience strengthens E→E weights among "
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
        conds[name] = {"W": _dense(W), "tuning": run_tuning(W, net.po, params, seed, **kw),
                       "block_thetas": th, "block_rates": _block_rates(spikes)}
    return CardinalResult(_dense(net.W), naive, conds, float(half_width_deg), net.po,
                          net.n_exc)


# ----------------------------------------------------------------------- ablations
class AblationResult:
    """Learning with pathways frozen, same seed (and so the same W0 and input).

    Attributes
    ----------
    runs : dict
        name -> ExperimentResult of the published protocol with those changes.
    tuning_before, tuning_after : dict
        name -> TuningResult of W0 and of the learned W (same input realisation).
    changes : dict
        name -> parameter changes.
    connectivity : dict
        name -> :func:`connectivity_summary` of the learned W (input PO).
    """

    def __init__(self, runs, tuning_before, tuning_after, changes, connectivity):
        self.runs, self.changes = runs, changes
        self.tuning_before, self.tuning_after = tuning_before, tuning_after
        self.connectivity = connectivity

    def metrics(self) -> dict:
        out = {}
        for name, r in self.runs.items():
            c = self.connectivity[name]
            tb, ta = self.tuning_before[name].summary(), self.tuning_after[name].summary()
            br = _block_rates(r.spikes)
            out[name] = {
                "changes": self.changes[name],
                "rates_before": r.spikes["before"].population_rates(),
                "rates_after": r.spikes["after"].population_rates(),
                "rates_last_block": {"E": br[-1, 0], "I": br[-1, 1]} if len(br) else None,
                "osi_before": tb["osi"], "osi_after": ta["osi"],
                "osi_debiased_after": ta["osi_debiased"],
                "specificity_EE_final": c["specificity"]["EE"]["all"],
                "specificity": c["specificity"],
                "bidirectional_surplus": c["bidirectional"]["surplus"],
                "reciprocal_correlation": c["reciprocal_correlation"],
                "pruning": c["pruning"]}
        return _jsonable(out)

    def claims(self) -> list:
        m = self.metrics()
        out = []
        for name, d in m.items():
            s = d["specificity_EE_final"]
            out.append(_claim(f"Ablation {name}: E→E connectivity still becomes feature "
                              "specific (exploratory, no published prediction)",
                              f"{_fmt(s)} mV", "monotone decreasing in |ΔPO|", _mono_dec(s)))
            ob, oa = d["osi_before"]["E"], d["osi_after"]["E"]
            out.append(_claim(f"Ablation {name}: E selectivity still rises with learning "
                              "(exploratory, no published prediction)",
                              f"OSI_E {ob:.3f} → {oa:.3f}", "after > before", oa > ob))
        return out


def run_ablations(params=None, seed=0, *, conditions=None, n_blocks=None, thetas=None,
                  duration_ms=2000, progress=True) -> AblationResult:
    """Re-run the published learning with plasticity switched off on some pathways.

    Parameters
    ----------
    params : ModelParams, optional
        Base parameters (default published).
    seed : int
        Same seed for every condition: same W0, learning input and test input.
    conditions : dict, optional
        name -> ``ModelParams.replace`` changes (default :data:`ABLATIONS`: everything
        plastic, E→I frozen, I→E frozen).
    n_blocks : int, optional
        Learning blocks (default ``params.protocol.n_blocks``).
    thetas, duration_ms : tuning protocol.
    progress : bool

    Returns
    -------
    AblationResult
    """
    params = check_params(params)
    seed = check_seed(seed)
    conditions = ABLATIONS if conditions is None else conditions
    if not isinstance(conditions, dict) or not conditions or \
            not all(isinstance(v, dict) for v in conditions.values()):
        raise TypeError("conditions must be a non-empty dict of name -> dict of changes")
    kw = dict(thetas=thetas, duration_ms=duration_ms, progress=progress)
    runs, tb, ta, conn = {}, {}, {}, {}
    for name, ch in conditions.items():
        p = params.replace(**ch)
        r = run_published(p, seed, n_blocks=n_blocks, progress=progress, keep_snapshots=False)
        runs[name] = r
        tb[name] = run_tuning(r.W0, r.po, p, seed, **kw)
        ta[name] = run_tuning(r.W, r.po, p, seed, **kw)
        conn[name] = connectivity_summary(r.W, r.po, r.n_exc, W0=_dense(r.W0),
                                          w_max=p.plasticity.w_max,
                                          w_min_inh=p.plasticity.w_min_inh)
    return AblationResult(runs, tb, ta, {k: dict(v) for k, v in conditions.items()}, conn)


