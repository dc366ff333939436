"""The published code's reference values (docs/model.md §6), from one packaged file.

The report, the README, the claims table and the notebooks quote the published
results from here, so they cannot disagree; ``docs/model.md`` §6 lists the same
numbers (a test keeps them identical).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["published_values", "published_range_text"]

FILE = "published_values.json"


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    text = resources.files(__package__ or "sensorynet").joinpath("data").joinpath(FILE).read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def published_values() -> dict[str, Any]:
    """The reference values of docs/model.md §6.

    Returns
    -------
    dict
        name → ``{"label", "unit", "before", "after"}`` (a value, a ``[low, high]``
        range of two runs, or a list per |Δφ| bin), e.g.
        ``published_values()["rate_E_test"]["after"] == [3.5, 4.1]``.
    """
    copy: dict[str, Any] = json.loads(json.dumps(_load()))   # callers cannot alter the source
    return copy


def published_range_text(name: str, phase: str, fmt: str = "g") -> str:
    """``"3.5–4.1"`` (a range), ``"0.42 / 0.25 / 0.1"`` (per bin) or ``"7.8"``."""
    vals = _load()
    if name not in vals:
        raise ValueError(f"no published value {name!r}; known: {sorted(vals)}")
    if phase not in ("before", "after"):
        raise ValueError(f"phase must be 'before' or 'after', got {phase!r}")
    v = vals[name][phase]
    if isinstance(v, list) and len(v) == 2 and name.startswith("rate"):
        return f"{v[0]:{fmt}}–{v[1]:{fmt}}"
    if isinstance(v, list):
        return " / ".join(f"{x:{fmt}}" for x in v)
    return f"{v:{fmt}}"
