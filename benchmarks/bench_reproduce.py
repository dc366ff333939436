"""What a user waits for and what it costs: ``sensorynet reproduce`` end to end, old and
new code alternated in one session, wall time and CPU time of the whole process tree
(the command and every worker process it started and waited for).

Usage (from the repository root)::

    git worktree add /tmp/sensorynet-old <commit>          # the code to compare with
    python benchmarks/bench_reproduce.py --old /tmp/sensorynet-old --repeat 7 \\
        [--all] [--out benchmarks/REPRODUCE_AB.md]

Each repeat runs old then new (then new then old on the next repeat, so neither always
goes first) with a warm numba cache (one untimed run of each first). CPU time is the
``RUSAGE_CHILDREN`` difference around each command: user + system time of the command
and of all its descendants that were waited for. The load average is printed before and
after, since the machine may be shared.
"""
from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _commit(tree: pathlib.Path) -> str:
    out = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def _run(tree: pathlib.Path, args: list[str]) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as d:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "sensorynet", "reproduce", "--out",
                            str(pathlib.Path(d) / "out"), "--no-progress", *args],
                           cwd=d, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise RuntimeError(f"{tree}: reproduce failed:\n{p.stderr[-3000:]}")
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu


def _loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=pathlib.Path, required=True, help="checkout of the old code")
    ap.add_argument("--new", type=pathlib.Path, default=ROOT, help="checkout of the new code")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--all", action="store_true", help="also time --experiments all")
    ap.add_argument("--out", type=pathlib.Path, help="append a Markdown section here")
    args = ap.parse_args(argv)
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    cases = [("reproduce", [])] + ([("reproduce --experiments all",
                                     ["--experiments", "all"])] if args.all else [])
    load_before = _loadavg()
    rows = []
    for label, extra in cases:
        for tree in trees.values():          # warm the numba caches, untimed
            _run(tree, extra)
        times = {k: [] for k in trees}
        for i in range(args.repeat):
            order = list(trees) if i % 2 == 0 else list(reversed(trees))
            for k in order:
                times[k].append(_run(trees[k], extra))
                print(f"{label} {k}: wall {times[k][-1][0]:.2f} s, cpu {times[k][-1][1]:.2f} s",
                      file=sys.stderr)
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v),
                   min(w for w, _ in v), max(w for w, _ in v)) for k, v in times.items()}
        rows.append((label, med))
    load_after = _loadavg()
    lines = [
        f"## {datetime.date.today()}: old {_commit(trees['old'])} vs new "
        f"{_commit(trees['new'])}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average {load_before} before, {load_after} "
        f"after. Medians of {args.repeat} runs each, old and new alternated, warm numba "
        "cache. CPU = user + system time of the whole process tree.",
        "",
        "| command | old wall (s) | new wall (s) | old CPU (s) | new CPU (s) | "
        "new/old wall | new/old CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, med in rows:
        o, n = med["old"], med["new"]
        lines.append(f"| `sensorynet {label}` | {o[0]:.2f} ({o[2]:.2f}–{o[3]:.2f}) | "
                     f"{n[0]:.2f} ({n[2]:.2f}–{n[3]:.2f}) | {o[1]:.2f} | {n[1]:.2f} | "
                     f"{n[0] / o[0]:.2f} | {n[1] / o[1]:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        prev = args.out.read_text() if args.out.exists() else (
            "# `sensorynet reproduce`: old and new code, wall and CPU time\n\n"
            "Made by `python benchmarks/bench_reproduce.py --old OLD --all --out "
            "benchmarks/REPRODUCE_AB.md`; each run appends a section.\n\n")
        args.out.write_text(prev + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
