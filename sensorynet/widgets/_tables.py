"""Claim tables for the notebooks: every word visible, rendered as Markdown.

``pandas`` cuts long cells ("…than n…"), which hides what a claim says; the table here
keeps the full text of each claim, its measurement, its expectation and the verdict.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from IPython.display import Markdown  # installed with ipywidgets

__all__ = ["claims_table"]

_VERDICT = {True: "✓", False: "✗", None: "not checked"}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = "" if math.isnan(value) else f"{value:.4g}"
    else:
        text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def claims_table(claims: Sequence[Mapping[str, Any]]) -> Markdown:
    """The claims as a Markdown table (an ``IPython.display.Markdown`` object).

    Parameters
    ----------
    claims : list of dict
        Records with ``claim``, ``measured``, ``expected`` and ``holds`` (and optionally
        ``kind`` and ``z``), as returned by the ``claims()`` methods of the experiments.
    """
    if not isinstance(claims, (list, tuple)) or not all(isinstance(c, dict) for c in claims):
        raise TypeError("claims must be a list of claim dicts (from a .claims() method)")
    for c in claims:
        missing = {"claim", "measured", "expected", "holds"} - set(c)
        if missing:
            raise ValueError(f"claim record lacks {sorted(missing)}: {c!r}")
    rows = ["| kind | claim | measured | expected | holds | z |", "|---|---|---|---|---|---|"]
    for c in claims:
        rows.append("| " + " | ".join([_cell(c.get("kind", "claim")), _cell(c["claim"]),
                                       _cell(c["measured"]), _cell(c["expected"]),
                                       _VERDICT.get(c["holds"], _cell(c["holds"])),
                                       _cell(c.get("z"))]) + " |")
    return Markdown("\n".join(rows))
