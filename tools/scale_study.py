"""Scale study (issue 12): the published protocol at N = 500 ... 10 000 under every
scaling rule of :func:`sensorynet.scaled_model`, run on the Dask cluster of the
sweep machinery (:func:`sensorynet.sweep._cluster.local_cluster`).

Command (writes docs/scale_study/results.json, results.csv, docs/img/scale_*.png)::

    PYTHONPATH=. python tools/scale_study.py --workers 2
    PYTHONPATH=. python tools/scale_study.py --figures-only      # redraw from the JSON
    PYTHONPATH=. python tools/scale_study.py --only-100k   # N = 100 000, default rule,
                                                           # 40 blocks -> n100000.json

Each point is one run of the published protocol (same seeds and streams as
:func:`~sensorynet.experiments.run_published`: before test, learning blocks, after test
after block 40) with per-block metrics computed on the CSR weights as the blocks run
(no snapshots are kept): E→E specificity per existing synapse (synapses of W0, pruned
ones counted as 0) per |ΔPO| bin, its contrast (0–30° minus 60–90°), E and I rates, mean
E→I and I→E weights. Learning continues past block 40 (up to ``--max-blocks``) until the
contrast, in units of J, reaches that of the N = 500 network after 40 blocks.

Runaway stop: a run stops early, "unstable after block k", once the mean E rate of
``RUNAWAY_BLOCKS`` (5) consecutive learning blocks exceeds ``RUNAWAY_FACTOR`` (3, as
the ablations' runaway criterion) times the E rate of its own before test; k is the
first of those blocks. For runs stopped before block 40 the after test and the
"after 40 blocks" metrics are those of the last block run.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "scale_study"
IMG = ROOT / "docs" / "img"
SIZES = (500, 1000, 2000, 5000, 10000)
PUBLISHED_BLOCKS = 40
BINS = ((0, 30), (30, 60), (60, 90))
COMMAND = "PYTHONPATH=. python tools/scale_study.py --workers 2"
#: runaway stop: E rate > RUNAWAY_FACTOR x the before-test E rate for RUNAWAY_BLOCKS blocks
RUNAWAY_FACTOR = 3.0
RUNAWAY_BLOCKS = 5


def runaway_block(rate_E, before):
    """First block (1-based) of the first ``RUNAWAY_BLOCKS`` consecutive blocks whose E
    rate exceeds ``RUNAWAY_FACTOR * before``; None if there is no such streak."""
    high = np.asarray(rate_E) > RUNAWAY_FACTOR * before
    for k in range(len(high) - RUNAWAY_BLOCKS + 1):
        if high[k:k + RUNAWAY_BLOCKS].all():
            return k + 1
    return None


def run_point(rule, N, seed, max_blocks=120, target=None, min_blocks=PUBLISHED_BLOCKS):
    """One scaled run of the published protocol with per-block metrics (a dict)."""
    from sensorynet import build_network, scaled_model
    from sensorynet._results import SpikeTrain
    from sensorynet._simulation import simulate
    from sensorynet._stimulus import learning_sequence, probe_sequence, stimulus_input
    from sensorynet.experiments._seeds import (
        STREAM_LEARNING,
        STREAM_NETWORK,
        STREAM_TEST,
        seed_sequence,
    )
    from sensorynet.sweep._metrics import existing_ee_specificity

    t0 = time.perf_counter()
    params = scaled_model(None, N, rule=rule)
    net = build_network(params.network, seed_sequence(seed, STREAM_NETWORK), sparse=True)
    W, po, NE = net.W, net.po, net.n_exc
    J = params.network.J
    pr = params.protocol
    test_th = probe_sequence(pr)
    test_in = stimulus_input(test_th, pr.test_ms, po, NE, seed_sequence(seed, STREAM_TEST),
                             params.input, params.network.dt)
    before = SpikeTrain.from_result(simulate(W, test_in, plastic=False, params=params))
    rate_before = before.population_rates()["E"]
    unstable = None
    rows = W.rows()
    cols = W.indices
    ee = (rows < NE) & (cols < NE)
    ei = (rows < NE) & (cols >= NE)
    ie = (rows >= NE) & (cols < NE)
    in_degree_E = np.bincount(cols[rows < NE], minlength=N)[:NE]
    per_block = {k: [] for k in ("spec", "contrast", "rate_E", "rate_I", "mean_EI",
                                 "mean_IE")}

    def record(W):
        s = existing_ee_specificity(W, po, NE, BINS)
        per_block["spec"].append([float(x) for x in s])
        per_block["contrast"].append(float(s[0] - s[-1]))
        per_block["mean_EI"].append(float(W.data[ei].mean()))
        per_block["mean_IE"].append(float(W.data[ie].mean()))

    record(W)      # block "-1": W0
    after = None
    b = 0
    reached = None
    while b < max_blocks:
        rng = np.random.default_rng(seed_sequence(seed, STREAM_LEARNING, b, 0))
        th = learning_sequence(rng, pr)
        inp = stimulus_input(th, pr.stim_ms, po, NE, seed_sequence(seed, STREAM_LEARNING, b, 1),
                             params.input, params.network.dt)
        res = simulate(W, inp, plastic=True, params=params)
        W = res.W
        rates = SpikeTrain.from_result(res).population_rates()
        per_block["rate_E"].append(rates["E"])
        per_block["rate_I"].append(rates["I"])
        record(W)
        b += 1
        if reached is None and target is not None \
                and per_block["contrast"][-1] / J >= target:
            reached = b
        if b == PUBLISHED_BLOCKS:
            after = SpikeTrain.from_result(simulate(W, test_in, plastic=False, params=params))
        if b >= min_blocks and (target is None or reached is not None):
            break
        if b % 5 == 0 and b >= PUBLISHED_BLOCKS and os.environ.get("SCALE_STUDY_PARTIAL"):
            # checkpoint of a long run (a point as if it had stopped here)
            part = pathlib.Path(os.environ["SCALE_STUDY_PARTIAL"])
            part.mkdir(parents=True, exist_ok=True)
            (part / f"{rule}_{N}_{seed}.json").write_text(json.dumps(_point(locals())))
        if b % 5 == 0:          # progress, in the workers' output
            print(f"  [{rule} N={N} seed={seed}] block {b}: E {rates['E']:.1f} Hz, "
                  f"contrast/J {per_block['contrast'][-1] / J:.3f}", flush=True)
        unstable = runaway_block(per_block["rate_E"], rate_before)
        if unstable is not None:
            if after is None:       # the after test at the stop block
                after = SpikeTrain.from_result(simulate(W, test_in, plastic=False,
                                                        params=params))
            break
    return _point(locals())


def _point(v):
    """The result dict of :func:`run_point` from its local variables ``v``."""
    per_block, b, J, before, after, unstable = (v[k] for k in (
        "per_block", "b", "J", "before", "after", "unstable"))
    rule, N, seed, params, reached, in_degree_E, t0 = (v[k] for k in (
        "rule", "N", "seed", "params", "reached", "in_degree_E", "t0"))
    rE = np.array(per_block["rate_E"])
    last = rE[-10:].mean()
    return {
        "rule": rule, "N": N, "seed": seed, "J": J, "b": params.input.b,
        "K_EE_mean": float(in_degree_E.mean()), "K_EE_sd": float(in_degree_E.std()),
        "blocks_run": b, "blocks_to_target": reached,
        "rate_E_before": before.population_rates()["E"],
        "rate_I_before": before.population_rates()["I"],
        "rate_E_after": after.population_rates()["E"] if after else None,
        "rate_I_after": after.population_rates()["I"] if after else None,
        "spec40": per_block["spec"][min(PUBLISHED_BLOCKS, b)],
        "contrast40_J": per_block["contrast"][min(PUBLISHED_BLOCKS, b)] / J,
        "mean_EI40_J": per_block["mean_EI"][min(PUBLISHED_BLOCKS, b)] / J,
        "mean_IE40_J": per_block["mean_IE"][min(PUBLISHED_BLOCKS, b)] / J,
        "rate_E_last10": float(last), "rate_E_min": float(rE.min()),
        "rates_stable": bool(last <= 1.5 * rE.min() + 0.5) and unstable is None,
        "unstable_after": unstable,
        "per_block": per_block,
        "runtime_s": time.perf_counter() - t0,
        "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _summary_rows(points, ref):
    rows = []
    for p in points:
        rows.append({k: p[k] for k in (
            "rule", "N", "seed", "J", "b", "K_EE_mean", "K_EE_sd", "rate_E_before",
            "rate_I_before", "rate_E_after", "rate_I_after", "contrast40_J",
            "mean_EI40_J", "mean_IE40_J", "blocks_run", "blocks_to_target",
            "rate_E_last10", "rate_E_min", "rates_stable", "unstable_after", "runtime_s",
            "peak_rss_MB")})
        rows[-1]["contrast40_rel"] = p["contrast40_J"] / ref
        for (lo, hi), v in zip(BINS, p["spec40"], strict=True):
            rows[-1][f"spec40_{lo}_{hi}_J"] = v / p["J"]
    return rows


def write_results(points, extra=None):
    import pandas as pd

    from sensorynet import SCALING_RULES
    ref = np.mean([p["contrast40_J"] for p in points if p["N"] == 500])
    for p in points:        # the reference runs stop at 40 blocks, by definition
        if p["N"] == 500 and p["blocks_to_target"] is None:
            c = np.array(p["per_block"]["contrast"][1:]) / p["J"]
            hit = np.flatnonzero(c >= ref - 1e-12)
            p["blocks_to_target"] = int(hit[0]) + 1 if hit.size else None
        if "unstable_after" not in p:   # runs made before the runaway stop existed
            p["unstable_after"] = runaway_block(p["per_block"]["rate_E"], p["rate_E_before"])
            p["rates_stable"] = p["rates_stable"] and p["unstable_after"] is None
    OUT.mkdir(parents=True, exist_ok=True)
    data = {"command": COMMAND, "bins_deg": BINS, "published_blocks": PUBLISHED_BLOCKS,
            "reference_contrast_J": ref, "rules": list(SCALING_RULES),
            "stable_rule": "mean E rate of the last 10 blocks <= 1.5 x its minimum + 0.5 Hz, "
                           "and no runaway stop",
            "runaway_rule": f"stop once the E rate of {RUNAWAY_BLOCKS} consecutive blocks "
                            f"exceeds {RUNAWAY_FACTOR:g} x the before-test E rate "
                            "(unstable_after: first of those blocks)",
            "points": points, **(extra or {})}
    (OUT / "results.json").write_text(json.dumps(data, indent=1))
    df = pd.DataFrame(_summary_rows(points, ref)).sort_values(["rule", "N", "seed"])
    df.to_csv(OUT / "results.csv", index=False, float_format="%.5g")
    return df


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-blocks", type=int, default=120)
    ap.add_argument("--max-blocks-large", type=int, default=None,
                    help="cap for N >= 10 000 (default: --max-blocks)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--rules", default=None)
    ap.add_argument("--seeds-small", type=int, default=2, help="seeds for N <= 2000")
    ap.add_argument("--seeds-large", type=int, default=1, help="seeds for N > 2000")
    ap.add_argument("--figures-only", action="store_true")
    ap.add_argument("--only-100k", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the markdown table")
    ap.add_argument("--resume", action="store_true",
                    help="keep the points of results.json, run only the missing ones")
    a = ap.parse_args(argv)
    if a.figures_only:
        prev = json.loads((OUT / "results.json").read_text())
        write_results(prev["points"])
        figures()
        return 0
    if a.table:
        print(table())
        return 0
    from sensorynet import DEFAULT_SCALING, SCALING_RULES
    if a.only_100k:
        p = run_point(DEFAULT_SCALING, 100_000, 0, max_blocks=PUBLISHED_BLOCKS,
                      min_blocks=PUBLISHED_BLOCKS)
        p["command"] = ("PYTHONPATH=. /usr/bin/time -v python tools/scale_study.py "
                        "--only-100k")
        (OUT / "n100000.json").write_text(json.dumps(p, indent=1))
        print(json.dumps({k: v for k, v in p.items() if k != "per_block"}, indent=1))
        return 0
    rules = a.rules.split(",") if a.rules else list(SCALING_RULES)
    sizes = [int(s) for s in a.sizes.split(",")]
    # the reference: the published network (every rule leaves N = 500 unchanged)
    old = (json.loads((OUT / "results.json").read_text())["points"]
           if a.resume and (OUT / "results.json").exists() else [])
    ref_points = ([p for p in old if p["N"] == 500 and p["rule"] == rules[0]] or
                  [run_point(DEFAULT_SCALING, 500, s, max_blocks=PUBLISHED_BLOCKS)
                   for s in range(a.seeds_small)])
    target = float(np.mean([p["contrast40_J"] for p in ref_points]))
    print(f"reference contrast (units of J) after {PUBLISHED_BLOCKS} blocks: {target:.4f}",
          flush=True)
    tasks = [(r, N, s) for N in sorted(sizes, reverse=True) if N != 500 for r in rules
             for s in range(a.seeds_small if N <= 2000 else a.seeds_large)]
    from distributed import Client, as_completed

    from sensorynet.sweep._cluster import local_cluster
    done = {(p["rule"], p["N"], p["seed"]) for p in old}
    tasks = [t for t in tasks if t not in done]
    points = old + [dict(p, rule=r) for r in rules for p in ref_points
                    if (r, 500, p["seed"]) not in done]
    env = {"PYTHONPATH": str(ROOT)}
    with local_cluster(a.workers, dashboard_address=None, env=env,
                       memory_limit=0) as cluster, Client(cluster) as client:
        cap = {N: a.max_blocks if N < 10_000 or a.max_blocks_large is None
               else a.max_blocks_large for N in sizes}
        futs = [client.submit(run_point, r, N, s, cap[N], target, pure=False)
                for r, N, s in tasks]
        for f in as_completed(futs):
            p = f.result()
            points.append(p)
            print(f"{p['rule']:>18} N={p['N']:>6} seed={p['seed']} "
                  f"contrast40/ref={p['contrast40_J'] / target:.2f} "
                  f"to-target={p['blocks_to_target']} E {p['rate_E_before']:.1f}->"
                  f"{p['rate_E_after']:.1f} Hz stable={p['rates_stable']} "
                  f"{p['runtime_s']:.0f} s {p['peak_rss_MB']:.0f} MB", flush=True)
            write_results(points)
    write_results(points)
    figures()
    return 0


def table() -> str:
    """Markdown table of docs/scale_study/results.csv (means over seeds)."""
    import pandas as pd
    df = pd.read_csv(OUT / "results.csv")
    df["reached"] = df["blocks_to_target"]
    g = df.groupby(["rule", "N"], sort=False)
    rows = ["| rule | N | seeds | E rate before → after (Hz) | I rate before → after (Hz) "
            "| contrast after 40 blocks / N=500 | blocks to N=500 contrast | mean E→I, I→E "
            "after 40 (units of J) | rates stable |", "|---" * 9 + "|"]
    for (rule, N), d in sorted(g, key=lambda kv: (kv[0][0], kv[0][1])):
        bt = d["blocks_to_target"]
        un = d["unstable_after"].dropna() if "unstable_after" in d else d["N"][:0]
        stable = ("yes" if d.rates_stable.all() else
                  "no, unstable after block " + " / ".join(f"{k:.0f}" for k in un)
                  if len(un) else "no")
        reach = (f"{bt.mean():.0f}" if bt.notna().all()
                 else "not reached" if len(un) == len(d)
                 else f"> {d['blocks_run'].max():.0f}" if bt.isna().all()
                 else f"{bt.min():.0f} / > {d['blocks_run'].max():.0f}")
        # a run stopped before block 40: its "after" numbers are those of the stop block
        at = (f" (block {d.blocks_run.max():.0f})"
              if (d.blocks_run < PUBLISHED_BLOCKS).any() else "")
        rows.append(
            f"| {rule} | {N:,} | {len(d)} | {d.rate_E_before.mean():.1f} → "
            f"{d.rate_E_after.mean():.1f}{at} | {d.rate_I_before.mean():.1f} → "
            f"{d.rate_I_after.mean():.1f} | {d.contrast40_rel.mean():.2f}{at} | {reach} | "
            f"{d.mean_EI40_J.mean():.2f}, {d.mean_IE40_J.mean():.2f} | {stable} |")
    return "\n".join(rows)


def figures():
    """docs/img/scale_*.png from docs/scale_study/results.json."""
    import matplotlib

    from sensorynet.widgets._scale import plot_scale_study
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = json.loads((OUT / "results.json").read_text())
    IMG.mkdir(parents=True, exist_ok=True)
    for kind in ("contrast", "rates", "learning"):
        fig = plot_scale_study(data, kind)
        fig.savefig(IMG / f"scale_{kind}.png", dpi=100)
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
