"""Sweep results: the on-disk store (one JSON line per run) and tables/figures of them.

Layout of a store directory::

    DIR/runs.jsonl   one JSON object per finished run (see :class:`SweepStore`)
    DIR/spec.json    the last spec run into this directory (for :func:`load_sweep`)
    DIR/results.csv  written by the command-line interface at the end of a sweep

Plain JSON, no pickles: the store can be read by any tool (``jq``, ``pandas``), and a
record never executes code when loaded. Records are keyed by the run's content hash
(:attr:`sensorynet.sweep_spec.Run.run_id`); when an id appears several times (a run
recomputed with ``retry_errors``) the last line wins. Each line is flushed and fsynced
when written, so a killed driver loses at most the runs still in flight; a torn last
line (killed mid-write) is skipped with a warning and its run is simply recomputed.

Non-finite metric values are written as ``null`` (NaN) or the strings ``"inf"`` /
``"-inf"``, so every line is strict JSON.
"""
from __future__ import annotations

import json
import math
import os
import pathlib
import warnings

import numpy as np

from .sweep_spec import METRICS, SweepSpec, as_spec

__all__ = [
    "SweepStore",
    "load_sweep",
    "summarize",
    "plot_sweep_heatmap",
    "plot_sweep_line",
    "RUNS_FILE",
    "SPEC_FILE",
    "INFO_COLUMNS",
    "PARAM_UNITS",
]

RUNS_FILE = "runs.jsonl"
SPEC_FILE = "spec.json"

#: bookkeeping columns of a sweep DataFrame (after parameters, seeds and metrics)
INFO_COLUMNS = ("runtime_s", "error", "n_blocks", "worker", "from_store", "run_id")


def _encode_float(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _decode_float(x):
    return float("nan") if x is None else float(x)


class SweepStore:
    """Append-only JSON-lines store of finished runs in a directory.

    Parameters
    ----------
    directory : str or path-like
        Created (with parents) on first write.

    Notes
    -----
    A record is a dict with at least ``run_id`` (str), ``metrics`` (name → float),
    ``error`` (str or None); :func:`sensorynet.sweep.run_sweep` also writes
    ``values``, ``seed_index``, ``seed``, ``n_blocks``, ``params`` (full nested
    parameter dict), ``traceback``, ``runtime_s``, ``worker``, ``finished_at`` (UTC,
    ISO 8601) and ``version`` (sensorynet version).

    Only one process should write to a store at a time.
    """

    def __init__(self, directory):
        if not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"out must be a directory path, got {type(directory).__name__}")
        self.directory = pathlib.Path(directory).expanduser()
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"out={str(self.directory)!r} exists and is not a directory")

    @property
    def runs_path(self) -> pathlib.Path:
        return self.directory / RUNS_FILE

    @property
    def spec_path(self) -> pathlib.Path:
        return self.directory / SPEC_FILE

    def load(self) -> dict:
        """All stored records, run_id → record (last line wins); ``{}`` if none."""
        out = {}
        if not self.runs_path.exists():
            return out
        bad = 0
        with open(self.runs_path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    rec = json.loads(line)
                    rid = rec["run_id"]
                    rec["metrics"] = {k: _decode_float(v)
                                      for k, v in rec.get("metrics", {}).items()}
                except (ValueError, KeyError, TypeError, AttributeError):
                    bad += 1
                    continue
                out[rid] = rec
        if bad:
            warnings.warn(f"{self.runs_path}: skipped {bad} unreadable line(s) "
                          "(e.g. torn by an interrupted write); those runs will be redone",
                          RuntimeWarning, stacklevel=2)
        return out

    def append(self, record: dict) -> None:
        """Append one record as a JSON line, flushed and fsynced."""
        if "run_id" not in record:
            raise ValueError("record needs a 'run_id'")
        rec = dict(record)
        rec["metrics"] = {k: _encode_float(v) for k, v in rec.get("metrics", {}).items()}
        if "runtime_s" in rec:
            rec["runtime_s"] = _encode_float(rec["runtime_s"])
        line = json.dumps(rec, sort_keys=True, allow_nan=False, separators=(",", ":"))
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.runs_path
        with open(path, "a+b") as fh:
            # a previous writer killed mid-line leaves no newline: start a fresh line
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(line.encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    def write_spec(self, spec_dict: dict) -> None:
        """Write ``spec.json`` atomically (temporary file + rename)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.spec_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(spec_dict, indent=2, sort_keys=False, allow_nan=False)
                       + "\n", encoding="utf-8")
        os.replace(tmp, self.spec_path)

    def read_spec(self) -> dict:
        """The dict written by :meth:`write_spec`."""
        if not self.spec_path.exists():
            raise FileNotFoundError(f"no {SPEC_FILE} in {self.directory}")
        return json.loads(self.spec_path.read_text(encoding="utf-8"))

    def __len__(self):
        return len(self.load())

    def __repr__(self):
        return f"SweepStore({str(self.directory)!r})"


# ------------------------------------------------------- tables and figures
def _frame(spec, records, fresh=frozenset(), only_present=False):
    import pandas as pd
    rows = []
    for run in spec.runs:
        rec = records.get(run.run_id)
        if rec is None and only_present:
            continue
        rec = rec or {"metrics": {}, "error": "not run"}
        row = dict(run.values)
        row["seed_index"], row["seed"] = run.seed_index, run.seed
        for m in spec.metrics:
            row[m] = float(rec["metrics"].get(m, float("nan")))
        rt = rec.get("runtime_s")
        row.update(runtime_s=float("nan") if rt is None else float(rt),
                   error=rec.get("error"), n_blocks=run.n_blocks, worker=rec.get("worker"),
                   from_store=run.run_id not in fresh, run_id=run.run_id)
        rows.append(row)
    cols = [*spec.param_names, "seed_index", "seed", *spec.metrics, *INFO_COLUMNS]
    df = pd.DataFrame(rows, columns=cols)
    for m in spec.metrics:
        df[m] = df[m].astype(float)
    df["error"] = df["error"].astype(object).where(df["error"].notna(), None)
    df.attrs["sweep_params"] = list(spec.param_names)
    df.attrs["metrics"] = list(spec.metrics)
    return df


def load_sweep(out, spec=None):
    """Read a sweep store into a DataFrame without running anything.

    Parameters
    ----------
    out : str or path-like
        Store directory of :func:`run_sweep`.
    spec : SweepSpec, dict or path, optional
        Which sweep to read (default: the ``spec.json`` last written there).

    Returns
    -------
    pandas.DataFrame
        As :func:`run_sweep`, with only the runs present in the store.

    Warns
    -----
    RuntimeWarning
        If runs of the spec are missing while the store holds records of other runs:
        run ids include the sensorynet version and source fingerprint, so records
        computed by different code do not match (:func:`run_sweep` recomputes them).
    """
    store = SweepStore(out)
    spec = as_spec(spec) if spec is not None else SweepSpec.from_dict(store.read_spec())
    records = store.load()
    ids = {r.run_id for r in spec.runs}
    missing = sum(rid not in records for rid in ids)
    other = sum(rid not in ids for rid in records)
    if missing and other:
        warnings.warn(f"{store.directory}: {missing} of {len(ids)} run(s) of this spec are "
                      f"not in the store, which holds {other} record(s) of other runs -- "
                      "e.g. of another spec, or computed by a different sensorynet "
                      "version or source (run ids include both); run_sweep recomputes "
                      "missing runs", RuntimeWarning, stacklevel=2)
    return _frame(spec, records, only_present=True)


# ------------------------------------------------------------------- analysis
def _check_columns(df, cols, what):
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} not in the DataFrame "
                         f"(columns: {list(df.columns)})")


def summarize(df, by=None, metrics=None):
    """Mean and standard error across seeds of each metric, per parameter point.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`run_sweep` or :func:`load_sweep`.
    by : list of str, optional
        Columns to group by (default ``df.attrs["sweep_params"]``).
    metrics : list of str, optional
        Metric columns (default ``df.attrs["metrics"]``).

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, then for each metric ``<m>_mean``,
        ``<m>_sem`` (standard deviation / sqrt(n), NaN when n < 2) and ``<m>_n`` (runs
        with a finite value), then ``n_runs`` and ``n_errors``.
    """
    import pandas as pd
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    by = list(df.attrs.get("sweep_params", [])) if by is None else \
        ([by] if isinstance(by, str) else list(by))
    metrics = list(df.attrs.get("metrics", [])) if metrics is None else \
        ([metrics] if isinstance(metrics, str) else list(metrics))
    if not by:
        raise ValueError("by: give the parameter column(s) to group by")
    if not metrics:
        raise ValueError("metrics: give the metric column(s) to summarise")
    _check_columns(df, by, "by")
    _check_columns(df, metrics, "metrics")
    g = df.groupby(by, sort=True, dropna=False)
    vals = df[metrics].apply(pd.to_numeric, errors="coerce").groupby(
        [df[b] for b in by], sort=True, dropna=False)
    mean, std, n = vals.mean(), vals.std(ddof=1), vals.count()
    out = pd.DataFrame(index=mean.index)
    for m in metrics:
        out[f"{m}_mean"] = mean[m]
        out[f"{m}_sem"] = (std[m] / np.sqrt(n[m])).where(n[m] >= 2)
        out[f"{m}_n"] = n[m]
    out["n_runs"] = g.size()
    err = df["error"].notna() if "error" in df.columns else pd.Series(False, df.index)
    out["n_errors"] = err.groupby([df[b] for b in by], sort=True, dropna=False).sum()
    return out.reset_index()


def _select(df, where, keep):
    """Rows matching ``where``; check other swept parameters are fixed."""
    d = df
    for k, v in (where or {}).items():
        _check_columns(d, [k], "where")
        d = d[np.isclose(d[k], v)] if isinstance(v, float) else d[d[k] == v]
    if d.empty:
        raise ValueError(f"no runs match where={where!r}")
    varying = [p for p in df.attrs.get("sweep_params", []) if p not in keep
               and d[p].nunique(dropna=False) > 1]
    if varying:
        raise ValueError(f"parameter(s) {varying} also vary; fix them with "
                         f"where={{{varying[0]!r}: value, ...}}")
    return d


def _metric_label(metric):
    m = METRICS.get(metric)
    return m.label if m is not None else metric


#: units of the model parameters (see the docstrings of :mod:`sensorynet.params`), for
#: axis labels; parameters not listed are dimensionless (or counts, or switches)
PARAM_UNITS = {
    "network.J": "mV", "network.tau_m": "ms", "network.theta": "mV", "network.dt": "ms",
    "input.b": "Hz", "input.spontaneous_rate": "Hz",
    "plasticity.A_LTD": "mV⁻¹", "plasticity.A_LTP": "mV⁻²",
    "plasticity.tau_minus": "ms", "plasticity.tau_plus": "ms", "plasticity.tau_x": "ms",
    "plasticity.theta_minus": "mV", "plasticity.theta_plus": "mV",
    "plasticity.u_ref2": "mV²", "plasticity.w_max": "mV", "plasticity.w_min_inh": "mV",
    "plasticity.vbar_window": "steps",
    "protocol.test_ms": "ms", "protocol.test_theta": "rad", "protocol.block_ms": "ms",
}

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and \
        not isinstance(v, (bool, np.bool_))


def _axis_exponent(values) -> int:
    """Power of ten shared by an axis's tick labels (0: plain numbers are compact).

    Values whose ``.4g`` form is short and has no exponent (``6``, ``0.25``, ``2000``)
    are shown as they are; otherwise (``4e-05``, ``0.00012``) all ticks are divided by
    ``10**e``, with ``e`` the exponent of the smallest magnitude (of the largest when
    they span three decades or more), and the axis label says ``×10ᵉ``.
    """
    mags = [abs(float(v)) for v in values if _is_number(v) and np.isfinite(v) and v != 0]
    if not mags:
        return 0
    if all("e" not in f"{m:.4g}" and len(f"{m:.4g}") <= 5 for m in mags):
        return 0
    lo, hi = min(mags), max(mags)
    return int(np.floor(np.log10(hi if hi / lo >= 1e3 else lo)))


def _tick(v, e: int) -> str:
    """Tick label of value ``v`` on an axis scaled by ``10**e``."""
    if not _is_number(v):
        return str(v)
    x = float(v) / 10.0 ** e
    return "0" if x == 0 else f"{x:.4g}"


def _param_label(name, e: int = 0) -> str:
    """Axis label of a parameter: ``name (×10ᵉ unit)``, ``name (unit)`` or ``name``."""
    unit = PARAM_UNITS.get(name, "")
    scale = f"×10{str(e).translate(_SUPERSCRIPT)}" if e else ""
    inner = " ".join(p for p in (scale, unit) if p)
    return f"{name} ({inner})" if inner else str(name)


def plot_sweep_heatmap(df, x, y, metric, *, where=None, ax=None, annotate=True,
                       cmap="viridis"):
    """Heat map of a metric's mean over seeds on a 2-D parameter grid.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`run_sweep` / :func:`load_sweep`.
    x, y : str
        Parameter columns for the horizontal and vertical axes.
    metric : str
        Metric column.
    where : dict, optional
        Fix other swept parameters (column → value) when there are more than two.
    ax : matplotlib Axes, optional
        Draw into it (default: a new Figure).
    annotate : bool
        Write ``mean ± s.e.m. (n)`` in every cell (the error information).
    cmap : str

    Returns
    -------
    matplotlib.figure.Figure
        Axes labelled with the parameter names and units (tick values that need an
        exponent share one, given in the label: ``plasticity.A_LTP (×10⁻⁵ mV⁻²)``);
        colour bar labelled with the metric and its unit; the title says how many
        seeds each cell averages.
    """
    from matplotlib.figure import Figure
    _check_columns(df, [x, y, metric], "plot_sweep_heatmap")
    if x == y:
        raise ValueError(f"x and y must differ, both are {x!r}")
    d = _select(df, where, {x, y})
    s = summarize(d, by=[y, x], metrics=[metric])
    xs, ys = sorted(d[x].unique()), sorted(d[y].unique())
    M = np.full((len(ys), len(xs)), np.nan)
    S, N = M.copy(), np.zeros_like(M)
    for _, r in s.iterrows():
        i, j = ys.index(r[y]), xs.index(r[x])
        M[i, j], S[i, j], N[i, j] = (r[f"{metric}_mean"], r[f"{metric}_sem"],
                                     r[f"{metric}_n"])
    if ax is None:
        fig = Figure(figsize=(1.2 * len(xs) + 3.0, 0.9 * len(ys) + 2.2),
                     layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    im = ax.imshow(np.ma.masked_invalid(M), origin="lower", aspect="auto", cmap=cmap)
    ex, ey = _axis_exponent(xs), _axis_exponent(ys)
    xt = [_tick(v, ex) for v in xs]
    ax.set_xticks(range(len(xs)), xt)
    ax.set_yticks(range(len(ys)), [_tick(v, ey) for v in ys])
    if max(map(len, xt)) > 6:
        ax.tick_params(axis="x", labelrotation=30)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
    ax.set_xlabel(_param_label(x, ex))
    ax.set_ylabel(_param_label(y, ey))
    fig.colorbar(im, ax=ax, label=f"{_metric_label(metric)}, mean over seeds")
    if annotate:
        finite = M[np.isfinite(M)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for i in range(len(ys)):
            for j in range(len(xs)):
                txt = "n/a" if not np.isfinite(M[i, j]) else (
                    f"{M[i, j]:.3g}\n±{S[i, j]:.2g}" if np.isfinite(S[i, j])
                    else f"{M[i, j]:.3g}")
                ax.text(j, i, txt, ha="center", va="center", fontsize=8,
                        color="black" if np.isfinite(M[i, j]) and M[i, j] > mid else "white")
    n_lo, n_hi = int(N.min()), int(N.max())
    ax.set_title(f"{metric}: mean ± s.e.m. over "
                 f"{n_lo if n_lo == n_hi else f'{n_lo}–{n_hi}'} seed(s)")
    return fig


def plot_sweep_line(df, x, metric, *, hue=None, where=None, ax=None):
    """Mean ± s.e.m. over seeds of a metric against one parameter (optionally per hue).

    Parameters
    ----------
    df : pandas.DataFrame
    x : str
        Parameter on the horizontal axis.
    metric : str
    hue : str, optional
        Second parameter: one line per value.
    where : dict, optional
        Fix further swept parameters.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        x axis labelled with the parameter name and unit (tick values share one
        exponent, given in the label), y axis with the metric and its unit; with
        ``hue``, a legend titled with the hue parameter, outside the axes on the right.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter
    cols = [x, metric] + ([hue] if hue else [])
    _check_columns(df, cols, "plot_sweep_line")
    d = _select(df, where, {x, hue} - {None})
    if ax is None:
        fig = Figure(figsize=(5.0 if hue is None else 6.4, 3.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    groups = [(None, d)] if hue is None else list(d.groupby(hue, sort=True))
    eh = 0 if hue is None else _axis_exponent([h for h, _ in groups])
    for h, sub in groups:
        s = summarize(sub, by=[x], metrics=[metric])
        ax.errorbar(s[x], s[f"{metric}_mean"], yerr=s[f"{metric}_sem"], marker="o",
                    capsize=3, label=None if hue is None else _tick(h, eh))
    xs = sorted(v for v in d[x].unique() if _is_number(v) and np.isfinite(v))
    ex = _axis_exponent(xs)
    span = (xs[-1] - xs[0]) if len(xs) > 1 else 0.0
    if 1 < len(xs) <= 8 and np.min(np.diff(xs)) >= span / 12:
        ax.set_xticks(xs)                  # ticks at the swept values, if they fit
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v, ex)))
    ax.set_xlabel(_param_label(x, ex))
    ax.set_ylabel(_metric_label(metric))
    ax.set_title(f"{metric}: mean ± s.e.m. over seeds")
    if hue is not None:
        ax.legend(title=_param_label(hue, eh), fontsize=8, title_fontsize=8,
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return fig
