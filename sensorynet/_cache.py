"""The results cache: learned networks stored under a key made of the parameters, the
seed, the package version and a fingerprint of its source, so that a changed parameter
or changed code never returns a stale result.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import time
import warnings
from collections.abc import Callable, Collection
from typing import Any

from ._files import TMP_NAME_RE, check_path
from ._json import json_default
from ._results import ExperimentResult
from ._store import load_with_metadata, save_result
from ._types import PathArg

__all__ = [
    "default_cache_dir",
    "source_fingerprint",
    "canonical_key",
    "ResultsCache",
    "remove_stale_temps",
    "STALE_TMP_AGE_S",
]


#: a temporary file older than this (s) belongs to a writer that was killed
STALE_TMP_AGE_S = 60.0


def remove_stale_temps(directory: PathArg, max_age_s: float = STALE_TMP_AGE_S,
                       extra_names: Collection[str] = ()) -> int:
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


# ----------------------------------------------------------------------------- cache
def default_cache_dir() -> pathlib.Path:
    """``$SENSORYNET_CACHE`` if set, else ``~/.cache/sensorynet``."""
    env = os.environ.get("SENSORYNET_CACHE")
    return pathlib.Path(env).expanduser() if env else \
        pathlib.Path("~/.cache/sensorynet").expanduser()


_FINGERPRINT: str | None = None
#: what the fingerprint covers, relative to the package directory
_SOURCE_PATTERNS = ("**/*.py", "data/*")


def tree_fingerprint(root: pathlib.Path) -> str:
    """sha256 of every Python source file under ``root`` (all subpackages) and of its
    packaged data files (``data/``), with their paths relative to ``root``.

    Compiled caches (``__pycache__``) are not sources and do not count.
    """
    files = sorted({f for pat in _SOURCE_PATTERNS for f in root.glob(pat)
                    if f.is_file() and "__pycache__" not in f.parts})
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def source_fingerprint() -> str:
    """:func:`tree_fingerprint` of this installed package, computed once per process.

    Part of every cache key and sweep run id: during development the version number
    stays the same while the code changes, and a result of old code is stale.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        _FINGERPRINT = tree_fingerprint(pathlib.Path(__file__).resolve().parent)
    return _FINGERPRINT


def canonical_key(kind: str, key_dict: dict[str, Any]) -> str:
    """Canonical JSON of what determines a result: kind, key, version, source hash.

    Sorted keys and fixed separators, so equal inputs always give the same text;
    floats are written by ``repr`` and therefore exactly.
    """
    from ._version import __version__
    try:
        return json.dumps({"kind": kind, "key": key_dict, "version": __version__,
                           "source": source_fingerprint()},
                          sort_keys=True, separators=(",", ":"), allow_nan=False,
                          default=json_default)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"key_dict must be JSON-serialisable with finite numbers "
                        f"({exc})") from None


_KIND_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: exactly the names :meth:`ResultsCache.path_for` produces: ``<kind>-<sha256 hex>.npz``
_OWN_FILE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}-[0-9a-f]{64}\.npz$")


class ResultsCache:
    """On-disk cache of experiment results, keyed by everything that determines them.

    Parameters
    ----------
    cache_dir : str or os.PathLike, optional
        Default :func:`default_cache_dir` (``$SENSORYNET_CACHE`` or
        ``~/.cache/sensorynet``); created on first write.

    Notes
    -----
    The key is the sha256 of :func:`canonical_key` (kind, ``key_dict``, package
    version, hash of the package sources); the canonical text is also stored in each file and checked on read, so a
    file is only returned for exactly the inputs it was computed from. A damaged file
    is recomputed (with a warning), never returned. Writes are atomic, so concurrent
    notebooks can share a cache directory.

    Examples
    --------
    The second request for the same inputs reads the file instead of simulating:

    >>> import tempfile
    >>> import numpy as np
    >>> from sensorynet import run_published
    >>> tmp = tempfile.TemporaryDirectory()
    >>> cache = ResultsCache(tmp.name)
    >>> learn = lambda: run_published(seed=0, n_blocks=1, progress=False)
    >>> first = cache.get_or_compute("published", {"seed": 0, "n_blocks": 1}, learn)
    >>> cache.last_status
    'miss'
    >>> again = cache.get_or_compute("published", {"seed": 0, "n_blocks": 1}, learn)
    >>> cache.last_status, bool(np.array_equal(again.po, first.po))
    ('hit', True)
    >>> tmp.cleanup()
    """

    def __init__(self, cache_dir: PathArg | None = None) -> None:
        self.cache_dir = (default_cache_dir() if cache_dir is None
                          else check_path(cache_dir, "cache_dir").expanduser())
        #: outcome of the last lookup: "hit", "miss" or "recomputed" (damaged/stale file)
        self.last_status: str | None = None
        # temporary files of writers killed mid-write (kill -9); only our own names,
        # and only old ones, so a write in progress elsewhere is left alone
        remove_stale_temps(self.cache_dir)

    def __repr__(self) -> str:
        return f"ResultsCache({str(self.cache_dir)!r})"

    def path_for(self, kind: str, key_dict: dict[str, Any]) -> pathlib.Path:
        """File that holds (or would hold) the result for ``kind`` and ``key_dict``."""
        if not isinstance(kind, str) or not _KIND_RE.match(kind):
            raise ValueError(f"kind must be 1-64 characters of letters, digits, '_' or "
                             f"'-', got {kind!r}")
        if not isinstance(key_dict, dict):
            raise TypeError(f"key_dict must be a dict, got {type(key_dict).__name__}")
        digest = hashlib.sha256(canonical_key(kind, key_dict).encode()).hexdigest()
        return self.cache_dir / f"{kind}-{digest}.npz"

    def get_or_compute(self, kind: str, key_dict: dict[str, Any],
                       compute_fn: Callable[[], ExperimentResult]) -> ExperimentResult:
        """Return the cached result for (kind, key_dict), computing it on a miss.

        Parameters
        ----------
        kind : str
            Protocol name, part of the key and of the file name.
        key_dict : dict
            JSON-serialisable description of *everything* the result depends on
            (parameters, seed, counts...). Anything left out could give stale hits.
        compute_fn : callable
            ``compute_fn() -> ExperimentResult``, called only on a miss.

        Returns
        -------
        ExperimentResult
        """
        if not callable(compute_fn):
            raise TypeError("compute_fn must be callable")
        path = self.path_for(kind, key_dict)
        canon = canonical_key(kind, key_dict)
        status = "miss"
        if path.exists():
            try:
                result, meta = load_with_metadata(path)
                if meta.get("annotations", {}).get("cache_key") == canon:
                    self.last_status = "hit"
                    return result
                status = "recomputed"
            except Exception as exc:      # any unreadable entry is recomputed
                warnings.warn(f"ignoring unreadable cache file {path}, recomputing: "
                              f"{type(exc).__name__}: {exc}", RuntimeWarning,
                              stacklevel=2)
                status = "recomputed"
        result = compute_fn()
        if not isinstance(result, ExperimentResult):
            raise TypeError(f"compute_fn must return an ExperimentResult, "
                            f"got {type(result).__name__}")
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            save_result(result, path, annotations={"cache_key": canon})
        except OSError as exc:
            # a read-only or full cache must not lose a finished computation
            warnings.warn(f"could not write cache file {path}: {exc}", RuntimeWarning,
                          stacklevel=2)
        self.last_status = status
        return result

    def clear(self) -> int:
        """Delete the cached result files in the directory; return how many.

        Only files named exactly as :meth:`path_for` names them (``<kind>-<64 hex
        digits>.npz``) are the cache's; anything else in the directory (other
        ``.npz`` files, sweep stores, notes) is left alone.
        """
        n = 0
        if self.cache_dir.is_dir():
            for f in self.cache_dir.iterdir():
                if _OWN_FILE_RE.match(f.name) and f.is_file() and not f.is_symlink():
                    try:
                        f.unlink()
                    except FileNotFoundError:   # removed concurrently
                        continue
                    n += 1
        return n


