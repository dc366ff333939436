"""Parameter sweeps (sensorynet.sweep): specs, metrics, store, and a real LocalCluster.

Cluster tests use 2 single-threaded worker processes and tiny runs (a few learning
blocks) so that the whole file takes well under a minute.
"""
import json
import math

import pytest

from sensorynet.sweep._store import SweepStore


# ------------------------------------------------------------------------- store
def test_store_is_strict_json_lines_and_survives_a_torn_line(tmp_path):
    store = SweepStore(tmp_path / "s")
    store.append({"run_id": "a", "metrics": {"x": float("nan"), "y": float("inf"),
                                             "z": 1.5}, "error": None})
    line = store.runs_path.read_text().strip()
    assert json.loads(line)["metrics"] == {"x": None, "y": "inf", "z": 1.5}
    with open(store.runs_path, "a") as fh:
        fh.write('{"run_id": "b", "metr')                 # killed mid-write
    store.append({"run_id": "c", "metrics": {"z": 2.0}, "error": None})
    with pytest.warns(RuntimeWarning, match="unreadable"):
        recs = store.load()
    assert sorted(recs) == ["a", "c"]
    assert math.isnan(recs["a"]["metrics"]["x"]) and recs["a"]["metrics"]["y"] == math.inf
    with pytest.raises(ValueError, match="not a directory"):
        SweepStore(store.runs_path)
