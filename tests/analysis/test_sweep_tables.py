"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""

import numpy as np
import pytest

from sensorynet.analysis._sweep_tables import summarize

pd = pytest.importorskip("pandas")


# ---------------------------------------------------------------- summaries, plots
def _toy_frame():
    rows = []
    for g in (6.0, 8.0):
        for a in (1e-4, 2e-4):
            for s in range(3):
                rows.append({"network.g": g, "plasticity.A_LTP": a, "seed_index": s,
                             "rate_E_after": g + 1e4 * a + s, "error": None})
    df = pd.DataFrame(rows)
    df.attrs["sweep_params"] = ["network.g", "plasticity.A_LTP"]
    df.attrs["metrics"] = ["rate_E_after"]
    df.attrs["metric_labels"] = {"rate_E_after": "rate_E_after (Hz)"}
    return df




def test_summarize_mean_sem_across_seeds():
    df = _toy_frame()
    df.loc[5, "rate_E_after"] = np.nan
    df.loc[5, "error"] = "x"
    s = summarize(df)
    assert list(s.columns) == ["network.g", "plasticity.A_LTP", "rate_E_after_mean",
                               "rate_E_after_sem", "rate_E_after_n", "n_runs", "n_errors"]
    r = s.iloc[0]          # g=6, A=1e-4: values 7, 8, 9
    assert r["rate_E_after_mean"] == pytest.approx(8.0)
    assert r["rate_E_after_sem"] == pytest.approx(1 / np.sqrt(3))
    r = s.iloc[1]          # g=6, A=2e-4: values 8, 9, NaN
    assert (r["rate_E_after_n"], r["n_runs"], r["n_errors"]) == (2, 3, 1)
    assert r["rate_E_after_mean"] == pytest.approx(8.5)
    one = summarize(df, by="network.g", metrics="rate_E_after")
    assert len(one) == 2 and one["rate_E_after_n"].tolist() == [5, 6]
    with pytest.raises(ValueError, match="nope"):
        summarize(df, by=["nope"])
    single = summarize(df.iloc[[0]])         # one run: a mean but no standard error
    assert single["rate_E_after_n"].tolist() == [1] and single["rate_E_after_sem"].isna().all()
