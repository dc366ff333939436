"""Where a warm ``sensorynet reproduce`` spends its time: its parts, in one process.

For each part, the median wall and CPU time (``time.process_time``) of ``--repeat``
repeats: the imports a ``reproduce`` makes (in a fresh process), the published
simulation, writing the result file, computing the metrics and checks, and drawing and
saving each figure of each registered protocol (``--all``: also every further
protocol's run). End to end, old against new, is ``bench_reproduce.py``.

Usage::

    python benchmarks/bench_user_wait.py [--repeat 3] [--all] [--out benchmarks/USER_WAIT.md]
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))          # this checkout's sensorynet


def _timed(fn, repeat):
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _import_time(repeat):
    code = ("import time; t = time.perf_counter(); c = time.process_time(); "
            "import sensorynet.cli, sensorynet._reproduce, sensorynet.plotting, "
            "matplotlib.backends.backend_agg; "
            "print(time.perf_counter() - t, time.process_time() - c)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = [tuple(map(float, subprocess.run([sys.executable, "-c", code], env=env,
                                           capture_output=True, text=True, check=True)
                     .stdout.split())) for _ in range(repeat)]
    return statistics.median(w for w, _ in out), statistics.median(c for _, c in out)


def parts(repeat, all_protocols):
    import sensorynet as sn
    from sensorynet._reproduce import save_figure
    from sensorynet.experiments import PROTOCOLS, RunContext
    rows = [("imports (fresh process)", *_import_time(repeat))]
    params = sn.ModelParams()
    ctx = RunContext(params, 0, params.protocol.n_blocks)
    pub_proto = PROTOCOLS["published"]
    pub = pub_proto.run(ctx)
    rows.append(("published simulation", *_timed(lambda: pub_proto.run(ctx), repeat)))
    with tempfile.TemporaryDirectory() as d:
        out = pathlib.Path(d)
        rows.append(("save_result", *_timed(lambda: sn.save_result(pub.result, out / "r.npz"),
                                            repeat)))
        # a fresh result object each time: its metrics are cached per object
        rows.append(("published metrics and checks",
                     *_timed(lambda: (type(pub)(pub.result).metrics(),
                                      type(pub)(pub.result).claims()), repeat)))
        names = list(PROTOCOLS) if all_protocols else ["published"]
        for name in names:
            proto = PROTOCOLS[name]
            if name == "published":
                res = pub
            else:
                c = RunContext(params, 0, params.protocol.n_blocks, published=pub.result)
                res = proto.run(c)
                rows.append((f"{name}: run", *_timed(lambda p=proto, c=c: p.run(c), repeat)))
            for stem, make in proto.figure_makers(res).items():
                rows.append((f"{name}: figure {stem}",
                             *_timed(lambda m=make, s=stem: save_figure(m(), out / f"{s}.png"),
                                     repeat)))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--all", action="store_true", help="every registered protocol")
    ap.add_argument("--out", type=pathlib.Path, help="append a Markdown section here")
    args = ap.parse_args(argv)
    load0 = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = parts(args.repeat, args.all)
    load1 = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    lines = [f"## {datetime.date.today()}: parts of a warm reproduce ({commit})", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}; load average {load0} before, {load1} after. "
             f"Medians of {args.repeat} repeats, in one process.", "",
             "| part | wall (s) | CPU (s) |", "|---|---|---|"]
    lines += [f"| {name} | {w:.3f} | {c:.3f} |" for name, w, c in rows]
    tw, tc = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines += [f"| **sum** | **{tw:.3f}** | **{tc:.3f}** |", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        prev = args.out.read_text() if args.out.exists() else ""
        args.out.write_text(prev.rstrip() + "\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
