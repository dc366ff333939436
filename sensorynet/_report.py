"""``report.md`` of :func:`sensorynet.reproduce`: every check in a table per kind (claims
of the paper, findings of this package, sanity checks), how the claims were calibrated,
the parameters that differ from the published ones, errors and figures.
"""
from __future__ import annotations

import datetime
import json
import pathlib
import platform
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._params import ModelParams

__all__ = ["write_report", "changed_params"]


def _fmt_cell(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_cell(x) for x in v) + "]"
    return str(v)


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def changed_params(params: ModelParams) -> dict[str, dict[str, Any]]:
    """Parameters that differ from the published ones: ``{"group.name": {"published":
    value, "used": value}}``."""
    base, used = ModelParams().to_dict(), params.to_dict()
    return {f"{g}.{k}": {"published": base[g][k], "used": v}
            for g, vals in used.items() for k, v in vals.items() if base[g][k] != v}


def _holds_cell(c: Mapping[str, Any]) -> str:
    if c["holds"] is None:
        return "– " + (c.get("note") or "not checked")
    return "✓" if c["holds"] else "✗"


def _z_cell(c: Mapping[str, Any]) -> str:
    z = c.get("z")
    return "" if z is None else f"{z:+.2f}"


def _count(n: int | None, noun: str) -> str:
    return f"{'?' if n is None else n} {noun}{'' if n == 1 else 's'}"


def _calibration_lines(info: Mapping[str, Any]) -> list[str]:
    seeds = info["seeds"]
    mk = info.get("m_by_kind", {})
    lines = [
        f"Bands: mean ± k·sd of an ensemble of **n = {info['n']}** runs of the published "
        f"model (N = {info['N']}, {info['blocks']} blocks, seeds {seeds[0]}–{seeds[-1]}, "
        f"made by `{info['command']}` with sensorynet {info['package_version']}). "
        f"**k = {info['k']:.3f}** for every band, so that a new seed of the published "
        f"model fails any of the m = {info['m']} band checks of the report "
        f"({_count(mk.get('claim'), 'claim')}, {_count(mk.get('finding'), 'finding')}, "
        f"{_count(mk.get('sanity'), 'sanity check')}; published experiment and selectivity "
        f"analysis) with probability ≤ {info['alpha']:.0%}: Bonferroni (α/m per band, "
        f"two-sided; normal quantile {info['k_normal_bonferroni']:.3f}), widened to a "
        "prediction interval for mean and sd estimated from n seeds (Student t with "
        "n − 1 degrees of freedom, × √(1 + 1/n)); each number is assumed normal across "
        "seeds. z = (measured − mean)/sd. Checks without a band (thresholds, one-sided "
        "tests at p < 0.01) have their test statistic in z or none. The published code's "
        "values (docs/model.md §6) are context; they do not decide pass or fail."]
    h = info.get("holdout") or {}
    if h.get("n"):
        lines.append(f"False alarms on held-out seeds of the published model (every check of "
                     f"`--experiments all`): {len(h['runs_with_a_failed_check'])} of "
                     f"{h['n']} seeds fail any check.")
    ms = info.get("mutation_score") or {}
    if ms.get("killed") is not None:
        lines.append(f"Mutation score: {ms['killed']} of {ms['total']} wrong models fail "
                     f"at least one check on each of 2 seeds (`{ms['command']}`).")
    lines.append("How the checks are calibrated, k, the false-alarm estimate and the "
                 "mutation score: `docs/claims.md` in the sensorynet source tree.")
    return [" ".join(lines), ""]


_HEADER = ["| experiment | claim | measured | expected | holds | z | published code |",
           "|---|---|---|---|---|---|---|"]

#: report sections: kind -> (title, text)
_SECTIONS = (
    ("claim", "Claims of the paper", None),
    ("finding", "Findings of this package",
     "What this package's model does where the paper makes no prediction."),
    ("sanity", "Sanity checks",
     "Construction checks (weights and rates before learning, consistency of the "
     "experiments); not claims of the paper and not counted above."),
)


def _claim_rows(claims: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"| {_md(c['experiment'])} | {_md(c['claim'])} | "
            f"{_md(_fmt_cell(c['measured']))} | {_md(c['expected'])} | "
            f"{_md(_holds_cell(c))} | {_z_cell(c)} | {_md(c.get('published') or '')} |"
            for c in claims]


def write_report(path: pathlib.Path, *, metrics: Mapping[str, Any],
                 claims: Sequence[Mapping[str, Any]], errors: Mapping[str, str],
                 params: ModelParams, seed: int, blocks: int, runtimes: Mapping[str, float],
                 figures: Sequence[str], version: str) -> None:
    """Write ``report.md``: run information, one table per kind of check, the changed
    parameters, errors, figures and the full parameter set."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# sensorynet reproduction report",
        "",
        "Sadeh, Clopath & Rotter (2015), *Emergence of functional specificity in "
        "balanced networks with synaptic plasticity*, PLoS Comput Biol 11:e1004307.",
        "",
        "| | |", "|---|---|",
        f"| sensorynet version | {version} |",
        f"| date | {now} |",
        f"| Python / numpy | {platform.python_version()} / {np.__version__} |",
        f"| seed | {seed} |",
        f"| learning blocks | {blocks} |",
        f"| network | N = {metrics.get('N')}, N_E = {metrics.get('n_exc')} |",
        f"| runtime | {runtimes['total']:.1f} s in total; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in runtimes.items() if k != "total") + " |",
        "",
    ]
    for kind, title, text in _SECTIONS:
        rows = [c for c in claims if c.get("kind", "claim") == kind]
        if not rows and kind != "claim":
            continue
        n_held = sum(c["holds"] is True for c in rows)
        n_checked = sum(c["holds"] is not None for c in rows)
        lines += [f"## {title}: {n_held} of {n_checked} checked hold"
                  + (f" ({len(rows) - n_checked} not calibrated for this run)"
                     if n_checked < len(rows) else ""), ""]
        if kind == "claim" and "claims_calibration" in metrics:
            lines += _calibration_lines(metrics["claims_calibration"])
        if text:
            lines += [text, ""]
        lines += _HEADER + _claim_rows(rows) + [""]
    if blocks != params.protocol.n_blocks:
        lines += ["", f"Note: {blocks} learning blocks instead of "
                      f"{params.protocol.n_blocks}; the claims about learning are not "
                      "calibrated for this block count and are not checked."]
    changed = metrics.get("run", {}).get("params_changed", {})
    lines += ["", "## Parameters that differ from the published ones", ""]
    if changed:
        lines += ["| parameter | published | used |", "|---|---|---|"]
        lines += [f"| {k} | {_fmt_cell(v['published'])} | {_fmt_cell(v['used'])} |"
                  for k, v in changed.items()]
    else:
        lines += ["None: the published parameters."]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- **{_md(k)}**: {_md(v)}" for k, v in errors.items()]
    lines += ["", "## Figures", ""]
    lines += [f"### {stem}\n\n![{stem}]({stem}.png)\n" for stem in figures]
    lines += ["## Parameters", "", "| parameter | value |", "|---|---|"]
    for group, vals in params.to_dict().items():
        lines += [f"| {group}.{k} | {_fmt_cell(v)} |" for k, v in vals.items()]
    lines += ["", "As JSON (`ModelParams.from_dict`):", "", "```json",
              json.dumps(params.to_dict(), indent=2), "```", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


