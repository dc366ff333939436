"""One-command reproduction of the paper: run, measure, plot, check, report.

:func:`reproduce` runs the registered protocols (:data:`sensorynet.experiments.PROTOCOLS`):
``published`` first (docs/model.md §5.1–5.4), since the others start from its learned
network, then any further ones, and writes into one directory:

* ``result_published.npz`` -- the full published run (:func:`sensorynet.load_result`);
* ``metrics.json`` -- the published metrics at top level, each further protocol's
  metrics under its name, every check record (``claims``: the paper's claims as
  one-sided tests, the identity test, findings and sanity checks; docs/claims.md), the
  identity test's details (``identity``: the ensemble, D², p, the fingerprint) and run
  information (``run``);
* each protocol's figures (PNG, named by the registry);
* ``report.md`` -- every check in a table (:mod:`sensorynet._report`).

The identity test runs once per call, over the fingerprints of the protocols that ran
(``fingerprint()`` of their results), against the ensemble of the run's configuration
(:func:`~sensorynet.experiments.find_ensemble`); a damaged ensemble file is reported
before any simulation, as are damaged data files of the protocols (``Protocol.check``).

A run is written into a fresh directory beside ``out_dir`` and moved into place only
when complete; while it is being moved, ``out_dir`` holds an ``INCOMPLETE`` marker, so
a directory holding files of two runs never looks complete. The further protocols
run as jobs (:mod:`sensorynet._jobs`) on ``workers`` processes that read the saved
result file, as does a job drawing every second published figure while this process
draws the others; or all in this process: same results either way. A failing protocol is
reported and skipped; the rest is still written and the exit code is 1.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ._identity import (
    IdentityEnsemble,
    Point,
    find_ensemble,
    identity_not_tested,
    identity_record,
)
from ._jobs import Job, JobRun
from ._json import jsonable
from ._params import ModelParams
from ._report import (
    EXIT_FAILED,
    EXIT_NOT_EVALUATED,
    EXIT_OK,
    GATING_KINDS,
    changed_params,
    strict_exit_code,
    summary_line,
    write_report,
)
from ._store import load_result, save_result
from ._validate import check_count, check_params, check_seed
from ._version import __version__
from .experiments import PROTOCOLS, Protocol, PublishedRun, RunContext, check_published_fits

__all__ = ["reproduce", "ReproduceOutcome", "parse_experiments", "import_protocols",
           "INCOMPLETE", "MANIFEST", "GATING_KINDS", "strict_exit_code", "EXIT_OK",
           "EXIT_FAILED", "EXIT_NOT_EVALUATED"]


#: marker file present in an output directory while a run is moved into it
INCOMPLETE = "INCOMPLETE"
#: the files of the run an output directory holds (removed before the next run moves in)
MANIFEST = ".sensorynet-run.json"
#: output files besides the figures
RESULT_FILE, METRICS_FILE, REPORT_FILE = "result_published.npz", "metrics.json", "report.md"
_DPI = 150
#: zlib level of the PNGs: level 3 encodes faster than the default 6, files no larger
_PNG_COMPRESS_LEVEL = 3


@dataclass
class ReproduceOutcome:
    """What :func:`reproduce` did.

    Attributes
    ----------
    exit_code : int
        Without ``strict``: 0, or 1 when a protocol failed. With ``strict``
        (:func:`strict_exit_code`): 0 every check evaluated and holds, 1 a claim of the
        paper, the identity test or a sanity check fails, 3 something could not be
        evaluated (identity not calibrated for this configuration, a protocol that did
        not run).
    out_dir : pathlib.Path
    metrics : dict
        Contents of ``metrics.json``.
    claims : list of dict
        Every check record (``experiment``, ``claim``, ``kind``, ``measured``,
        ``expected``, ``holds``, ...).
    errors : dict
        Protocol name -> error message.
    files : list of pathlib.Path
        Every file written.
    runtime_s : float
        Wall-clock time, s.
    """

    exit_code: int
    out_dir: pathlib.Path
    metrics: dict[str, Any]
    claims: list[dict[str, Any]]
    errors: dict[str, str] = field(default_factory=dict)
    files: list[pathlib.Path] = field(default_factory=list)
    runtime_s: float = 0.0


def parse_experiments(spec: str | Iterable[str]) -> list[str]:
    """Protocol names from ``"all"`` or a comma list, in registry order, ``published``
    first.

    Raises
    ------
    ValueError
        For an empty list or an unknown name (the message lists the registered ones).
    """
    if isinstance(spec, str):
        items = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        items = [str(s) for s in spec]
    names = list(PROTOCOLS)
    if not items:
        raise ValueError(f"experiments: empty list; use 'all' or names from {names}")
    if "all" in items:
        return names
    unknown = [s for s in items if s not in PROTOCOLS]
    if unknown:
        raise ValueError(f"experiments: unknown name(s) {unknown}; valid: 'all' or "
                         f"{', '.join(names)}")
    return [n for n in names if n == "published" or n in items]


def import_protocols(modules: Sequence[str]) -> list[str]:
    """Import modules that register protocols: dotted module names, or paths of
    ``.py`` files. Returns the names of the protocols they registered.

    Raises
    ------
    ValueError
        If a module cannot be found or raises while it is imported.
    """
    before = set(PROTOCOLS)
    for spec in modules:
        try:
            if spec.endswith(".py"):
                path = pathlib.Path(spec).resolve()
                if not path.is_file():
                    raise FileNotFoundError(f"no such file: {path}")
                name = f"sensorynet_plugin_{path.stem}"
                if name not in sys.modules:
                    loader = importlib.util.spec_from_file_location(name, path)
                    assert loader is not None and loader.loader is not None
                    module = importlib.util.module_from_spec(loader)
                    sys.modules[name] = module
                    try:
                        loader.loader.exec_module(module)
                    except BaseException:
                        del sys.modules[name]
                        raise
            else:
                importlib.import_module(spec)
        except Exception as exc:  # noqa: BLE001 -- one line naming the module
            raise ValueError(f"--import {spec}: {type(exc).__name__}: {exc}") from None
    return [n for n in PROTOCOLS if n not in before]


@contextlib.contextmanager
def _writing(path: pathlib.Path) -> Iterator[None]:
    """Name the file in an ``OSError`` raised while writing it (a full disk says only
    "No space left on device")."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or str(path) in str(exc):
            raise
        raise OSError(exc.errno, f"{exc.strerror or exc} (writing {path})", str(path)) from exc


def save_figure(fig: Any, path: pathlib.Path) -> None:
    """Write ``fig`` as a PNG of ``_DPI`` dpi, drawn once, and close it.

    ``fig.savefig`` draws a figure with a layout engine twice (a layout pass, then the
    rendering); one ``canvas.draw()`` runs the layout engine before any artist and gives
    the same pixels, encoded as savefig does. Falls back to ``savefig`` when
    savefig-only rc settings are in effect.
    """
    import matplotlib as mpl
    rc = mpl.rcParams
    if (rc["savefig.bbox"] == "tight" or rc["savefig.transparent"]
            or any(not (isinstance(rc[k], str) and rc[k] == "auto")
                   for k in ("savefig.facecolor", "savefig.edgecolor"))):
        fig.savefig(path, dpi=_DPI, pil_kwargs={"compress_level": _PNG_COMPRESS_LEVEL})
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.image import imsave
        fig.set_dpi(_DPI)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        imsave(path, canvas.buffer_rgba(), format="png", origin="upper", dpi=_DPI,
               pil_kwargs={"compress_level": _PNG_COMPRESS_LEVEL})
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:     # a protocol's figure made with pyplot would stay in its registry
        plt.close(fig)


def _draw(protocol: Protocol, result: Any, out: pathlib.Path) -> list[str]:
    stems = []
    for stem, make in protocol.figure_makers(result).items():
        with _writing(out / f"{stem}.png"):
            save_figure(make(), out / f"{stem}.png")
        stems.append(stem)
    return stems


def _published_figures_job(stems: tuple[str, ...], published: Any, out: str) -> list[str]:
    """Draw the published run's figures named ``stems`` (a :class:`~sensorynet._jobs.Job`
    beside this process, which draws the others meanwhile).

    ``published`` is the :class:`~sensorynet.experiments.PublishedRun`, or in a worker
    process the path of its result file. Returns the stems drawn; raises on failure.
    """
    if isinstance(published, (str, os.PathLike)):
        published = PublishedRun(load_result(published))
    makers = PROTOCOLS["published"].figure_makers(published)
    drawn = []
    for stem in stems:
        if stem in makers:
            with _writing(pathlib.Path(out) / f"{stem}.png"):
                save_figure(makers[stem](), pathlib.Path(out) / f"{stem}.png")
            drawn.append(stem)
    return drawn


def _protocol_job(name: str, published: Any, params: ModelParams, seed: int,
                  n_blocks: int, out: str, progress: bool,
                  plugins: tuple[str, ...], fingerprint: bool = False) -> dict[str, Any]:
    """Run one further protocol and draw its figures (a :class:`~sensorynet._jobs.Job`).

    ``published`` is the learned run, or in a worker process the path of its result
    file. Returns metrics, claims, figure stems, run time and (with ``fingerprint``,
    when the result has one) its fingerprint; raises on failure.
    """
    t0 = time.perf_counter()
    if plugins:
        import_protocols(plugins)
    if isinstance(published, (str, os.PathLike)):
        published = load_result(published)
    protocol = PROTOCOLS[name]
    ctx = RunContext(params, seed, n_blocks, progress, published)
    result = protocol.run(ctx)
    stems = _draw(protocol, result, pathlib.Path(out))
    fp = result.fingerprint() if fingerprint and hasattr(result, "fingerprint") else None
    return {"metrics": jsonable(result.metrics()), "claims": result.claims(),
            "stems": stems, "runtime": time.perf_counter() - t0,
            "fingerprint": None if fp is None else dict(fp)}


def _stage_dir(out: pathlib.Path) -> pathlib.Path:
    """A fresh directory beside ``out``, named after this process; those of killed runs
    (their process gone) are removed first."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}.partial-"
    for old in parent.glob(prefix + "*"):
        pid = old.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return pathlib.Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:          # someone else's process
        return True
    return True


def _previous_files(out: pathlib.Path) -> set[str]:
    """Files of the run ``out`` holds: its manifest, else every name a run may write."""
    try:
        names = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {str(n) for n in names if isinstance(n, str) and "/" not in n}
    except (OSError, ValueError, KeyError, TypeError):
        stems = [f.stem for p in PROTOCOLS.values() for f in p.figures]
        return {RESULT_FILE, METRICS_FILE, REPORT_FILE, *(f"{s}.png" for s in stems)}


def _commit(stage: pathlib.Path, out: pathlib.Path, names: list[str]) -> None:
    """Move the finished run from ``stage`` into ``out``, under the INCOMPLETE marker."""
    out.mkdir(parents=True, exist_ok=True)
    marker = out / INCOMPLETE
    marker.write_text("sensorynet reproduce is moving a run into this directory, or was "
                      "stopped while doing so: the files may come from two runs. Run "
                      "the command again.\n", encoding="utf-8")
    for old in _previous_files(out) - set(names):
        (out / old).unlink(missing_ok=True)
    for name in names:
        os.replace(stage / name, out / name)
    (out / MANIFEST).write_text(json.dumps({"files": names}), encoding="utf-8")
    marker.unlink()


def reproduce(out_dir: str | os.PathLike[str] = "results", *, seed: int = 0,
              blocks: int | None = None, experiments: str | Iterable[str] = ("published",),
              params: ModelParams | None = None, progress: bool = True,
              strict: bool = False, log: Callable[[str], Any] = print,
              workers: int = 1, plugins: Sequence[str] = (), scaling: str | None = None,
              ensemble: str | os.PathLike[str] | None = None) -> ReproduceOutcome:
    """Run the protocols and write figures, metrics, a report and the result file.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output directory (created if needed). The files of the run it holds are
        replaced; other files are left alone.
    seed : int
        Root seed (>= 0).
    blocks : int, optional
        Learning blocks (>= 0); default ``params.protocol.n_blocks`` (40).
    experiments : str or sequence of str
        ``"all"`` or registered protocol names; ``published`` always runs first.
    params : ModelParams, optional
        Default: the published parameters.
    progress : bool
        Progress bars.
    strict : bool
        Exit code by the checks (:func:`strict_exit_code`): 0 only when every claim of
        the paper, the identity test and every sanity check was evaluated and holds; 1
        when one fails; 3 when something could not be evaluated. Findings of this
        package are reported but do not count.
    log : callable
        Receives one line of progress text at a time (default ``print``).
    workers : int
        Processes for the jobs beside this one: every second published figure and each
        further protocol (same results for any number; 1 runs everything in this
        process).
    plugins : sequence of str
        Modules (names or ``.py`` paths) that register further protocols; imported
        here and in each worker.
    scaling : str, optional
        The scaling rule ``params`` were made with when N != 500 (default
        ``DEFAULT_SCALING``): with N and ``blocks`` it names the configuration whose
        identity ensemble the run is tested against (``--set`` changes are what the
        test judges).
    ensemble : path, optional
        An identity ensemble file to test against (default: the packaged one at N = 500
        and 40 blocks, else the one ``sensorynet calibrate`` wrote into the results
        cache; without one, identity is reported as not tested).

    Returns
    -------
    ReproduceOutcome
    """
    seed = check_seed(seed)
    params = check_params(params)
    blocks = check_count(blocks, "blocks", default=params.protocol.n_blocks)
    plugins = tuple(str(p) for p in plugins)
    import_protocols(plugins)
    names = parse_experiments(experiments)
    check_published_fits(params, blocks)
    for name in names:                 # damaged data files are found now, not after the run
        check = PROTOCOLS[name].check
        if check is not None:
            check()
    point = Point(params.network.N, blocks, scaling)
    ens, note = find_ensemble(point, path=ensemble)      # ... and damaged ensembles
    out = pathlib.Path(out_dir)
    t_start = time.perf_counter()
    stage = _stage_dir(out)
    try:
        return _reproduce(out, stage, seed, blocks, names, params, progress, strict, log,
                          workers, plugins, t_start, ens, note)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _reproduce(out: pathlib.Path, stage: pathlib.Path, seed: int, blocks: int,
               names: list[str], params: ModelParams, progress: bool, strict: bool,
               log: Callable[[str], Any], workers: int, plugins: tuple[str, ...],
               t_start: float, ens: IdentityEnsemble | None,
               identity_note: str | None) -> ReproduceOutcome:
    runtimes: dict[str, float] = {}
    errors: dict[str, str] = {}
    log(f"[published] N={params.network.N}, seed {seed}, {blocks} learning blocks ...")
    t0 = time.perf_counter()
    published = PROTOCOLS["published"]
    # the registered "published" protocol returns the learned run with its result
    pub = cast(PublishedRun, published.run(RunContext(params, seed, blocks, progress)))
    runtimes["published simulation"] = time.perf_counter() - t0
    save_result(pub.result, stage / RESULT_FILE)
    want_fp = ens is not None
    # with worker processes, one of them draws every second published figure while
    # this process draws the rest: the figures take most of a plain run's time
    stems = [f.stem for f in published.figures]
    shared = tuple(stems[::2]) if workers >= 2 else ()
    # resolving the figure functions imports the plotting code (matplotlib) here,
    # before the workers start, so that a forked worker does not import it again
    published.figure_makers(pub)
    jobs = [Job(_published_figures_job, (shared, str(stage / RESULT_FILE), str(stage)),
                local_args=(shared, pub, str(stage)), cost=len(shared))] if shared else []
    jobs += [Job(_protocol_job,
                (n, str(stage / RESULT_FILE), params, seed, blocks, str(stage), progress,
                 plugins, want_fp),
                local_args=(n, pub.result, params, seed, blocks, str(stage), progress,
                            plugins, want_fp),
                cost=PROTOCOLS[n].cost_s)
            for n in names[1:]]
    fingerprints: dict[str, dict[str, float]] = {}
    for name in names[1:]:
        log(f"[{name}] running ...")
    with JobRun(jobs, workers) as run:
        # meanwhile, in this process: the (other) published figures, metrics and checks
        here = _published_figures_job(tuple(s for s in stems if s not in shared), pub,
                                      str(stage))
        metrics = jsonable(pub.metrics())
        claims = [{"experiment": "published", **c} for c in pub.claims()]
        if want_fp:
            fingerprints["published"] = dict(pub.fingerprint())
        r, s = metrics["rates"], metrics["specificity_EE"]["final"]
        log(f"[published] E {r['before']['E']:.2f} → {r['after']['E']:.2f} Hz, "
            f"I {r['before']['I']:.2f} → {r['after']['I']:.2f} Hz; E→E specificity "
            + " / ".join(f"{v:.3f}" for v in s) + f" mV ({time.perf_counter() - t0:.1f} s)")
        runtimes["published figures and files"] = (time.perf_counter() - t0
                                                   - runtimes["published simulation"])
        done = run.wait()
    if run.fallback:
        log(f"(worker processes unavailable, ran in this process: {run.fallback})")
    if shared:
        drawn, *done = done
        if drawn.error is not None:     # as if this process had failed to draw it
            print(drawn.traceback, file=sys.stderr)
            raise RuntimeError(f"drawing the published figures failed: {drawn.error}")
        here += drawn.value
    figures = [s for s in stems if s in here]          # the protocol's order
    for name, res in zip(names[1:], done, strict=True):
        if res.error is not None:
            errors[name] = res.error
            print(res.traceback, file=sys.stderr)
            log(f"[{name}] FAILED: {res.error}")
            continue
        value = res.value
        figures += value["stems"]
        runtimes[name] = value["runtime"]
        metrics[name] = value["metrics"]
        claims += [{"experiment": name, **c} for c in value["claims"]]
        if value.get("fingerprint") is not None:
            fingerprints[name] = value["fingerprint"]
        log(f"[{name}] done ({runtimes[name]:.1f} s)")

    if ens is not None:
        ident = identity_record(ens, fingerprints)
        metrics["identity"] = {
            "point": ens.point.to_json(), "ensemble": ens.source, "part": ident["part"],
            "d2": (ident["effect"] or {}).get("estimate"), "p": ident["p"],
            "deviations": ident["deviations"],
            "fingerprint": {k: v for fp in fingerprints.values() for k, v in fp.items()}}
    else:
        ident = identity_not_tested(identity_note or "identity not tested")
        metrics["identity"] = {"note": ident["note"]}
    claims.append(ident)
    runtimes["total"] = time.perf_counter() - t_start
    metrics["claims"] = claims
    metrics["run"] = {"package_version": __version__, "seed": int(seed), "blocks": blocks,
                      "experiments": names, "errors": errors,
                      "runtime_s": {k: round(v, 3) for k, v in runtimes.items()},
                      "params": params.to_dict(), "params_changed": changed_params(params)}
    metrics = jsonable(metrics)
    with _writing(stage / METRICS_FILE):
        (stage / METRICS_FILE).write_text(json.dumps(metrics, indent=2, allow_nan=False),
                                          encoding="utf-8")
    with _writing(stage / REPORT_FILE):
        write_report(stage / REPORT_FILE, metrics=metrics, claims=claims, errors=errors,
                     params=params, seed=seed, blocks=blocks, runtimes=runtimes,
                     figures=figures, version=__version__)
    file_names = [RESULT_FILE, *(f"{s}.png" for s in figures), METRICS_FILE, REPORT_FILE]
    _commit(stage, out, file_names)
    files = [out / n for n in file_names]

    code = strict_exit_code(claims, errors) if strict else (1 if errors else 0)
    log(summary_line(claims, errors) + f"; wrote {len(files)} files to {out} in "
        f"{runtimes['total']:.1f} s" + (f"; --strict exit code {code}" if strict else ""))
    return ReproduceOutcome(code, out, metrics, claims, errors, files, runtimes["total"])
