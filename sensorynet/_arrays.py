"""Small array helpers shared by the analyses and the figures."""
from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

__all__ = ["bin_mean"]


def bin_mean(a: NDArray[Any], w: int) -> NDArray[Any]:
    """Means of consecutive groups of ``w`` rows of ``a`` (a trailing partial group is dropped)."""
    T = (a.shape[0] // w) * w
    return a[:T].reshape(T // w, w, *a.shape[1:]).mean(1)
