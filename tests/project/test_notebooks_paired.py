"""Each notebook has an up-to-date text twin in notebooks/scripts/ (jupytext py:percent),
so that a change to a notebook's code or prose is reviewable as a plain diff."""
import importlib.util
import pathlib
import sys

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("notebook_scripts",
                                                  ROOT / "tools" / "notebook_scripts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_has_its_script_in_sync():
    tool = _tool()
    assert len(tool.notebooks()) >= 8
    problems = tool.stale()
    assert not problems, ("stale notebook scripts; run python tools/notebook_scripts.py:\n"
                          + "\n".join(problems))


def test_jupytext_config_pairs_the_same_way():
    """`jupytext --sync` (jupytext.toml) writes the scripts the tool checks."""
    tool = _tool()
    config = tomllib.loads((ROOT / "jupytext.toml").read_text())
    assert config["formats"] == "notebooks///ipynb,notebooks/scripts///py:percent"
    for key in ("notebook_metadata_filter", "cell_metadata_filter"):
        assert config[key] == tool.FORMAT[key]


def test_scripts_are_not_collected_as_tests_or_modules():
    """The scripts run the notebooks' code; pytest (--doctest-modules) must not import them."""
    text = (ROOT / "notebooks" / "conftest.py").read_text()
    assert 'collect_ignore = ["scripts"]' in text
