"""Measurements of the paper's claims (selectivity, specificity, stability, bias).

The published code only draws rasters and weights. This module measures what Sadeh,
Clopath & Rotter (2015) claim, each as a function returning a small result object that
holds the arrays needed to redraw its figure (:mod:`sensorynet.plotting.science`) and
offers ``metrics()`` (JSON-ready numbers) and ``claims()``:

* :func:`selectivity_analysis` -- tuning curves, OSI and measured PO before/after
  learning on the same input realisation, and the connectivity structure of the learned
  W against input PO and measured PO;
* :func:`connectivity_evolution` -- the same structure after every learning block;
* :func:`run_spontaneous` -- docs/model.md §5.5, untuned 1 kHz input on the learned network;
* :func:`run_cardinal` -- docs/model.md §5.6, 50 % cardinal stimuli vs a uniform control;
* :func:`run_ablations` -- learning with E→I or I→E plasticity frozen.

:func:`run_science_experiment` bundles one of :data:`SCIENCE_EXPERIMENTS` into
``{"metrics", "figures", "claims"}`` for the command line; :func:`connectivity_summary`
is the shared measurement of one weight matrix.

The I→E LTD switch (``PlasticityParams.ltd_IE``) defaults to ``True`` for spontaneous
activity (:data:`DEFAULT_LTD_IE`): it is the rule under which the network learned
(changing the rule between phases would confound "spontaneous activity" with "a
different rule"), the published call passes ``inh_ltd=1`` (most plausibly "on"), and
without the LTD term I→E synapses can only potentiate under untuned drive, so
inhibition drifts (by ≈ −0.1 mV per 20 s for the default seed, lowering E rates),
whereas with it I→E weights stay within a few µV. Both settings are run and reported.

Units: mV, ms, Hz; angles in rad unless a name ends in ``_deg``.
"""
from __future__ import annotations

from ._common import SCIENCE_EXPERIMENTS, DEFAULT_LTD_IE, check_published, claim
from ..sparse import weights_equal
from .ablations import run_ablations
from .cardinal import run_cardinal
from .spontaneous import run_spontaneous
from .selectivity import connectivity_evolution, selectivity_analysis

__all__ = [
    "run_science_experiment",
]

def run_science_experiment(name, published, *, progress=True) -> dict:
    """Run one of :data:`SCIENCE_EXPERIMENTS` for the command line.

    Parameters
    ----------
    name : str
        ``"selectivity"``, ``"spontaneous"``, ``"cardinal"`` or ``"ablations"``.
    published : ExperimentResult
        The published run (default seed and parameters are taken from it).
    progress : bool

    Returns
    -------
    dict
        ``"metrics"`` (JSON-ready, merged at top level into metrics.json),
        ``"results"`` (the result objects, for :func:`sensorynet.plotting.science_figures`)
        and ``"claims"`` (list of dicts with ``claim``, ``measured``, ``expected``,
        ``holds``, ``kind`` (``"claim"``, ``"finding"`` or ``"sanity"``), ``z`` and ``k``
        (ensemble band or test statistic and critical value; None for a threshold)).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name not in SCIENCE_EXPERIMENTS:
        raise ValueError(f"name must be one of {SCIENCE_EXPERIMENTS}, got {name!r}")
    pub = check_published(published)
    if name == "selectivity":
        sel = selectivity_analysis(pub, progress=progress)
        metrics, claims, results = sel.metrics(), sel.claims(), {"selectivity": sel}
        if pub.n_snapshots:
            evo = connectivity_evolution(pub)
            metrics["connectivity_evolution"] = evo.metrics()
            results["evolution"] = evo
    elif name == "spontaneous":
        res = {ltd: run_spontaneous(pub, ltd_IE=ltd, progress=progress) for ltd in (True, False)}
        m = res[DEFAULT_LTD_IE].metrics()
        m["by_ltd_IE"] = {"on": res[True].metrics(), "off": res[False].metrics()}
        metrics = {"spontaneous": m}
        claims = res[DEFAULT_LTD_IE].claims() + res[not DEFAULT_LTD_IE].claims()
        results = {"spontaneous": res}
    elif name == "cardinal":
        card = run_cardinal(pub.params, pub.seed, progress=progress)
        metrics, claims, results = {"cardinal": card.metrics()}, card.claims(), {"cardinal": card}
    else:
        abl = run_ablations(pub.params, pub.seed, n_blocks=pub.n_blocks, progress=progress)
        metrics, claims = {"ablations": abl.metrics()}, abl.claims()
        same = weights_equal(abl.runs["all_plastic"].W, pub.W)
        claims.insert(0, claim("Ablation all_plastic reproduces the published run (same "
                               "seed)", "learned W identical" if same else "learned W differs",
                               "identical", same, kind="sanity"))
        results = {"ablations": abl}
    return {"metrics": metrics, "results": results, "claims": claims}
