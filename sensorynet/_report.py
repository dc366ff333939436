"""``report.md`` of :func:`sensorynet.reproduce`: the two questions it answers — do the
paper's claims hold (one-sided tests), and is the run distinguishable from the
published model (the identity test) — then the findings of this package and the sanity
checks, each in a table, the ``--strict`` status (:func:`strict_exit_code`), the run's
summary numbers beside the published code's (docs/model.md §6, context only), the
parameters that differ from the published ones, errors and figures.
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
from ._reference_values import published_range_text, published_values

__all__ = ["write_report", "changed_params", "strict_exit_code", "summary_line",
           "effect_text", "p_text",
           "GATING_KINDS", "EXIT_OK", "EXIT_FAILED", "EXIT_NOT_EVALUATED"]

#: kinds of check that decide ``--strict``: the paper's claims, the identity test and
#: the sanity checks; findings of this package are reported but do not count
GATING_KINDS = ("claim", "identity", "sanity")
#: ``--strict`` exit codes: every check evaluated and holds / a check fails / something
#: could not be evaluated (a failure takes precedence)
EXIT_OK, EXIT_FAILED, EXIT_NOT_EVALUATED = 0, 1, 3


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


def strict_exit_code(claims: Sequence[Mapping[str, Any]], errors: Mapping[str, str]) -> int:
    """The exit code of ``--strict``: :data:`EXIT_FAILED` (1) when a check of a
    :data:`GATING_KINDS` kind fails, else :data:`EXIT_NOT_EVALUATED` (3) when one could
    not be evaluated, a protocol failed or no such check was evaluated at all, else
    :data:`EXIT_OK` (0). Findings never change it."""
    gating = [c for c in claims if c.get("kind", "claim") in GATING_KINDS]
    if any(c["holds"] is False for c in gating):
        return EXIT_FAILED
    if errors or not gating or any(c["holds"] is None for c in gating):
        return EXIT_NOT_EVALUATED
    return EXIT_OK


def _holds_cell(c: Mapping[str, Any]) -> str:
    if c["holds"] is None:
        return "– " + (c.get("note") or "not evaluated")
    return "✓" if c["holds"] else "✗"


def _num(v: float | None, spec: str = ".3g") -> str:
    return "" if v is None or not np.isfinite(v) else format(v, spec)


def effect_text(c: Mapping[str, Any]) -> str:
    """A check record's effect as ``"estimate [low, high] unit"`` (``""`` without one);
    the report and the notebooks' claim tables show the same text."""
    e = c.get("effect")
    if not isinstance(e, dict) or e.get("estimate") is None:
        return ""
    text = _num(e["estimate"])
    ci = e.get("ci95")
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and None not in ci:
        text += f" [{_num(ci[0])}, {_num(ci[1])}]"
    return text + (f" {e['unit']}" if e.get("unit") else "")


def p_text(c: Mapping[str, Any]) -> str:
    """A check record's p-value as text (``""`` without one)."""
    p = c.get("p")
    if p is None:
        return ""
    return "< 1e-300" if p < 1e-300 else f"{p:.2g}"


_HEADER = ["| experiment | claim | measured | expected | holds | effect [95 % CI] | p |",
           "|---|---|---|---|---|---|---|"]

#: report sections: kind -> (title, text)
_SECTIONS = (
    ("claim", "Claims of the paper",
     "Each claim as the paper states it, a one-sided test at α = 0.01 with its effect "
     "size, 95 % confidence interval, p-value and unit of replication (the `test` and "
     "`unit` fields of `metrics.json`). Judged at any network size, block count, scaling "
     "rule and `--set`: no calibration is involved; a model with a stronger effect "
     "passes."),
    ("finding", "Findings of this package",
     "What this package's model does where the paper makes no prediction; reported, "
     "never part of the `--strict` status."),
    ("sanity", "Sanity checks",
     "Consistency of the experiments (not claims of the paper)."),
)

_STRICT_TEXT = ("`--strict` exit status: 0 only when every claim of the paper, the identity "
                "test and every sanity check was evaluated and holds; 1 when one of them "
                "fails; 3 when something could not be evaluated (no identity ensemble for "
                "this configuration, an experiment that did not run); 1 takes precedence "
                "over 3. Findings never change it. How each check is decided: "
                "`docs/claims.md` in the sensorynet source tree.")


def _claim_rows(claims: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"| {_md(c['experiment'])} | {_md(c['claim'])} | "
            f"{_md(_fmt_cell(c['measured']))} | {_md(c['expected'])} | "
            f"{_md(_holds_cell(c))} | {_md(effect_text(c))} | {p_text(c)} |"
            for c in claims]


def _identity_lines(c: Mapping[str, Any] | None) -> list[str]:
    if c is None:
        return []
    lines = ["## Identity with the published model", ""]
    if c["holds"] is None:
        return lines + [f"**Not tested.** {_md(c.get('note') or '')}", ""]
    verdict = ("**Not distinguishable from the published model**" if c["holds"] else
               "**Rejected: distinguishable from the published model**")
    what = str(c["claim"]).replace("Identity with the published model ", "")
    lines += [f"{verdict} {_md(what)}: {_md(c['measured'])}; expected "
              f"{_md(c['expected'])}.", "",
              f"Test: {_md(c.get('test') or '')}; unit: {_md(c.get('unit') or '')}; "
              f"ensemble: `{c.get('ensemble')}`."
              + (f" Note: {_md(c['note'])}." if c.get("note") else ""), ""]
    devs = c.get("deviations") or []
    if devs:
        lines += ["Statistics that deviate most (deviation from the ensemble mean in "
                  "ensemble sd, on the scale the test uses; docs/claims.md lists their "
                  "definitions):", "", "| statistic | deviation (sd) |", "|---|---|"]
        lines += [f"| {d['statistic']} | "
                  f"{'not finite' if d['z'] is None else format(d['z'], '+.2f')} |"
                  for d in devs]
        lines.append("")
    return lines


def _get(metrics: Mapping[str, Any], *path: str | int) -> Any:
    """``metrics[path[0]][path[1]]...`` or None where the run did not record it."""
    v: Any = metrics
    for k in path:
        try:
            v = v[k]
        except (KeyError, IndexError, TypeError):
            return None
    return v


def _values(v: Any, spec: str) -> str:
    """One number or a list of them (per |ΔPO| bin) as text; ``n/a`` where missing."""
    if isinstance(v, (list, tuple)):
        return " / ".join(_values(x, spec) for x in v) if v else "n/a"
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        return "n/a"
    return format(v, spec)


#: (label, unit, metrics path before, metrics path after, published_values name, spec)
_CONTEXT = (
    ("E rate during the π/2 test", "Hz", ("rates", "before", "E"), ("rates", "after", "E"),
     "rate_E_test", ".2f"),
    ("I rate during the π/2 test", "Hz", ("rates", "before", "I"), ("rates", "after", "I"),
     "rate_I_test", ".2f"),
    ("E rate in the first → last learning block", "Hz", ("rates", "learning_blocks_E", 0),
     ("rates", "learning_blocks_E", -1), "rate_E_learning", ".2f"),
    ("mean E→E weight over all E pairs by |ΔPO| 0–30° / 30–60° / 60–90°", "mV",
     ("specificity_EE", "initial"), ("specificity_EE", "final"), "specificity_EE", ".3f"),
    ("mean E→I weight of existing synapses", "mV", ("mean_weight_existing", "EI", "initial"),
     ("mean_weight_existing", "EI", "final"), "mean_EI", ".3f"),
    ("mean I→E weight of existing synapses", "mV", ("mean_weight_existing", "IE", "initial"),
     ("mean_weight_existing", "IE", "final"), "mean_IE", ".3f"),
)


def _context_lines(metrics: Mapping[str, Any]) -> list[str]:
    """The run's summary numbers beside the published code's (docs/model.md §6)."""
    lines = ["## This run beside the published code", "",
             "Context, not a check: the published code's values at the published "
             "parameters (N = 500, 40 blocks; two independent runs, docs/model.md §6). "
             "Whether this run is the published model is the identity test's question.",
             "", "| quantity | this run, before → after | published code, before → after |",
             "|---|---|---|"]
    for label, unit, before, after, name, spec in _CONTEXT:
        run = f"{_values(_get(metrics, *before), spec)} → {_values(_get(metrics, *after), spec)}"
        pub = f"{published_range_text(name, 'before')} → {published_range_text(name, 'after')}"
        tol = published_values()[name].get("after_tolerance")
        pub += f" (± {tol:g} each)" if tol else ""
        lines.append(f"| {_md(label)} ({unit}) | {run} | {pub} |")
    return lines + [""]


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
    ident = [c for c in claims if c.get("kind") == "identity"]
    lines += [f"**{summary_line(claims, errors)}.** {_STRICT_TEXT} This run's `--strict` "
              f"status: **{strict_exit_code(claims, errors)}**.", ""]
    for kind, title, text in _SECTIONS:
        rows = [c for c in claims if c.get("kind", "claim") == kind]
        if kind == "finding":                  # the identity test follows the claims
            lines += _identity_lines(ident[-1] if ident else None)
        if not rows and kind != "claim":
            continue
        n_held = sum(c["holds"] is True for c in rows)
        n_checked = sum(c["holds"] is not None for c in rows)
        lines += [f"## {title}: {n_held} of {n_checked} hold"
                  + (f" ({len(rows) - n_checked} could not be evaluated)"
                     if n_checked < len(rows) else ""), ""]
        if text:
            lines += [text, ""]
        lines += _HEADER + _claim_rows(rows) + [""]
    lines += _context_lines(metrics)
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


def summary_line(claims: Sequence[Mapping[str, Any]], errors: Mapping[str, str]) -> str:
    """One line: how many claims of the paper hold, the identity verdict, failed
    findings and sanity checks, failed experiments."""
    paper = [c for c in claims if c.get("kind", "claim") == "claim"]
    held = sum(c["holds"] is True for c in paper)
    evaluated = sum(c["holds"] is not None for c in paper)
    text = (f"{held} of {evaluated} claims of the paper hold"
            + (f" ({len(paper) - evaluated} could not be evaluated)"
               if evaluated < len(paper) else "")
            if evaluated else "no claim of the paper could be evaluated")
    ident = [c for c in claims if c.get("kind") == "identity"]
    if ident:
        c = ident[-1]
        p = c.get("p")
        ptxt = "" if p is None else f" (p = {p_text({'p': p})})"
        text += "; identity with the published model: " + (
            "not tested" if c["holds"] is None else
            ("passed" if c["holds"] else "REJECTED") + ptxt)
    for kind, noun in (("finding", "finding(s) of this package"),
                       ("sanity", "sanity check(s)")):
        bad = sum(c["holds"] is False for c in claims if c.get("kind") == kind)
        if bad:
            text += f"; {bad} {noun} do not hold"
    return text + f"; {len(errors)} experiment(s) failed"
