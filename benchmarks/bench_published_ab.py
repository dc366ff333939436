"""Two source trees alternated: the warm published experiment and its analyses (issue 20).

Each round starts one process per tree (old, then new, so machine noise hits both
alike). A process imports sensorynet from its tree, runs the published experiment once
(warm-up: numba's cache loaded, pair counts memoised as in ``reproduce``), then times

* ``run_published(seed=0, progress=False)`` -- the full published experiment in
  process (N = 500, 40 plastic blocks and the two tests);
* ``published_metrics(result)`` -- the analysis ``reproduce`` runs every time;
* ``connectivity_summary(W, po, n_exc, W0=W0)`` -- the connectivity analyses of the
  further experiments (specificity per pathway, reciprocity, pruning),

each as the median of ``--inner`` calls, wall and CPU (process) time. The table gives
the medians over rounds and the median of the per-round new/old ratios.

Usage::

    python benchmarks/bench_published_ab.py OLD_TREE NEW_TREE [--rounds 8] [--inner 5]
        [--out FILE]

A tree is a source checkout, e.g. ``git archive c9a477e | tar -x -C /tmp/old``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time

_CHILD = textwrap.dedent("""
    import json, statistics, sys, time
    import sensorynet as sn
    from sensorynet.analysis import connectivity_summary, published_metrics
    inner = int(sys.argv[1])
    result = sn.run_published(seed=0, progress=False)
    published_metrics(result)

    def timed(f):
        w, c = [], []
        for _ in range(inner):
            t0, c0 = time.perf_counter(), time.process_time()
            f()
            w.append(time.perf_counter() - t0)
            c.append(time.process_time() - c0)
        return statistics.median(w), statistics.median(c)
    out = {
        "run_published": timed(lambda: sn.run_published(seed=0, progress=False)),
        "published_metrics": timed(lambda: published_metrics(result)),
        "connectivity_summary": timed(lambda: connectivity_summary(
            result.W, result.po, result.n_exc, W0=result.W0)),
    }
    print(json.dumps(out))
""")


def run_child(tree, inner):
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run([sys.executable, "-c", _CHILD, str(inner)], cwd=tree, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    trees = [os.path.abspath(args.old), os.path.abspath(args.new)]
    load0 = os.getloadavg()
    runs = {t: [] for t in trees}
    for _ in range(args.rounds):
        for t in trees:
            runs[t].append(run_child(t, args.inner))
    load1 = os.getloadavg()
    med = statistics.median
    L = ["# Published experiment and its analyses: old and new tree alternated\n",
         f"Command: `python benchmarks/bench_published_ab.py {args.old} {args.new} "
         f"--rounds {args.rounds} --inner {args.inner}`  ",
         f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
         f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}; load average "
         f"{load0[0]:.1f} at start, {load1[0]:.1f} at end\n",
         "| measure | old wall | new wall | new / old wall | old CPU | new CPU "
         "| new / old CPU |", "|---|---|---|---|---|---|---|"]
    o, n = runs[trees[0]], runs[trees[1]]
    for key in o[0]:
        cols = []
        for q in (0, 1):
            a = [r[key][q] for r in o]
            b = [r[key][q] for r in n]
            cols.append((med(a), med(b), med(y / x for x, y in zip(a, b, strict=True))))
        (ow, nw, rw), (oc, ncpu, rc) = cols
        L.append(f"| {key} | {ow * 1e3:.1f} ms | {nw * 1e3:.1f} ms | **{rw:.2f}** "
                 f"| {oc * 1e3:.1f} ms | {ncpu * 1e3:.1f} ms | {rc:.2f} |")
    text = "\n".join(L) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
