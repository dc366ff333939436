"""One-command reproduction of the paper: run, measure, plot, check, report.

:func:`reproduce` runs the published experiment (docs/model.md §5.1–5.4), then any of the
further experiments of :mod:`sensorynet.experiments.science`, and writes into one directory:

* ``result_published.npz`` -- the full result (:func:`sensorynet.store.load_result`);
* ``metrics.json`` -- :func:`sensorynet.analysis.metrics.published_metrics`, the other
  experiments' metrics merged at top level, the claims and run information;
* ``fig1_rasters.png``, ``fig3abc_weights.png``, ``fig3dg_alignment.png``,
  ``learning_curve.png`` and one PNG per figure of the other experiments;
* ``report.md`` -- a table of every claim (measured, expected band, holds, z), how the
  bands were calibrated (ensemble size, k), the seed, the parameters that differ from the
  published ones, package version and runtime.

The claims of the published experiment are checked against bands from an ensemble of
published runs (:mod:`sensorynet.experiments.claims`), also when ``params`` differ from
the published ones; at another N or block count the claims the ensemble does not cover
are marked not calibrated (``holds`` None), not failed.

The published experiment always runs first, because the others start from its learned
network. Its figures and the further experiments (own seeds, own figures) then run as
independent jobs: on two forked processes from the command line (:mod:`sensorynet._pool`),
in this process for ``workers=1`` (the default here), with the same results. A failing
further experiment is reported and skipped; the rest is still written and the exit code
is non-zero.
"""
from __future__ import annotations

import datetime
import json
import pathlib
import platform
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np

from .experiments.published import run_published
from .experiments.claims import claims_summary, published_claims
from .params import ModelParams
from .analysis.metrics import published_metrics
from ._checks import check_count, check_params, check_seed
from .simulation import start_compiled_code
from .store import save_result
from .experiments.science import run_science_experiment
from ._json import jsonable
from ._background import importing_meanwhile
from ._pool import JobRun

__all__ = ["reproduce", "changed_params", "ReproduceOutcome", "EXPERIMENTS", "SCIENCE_NAMES",
           "PUBLISHED_FIGURES", "parse_experiments"]

#: further experiments, implemented in :mod:`sensorynet.experiments.science`
SCIENCE_NAMES = ("selectivity", "spontaneous", "cardinal", "ablations")
#: every experiment name ``reproduce`` accepts, in run order
EXPERIMENTS = ("published",) + SCIENCE_NAMES
#: file stems of the published experiment's figures
PUBLISHED_FIGURES = ("fig1_rasters", "fig3abc_weights", "fig3dg_alignment", "learning_curve")

_DPI = 150
#: CPU seconds of each further experiment with its figures (benchmarks/USER_WAIT.md);
#: the jobs are handed to the workers longest first, the published figures last
_COST = {"selectivity": 4.3, "ablations": 1.9, "cardinal": 1.1, "spontaneous": 0.6}


@dataclass
class ReproduceOutcome:
    """What :func:`reproduce` did.

    Attributes
    ----------
    exit_code : int
        0 on success; 1 when an experiment failed (or, with ``strict``, a claim
        does not hold; a claim not calibrated for the run is no failure).
    out_dir : pathlib.Path
    metrics : dict
        Contents of ``metrics.json``.
    claims : list of dict
        ``experiment``, ``claim``, ``measured``, ``expected``, ``holds`` (True, False, or
        None = not calibrated for this run), ``z``, ``k`` (None for claims without an
        ensemble band) and, for the published claims, ``mean``, ``sd``, ``published``,
        ``note``.
    errors : dict
        Experiment name -> error message.
    files : list of pathlib.Path
        Every file written.
    runtime_s : float
        Wall-clock time, s.
    """

    exit_code: int
    out_dir: pathlib.Path
    metrics: dict
    claims: list
    errors: dict = field(default_factory=dict)
    files: list = field(default_factory=list)
    runtime_s: float = 0.0


def parse_experiments(spec) -> list:
    """Experiment names from ``"all"`` or a comma list; ``published`` comes first.

    Raises
    ------
    ValueError
        For an empty list or an unknown name (the message lists the valid ones).
    """
    if isinstance(spec, str):
        items = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        items = [str(s) for s in spec]
    if not items:
        raise ValueError(f"experiments: empty list; use 'all' or names from {list(EXPERIMENTS)}")
    if "all" in items:
        return list(EXPERIMENTS)
    unknown = [s for s in items if s not in EXPERIMENTS]
    if unknown:
        raise ValueError(f"experiments: unknown name(s) {unknown}; valid: 'all' or "
                         f"{', '.join(EXPERIMENTS)}")
    return [e for e in EXPERIMENTS if e == "published" or e in items]


def _fmt_cell(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_cell(x) for x in v) + "]"
    return str(v)


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


#: zlib level of the PNGs: measured on the published figures (benchmarks/USER_WAIT.md),
#: level 3 encodes faster than the default 6 and the files come out no larger
_PNG_COMPRESS_LEVEL = 3


def _save_fig(fig, path, files=None):
    """Write ``fig`` as a PNG of ``_DPI`` dpi, drawn once.

    ``fig.savefig`` draws a figure with a layout engine twice (a layout pass, then the
    rendering); ``Figure.draw`` runs the layout engine before any artist, so one draw
    gives the pixels of ``savefig``, encoded as it does (``matplotlib.image.imsave``).
    Falls back to ``savefig`` when savefig-only rc settings are in effect. ``path`` is
    appended to ``files`` if given.
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
    if files is not None:
        files.append(path)
    # figures made with pyplot would otherwise stay alive in its registry
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def _figure_makers(name, results):
    """:func:`sensorynet.plotting.protocols.science_figure_makers`, imported late."""
    from .plotting.protocols import science_figure_makers
    return science_figure_makers(name, results)


def _science_job(name, result, progress, out):
    """A job (:class:`~sensorynet._pool.JobRun`): run one further experiment, draw and
    write its figures; returns metrics, claims, stems written, error and runtime."""
    def job():
        t0, stems, error = time.perf_counter(), [], None
        try:
            res = run_science_experiment(name, result, progress=progress)
            for stem, make in _figure_makers(name, res.pop("results")).items():
                _save_fig(make(), out / f"{stem}.png")
                stems.append(stem)
        except Exception as exc:  # noqa: BLE001 -- one failure must not lose the rest
            res, error = None, f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        return {"metrics": res and res["metrics"], "claims": res and res["claims"],
                "stems": stems, "error": error, "runtime": time.perf_counter() - t0}
    return job


def changed_params(params) -> dict:
    """Parameters that differ from the published ones: ``{"group.name": {"published":
    value, "used": value}}``."""
    base, used = ModelParams().to_dict(), params.to_dict()
    return {f"{g}.{k}": {"published": base[g][k], "used": v}
            for g, vals in used.items() for k, v in vals.items() if base[g][k] != v}


def _holds_cell(c):
    if c["holds"] is None:
        return "– " + (c.get("note") or "not checked")
    return "✓" if c["holds"] else "✗"


def _z_cell(c):
    z = c.get("z")
    return "" if z is None else f"{z:+.2f}"


def _count(n, noun):
    return f"{'?' if n is None else n} {noun}{'' if n == 1 else 's'}"


def _calibration_lines(info):
    seeds = info["seeds"]
    mk = info.get("m_by_kind", {})
    lines = [
        f"Bands: mean ± k·sd of an ensemble of **n = {info['n']}** runs of the published "
        f"model (N = {info['N']}, {info['blocks']} blocks, seeds {seeds[0]}–{seeds[-1]}, "
        f"made by `{info['command']}` with sensorynet {info['package_version']}). "
        f"**k = {info['k']:.3f}** for every band, so that a new seed of the published "
        f"model fails any of the m = {info['m']} band checks of the report "
        f"({_count(mk.get('claim'), 'claim')}, {_count(mk.get('finding'), 'finding')}, "
        f"{_count(mk.get('sanity'), 'sanity check')}; published experiment and selectivity "
        f"analysis) with probability ≤ {info['alpha']:.0%}: Bonferroni (α/m per band, "
        f"two-sided; normal quantile {info['k_normal_bonferroni']:.3f}), widened to a "
        "prediction interval for mean and sd estimated from n seeds (Student t with "
        "n − 1 degrees of freedom, × √(1 + 1/n)); each number is assumed normal across "
        "seeds. z = (measured − mean)/sd. Checks without a band (thresholds, one-sided "
        "tests at p < 0.01) have their test statistic in z or none. The published code's "
        "values (docs/model.md §6) are context; they do not decide pass or fail."]
    h = info.get("holdout") or {}
    if h.get("n"):
        lines.append(f"False alarms on held-out seeds of the published model (every check of "
                     f"`--experiments all`): {len(h['runs_with_a_failed_check'])} of "
                     f"{h['n']} seeds fail any check.")
    ms = info.get("mutation_score") or {}
    if ms.get("killed") is not None:
        lines.append(f"Mutation score: {ms['killed']} of {ms['total']} wrong models fail "
                     f"at least one check on each of 2 seeds (`{ms['command']}`).")
    lines.append("How the checks are calibrated, k, the false-alarm estimate and the "
                 "mutation score: `docs/claims.md` in the sensorynet source tree.")
    return [" ".join(lines), ""]


_HEADER = ["| experiment | claim | measured | expected | holds | z | published code |",
           "|---|---|---|---|---|---|---|"]

#: report sections: kind -> (title, text)
_SECTIONS = (
    ("claim", "Claims of the paper", None),
    ("finding", "Findings of this package",
     "What this package's model does where the paper makes no prediction."),
    ("sanity", "Sanity checks",
     "Construction checks (weights and rates before learning, consistency of the "
     "experiments); not claims of the paper and not counted above."),
)


def _claim_rows(claims):
    return [f"| {_md(c['experiment'])} | {_md(c['claim'])} | "
            f"{_md(_fmt_cell(c['measured']))} | {_md(c['expected'])} | "
            f"{_md(_holds_cell(c))} | {_z_cell(c)} | {_md(c.get('published') or '')} |"
            for c in claims]


def _write_report(path, *, metrics, claims, errors, params, seed, blocks, runtimes,
                  figures, version):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# sensorynet reproduction report",
        "",
        "Sadeh, Clopath & Rotter (2015), *Emergence of functional specificity in "
        "balanced networks with synaptic plasticity*, PLoS Comput Biol 11:e1004307.",
        "",
        "| | |", "|---|---|",
        f"| sensorynet version | {version} |",
        f"| date | {now} |",
        f"| Python / numpy | {platform.python_version()} / {np.__version__} |",
        f"| seed | {seed} |",
        f"| learning blocks | {blocks} |",
        f"| network | N = {metrics.get('N')}, N_E = {metrics.get('n_exc')} |",
        f"| runtime | {runtimes['total']:.1f} s in total; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in runtimes.items() if k != "total") + " |",
        "",
    ]
    for kind, title, text in _SECTIONS:
        rows = [c for c in claims if c.get("kind", "claim") == kind]
        if not rows and kind != "claim":
            continue
        n_held = sum(c["holds"] is True for c in rows)
        n_checked = sum(c["holds"] is not None for c in rows)
        lines += [f"## {title}: {n_held} of {n_checked} checked hold"
                  + (f" ({len(rows) - n_checked} not calibrated for this run)"
                     if n_checked < len(rows) else ""), ""]
        if kind == "claim" and "claims_calibration" in metrics:
            lines += _calibration_lines(metrics["claims_calibration"])
        if text:
            lines += [text, ""]
        lines += _HEADER + _claim_rows(rows) + [""]
    if blocks != params.protocol.n_blocks:
        lines += ["", f"Note: {blocks} learning blocks instead of "
                      f"{params.protocol.n_blocks}; the claims about learning are not "
                      "calibrated for this block count and are not checked."]
    changed = metrics.get("run", {}).get("params_changed", {})
    lines += ["", "## Parameters that differ from the published ones", ""]
    if changed:
        lines += ["| parameter | published | used |", "|---|---|---|"]
        lines += [f"| {k} | {_fmt_cell(v['published'])} | {_fmt_cell(v['used'])} |"
                  for k, v in changed.items()]
    else:
        lines += ["None: the published parameters."]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- **{_md(k)}**: {_md(v)}" for k, v in errors.items()]
    lines += ["", "## Figures", ""]
    lines += [f"### {stem}\n\n![{stem}]({stem}.png)\n" for stem in figures]
    lines += ["## Parameters", "", "| parameter | value |", "|---|---|"]
    for group, vals in params.to_dict().items():
        lines += [f"| {group}.{k} | {_fmt_cell(v)} |" for k, v in vals.items()]
    lines += ["", "As JSON (`ModelParams.from_dict`):", "", "```json",
              json.dumps(params.to_dict(), indent=2), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def reproduce(out_dir="results", *, seed=0, blocks=None, experiments=("published",),
              params=None, progress=True, strict=False, log=print,
              workers=1) -> ReproduceOutcome:
    """Run the experiments and write figures, metrics and a report to ``out_dir``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output directory (created if needed; existing files are overwritten).
    seed : int
        Root seed (>= 0).
    blocks : int, optional
        Learning blocks (>= 0); default ``params.protocol.n_blocks`` (40).
    experiments : str or sequence of str
        ``"all"`` or names from :data:`EXPERIMENTS`; ``published`` always runs first.
    params : ModelParams, optional
        Default: the published parameters.
    progress : bool
        tqdm progress bars.
    strict : bool
        Also return a non-zero exit code when a claim does not hold.
    log : callable
        Receives one line of progress text at a time (default ``print``).
    workers : int
        Forked worker processes for the figures and further experiments (same results
        for any number); the command line uses 2 (``$SENSORYNET_WORKERS``).

    Returns
    -------
    ReproduceOutcome
    """
    check_seed(seed)
    params = check_params(params)
    blocks = check_count(blocks, "blocks", default=params.protocol.n_blocks)
    names = parse_experiments(experiments)
    from ._version import __version__

    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    runtimes, files, errors, figures = {}, [], {}, list(PUBLISHED_FIGURES)
    # the figure modules are imported during the simulation (numba kernels release the
    # GIL), after numba's own start-up, which would compete with them for the GIL
    start_compiled_code()
    log(f"[published] N={params.network.N}, seed {seed}, {blocks} learning blocks ...")
    t0 = time.perf_counter()
    with importing_meanwhile(f"{__package__}.plotting.protocols"):
        result = run_published(params, int(seed), n_blocks=blocks, progress=progress)
        runtimes["published simulation"] = time.perf_counter() - t0
    from . import plotting
    makers = (plotting.plot_rasters, plotting.plot_weight_matrices,
              plotting.plot_weights_vs_dpo, plotting.plot_learning_curve)
    # every figure and further experiment is an independent job, run on both cores
    # (forked workers); longest first: the experiments, then the figures
    pub_paths = [out / f"{stem}.png" for stem in PUBLISHED_FIGURES]
    jobs = ([lambda m=m, p=p: _save_fig(m(result), p) for m, p in zip(makers, pub_paths)]
            + [_science_job(n, result, progress, out) for n in names[1:]])
    order = sorted(range(4, len(jobs)), key=lambda i: -_COST[names[i - 3]]) + [0, 1, 2, 3]
    for name in names[1:]:
        log(f"[{name}] running ...")
    with JobRun(jobs, workers=workers, order=order) as run:
        files.append(save_result(result, out / "result_published.npz"))
        metrics = published_metrics(result)
        claims = [{"experiment": "published", **c} for c in published_claims(metrics)]
        metrics["claims_calibration"] = claims_summary()
        r, s = metrics["rates"], metrics["specificity_EE"]["final"]
        log(f"[published] E {r['before']['E']:.2f} → {r['after']['E']:.2f} Hz, "
            f"I {r['before']['I']:.2f} → {r['after']['I']:.2f} Hz; E→E specificity "
            + " / ".join(f"{v:.3f}" for v in s) + f" mV ({time.perf_counter() - t0:.1f} s)")
        done = run.wait()
    for make, path, (_, err) in zip(makers, pub_paths, done):
        if err is not None:           # raise the error here, as drawing in process does
            _save_fig(make(result), path)
        files.append(path)
    runtimes["published figures and files" if len(names) == 1 else "figures, files and "
             "further experiments"] = (time.perf_counter() - t0
                                       - runtimes["published simulation"])

    for name, (res, err) in zip(names[1:], done[4:]):
        if err is not None:           # the worker itself failed
            res = {"metrics": None, "claims": None, "stems": [], "runtime": 0.0,
                   "error": err[0]}
        files += [out / f"{stem}.png" for stem in res["stems"]]
        figures += res["stems"]
        runtimes[name] = res["runtime"]
        if res["error"] is not None:
            errors[name] = res["error"]
            log(f"[{name}] FAILED: {errors[name]}")
            continue
        for key, val in dict(res["metrics"]).items():
            # never let an experiment overwrite the published numbers
            target = key if key not in metrics else f"{name}.{key}"
            metrics[target] = val
        claims += [{"experiment": name, **c, "kind": c.get("kind", "claim"),
                    "z": c.get("z"), "k": c.get("k")}
                   for c in res["claims"]]
        log(f"[{name}] done ({runtimes[name]:.1f} s)")

    runtimes["total"] = time.perf_counter() - t_start
    metrics["claims"] = claims
    metrics["run"] = {"package_version": __version__, "seed": int(seed), "blocks": blocks,
                      "experiments": names, "errors": errors,
                      "runtime_s": {k: round(v, 3) for k, v in runtimes.items()},
                      "params": params.to_dict(), "params_changed": changed_params(params)}
    metrics = jsonable(metrics)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, allow_nan=False),
                                      encoding="utf-8")
    files.append(out / "metrics.json")
    _write_report(out / "report.md", metrics=metrics, claims=claims, errors=errors,
                  params=params, seed=seed, blocks=blocks, runtimes=runtimes,
                  figures=figures, version=__version__)
    files.append(out / "report.md")
    paper = [c for c in claims if c.get("kind", "claim") == "claim"]
    held = sum(c["holds"] is True for c in paper)
    failed = sum(c["holds"] is False for c in paper)
    unchecked = len(paper) - held - failed
    other_failed = sum(c["holds"] is False for c in claims) - failed
    log(f"{held} of {held + failed} checked claims of the paper hold"
        + (f" ({unchecked} not calibrated for this run)" if unchecked else "")
        + (f"; {other_failed} finding/sanity check(s) failed" if other_failed else "")
        + f"; {len(errors)} experiment(s) failed; "
        f"wrote {len(files)} files to {out} in {runtimes['total']:.1f} s")
    code = 1 if errors or (strict and (failed or other_failed)) else 0
    return ReproduceOutcome(code, out, metrics, claims, errors, files, runtimes["total"])
