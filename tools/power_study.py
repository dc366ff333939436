#!/usr/bin/env python
"""Power of the identity test against deliberately wrong models, and the numbers of
docs/claims.md that come from it.

    python tools/power_study.py --workers 2        # run what is missing, then evaluate
    python tools/power_study.py --evaluate-only    # re-evaluate the stored runs

Every wrong model (:data:`MODELS`: 89 in three sets — *design*, *held-out*, fixed before
any result was seen, and *random*, drawn once by a fixed generator — covering every
parameter group, ±10 % of the time constants, weight bounds, block length and block
count) and the published model run on the same seeds (:data:`SEEDS`); each run is the
published protocol plus the tuning protocol and both fingerprint parts
(:func:`sensorynet._calibrate.calibration_run`), stored in ``--work``/runs.jsonl as it
finishes (the command resumes). Then, against the packaged ensemble:

* the *shift* of statistic k of a model is the mean over the seeds of
  z_k(wrong) − z_k(published) on the same seed (paired: same W0 and input), in ensemble
  sd on the test's scale; its *largest shift* is over the admitted statistics;
* every run is tested; "rejected on seeds 1 and 2" means the first two seeds;
* the target of issue 24: every model with a largest shift > 5 sd rejected on both
  first seeds, and at least half of the runs of models between 3 and 5 sd rejected.

Writes ``docs/claims/power.json``, ``docs/claims/power.png`` and the generated tables
of ``docs/claims.md`` (between ``<!-- begin: NAME -->`` and ``<!-- end: NAME -->``);
``tests/project/test_claims_doc.py`` checks that the page shows exactly what the file
holds. About 0.6 s per run on one idle core (540 runs).
"""
from __future__ import annotations

import argparse
import json
import math
import pathlib
import sys
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))     # this checkout's sensorynet, even if another is installed

import numpy as np  # noqa: E402

import sensorynet as sn  # noqa: E402
from sensorynet._identity import PARTS, IdentityEnsemble, packaged_ensemble  # noqa: E402
from sensorynet.analysis import Fingerprint  # noqa: E402

DOC = ROOT / "docs" / "claims.md"
OUT_JSON = ROOT / "docs" / "claims" / "power.json"
OUT_PNG = ROOT / "docs" / "claims" / "power.png"
#: seeds of every wrong model and of the published model (paired); the first two are
#: the target's "each of two seeds"
SEEDS = tuple(range(30_000, 30_006))
#: bins of the power curve (largest shift, sd)
CURVE_BINS = ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 7), (7, 10), (10, math.inf))

_P = sn.ModelParams()
_GROUPS = {"network": _P.network, "input": _P.input, "plasticity": _P.plasticity,
           "protocol": _P.protocol}


def _x(group: str, name: str, f: float) -> dict[str, Any]:
    v = getattr(_GROUPS[group], name) * f
    if isinstance(getattr(_GROUPS[group], name), int):
        v = int(round(v))
    return {f"{group}.{name}": v}


def _scaled(group: str, name: str, factors: tuple[float, ...], kind: str
            ) -> dict[str, tuple]:
    return {f"{name} ×{f:g}": (_x(group, name, f), None, group, kind) for f in factors}


def _design() -> dict[str, tuple]:
    d: dict[str, tuple] = {}
    for name, fs in (("tau_m", (0.9, 1.1)), ("theta", (0.95, 1.05)), ("g", (0.95, 1.05)),
                     ("J", (0.95, 1.05))):
        d.update(_scaled("network", name, fs, "design"))
    d["eps_EE ×0.9"] = (_x("network", "eps_EE", 0.9), None, "network", "design")
    d["eps_EI ×1.1"] = (_x("network", "eps_EI", 1.1), None, "network", "design")
    for name, fs in (("b", (0.95, 1.05)), ("m_E", (0.9, 1.1))):
        d.update(_scaled("input", name, fs, "design"))
    d["m_I = 0"] = ({"input.m_I": 0.0}, None, "input", "design")
    d["m_I = 0.04"] = ({"input.m_I": 0.04}, None, "input", "design")
    d["spontaneous_rate ×1.5"] = (_x("input", "spontaneous_rate", 1.5), None, "input",
                                  "design")
    for name, fs in (("A_LTP", (0.9, 1.1)), ("A_LTD", (0.85, 1.1)),
                     ("theta_minus", (0.9, 1.1)), ("theta_plus", (0.9, 1.1)),
                     ("tau_minus", (0.9, 1.1)), ("tau_plus", (0.9, 1.1)),
                     ("tau_x", (0.9, 1.1)), ("w_max", (0.9, 1.1)),
                     ("w_min_inh", (0.9, 1.1)), ("u_ref2", (0.9, 1.1)),
                     ("vbar_window", (0.9, 1.1))):
        d.update(_scaled("plasticity", name, fs, "design"))
    d["ltd_IE off"] = ({"plasticity.ltd_IE": False}, None, "plasticity", "design")
    d["mask_IE off"] = ({"plasticity.mask_IE": False}, None, "plasticity", "design")
    d.update(_scaled("protocol", "block_ms", (0.9, 1.1), "design"))
    d["n_stimuli = 10"] = ({"protocol.n_stimuli": 10}, None, "protocol", "design")
    d["n_stimuli = 40"] = ({"protocol.n_stimuli": 40}, None, "protocol", "design")
    d["test_ms ×1.1"] = (_x("protocol", "test_ms", 1.1), None, "protocol", "design")
    for nb in (35, 45, 36, 44):
        d[f"{nb} blocks"] = ({}, nb, "blocks", "design")
    return d


def _heldout() -> dict[str, tuple]:
    h = "held-out"
    return {
        "tau_m ×0.95": (_x("network", "tau_m", 0.95), None, "network", h),
        "f_exc = 0.78": ({"network.f_exc": 0.78}, None, "network", h),
        "eps_EI ×0.93": (_x("network", "eps_EI", 0.93), None, "network", h),
        "g ×1.025": (_x("network", "g", 1.025), None, "network", h),
        "m_E ×1.05": (_x("input", "m_E", 1.05), None, "input", h),
        "b ×0.98": (_x("input", "b", 0.98), None, "input", h),
        "theta_plus ×1.05": (_x("plasticity", "theta_plus", 1.05), None, "plasticity", h),
        "A_LTP, A_LTD ×1.05": ({**_x("plasticity", "A_LTP", 1.05),
                                **_x("plasticity", "A_LTD", 1.05)}, None, "plasticity", h),
        "A_LTD ×0.93": (_x("plasticity", "A_LTD", 0.93), None, "plasticity", h),
        "u_ref2 ×1.2": (_x("plasticity", "u_ref2", 1.2), None, "plasticity", h),
        "w_max ×0.95": (_x("plasticity", "w_max", 0.95), None, "plasticity", h),
        "tau_x ×1.05": (_x("plasticity", "tau_x", 1.05), None, "plasticity", h),
        "theta_minus ×1.05": (_x("plasticity", "theta_minus", 1.05), None, "plasticity", h),
        "block_ms = 1900": ({"protocol.block_ms": 1900}, None, "protocol", h),
        "42 blocks": ({}, 42, "blocks", h),
    }


def _random(n: int = 24, seed: int = 777) -> dict[str, tuple]:
    """Wrong models drawn once by a fixed generator, never tuned: 1–3 parameters each,
    each factor 1 ± U(3 %, 12 %) (probabilities capped at 1, the block length rounded
    to a multiple of the stimuli per block, the block count to an integer)."""
    rng = np.random.default_rng(seed)
    pool = [("network", "tau_m"), ("network", "theta"), ("network", "g"), ("network", "J"),
            ("network", "eps_EE"), ("network", "eps_EI"), ("network", "eps_IE"),
            ("network", "eps_II"), ("input", "b"), ("input", "m_E"), ("input", "m_I"),
            ("plasticity", "A_LTP"), ("plasticity", "A_LTD"), ("plasticity", "tau_minus"),
            ("plasticity", "tau_plus"), ("plasticity", "tau_x"),
            ("plasticity", "theta_minus"), ("plasticity", "theta_plus"),
            ("plasticity", "u_ref2"), ("plasticity", "w_max"), ("plasticity", "w_min_inh"),
            ("protocol", "block_ms"), ("protocol", "n_blocks")]
    out = {}
    for i in range(n):
        k = int(rng.integers(1, 4))
        picks = rng.choice(len(pool), size=k, replace=False)
        changes, nb, parts = {}, None, []
        for j in picks:
            g, name = pool[j]
            f = 1 + rng.choice([-1, 1]) * rng.uniform(0.03, 0.12)
            base = getattr(_GROUPS[g], name)
            v = base * f
            if name.startswith("eps_"):
                v = min(v, 1.0)
            if name == "block_ms":
                v = int(round(v / _P.protocol.n_stimuli) * _P.protocol.n_stimuli)
            if name == "n_blocks":
                nb = int(round(v))
                parts.append(f"{nb} blocks")
                continue
            changes[f"{g}.{name}"] = v
            parts.append(f"{name} ×{v / base:.3f}")
        out[f"R{i:02d}: " + ", ".join(parts)] = (changes, nb, "random", "random")
    return out


#: name -> (changes, n_blocks or None, parameter group, set)
MODELS: dict[str, tuple] = {**_design(), **_heldout(), **_random()}
#: models the issue names, shown in the docs but not part of the power design
EXAMPLES: dict[str, tuple] = {
    "A_LTD ×1.2": (_x("plasticity", "A_LTD", 1.2), None, "plasticity", "example"),
    "A_LTD ×0.9": (_x("plasticity", "A_LTD", 0.9), None, "plasticity", "example"),
    "A_LTP ×2": (_x("plasticity", "A_LTP", 2.0), None, "plasticity", "example"),
    "20 blocks": ({}, 20, "blocks", "example"),
    "no learning": ({"plasticity.A_LTP": 0.0, "plasticity.A_LTD": 0.0}, None, "plasticity",
                    "example"),
}
PUBLISHED = "published"


# ------------------------------------------------------------------ running
def _read(path: pathlib.Path) -> dict[tuple[str, int], dict[str, Any]]:
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    if not path.exists():
        return runs
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data = data[:data.rfind(b"\n") + 1]
        path.write_bytes(data)
    for line in data.decode().splitlines():
        rec = json.loads(line)
        runs[(rec["model"], rec["seed"])] = rec
    return runs


def _task(name: str, seed: int) -> tuple:
    changes, nb, _, _ = ({}, None, None, None) if name == PUBLISHED else \
        {**MODELS, **EXAMPLES}[name]
    return (500, 40 if nb is None else nb, None, seed, changes)


def run_missing(work: pathlib.Path, workers: int | None, log=print) -> None:
    """Run every (model, seed) not yet in ``work``/runs.jsonl."""
    from sensorynet._calibrate import calibration_run
    path = work / "runs.jsonl"
    work.mkdir(parents=True, exist_ok=True)
    done = _read(path)
    todo = [(m, s) for m in (PUBLISHED, *MODELS, *EXAMPLES) for s in SEEDS
            if (m, s) not in done]
    log(f"power study: {len(done)} runs stored, {len(todo)} to run")
    if not todo:
        return
    t0 = time.perf_counter()
    with open(path, "a", encoding="utf-8") as fh:
        def store(key, rec):
            rec = {"model": key[0], "seed": key[1], **rec}
            fh.write(json.dumps(rec, allow_nan=False) + "\n")
            fh.flush()
        if workers:
            from distributed import Client, as_completed

            from sensorynet.sweep import local_cluster
            with local_cluster(workers, dashboard_address=None) as cl, Client(cl) as client:
                futs = {client.submit(calibration_run, *_task(m, s), pure=False): (m, s)
                        for m, s in todo}
                for i, fut in enumerate(as_completed(futs), 1):
                    store(futs[fut], fut.result())
                    if i % 20 == 0:
                        log(f"  {i}/{len(todo)} runs, {(time.perf_counter() - t0) / i:.2f} s each")
        else:
            for i, (m, s) in enumerate(todo, 1):
                store((m, s), calibration_run(*_task(m, s)))
                if i % 20 == 0:
                    log(f"  {i}/{len(todo)} runs, {(time.perf_counter() - t0) / i:.2f} s each")


# ------------------------------------------------------------------ evaluation
def _fp(rec: dict[str, Any], part: str) -> Fingerprint:
    f = Fingerprint()
    for proto in PARTS[part]:
        f = f.merged(Fingerprint.from_json(rec["fingerprints"][proto]))
    return f


def evaluate(runs: dict[tuple[str, int], dict[str, Any]], ens: IdentityEnsemble
             ) -> dict[str, Any]:
    """Shifts, rejections, the power curve and the target, per part."""
    out: dict[str, Any] = {"seeds": list(SEEDS), "parts": {}}
    for pname, part in ens.parts.items():
        zpub = {s: part.zscores(_fp(runs[(PUBLISHED, s)], pname)) for s in SEEDS}
        pub_tests = [part.test(_fp(runs[(PUBLISHED, s)], pname)) for s in SEEDS]
        models = []
        for name, (changes, nb, group, kind) in {**MODELS, **EXAMPLES}.items():
            fps = [_fp(runs[(name, s)], pname) for s in SEEDS]
            tests = [part.test(f) for f in fps]
            d = np.array([part.zscores(f) - zpub[s] for f, s in zip(fps, SEEDS, strict=True)])
            ok = np.isfinite(d)
            n_ok = ok.sum(axis=0)
            shift = np.where(n_ok > 0, np.where(ok, d, 0.0).sum(axis=0) / np.maximum(n_ok, 1),
                             np.nan)
            fin = np.isfinite(shift)
            order = np.argsort(-np.where(fin, np.abs(shift), -1.0))
            nonfinite = sorted({n for t in tests for n in t.nonfinite})
            k = int(order[0])
            models.append({
                "model": name, "set": kind, "group": group, "changes": changes,
                "blocks": nb,
                "max_shift": float(abs(shift[k])) if fin.any() and not nonfinite
                else math.inf,
                "max_shift_signed": float(shift[k]) if fin.any() else None,
                "max_shift_stat": part.names[k],
                "top_shifts": [[part.names[i], round(float(shift[i]), 2)]
                               for i in order[:3] if fin[i]],
                "nonfinite": nonfinite,
                "rejected": [not t.holds for t in tests],
                "p": [t.p for t in tests]})
        models.sort(key=lambda m: (m["set"] == "example", m["max_shift"]))
        design = [m for m in models if m["set"] != "example"]
        out["parts"][pname] = {
            "n_stats": part.n_stats, "published_rejected": [not t.holds for t in pub_tests],
            "models": models, "curve": _curve(design), "target": _target(design),
            "by_set": {s: _target([m for m in design if m["set"] == s])
                       for s in ("design", "held-out", "random")}}
        for m in models:                     # JSON: an unbounded shift is null
            if math.isinf(m["max_shift"]):
                m["max_shift"] = None
    return out


def shift_of(m: dict[str, Any]) -> float:
    """A model's largest shift (inf when a statistic was not finite)."""
    return math.inf if m["max_shift"] is None else m["max_shift"]


def _curve(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for lo, hi in CURVE_BINS:
        ms = [m for m in models if lo <= m["max_shift"] < hi]
        runs = [r for m in ms for r in m["rejected"]]
        rows.append({"lo": lo, "hi": None if math.isinf(hi) else hi, "models": len(ms),
                     "runs": len(runs), "rejected": int(sum(runs)),
                     "rate": (sum(runs) / len(runs)) if runs else None})
    return rows


def _target(models: list[dict[str, Any]]) -> dict[str, Any]:
    def group(sel):
        ms = [m for m in models if sel(m["max_shift"])]
        runs = [r for m in ms for r in m["rejected"]]
        return {"models": len(ms), "runs": len(runs), "rejected": int(sum(runs)),
                "rate": (sum(runs) / len(runs)) if runs else None,
                "rejected_on_both_first_seeds": sum(all(m["rejected"][:2]) for m in ms),
                "missed": [m["model"] for m in ms if not all(m["rejected"][:2])]}
    gt5, mid, low = group(lambda s: s > 5), group(lambda s: 3 <= s <= 5), group(lambda s: s < 3)
    return {"gt5": {**gt5, "ok": gt5["rejected_on_both_first_seeds"] == gt5["models"]},
            "mid": {**mid, "ok": mid["rate"] is None or mid["rate"] >= 0.5},
            "lt3": low}


def summary(ens: IdentityEnsemble) -> dict[str, Any]:
    """The packaged ensemble's numbers the docs show."""
    return {"command": ens.command, "point": ens.point.to_json(),
            "n_estimation": len(ens.seeds["estimation"]),
            "n_threshold": len(ens.seeds["threshold"]),
            "seeds": {k: [v[0], v[-1]] for k, v in ens.seeds.items()},
            "holdout": ens.holdout, "runtime": ens.runtime,
            "parts": {k: {"n_stats": p.n_stats, "n_candidates": p.n_stats + len(p.dropped),
                          "lambda": p.lam, "d2_threshold": p.threshold,
                          "mean_log_d2": p.null["mean_log_d2"],
                          "sd_log_d2": p.null["sd_log_d2"], "df": p.null["df"],
                          "alpha": p.alpha}
                      for k, p in ens.parts.items()}}


# ------------------------------------------------------------------ rendering
def _fmt_shift(m: dict[str, Any]) -> str:
    if m["max_shift"] is None:
        return "∞ (not finite: " + ", ".join(m["nonfinite"][:2]) + ")"
    return f"{m['max_shift_signed']:+.1f}"


def _bin_label(row: dict[str, Any]) -> str:
    return f"≥ {row['lo']:g}" if row["hi"] is None else f"{row['lo']:g}–{row['hi']:g}"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def render(data: dict[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/claims.md, by name."""
    ens, parts = data["ensemble"], data["power"]["parts"]
    blocks: dict[str, str] = {}
    label = {"full": "full fingerprint (with `selectivity`)",
             "published": "published part (plain `reproduce`)"}
    rows = ["| part | statistics in the test (of candidates) | λ | D² threshold | "
            "held-out false alarms at α = 1 % |", "|---|---|---|---|---|"]
    for k in ("published", "full"):
        p, h = ens["parts"][k], ens["holdout"].get(k, {})
        fa = f"{h['rejected']} / {h['n']} ({100 * h['rejected'] / h['n']:.1f} %)" if h else "–"
        rows.append(f"| {label[k]} | {p['n_stats']} (of {p['n_candidates']}) | "
                    f"{p['lambda']:.3f} | {p['d2_threshold']:.1f} | {fa} |")
    blocks["identity-summary"] = "\n".join(rows)
    blocks["ensemble-command"] = (f"    {ens['command']}\n\n(estimation seeds "
                                  f"{ens['seeds']['estimation'][0]}–"
                                  f"{ens['seeds']['estimation'][1]}, threshold seeds "
                                  f"{ens['seeds']['threshold'][0]}–"
                                  f"{ens['seeds']['threshold'][1]}; median "
                                  f"{ens['runtime'].get('median_per_seed_s', 0):.1f} s "
                                  "per seed on the loaded 2-core machine it ran on)")
    rows = ["| part | largest shift (sd) | models | runs | rejected | rate |",
            "|---|---|---|---|---|---|"]
    for k in ("full", "published"):
        for r in parts[k]["curve"]:
            rows.append(f"| {label[k]} | {_bin_label(r)} | {r['models']} | {r['runs']} | "
                        f"{r['rejected']} | {_pct(r['rate'])} |")
    blocks["power-curve"] = "\n".join(rows)
    rows = ["| part | set | > 5 sd: models rejected on both first seeds | 3–5 sd: runs "
            "rejected | < 3 sd: runs rejected |", "|---|---|---|---|---|"]
    for k in ("full", "published"):
        for s, t in [("all", parts[k]["target"]), *parts[k]["by_set"].items()]:
            g, m, lo = t["gt5"], t["mid"], t["lt3"]
            rows.append(f"| {label[k]} | {s} | {g['rejected_on_both_first_seeds']} / "
                        f"{g['models']} | {m['rejected']} / {m['runs']} ({_pct(m['rate'])}) | "
                        f"{lo['rejected']} / {lo['runs']} ({_pct(lo['rate'])}) |")
    blocks["power-target"] = "\n".join(rows)
    for k in ("full", "published"):
        rows = ["| wrong model | set | group | largest mean shift (sd) | statistic | next "
                "largest | rejected, seed by seed | p, seeds 1 and 2 |",
                "|---|---|---|---|---|---|---|---|"]
        for m in parts[k]["models"]:
            marks = "".join("✗" if r else "·" for r in m["rejected"])
            nxt = "; ".join(f"{n} {v:+.1f}" for n, v in m["top_shifts"][1:3])
            rows.append(f"| {m['model']} | {m['set']} | {m['group']} | {_fmt_shift(m)} | "
                        f"`{m['max_shift_stat']}` | {nxt} | {marks} "
                        f"({sum(m['rejected'])}/{len(m['rejected'])}) | "
                        f"{m['p'][0]:.2g}, {m['p'][1]:.2g} |")
        blocks[f"models-{k}"] = "\n".join(rows)
    specs = Fingerprint.statistics()
    rows = ["| statistic | part | kind → transform | mean ± sd (estimation runs) | in the "
            "test |", "|---|---|---|---|---|"]
    full = data["statistics"]
    for name, st in full.items():
        ms = "–" if st["mean"] is None else (
            f"{st['mean']:.4g} ± {st['sd']:.2g}" if st["sd"] is not None else f"{st['mean']:.4g}")
        rows.append(f"| `{name}` | {specs[name].part} | {specs[name].kind} → "
                    f"{st['transform'] or '–'} | {ms} | "
                    f"{'yes' if st['admitted'] else 'no: ' + st['dropped']} |")
    blocks["statistics"] = "\n".join(rows)
    return blocks


def statistics_table(ens: IdentityEnsemble) -> dict[str, Any]:
    full = ens.parts["full"]
    out = {}
    for name in Fingerprint.statistics():
        raw = full.raw.get(name, {})
        tr = dict(zip(full.names, full.transforms, strict=True)).get(name)
        out[name] = {"mean": raw.get("mean"), "sd": raw.get("sd"), "transform": tr,
                     "admitted": name in full.names,
                     "dropped": full.dropped.get(name, "")}
    return out


def write_doc(blocks: dict[str, str], doc: pathlib.Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    for name, body in blocks.items():
        b, e = f"<!-- begin: {name} -->", f"<!-- end: {name} -->"
        if b not in text or e not in text:
            raise SystemExit(f"{doc}: markers of block {name!r} missing")
        head, rest = text.split(b, 1)
        _, tail = rest.split(e, 1)
        text = f"{head}{b}\n{body}\n{e}{tail}"
    doc.write_text(text, encoding="utf-8")


def plot(data: dict[str, Any], path: pathlib.Path = OUT_PNG) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    colors = {"design": "tab:blue", "held-out": "tab:orange", "random": "tab:green"}
    for ax, k in zip(fig.subplots(1, 2, sharey=True), ("full", "published"), strict=True):
        part = data["power"]["parts"][k]
        for s, c in colors.items():
            ms = [m for m in part["models"] if m["set"] == s]
            x = [min(shift_of(m), 100.0) for m in ms]
            y = [sum(m["rejected"]) / len(m["rejected"]) for m in ms]
            ax.scatter(x, y, s=14, color=c, alpha=0.7, label=f"{s} models")
        xs, ys = [], []
        for r in part["curve"]:
            if r["runs"]:
                xs.append(r["lo"] + 0.5 if r["hi"] is None else (r["lo"] + r["hi"]) / 2)
                ys.append(r["rate"])
        ax.plot(xs, ys, "k-o", ms=4, label="all runs per bin")
        ax.axvline(3, color="0.7", ls=":")
        ax.axvline(5, color="0.7", ls="--")
        ax.axhline(0.5, color="0.85", lw=0.8)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlim(0, 110)
        ax.set(xlabel="largest mean shift of a statistic (ensemble sd)",
               title={"full": "full fingerprint", "published": "published part"}[k])
    fig.axes[0].set_ylabel("share of runs rejected")
    fig.axes[0].legend(fontsize=7, loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig).print_png(str(path))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", default=str(ROOT / ".power_study"),
                    help="directory of the stored runs (default: %(default)s)")
    ap.add_argument("--workers", type=int, default=None,
                    help="local Dask worker processes (default: this process)")
    ap.add_argument("--evaluate-only", action="store_true")
    a = ap.parse_args(argv)
    work = pathlib.Path(a.work)
    if not a.evaluate_only:
        run_missing(work, a.workers)
    ens = packaged_ensemble()
    power = evaluate(_read(work / "runs.jsonl"), ens)
    data = {"ensemble": summary(ens), "power": power, "statistics": statistics_table(ens),
            "command": "python tools/power_study.py"}
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(data, indent=1, allow_nan=False, default=_inf) + "\n",
                        encoding="utf-8")
    plot(data)
    write_doc(render(json.loads(OUT_JSON.read_text())))
    for k, p in power["parts"].items():
        t = p["target"]
        print(f"{k}: > 5 sd {t['gt5']['rejected_on_both_first_seeds']}/{t['gt5']['models']} "
              f"models rejected on both first seeds; 3–5 sd {t['mid']['rejected']}/"
              f"{t['mid']['runs']} runs; < 3 sd {t['lt3']['rejected']}/{t['lt3']['runs']}; "
              f"target {'met' if t['gt5']['ok'] and t['mid']['ok'] else 'NOT met'}")
    return 0


def _inf(o: Any) -> Any:
    raise TypeError(f"not JSON: {o!r}")


if __name__ == "__main__":
    sys.exit(main())
