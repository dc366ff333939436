"""The ``sensorynet sweep`` command line: run, resume and summarise a sweep from a TOML
spec; usage and input errors print one line and exit 2.
"""
from __future__ import annotations

import argparse
import time

import pathlib
import sys
from .run import run_sweep
from .spec import SweepSpec
from .store import SweepStore

__all__ = ["cli_main"]


# ------------------------------------------------------------------------ CLI
def _parser():
    p = argparse.ArgumentParser(
        prog="sensorynet sweep",
        description="Run a parameter sweep described by a TOML file (docs/sweeps.md). "
                    "Finished runs are stored in DIR/runs.jsonl; re-running the same "
                    "command resumes an interrupted sweep.")
    p.add_argument("spec", metavar="SPEC.toml", help="sweep specification (TOML)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="sweep store directory (created if needed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address (tcp://host:8786) or scheduler file (.json) of a running "
                        "Dask scheduler; default: start a LocalCluster on this machine")
    p.add_argument("--workers", type=int, metavar="N",
                   help="workers of the local cluster (default: one per CPU)")
    p.add_argument("--retry-errors", action="store_true",
                   help="recompute stored runs that ended with an error")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the spec and list the runs, run nothing")
    return p


def cli_main(argv=None) -> int:
    """``sensorynet sweep SPEC.toml --out DIR [--scheduler ADDRESS] ...``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after ``sweep`` (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0: all runs succeeded (or ``--help``/``--dry-run``); 1: some runs recorded an
        error; 2: bad command line or bad spec (nothing was run); 130: interrupted
        (finished runs are kept; run the same command again to resume).
    """
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # --help or a usage error: return, do not exit
        return int(exc.code or 0)
    try:
        spec = SweepSpec.from_toml(args.spec)
        if args.workers is not None and args.scheduler is not None:
            raise ValueError("--workers only applies without --scheduler")
        if args.workers is not None and args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
    except (ValueError, TypeError, OSError) as exc:
        print(f"sensorynet sweep: error: {exc}", file=sys.stderr)
        return 2
    print(spec.describe())
    if args.dry_run:
        for r in spec.runs[:20]:
            print(f"  run {r.index}: {r.values} seed_index={r.seed_index} seed={r.seed} "
                  f"id={r.run_id}")
        if spec.n_runs > 20:
            print(f"  ... {spec.n_runs - 20} more")
        return 0
    t0 = time.perf_counter()
    try:
        df = run_sweep(spec, args.out, scheduler=args.scheduler, n_workers=args.workers,
                       progress=not args.no_progress, retry_errors=args.retry_errors)
    except KeyboardInterrupt:
        n = len(SweepStore(args.out).load())
        print(f"\ninterrupted: {n} finished run(s) are stored in {args.out}; run the same "
              "command again to resume", file=sys.stderr)
        return 130
    csv = pathlib.Path(args.out) / "results.csv"
    df.to_csv(csv, index=False)
    n_err = int(df["error"].notna().sum())
    print(f"{len(df)} runs ({int(df['from_store'].sum())} from the store, {n_err} with "
          f"errors) in {time.perf_counter() - t0:.1f} s; results: {csv}")
    if n_err:
        for _, r in df[df["error"].notna()].head(5).iterrows():
            print(f"  run {r['run_id']}: {r['error']}", file=sys.stderr)
    return 1 if n_err else 0


