"""Summaries of sweep tables (pandas): mean and standard error across seeds per
parameter point, and derived metric columns. Pure analysis: no Dask, no simulation.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._validate import require_columns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["summarize", "add_specificity_contrast"]


# ------------------------------------------------------------------- analysis


def summarize(df: pd.DataFrame, by: Sequence[str] | None = None,
              metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Mean and standard error across seeds of each metric, per parameter point.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`sensorynet.sweep.run_sweep` or :func:`sensorynet.sweep.load_sweep`.
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
    require_columns(df, by, "by")
    require_columns(df, metrics, "metrics")
    num = df[metrics].apply(pd.to_numeric, errors="coerce")
    num["_error"] = df["error"].notna() if "error" in df.columns else False
    agg = {m: ["mean", "sem", "count"] for m in metrics}
    agg["_error"] = ["size", "sum"]
    g = num.groupby([df[b] for b in by], sort=True, dropna=False).agg(agg)
    out = pd.DataFrame(index=g.index)
    for m in metrics:                       # pandas' sem is sd(ddof=1)/sqrt(n), NaN if n < 2
        out[f"{m}_mean"], out[f"{m}_sem"], out[f"{m}_n"] = \
            g[(m, "mean")], g[(m, "sem")], g[(m, "count")]
    out["n_runs"], out["n_errors"] = g[("_error", "size")], g[("_error", "sum")].astype(int)
    return out.reset_index()


def add_specificity_contrast(df: pd.DataFrame, name: str = "spec_EE_contrast"
                             ) -> pd.DataFrame:
    """Add ``spec_EE_0_30 − spec_EE_60_90`` (mV) per run as a metric column.

    The difference between the mean E→E weight of similarly and of orthogonally tuned
    pairs: 0 for unstructured connectivity. Returns a copy with ``attrs["metrics"]``
    extended, so :func:`sensorynet.analysis.summarize` and the heat maps see it.
    """
    for col in ("spec_EE_0_30", "spec_EE_60_90"):
        if col not in df.columns:
            raise ValueError(f"the sweep has no {col!r} column; add it to the metrics")
    out = df.copy()
    out[name] = out["spec_EE_0_30"] - out["spec_EE_60_90"]
    out.attrs = dict(df.attrs)
    out.attrs["metrics"] = list(df.attrs.get("metrics", [])) + [name]
    return out


