"""Progress bars (tqdm.auto: rendered in Jupyter and terminals) for long loops.
"""
from __future__ import annotations

__all__ = ["progress_bar"]



def progress_bar(iterable, enabled, desc, total):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, leave=False)


