"""Command line: ``sensorynet reproduce ...`` and ``sensorynet sweep ...``.

``reproduce`` runs the paper's experiments and writes figures, metrics and a report
(:func:`sensorynet.reproduce`). ``sweep`` hands its arguments unchanged to
``sensorynet.sweep.main``.

:func:`main` never raises ``SystemExit``: it returns the exit status, so it can be
called from tests and notebooks (the console script passes it to ``sys.exit``).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:   # imported where used, so that --help starts fast
    from ._params import ModelParams
    from ._types import ScalingRule

__all__ = ["main", "run", "build_parser", "INTERRUPTED"]


def _non_negative_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a non-negative integer, got {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(
                f"{name} must be a non-negative integer, got {value}")
        return value
    return parse


def _params_for(n_neurons: int, scaling: ScalingRule | None = None) -> ModelParams:
    """Published parameters, rescaled to ``n_neurons`` by the rule ``scaling``
    (:func:`sensorynet.scaled_model`; default ``params.DEFAULT_SCALING``)."""
    from ._identity import published_point_params
    return published_point_params(n_neurons, scaling)


def _parse_value(text: str) -> int | float | bool:
    """``int``, then ``float``, then ``true``/``false`` (any case)."""
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    raise ValueError(f"value {text!r} is not an int, a float, true or false")


def _apply_sets(params: ModelParams, assignments: Iterable[str] | None) -> ModelParams:
    """``params`` with every ``NAME=VALUE`` of ``--set`` applied (ModelParams.replace).

    Raises
    ------
    ValueError
        One line naming the bad assignment.
    """
    from ._params import canonical_name
    changes: dict[str, int | float | bool] = {}
    seen: dict[str, str] = {}
    for item in assignments or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name or not text.strip():
                raise ValueError("expected NAME=VALUE, e.g. plasticity.A_LTP=1e-4")
            key = canonical_name(name)
            if key in changes:    # the sweep spec refuses the same; keeping the last hides it
                raise ValueError(f"{key} is set twice (once as {seen[key]!r})")
            seen[key] = item
            changes[key] = _parse_value(text.strip())
        except (TypeError, ValueError) as exc:
            raise ValueError(f"--set {item}: {exc}") from None
    if not changes:
        return params
    try:
        return params.replace(**changes)
    except (TypeError, ValueError) as exc:
        raise ValueError("--set " + " ".join(f"{k}={v}" for k, v in changes.items())
                         + f": {exc}") from None


#: further protocols run on worker processes only while all processes together are
#: estimated below this; a large network runs them one at a time instead
_PARALLEL_MEMORY_BUDGET = 1.5e9


def _workers(params: ModelParams, blocks: int | None, n_jobs: int) -> int:
    """Processes for ``reproduce``'s ``n_jobs`` jobs beside this one, which works too:
    at most 2 and at most the CPUs (``$SENSORYNET_WORKERS`` overrides), or 1 (all in
    this process) without jobs or when they would not fit in memory beside the
    published run."""
    import os

    from ._memory import available_bytes, estimate_run_bytes
    env = os.environ.get("SENSORYNET_WORKERS", "").strip()
    n = int(env) if env.isdigit() and int(env) >= 1 else min(2, os.cpu_count() or 1)
    n = min(n, n_jobs + 1)
    if n > 1:
        run = estimate_run_bytes(params, n_blocks=params.protocol.n_blocks
                                 if blocks is None else blocks, keep_snapshots=True)
        free = available_bytes()
        budget = _PARALLEL_MEMORY_BUDGET if free is None else min(free, _PARALLEL_MEMORY_BUDGET)
        if (n + 1) * run > budget:
            return 1
    return max(n, 1)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sensorynet`` command."""
    from ._scaling import DEFAULT_SCALING, SCALING_RULES
    from ._version import __version__
    from .experiments import PROTOCOLS
    parser = argparse.ArgumentParser(
        prog="sensorynet",
        description="Reproduce Sadeh, Clopath & Rotter (2015): functional specificity "
                    "in balanced networks with synaptic plasticity.")
    parser.add_argument("--version", action="version", version=f"sensorynet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    rep = sub.add_parser(
        "reproduce", help="run the experiments, write figures, metrics.json and report.md",
        description="Run the published experiment (and optionally further ones), then "
                    "write PNG figures, metrics.json, report.md and result_published.npz. "
                    "The report answers two questions: do the paper's claims hold (one-"
                    "sided tests, judged at any size, block count and --set), and is the "
                    "run distinguishable from the published model (the identity test, "
                    "where an ensemble is calibrated).",
        epilog="exit status: 0 done; 1 an experiment failed; 2 bad arguments or a "
               "damaged data file; 130 interrupted. With --strict: 0 every claim of the "
               "paper, the identity test and every sanity check evaluated and holding; 1 "
               "one of them fails; 3 something could not be evaluated (no identity "
               "ensemble for this configuration, an experiment that did not run). "
               "Findings of this package never change the status.")
    rep.add_argument("--out", default="results", metavar="DIR",
                     help="output directory (default: %(default)s)")
    rep.add_argument("--seed", type=_non_negative_int("--seed"), default=0, metavar="N",
                     help="root random seed, >= 0 (default: %(default)s)")
    rep.add_argument("--blocks", type=_non_negative_int("--blocks"), default=None,
                     metavar="N", help="learning blocks of 2 s, >= 0 (default: 40, as "
                                       "published)")
    rep.add_argument("--neurons", type=_non_negative_int("--neurons"), default=500,
                     metavar="N", help="network size; other than 500, the published "
                                       "network is rescaled by --scaling "
                                       "(default: %(default)s)")
    rep.add_argument("--scaling", choices=SCALING_RULES, default=DEFAULT_SCALING,
                     metavar="RULE",
                     help="how --neurons other than 500 rescales the published network: "
                          + ", ".join(SCALING_RULES) + " (docs/scaling.md; default: "
                          "%(default)s)")
    rep.add_argument("--experiments", default="published", metavar="LIST",
                     help="'all' or a comma-separated list of registered protocols: "
                          + ", ".join(PROTOCOLS) + " (default: published; published "
                          "always runs first)")
    rep.add_argument("--import", dest="plugins", action="append", default=[],
                     metavar="MODULE",
                     help="import a module (a dotted name or a .py file) that registers "
                          "further protocols, before --experiments is read (repeatable; "
                          "examples/custom_protocol.py)")
    rep.add_argument("--set", dest="sets", action="append", default=[],
                     metavar="NAME=VALUE",
                     help="change one model parameter (repeatable); NAME as in "
                          "ModelParams.replace, e.g. plasticity.A_LTP or network.g; VALUE "
                          "an int, a float, true or false. The claims are judged as for the "
                          "published model, and the identity test says whether the "
                          "changed model can be told from it; report.md lists the "
                          "changes")
    rep.add_argument("--ensemble", default=None, metavar="PATH",
                     help="identity ensemble to test the run against (default: the "
                          "packaged one at N = 500 and 40 blocks, else the one "
                          "'sensorynet calibrate' wrote for this configuration; without "
                          "one, identity is reported as not tested)")
    rep.add_argument("--no-progress", dest="progress", action="store_false",
                     help="no progress bars")
    rep.add_argument("--strict", action="store_true",
                     help="exit status by the checks: 0 only when every claim of the "
                          "paper, the identity test and every sanity check was evaluated "
                          "and holds; 1 when one of them fails; 3 when something could "
                          "not be evaluated (identity not calibrated for this "
                          "configuration, an experiment that did not run); 1 takes "
                          "precedence over 3. Findings of this package are reported but "
                          "never change the status (docs/claims.md)")
    cal = sub.add_parser(
        "calibrate", help="build the identity ensemble of the published model at a "
                          "configuration (N, blocks, scaling rule)",
        description="Run the published model and the tuning protocol on --seeds "
                    "estimation and --null-seeds threshold seeds at one configuration and "
                    "fit the identity test on them (docs/claims.md). The ensemble goes to "
                    "the results cache (ensembles/), where 'reproduce' looks for it. Each "
                    "finished seed is kept in a runs file: run the same command again to "
                    "resume an interrupted calibration.")
    cal.add_argument("--neurons", type=_non_negative_int("--neurons"), default=500,
                     metavar="N", help="network size, >= 500 (default: %(default)s)")
    cal.add_argument("--blocks", type=_non_negative_int("--blocks"), default=40, metavar="N",
                     help="learning blocks (default: %(default)s)")
    cal.add_argument("--scaling", choices=SCALING_RULES, default=DEFAULT_SCALING,
                     metavar="RULE", help="scaling rule for --neurons other than 500: "
                                          + ", ".join(SCALING_RULES)
                                          + " (default: %(default)s)")
    cal.add_argument("--seeds", type=_non_negative_int("--seeds"), default=120, metavar="N",
                     help="estimation seeds (10000, 10001, ...; default: %(default)s)")
    cal.add_argument("--null-seeds", type=_non_negative_int("--null-seeds"), default=300,
                     metavar="N", help="threshold seeds that set the null distribution "
                                       "(21000, ...; default: %(default)s)")
    cal.add_argument("--holdout", type=_non_negative_int("--holdout"), default=0,
                     metavar="N", help="further held-out seeds (20000, ...) tested against "
                                       "the finished ensemble: its false-alarm rate, "
                                       "stored in the file (default: %(default)s)")
    cal.add_argument("--allow-small", action="store_true",
                     help="accept fewer than 100 seeds per set (a trial ensemble, marked "
                          "as too small for the 1 %% false-alarm guarantee)")
    engine = cal.add_mutually_exclusive_group()
    engine.add_argument("--workers", type=_non_negative_int("--workers"), default=None,
                        metavar="K", help="run the seeds on a local Dask cluster of K "
                                          "worker processes (needs the sweep extra)")
    engine.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the seeds on the Dask scheduler at ADDRESS "
                             "(tcp://host:port or a scheduler file)")
    cal.add_argument("--out", default=None, metavar="PATH",
                     help="ensemble file (default: ensembles/ in the results cache "
                          "$SENSORYNET_CACHE or ~/.cache/sensorynet)")
    cal.add_argument("--runs", default=None, metavar="PATH",
                     help="file of the per-seed fingerprints (default: ensembles/runs/ in "
                          "the results cache)")
    cal.add_argument("--no-progress", dest="progress", action="store_false",
                     help="no progress bar (a line every 5 %% instead)")
    # listed for --help only: main() forwards 'sweep' before argparse sees it
    sub.add_parser("sweep", add_help=False,
                   help="parameter sweeps (see 'sensorynet sweep --help')")
    return parser


def _sweep(argv: Sequence[str]) -> int:
    import importlib.util
    missing = [m for m in ("distributed", "pandas") if importlib.util.find_spec(m) is None]
    if missing:                  # the [sweep] extra is not installed
        print(f"sensorynet sweep: error: missing dependency {missing[0]!r}; install the "
              "sweep extra from the sensorynet source directory: pip install -e '.[sweep]'",
              file=sys.stderr)
        return 2
    from . import sweep
    try:
        rc = sweep.main(list(argv))
    except SystemExit as exc:   # the sweep's own argparse
        return _exit_code(exc)
    return int(rc or 0)


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


#: exit status after Ctrl-C or SIGTERM (128 + SIGINT, as a shell reports it)
INTERRUPTED = 130


def run() -> int:
    """The ``sensorynet`` console script and ``python -m sensorynet``: :func:`main`.

    The process is the command's own, so here (never in :func:`main`, which may run
    inside a caller's process) SIGTERM is turned into the same orderly stop as Ctrl-C:
    temporary files are removed and worker processes ended before exit. After such a
    stop the process ends at once with :data:`INTERRUPTED`: an interrupt that passed
    through an extension's C code can otherwise make the interpreter kill itself with
    SIGINT on the way out, whatever status was returned.
    """
    import os
    import signal

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        rc = main()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if rc == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)
    return rc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sensorynet`` console script (via :func:`run`).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 an experiment failed, 2 bad arguments or an
        unavailable command, 130 (:data:`INTERRUPTED`) stopped by Ctrl-C. With
        ``reproduce --strict``: 0 only when every claim of the paper, the identity test
        and every sanity check was evaluated and holds, 1 when one fails, 3 when
        something could not be evaluated.
    """
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    if argv and argv[0] == "sweep":
        return _sweep(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # --help, --version and usage errors
        return _exit_code(exc)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "calibrate":
        return _calibrate(args, argv)
    from ._identity import Point, find_ensemble
    from ._memory import RunTooLarge
    from ._reproduce import import_protocols, parse_experiments, reproduce
    from ._runnable import check_runnable
    from .experiments import PROTOCOLS, check_published_fits
    try:
        import_protocols(args.plugins)
        names = parse_experiments(args.experiments)
        params = _apply_sets(_params_for(args.neurons, args.scaling), args.sets)
        check_runnable(params, args.blocks)          # refuse early what cannot run
        check_published_fits(params, args.blocks)    # ... or cannot fit
        for name in names:                           # ... or whose data are damaged
            check = PROTOCOLS[name].check
            if check is not None:
                check()
        blocks = params.protocol.n_blocks if args.blocks is None else args.blocks
        find_ensemble(Point(params.network.N, blocks, args.scaling),   # ... or ensemble
                      path=args.ensemble)
    except ValueError as exc:
        return _error(exc, 2)
    try:
        outcome = reproduce(args.out, seed=args.seed, blocks=args.blocks,
                            experiments=names, progress=args.progress,
                            strict=args.strict, params=params, plugins=args.plugins,
                            workers=_workers(params, args.blocks, len(names)),
                            scaling=args.scaling, ensemble=args.ensemble)
    except KeyboardInterrupt:
        print("sensorynet reproduce: interrupted; the output directory was not changed",
              file=sys.stderr)
        return INTERRUPTED
    except RunTooLarge as exc:    # a network running away during the run
        return _error(exc, 2)
    except OSError as exc:   # e.g. an unwritable output directory
        return _error(exc, 1)
    return outcome.exit_code


def _calibrate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``sensorynet calibrate``: exit 0 done, 2 bad arguments, 1 an unwritable file,
    130 interrupted (finished seeds are kept)."""
    import importlib.util
    if (args.workers is not None or args.scheduler is not None) and any(
            importlib.util.find_spec(m) is None for m in ("distributed",)):
        return _error("--workers/--scheduler need the sweep extra (dask.distributed): "
                      "pip install -e '.[sweep]'", 2, "calibrate")
    from ._calibrate import calibrate
    try:
        calibrate(args.neurons, blocks=args.blocks, rule=args.scaling,
                  n_estimation=args.seeds, n_threshold=args.null_seeds,
                  n_holdout=args.holdout, allow_small=args.allow_small, out=args.out,
                  runs_file=args.runs, workers=args.workers, scheduler=args.scheduler,
                  progress=args.progress, command=" ".join(["sensorynet", *argv]))
    except KeyboardInterrupt:
        print("sensorynet calibrate: interrupted; the finished seeds are kept, run the "
              "same command to resume", file=sys.stderr)
        return INTERRUPTED
    except (ValueError, TypeError, ConnectionError) as exc:
        return _error(exc, 2, "calibrate")
    except OSError as exc:
        return _error(exc, 1, "calibrate")
    return 0


def _error(exc: BaseException | str, status: int, command: str = "reproduce") -> int:
    """Print ``exc`` as one line and return ``status``."""
    msg = " ".join(str(exc).split())      # one line
    print(f"sensorynet {command}: error: {msg}", file=sys.stderr)
    return status
