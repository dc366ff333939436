"""The ``sensorynet sweep`` command line: run, resume and summarise a sweep from a TOML
spec; usage and input errors print one line and exit 2.
"""
from __future__ import annotations

import argparse
import importlib.util
import math
import os
import pathlib
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

from .._files import tmp_path_for
from ._cluster import (
    CONNECT_TIMEOUT_S,
    available_cpus,
    check_port_free,
    local_dashboard_address,
    scheduler_kwargs,
)
from ._runner import check_sweep_memory, run_sweep
from ._spec import SweepSpec
from ._store import StoreBusy, SweepStore

PROG = "sensorynet sweep"


class _UsageError(Exception):
    """A bad command line or input: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:          # one line, no usage block
        raise _UsageError(message)


def _fail(message: object, status: int = 2) -> int:
    # one line, whatever the message contains
    text = " ".join(str(message).split())
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return status


def _check_out(out: str, create: bool) -> pathlib.Path:
    """The store directory: not a file, and (if ``create``) creatable and writable."""
    path = pathlib.Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise _UsageError(f"--out {out}: exists and is not a directory")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise _UsageError(f"--out {out}: {parent} is not a directory")
    if not create:
        return path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tmp_path_for(path / "probe")
        with open(probe, "xb"):
            pass
        os.unlink(probe)
    except OSError as exc:
        raise _UsageError(f"--out {out}: not writable ({exc.strerror or exc})") from None
    return path


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, "
                                         f"got {text!r}")
    return value


__all__ = [
    "cli_main",
    "PROG",
]


# ------------------------------------------------------------------------ CLI
def _parser() -> _Parser:
    p = _Parser(
        prog=PROG,
        description="Run a parameter sweep described by a TOML file (docs/sweeps.md). "
                    "Finished runs are stored in DIR/runs.jsonl; re-running the same "
                    "command resumes an interrupted sweep.")
    p.add_argument("spec", metavar="SPEC.toml", help="sweep specification (TOML)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="sweep store directory (created if needed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address (tcp://host:8786) or scheduler file (.json) of a running "
                        "Dask scheduler; default: start a LocalCluster on this machine")
    p.add_argument("--connect-timeout", type=_positive_seconds, metavar="S",
                   default=CONNECT_TIMEOUT_S,
                   help=f"seconds to wait for --scheduler (default {CONNECT_TIMEOUT_S:g})")
    p.add_argument("--workers", type=int, metavar="N",
                   help="workers of the local cluster (default: one per CPU; capped at "
                        "the CPUs available unless --allow-oversubscribe)")
    p.add_argument("--allow-oversubscribe", action="store_true",
                   help="allow --workers to exceed the CPUs available")
    p.add_argument("--dashboard-address", metavar="[HOST]:PORT",
                   help="where the local cluster serves its Dask dashboard (default "
                        "127.0.0.1:8787, this machine only; a bare :PORT is bound to "
                        "127.0.0.1 too; give 0.0.0.0:PORT to expose it to the network)")
    p.add_argument("--retry-errors", action="store_true",
                   help="recompute stored runs that ended with an error")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--dry-run", action="store_true",
                   help="validate the spec and list the runs, run nothing")
    return p


def cli_main(argv: Sequence[str] | None = None) -> int:
    """``sensorynet sweep SPEC.toml --out DIR [--scheduler ADDRESS] ...``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after ``sweep`` (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0: all runs succeeded (or ``--help``/``--dry-run``); 1: some runs recorded an
        error, or the store or cluster failed mid-sweep; 2: bad command line, bad
        spec, unusable ``--out``, malformed or unreachable ``--scheduler`` (nothing
        was run); 130: interrupted (finished runs are kept; run the same command again
        to resume). Another sweep writing to ``--out`` gives 2. Errors are one
        line ``sensorynet sweep: error: ...`` on stderr,
        never a traceback.
    """
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except _UsageError as exc:
        return _fail(exc)
    except SystemExit as exc:  # --help: return, do not exit
        return int(exc.code or 0)
    try:
        spec = SweepSpec.from_toml(args.spec)
        if args.workers is not None and args.scheduler is not None:
            raise ValueError("--workers only applies without --scheduler")
        if args.workers is not None and args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        if args.dashboard_address is not None and args.scheduler is not None:
            raise ValueError("--dashboard-address only applies without --scheduler")
        if args.dashboard_address is not None:     # refused now, not after the spec ran
            address = local_dashboard_address(args.dashboard_address)
            if address is not None:                # (None: the dashboard off, not a string)
                check_port_free(address)
        workers = args.workers
        cpus = available_cpus()
        if workers is not None and workers > cpus and not args.allow_oversubscribe:
            print(f"{PROG}: warning: --workers {workers} is more than the {cpus} CPU(s) "
                  f"available; using {cpus} (--allow-oversubscribe to start more)",
                  file=sys.stderr)
            workers = cpus
        if args.scheduler is not None:
            try:
                scheduler_kwargs(args.scheduler)
            except ValueError as exc:
                raise ValueError(f"--scheduler: {exc}") from None
        _check_out(args.out, create=not args.dry_run)
    except (ValueError, TypeError, OSError, _UsageError) as exc:
        return _fail(exc)
    missing = [m for m in ("distributed", "pandas") if importlib.util.find_spec(m) is None]
    if missing and not args.dry_run:     # the [sweep] extra: say so before any work
        return _fail(ValueError(f"missing dependency {missing[0]!r}; install the "
                                "sweep extra from the sensorynet source directory: "
                                "pip install -e '.[sweep]'"))
    if args.dry_run:       # refuses what a run would refuse (memory per worker)
        try:
            check_sweep_memory(spec, args.out, scheduler=args.scheduler,
                               n_workers=workers, retry_errors=args.retry_errors,
                               allow_oversubscribe=args.allow_oversubscribe,
                               connect_timeout=args.connect_timeout)
        except (ValueError, OSError) as exc:
            return _fail(exc)
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
        cluster_kwargs = ({"dashboard_address": args.dashboard_address}
                          if args.dashboard_address is not None else None)
        df = run_sweep(spec, args.out, scheduler=args.scheduler, n_workers=workers,
                       progress=not args.no_progress, retry_errors=args.retry_errors,
                       connect_timeout=args.connect_timeout,
                       allow_oversubscribe=args.allow_oversubscribe,
                       cluster_kwargs=cluster_kwargs)
        csv = pathlib.Path(args.out) / "results.csv"
        df.to_csv(csv, index=False)
    except KeyboardInterrupt:
        n: int | str
        try:
            n = len(SweepStore(args.out).load())
        except (ValueError, OSError):
            n = "the"
        print(f"\ninterrupted: {n} finished run(s) are stored in {args.out}; run the same "
              "command again to resume", file=sys.stderr)
        return 130
    except StoreBusy as exc:              # another sweep writes there: nothing was run
        return _fail(exc)
    except ConnectionError as exc:        # unreachable scheduler: nothing was run
        return _fail(exc)
    except (ValueError, TypeError) as exc:   # bad input found by run_sweep
        return _fail(exc)
    except (OSError, RuntimeError) as exc:   # the store or the cluster failed
        return _fail(exc, status=1)
    n_err = int(df["error"].notna().sum())
    print(f"{len(df)} runs ({int(df['from_store'].sum())} from the store, {n_err} with "
          f"errors) in {time.perf_counter() - t0:.1f} s; results: {csv}")
    if n_err:
        for _, r in df[df["error"].notna()].head(5).iterrows():
            print(f"  run {r['run_id']}: {r['error']}", file=sys.stderr)
    return 1 if n_err else 0
