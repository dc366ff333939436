"""Calibrate the input of the ``"balanced"`` scaling rule on the rates (docs/scaling.md).

For each network size N, find the feed-forward baseline rate ``b`` at which the
initial (naive) network, scaled by the balanced rule (J ∝ 1/√K, plasticity in units
of J), fires at the published network's E rate in the π/2 before test (2000 ms,
static weights). Rates are means over the seeds (network and test-input streams of
:func:`run_published`); the target is the published N = 500 network's rate for the
same seeds (8.16 Hz for seeds 0, 1: the "8.2 Hz" of ``REFERENCE_RATES``). The model has one
input baseline for E and I neurons, so b is the only knob: the I rate is reported,
not matched.

Root finding: the Illinois (modified regula falsi) method on
``rate_E(b) − target`` between ``b = b_ref`` (the published 2000 Hz: too little drive
once inhibition has grown by √K) and the mean-potential value of ``"balanced_mean"``
(too much), until ``|rate_E − target| <= --tol`` or the bracket is narrower than 1 Hz.
Every evaluation is a deterministic seeded simulation, so the result is reproducible.

Command (writes sensorynet/data/balanced_calibration.json; ~30 s on two shared cores)::

    PYTHONPATH=. python tools/calibrate_balanced.py
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = (500, 1000, 2000, 5000, 10000)
SEEDS = (0, 1)
COMMAND = "PYTHONPATH=. python tools/calibrate_balanced.py"


_NETS = {}      # (N, seed) -> network of the size being calibrated (it does not depend on b)


def before_rates(N, b, seeds=SEEDS):
    """Mean E and I rates (Hz) of the π/2 before test of the balanced network at input
    ``b``, and the per-seed (E, I) rates."""
    import numpy as np

    from sensorynet import build_network, scaled_model
    from sensorynet._results import SpikeTrain
    from sensorynet._simulation import simulate
    from sensorynet._stimulus import probe_sequence, stimulus_input
    from sensorynet.experiments._seeds import STREAM_NETWORK, STREAM_TEST, seed_sequence
    params = scaled_model(None, N, rule="balanced_mean")
    params = params.replace(input=params.input.replace(b=float(b)))
    pr = params.protocol
    out = []
    for seed in seeds:
        if (N, seed) not in _NETS:
            if any(k[0] != N for k in _NETS):   # keep one size in memory
                _NETS.clear()
            _NETS[N, seed] = build_network(params.network,
                                           seed_sequence(seed, STREAM_NETWORK), sparse=True)
        net = _NETS[N, seed]
        test = stimulus_input(probe_sequence(pr), pr.test_ms, net.po, net.n_exc,
                              seed_sequence(seed, STREAM_TEST), params.input,
                              params.network.dt)
        r = SpikeTrain.from_result(simulate(net.W, test, plastic=False,
                                            params=params)).population_rates()
        out.append((r["E"], r["I"]))
    return tuple(np.mean(out, axis=0)), [list(x) for x in out]


def calibrate(N, target, tol, seeds=SEEDS):
    """Input ``b`` (Hz) at which the before-test E rate of size ``N`` is ``target``."""
    from sensorynet import scaled_model
    b_ref = scaled_model(None, 500).input.b
    if N == 500:
        (rE, rI), per = before_rates(N, b_ref, seeds)
        return {"N": N, "b": b_ref, "rate_E": rE, "rate_I": rI, "per_seed": per,
                "b_mean_potential": b_ref, "evaluations": 1}
    lo, hi = b_ref, scaled_model(None, N, rule="balanced_mean").input.b
    b_mean = hi
    f = {}

    def g(b):
        f[b] = before_rates(N, b, seeds)
        print(f"  N={N} b={b:.1f} Hz: E {f[b][0][0]:.3f} Hz, I {f[b][0][1]:.3f} Hz",
              flush=True)
        return f[b][0][0] - target

    glo, ghi = g(lo), g(hi)
    while ghi < 0:                      # not enough drive even at the mean-potential b
        lo, glo, hi = hi, ghi, hi * 1.5
        ghi = g(hi)
    if glo > 0:
        raise RuntimeError(f"N={N}: rate at b={lo} already above the target")
    side = 0
    while True:
        b = hi - ghi * (hi - lo) / (ghi - glo)
        gb = g(b)
        if abs(gb) <= tol or hi - lo < 1.0:
            break
        if gb > 0:
            hi, ghi = b, gb
            if side == +1:
                glo /= 2                # Illinois step: avoid a stuck end point
            side = +1
        else:
            lo, glo = b, gb
            if side == -1:
                ghi /= 2
            side = -1
    (rE, rI), per = f[b]
    return {"N": N, "b": round(float(b), 1), "rate_E": rE, "rate_I": rI, "per_seed": per,
            "b_mean_potential": round(b_mean, 1), "evaluations": len(f)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--tol", type=float, default=0.02, help="tolerance on the E rate, Hz")
    ap.add_argument("--out", default=None, help="default: the packaged calibration file")
    a = ap.parse_args(argv)
    from sensorynet import __version__
    from sensorynet._scaling import CALIBRATION_FILE
    sizes = sorted({500, *(int(s) for s in a.sizes.split(","))})
    seeds = tuple(int(s) for s in a.seeds.split(","))
    t0 = time.perf_counter()
    points = []
    for N in sizes:
        p = calibrate(N, points[0]["rate_E"] if points else None, a.tol, seeds)
        print(f"N={N}: b = {p['b']} Hz -> E {p['rate_E']:.2f} Hz, I {p['rate_I']:.2f} Hz "
              f"({p['evaluations']} simulations)", flush=True)
        points.append(p)
    data = {
        "description": "Input baseline b of the 'balanced' scaling rule, calibrated so that "
                       "the π/2 before test of the naive network (2000 ms, static weights, "
                       "mean over seeds) has the E rate of the published N = 500 network "
                       "(same seeds); scaled_model interpolates "
                       "b linearly in log N between these sizes (docs/scaling.md).",
        "command": COMMAND + (f" --sizes {a.sizes}" if a.sizes != ",".join(map(str, SIZES))
                              else ""),
        "method": f"Illinois root finding on rate_E(b) - target, |error| <= {a.tol} Hz",
        "seeds": list(seeds),
        "streams": "network: seed_sequence(seed, STREAM_NETWORK); test input: "
                   "seed_sequence(seed, STREAM_TEST) (as run_published)",
        "reference_N": 500, "reference_b": points[0]["b"],
        "target_rate_E": points[0]["rate_E"],
        "tolerance_Hz": a.tol, "package_version": __version__,
        "runtime_s": round(time.perf_counter() - t0, 1),
        "points": points,
    }
    out = pathlib.Path(a.out) if a.out else CALIBRATION_FILE
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
