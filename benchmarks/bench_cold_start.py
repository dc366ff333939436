"""First run from an empty numba cache, and the same run warm (issue 15, goal 2).

Each repeat runs a fresh process with its own empty ``NUMBA_CACHE_DIR`` (cold), then a
second process on that cache (warm). A process imports sensorynet, builds the
published network (N = 500) and runs the first simulation: one plastic 2000-ms block
(published input), then the static test run. numba's own compile events
(``numba.core.event``) give the compile time of every function, so the table does not
depend on the machine's load as much as the wall times do.

Usage::

    python benchmarks/bench_cold_start.py [--repeat 3] [--code DIR ...]

``--code`` takes one or more source trees (default: this checkout); with several the
repeats alternate between them (A/B), e.g. the previous commit made with
``git archive HEAD~1 | tar -x -C /tmp/old``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

_CHILD = textwrap.dedent("""
    import json, time
    t0 = time.perf_counter()
    from numba.core import event as ev

    class Rec(ev.Listener):
        # per dispatcher: compile s without nested callees ("self"), the caller it was
        # first compiled for, and s in numba's LLVM lock
        def __init__(self):
            self.stack, self.comp, self.llvm, self.parent = [], {}, {}, {}
            self.lock = None
        def on_start(self, e):
            if e.kind == "numba:compile":
                d = e.data["dispatcher"]
                name = f"{d.py_func.__module__}.{d.py_func.__qualname__}"
                self.parent.setdefault(name, self.stack[-1][0] if self.stack else "")
                self.stack.append([name, time.process_time(), 0.0])
            elif e.kind == "numba:llvm_lock":
                self.lock = time.process_time()
        def on_end(self, e):
            if e.kind == "numba:compile":
                name, t, inner = self.stack.pop()
                dt = time.process_time() - t
                self.comp[name] = self.comp.get(name, 0.0) + dt - inner
                if self.stack:
                    self.stack[-1][2] += dt
            elif e.kind == "numba:llvm_lock" and self.stack:
                top = self.stack[-1][0]
                self.llvm[top] = self.llvm.get(top, 0.0) + time.process_time() - self.lock

    rec = Rec()
    for kind in ("numba:compile", "numba:llvm_lock"):
        ev.register(kind, rec)
    def mark(marks=[]):
        marks.append((time.perf_counter(), time.process_time()))
        return marks
    mark()
    import numpy as np
    import sensorynet as sn
    mark()
    net = sn.build_network(sn.NetworkParams(), 0)
    mark()
    p = sn.ModelParams()
    th = np.random.default_rng(0).uniform(0, np.pi, 20)
    inp = sn.stimulus_input(th, 100, net.po, net.n_exc, 1)
    r = sn.simulate(net.W, inp, plastic=True, params=p)
    mark()
    sn.simulate(r.W, inp, plastic=False, params=p)
    m = mark()
    m[0] = (t0, 0.0)     # wall time from the start (numba's event module included)
    out = {"compile": rec.comp, "llvm": rec.llvm, "parent": rec.parent}
    for q, key in enumerate(("import", "network", "plastic", "static")):
        out[key + "_s"] = m[q + 1][0] - m[q][0]
        out[key + "_cpu"] = m[q + 1][1] - m[q][1]
    out["total_s"] = m[-1][0] - t0
    out["total_cpu"] = m[-1][1]
    print(json.dumps(out))
""")


def run_once(code, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=code)
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                         env=env, cwd=code, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(codes, repeat):
    """{code: {"cold": [...], "warm": [...]}}, repeats alternated between codes."""
    res = {c: {"cold": [], "warm": []} for c in codes}
    for _ in range(repeat):
        for c in codes:
            with tempfile.TemporaryDirectory() as cache:
                res[c]["cold"].append(run_once(c, cache))
                res[c]["warm"].append(run_once(c, cache))
    return res


def _med(runs, key):
    return statistics.median(r[key] for r in runs)


def report(res):
    L = []
    for c, r in res.items():
        L.append(f"### {c}\n")
        L.append("| cache | import s | network s | first plastic block s | static run s "
                 "| total s |")
        L.append("|---|---|---|---|---|---|")
        for kind in ("cold", "warm"):
            runs = r[kind]
            for unit, lab in (("s", "wall"), ("cpu", "CPU")):
                L.append(f"| {kind}, {lab} (median of {len(runs)}) | "
                         + " | ".join(f"{_med(runs, f'{k}_{unit}'):.2f}" for k in
                                      ("import", "network", "plastic", "static", "total"))
                         + " |")
        names = sorted({n for x in r["cold"] for n in x["compile"]},
                       key=lambda n: -_med([{"v": x["compile"].get(n, 0.0)} for x in r["cold"]], "v"))
        L.append("\n| function (cold) | first compiled for | compile s, callees excluded "
                 "(median) | of which LLVM s |")
        L.append("|---|---|---|---|")
        tot = 0.0
        for n in names:
            comp = statistics.median(x["compile"].get(n, 0.0) for x in r["cold"])
            llvm = statistics.median(x["llvm"].get(n, 0.0) for x in r["cold"])
            parent = r["cold"][0]["parent"].get(n, "")
            tot += comp
            if comp >= 0.02:
                L.append(f"| {n} | {parent.rsplit('.', 1)[-1]} | {comp:.2f} | {llvm:.2f} |")
        L.append(f"| all compilation (sum of medians) | | {tot:.2f} | |")
        L.append("")
    return "\n".join(L)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--code", nargs="+", default=[ROOT])
    ap.add_argument("--json", help="also write the raw measurements here")
    ap.add_argument("--out", help="also write the report (markdown) here")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    res = measure([os.path.abspath(c) for c in args.code], args.repeat)
    load1 = os.getloadavg()
    text = (f"# First run, empty vs warm numba cache\n\nCommand: `python "
            f"benchmarks/bench_cold_start.py --repeat {args.repeat}`; {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load average {load0[0]:.1f} at start, "
            f"{load1[0]:.1f} at end ({time.strftime('%Y-%m-%d %H:%M')}). CPU rows are "
            f"process time, which the machine's load distorts less than wall time.\n\n"
            + report(res))
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
