"""Saving, loading and caching :class:`~sensorynet.results.ExperimentResult` objects.

One result is one compressed ``.npz`` file, read back with ``allow_pickle=False``:
numeric arrays only, plus a JSON metadata entry (stored as a uint8 array of UTF-8
bytes, never a pickle) that holds the format name and version, the package version,
the protocol kind, the seed, the parameters, the spike-phase names and ``extra``.
Loading a file this module did not write, or a damaged one, raises ``ValueError``
naming the file; nothing in a file is ever unpickled.

:class:`ResultsCache` keeps results on disk keyed by a hash of everything that
determines them (protocol kind, parameters, seed, block count, package version), so
notebooks re-run in seconds and a changed parameter can never return a stale result.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import time
import zipfile
import zlib

import numpy as np

from .params import ModelParams
from .results import ExperimentResult, SpikeTrain
from .sparse import SparseWeights
from ._json import json_default

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "save_result",
    "load_result",
    "read_metadata",
    "check_path",
    "load_with_metadata",
]

#: written into every file; a file with another name is not ours
FORMAT_NAME = "sensorynet.ExperimentResult"
#: bumped on incompatible layout changes; files from a newer format are refused
FORMAT_VERSION = 1

_META_KEY = "__sensorynet_meta__"
# Errors numpy/zipfile/zlib raise on damaged or foreign files; all become ValueError.
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, IndexError, TypeError,
                zipfile.BadZipFile, zlib.error, UnicodeDecodeError)




#: names of this package's temporary files: ``.<target name>.<pid>.<12 hex>.tmp``
TMP_NAME_RE = re.compile(r"^\..+\.[0-9]{1,10}\.[0-9a-f]{12}\.tmp$")
#: a temporary file older than this (s) belongs to a writer that was killed
STALE_TMP_AGE_S = 60.0


def tmp_path_for(path: pathlib.Path) -> pathlib.Path:
    """A unique temporary name next to ``path`` (pid + random suffix)."""
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"


def remove_stale_temps(directory, max_age_s: float = STALE_TMP_AGE_S,
                       extra_names=()) -> int:
    """Delete this package's temporary files older than ``max_age_s`` in ``directory``.

    A writer killed with ``kill -9`` between writing its temporary file and renaming
    it leaves the file behind. Only names matching :data:`TMP_NAME_RE` (or listed in
    ``extra_names``) are considered, and only if not modified for ``max_age_s``
    seconds, so a write in progress in another process is never disturbed. Errors
    (permissions, files vanishing) are ignored. Returns the number removed.
    """
    directory = pathlib.Path(directory)
    n = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        if not (TMP_NAME_RE.match(entry.name) or entry.name in extra_names):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime < max_age_s:
                continue
            os.unlink(entry.path)
            n += 1
        except OSError:
            continue
    return n


def atomic_write(path: pathlib.Path, write) -> None:
    """Write ``path`` atomically: ``write(fh)`` fills a unique temporary file in the
    same directory, which is flushed, fsynced and then renamed onto ``path``.

    A reader never sees a half-written file, concurrent writers never share a
    temporary file (the last ``os.replace`` wins), and on any error the temporary
    file is removed and the error re-raised.
    """
    path = pathlib.Path(path)
    # a unique name opened with "xb" (not mkstemp, which forces mode 0600): the file
    # gets the usual permissions from the umask
    tmp = tmp_path_for(path)
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _atomic_write(path: pathlib.Path, arrays: dict):
    """Write ``arrays`` as a compressed npz to ``path`` via a temporary file.

    A reader never sees a half-written file: the data go to a temporary file in the
    same directory, which then replaces ``path`` in one ``os.replace``.
    """
    # a file object, so numpy does not append ".npz" to the name
    atomic_write(path, lambda fh: np.savez_compressed(fh, **arrays))


def check_path(path, name="path") -> pathlib.Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(path).__name__}")
    return pathlib.Path(path)


# ------------------------------------------------------------------------------ save
def save_result(result: ExperimentResult, path, *, annotations=None) -> pathlib.Path:
    """Write an experiment result to a single compressed ``.npz`` file.

    Parameters
    ----------
    result : ExperimentResult
        Dense or sparse (:class:`~sensorynet.sparse.SparseWeights`) weights are both
        supported; ``W_blocks``, ``block_thetas`` and ``test_thetas`` may be None.
    path : str or os.PathLike
        Destination; written as given (no suffix is added) and atomically (a
        temporary file in the same directory, then ``os.replace``).
    annotations : dict, optional
        JSON-serialisable bookkeeping stored in the metadata but not part of the
        result (the cache stores its key here); see :func:`read_metadata`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``result`` is not an ExperimentResult or ``result.extra`` /
        ``annotations`` is not JSON-serialisable.
    """
    if not isinstance(result, ExperimentResult):
        raise TypeError(f"result must be an ExperimentResult, got {type(result).__name__}")
    path = check_path(path)
    from ._version import __version__

    arrays = {"po": np.asarray(result.po, dtype=np.float64)}
    has = {}
    sparse = isinstance(result.W, SparseWeights)
    if sparse != isinstance(result.W0, SparseWeights):
        raise TypeError("result.W0 and result.W must both be dense or both sparse")
    shares = False
    if sparse:
        arrays.update({"W0.indptr": result.W0.indptr, "W0.indices": result.W0.indices,
                       "W0.data": result.W0.data, "W.data": result.W.data})
        # plasticity never creates synapses, so W normally reuses W0's structure;
        # storing it once halves the file
        shares = (np.array_equal(result.W.indptr, result.W0.indptr)
                  and np.array_equal(result.W.indices, result.W0.indices))
        if not shares:
            arrays["W.indptr"] = result.W.indptr
            arrays["W.indices"] = result.W.indices
    else:
        arrays["W0"] = np.asarray(result.W0)
        arrays["W"] = np.asarray(result.W)
    for key in ("W_blocks", "block_thetas", "test_thetas"):   # each may be None
        has[key] = getattr(result, key) is not None
        if has[key]:
            arrays[key] = np.asarray(getattr(result, key))

    # all phases in three flat arrays (one zip member each, not 3 per phase)
    trains = list(result.spikes.items())
    for name, st in trains:
        if not isinstance(st, SpikeTrain):
            raise TypeError(f"result.spikes[{name!r}] must be a SpikeTrain, "
                            f"got {type(st).__name__}")
    phases = [{"name": str(k), "n_steps": st.n_steps, "N": st.N, "n_exc": st.n_exc,
               "dt": st.dt} for k, st in trains]
    for field in ("neurons", "steps"):
        arrays[f"spikes.{field}"] = np.concatenate(
            [np.zeros(0, np.int32)] + [getattr(st, field) for _, st in trains]
        ).astype(np.int32)
    arrays["spikes.offsets"] = np.cumsum([0] + [st.neurons.size for _, st in trains],
                                         dtype=np.int64)

    for key, arr in arrays.items():
        if arr.dtype == object:
            raise TypeError(f"cannot store result field {key!r}: object arrays are "
                            "not allowed (they would need pickle)")
    meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "package_version": __version__, "result_version": result.version,
            "kind": result.kind, "seed": result.seed, "params": result.params.to_dict(),
            "N": int(result.N), "n_exc": result.n_exc, "sparse": sparse,
            "W_shares_W0_structure": shares, "has": has,
            "spike_phases": [p["name"] for p in phases], "phase_info": phases,
            "extra": result.extra, "annotations": dict(annotations or {})}
    text = json.dumps(meta, default=json_default, sort_keys=True)
    arrays[_META_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    _atomic_write(path, arrays)
    return path


# ------------------------------------------------------------------------------ load
def _read_npz(path: pathlib.Path):
    """All arrays and the parsed metadata of a file, or ValueError naming it."""
    if not path.is_file():
        raise FileNotFoundError(f"no such result file: {path}")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic != b"PK\x03\x04":
        # checked here because np.load would guess "pickled data" for any other bytes
        raise ValueError(f"cannot read sensorynet result file {path}: not an .npz "
                         f"archive (no zip signature; starts with {magic!r})")
    try:
        obj = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise ValueError(f"cannot read sensorynet result file {path}: not a valid .npz "
                         f"archive ({exc})") from None
    if not isinstance(obj, np.lib.npyio.NpzFile):   # pragma: no cover - zip magic seen
        raise ValueError(f"cannot read sensorynet result file {path}: not an .npz archive")
    try:
        with obj as npz:
            if _META_KEY not in npz.files:
                raise ValueError("it has no sensorynet metadata entry (a foreign .npz?)")
            # eager read: every member is decompressed and CRC-checked here, so damage
            # anywhere in the archive is found now rather than on first use
            arrays = {k: npz[k] for k in npz.files}
    except _READ_ERRORS as exc:
        msg = str(exc)
        if "allow_pickle" in msg:
            msg = "it contains object arrays, which would need unpickling (refused)"
        raise ValueError(f"cannot read sensorynet result file {path}: {msg}") from None
    raw = arrays.pop(_META_KEY)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(f"cannot read sensorynet result file {path}: metadata entry "
                         f"has dtype {raw.dtype}, expected uint8 bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"cannot read sensorynet result file {path}: metadata is not "
                         f"valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ValueError(f"{path} is not a sensorynet result file "
                         f"(format {got!r}, expected {FORMAT_NAME!r})")
    ver = meta.get("format_version")
    if isinstance(ver, bool) or not isinstance(ver, int):
        raise ValueError(f"{path}: invalid format_version {ver!r}")
    if ver > FORMAT_VERSION:
        raise ValueError(f"{path} was written in result format version {ver} by "
                         f"sensorynet {meta.get('package_version')}; this sensorynet "
                         f"reads up to version {FORMAT_VERSION}: upgrade sensorynet")
    return arrays, meta


def read_metadata(path) -> dict:
    """The JSON metadata of a result file (format, versions, kind, seed, params, ...).

    Raises
    ------
    ValueError
        If the file is not a readable sensorynet result file (the message names it).
    """
    return _read_npz(check_path(path))[1]


def _build(arrays, meta, path):
    """ExperimentResult from the raw arrays and metadata of ``path``."""
    def need(key):
        if key not in arrays:
            raise ValueError(f"{path}: damaged result file, missing array {key!r}")
        return arrays[key]

    params = ModelParams.from_dict(meta["params"])
    N, n_exc = int(meta["N"]), int(meta["n_exc"])
    po = need("po")
    if po.shape != (N,):
        raise ValueError(f"{path}: po has shape {po.shape}, expected ({N},)")
    if meta["sparse"]:
        indptr, indices = need("W0.indptr"), need("W0.indices")
        W0 = SparseWeights(indptr, indices, need("W0.data"), N)
        if not meta["W_shares_W0_structure"]:
            indptr, indices = need("W.indptr"), need("W.indices")
        W = SparseWeights(indptr, indices, need("W.data"), N)
    else:
        W0, W = need("W0"), need("W")
        if W0.shape != (N, N) or W.shape != (N, N):
            raise ValueError(f"{path}: W0/W have shapes {W0.shape}/{W.shape}, not ({N}, {N})")
    opt = {k: (need(k) if meta["has"].get(k) else None)
           for k in ("W_blocks", "block_thetas", "test_thetas")}

    neurons, steps = need("spikes.neurons"), need("spikes.steps")
    offsets = need("spikes.offsets")
    phases = meta["phase_info"]
    if (offsets.shape != (len(phases) + 1,) or offsets[0] != 0
            or np.any(np.diff(offsets) < 0) or offsets[-1] != neurons.size
            or steps.shape != neurons.shape):
        raise ValueError(f"{path}: damaged result file, inconsistent spike arrays")
    spikes = {}
    for q, ph in enumerate(phases):
        a, b = offsets[q], offsets[q + 1]
        spikes[ph["name"]] = SpikeTrain(neurons[a:b], steps[a:b], ph["n_steps"], ph["N"],
                                        ph["n_exc"], ph["dt"])
    return ExperimentResult(meta["kind"], params, meta["seed"], po, n_exc, W0, W,
                            opt["W_blocks"], opt["block_thetas"], opt["test_thetas"],
                            spikes, extra=meta.get("extra") or {},
                            version=meta.get("result_version"))


def load_with_metadata(path):
    arrays, meta = _read_npz(path)
    try:
        return _build(arrays, meta, path), meta
    except ValueError as exc:
        if str(path) in str(exc):
            raise
        raise ValueError(f"{path}: damaged result file ({exc})") from None
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"{path}: damaged result file, bad metadata ({exc!r})") from None


def load_result(path) -> ExperimentResult:
    """Read a result written by :func:`save_result`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    ExperimentResult
        Equal to the saved one: every array bit-identical, ``params`` equal.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated or corrupt, is not a sensorynet result (no metadata,
        wrong format name), contains object arrays (never unpickled) or was written
        in a newer format version. The message names the file.
    """
    return load_with_metadata(check_path(path))[0]












