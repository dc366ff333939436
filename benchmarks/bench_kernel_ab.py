"""Old and new simulation kernel, paired in one process (issue 15, goal 3).

Loads ``sensorynet/_kernels.py`` of an older revision (``git show REV:...``) beside this
checkout's, and runs one plastic 2000-ms block (generated Poisson input, 20 stimuli ×
100 ms) with each, alternately, on the same network and input: each round times old
then new, so machine noise hits both alike, and the ratio is the median of the
per-round ratios (wall time; CPU time of the process too). It also checks that both
give the same spikes and bit-identical weights. Serial builds, and the prange builds
with 2 threads from N = 10 000 on (where ``simulate(threads=2)`` pays).

Both kernel interfaces are served: the typed bundles (``csr_bundle``, ``Drive``,
the constants records; from issue 20) and the earlier flat one
(27 positional arguments, a float constant vector and an int flag vector indexed by
module constants), whose vectors are filled here from the same bundles.

Usage::

    python benchmarks/bench_kernel_ab.py [--old c9a477e] [--sizes 500 10000 100000]
        [--rounds 40 6 3] [--threads 1 2] [--out benchmarks/KERNEL_AB.md]
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
    nc, pc = S.constants(p, True, net.n_exc, N)
    return dict(W=W, mu=mu, expm=expm, seg=inp.segment_steps, key=np.uint64(inp.key),
                T=inp.n_steps, nc=nc, pc=pc, N=N)


def _flat_constants(mod, nc, pc):
    """The float constant vector and int flag vector of the flat kernel interface."""
    c = np.zeros(mod.N_CONSTS)
    for idx, value in (("C_B", nc.decay), ("C_THETA", nc.theta), ("C_DT", nc.dt),
                       ("C_AM", pc.a_minus), ("C_AP", pc.a_plus), ("C_AX", pc.a_x),
                       ("C_TAUM", pc.tau_minus), ("C_TAUP", pc.tau_plus),
                       ("C_TAUX", pc.tau_x), ("C_ALTD", pc.A_LTD), ("C_ALTP", pc.A_LTP),
                       ("C_THM", pc.theta_minus), ("C_THP", pc.theta_plus),
                       ("C_UREF2", pc.u_ref2), ("C_WMAX", pc.w_max),
                       ("C_WMIN", pc.w_min_inh)):
        c[getattr(mod, idx)] = value
    fl = np.zeros(mod.N_FLAGS, np.int64)
    for idx, value in (("F_NE", nc.n_exc), ("F_VWIN", pc.vbar_window),
                       ("F_PLASTIC", pc.plastic), ("F_EE", pc.plastic_EE),
                       ("F_EI", pc.plastic_EI), ("F_IE", pc.plastic_IE),
                       ("F_LTD_IE", pc.ltd_IE), ("F_MASK_IE", pc.mask_IE),
                       ("F_EPOCH", pc.epoch)):
        fl[getattr(mod, idx)] = int(value)
    return c, fl


def run(mod, s, threads):
    """One block with kernel module ``mod``: (wall s, CPU s, spikes, steps, weights)."""
    comp = S._compensated(s["N"])
    data = s["W"].data.copy()
    kernel = mod.KERNELS[(threads > 1, comp)]
    x0 = np.zeros((0, s["N"]), np.uint8)
    v0 = np.zeros(s["N"])
    rec = np.zeros(0, np.int64)
    t, c = time.perf_counter(), time.process_time()
    if hasattr(mod, "csr_bundle"):           # typed bundles
        w = mod.csr_bundle(s["W"].indptr, s["W"].indices, data, s["nc"].n_exc)
        drive = mod.Drive(x0, s["mu"], s["expm"], int(s["seg"]), s["key"])
        sp_n, sp_k, *_ = mod.run_kernel(kernel, comp, w, drive, s["nc"], s["pc"], s["T"],
                                        v0, rec, threads)
    else:                                    # the flat interface (27 arguments)
        consts, flags = _flat_constants(mod, s["nc"], s["pc"])
        sp_n, sp_k, *_ = mod.run_kernel(
            kernel, comp, s["W"].indptr, s["W"].indices, data, x0, s["mu"], s["expm"],
            s["seg"], s["key"], s["T"], v0, consts, flags, rec, threads)
    return time.perf_counter() - t, time.process_time() - c, sp_n, sp_k, data


def compare(old, new, N, rounds, threads):
    s = setup(N)
    _, _, n0, k0, d0 = run(old, s, threads)            # compiles or loads, and checks
    _, _, n1, k1, d1 = run(new, s, threads)
    same = (np.array_equal(n0, n1) and np.array_equal(k0, k1)
            and np.array_equal(d0.view(np.int64), d1.view(np.int64)))
    t_old, t_new, c_old, c_new = [], [], [], []
    for _ in range(rounds):
        w, c = run(old, s, threads)[:2]
        t_old.append(w)
        c_old.append(c)
        w, c = run(new, s, threads)[:2]
        t_new.append(w)
        c_new.append(c)
    med = statistics.median
    return {"N": N, "threads": threads, "rounds": rounds, "spikes": int(n1.size),
            "identical": bool(same), "old_s": med(t_old), "new_s": med(t_new),
            "old_cpu": med(c_old), "new_cpu": med(c_new),
            "ratio": med(b / a for a, b in zip(t_old, t_new, strict=True)),
            "ratio_cpu": med(b / a for a, b in zip(c_old, c_new, strict=True))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default="c9a477e", help="revision of the old kernel")
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 10_000, 100_000])
    ap.add_argument("--rounds", type=int, nargs="+", default=[40, 6, 3])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts (more than 1: sizes from 10 000 on only)")
    ap.add_argument("--out", default=os.path.join(HERE, "KERNEL_AB.md"))
    args = ap.parse_args(argv)
    if len(args.rounds) != len(args.sizes):
        ap.error("--rounds needs one count per size")
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        old = load_old(args.old, tmp)
        rows = []
        for threads in args.threads:
            for N, r in zip(args.sizes, args.rounds, strict=True):
                if threads == 1 or N >= 10_000:
                    print(f"N = {N}, {threads} thread(s) ...", file=sys.stderr)
                    rows.append(compare(old, K_new, N, r, threads))
    load1 = os.getloadavg()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=False,
                          capture_output=True, text=True).stdout.strip()
    L = ["# Simulation kernel: old and new, paired in one process\n",
         f"Command: `python benchmarks/bench_kernel_ab.py --old {args.old} --sizes "
         f"{' '.join(map(str, args.sizes))} --rounds {' '.join(map(str, args.rounds))} "
         f"--threads {' '.join(map(str, args.threads))}` "
         f"(new: the working tree at {head})  ",
         f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
         f"{platform.python_version()}, numpy {np.__version__}, numba "
         f"{__import__('numba').__version__}; {time.strftime('%Y-%m-%d %H:%M')}; "
         f"load average {load0[0]:.1f} at start, {load1[0]:.1f} at end\n",
         "One plastic 2000-ms block, generated input; old and new alternate in each "
         "round. Wall and CPU (process) time, medians over the rounds.\n",
         "| N | threads | rounds | spikes | old wall | new wall | new / old wall | old CPU "
         "| new CPU | new / old CPU | same spikes and weights (bitwise) |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        L.append(f"| {r['N']:,} | {r['threads']} | {r['rounds']} | {r['spikes']:,} "
                 f"| {r['old_s'] * 1e3:.1f} ms | {r['new_s'] * 1e3:.1f} ms "
                 f"| **{r['ratio']:.2f}** | {r['old_cpu'] * 1e3:.1f} ms "
                 f"| {r['new_cpu'] * 1e3:.1f} ms | {r['ratio_cpu']:.2f} | {r['identical']} |")
    text = "\n".join(L) + "\n"
    print(text)
    with open(args.out, "w") as fh:
        fh.write(text)
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
