"""Saving, loading and caching :class:`~sensorynet._results.ExperimentResult` objects.

One result is one ``.npz`` file (a zip of ``.npy`` members, as ``np.savez`` writes
it), read back with ``allow_pickle=False``:
numeric arrays only, plus a JSON metadata entry (stored as a uint8 array of UTF-8
bytes, never a pickle) that holds the format name and version, the package version,
the protocol kind, the seed, the parameters, the spike-phase names and ``extra``.
Loading a file this module did not write, or a damaged one, raises ``ValueError``
naming the file; nothing in a file is ever unpickled.

Each member is deflated (zlib level :data:`DEFLATE_LEVEL`) unless a sample does not
shrink below :data:`STORE_RATIO` of its size; then it is stored. On the published result
(benchmarks/USER_WAIT.md) the weight snapshots (``W_blocks``, 35 MB of float64) deflate
to 84 % only, in 1.2 s at level 6, the other arrays to 3-40 % in ms at level 1. Files
of ``np.savez_compressed`` (older sensorynet) load the same way.
"""
from __future__ import annotations

import json
import os
import pathlib
import zipfile
import zlib
from collections.abc import Mapping
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._files import atomic_write, check_path
from ._json import json_default
from ._memory import FRACTION, available_bytes
from ._params import ModelParams
from ._results import ExperimentResult, SpikeTrain, snapshot_arrays, snapshots_from_arrays
from ._types import FloatArray, PathArg
from ._weights import SparseWeights

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "save_result",
    "load_result",
    "read_metadata",
    "check_path",
    "load_with_metadata",
    "result_size_limit",
    "MAX_RESULT_BYTES",
    "atomic_write",
    "MAX_MEMBERS",
    "KNOWN_MEMBERS",
    "write_npz",
    "DEFLATE_LEVEL",
    "STORE_RATIO",
]

#: written into every file; a file with another name is not ours
FORMAT_NAME = "sensorynet.ExperimentResult"
#: bumped on incompatible layout changes; newer ones are refused (2: W_blocks as CSR data)
FORMAT_VERSION = 2

_META_KEY = "__sensorynet_meta__"
# Errors numpy/zipfile/zlib raise on damaged or foreign files; all become ValueError.
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, IndexError, TypeError,
                zipfile.BadZipFile, zlib.error, UnicodeDecodeError)
#: zlib level of the deflated members (1: the fastest; level 6 gains ~10 % in size)
DEFLATE_LEVEL = 1
#: a member whose sample deflates to more than this fraction of its size is stored
STORE_RATIO = 0.8
_SAMPLE = 1 << 16   # bytes per sample window; three windows (start, middle, end)


def _compressible(buf: memoryview) -> bool:
    """Whether deflating ``buf`` (bytes) pays: small members always, larger ones if
    three 64 kB windows deflate to at most :data:`STORE_RATIO` of their size."""
    n = buf.nbytes
    if n <= 3 * _SAMPLE:
        return True
    wins = [buf[a:a + _SAMPLE] for a in (0, (n - _SAMPLE) // 2, n - _SAMPLE)]
    packed = sum(len(zlib.compress(w, DEFLATE_LEVEL)) for w in wins)
    return packed <= STORE_RATIO * len(wins) * _SAMPLE


def write_npz(fh: IO[bytes], arrays: Mapping[str, ArrayLike]) -> None:
    """Write ``arrays`` as an ``.npz`` archive to the binary file object ``fh``.

    The layout of ``np.savez``/``np.savez_compressed`` (one ``<key>.npy`` member per
    array, zip64), but each member deflated or stored as :func:`_compressible` decides,
    so ``np.load`` and :func:`load_result` read it.
    """
    with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=DEFLATE_LEVEL, allowZip64=True) as zf:
        for key, value in arrays.items():
            arr = np.asarray(value)
            name: str | zipfile.ZipInfo = f"{key}.npy"
            if not _compressible(np.ascontiguousarray(arr).reshape(-1).data.cast("B")):
                name = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                name.compress_type = zipfile.ZIP_STORED
            # a str name is deflated at the archive's level, a ZipInfo stored as is
            with zf.open(name, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


# ------------------------------------------------------------------------------ save
def save_result(result: ExperimentResult, path: PathArg, *,
                annotations: Mapping[str, Any] | None = None) -> pathlib.Path:
    """Write an experiment result to a single ``.npz`` file (:func:`write_npz`).

    Parameters
    ----------
    result : ExperimentResult
        Dense or sparse (:class:`~sensorynet._weights.SparseWeights`) weights are both
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

    arrays: dict[str, NDArray[Any]] = {"po": np.asarray(result.po, dtype=np.float64)}
    has = {}
    W0, W = result.W0, result.W
    sparse = isinstance(W, SparseWeights)
    if sparse != isinstance(W0, SparseWeights):
        raise TypeError("result.W0 and result.W must both be dense or both sparse")
    shares = False
    if isinstance(W, SparseWeights) and isinstance(W0, SparseWeights):
        arrays.update({"W0.indptr": W0.indptr, "W0.indices": W0.indices,
                       "W0.data": W0.data, "W.data": W.data})
        # plasticity never creates synapses, so W normally reuses W0's structure;
        # storing it once halves the file
        shares = (np.array_equal(W.indptr, W0.indptr)
                  and np.array_equal(W.indices, W0.indices))
        if not shares:
            arrays["W.indptr"] = W.indptr
            arrays["W.indices"] = W.indices
    else:
        arrays["W0"] = np.asarray(W0)
        arrays["W"] = np.asarray(W)
    for key in ("W_blocks", "block_thetas", "test_thetas"):   # each may be None
        has[key] = getattr(result, key.replace("W_", "_W_")) is not None   # not densified
        if has[key]:
            arrays.update(snapshot_arrays(result) if key == "W_blocks"
                          else {key: np.asarray(getattr(result, key))})

    # all phases in three flat arrays (one zip member each, not 3 per phase)
    trains: list[tuple[str, SpikeTrain]] = []
    for name, st in result.spikes.items():
        if not isinstance(st, SpikeTrain):
            raise TypeError(f"result.spikes[{name!r}] must be a SpikeTrain, "
                            f"got {type(st).__name__}")
        trains.append((name, st))
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
    # a file object, so numpy does not append ".npz" to the name
    atomic_write(path, lambda fh: write_npz(fh, arrays))
    return path


# ------------------------------------------------------------------------------ load
#: documented upper bound of the decompressed size of one result file (bytes); the
#: limit used is the smaller of this and the memory this process may still allocate
#: (:func:`sensorynet._memory.available_bytes`, cgroup and rlimits included), and can
#: be set with ``$SENSORYNET_MAX_RESULT_BYTES`` or the ``max_bytes`` argument
MAX_RESULT_BYTES = 64 * 2**30
#: at most this many arrays in a result file (a real one has about 15)
MAX_MEMBERS = 256
#: every array a result file may hold (``.npy`` members); anything else is refused
KNOWN_MEMBERS = frozenset({
    "po", "W0", "W", "W0.indptr", "W0.indices", "W0.data", "W.indptr", "W.indices",
    "W.data", "W_blocks", "W_blocks.indptr", "W_blocks.indices", "block_thetas",
    "test_thetas", "spikes.neurons", "spikes.steps", "spikes.offsets", _META_KEY})


def result_size_limit(max_bytes: int | None = None) -> int:
    """Largest decompressed size (bytes) :func:`load_result` accepts: ``max_bytes`` if
    given, else ``$SENSORYNET_MAX_RESULT_BYTES`` if set, else the smaller of
    :data:`MAX_RESULT_BYTES` and the share of the available memory a run may use
    (:data:`sensorynet._memory.FRACTION` of :func:`~sensorynet._memory.available_bytes`)."""
    env = os.environ.get("SENSORYNET_MAX_RESULT_BYTES", "").strip()
    if max_bytes is None and env:
        if not env.isdigit():
            raise ValueError(f"$SENSORYNET_MAX_RESULT_BYTES must be a number of bytes, "
                             f"got {env!r}")
        max_bytes = int(env)
    if max_bytes is None:
        avail = available_bytes()
        return MAX_RESULT_BYTES if avail is None else \
            max(1, min(MAX_RESULT_BYTES, int(FRACTION * avail)))
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")
    return max_bytes


class _Damaged(Exception):
    """Internal: why a file is refused (wrapped in a ValueError naming the file)."""


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> NDArray[Any]:
    """One ``.npy`` member, header checked against the zip size before any allocation;
    returned in native byte order."""
    fmt = np.lib.format
    with zf.open(info) as fh:
        version = fmt.read_magic(fh)
        if version not in ((1, 0), (2, 0)):
            raise _Damaged(f"member {info.filename!r}: unsupported .npy version {version}")
        read_header = fmt.read_array_header_1_0 if version == (1, 0) \
            else fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(fh)
        if dtype.hasobject:
            raise _Damaged("it contains object arrays, which would need unpickling "
                           "(refused)")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if nbytes + fh.tell() != info.file_size:
            raise _Damaged(f"member {info.filename!r} declares {nbytes} bytes of data "
                           f"but holds {info.file_size - fh.tell()}")
    with zf.open(info) as fh:
        arr = fmt.read_array(fh, allow_pickle=False)
    if not arr.dtype.isnative:        # e.g. written on a big-endian machine
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def _needed(meta: dict[str, Any]) -> set[str]:
    """The members :func:`_build` reads for the layout ``meta`` describes."""
    if meta.get("sparse"):
        need = {"W0.indptr", "W0.indices", "W0.data", "W.data"}
        if not meta.get("W_shares_W0_structure"):
            need |= {"W.indptr", "W.indices"}
    else:
        need = {"W0", "W"}
    has: dict[str, Any] = meta["has"] if isinstance(meta.get("has"), dict) else {}
    for key in ("W_blocks", "block_thetas", "test_thetas"):
        if has.get(key):
            need.add(key)
    if has.get("W_blocks") and not meta.get("sparse"):
        need |= {"W_blocks.indptr", "W_blocks.indices"}
    return need | {"po", "spikes.neurons", "spikes.steps", "spikes.offsets"}


def _parse_meta(raw: NDArray[Any], path: pathlib.Path) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError(f"cannot read sensorynet result file {path}: metadata entry "
                         f"has dtype {raw.dtype}, expected uint8 bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
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
    return meta


def _read_npz(path: pathlib.Path, max_bytes: int | None = None, *, arrays: bool = True
              ) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
    """The arrays a result needs and its parsed metadata, or ValueError naming the file.

    The archive is opened with context managers only (no file handle survives an
    error). Its member names must be :data:`KNOWN_MEMBERS`; the metadata is read first
    and decides which members the result needs; only those are decompressed (and
    CRC-checked), after their declared sizes (``ZipInfo.file_size``) were checked
    against :func:`result_size_limit` and each ``.npy`` header against its entry. With
    ``arrays=False`` only the metadata is read.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such result file: {path}")
    limit = result_size_limit(max_bytes)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
            if magic != b"PK\x03\x04":
                # np.load would guess "pickled data" for any other bytes
                raise _Damaged(f"not an .npz archive (no zip signature; starts with "
                               f"{magic!r})")
            fh.seek(0)
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise _Damaged(f"it has {len(infos)} members (at most {MAX_MEMBERS})")
                if _META_KEY + ".npy" not in {i.filename for i in infos}:
                    raise ValueError(f"cannot read sensorynet result file {path}: it has "
                                     "no sensorynet metadata entry (a foreign .npz?)")
                members = {}
                for info in infos:
                    key = info.filename[:-4] if info.filename.endswith(".npy") else None
                    if key not in KNOWN_MEMBERS:
                        raise _Damaged(f"unexpected member {info.filename!r}")
                    if key in members:
                        raise _Damaged(f"duplicate member {info.filename!r}")
                    members[key] = info
                if members[_META_KEY].file_size > limit:
                    raise _Damaged("its metadata entry is larger than the size limit")
                meta = _parse_meta(_read_member(zf, members[_META_KEY]), path)
                if not arrays:
                    return {}, meta
                use = [members[k] for k in sorted(_needed(meta)) if k in members]
                total = sum(i.file_size for i in use)
                if total > limit:
                    raise _Damaged(f"it would decompress to {total} bytes, more than the "
                                   f"limit of {limit} bytes (see "
                                   "sensorynet._store.result_size_limit)")
                out = {i.filename[:-4]: _read_member(zf, i) for i in use}
    except _Damaged as exc:
        raise ValueError(f"cannot read sensorynet result file {path}: {exc}") from None
    except _READ_ERRORS + (MemoryError, RuntimeError, NotImplementedError,
                           OverflowError) as exc:
        if isinstance(exc, ValueError) and str(path) in str(exc):
            raise
        raise ValueError(f"cannot read sensorynet result file {path}: damaged or not a "
                         f"valid .npz archive ({type(exc).__name__}: {exc})") from None
    return out, meta


def read_metadata(path: PathArg) -> dict[str, Any]:
    """The JSON metadata of a result file (format, versions, kind, seed, params, ...).

    Raises
    ------
    ValueError
        If the file is not a readable sensorynet result file (the message names it).
    """
    return _read_npz(check_path(path), arrays=False)[1]


def _finite(arr: NDArray[Any], name: str, path: PathArg, kinds: str = "f") -> NDArray[Any]:
    """``arr`` if it is a numeric array of an allowed kind with only finite values."""
    if arr.dtype.kind not in kinds:
        raise ValueError(f"{path}: damaged result file, {name} has dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{path}: damaged result file, {name} has non-finite values")
    return arr


def _int_field(d: Any, key: str, path: PathArg, low: int = 0) -> int:
    v = d.get(key) if isinstance(d, dict) else None
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise ValueError(f"{path}: damaged result file, bad metadata {key}={v!r}")
    return v


def _build(arrays: dict[str, NDArray[Any]], meta: dict[str, Any], path: PathArg
           ) -> ExperimentResult:
    """ExperimentResult from the raw arrays and metadata of ``path``, validated.

    Weights, preferred orientations and angles must be finite, shapes consistent
    with N, and every spike train must give finite non-negative rates (neuron
    indices in 0..N-1, steps in 0..n_steps-1, n_steps >= 1, dt > 0).
    """
    def need(key: str) -> NDArray[Any]:
        if key not in arrays:
            raise ValueError(f"{path}: damaged result file, missing array {key!r}")
        return arrays[key]

    params = ModelParams.from_dict(meta["params"])
    N, n_exc = _int_field(meta, "N", path, low=2), _int_field(meta, "n_exc", path, low=1)
    seed = _int_field(meta, "seed", path)
    if n_exc >= N:
        raise ValueError(f"{path}: damaged result file, n_exc={n_exc} leaves no "
                         f"inhibitory neuron of N={N}")
    net = params.network
    if (net.N, net.N_E) != (N, n_exc):
        raise ValueError(f"{path}: damaged result file, its parameters describe N={net.N} "
                         f"(N_E={net.N_E}) but its arrays N={N} (n_exc={n_exc})")
    if not isinstance(meta.get("kind"), str):
        raise ValueError(f"{path}: damaged result file, bad metadata kind="
                         f"{meta.get('kind')!r}")
    po = _finite(need("po"), "po", path)
    if po.shape != (N,):
        raise ValueError(f"{path}: po has shape {po.shape}, expected ({N},)")
    W0: FloatArray | SparseWeights
    W: FloatArray | SparseWeights
    if meta["sparse"]:
        indptr, indices = need("W0.indptr"), need("W0.indices")
        W0 = SparseWeights(indptr, indices, _finite(need("W0.data"), "W0.data", path), N)
        if not meta["W_shares_W0_structure"]:
            indptr, indices = need("W.indptr"), need("W.indices")
        W = SparseWeights(indptr, indices, _finite(need("W.data"), "W.data", path), N)
        nnz = W.data.size
    else:
        W0, W = _finite(need("W0"), "W0", path), _finite(need("W"), "W", path)
        if W0.shape != (N, N) or W.shape != (N, N):
            raise ValueError(f"{path}: W0/W have shapes {W0.shape}/{W.shape}, not ({N}, {N})")
        nnz = None
    has = meta["has"]
    opt: dict[str, Any] = {k: (_finite(need(k), k, path) if has.get(k) else None)
           for k in ("W_blocks", "block_thetas", "test_thetas")}
    opt["W_blocks"] = wb = snapshots_from_arrays(arrays, opt["W_blocks"], W, nnz,
                                                 meta["format_version"], path)
    bt = opt["block_thetas"]
    if bt is not None and (bt.ndim not in (1, 2) or wb is not None and len(bt) != len(wb)):
        raise ValueError(f"{path}: damaged result file, block_thetas has shape "
                         f"{bt.shape}")
    if opt["test_thetas"] is not None and opt["test_thetas"].ndim > 1:
        raise ValueError(f"{path}: damaged result file, test_thetas has shape "
                         f"{opt['test_thetas'].shape}")

    neurons = _finite(need("spikes.neurons"), "spikes.neurons", path, kinds="iu")
    steps = _finite(need("spikes.steps"), "spikes.steps", path, kinds="iu")
    offsets = _finite(need("spikes.offsets"), "spikes.offsets", path, kinds="iu")
    phases = meta["phase_info"]
    if not isinstance(phases, list):
        raise ValueError(f"{path}: damaged result file, bad phase_info")
    if (offsets.shape != (len(phases) + 1,) or offsets[0] != 0
            or np.any(np.diff(offsets) < 0) or offsets[-1] != neurons.size
            or steps.shape != neurons.shape or neurons.ndim != 1):
        raise ValueError(f"{path}: damaged result file, inconsistent spike arrays")
    spikes = {}
    for q, ph in enumerate(phases):
        a, b = offsets[q], offsets[q + 1]
        n_steps = _int_field(ph, "n_steps", path, low=1)
        ph_N, ph_exc = _int_field(ph, "N", path, low=1), _int_field(ph, "n_exc", path)
        dt = ph.get("dt")
        if isinstance(dt, bool) or not isinstance(dt, (int, float)) \
                or not (np.isfinite(dt) and dt > 0) or ph_exc > ph_N:
            raise ValueError(f"{path}: damaged result file, bad spike phase {ph!r}")
        if (ph_N, ph_exc, float(dt)) != (N, n_exc, float(net.dt)):
            raise ValueError(f"{path}: damaged result file, spike phase {ph.get('name')!r} "
                             f"has N={ph_N}, n_exc={ph_exc}, dt={dt} ms but the result "
                             f"N={N}, n_exc={n_exc}, dt={net.dt} ms")
        nq, sq = neurons[a:b], steps[a:b]
        if nq.size and (nq.min() < 0 or nq.max() >= ph_N or sq.min() < 0
                        or sq.max() >= n_steps):
            raise ValueError(f"{path}: damaged result file, spikes of phase "
                             f"{ph.get('name')!r} out of range (rates would not be "
                             "finite and non-negative)")
        name = ph.get("name")
        if not isinstance(name, str) or name in spikes:
            raise ValueError(f"{path}: damaged result file, bad phase name {name!r}")
        spikes[name] = SpikeTrain(nq, sq, n_steps, ph_N, ph_exc, dt)
    return ExperimentResult(meta["kind"], params, seed, po, n_exc, W0, W,
                            opt["W_blocks"], opt["block_thetas"], opt["test_thetas"],
                            spikes, extra=meta.get("extra") or {},
                            version=meta.get("result_version"))


def load_with_metadata(path: PathArg, *, max_bytes: int | None = None
                       ) -> tuple[ExperimentResult, dict[str, Any]]:
    """``(result, metadata)`` of a result file; see :func:`load_result`."""
    path = check_path(path)
    arrays, meta = _read_npz(path, max_bytes)
    try:
        return _build(arrays, meta, path), meta
    except ValueError as exc:
        if str(path) in str(exc):
            raise
        raise ValueError(f"{path}: damaged result file ({exc})") from None
    except (KeyError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError(f"{path}: damaged result file, bad metadata ({exc!r})") from None


def load_result(path: PathArg, *, max_bytes: int | None = None) -> ExperimentResult:
    """Read a result written by :func:`save_result`.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, optional
        Refuse files whose arrays would decompress to more bytes than this (checked
        from the zip headers before anything is decompressed). Default
        :func:`result_size_limit`: ``$SENSORYNET_MAX_RESULT_BYTES`` if set, else the
        smaller of :data:`MAX_RESULT_BYTES` (64 GiB) and 4x the physical memory.

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
        wrong format name), contains object arrays (never unpickled), would
        decompress to more than ``max_bytes``, holds invalid contents (non-finite
        weights or orientations, shapes inconsistent with N, spikes out of range, so
        that rates would not be finite and non-negative) or was written in a newer
        format version. The message names the file. No file handle is left open.
    """
    return load_with_metadata(path, max_bytes=max_bytes)[0]
