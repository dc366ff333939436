"""Tests of sensorynet.experiments and sensorynet.plotting._science.

Constructed cases check each analysis against hand-computed answers; the real model
(session fixture ``published``: 40 blocks, default seed) checks the direction of every
claim of the paper that issue 3 asks us to measure.
"""
import json
import warnings

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sensorynet as sn
from sensorynet import experiments as sci
from sensorynet._json import jsonable
from sensorynet.analysis._connectivity import connectivity_summary, specificity
from sensorynet.analysis._selectivity import orientation_grid
from sensorynet.experiments._common import ABLATIONS, DEFAULT_LTD_IE
from sensorynet.experiments._tuning import TuningResult

TH = orientation_grid(12)


def cos_rates(phis_deg, base=10.0, m=8.0):
    phi = np.radians(np.asarray(phis_deg, dtype=float))
    return base + m * np.cos(2 * (TH[:, None] - phi[None, :]))


# ================================================================ constructed cases
# 4 E neurons at 0/45/90/135 deg and 2 I neurons; |dPO| among E is 0, 45 or 90 deg.
PO6 = np.radians([0.0, 45.0, 90.0, 135.0, 0.0, 90.0])
W6 = np.zeros((6, 6))
W6[:4, :4] = [[1.0, 2.0, 0.0, 0.0],
              [0.0, 0.0, 3.0, 0.0],
              [4.0, 0.0, 0.0, 5.0],
              [0.0, 6.0, 1.5, 2.0]]
W6[:4, 4:] = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
W6[4:, :4] = -4.0


def test_connectivity_summary_hand_computed():
    s = connectivity_summary(W6, PO6, 4)
    ee = s["specificity"]["EE"]
    # all pairs: |dPO|=0 -> diagonal (1,0,0,2); 45 -> 2,0,0,3,0,5,0,1.5; 90 -> 0,4,0,6
    np.testing.assert_allclose(ee["all"], [0.75, 11.5 / 8, 2.5])
    np.testing.assert_allclose(ee["existing"], [1.5, 11.5 / 4, 5.0])
    # E->I existing: (0->I0: 0 deg, 1.0), (1->I1: 45 deg, 1.0), (2->I0: 90 deg, 1.0)
    np.testing.assert_allclose(s["specificity"]["EI"]["existing"], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(s["specificity"]["IE"]["all"], [-4.0, -4.0, -4.0])
    # strong (> 1 mV) off-diagonal E->E: 2,3,4,5,6,1.5 -> 6 of 12; one pair (2<->3) both ways
    b = s["bidirectional"]
    assert (b["observed"], b["n_strong"], b["n_pairs"]) == (1, 6, 6)
    assert b["expected"] == pytest.approx(6 * 0.5 ** 2)
    assert b["surplus"] == pytest.approx(1 / 1.5)
    assert "pruning" not in s
    W0 = np.where(W6 != 0, np.sign(W6), 0.0)
    W0[0, 3] = 0.5                       # existed, now pruned to 0
    W0[:4][W0[:4] > 0] = 0.5
    p = connectivity_summary(W6, PO6, 4, W0=W0)["pruning"]
    assert p["EE"]["n_existing"] == 9 and p["EE"]["pruned"] == pytest.approx(1 / 9)
    assert p["EE"]["at_bound"] == pytest.approx(2 / 9)          # the two 2.0 mV synapses


def test_connectivity_summary_skips_nan_po_for_specificity_only():
    po = PO6.copy()
    po[3] = np.nan                                              # a silent E neuron
    s = connectivity_summary(W6, po, 4)
    keep = [0, 1, 2, 4, 5]
    np.testing.assert_allclose(s["specificity"]["EE"]["all"],
                               specificity(W6[np.ix_(keep, keep)], PO6[keep], 3, "EE"))
    assert s["bidirectional"]["observed"] == 1                  # uses all neurons


def test_jsonable():
    out = jsonable({"a": np.float64(np.nan), "b": [np.int32(3), np.inf], 1: np.bool_(True),
                         "c": np.arange(2.0)})
    assert out == {"a": None, "b": [3, None], "1": True, "c": [0.0, 1.0]}
    json.dumps(out, allow_nan=False)


def _tuning(phis, m, n_exc):
    return TuningResult(TH, cos_rates(phis, m=m), n_exc, 2000)


def test_spontaneous_result_metrics_constructed():
    spec = lambda ee: {"EE": {"all": np.array(ee)}, "EI": {"all": np.zeros(3)},  # noqa: E731
                       "IE": {"all": np.zeros(3)}}
    before = {"specificity": spec([0.4, 0.25, 0.1]), "bidirectional": {"surplus": 2.0}}
    after = {"specificity": spec([0.41, 0.25, 0.08]), "bidirectional": {"surplus": 2.1}}
    W0 = np.zeros((4, 4))
    W0[2:, :2] = -4.0
    W1 = W0.copy()
    W1[2:, :2] = -4.5
    r = sci.SpontaneousResult(True, W0, W1, np.array([[1.0, 2.0], [3.0, 4.0]]),
                              _tuning([0, 45, 90, 135], 4.0, 2), _tuning([0, 45, 90, 135], 6.0, 2),
                              before, after, PO6[:4], 2, W0=W0, contrast_initial=0.0)
    m = r.metrics()
    assert m["rates"] == {"E": 2.0, "I": 3.0}
    assert m["rates_last_block"] == {"E": 3.0, "I": 4.0}
    np.testing.assert_allclose(m["specificity_EE_change"], [0.01, 0.0, -0.02], atol=1e-12)
    assert m["osi_E_change"] == pytest.approx(0.3 - 0.2)        # m / (2 base)
    assert m["mean_IE_weight_change"] == pytest.approx(-0.5)
    st = m["contrast_EE"]                                       # 0.3 learned, +0.03 change
    assert st["learned"] == pytest.approx(0.3) and st["change"] == pytest.approx(0.03)
    assert st["fraction"] == pytest.approx(0.1)
    # the claim is per presynaptic E neuron, on the weights: with 2 E neurons 45° apart
    # no neuron has near and far partners, so it cannot be evaluated (and says so)
    c = r.claims()
    assert len(c) == 1 and c[0]["kind"] == "claim" and c[0]["holds"] is None
    assert "no contrast defined" in c[0]["note"]
    r.ltd_IE = False
    assert r.claims()[0]["kind"] == "finding"


def test_cardinal_result_metrics_constructed():
    phis = [0.0, 10.0, 80.0, 95.0, 170.0, 45.0, 100.0, 59.0]     # 6 cardinal, 2 oblique
    card = np.array([1, 1, 1, 1, 1, 0, 1, 0], bool)
    W = np.zeros((10, 10))
    W[np.ix_(card, card)] = 1.0
    W[np.ix_(~card, ~card)] = 0.5
    t = _tuning(phis + [0.0, 90.0], 8.0, 8)
    conds = {"cardinal": {"W": W, "tuning": t, "block_thetas": None, "block_rates": None},
             "control": {"W": np.full((10, 10), 0.3), "tuning": _tuning([0, 45, 90, 135] * 2
                                                                       + [0, 0], 8.0, 8),
                         "block_thetas": None, "block_rates": None}}
    r = sci.CardinalResult(np.zeros((10, 10)), t, conds, 15.0, np.zeros(10), 8)
    m = r.metrics()
    c = m["cardinal"]
    assert (c["frac_near_cardinal"], c["frac_near_oblique"], c["n"]) == (0.75, 0.25, 8)
    assert c["z"] == pytest.approx(0.5 / np.sqrt(2 / 3 / 8))
    assert (c["mean_w_EE_cardinal"], c["mean_w_EE_oblique"]) == (1.0, 0.5)
    k = m["control"]
    assert k["frac_near_cardinal"] == k["frac_near_oblique"] == 0.5 and k["z"] == 0.0
    assert m["naive"]["mean_w_EE_cardinal"] == 0.0
    t = m["tests"]["near_cardinal"]
    # cardinal-trained near-cardinal: neurons 0-4, 6; control: 0, 2, 4, 6 -> 1 and 3 gain
    assert (t["n_gain"], t["n_loss"]) == (2, 0) and t["p_mcnemar"] == pytest.approx(0.25)
    assert (t["frac_cardinal"], t["frac_control"]) == (0.75, 0.5)
    w = m["tests"]["within_cardinal_weights"]
    assert w["did"] == pytest.approx(0.5) and w["z"] is None      # infinite (no spread)
    claims = r.claims()
    assert [x["holds"] for x in claims] == [False, True]          # 8 neurons: p = 0.25
    assert claims[0]["p"] == pytest.approx(0.25) and claims[0]["kind"] == "claim"
    assert claims[1]["kind"] == "finding" and claims[1]["p"] == 0.0   # no spread: z = inf
    assert all("literal" not in x["claim"] for x in claims)
    with pytest.raises(ValueError, match="name"):
        r.state("bogus")


# ======================================================================= real model
FURTHER = [n for n in sci.PROTOCOLS if n != "published"]


@pytest.fixture(scope="module")
def runs(published):
    """Each further protocol once on the published run (about 10 s in total), as
    ``reproduce`` runs it: metrics, claims, result and figures."""
    out = {}
    for name in FURTHER:
        proto = sci.PROTOCOLS[name]
        ctx = sci.RunContext(published.params, published.seed, published.n_blocks,
                             published=published)
        res = proto.run(ctx)
        out[name] = {"metrics": res.metrics(), "claims": res.claims(), "result": res,
                     "figures": {s: make() for s, make in proto.figure_makers(res).items()}}
    return out


def test_output_format(runs):
    assert list(runs) == ["selectivity", "spontaneous", "cardinal", "ablations"]
    for name, r in runs.items():
        assert isinstance(r["result"], sci.ProtocolResult)
        json.dumps(jsonable(r["metrics"]), allow_nan=False)
        assert r["figures"] and all(isinstance(f, Figure) for f in r["figures"].values())
        for c in r["claims"]:
            assert {"claim", "measured", "expected", "holds", "kind", "effect", "p",
                    "alpha", "test", "unit", "note"} <= set(c)
            assert isinstance(c["holds"], bool)
            assert c["kind"] in ("claim", "finding", "sanity")
            if name == "ablations":
                assert c["kind"] == "finding" and "finding of this package" in c["claim"]
    stems = [s for r in runs.values() for s in r["figures"]]
    assert len(stems) == len(set(stems))                        # no clashing file names


def test_required_metric_keys(runs):
    m = {name: r["metrics"] for name, r in runs.items()}
    m.update(m["selectivity"])
    for phase in ("before", "after"):
        assert set(m["osi"][phase]) == {"E", "I"}
    assert isinstance(m["bidirectional_surplus"], float)
    sp = m["spontaneous"]
    assert set(sp["rates"]) == {"E", "I"} and len(sp["specificity_EE_change"]) == 3
    assert isinstance(sp["osi_E_change"], float)
    assert sp["ltd_IE"] is DEFAULT_LTD_IE and set(sp["by_ltd_IE"]) == {"on", "off"}
    for cond in ("cardinal", "control"):
        assert {"frac_near_cardinal", "frac_near_oblique"} <= set(m["cardinal"][cond])
    assert set(m["ablations"]) == set(ABLATIONS)
    for d in m["ablations"].values():
        assert {"rates_after", "osi_after", "specificity_EE_final",
                "bidirectional_surplus"} <= set(d)
        assert len(d["specificity_EE_final"]) == 3


def test_claim_selectivity_rises(runs):
    o = runs["selectivity"]["metrics"]["osi"]
    assert o["after"]["E"] > o["before"]["E"]
    d = runs["selectivity"]["metrics"]["osi_debiased"]          # not a low-rate artefact
    assert d["after"]["E"] > d["before"]["E"]
    for pop in ("E", "I"):                                      # paired effect size
        e = runs["selectivity"]["metrics"]["osi_change"][pop]
        assert e["ci95"][0] > 0 and e["z"] > 5
        assert e["mean"] == pytest.approx(o["after"][pop] - o["before"][pop], abs=0.02)


def test_selectivity_claims_are_one_sided_tests(runs):
    claims = runs["selectivity"]["claims"]
    assert [c["kind"] for c in claims] == ["claim", "claim", "sanity"]
    for c in claims[:2]:
        assert c["holds"] is True and c["p"] < 1e-10
        lo, hi = c["effect"]["ci95"]
        assert 0 < lo < c["effect"]["estimate"] < hi
    po = claims[-1]
    assert po["kind"] == "sanity" and "PO" in po["claim"] and po["holds"]
    m = runs["selectivity"]["metrics"]["po_match_E"]
    assert m["before"]["median_abs_diff_deg"] < 15               # true before learning too


def test_claim_ee_specificity_monotone(runs):
    s = runs["selectivity"]["metrics"]["specificity"]
    for key in ("after_input_po", "after_output_po"):
        assert np.all(np.diff(s[key]["EE"]["all"]) < 0)
    assert np.ptp(s["before"]["EE"]["all"]) < 0.01                # flat before learning
    c = runs["selectivity"]["metrics"]["specificity_contrast_EE"]
    assert abs(c["initial"]) < 0.01 and c["final"] > 0.25


def test_claim_bidirectional_surplus(runs):
    m = runs["selectivity"]["metrics"]
    assert m["bidirectional_surplus"] > 1.5
    d = m["bidirectional_dpo_matched"]
    assert d["observed"] == m["bidirectional_counts"]["observed"]
    assert d["expected_global"] == pytest.approx(m["bidirectional_counts"]["expected"])
    # most of the surplus comes from the feature specificity, a little remains
    assert d["expected_global"] < d["expected_dpo"] < d["observed"]
    assert 0.5 < d["explained_by_dpo"] < 1 and 1 < d["surplus_dpo"] < 1.5


def test_bidirectional_dpo_matched_hand_computed():
    from sensorynet.analysis._reciprocity import (
        bidirectional_counts,
        bidirectional_counts_dpo_matched,
    )
    # E0..E3 at 0/1/90/91°: pairs (0,1) and (2,3) are at |ΔPO| 1°, the other four at ≥ 89°
    po = np.radians([0.0, 1.0, 90.0, 91.0, 0.0])
    W = np.zeros((5, 5))
    W[0, 1] = W[1, 0] = 2.0                  # reciprocal, close
    W[2, 3] = 2.0                            # one-way, close
    W[0, 2] = W[2, 0] = 2.0                  # reciprocal, far
    W[4, :4] = 5.0                           # I neuron: never counted
    c = bidirectional_counts_dpo_matched(W, po, 4, bins_deg=((0, 45), (45, 90)))
    g = bidirectional_counts(W, 4)
    assert c["observed"] == g["observed"] == 2
    assert c["expected_global"] == pytest.approx(g["expected"]) == pytest.approx(6 * (5 / 12) ** 2)
    # close: 2 pairs, 3 of 4 directions strong; far: 4 pairs, 2 of 8 strong
    assert c["n_pairs"] == [2, 4] and c["q_per_bin"] == [0.75, 0.25]
    assert c["expected_dpo"] == pytest.approx(2 * 0.75 ** 2 + 4 * 0.25 ** 2)
    assert c["observed_per_bin"] == [1, 1]
    assert c["explained_by_dpo"] == pytest.approx(
        (c["expected_dpo"] - c["expected_global"]) / (2 - c["expected_global"]))
    with pytest.raises(ValueError):
        bidirectional_counts_dpo_matched(W, po[:3], 4)


def test_paired_effect():
    from sensorynet.experiments._selectivity import paired_effect
    e = paired_effect([0.1, 0.2, np.nan, 0.3], [0.2, 0.4, 0.5, 0.3])
    assert e["n"] == 3 and e["mean"] == pytest.approx(0.1)
    assert e["sd"] == pytest.approx(0.1) and e["z"] == pytest.approx(0.1 / (0.1 / np.sqrt(3)))
    half = 4.302652729911275 * 0.1 / np.sqrt(3)                  # t_2(0.975)
    np.testing.assert_allclose(e["ci95"], [0.1 - half, 0.1 + half], rtol=1e-7)


def test_claim_spontaneous_keeps_specificity(runs):
    sp = runs["spontaneous"]["metrics"]
    for setting in ("on", "off"):
        st = sp["by_ltd_IE"][setting]["contrast_EE"]
        assert st["learned"] > 0.25 and abs(st["fraction"]) < 0.02
    claims = runs["spontaneous"]["claims"]
    assert [c["kind"] for c in claims] == ["claim", "finding"]     # LTD on, then off
    assert all(c["holds"] for c in claims)
    assert all(c["effect"]["estimate"] == pytest.approx(1.0, abs=0.05) for c in claims)


def test_spontaneous_claim_fails_when_structure_is_erased(published):
    """Much stronger LTD during spontaneous activity erases the learned structure: the
    stability claim must fail (A_LTD × 3 is not enough: E neurons barely fire)."""
    a_ltd = published.params.plasticity.A_LTD
    r = sci.run_spontaneous(published, progress=False, thetas=TH[:3], duration_ms=200,
                            changes={"plasticity.A_LTD": 10 * a_ltd})
    st = r.stability()
    assert st["fraction"] < -0.5
    c = r.claims()[0]
    assert c["holds"] is False and "A_LTD" in c["claim"] and c["effect"]["estimate"] < 0.5


def test_claim_cardinal_bias(runs):
    """Cardinal stimuli over-represent cardinal POs relative to the uniform control
    (paired McNemar test on the same neurons); the control itself shows no significant
    surplus against uniform POs (information)."""
    c = runs["cardinal"]["metrics"]
    t = c["tests"]
    assert t["near_cardinal"]["p_mcnemar"] < 1e-4
    assert t["near_cardinal"]["frac_cardinal"] > t["near_cardinal"]["frac_control"]
    assert t["within_cardinal_weights"]["z"] > 3
    assert abs(c["control"]["z"]) < 2 and c["control"]["z"] < c["cardinal"]["z"] - 2
    claims = runs["cardinal"]["claims"]
    assert len(claims) == 2 and all(x["holds"] for x in claims)
    assert "control" in claims[0]["measured"]                  # control's numbers kept


def test_ablation_findings(runs):
    a = runs["ablations"]["metrics"]
    assert a["EI_frozen"]["rates_after"]["E"] > 3 * a["all_plastic"]["rates_after"]["E"]
    assert a["EI_frozen"]["osi_after"]["E"] < a["EI_frozen"]["osi_before"]["E"]
    assert all(c["holds"] for c in runs["ablations"]["claims"])


def test_cardinal_and_ablations_share_published_w0_and_streams(published):
    card = sci.run_cardinal(published.params, published.seed, n_blocks=2, progress=False,
                            thetas=TH[:3], duration_ms=200)
    np.testing.assert_array_equal(card.W0, published.W0)
    # the control is the start of the published learning (same stream)
    np.testing.assert_array_equal(card.conditions["control"]["W"],
                                  published.weights_after_block(1))
    assert card.conditions["cardinal"]["block_thetas"].shape == (2, 20)
    assert np.mean(np.isin(card.conditions["cardinal"]["block_thetas"], [0, np.pi / 2])) == 0.5


def test_ablations_freeze_the_right_pathways(runs, published):
    abl = sci.run_ablations(published.params, published.seed, n_blocks=2, progress=False,
                            thetas=TH[:3], duration_ms=200)
    ne = published.n_exc
    W0 = published.W0
    np.testing.assert_array_equal(abl.runs["EI_frozen"].W[:ne, ne:], W0[:ne, ne:])
    np.testing.assert_array_equal(abl.runs["IE_frozen"].W[ne:, :ne], W0[ne:, :ne])
    np.testing.assert_array_equal(abl.runs["all_plastic"].W, published.weights_after_block(1))
    # the protocol's all-plastic run is the published run (a test of the code, not a
    # check of the report: no model can fail it)
    assert runs["ablations"]["result"].matches_published is True


def test_spontaneous_small_run(published):
    r = sci.run_spontaneous(published, n_blocks=2, ltd_IE=False, progress=False,
                            thetas=TH[:3], duration_ms=200)
    assert r.block_rates.shape == (2, 2) and r.ltd_IE is False
    np.testing.assert_array_equal(r.W_start, published.W)
    assert not np.array_equal(r.W_end, published.W)
    m = r.metrics()
    assert m["n_blocks"] == 2 and m["ltd_IE"] is False


def test_connectivity_evolution(published):
    evo = sci.connectivity_evolution(published)
    n = published.n_blocks
    assert evo.blocks.tolist() == list(range(-1, n))
    assert evo.specificity["EE"]["all"].shape == (n + 1, 3) and evo.rates.shape == (n, 2)
    np.testing.assert_allclose(evo.specificity["EE"]["all"][0],
                               specificity(published.W0, published.po, published.n_exc))
    np.testing.assert_allclose(evo.specificity["EE"]["all"][-1],
                               specificity(published.W, published.po, published.n_exc))
    assert evo.pruned["EE"][0] == 0 and evo.pruned["EE"][-1] > 0
    no_snap = sn.ExperimentResult("published", published.params, 0, published.po,
                                  published.n_exc, published.W0, published.W, None, None,
                                  None, published.spikes)
    with pytest.raises(ValueError, match="snapshots"):
        sci.connectivity_evolution(no_snap)


def test_figures_render_unclipped(runs):
    for r in runs.values():
        for stem, fig in r["figures"].items():
            canvas = FigureCanvasAgg(fig)
            with warnings.catch_warnings():
                warnings.simplefilter("error")          # e.g. constrained layout failing
                canvas.draw()
            bb = fig.get_tightbbox(canvas.get_renderer())
            w, h = fig.get_size_inches()
            assert bb.x0 >= -0.02 and bb.y0 >= -0.02, stem
            assert bb.x1 <= w + 0.02 and bb.y1 <= h + 0.02, stem
            for ax in fig.axes:
                if ax.get_visible() and ax.has_data():
                    shared = len(ax.get_shared_y_axes().get_siblings(ax)) > 1
                    assert ax.get_ylabel() or shared, stem


def _legend_collisions(fig, renderer):
    """(legend, artist) pairs where a legend box covers plotted data.

    Data: lines (their path, markers included), patches (bars, histograms, filled) and
    collections (scatter points, error bars, hlines) of every axes, twins included.
    """
    from matplotlib.collections import PathCollection
    from matplotlib.lines import Line2D
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    hits = []

    def inside(box, pts):
        pts = np.asarray(pts, dtype=float).reshape(-1, 2)
        return bool(((pts[:, 0] > box.x0) & (pts[:, 0] < box.x1)
                     & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)).any())

    for leg in legends:
        box = leg.get_window_extent(renderer).padded(-1.0)
        for ax in fig.axes:
            for art in (*ax.lines, *ax.patches, *ax.collections):
                if not art.get_visible():
                    continue
                if isinstance(art, PathCollection):
                    pts = art.get_offset_transform().transform(art.get_offsets())
                    hit = inside(box, pts)
                elif isinstance(art, Line2D):
                    path = art.get_transform().transform_path(art.get_path())
                    hit = path.intersects_bbox(box, filled=False) or \
                        inside(box, path.vertices)
                elif hasattr(art, "get_paths"):
                    tr = art.get_transform()
                    hit = any(tr.transform_path(pth).intersects_bbox(box, filled=False)
                              for pth in art.get_paths())
                else:
                    path = art.get_transform().transform_path(art.get_path())
                    hit = path.intersects_bbox(box, filled=True)
                if hit:
                    hits.append((leg, art))
    return legends, hits


def test_legends_are_legible_and_do_not_cover_data(runs):
    for r in runs.values():
        for stem, fig in r["figures"].items():
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            legends, hits = _legend_collisions(fig, canvas.get_renderer())
            for leg in legends:
                for t in [*leg.get_texts(), leg.get_title()]:
                    if t.get_text():
                        assert t.get_fontsize() >= 8, (stem, t.get_text())
            assert not hits, (stem, [(h[0].get_texts()[0].get_text(), h[1]) for h in hits])


# ======================================================================= validation
def test_validation(published):
    with pytest.raises(KeyError, match="no protocol named 'bogus'"):
        sci.PROTOCOLS["bogus"]
    with pytest.raises(ValueError, match="needs the learned published run"):
        sci.PROTOCOLS["selectivity"].run(sci.RunContext(published.params, 0, 1))
    with pytest.raises(TypeError, match="published"):
        sci.selectivity_analysis(None)
    with pytest.raises(TypeError, match="ltd_IE"):
        sci.run_spontaneous(published, ltd_IE="yes", progress=False)
    with pytest.raises(ValueError, match="n_blocks"):
        sci.run_spontaneous(published, n_blocks=0, progress=False)
    with pytest.raises(ValueError, match="half_width_deg"):
        sci.run_cardinal(seed=0, half_width_deg=40, progress=False)
    with pytest.raises(ValueError, match="seed"):
        sci.run_cardinal(seed=-1, progress=False)
    with pytest.raises(TypeError, match="params"):
        sci.run_ablations("params", progress=False)
    with pytest.raises(TypeError, match="conditions"):
        sci.run_ablations(conditions={"x": 1}, progress=False)
