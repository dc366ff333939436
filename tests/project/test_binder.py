"""Static checks of the Binder configuration and the notebook test set-up.

The full check -- Binder's build reproduced in a fresh virtual environment from
binder/ alone, then every notebook executed there -- is the script
``.ci/binder_check`` (it installs packages, so it is a CI step, not a unit test).
These tests catch the usual ways the configuration rots: unpinned or missing
requirements, pins that violate the package's own version constraints, a postBuild
that does not install the package, notebooks missing from the test run.
"""
import os
import pathlib
import re
import sys

import pytest
from packaging.requirements import Requirement  # packaging: a dependency of pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def pins():
    """name -> (Requirement, pinned version) of binder/requirements.txt."""
    out = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", \
            f"binder/requirements.txt: {line!r} is not pinned with =="
        out[canonicalize_name(req.name)] = (req, specs[0].version)
    return out


def test_every_runtime_dependency_is_pinned_compatibly(pyproject, pins):
    deps = list(pyproject["project"]["dependencies"])
    for extra in ("sweep",):                      # notebook 06 needs the sweep extra
        deps += pyproject["project"]["optional-dependencies"][extra]
    for dep in deps:
        req = Requirement(dep)
        if req.marker is not None and not req.marker.evaluate():
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not pinned in binder/"
        assert req.specifier.contains(pins[name][1], prereleases=True), \
            f"binder pins {req.name}=={pins[name][1]}, pyproject needs {req.specifier}"
        assert req.extras <= pins[name][0].extras, \
            f"binder pin of {req.name} lacks extras {sorted(req.extras)}"


@pytest.mark.parametrize("name", ["jupyterlab", "ipykernel", "nbval", "pytest", "llvmlite"])
def test_notebook_and_test_tools_are_pinned(pins, name):
    assert name in pins


def test_runtime_matches_requires_python(pyproject):
    text = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert m, f"binder/runtime.txt must read python-X.Y, got {text!r}"
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(m.group(1) + ".0")


def test_postbuild_installs_the_package():
    pb = BINDER / "postBuild"
    text = pb.read_text()
    assert text.startswith("#!"), "postBuild needs a shebang"
    assert os.access(pb, os.X_OK), "postBuild must be executable"
    assert re.search(r"pip install .*(-e )?\.(\s|$)", text), "postBuild must pip-install ."
    assert "set -e" in text


def test_binder_check_script_reproduces_the_build():
    sh = ROOT / ".ci" / "binder_check"
    assert os.access(sh, os.X_OK)
    text = sh.read_text()
    for step in ("-m venv", "-r \"$work/repo/binder/requirements.txt\"", "binder/postBuild",
                 "--nbval-lax", "notebooks/"):
        assert step in text, f".ci/binder_check lacks {step!r}"


def test_notebooks_are_numbered_and_indexed():
    nbs = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert nbs[0] == "00_index.ipynb"
    index = (ROOT / "notebooks" / "00_index.ipynb").read_text()
    for name in nbs[1:]:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name)
        assert f"({name})" in index, f"00_index.ipynb does not link {name}"


def test_notebook_outputs_stored_and_checked_cells_present():
    import nbformat
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if path.name == "00_index.ipynb":
            continue
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name}: not executed in order"
        assert not any(o.get("output_type") == "error" for c in code for o in c.outputs), \
            f"{path.name}: stored error output"
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs), \
            f"{path.name}: no stored figure"
        assert any("NBVAL_CHECK_OUTPUT" in c.source for c in code), \
            f"{path.name}: no cell checks its output"
        assert any("widgets." in c.source for c in code), f"{path.name}: no control panel"
        assert "widgets" not in nb.metadata, f"{path.name}: widget state stored"


def test_pytest_runs_the_notebooks(pyproject):
    opts = pyproject["tool"]["pytest"]["ini_options"]
    assert "notebooks" in opts["testpaths"]
    assert "--nbval-lax" in opts["addopts"]
