"""Sweep throughput: a 16-run sweep of the full published experiment, 1 vs 2 workers.

Usage (from the repository root)::

    PYTHONPATH=. python benchmarks/bench_sweep.py                 # 16 runs, 40 blocks
    PYTHONPATH=. python benchmarks/bench_sweep.py --with-osi      # + OSI tuning metrics
    PYTHONPATH=. python benchmarks/bench_sweep.py --runs 8 --n-blocks 10 --workers 1 2 4

Each configuration gets a fresh LocalCluster (as :func:`sensorynet.sweep.run_sweep`
starts it: single-threaded worker processes) and a fresh temporary sweep store, so
nothing is reused between configurations. The sweep is the published parameter set
with ``--runs`` seeds. Reported:

* *startup* -- starting the cluster and warming up every worker (numba kernels);
* *sweep* -- wall time of ``run_sweep`` on the warm cluster, and runs/minute from it;
* *incl. startup* -- runs/minute counting the startup too (what a one-off
  ``run_sweep(spec, out)`` call with the embedded cluster costs);
* the in-process serial time of one run (no Dask) for reference.

Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import numpy as np

CHEAP_METRICS = ("rate_E_before", "rate_E_after", "rate_I_before", "rate_I_after",
                 "spec_EE_0_30", "spec_EE_30_60", "spec_EE_60_90",
                 "bidirectional_surplus", "pruned_EE")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=16, help="runs per configuration")
    ap.add_argument("--n-blocks", type=int, default=40, help="learning blocks per run")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="worker counts to compare")
    ap.add_argument("--with-osi", action="store_true",
                    help="also compute osi_E_before/osi_E_after (tuning protocol, "
                         "default durations)")
    args = ap.parse_args(argv)

    from distributed import Client

    import sensorynet
    from sensorynet import ModelParams
    from sensorynet import sweep as sw

    metrics = CHEAP_METRICS + (("osi_E_before", "osi_E_after") if args.with_osi else ())
    spec = sw.SweepSpec(points=[{}], seeds=args.runs, root_seed=2015,
                        n_blocks=args.n_blocks, metrics=metrics)

    # reference: one run in this process, no Dask (after a warm-up)
    sw._warmup()
    funcs = {m: sw.METRICS[m].func for m in metrics}
    r = spec.runs[0]
    t = time.perf_counter()
    out = sw._execute_run(r.params, r.seed, r.n_blocks, funcs, None)
    serial_s = time.perf_counter() - t
    assert out["error"] is None, out["error"]

    load_before = os.getloadavg()[0]
    rows, frames = [], []
    for k in args.workers:
        with tempfile.TemporaryDirectory() as store:
            t0 = time.perf_counter()
            with sw.local_cluster(k, dashboard_address=":0") as cluster, \
                    Client(cluster) as client:
                client.wait_for_workers(k)
                sw._prepare_workers(client)
                t1 = time.perf_counter()
                df = sw.run_sweep(spec, store, client=client, progress=False)
                t2 = time.perf_counter()
        n_err = int(df["error"].notna().sum())
        if n_err:
            print(f"warning: {n_err} run(s) failed with {k} worker(s)", file=sys.stderr)
        frames.append(df)
        rows.append({"workers": k, "startup": t1 - t0, "sweep": t2 - t1,
                     "rpm": 60 * len(df) / (t2 - t1), "rpm_all": 60 * len(df) / (t2 - t0),
                     "task": float(df["runtime_s"].mean())})
    same = all(np.array_equal(frames[0][list(metrics)].to_numpy(),
                              f[list(metrics)].to_numpy(), equal_nan=True)
               for f in frames[1:])

    base = rows[0]["rpm"]
    print(f"\nSweep throughput: {args.runs} runs of the published experiment "
          f"(N={ModelParams().network.N}, {args.n_blocks} learning blocks of 2 s, "
          f"metrics: {'cheap + OSI' if args.with_osi else 'cheap (no OSI)'})  ")
    print(f"Machine: {_cpu_model()}, {os.cpu_count()} CPUs; Python "
          f"{platform.python_version()}; sensorynet {sensorynet.__version__}  ")
    print(f"Load average (1 min) before/after: {load_before:.2f} / "
          f"{os.getloadavg()[0]:.2f} (other processes compete for the CPUs if it "
          f"exceeds the worker count)  ")
    print(f"One run in-process (no Dask): {serial_s:.2f} s "
          f"= {60 / serial_s:.1f} runs/min  ")
    print(f"Metric values identical across worker counts: {same}\n")
    print("| workers | startup + warm-up (s) | sweep wall (s) | runs/min | speed-up "
          "| runs/min incl. startup | mean task time (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['workers']} | {r['startup']:.1f} | {r['sweep']:.1f} | "
              f"{r['rpm']:.1f} | {r['rpm'] / base:.2f}× | {r['rpm_all']:.1f} | "
              f"{r['task']:.2f} |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
