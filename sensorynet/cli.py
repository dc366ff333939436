"""Command line: ``sensorynet reproduce ...`` and ``sensorynet sweep ...``.

``reproduce`` runs the paper's experiments and writes figures, metrics and a report
(:mod:`sensorynet.reproduce`). ``sweep`` hands its arguments unchanged to
``sensorynet.sweep.cli_main``.

:func:`main` never raises ``SystemExit``: it returns the exit status, so it can be
called from tests and notebooks (the console script passes it to ``sys.exit``).
"""
from __future__ import annotations

import argparse
import gc
import sys

__all__ = ["main", "run", "build_parser"]


def _non_negative_int(name):
    def parse(text):
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


def _params_for(n_neurons, scaling=None):
    """Published parameters, rescaled to ``n_neurons`` by the rule ``scaling``
    (:func:`sensorynet.network.scaled_model`; default ``params.DEFAULT_SCALING``)."""
    from .network import scaled_model
    from .params import ModelParams
    if n_neurons == 500:
        return ModelParams()
    if n_neurons < 500:
        raise ValueError(f"--neurons must be >= 500 (the published size keeps ε_IE = 1; "
                         f"smaller networks cannot keep its in-degree), got {n_neurons}")
    return scaled_model(ModelParams(), n_neurons, rule=scaling)


def _parse_value(text):
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


def _apply_sets(params, assignments):
    """``params`` with every ``NAME=VALUE`` of ``--set`` applied (ModelParams.replace).

    Raises
    ------
    ValueError
        One line naming the bad assignment.
    """
    from .params import canonical_name
    changes = {}
    for item in assignments or ():
        name, sep, text = item.partition("=")
        name = name.strip()
        try:
            if not sep or not name or not text.strip():
                raise ValueError("expected NAME=VALUE, e.g. plasticity.A_LTP=1e-4")
            changes[canonical_name(name)] = _parse_value(text.strip())
        except (TypeError, ValueError) as exc:
            raise ValueError(f"--set {item}: {exc}") from None
    if not changes:
        return params
    try:
        return params.replace(**changes)
    except (TypeError, ValueError) as exc:
        raise ValueError("--set " + " ".join(f"{k}={v}" for k, v in changes.items())
                         + f": {exc}") from None


#: parallel workers only while all processes together are estimated below this: a
#: large network is run one experiment at a time rather than at 3× the memory
PARALLEL_MEMORY_BUDGET = 1.5e9


def _workers(params, blocks):
    """Worker processes for ``reproduce``: :func:`sensorynet._pool.default_workers`, or 1
    when two further experiments at once (each up to one learning run,
    :func:`sensorynet.memory.estimate_run_bytes`) beside the published run would not
    fit in the available memory or exceed :data:`PARALLEL_MEMORY_BUDGET`."""
    from ._pool import default_workers
    from .memory import available_bytes, estimate_run_bytes
    n = default_workers()
    if n > 1:
        run = estimate_run_bytes(params, n_blocks=params.protocol.n_blocks
                                 if blocks is None else blocks, keep_snapshots=True)
        free = available_bytes()
        budget = PARALLEL_MEMORY_BUDGET if free is None else min(free, PARALLEL_MEMORY_BUDGET)
        if (n + 1) * run > budget:
            return 1
    return n


def _experiments(text):
    from .reproduce import parse_experiments
    try:
        return parse_experiments(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sensorynet`` command."""
    from ._version import __version__
    from .params import DEFAULT_SCALING, SCALING_RULES
    from .reproduce import EXPERIMENTS
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
    rep.add_argument("--experiments", type=_experiments, default=["published"],
                     metavar="LIST",
                     help="'all' or a comma-separated list of " + ", ".join(EXPERIMENTS)
                          + " (default: published; published always runs first)")
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


def _sweep(argv) -> int:
    try:
        from .sweep.cli import cli_main
    except ModuleNotFoundError as exc:    # the [sweep] extra (dask, pandas) is missing
        print(f"sensorynet sweep: error: missing dependency {exc.name!r}; install "
              "it with: pip install 'sensorynet[sweep]'", file=sys.stderr)
        return 2
    try:
        rc = cli_main(list(argv))
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


#: young-generation threshold of the garbage collector in the console script (Python's
#: default 700 ran ~330 collections in a warm ``reproduce``; −4 % end to end)
GC_GEN0_THRESHOLD = 10_000


def run() -> int:
    """The ``sensorynet`` console script and ``python -m sensorynet``: :func:`main`
    with fewer young-generation collections (:data:`GC_GEN0_THRESHOLD`), then the
    objects left are frozen out of the garbage collector.

    Interpreter shutdown otherwise runs collections over everything numba and
    matplotlib created, ~0.25 s of a 2-s ``reproduce`` (benchmarks/USER_WAIT.md); every
    file is written and closed by then, and the process ends right after.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, *threshold[1:])
    try:
        rc = main()
    finally:
        gc.set_threshold(*threshold)
    sys.stdout.flush()
    gc.freeze()
    return rc


def main(argv=None) -> int:
    """Entry point of the ``sensorynet`` console script (via :func:`run`).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 success, 1 an experiment failed (or a claim failed with
        ``--strict``), 2 bad arguments or an unavailable command.
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
    # files only, no windows: safe on headless machines and CI
    import matplotlib
    matplotlib.use("Agg")
    from .experiments.published import check_published_fits
    from .reproduce import reproduce
    try:
        params = _apply_sets(_params_for(args.neurons, args.scaling), args.sets)
        check_published_fits(params, args.blocks)    # refuse early what cannot fit
    except ValueError as exc:
        msg = " ".join(str(exc).split())      # one line
        print(f"sensorynet reproduce: error: {msg}", file=sys.stderr)
        return 2
    try:
        outcome = reproduce(args.out, seed=args.seed, blocks=args.blocks,
                            experiments=args.experiments, progress=args.progress,
                            strict=args.strict, params=params,
                            workers=_workers(params, args.blocks))
    except OSError as exc:   # e.g. an unwritable output directory
        print(f"sensorynet reproduce: error: {exc}", file=sys.stderr)
        return 1
    return outcome.exit_code
