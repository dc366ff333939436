"""Shared pieces of the protocols: ablation settings, the check of a published result,
and the claim records and their formatting."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike

from .._results import ExperimentResult, SpikeCounts, SpikeTrain
from .._types import FloatArray

__all__ = ["ABLATIONS", "DEFAULT_LTD_IE", "check_published",
           "is_decreasing", "fmt_values", "number", "claim", "block_rates", "KINDS",
           "ClaimKind"]

#: ablation name -> parameter changes (``ModelParams.replace`` keys)
ABLATIONS: dict[str, dict[str, Any]] = {"all_plastic": {},
             "EI_frozen": {"plasticity.plastic_EI": False},
             "IE_frozen": {"plasticity.plastic_IE": False}}
#: I→E LTD setting used for spontaneous activity (see module docstring)
DEFAULT_LTD_IE = True


def check_published(published: object) -> ExperimentResult:
    if not isinstance(published, ExperimentResult):
        raise TypeError(f"published must be an ExperimentResult (from run_published), "
                        f"got {type(published).__name__}")
    return published


def is_decreasing(values: ArrayLike) -> bool:
    v = np.asarray(values, dtype=np.float64)
    return bool(np.all(np.isfinite(v)) and np.all(np.diff(v) < 0))


def number(v: float | None, spec: str = ".2f") -> str:
    """``v`` formatted by ``spec``, or ``"n/a"`` for ``None``/NaN (a value that could
    not be measured)."""
    return "n/a" if v is None or not np.isfinite(v) else format(v, spec)


def fmt_values(values: ArrayLike, digits: int = 3) -> str:
    return "/".join(f"{x:.{digits}f}" for x in np.asarray(values, dtype=float))


#: kinds of check: a claim of the paper, the identity test with the published model, a
#: finding of this package (no published prediction), a consistency (sanity) check
ClaimKind = Literal["claim", "identity", "finding", "sanity"]
KINDS: tuple[ClaimKind, ...] = get_args(ClaimKind)


def claim(claim: str, measured: Any, expected: str, holds: object, *,
          kind: ClaimKind = "claim", **extra: Any) -> dict[str, Any]:
    """A check record: ``claim``, ``measured``, ``expected``, ``holds`` (True / False /
    None = not evaluated), ``kind`` (:data:`KINDS`) and the fields of a test, None when
    they do not apply: ``effect`` (``estimate``, ``unit``, ``ci95``), ``p``, ``alpha``,
    ``test`` (how it is decided), ``unit`` (unit of replication), ``note`` (why
    ``holds`` is None) and ``key`` (a short stable name of the check); ``extra`` fields
    override or add to them."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rec: dict[str, Any] = {"claim": claim, "measured": measured, "expected": expected,
                           "holds": None if holds is None else bool(holds), "kind": kind,
                           "effect": None, "p": None, "alpha": None, "test": None,
                           "unit": None, "note": None, "key": None}
    rec.update(extra)
    return rec


def block_rates(spikes: Mapping[str, SpikeTrain | SpikeCounts]) -> FloatArray:
    """Mean E and I rate of every learning block (``block_*`` phases), Hz: (n, 2)."""
    keys = sorted(k for k in spikes if k.startswith("block_"))
    return np.array([[spikes[k].population_rates()[p] for p in ("E", "I")] for k in keys])
