"""Old and new simulation kernel, paired in one process (issue 15, goal 3).

Loads ``sensorynet/_kernels.py`` of an older revision (``git show REV:...``) beside this
checkout's, and runs one plastic 2000-ms block (generated Poisson input, 20 stimuli ×
100 ms) with each, alternately, on the same network and input: each round times old
then new, so machine noise hits both alike, and the ratio is the median of the
per-round ratios. It also checks that both give the same spikes and bit-identical
weights. Serial builds, and the prange builds with 2 threads from N = 10 000 on (where
``simulate(threads=2)`` pays).

Usage::

    python benchmarks/bench_kernel_ab.py [--old a81fd8f] [--sizes 500 10000 100000]
        [--rounds 40 6 3] [--out benchmarks/KERNEL_AB.md]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import sensorynet as sn  # noqa: E402
import sensorynet._kernels as K_new  # noqa: E402
import sensorynet._simulation as S  # noqa: E402


def load_old(rev, tmp):
    """The kernel module of revision ``rev``, as ``sensorynet._kernels_old``."""
    src = subprocess.run(["git", "show", f"{rev}:sensorynet/_kernels.py"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    path = os.path.join(tmp, "_kernels_old.py")
    with open(path, "w") as fh:
        fh.write(src)
    # a module of the package (its relative imports resolve to this checkout's _rng
    # and _network_kernel), compiled from its own file
    spec = importlib.util.spec_from_file_location("sensorynet._kernels_old", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def setup(N):
    p = sn.ModelParams() if N == 500 else sn.ModelParams(network=sn.NetworkParams().scaled(N))
    net = sn.build_network(p.network, 0, sparse=N > 500)
    th = np.random.default_rng(0).uniform(0, np.pi, 20)
    inp = sn.stimulus_input(th, 100, net.po, net.n_exc, 1, p.input)
    W = net.W if net.is_sparse else sn.SparseWeights.from_dense(net.W)
    mu, expm = inp.kernel_tables()
    consts, flags = S._pack(p, True, net.n_exc, N)
    return dict(W=W, mu=mu, expm=expm, seg=inp.segment_steps, key=np.uint64(inp.key),
                T=inp.n_steps, consts=consts, flags=flags, N=N)


def run(mod, s, threads):
    comp = S._compensated(s["N"])
    data = s["W"].data.copy()
    t = time.perf_counter()
    sp_n, sp_k, *_ = mod.run_kernel(
        mod.KERNELS[(threads > 1, comp)], comp, s["W"].indptr, s["W"].indices, data,
        np.zeros((0, s["N"]), np.uint8), s["mu"], s["expm"], s["seg"], s["key"], s["T"],
        np.zeros(s["N"]), s["consts"], s["flags"], np.zeros(0, np.int64), threads)
    return time.perf_counter() - t, sp_n, sp_k, data


def compare(old, new, N, rounds, threads):
    s = setup(N)
    _, n0, k0, d0 = run(old, s, threads)            # compiles or loads, and checks
    _, n1, k1, d1 = run(new, s, threads)
    same = (np.array_equal(n0, n1) and np.array_equal(k0, k1)
            and np.array_equal(d0.view(np.int64), d1.view(np.int64)))
    t_old, t_new = [], []
    for _ in range(rounds):
        t_old.append(run(old, s, threads)[0])
        t_new.append(run(new, s, threads)[0])
    return {"N": N, "threads": threads, "rounds": rounds, "spikes": int(n1.size), "identical": bool(same),
            "old_s": statistics.median(t_old), "new_s": statistics.median(t_new),
            "ratio": statistics.median(b / a for a, b in zip(t_old, t_new, strict=True))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default="a81fd8f", help="revision of the old kernel")
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 10_000, 100_000])
    ap.add_argument("--rounds", type=int, nargs="+", default=[40, 6, 3])
    ap.add_argument("--out", default=os.path.join(HERE, "KERNEL_AB.md"))
    args = ap.parse_args(argv)
    if len(args.rounds) != len(args.sizes):
        ap.error("--rounds needs one count per size")
    with tempfile.TemporaryDirectory() as tmp:
        old = load_old(args.old, tmp)
        rows = []
        for threads in (1, 2):
            for N, r in zip(args.sizes, args.rounds, strict=True):
                if threads == 1 or N >= 10_000:
                    print(f"N = {N}, {threads} thread(s) ...", file=sys.stderr)
                    rows.append(compare(old, K_new, N, r, threads))
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=False,
                          capture_output=True, text=True).stdout.strip()
    L = ["# Simulation kernel: old and new, paired in one process\n",
         f"Command: `python benchmarks/bench_kernel_ab.py --old {args.old}` "
         f"(new: the working tree at {head})  ",
         f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
         f"{platform.python_version()}, numpy {np.__version__}, numba "
         f"{__import__('numba').__version__}; {time.strftime('%Y-%m-%d %H:%M')}\n",
         "One plastic 2000-ms block, generated input; old and new alternate in each "
         "round.\n",
         "| N | threads | rounds | spikes | old (median) | new (median) | new / old (median "
         "of rounds) | same spikes and weights (bitwise) |",
         "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['N']:,} | {r['threads']} | {r['rounds']} | {r['spikes']:,} "
                 f"| {r['old_s'] * 1e3:.1f} ms | {r['new_s'] * 1e3:.1f} ms "
                 f"| **{r['ratio']:.2f}** | {r['identical']} |")
    text = "\n".join(L) + "\n"
    print(text)
    with open(args.out, "w") as fh:
        fh.write(text)
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
