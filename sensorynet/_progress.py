"""Progress bars (tqdm.auto: rendered in Jupyter and terminals) for long loops.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

__all__ = ["progress_bar"]

_T = TypeVar("_T")


def progress_bar(iterable: Iterable[_T], enabled: bool, desc: str, total: int
                 ) -> Iterable[_T]:
    """``iterable`` itself, or wrapped in a progress bar when ``enabled``."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, leave=False)


