"""Sweep results: the on-disk store (one JSON line per run) and tables/figures of them.

Layout of a store directory::

    DIR/runs.jsonl   one JSON object per finished run (see :class:`SweepStore`)
    DIR/spec.json    the last spec run into this directory (for :func:`load_sweep`)
    DIR/results.csv  written by the command-line interface at the end of a sweep

Plain JSON, no pickles: the store can be read by any tool (``jq``, ``pandas``), and a
record never executes code when loaded. Records are keyed by the run's content hash
(:attr:`sensorynet.sweep._points.Run.run_id`); when an id appears several times (a run
recomputed with ``retry_errors``) the last line wins. Each line is flushed and fsynced
when written, so a killed driver loses at most the runs still in flight; a torn last
line (killed mid-write) is skipped with a warning and its run is simply recomputed.

Non-finite metric values are written as ``null`` (NaN) or the strings ``"inf"`` /
``"-inf"``, so every line is strict JSON.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import pathlib
import socket
import warnings
from collections.abc import Collection, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .._cache import remove_stale_temps
from .._files import atomic_write
from .._types import PathArg
from ._metrics import METRICS
from ._spec import SweepSpec, as_spec

if TYPE_CHECKING:   # an optional dependency (the sweep extra), imported where it is used
    import pandas as pd

__all__ = [
    "SweepStore",
    "load_sweep",
    "RUNS_FILE",
    "SPEC_FILE",
    "INFO_COLUMNS",
    "sweep_dir",
    "records_frame",
    "StoreBusy",
    "LOCK_FILE",
]

RUNS_FILE = "runs.jsonl"
SPEC_FILE = "spec.json"
LOCK_FILE = ".sweep.lock"


class StoreBusy(RuntimeError):
    """Another sweep holds the store's writer lock (:meth:`SweepStore.lock`)."""

#: bookkeeping columns of a sweep DataFrame (after parameters, seeds and metrics)
INFO_COLUMNS = ("runtime_s", "error", "n_blocks", "worker", "from_store", "run_id")


def _encode_float(x: float | None) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _decode_float(x: float | str | None) -> float:
    return float("nan") if x is None else float(x)


_FLOAT_WORDS = ("inf", "-inf", "nan")


def _is_float_field(x: object) -> bool:
    """What :func:`_encode_float` writes: a number, null, or "inf"/"-inf"."""
    return x is None or x in _FLOAT_WORDS or (
        isinstance(x, (int, float)) and not isinstance(x, bool))


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    """The record of one line of ``runs.jsonl``, or None if the line is not one."""
    try:
        rec = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("run_id"), str) \
            or not rec["run_id"]:
        return None
    metrics = rec.get("metrics", {})
    if not isinstance(metrics, dict) or not all(
            isinstance(k, str) and _is_float_field(v) for k, v in metrics.items()):
        return None
    if not (rec.get("error") is None or isinstance(rec.get("error"), str)):
        return None
    if not _is_float_field(rec.get("runtime_s")):
        return None
    rec["metrics"] = {k: _decode_float(v) for k, v in metrics.items()}
    return rec


class SweepStore:
    """Append-only JSON-lines store of finished runs in a directory.

    Parameters
    ----------
    directory : str or path-like
        Created (with parents) on first write.

    Notes
    -----
    A record is a dict with at least ``run_id`` (str), ``metrics`` (name → float),
    ``error`` (str or None); :func:`sensorynet.sweep.run_sweep` also writes
    ``values``, ``seed_index``, ``seed``, ``n_blocks``, ``params`` (full nested
    parameter dict), ``traceback``, ``runtime_s``, ``worker``, ``finished_at`` (UTC,
    ISO 8601) and ``version`` (sensorynet version).

    Only one sweep writes to a store at a time (:meth:`lock`).
    """

    def __init__(self, directory: PathArg, *, clean: bool = True) -> None:
        if not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"out must be a directory path, got {type(directory).__name__}")
        self.directory = pathlib.Path(directory).expanduser()
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"out={str(self.directory)!r} exists and is not a directory")
        # temporary files of writers killed mid-write (kill -9): only this package's
        # names (and the fixed name older versions used), and only old ones
        if clean:              # (not for read-only looks, e.g. a dry run)
            remove_stale_temps(self.directory, extra_names=(SPEC_FILE + ".tmp",))

    @property
    def runs_path(self) -> pathlib.Path:
        """``DIR/runs.jsonl``."""
        return self.directory / RUNS_FILE

    @property
    def spec_path(self) -> pathlib.Path:
        """``DIR/spec.json``."""
        return self.directory / SPEC_FILE

    def _file(self, path: pathlib.Path) -> pathlib.Path:
        """``path`` if it is a file or absent; ValueError naming it otherwise."""
        if path.exists() and not path.is_file():
            raise ValueError(f"{path} exists but is not a regular file (a directory?); "
                             f"the sweep store needs a file there: move it away")
        return path

    def load(self) -> dict[str, dict[str, Any]]:
        """All stored records, run_id → record (last line wins); ``{}`` if none.

        Lines that are not a valid record (torn by an interrupted write, edited by
        hand, wrong types, not UTF-8) are skipped with one ``RuntimeWarning``; their
        runs are simply recomputed by the next :func:`~sensorynet.sweep.run_sweep`.

        Raises
        ------
        ValueError
            If ``runs.jsonl`` is not a regular file (e.g. a directory), naming it.
        """
        out: dict[str, dict[str, Any]] = {}
        path = self._file(self.runs_path)
        if not path.exists():
            return out
        bad = []
        try:
            with open(path, "rb") as fh:
                for lineno, raw in enumerate(fh, 1):
                    if not raw.strip():
                        continue
                    rec = _parse_record(raw)
                    if rec is None:
                        bad.append(lineno)
                        continue
                    out[rec["run_id"]] = rec
        except IsADirectoryError:               # replaced by a directory meanwhile
            self._file(path)
            raise
        if bad:
            shown = ", ".join(map(str, bad[:10])) + (", ..." if len(bad) > 10 else "")
            warnings.warn(f"{path}: skipped {len(bad)} unreadable line(s) (line "
                          f"{shown}; e.g. torn by an interrupted write or with wrong "
                          "types); those runs will be redone", RuntimeWarning,
                          stacklevel=2)
        return out

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record as a JSON line, flushed and fsynced."""
        if "run_id" not in record:
            raise ValueError("record needs a 'run_id'")
        rec = dict(record)
        rec["metrics"] = {k: _encode_float(v) for k, v in rec.get("metrics", {}).items()}
        if "runtime_s" in rec:
            rec["runtime_s"] = _encode_float(rec["runtime_s"])
        line = json.dumps(rec, sort_keys=True, allow_nan=False, separators=(",", ":"))
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._file(self.runs_path)
        with open(path, "a+b") as fh:
            # a previous writer killed mid-line leaves no newline: start a fresh line
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(line.encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's writer lock (``DIR/.sweep.lock``, ``flock``) while in use.

        One sweep writes to a store at a time: a second one is refused at once with
        :class:`StoreBusy` instead of computing and appending the same runs again. The
        lock is the kernel's: it goes away with the process holding it (also on
        ``kill -9``), so an interrupted sweep can always be resumed. A store that cannot
        be written (read-only) is used without a lock.
        """
        import fcntl
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fh = open(self.directory / LOCK_FILE, "a+")
        except OSError:
            yield
            return
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                who = fh.read(200).strip() or "another process"
                raise StoreBusy(f"another sweep is writing to {self.directory} ({who}); "
                                "wait for it to finish (then run again to add what is "
                                "missing) or use another output directory") from None
            fh.truncate(0)
            fh.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            fh.flush()
            try:
                yield
            finally:
                fh.truncate(0)
                fcntl.flock(fh, fcntl.LOCK_UN)

    def write_spec(self, spec_dict: Mapping[str, Any]) -> None:
        """Write ``spec.json`` atomically (unique temporary file + ``os.replace``).

        Several processes may write the same store's spec at once: each uses its own
        temporary file and the last rename wins.
        """
        data = (json.dumps(spec_dict, indent=2, sort_keys=False, allow_nan=False)
                + "\n").encode("utf-8")
        self.directory.mkdir(parents=True, exist_ok=True)
        atomic_write(self._file(self.spec_path), lambda fh: fh.write(data))

    def read_spec(self) -> dict[str, Any]:
        """The dict written by :meth:`write_spec`.

        Raises
        ------
        FileNotFoundError
            If there is no ``spec.json``.
        ValueError
            If it is not a file, not UTF-8 JSON, or not a JSON object (names the file).
        """
        path = self._file(self.spec_path)
        if not path.exists():
            raise FileNotFoundError(f"no {SPEC_FILE} in {self.directory}")
        try:
            d = json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{path} is damaged (not valid JSON: {exc}); pass the spec "
                             "explicitly or run the sweep again to rewrite it") from None
        if not isinstance(d, dict):
            raise ValueError(f"{path} is damaged: expected a JSON object, got "
                             f"{type(d).__name__}")
        return d

    def __len__(self) -> int:
        return len(self.load())

    def __repr__(self) -> str:
        return f"SweepStore({str(self.directory)!r})"


# ------------------------------------------------------- tables and figures
def records_frame(spec: SweepSpec, records: Mapping[str, Mapping[str, Any]],
                  fresh: Collection[str] = frozenset(), only_present: bool = False
                  ) -> pd.DataFrame:
    """One row per run of ``spec`` (parameters, seed, metrics, :data:`INFO_COLUMNS`)
    from its stored ``records``; ``fresh``: the ids computed by this sweep."""
    import pandas as pd
    rows = []
    for run in spec.runs:
        rec = records.get(run.run_id)
        if rec is None and only_present:
            continue
        rec = rec or {"metrics": {}, "error": "not run"}
        row = dict(run.values)
        row["seed_index"], row["seed"] = run.seed_index, run.seed
        for m in spec.metrics:
            row[m] = float(rec["metrics"].get(m, float("nan")))
        rt = rec.get("runtime_s")
        row.update(runtime_s=float("nan") if rt is None else float(rt),
                   error=rec.get("error"), n_blocks=run.n_blocks, worker=rec.get("worker"),
                   from_store=run.run_id not in fresh, run_id=run.run_id)
        rows.append(row)
    cols = [*spec.param_names, "seed_index", "seed", *spec.metrics, *INFO_COLUMNS]
    df = pd.DataFrame(rows, columns=cols)
    for m in spec.metrics:
        df[m] = df[m].astype(float)
    df["error"] = df["error"].astype(object).where(df["error"].notna(), None)
    df.attrs["sweep_params"] = list(spec.param_names)
    df.attrs["metrics"] = list(spec.metrics)
    df.attrs["metric_labels"] = {m: METRICS[m].label for m in spec.metrics if m in METRICS}
    return df


def load_sweep(out: PathArg, spec: SweepSpec | dict[str, Any] | PathArg | None = None
               ) -> pd.DataFrame:
    """Read a sweep store into a DataFrame without running anything.

    Parameters
    ----------
    out : str or path-like
        Store directory of :func:`run_sweep`.
    spec : SweepSpec, dict or path, optional
        Which sweep to read (default: the ``spec.json`` last written there).

    Returns
    -------
    pandas.DataFrame
        As :func:`run_sweep`, with only the runs present in the store.

    Warns
    -----
    RuntimeWarning
        If runs of the spec are missing while the store holds records of other runs:
        run ids include the sensorynet version and source fingerprint, so records
        computed by different code do not match (:func:`run_sweep` recomputes them).
    """
    store = SweepStore(out)
    if spec is not None:
        sweep = as_spec(spec)
    else:
        try:
            sweep = SweepSpec.from_dict(store.read_spec(), source=str(store.spec_path))
        except TypeError as exc:
            raise ValueError(f"{store.spec_path} is damaged: {exc}") from None
    records = store.load()
    ids = {r.run_id for r in sweep.runs}
    missing = sum(rid not in records for rid in ids)
    other = sum(rid not in ids for rid in records)
    if missing and other:
        warnings.warn(f"{store.directory}: {missing} of {len(ids)} run(s) of this spec are "
                      f"not in the store, which holds {other} record(s) of other runs -- "
                      "e.g. of another spec, or computed by a different sensorynet "
                      "version or source (run ids include both); run_sweep recomputes "
                      "missing runs", RuntimeWarning, stacklevel=2)
    return records_frame(sweep, records, only_present=True)


def sweep_dir(name: str, cache_dir: PathArg | None = None) -> pathlib.Path:
    """Directory of a notebook's sweep store inside the results cache.

    Sweep run ids already include the package version and source fingerprint, so
    results of other code are never reused; the fingerprint in the directory name also
    keeps each version's runs in a store of their own instead of one growing file.
    """
    from .._cache import default_cache_dir, source_fingerprint
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier, got {name!r}")
    base = default_cache_dir() if cache_dir is None else pathlib.Path(cache_dir)
    return base / "sweeps" / f"{name}-{source_fingerprint()[:16]}"


