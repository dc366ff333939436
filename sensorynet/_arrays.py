"""Small array helpers shared by the analyses and the figures."""
from __future__ import annotations

__all__ = ["bin_mean"]


def bin_mean(a, w):
    """Means of consecutive groups of ``w`` rows of ``a`` (a trailing partial group is dropped)."""
    T = (a.shape[0] // w) * w
    return a[:T].reshape(T // w, w, *a.shape[1:]).mean(1)
