#!/usr/bin/env python
"""Calibrate the claims: run the published model on an ensemble of seeds and store the
mean and sd of every number checked against a band in
``sensorynet/data/published_ensemble.json``.

Usage (from the repository root)::

    python tools/calibrate_claims.py                  # seeds 1000..1023, N=500, 40 blocks
    python tools/calibrate_claims.py --n 40 --holdout 40

Per seed: the published experiment (:data:`~sensorynet.experiments._bands.CLAIMS`), the
selectivity analysis with its tuning protocol
(:data:`~sensorynet.experiments._bands.SELECTIVITY_CLAIMS`: OSI after learning and its
paired increase for E and I, the E→E specificity contrast, the bidirectional surpluses),
and as information (``info``, no band) the bidirectional counts and the spontaneous
stability fraction. Seeds start at 1000, far from every seed the tests use (0..99).

``--holdout M`` also runs M further seeds (from 2000) through *every* check of
``sensorynet reproduce --experiments all`` (bands, thresholds, tests, sanity checks) and
stores how many fail any (``holdout``): an empirical look at the false-alarm rate, not
used for the bands. About 2.5 s per ensemble seed and 5 s per holdout seed with a warm
numba cache.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))     # this checkout's sensorynet, even if another is installed

import numpy as np  # noqa: E402

import sensorynet as sn  # noqa: E402
from sensorynet.analysis._metrics import published_metrics  # noqa: E402
from sensorynet.experiments._bands import (  # noqa: E402
    CLAIMS,
    ENSEMBLE_CHECKS,
    ENSEMBLE_FILE,
    SELECTIVITY_CLAIMS,
    measure,
    published_claims,
)
from sensorynet.experiments._science import run_science_experiment  # noqa: E402
from sensorynet.experiments._selectivity import selectivity_analysis  # noqa: E402
from sensorynet.experiments._spontaneous import run_spontaneous  # noqa: E402

OUT = ROOT / "sensorynet" / "data" / ENSEMBLE_FILE

#: information recorded per seed (no band): name -> function of (selectivity metrics,
#: spontaneous results)
INFO = {
    "bidirectional/observed": lambda s, sp: s["bidirectional_dpo_matched"]["observed"],
    "bidirectional/expected_global":
        lambda s, sp: s["bidirectional_dpo_matched"]["expected_global"],
    "bidirectional/expected_dpo": lambda s, sp: s["bidirectional_dpo_matched"]["expected_dpo"],
    "bidirectional/explained_by_dpo":
        lambda s, sp: s["bidirectional_dpo_matched"]["explained_by_dpo"],
    "specificity_contrast_EE/initial": lambda s, sp: s["specificity_contrast_EE"]["initial"],
    "osi_change/E/z": lambda s, sp: s["osi_change"]["E"]["z"],
    "osi_change/I/z": lambda s, sp: s["osi_change"]["I"]["z"],
    "spontaneous/fraction/ltd_IE_on": lambda s, sp: sp[True].stability()["fraction"],
    "spontaneous/fraction/ltd_IE_off": lambda s, sp: sp[False].stability()["fraction"],
}


def _values(seeds, params, log):
    rows = []
    for s in seeds:
        t0 = time.perf_counter()
        pub = sn.run_published(params, seed=s, progress=False)
        m = published_metrics(pub)
        sel = selectivity_analysis(pub).metrics()
        sp = {ltd: run_spontaneous(pub, ltd_IE=ltd, progress=False) for ltd in (True, False)}
        vals = {c.key: measure(m, c) for c in CLAIMS}
        vals.update({c.key: measure(sel, c) for c in SELECTIVITY_CLAIMS})
        info = {k: float(f(sel, sp)) for k, f in INFO.items()}
        rows.append((vals, info))
        log(f"seed {s}: " + ", ".join(f"{v:.4g}" for v in vals.values())
            + f" ({time.perf_counter() - t0:.1f} s)")
    return rows


def _stats(values, **extra):
    v = np.array(values, dtype=float)
    return {**extra, "mean": float(v.mean()), "sd": float(v.std(ddof=1)), "n": int(v.size),
            "values": [float(x) for x in v]}


def _holdout(seeds, params, ens, log):
    """Every check of ``reproduce --experiments all`` on each seed."""
    from sensorynet.experiments import SCIENCE_EXPERIMENTS
    zs, failed, rows = [], [], []
    for s in seeds:
        t0 = time.perf_counter()
        pub = sn.run_published(params, seed=s, progress=False)
        checks = [{"experiment": "published", **c}
                  for c in published_claims(published_metrics(pub), ens)]
        for name in SCIENCE_EXPERIMENTS:
            if name == "selectivity":
                sel = selectivity_analysis(pub)
                cl = sel.claims(ens)
            else:
                cl = run_science_experiment(name, pub, progress=False)["claims"]
            checks += [{"experiment": name, **c} for c in cl]
        band = [c for c in checks if c.get("k") is not None and c.get("mean") is not None]
        zs.append(max(abs(c["z"]) for c in band))
        bad = [f"{c['experiment']}: {c.get('key') or c['claim'][:60]}" for c in checks
               if c["holds"] is False]
        if bad:
            failed.append({"seed": s, "checks": bad})
        rows.append(len(checks))
        log(f"holdout seed {s}: {len(checks)} checks, {len(bad)} failed, max |z| "
            f"{zs[-1]:.2f} ({time.perf_counter() - t0:.1f} s)")
    return {"seeds": list(seeds), "n": len(seeds), "n_checks_per_seed": rows[0],
            "runs_with_a_failed_check": failed, "max_abs_z_per_seed": zs}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=24, help="ensemble size, >= 20 (default 24)")
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--holdout", type=int, default=0,
                    help="further seeds (from 2000) checked against the bands")
    ap.add_argument("--out", type=pathlib.Path, default=OUT)
    args = ap.parse_args(argv)
    if args.n < 20:
        ap.error(f"--n must be >= 20, got {args.n}")
    if args.first_seed < 100:
        ap.error("--first-seed must be >= 100 (seeds below are used by the tests)")
    params = sn.ModelParams()
    seeds = list(range(args.first_seed, args.first_seed + args.n))
    t0 = time.perf_counter()
    rows = _values(seeds, params, print)
    stats = {c.key: _stats([r[0][c.key] for r in rows], label=c.label, unit=c.unit,
                           kind=c.kind, experiment=c.experiment) for c in ENSEMBLE_CHECKS}
    info = {k: _stats([r[1][k] for r in rows]) for k in INFO}
    command = "python tools/calibrate_claims.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:])
        if not str(a).startswith(str(ROOT)))
    ens = {
        "description": "Published model (sensorynet defaults) on an ensemble of seeds: "
                       "mean, sd (ddof=1) and values of every number checked against a "
                       "band (sensorynet.experiments._bands.ENSEMBLE_CHECKS: published "
                       "experiment and selectivity analysis), and further numbers as "
                       "information (info).",
        "command": command.strip(), "package_version": sn.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "N": params.network.N, "blocks": params.protocol.n_blocks,
        "seeds": seeds, "n": len(seeds), "params": params.to_dict(), "metrics": stats,
        "info": info,
    }
    if args.holdout:
        from sensorynet.experiments._bands import claims_summary
        hseeds = list(range(2000, 2000 + args.holdout))
        ens["holdout"] = _holdout(hseeds, params, ens, print)
        ens["holdout"]["k"] = claims_summary(ens)["k"]
        h = ens["holdout"]
        print(f"holdout: {len(h['runs_with_a_failed_check'])} of {h['n']} seeds fail a "
              f"check; max |z| {max(h['max_abs_z_per_seed']):.2f}, k {h['k']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(ens, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(seeds)} seeds, {time.perf_counter() - t0:.0f} s)")
    worst = max(stats.values(), key=lambda e: abs(e["sd"] / e["mean"]) if e["mean"] else 0)
    print(f"largest relative sd: {worst['label']} {worst['sd'] / abs(worst['mean']):.3f}"
          if not math.isnan(worst["sd"]) else "")
    for k, e in info.items():
        print(f"info {k}: mean {e['mean']:.4g}, sd {e['sd']:.3g}, range "
              f"{min(e['values']):.4g} to {max(e['values']):.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
