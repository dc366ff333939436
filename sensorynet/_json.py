"""JSON conversion shared by the results files, the cache keys and the reports."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["jsonable", "json_default"]


def jsonable(obj: Any) -> Any:
    """Plain JSON types (dicts, lists, bool, int, float, str, None); NaN/inf become null
    so that the JSON is strict; anything else becomes its ``str``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def json_default(obj: Any) -> Any:
    # numpy scalars are common in hand-made ``extra`` dicts; store their Python value
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"result.extra must be JSON-serialisable; "
                    f"{type(obj).__name__} is not")


