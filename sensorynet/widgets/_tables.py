"""Claim tables for the notebooks: every word visible, rendered as Markdown.

``pandas`` cuts long cells ("…than n…"), which hides what a claim says; the table here
keeps the full text of each claim, its measurement, its expectation and the verdict.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from IPython.display import Markdown  # installed with ipywidgets

from .._report import effect_text, p_text

__all__ = ["claims_table"]

_VERDICT = {True: "✓", False: "✗", None: "not evaluated"}


def _cell(value: Any) -> str:
    if isinstance(value, float):
        text = "" if math.isnan(value) else f"{value:.4g}"
    else:
        text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def claims_table(claims: Sequence[Mapping[str, Any]]) -> Markdown:
    """The check records as a Markdown table (an ``IPython.display.Markdown`` object).

    Parameters
    ----------
    claims : list of dict
        Records with ``claim``, ``measured``, ``expected`` and ``holds`` and, where they
        apply, ``kind`` (claim of the paper, identity, finding, sanity), ``effect``
        (estimate, unit, 95 % CI), ``p`` and ``note``: as the ``claims()`` methods of the
        experiments return them, or ``metrics.json``'s ``claims``.
    """
    if not isinstance(claims, (list, tuple)) or not all(isinstance(c, dict) for c in claims):
        raise TypeError("claims must be a list of claim dicts (from a .claims() method)")
    for c in claims:
        missing = {"claim", "measured", "expected", "holds"} - set(c)
        if missing:
            raise ValueError(f"claim record lacks {sorted(missing)}: {c!r}")
    rows = ["| kind | claim | measured | expected | holds | effect [95 % CI] | p |",
            "|---|---|---|---|---|---|---|"]
    for c in claims:
        verdict = _VERDICT.get(c["holds"], _cell(c["holds"]))
        if c["holds"] is None and c.get("note"):
            verdict += f" ({c['note']})"
        rows.append("| " + " | ".join([_cell(c.get("kind", "claim")), _cell(c["claim"]),
                                       _cell(c["measured"]), _cell(c["expected"]),
                                       _cell(verdict), _cell(effect_text(c)),
                                       _cell(p_text(c))]) + " |")
    return Markdown("\n".join(rows))
