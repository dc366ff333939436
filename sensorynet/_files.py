"""Files written safely: unique temporary names next to the destination, fsync, then an
atomic replace; paths checked once. Shared by the results store, the cache and sweeps.
"""
from __future__ import annotations

import os
import pathlib
import re
import secrets
from collections.abc import Callable
from typing import BinaryIO

from ._types import PathArg

__all__ = ["TMP_NAME_RE", "tmp_path_for", "atomic_write", "check_path"]


#: names of this package's temporary files: ``.<target name>.<pid>.<12 hex>.tmp``
TMP_NAME_RE = re.compile(r"^\..+\.[0-9]{1,10}\.[0-9a-f]{12}\.tmp$")


def tmp_path_for(path: pathlib.Path) -> pathlib.Path:
    """A unique temporary name next to ``path`` (pid + random suffix)."""
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"


def atomic_write(path: PathArg, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` atomically: ``write(fh)`` fills a unique temporary file in the
    same directory, which is flushed, fsynced and then renamed onto ``path``.

    A reader never sees a half-written file, concurrent writers never share a
    temporary file (the last ``os.replace`` wins), and on any error the temporary
    file is removed and the error re-raised (an ``OSError`` such as a full disk with
    a message naming ``path``; the previous file, if any, is left intact).
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
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.errno is not None:
            raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc} (nothing "
                          "was written there; a previous file is intact)") from exc
        raise


def check_path(path: PathArg, name: str = "path") -> pathlib.Path:
    """``path`` as a :class:`pathlib.Path` (``TypeError`` naming ``name`` otherwise)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or os.PathLike, got {type(path).__name__}")
    return pathlib.Path(path)


