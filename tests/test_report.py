"""Tests of sensorynet._report: the run's numbers beside the published code's values
(docs/model.md §6, through sensorynet.published_values) in report.md."""
import re

from sensorynet import ModelParams, published_values
from sensorynet._report import write_report

METRICS = {
    "N": 500, "n_exc": 400,
    "rates": {"before": {"E": 8.21, "I": 5.46}, "after": {"E": 3.95, "I": 6.03},
              "learning_blocks_E": [7.71, 5.0, 3.51]},
    "specificity_EE": {"initial": [0.149, 0.15, 0.152], "final": [0.43, 0.25, 0.101]},
    "mean_weight_existing": {"EI": {"initial": 0.5, "final": 1.34},
                             "IE": {"initial": -4.0, "final": -4.231}},
}


def _report(tmp_path, metrics):
    path = tmp_path / "report.md"
    write_report(path, metrics=metrics, claims=[], errors={}, params=ModelParams(), seed=0,
                 blocks=40, runtimes={"total": 1.0}, figures=[], version="test")
    text = path.read_text()
    section = re.search(r"## This run beside the published code\n(.*?)\n## ", text, re.S)
    assert section, "report.md has no context section"
    return {row.split(" | ")[0].lstrip("| "): row for row in section.group(1).splitlines()
            if row.startswith("| ") and "---" not in row and "quantity" not in row}


def test_context_rows_quote_the_run_and_the_packaged_published_values(tmp_path):
    rows = _report(tmp_path, METRICS)
    pv = published_values()
    assert len(rows) == 6
    e = rows["E rate during the π/2 test (Hz)"]
    lo, hi = pv["rate_E_test"]["after"]
    assert "8.21 → 3.95" in e and f"{lo:g}–{hi:g}" in e
    spec = rows["mean E→E weight over all E pairs by \\|ΔPO\\| 0–30° / 30–60° / 60–90° (mV)"]
    assert "0.149 / 0.150 / 0.152 → 0.430 / 0.250 / 0.101" in spec
    assert " / ".join(f"{x:g}" for x in pv["specificity_EE"]["after"]) in spec
    assert f"± {pv['specificity_EE']['after_tolerance']:g}" in spec
    assert "-4.000 → -4.231" in rows["mean I→E weight of existing synapses (mV)"]


def test_context_rows_say_n_a_for_what_the_run_did_not_record(tmp_path):
    rows = _report(tmp_path, {"N": 500, "n_exc": 400,
                              "rates": {"before": {"E": float("nan")}, "after": {},
                                        "learning_blocks_E": []}})
    assert "n/a → n/a" in rows["E rate during the π/2 test (Hz)"]
    assert "n/a → n/a" in rows["E rate in the first → last learning block (Hz)"]
    assert "n/a → n/a" in rows["mean E→I weight of existing synapses (mV)"]
