"""``sensorynet calibrate``: the identity ensemble of the published model at one
configuration (network size, learning blocks, scaling rule).

Runs the published protocol and the tuning protocol (what ``reproduce --experiments
all`` runs for the fingerprint) on two disjoint sets of seeds — estimation seeds from
:data:`ESTIMATION_SEED0`, threshold seeds from :data:`THRESHOLD_SEED0`, and optionally
held-out seeds from :data:`HOLDOUT_SEED0` to measure the false-alarm rate — and fits
the identity test (:func:`sensorynet.experiments.fit_identity_part`) on them.

Every finished seed's fingerprints are appended at once to a runs file (JSON lines,
``<ensemble dir>/runs/``): an interrupted calibration loses nothing, and the same
command resumes it. The seeds run in this process, or on a Dask cluster (``workers`` or
``scheduler``; needs the ``sweep`` extra). No seed the tests use (< 100) or the issue's
unseen seeds (3101–3112) is among them.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import pathlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ._identity import (
    MIN_RUNS,
    PARTS,
    IdentityEnsemble,
    Point,
    ensemble_dir,
    ensemble_file_name,
    fit_identity_part,
    published_point_params,
)
from ._version import __version__
from .analysis import Fingerprint
from .experiments import run_published, run_tuning

__all__ = ["calibrate", "calibration_run", "CalibrationOutcome", "ESTIMATION_SEED0",
           "THRESHOLD_SEED0", "HOLDOUT_SEED0", "runs_file_for"]

#: first seed of the estimation set A (then A + 1, ...)
ESTIMATION_SEED0 = 10_000
#: first seed of the held-out set C (false-alarm check only)
HOLDOUT_SEED0 = 20_000
#: first seed of the threshold set B
THRESHOLD_SEED0 = 21_000
_MAX_ESTIMATION = HOLDOUT_SEED0 - ESTIMATION_SEED0
_MAX_HOLDOUT = THRESHOLD_SEED0 - HOLDOUT_SEED0
RUNS_FORMAT = "sensorynet-calibration-runs"


@dataclass
class CalibrationOutcome:
    """What :func:`calibrate` did.

    Attributes
    ----------
    ensemble : IdentityEnsemble
    path : pathlib.Path
        The ensemble file written.
    runs_file : pathlib.Path
        The per-seed fingerprints (kept; the same command resumes from it).
    n_computed : int
        Seeds run now (the others were in the runs file already).
    runtime_s : float
        Wall-clock time, s.
    holdout : dict
        Per part: ``n``, ``rejected`` and ``rejected_seeds`` of the held-out seeds.
    """

    ensemble: IdentityEnsemble
    path: pathlib.Path
    runs_file: pathlib.Path
    n_computed: int
    runtime_s: float
    holdout: dict[str, Any]


def calibration_run(N: int, blocks: int, rule: str | None, seed: int,
                    changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """One seed of a calibration: the published protocol and the tuning protocol of the
    published model at (N, blocks, rule), and both fingerprint parts.

    Parameters
    ----------
    N, blocks, rule : the configuration (:class:`~sensorynet.experiments.Point`).
    seed : int
    changes : dict, optional
        ``ModelParams.replace`` changes (a wrong model, for the power study); a
        calibration never passes any.

    Returns
    -------
    dict
        ``seed``, ``fingerprints`` (``{"published": ..., "selectivity": ...}``,
        :meth:`Fingerprint.to_json`) and ``time_s``.
    """
    t0 = time.perf_counter()
    params = published_point_params(N, rule)
    if changes:
        params = params.replace(**changes)
    res = run_published(params, seed, n_blocks=blocks, progress=False)
    fp = Fingerprint.published(res)
    before = run_tuning(res.W0, res.po, params, seed)
    after = run_tuning(res.W, res.po, params, seed)
    ft = Fingerprint.tuning(res.W0, res.W, res.po, res.n_exc, before, after)
    return {"seed": int(seed), "fingerprints": {"published": fp.to_json(),
                                                "selectivity": ft.to_json()},
            "time_s": round(time.perf_counter() - t0, 3)}


def runs_file_for(point: Point, cache_dir: str | os.PathLike[str] | None = None
                  ) -> pathlib.Path:
    """Default runs file of ``point``'s calibration."""
    stem = ensemble_file_name(point).removesuffix(".json")
    return ensemble_dir(cache_dir) / "runs" / f"{stem}.runs.jsonl"


def _header(point: Point) -> dict[str, Any]:
    return {"format": RUNS_FORMAT, "point": point.to_json(),
            "params": published_point_params(point.N, point.rule).to_dict(),
            "fingerprint_version": Fingerprint.VERSION}


def _read_runs(path: pathlib.Path, point: Point) -> dict[int, dict[str, Any]]:
    """Finished seeds of a runs file (a torn last line, from a killed run, is cut)."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):        # a line cut by a kill: drop it
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as fh:
            fh.truncate(cut)
        data = data[:cut]
    lines = data.decode("utf-8").splitlines()
    if not lines:
        return {}
    try:
        head = json.loads(lines[0])
    except ValueError:
        raise ValueError(f"calibration runs file {path}: its first line is not a JSON "
                         "header; remove the file to start afresh") from None
    want = _header(point)
    if not isinstance(head, dict) or head.get("format") != RUNS_FORMAT:
        raise ValueError(f"calibration runs file {path} is not a sensorynet runs file")
    for key in ("point", "params", "fingerprint_version"):
        if head.get(key) != want[key]:
            raise ValueError(f"calibration runs file {path} belongs to another "
                             f"configuration ({key} differs: {head.get(key)!r:.80}); "
                             "remove it or pass --runs with another path")
    runs = {}
    for i, line in enumerate(lines[1:], start=2):
        try:
            rec = json.loads(line)
            seed = rec["seed"]
            fps = {k: Fingerprint.from_json(v) for k, v in rec["fingerprints"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"calibration runs file {path}, line {i}: not a run record "
                             f"({exc}); remove the line or the file") from None
        runs[int(seed)] = {"seed": int(seed), "fingerprints": fps,
                           "time_s": rec.get("time_s")}
    return runs


class _RunsWriter:
    """Appends finished seeds to the runs file, one flushed line each."""

    def __init__(self, path: pathlib.Path, point: Point) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        self.fh = open(path, "a", encoding="utf-8")
        if new:
            self._write(_header(point))

    def _write(self, obj: dict[str, Any]) -> None:
        self.fh.write(json.dumps(obj, allow_nan=False) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def add(self, rec: dict[str, Any]) -> None:
        self._write(rec)

    def close(self) -> None:
        self.fh.close()


def _check_count(v: Any, name: str, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {v!r}")
    return v


def _in_process(tasks: Sequence[tuple[int, int, str | None, int]]) -> Iterable[dict[str, Any]]:
    for t in tasks:
        yield calibration_run(*t)


def _on_dask(tasks: Sequence[tuple[int, int, str | None, int]], client: Any
             ) -> Iterable[dict[str, Any]]:
    from distributed import as_completed
    futures = [client.submit(calibration_run, *t, pure=False, key=f"calibrate-{t[3]}")
               for t in tasks]
    try:
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        for f in futures:
            f.cancel()


def calibrate(N: int = 500, *, blocks: int = 40, rule: str | None = None,
              n_estimation: int = 120, n_threshold: int = 300, n_holdout: int = 0,
              allow_small: bool = False, out: str | os.PathLike[str] | None = None,
              runs_file: str | os.PathLike[str] | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True,
              log: Callable[[str], Any] = print, command: str | None = None
              ) -> CalibrationOutcome:
    """Build the identity ensemble of the published model at (N, blocks, rule).

    Parameters
    ----------
    N : int
        Network size (>= 500; other than 500 rescaled by ``rule``).
    blocks : int
        Learning blocks (>= 0).
    rule : str, optional
        Scaling rule for N != 500 (default ``DEFAULT_SCALING``).
    n_estimation, n_threshold : int
        Seeds of the estimation and the threshold set (>= 100 each for the ≤ 1 %
        false-alarm guarantee; fewer only with ``allow_small``, and the ensemble then
        carries a warning).
    n_holdout : int
        Further seeds tested against the finished ensemble (false-alarm check), stored
        in the file.
    allow_small : bool
        Accept fewer than 100 seeds per set (for tests and trials).
    out : path, optional
        Ensemble file (default: ``ensembles/`` in the results cache, where
        ``reproduce`` looks).
    runs_file : path, optional
        Per-seed fingerprints (default :func:`runs_file_for`).
    workers : int, optional
        Run the seeds on a local Dask cluster of this many worker processes.
    scheduler : str, optional
        Run them on the Dask scheduler at this address (or scheduler file).
    progress : bool
        Progress bar.
    log : callable
        Receives one line of text at a time.
    command : str, optional
        The command line, stored in the ensemble (default: the equivalent
        ``sensorynet calibrate`` command).

    Returns
    -------
    CalibrationOutcome
    """
    t_start = time.perf_counter()
    point = Point(_check_count(N, "N", 500, 10**7), _check_count(blocks, "blocks", 0, 10**6),
                  rule)
    published_point_params(point.N, point.rule)           # validates N and the rule
    n_estimation = _check_count(n_estimation, "n_estimation", 3, _MAX_ESTIMATION)
    n_threshold = _check_count(n_threshold, "n_threshold", 3, 10**6)
    n_holdout = _check_count(n_holdout, "n_holdout", 0, _MAX_HOLDOUT)
    small = [f"{n} {what} seeds" for n, what in ((n_estimation, "estimation"),
                                                  (n_threshold, "threshold")) if n < MIN_RUNS]
    if small and not allow_small:
        raise ValueError(f"{' and '.join(small)} are fewer than {MIN_RUNS}: too few for the "
                         "≤ 1 % false-alarm guarantee (pass allow_small / --allow-small to "
                         "build a trial ensemble anyway)")
    if workers is not None and scheduler is not None:
        raise ValueError("give workers or scheduler, not both")
    if workers is not None:
        _check_count(workers, "workers", 1, 4096)
    out_path = (ensemble_dir() / ensemble_file_name(point) if out is None
                else pathlib.Path(out).expanduser())
    runs_path = runs_file_for(point) if runs_file is None else pathlib.Path(runs_file)
    if command is None:
        command = f"{point.calibrate_command()} --seeds {n_estimation} " \
                  f"--null-seeds {n_threshold}" + (f" --holdout {n_holdout}" if n_holdout
                                                   else "")
    sets = {"estimation": [ESTIMATION_SEED0 + i for i in range(n_estimation)],
            "threshold": [THRESHOLD_SEED0 + i for i in range(n_threshold)],
            "holdout": [HOLDOUT_SEED0 + i for i in range(n_holdout)]}
    done = _read_runs(runs_path, point)
    todo = [s for v in sets.values() for s in v if s not in done]
    log(f"calibrate: {point.describe()}: {n_estimation} estimation + {n_threshold} "
        f"threshold" + (f" + {n_holdout} held-out" if n_holdout else "") + " seeds; "
        f"{len(done)} done in {runs_path}, {len(todo)} to run")
    n_computed = 0
    if todo:
        tasks = [(point.N, point.blocks, point.rule, s) for s in todo]
        writer = _RunsWriter(runs_path, point)
        try:
            with _engine(tasks, workers, scheduler, log) as results:
                from ._progress import progress_bar
                t0 = time.perf_counter()
                for rec in progress_bar(results, progress, "calibrate", len(tasks)):
                    writer.add(rec)
                    done[rec["seed"]] = {
                        "seed": rec["seed"], "time_s": rec["time_s"],
                        "fingerprints": {k: Fingerprint.from_json(v)
                                         for k, v in rec["fingerprints"].items()}}
                    n_computed += 1
                    if not progress and (n_computed % max(1, len(tasks) // 20) == 0
                                         or n_computed == len(tasks)):
                        el = time.perf_counter() - t0
                        log(f"calibrate: {n_computed}/{len(tasks)} seeds, "
                            f"{el / n_computed:.2f} s per seed, about "
                            f"{el / n_computed * (len(tasks) - n_computed) / 60:.1f} min left")
        finally:
            writer.close()

    def fps(which: str, part: str) -> list[Fingerprint]:
        out_ = []
        for s in sets[which]:
            f = done[s]["fingerprints"]
            merged = Fingerprint()
            for proto in PARTS[part]:
                merged = merged.merged(f[proto])
            out_.append(merged)
        return out_
    parts = {name: fit_identity_part(name, fps("estimation", name), fps("threshold", name))
             for name in PARTS}
    warnings = []
    if small:
        warnings.append(f"trial ensemble: {' and '.join(small)}, fewer than {MIN_RUNS}; too "
                        "few for the ≤ 1 % false-alarm guarantee")
    holdout: dict[str, Any] = {}
    if n_holdout:
        for name, part in parts.items():
            rej = [s for s, f in zip(sets["holdout"], fps("holdout", name), strict=True)
                   if not part.test(f).holds]
            holdout[name] = {"n": n_holdout, "rejected": len(rej), "rejected_seeds": rej,
                             "seeds": [sets["holdout"][0], sets["holdout"][-1]]}
    used = [s for v in sets.values() for s in v]
    ens = IdentityEnsemble(point, published_point_params(point.N, point.rule).to_dict(),
                           parts, {"estimation": sets["estimation"],
                                   "threshold": sets["threshold"]},
                           __version__, command, _now(), warnings, str(out_path),
                           holdout, {"median_per_seed_s": _median(
                               [done[s]["time_s"] for s in used if done[s].get("time_s")])})
    ens.save(out_path)
    ens = IdentityEnsemble.load(out_path)
    runtime = time.perf_counter() - t_start
    for name, part in parts.items():
        h = holdout.get(name)
        log(f"calibrate: part {name!r}: {part.n_stats} statistics admitted "
            f"({len(part.dropped)} not), λ = {part.lam:.3f}, D² threshold "
            f"{part.threshold:.1f}" + (f"; held-out false alarms {h['rejected']}/{h['n']}"
                                       if h else ""))
    log(f"calibrate: wrote {out_path} ({n_computed} seeds run now, {runtime / 60:.1f} min)")
    return CalibrationOutcome(ens, out_path, runs_path, n_computed, runtime, holdout)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _median(v: list[float]) -> float | None:
    v = sorted(x for x in v if isinstance(x, (int, float)) and math.isfinite(x))
    if not v:
        return None
    m = len(v) // 2
    return v[m] if len(v) % 2 else 0.5 * (v[m - 1] + v[m])


class _engine:
    """Context manager yielding the results of the tasks, in this process or on Dask."""

    def __init__(self, tasks: Sequence[tuple[int, int, str | None, int]],
                 workers: int | None, scheduler: str | None,
                 log: Callable[[str], Any]) -> None:
        self.tasks, self.workers, self.scheduler, self.log = tasks, workers, scheduler, log
        self._stack: list[Any] = []

    def __enter__(self) -> Iterable[dict[str, Any]]:
        if self.workers is None and self.scheduler is None:
            return _in_process(self.tasks)
        from distributed import Client

        from .sweep import connect, local_cluster
        if self.scheduler is not None:
            client = connect(self.scheduler)
            self._stack.append(client)
            self.log(f"calibrate: on the Dask scheduler {self.scheduler}")
        else:
            cluster = local_cluster(self.workers)
            self._stack.append(cluster)
            client = Client(cluster)
            self._stack.append(client)
            self.log(f"calibrate: on a local Dask cluster of {len(cluster.workers)} "
                     f"worker(s); dashboard {cluster.dashboard_link}")
        return _on_dask(self.tasks, client)

    def __exit__(self, *exc: object) -> None:
        while self._stack:
            obj = self._stack.pop()
            try:
                obj.close()
            except Exception:  # noqa: BLE001 -- closing after an error must not mask it
                pass
