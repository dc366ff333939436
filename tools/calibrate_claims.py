#!/usr/bin/env python
"""Calibrate the claims: run the published model on an ensemble of seeds and store the
mean and sd of every claimed number in ``sensorynet/data/published_ensemble.json``.

Usage (from the repository root)::

    python tools/calibrate_claims.py                  # seeds 1000..1023, N=500, 40 blocks
    python tools/calibrate_claims.py --n 40 --holdout 40

Seeds start at 1000, far from every seed the tests use (0..99), so the tests see the
bands as a new seed would. ``--holdout M`` also runs M further seeds (from 2000) and
checks them against the new bands: an empirical look at the false-alarm rate, stored in
the file as ``holdout`` (not used for the bands). About 0.6 s per seed with a warm
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
from sensorynet.analysis.metrics import published_metrics  # noqa: E402
from sensorynet.experiments.claims import (ALPHA, CLAIMS, ENSEMBLE_FILE,  # noqa: E402
                                           measure, published_claims)

OUT = ROOT / "sensorynet" / "data" / ENSEMBLE_FILE


def _values(seeds, params, log):
    rows = []
    for s in seeds:
        t0 = time.perf_counter()
        m = published_metrics(sn.run_published(params, seed=s, progress=False))
        rows.append((m, {c.key: measure(m, c) for c in CLAIMS}))
        log(f"seed {s}: " + ", ".join(f"{v:.4g}" for v in rows[-1][1].values())
            + f" ({time.perf_counter() - t0:.1f} s)")
    return rows


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
    stats = {}
    for c in CLAIMS:
        v = np.array([r[1][c.key] for r in rows], dtype=float)
        stats[c.key] = {"label": c.label, "unit": c.unit, "mean": float(v.mean()),
                        "sd": float(v.std(ddof=1)), "n": int(v.size),
                        "values": [float(x) for x in v]}
    command = "python tools/calibrate_claims.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:])
        if not str(a).startswith(str(ROOT)))
    ens = {
        "description": "Published model (sensorynet defaults) on an ensemble of seeds: "
                       "mean, sd (ddof=1) and values of every claimed number "
                       "(sensorynet.experiments.claims.CLAIMS).",
        "command": command.strip(), "package_version": sn.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "N": params.network.N, "blocks": params.protocol.n_blocks,
        "seeds": seeds, "n": len(seeds), "params": params.to_dict(), "metrics": stats,
    }
    if args.holdout:
        hseeds = list(range(2000, 2000 + args.holdout))
        hrows = _values(hseeds, params, print)
        zs, failed = [], []
        for s, (m, _) in zip(hseeds, hrows):
            cl = published_claims(m, ens, alpha=ALPHA)
            zs.append(max(abs(c["z"]) for c in cl))
            if not all(c["holds"] for c in cl):
                failed.append({"seed": s, "claims": [c["key"] for c in cl if not c["holds"]]})
        ens["holdout"] = {"seeds": hseeds, "n": len(hseeds), "runs_with_a_failed_claim":
                          failed, "max_abs_z_per_seed": zs,
                          "k": published_claims(hrows[0][0], ens)[0]["k"]}
        print(f"holdout: {len(failed)} of {len(hseeds)} seeds fail a claim; "
              f"max |z| {max(zs):.2f}, k {ens['holdout']['k']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(ens, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(seeds)} seeds, {time.perf_counter() - t0:.0f} s)")
    worst = max(stats.values(), key=lambda e: abs(e["sd"] / e["mean"]) if e["mean"] else 0)
    print(f"largest relative sd: {worst['label']} {worst['sd'] / abs(worst['mean']):.3f}"
          if not math.isnan(worst["sd"]) else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
