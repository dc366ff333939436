"""The package layout: import contracts, examples, citations, README snippets as printed."""
import contextlib
import io
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    """Imports follow the data flow (.importlinter): analysis never imports experiments,
    plotting never runs a simulation, the core imports nothing above it."""
    exe = shutil.which("lint-imports") or str(pathlib.Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe, "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_public_api_has_examples():
    """The entry points a newcomer meets first show an example in their docstring."""
    import sensorynet
    import sensorynet.analysis as an
    for f in (sensorynet.simulate, sensorynet.run_published, sensorynet.ModelParams,
              an.specificity, an.osi, an.circular_distance):
        assert ">>>" in (f.__doc__ or ""), f.__qualname__


def test_citations_point_to_the_projects_model_document():
    text = (ROOT / "docs" / "model.md").read_text()
    sections = set(re.findall(r"^##+ (\d+(?:\.\d+)?)", text, re.M))
    files = [*(ROOT / "sensorynet").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb"),
             ROOT / "README.md"]
    for f in files:
        body = f.read_text()
        assert "MODEL.md" not in body, f
        for sec in re.findall(r"docs/model\.md §(\d+(?:\.\d+)?)", body):
            assert sec in sections, (f, sec)


def _readme_blocks():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_readme_python_blocks_run_as_printed():
    blocks = _readme_blocks()
    assert blocks
    ns = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for code in blocks:
            exec(compile(code, "README.md", "exec"), ns)
    # the numbers the README prints in its comments are the ones the code gives
    rates = ns["res"].spikes["after"].population_rates()
    assert f"'E': {rates['E']:.2f}" in blocks[0] and f"'I': {rates['I']:.2f}" in blocks[0]
    spec = ns["specificity"](ns["res"].W, ns["res"].po, ns["res"].n_exc, "EE")
    assert "[" + " ".join(f"{v:.3f}" for v in spec) + "]" in blocks[0]
    assert ns["p"].network.g == 6.0
