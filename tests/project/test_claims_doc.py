"""docs/claims.md shows exactly what its results file holds: every generated block equals
what ``tools/power_study.py`` renders from ``docs/claims/power.json``, that file
describes the packaged ensemble, and the page's design numbers are the code's."""
import importlib.util
import json
import pathlib

import pytest

from sensorynet._calibrate import ESTIMATION_SEED0, HOLDOUT_SEED0, THRESHOLD_SEED0
from sensorynet._identity import IDENTITY_ALPHA, MIN_RUNS, NULL_DF, packaged_ensemble

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "claims.md"
DATA = ROOT / "docs" / "claims" / "power.json"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("power_study",
                                                  ROOT / "tools" / "power_study.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_blocks_equal_the_results_file(tool):
    data = json.loads(DATA.read_text())
    text = DOC.read_text()
    blocks = tool.render(data)
    assert len(blocks) >= 7
    for name, body in blocks.items():
        assert f"<!-- begin: {name} -->\n{body}\n<!-- end: {name} -->" in text, name
    assert (ROOT / "docs" / "claims" / "power.png").read_bytes()[:4] == b"\x89PNG"
    assert "![Power curve" in text and "(claims/power.png)" in text


def test_results_file_describes_the_packaged_ensemble(tool):
    data = json.loads(DATA.read_text())
    assert data["ensemble"] == json.loads(json.dumps(tool.summary(packaged_ensemble())))
    assert data["statistics"] == json.loads(json.dumps(
        tool.statistics_table(packaged_ensemble())))
    cmd = packaged_ensemble().command
    assert cmd.startswith("sensorynet calibrate --neurons 500") and \
        "--out sensorynet/data/identity_ensemble.json" in cmd


def test_design_numbers_of_the_page_are_the_codes(tool):
    text = DOC.read_text()
    sets = [v[3] for v in tool.MODELS.values()]
    assert (f"runs {len(tool.MODELS)} wrong models in three sets — {sets.count('design')} "
            f"used while\ndesigning the test, {sets.count('held-out')} fixed before any "
            f"result was seen, {sets.count('random')} drawn") in text
    assert f"seeds {tool.SEEDS[0]}–{tool.SEEDS[-1]}" in text
    assert f"(seeds {ESTIMATION_SEED0}, …)" in text and f"(seeds {THRESHOLD_SEED0}, …)" in text
    assert f"seeds C ({HOLDOUT_SEED0}, …)" in text
    assert f"ν = min(n_B − 1, {NULL_DF})" in text and f"p < {IDENTITY_ALPHA:g}" in text
    assert f"Fewer than {MIN_RUNS} seeds per set need `--allow-small`" in text
    ens = packaged_ensemble()
    n_seeds = sum(len(v) for v in ens.seeds.values()) + ens.holdout["full"]["n"]
    assert f"({n_seeds} seeds, at the time per seed it states)" in text
    n_runs = (1 + len(tool.MODELS) + len(tool.EXAMPLES)) * len(tool.SEEDS)
    assert f"`python tools/power_study.py --workers 2` ({n_runs} runs of the same cost)" in \
        " ".join(text.split())

