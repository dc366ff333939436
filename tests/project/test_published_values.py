"""One source of the published code's reference values: docs/model.md §6 and the packaged
sensorynet/data/published_values.json say the same (the notebooks quote the packaged
values through :func:`sensorynet.published_range_text`)."""
import pathlib
import re

import pytest

from sensorynet import published_range_text, published_values

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _section6():
    text = (ROOT / "docs" / "model.md").read_text()
    m = re.search(r"^## 6\. .*?(?=^## 7\.)", text, flags=re.S | re.M)
    assert m, "docs/model.md has no §6"
    return m.group(0)


def _numbers(s):
    return [float(x) for x in re.findall(r"[−-]?\d+(?:\.\d+)?", s.replace("−", "-"))]


@pytest.mark.parametrize("name,row", [
    ("rate_E_test", "E rate during the $\\pi/2$ test"),
    ("rate_I_test", "I rate during the $\\pi/2$ test"),
    ("rate_E_learning", "E rate in first → last learning block"),
    ("specificity_EE", "mean E→E weight over all E pairs"),
    ("mean_EI", "mean E→I weight over existing synapses"),
    ("mean_IE", "mean I→E weight over existing synapses"),
])
def test_docs_model_section6_equals_the_packaged_values(name, row):
    line = next((ln for ln in _section6().splitlines() if ln.startswith(f"| {row}")), None)
    assert line is not None, f"docs/model.md §6 has no row {row!r}"
    cells = [c.strip() for c in line.strip("|").split("|")]
    before, after = _numbers(cells[1]), _numbers(cells[2])
    v = published_values()[name]

    def flat(x):
        return [float(y) for y in (x if isinstance(x, list) else [x])]
    assert before == flat(v["before"])
    expected_after = flat(v["after"]) + ([v["after_tolerance"]] if "after_tolerance" in v else [])
    assert after == expected_after


def test_loader_returns_copies_and_checks_names():
    a = published_values()
    a["rate_E_test"]["after"][0] = 99
    assert published_values()["rate_E_test"]["after"][0] == 3.5
    assert published_range_text("rate_E_test", "after") == "3.5–4.1"
    assert published_range_text("specificity_EE", "after") == "0.42 / 0.25 / 0.1"
    with pytest.raises(ValueError, match="no published value"):
        published_range_text("nope", "after")
    with pytest.raises(ValueError, match="phase"):
        published_range_text("mean_EI", "during")
