"""Where the user waits (issue 15): time what a user of sensorynet sits through.

Measured on this machine, in one run (medians of ``--repeat`` repeats):

1. ``python -m sensorynet reproduce --out DIR --no-progress`` end to end (warm numba
   cache), and with ``--experiments all`` (``--all``);
2. its parts, in process: import, the published simulation, each figure's build and
   ``savefig`` (as ``reproduce`` saves it), ``save_result``; with ``--all`` also each
   further experiment's run and figures;
3. ``import sensorynet`` + a first simulation (network construction + one plastic
   block) in a fresh process, with a warm and with an empty numba cache (a fresh
   ``NUMBA_CACHE_DIR``), and the compile time of every compiled function of the
   empty-cache run (numba's ``compiler_lock`` timer, which includes the functions a
   kernel calls, and its ``llvm_lock`` part);
4. PNG size and ``savefig`` time per zlib compression level of the published figures.

Usage::

    python benchmarks/bench_user_wait.py [--repeat 3] [--all] [--out benchmarks/USER_WAIT.md]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)          # in-process parts: this checkout's sensorynet
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _median(fn, repeat):
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def _run(args, env=None, cwd=ROOT):
    t = time.perf_counter()
    p = subprocess.run(args, cwd=cwd, env=env or ENV, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{args} failed:\n{p.stderr[-2000:]}")
    return dt, p.stdout


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    import matplotlib
    import numba
    import numpy
    return {"nproc": os.cpu_count(), "cpu": model,
            "load": " / ".join(f"{x:.2f}" for x in load),
            "python": sys.version.split()[0], "numpy": numpy.__version__,
            "numba": numba.__version__, "matplotlib": matplotlib.__version__}


# ---------------------------------------------------------------- end to end
def end_to_end(repeat, experiments):
    ts = []
    with tempfile.TemporaryDirectory() as d:
        args = [sys.executable, "-m", "sensorynet", "reproduce", "--out", d, "--no-progress"]
        if experiments != "published":
            args += ["--experiments", experiments]
        _run(args)                                  # warm the numba cache
        for _ in range(repeat):
            ts.append(_run(args)[0])
    return statistics.median(ts)


def end_to_end_ab(repeat, experiments, old_root):
    """``reproduce`` end to end, an old checkout (``old_root`` on PYTHONPATH, e.g. made
    by ``git archive``) and this one alternated: (old runs s, new runs s, load avgs)."""
    runs = {"old": [], "new": []}
    loads = []
    with tempfile.TemporaryDirectory() as d:
        args = [sys.executable, "-m", "sensorynet", "reproduce", "--out", d, "--no-progress",
                "--experiments", experiments]
        envs = {"old": dict(os.environ, PYTHONPATH=old_root), "new": ENV}
        # not in ROOT: `python -m` puts the working directory first on sys.path
        where = {k: _run([sys.executable, "-c", "import sensorynet; print(sensorynet.__file__)"],
                         env, cwd=d)[1].strip() for k, env in envs.items()}
        if where["old"] == where["new"]:
            raise RuntimeError(f"old and new both import {where['old']}")
        for env in envs.values():
            _run(args, env, cwd=d)                  # warm the numba caches
        for _ in range(repeat):
            for k, env in envs.items():
                loads.append(os.getloadavg()[0])
                runs[k].append(_run(args, env, cwd=d)[0])
    return runs["old"], runs["new"], loads


def store_ab(repeat):
    """``save_result``/``load_result`` of the published result, the old writer
    (``np.savez_compressed``) vs ``store.write_npz``, alternated: rows (writer, save s,
    load s, bytes)."""
    import numpy as np

    import sensorynet as sn
    from sensorynet import store
    result = sn.run_published(seed=0, progress=False)
    writers = {"np.savez_compressed (old)": lambda fh, a: np.savez_compressed(fh, **a),
               "np.savez (uncompressed)": lambda fh, a: np.savez(fh, **a),
               "store.write_npz (new)": store.write_npz}
    real, ts = store.write_npz, {k: ([], [], 0) for k in writers}
    try:
        with tempfile.TemporaryDirectory() as d:
            for _ in range(repeat):
                for k, w in writers.items():
                    store.write_npz, p = w, os.path.join(d, "r.npz")
                    t = time.perf_counter()
                    store.save_result(result, p)
                    ts[k][0].append(time.perf_counter() - t)
                    t = time.perf_counter()
                    store.load_result(p)
                    ts[k][1].append(time.perf_counter() - t)
                    ts[k] = (ts[k][0], ts[k][1], os.path.getsize(p))
    finally:
        store.write_npz = real
    return [(k, statistics.median(a), statistics.median(b), n) for k, (a, b, n) in ts.items()]


# ---------------------------------------------------------------- parts
_IMPORT = ("import time; t = time.perf_counter(); import matplotlib; matplotlib.use('Agg'); "
           "import sensorynet.cli, sensorynet._reproduce, sensorynet.plotting; "
           "print(time.perf_counter() - t)")


def parts(repeat, science):
    import matplotlib
    matplotlib.use("Agg")
    import sensorynet as sn
    from sensorynet import plotting
    from sensorynet import reproduce as R
    from sensorynet._store import save_result
    rows = []
    ts = [float(_run([sys.executable, "-c", _IMPORT])[1]) for _ in range(repeat)]
    rows.append(("import (sensorynet.cli, reproduce, plotting, matplotlib)", statistics.median(ts)))
    sn.run_published(seed=0, progress=False)    # warm
    res = {}
    rows.append(("published simulation (run_published)", _median(
        lambda: res.__setitem__("r", sn.run_published(seed=0, progress=False)), repeat)))
    result = res["r"]
    makers = (plotting.plot_rasters, plotting.plot_weight_matrices,
              plotting.plot_weights_vs_dpo, plotting.plot_learning_curve)
    with tempfile.TemporaryDirectory() as d:
        rows.append(("save_result (npz)", _median(
            lambda: save_result(result, os.path.join(d, "r.npz")), repeat)))
        for stem, make in zip(R.PUBLISHED_FIGURES, makers, strict=True):
            rows += _figure_rows(stem, lambda make=make: make(result), repeat, d, R)
        if science:
            from sensorynet.experiments._science import run_science_experiment
            from sensorynet.plotting._protocols import science_figures
            for name in R.SCIENCE_NAMES:
                t = time.perf_counter()
                out = run_science_experiment(name, result, progress=False)
                rows.append((f"{name}: experiment (once)", time.perf_counter() - t))
                build, save = [], {}
                for _ in range(repeat):     # science_figures draws all of them
                    t = time.perf_counter()
                    figs = science_figures(name, out["results"])
                    build.append(time.perf_counter() - t)
                    for stem, fig in figs.items():
                        t = time.perf_counter()
                        R._save_fig(fig, os.path.join(d, f"{stem}.png"))
                        save.setdefault(stem, []).append(time.perf_counter() - t)
                rows.append((f"{name}: build its {len(figs)} figure(s)",
                             statistics.median(build)))
                rows += [(f"figure {stem}: savefig", statistics.median(ts))
                         for stem, ts in save.items()]
    return rows


def _figure_rows(stem, make, repeat, d, R):
    build, save = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        fig = make()
        build.append(time.perf_counter() - t)
        t = time.perf_counter()
        R._save_fig(fig, os.path.join(d, f"{stem}.png"))
        save.append(time.perf_counter() - t)
    return [(f"figure {stem}: build", statistics.median(build)),
            (f"figure {stem}: savefig", statistics.median(save))]


def save_ab(repeat, science):
    """Saving every figure of ``reproduce`` the old way (``fig.savefig(path, dpi=150)``:
    layout pass + rendering pass, zlib level 6) and with ``reproduce._save_fig``,
    interleaved in one process: (old s, new s, old bytes, new bytes) per figure."""
    import matplotlib
    matplotlib.use("Agg")
    import sensorynet as sn
    from sensorynet import plotting
    from sensorynet import reproduce as R
    result = sn.run_published(seed=0, progress=False)
    makers = {s: (lambda m=m: m(result)) for s, m in zip(
        R.PUBLISHED_FIGURES, (plotting.plot_rasters, plotting.plot_weight_matrices,
                              plotting.plot_weights_vs_dpo, plotting.plot_learning_curve), strict=True)}
    if science:
        from sensorynet.experiments._science import run_science_experiment
        from sensorynet.plotting._protocols import science_figures
        for name in R.SCIENCE_NAMES:
            out = run_science_experiment(name, result, progress=False)
            for stem in science_figures(name, out["results"]):
                makers[stem] = (lambda name=name, out=out, stem=stem:
                                science_figures(name, out["results"])[stem])
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for stem, make in makers.items():
            old, new = [], []
            p_old, p_new = os.path.join(d, "old.png"), os.path.join(d, "new.png")
            for _ in range(repeat):
                fig = make()
                t = time.perf_counter()
                fig.savefig(p_old, dpi=R._DPI)
                old.append(time.perf_counter() - t)
                fig = make()
                t = time.perf_counter()
                R._save_fig(fig, p_new)
                new.append(time.perf_counter() - t)
            rows.append((stem, statistics.median(old), statistics.median(new),
                         os.path.getsize(p_old), os.path.getsize(p_new)))
    return rows


# ---------------------------------------------------------------- first run
_FIRST = r"""
import gc, json, time
t0 = time.perf_counter()
import numpy as np
import sensorynet as sn
t1 = time.perf_counter()
net = sn.build_network(sn.NetworkParams(), 0)
t2 = time.perf_counter()
th = np.random.default_rng(0).uniform(0, np.pi, 20)
inp = sn.stimulus_input(th, 100, net.po, net.n_exc, 1)
sn.simulate(net.W, inp, plastic=True)
t3 = time.perf_counter()
from numba.core.registry import CPUDispatcher
comp = []
for d in gc.get_objects():
    if isinstance(d, CPUDispatcher) and d.py_func.__module__.startswith("sensorynet"):
        for cres in d.overloads.values():
            tm = (cres.metadata or {}).get("timers", {})
            comp.append([d.py_func.__module__ + "." + d.__name__,
                         tm.get("compiler_lock", 0.0), tm.get("llvm_lock", 0.0)])
print(json.dumps({"import": t1 - t0, "network": t2 - t1, "simulate": t3 - t2,
                  "total": t3 - t0, "compiled": comp}))
"""


def first_run(repeat):
    cold, warm = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(ENV, NUMBA_CACHE_DIR=cache)
            cold.append(json.loads(_run([sys.executable, "-c", _FIRST], env)[1]))
            warm.append(json.loads(_run([sys.executable, "-c", _FIRST], env)[1]))

    def med(rs):
        return {k: statistics.median(r[k] for r in rs)
                for k in ("import", "network", "simulate", "total")}
    comp = {}
    for r in cold:
        for name, c, l in r["compiled"]:
            comp.setdefault(name, []).append((c, l))
    compiled = {n: (statistics.median(c for c, _ in v), statistics.median(l for _, l in v),
                    len(v) // len(cold)) for n, v in comp.items()}
    return med(cold), med(warm), compiled, [r["compiled"] for r in warm][0]


# ---------------------------------------------------------------- PNG levels
def png_levels(repeat, levels=(6, 3, 1)):
    import matplotlib
    matplotlib.use("Agg")
    import sensorynet as sn
    from sensorynet import plotting
    result = sn.run_published(seed=0, n_blocks=40, progress=False)
    makers = (plotting.plot_rasters, plotting.plot_weight_matrices,
              plotting.plot_weights_vs_dpo, plotting.plot_learning_curve)
    rows = []
    for lvl in levels:
        tot_t, tot_b = 0.0, 0
        for make in makers:
            ts = []
            for _ in range(repeat):
                fig = make(result)
                b = io.BytesIO()
                t = time.perf_counter()
                fig.savefig(b, format="png", dpi=150, pil_kwargs={"compress_level": lvl})
                ts.append(time.perf_counter() - t)
            tot_t += statistics.median(ts)
            tot_b += len(b.getvalue())
        rows.append((lvl, tot_t, tot_b))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--all", action="store_true", help="also --experiments all")
    ap.add_argument("--out", default=os.path.join(HERE, "USER_WAIT.md"))
    ap.add_argument("--label", default="", help="heading suffix, e.g. 'after'")
    ap.add_argument("--only-save", action="store_true",
                    help="only the old-vs-new figure saving comparison")
    ap.add_argument("--ab", metavar="OLD_ROOT",
                    help="only: end to end and results-file A/B against the sensorynet "
                         "in OLD_ROOT (e.g. git archive REV sensorynet | tar -x -C OLD_ROOT)")
    args = ap.parse_args(argv)
    m = machine()
    if args.only_save:
        return _only_save(args, m)
    if args.ab:
        return _only_ab(args, m)
    lines = [f"## User wait {args.label}".rstrip(), "",
             f"Machine: {m['nproc']} cores ({m['cpu']}), load average {m['load']} at start "
             "(shared with another worker); Python {python}, numpy {numpy}, numba {numba}, "
             "matplotlib {matplotlib}. Medians of {r} repeats.".format(r=args.repeat, **m), ""]
    lines += ["| what | s |", "|---|---|"]
    lines.append(f"| reproduce end to end (warm cache) | {end_to_end(args.repeat, 'published'):.2f} |")
    if args.all:
        lines.append(f"| reproduce --experiments all end to end | "
                     f"{end_to_end(args.repeat, 'all'):.2f} |")
    cold, warm, compiled, warm_compiled = first_run(args.repeat)
    for lab, r in (("empty", cold), ("warm", warm)):
        lines.append(f"| first run, {lab} numba cache: import {r['import']:.2f} + network "
                     f"{r['network']:.2f} + simulate {r['simulate']:.2f} | {r['total']:.2f} |")
    lines.append(f"| load average now | {' / '.join(f'{x:.2f}' for x in os.getloadavg())} |")
    lines += ["", "Parts (in process):", "", "| part | s |", "|---|---|"]
    lines += [f"| {n} | {t:.3f} |" for n, t in parts(args.repeat, args.all)]
    lines += ["", "Compiled on a first run with an empty cache (import + network + one "
              "plastic block); compiler_lock includes the functions a kernel calls:", "",
              "| function | signatures | compile s (compiler_lock) | of which LLVM |",
              "|---|---|---|---|"]
    lines += [f"| {n} | {k} | {c:.2f} | {l:.2f} |"
              for n, (c, l, k) in sorted(compiled.items(), key=lambda kv: -kv[1][0])]
    lines += ["", "PNG compression of the four published figures (dpi 150):", "",
              "| zlib level | savefig s (sum of medians) | bytes |", "|---|---|---|"]
    lines += [f"| {lvl} | {t:.3f} | {b} |" for lvl, t, b in png_levels(args.repeat)]
    ab = save_ab(args.repeat, args.all)
    lines += ["", "Saving the figures, old (`fig.savefig(path, dpi=150)`) vs `reproduce._save_fig`, "
              "interleaved in one process:", "",
              "| figure | old s | new s | old bytes | new bytes |", "|---|---|---|---|---|"]
    _emit(lines + _ab_rows(ab), args.out)


def _ab_rows(ab):
    """Table rows of an old-vs-new saving comparison, with a total row."""
    return ([f"| {s} | {o:.3f} | {n:.3f} | {bo} | {bn} |" for s, o, n, bo, bn in ab]
            + [f"| **total** | {sum(r[1] for r in ab):.3f} | {sum(r[2] for r in ab):.3f} | "
               f"{sum(r[3] for r in ab)} | {sum(r[4] for r in ab)} |"])


def _emit(lines, out):
    """Print a markdown section and append it to ``out``."""
    text = "\n".join(lines) + "\n"
    print(text)
    with open(out, "a", encoding="utf-8") as f:
        f.write(text + "\n")


def _only_save(args, m):
    ab = save_ab(args.repeat, args.all)
    lines = [f"## Figure saving, old vs new {args.label}".rstrip(), "",
             f"Machine: {m['nproc']} cores ({m['cpu']}), load average {m['load']} at start; "
             f"medians of {args.repeat} repeats, interleaved in one process.", "",
             "| figure | old s (`fig.savefig(path, dpi=150)`) | new s (`_save_fig`) | "
             "old bytes | new bytes |", "|---|---|---|---|---|"]
    _emit(lines + _ab_rows(ab), args.out)


def _only_ab(args, m):
    lines = [f"## Old vs new {args.label}".rstrip(), "",
             f"Machine: {m['nproc']} cores ({m['cpu']}), load average {m['load']} at start; "
             f"old = `{args.ab}` on PYTHONPATH, runs alternated old/new, {args.repeat} "
             "each.", "", "| what | old s (median) | new s (median) | old runs | new runs | "
             "load avg (1 min) during |", "|---|---|---|---|---|---|"]
    for exp in ["published"] + (["all"] if args.all else []):
        old, new, loads = end_to_end_ab(args.repeat, exp, args.ab)
        lines.append(f"| reproduce --experiments {exp} | {statistics.median(old):.2f} | "
                     f"{statistics.median(new):.2f} | {' '.join(f'{x:.2f}' for x in old)} | "
                     f"{' '.join(f'{x:.2f}' for x in new)} | {min(loads):.1f}–{max(loads):.1f} |")
    lines += ["", "Results file of the published run (save_result / load_result):", "",
              "| writer | save s | load s | bytes |", "|---|---|---|---|"]
    lines += [f"| {k} | {a:.3f} | {b:.3f} | {n} |" for k, a, b, n in store_ab(args.repeat)]
    _emit(lines, args.out)


if __name__ == "__main__":
    main()
