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
    from ._params import ModelParams
    from ._scaling import scaled_model
    if n_neurons == 500:
        return ModelParams()
    if n_neurons < 500:
        raise ValueError(f"--neurons must be >= 500 (the published size keeps ε_IE = 1; "
                         f"smaller networks cannot keep its in-degree), got {n_neurons}")
    return scaled_model(ModelParams(), n_neurons, rule=scaling)


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
    """Worker processes for ``reproduce``: one per further protocol, at most 2 and at
    most the CPUs (``$SENSORYNET_WORKERS`` overrides), or 1 (this process) when
    there is at most one job or they would not fit in memory beside the published run."""
    import os

    from ._memory import available_bytes, estimate_run_bytes
    env = os.environ.get("SENSORYNET_WORKERS", "").strip()
    n = int(env) if env.isdigit() and int(env) >= 1 else min(2, os.cpu_count() or 1)
    n = min(n, n_jobs)
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
                    "write PNG figures, metrics.json, report.md and result_published.npz.")
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
                          "an int, a float, true or false. The claims are still checked "
                          "against the published ensemble; report.md lists the changes")
    rep.add_argument("--no-progress", dest="progress", action="store_false",
                     help="no progress bars")
    rep.add_argument("--strict", action="store_true",
                     help="exit with status 1 when a claim does not hold")
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
        Exit status: 0 success, 1 an experiment failed (or a claim failed with
        ``--strict``), 2 bad arguments or an unavailable command, 130
        (:data:`INTERRUPTED`) stopped by Ctrl-C.
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
    except ValueError as exc:
        return _error(exc, 2)
    try:
        outcome = reproduce(args.out, seed=args.seed, blocks=args.blocks,
                            experiments=names, progress=args.progress,
                            strict=args.strict, params=params, plugins=args.plugins,
                            workers=_workers(params, args.blocks, len(names) - 1))
    except KeyboardInterrupt:
        print("sensorynet reproduce: interrupted; the output directory was not changed",
              file=sys.stderr)
        return INTERRUPTED
    except RunTooLarge as exc:    # a network running away during the run
        return _error(exc, 2)
    except OSError as exc:   # e.g. an unwritable output directory
        return _error(exc, 1)
    return outcome.exit_code


def _error(exc: BaseException, status: int) -> int:
    """Print ``exc`` as one line and return ``status``."""
    msg = " ".join(str(exc).split())      # one line
    print(f"sensorynet reproduce: error: {msg}", file=sys.stderr)
    return status
